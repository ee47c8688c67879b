"""Creating a run folder's many files in a helper process while the next ones render.

A run folder of 10,000 pairs holds some 30,000 files. Creating a file is work for the kernel,
and on a virtual disk it cost about as much as rendering the file (0.1–0.5 ms a file, nearly
all of the run folder's system time). A thread cannot take that work over: each system call
hands Python's GIL back and must wait to take it again, so a writer thread and the renderer
only take turns. A process can: :class:`FileSink` streams each file's path and bytes through
a pipe to this module run as a script (``python -I filesink.py FOLDER``), which creates the
files on another core.

The helper needs nothing but the standard library (``-I`` runs it isolated from the
environment, the user's site-packages and this package's folder), and it writes only
below FOLDER. Small folders are written in-process, where starting a
helper would cost more than it saves, and so is everything when Python cannot start the
helper (a frozen application).

The helper dies with its parent: on Linux the kernel kills it when the parent dies
(``PR_SET_PDEATHSIG``); everywhere it checks before each file that its parent is still the
one that started it, and a stream that ends without the parent's end frame (the parent was
killed mid-run) stops it without writing what is left in its backlog. The run's partial
folder is then removed by the next run (:mod:`.claim`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import BinaryIO

#: One frame: the length of the file's path (UTF-8, relative, with ``/``) and of its bytes.
FRAME = struct.Struct("<IQ")
#: Bytes the parent gathers before handing them to the pipe.
PIPE_BUFFER = 1 << 20
#: Bytes the helper reads ahead of the file system at the most (a run folder of 10,000
#: pairs is some 400 MB), so that the parent rarely waits for it.
MAX_BACKLOG = 256 << 20
#: The frame that ends a complete stream (no file has an empty path).
END = FRAME.pack(0, 0)
_PR_SET_PDEATHSIG = 1
#: Open flags only some systems have (Windows: binary mode; POSIX: not inherited by children).
_BINARY = getattr(os, "O_BINARY", 0)
_NO_INHERIT = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOINHERIT", 0)


class FileSink:
    """Writes files below ``folder``: through the helper process if ``helper``, else directly.

    Use it as a context manager. Leaving the block normally waits until every file is
    written and raises :class:`OSError` with the helper's message if a write failed; leaving
    it with an exception stops the helper. Either way no write is under way afterwards, so
    the caller may rename or delete the folder.
    """

    def __init__(self, folder: Path, *, helper: bool = True) -> None:
        self.folder = folder
        self._process: subprocess.Popen[bytes] | None = None
        script = Path(__file__)
        if helper and sys.executable and not getattr(sys, "frozen", False) and script.is_file():
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-I", str(script), str(folder), str(os.getpid())],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, bufsize=PIPE_BUFFER)
            except OSError:  # no helper today: this process writes the files itself
                self._process = None

    def write(self, path: Path, data: bytes) -> None:
        """Write ``data`` to ``path``, a file below the folder; its parent folder must exist."""
        if self._process is None or self._process.stdin is None:
            write_file(str(path), data)
            return
        name = relative_name(self.folder, path).encode("utf-8")
        try:
            self._process.stdin.write(FRAME.pack(len(name), len(data)) + name)
            self._process.stdin.write(data)
            return
        except BrokenPipeError:  # the helper stopped: its own message says why
            pass
        self._finish()
        raise OSError("the file-writing helper stopped before the run folder was complete")

    def _finish(self) -> None:
        """Wait until the helper has written all it was sent; OSError if it failed."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                try:  # the end frame: everything was sent
                    process.stdin.write(END)
                except BrokenPipeError:  # the helper already stopped: its message says why
                    pass
            _, errors = process.communicate()
            if process.returncode != 0:
                raise OSError(errors.decode("utf-8", "replace").strip() or "the file-writing "
                              f"helper stopped (exit status {process.returncode})")

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.communicate()

    def __enter__(self) -> FileSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None:
            self._finish()
        else:
            self._stop()


def write_file(path: str, data: bytes) -> None:
    """Create (or truncate) the file ``path`` holding ``data``: ``Path.write_bytes`` in the
    three system calls it needs (open, write, close), without the buffered file object's
    own (stat, terminal check, seek), which cost as much again as the write."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _BINARY | _NO_INHERIT,
                     0o666)
    try:
        with memoryview(data) as view:
            written = 0
            while written < len(view):
                written += os.write(handle, view[written:])
    finally:
        os.close(handle)


def relative_name(folder: Path, path: Path) -> str:
    """``path`` relative to ``folder``, with ``/``: ``path.relative_to(folder).as_posix()``,
    by string when ``path`` was built as ``folder / ...`` (pathlib's own way cost more than
    creating the file's frame)."""
    text, prefix = str(path), str(folder) + os.sep
    if text.startswith(prefix) and len(text) > len(prefix) and ".." not in path.parts:
        name = text[len(prefix):]
        return name if os.sep == "/" else name.replace(os.sep, "/")
    return path.relative_to(folder).as_posix()


def receive(folder: Path, stream: BinaryIO, *, max_backlog: int = MAX_BACKLOG,
            parent: int | None = None) -> None:
    """Write every file framed on ``stream`` below ``folder`` (the helper's work).

    A thread reads the frames ahead into a :class:`_Backlog` of at most ``max_backlog``
    bytes, so the parent can go on sending while this one waits for the file system; both
    threads spend their time in system calls, which leave the GIL to the other. With
    ``parent`` (a pid), each file is written only while that process is still the parent.
    """
    backlog = _Backlog(max_backlog)
    reader = threading.Thread(target=backlog.fill, args=(_frames(stream),), daemon=True)
    reader.start()
    while (frame := backlog.take()) is not None:
        if parent is not None and os.getppid() != parent:
            raise OSError("the mentormatch process that started this helper has stopped")
        name, data = frame
        write_file(os.path.join(folder, *name.parts), data)
    reader.join()


def _frames(stream: BinaryIO) -> Iterator[tuple[PurePosixPath, bytes]]:
    while header := stream.read(FRAME.size):
        if len(header) != FRAME.size:
            raise EOFError("the stream ended inside a frame")
        if header == END:
            return
        name_length, data_length = FRAME.unpack(header)
        name = stream.read(name_length).decode("utf-8")
        data = stream.read(data_length)
        if len(data) != data_length:
            raise EOFError(f"the stream ended inside {name}")
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"{name!r} is not a path below the run folder")
        yield relative, data
    raise EOFError("the stream ended without its end frame (the parent process stopped)")


class _Backlog:
    """Files read but not written yet: at most ``limit`` bytes of them, or one larger file.

    :meth:`fill` runs on the reader thread until the stream ends; :meth:`take` returns the
    next file, or None at the end, and raises what the reader met.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._files: deque[tuple[PurePosixPath, bytes]] = deque()
        self._bytes = 0
        self._done = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()

    def fill(self, frames: Iterator[tuple[PurePosixPath, bytes]]) -> None:
        """Add every frame, then mark the end (or the error that cut the frames short)."""
        try:
            for frame in frames:
                self._add(frame)
        except BaseException as exc:  # handed to the writing thread, which stops
            self._error = exc
        finally:
            with self._changed:
                self._done = True
                self._changed.notify_all()

    def _add(self, frame: tuple[PurePosixPath, bytes]) -> None:
        size = len(frame[1])
        with self._changed:
            self._changed.wait_for(lambda: not self._files or self._bytes + size <= self._limit)
            self._files.append(frame)
            self._bytes += size
            self._changed.notify_all()

    def take(self) -> tuple[PurePosixPath, bytes] | None:
        """The next file to write, or None after the last."""
        with self._changed:
            self._changed.wait_for(lambda: self._files or self._done)
            if self._error is not None:
                raise self._error
            if not self._files:
                return None
            frame = self._files.popleft()
            self._bytes -= len(frame[1])
            self._changed.notify_all()
            return frame


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent (pid ``parent``) dies; then check the
    parent did not die before the request (the other systems rely on the checks in
    :func:`receive`)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the checks in receive still apply
            pass
    if os.getppid() != parent:
        sys.exit(1)


def _main(arguments: list[str]) -> int:
    # Ctrl-C reaches the whole process group: the parent decides, and stops the helper.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = int(arguments[1]) if len(arguments) > 1 else None
    if parent is not None:
        die_with_parent(parent)
    try:
        receive(Path(arguments[0]), sys.stdin.buffer, parent=parent)
    except Exception as exc:  # reported to the parent, which raises it as OSError
        print(f"Writing the run folder failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
