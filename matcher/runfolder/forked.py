"""One part of a run folder's work done by a forked copy of this process, on another core.

A large run folder is mostly rendering (plans, calendars, e-mails), and rendering is Python:
one core. :func:`start` forks this process; the copy shares every object in memory as it
was (the cohort, the plans, the compiled templates, without pickling any of them), does
the work it is given (which writes its own files into the run's partial folder) and sends
back only a small result, pickled through a pipe. :meth:`Part.result` waits for it and
returns it, or raises the error the copy met (the same exception, when it can be pickled).

Nothing is lost from the all-or-nothing write: the copy writes only into the partial folder,
is always waited for (or killed, :meth:`Part.stop`) before the caller renames or deletes
that folder, and dies with its parent (Linux kills it when the parent dies, as it does the
file helper, :mod:`.filesink`); Ctrl-C is for the parent, which stops it. Forking is only
safe where ``fork`` copies a process faithfully and cheaply: on Linux; elsewhere
:func:`can_fork` is False and callers do the work themselves.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

from matcher.runfolder.filesink import die_with_parent

T = TypeVar("T")


def usable_cores() -> int:
    """How many cores this process may run on (its CPU affinity where the system tells it,
    else every core)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether :func:`start` may fork here (Linux only, see the module docstring)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class Part(Generic[T]):
    """A forked copy doing one piece of work: :meth:`result` or :meth:`stop` it, once."""

    def __init__(self, pid: int, reader: int) -> None:
        self._pid, self._reader = pid, reader
        self._running = True

    def result(self) -> T:
        """The work's return value, once the copy has finished; raises what it raised."""
        try:
            with os.fdopen(self._reader, "rb") as stream:
                data = stream.read()
        except BaseException:  # interrupted here (Ctrl-C): the copy must not go on
            self._kill()
            raise
        _, status = os.waitpid(self._pid, 0)
        self._running = False
        if not data:
            raise OSError("the process writing part of the run folder stopped before it "
                          f"finished (wait status {status})")
        try:
            done, value = pickle.loads(data)
        except Exception as exc:  # an exception class that cannot be rebuilt from a pickle
            raise OSError(f"the process writing part of the run folder failed: {exc}") from None
        if done:
            return value
        raise value

    def stop(self) -> None:
        """Kill the copy (the caller failed meanwhile) and wait until it is gone; nothing
        to do once :meth:`result` has returned or raised."""
        if self._running:
            os.close(self._reader)
            self._kill()

    def _kill(self) -> None:
        self._running = False
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)


def start(work: Callable[[], T]) -> Part[T]:
    """Run ``work()`` in a forked copy of this process (only where :func:`can_fork`)."""
    reader, writer = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the copy: never returns, never runs the parent's exit handlers
        status = 1
        try:
            os.close(reader)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent decides
            die_with_parent(parent)
            try:
                outcome: tuple[bool, object] = (True, work())
            except BaseException as exc:  # handed to the parent, which raises it
                outcome = (False, exc)
            try:
                data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # an error (or result) that cannot be pickled
                data = pickle.dumps((False, OSError(f"{outcome[1]!r} ({exc})")))
            with os.fdopen(writer, "wb") as stream:
                stream.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    return Part(pid, reader)
