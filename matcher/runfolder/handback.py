"""Results handed back by a forked copy one by one, as it finishes them, without its waiting.

A forked copy (:mod:`.forked`) returns one value when it ends; a copy that works through
many tasks would hand back all of them at once, and the caller would wait while the copy
pickles them all and then unpickle them all itself, with the other core idle. A
:class:`Handback` instead takes each result as the copy finishes it: the copy appends the
pickled result to an anonymous in-memory file shared with the caller (``memfd``: it never
fills, so the copy never waits for the caller) and tells where it lies through a pipe; the
caller unpickles what has arrived whenever it pauses between its own tasks, and waits only
for the last one. When the copy stops early (it failed), the pipe ends and :meth:`received`
raises ``EOFError``: the caller then takes the copy's own error from :meth:`.forked.Part.result`.

Only where the copy is forked (Linux: :func:`.forked.can_fork`).
"""

from __future__ import annotations

import os
import pickle
import select
import struct
from collections.abc import Iterator
from typing import Any

#: One notice: the result's key (a task number), and where its pickle lies in the file.
_NOTICE = struct.Struct("<IQQ")


class Handback:
    """Open before the fork; then :meth:`sender` in the copy, :meth:`receiver` here."""

    def __init__(self) -> None:
        self._file = os.memfd_create("mentormatch-handback", os.MFD_CLOEXEC)
        self._reader, self._writer = os.pipe()
        self._end = 0

    def sender(self) -> Handback:
        """The copy's side (call first thing in the copy): it only sends."""
        self._reader = _closed(self._reader)
        return self

    def receiver(self) -> Handback:
        """This process's side (call right after the fork): it only receives."""
        self._writer = _closed(self._writer)
        return self

    def send(self, key: int, value: Any) -> None:
        """Hand ``value`` (picklable) back under ``key``; never waits for the receiver."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        start = self._end
        with memoryview(data) as view:
            written = 0
            while written < len(view):
                written += os.pwrite(self._file, view[written:], start + written)
        self._end += len(data)
        os.write(self._writer, _NOTICE.pack(key, start, len(data)))

    def received(self, *, wait: bool) -> Iterator[tuple[int, Any]]:
        """The results that have arrived (``wait``: at least one, waiting for it), in the
        order they were sent. EOFError when ``wait`` finds the copy gone without sending
        more; without ``wait``, the copy's end only ends the results (it may have ended
        after sending its last one)."""
        while wait or (self._reader >= 0 and select.select([self._reader], [], [], 0)[0]):
            notice = os.read(self._reader, _NOTICE.size) if self._reader >= 0 else b""
            if not notice:  # the copy has ended: everything it sent has been read
                self._reader = _closed(self._reader)
                if wait:
                    raise EOFError("the forked copy stopped before handing back its results")
                return
            key, start, length = _NOTICE.unpack(notice)
            yield key, self._load(start, length)
            wait = False

    def _load(self, start: int, length: int) -> Any:
        """The result pickled in ``length`` bytes from ``start`` of the file, read into one
        buffer of its size."""
        data = bytearray(length)
        with memoryview(data) as view:
            done = 0
            while done < length:
                read = os.preadv(self._file, [view[done:]], start + done)
                if not read:
                    raise EOFError("a result handed back by the forked copy is cut short")
                done += read
        return pickle.loads(data)

    def close(self) -> None:
        """Give back this side's descriptors (the copy's close when it exits)."""
        self._file, self._reader, self._writer = (
            _closed(fd) for fd in (self._file, self._reader, self._writer))


def _closed(fd: int) -> int:
    """Close ``fd`` unless it is closed already (-1); returns -1."""
    if fd >= 0:
        os.close(fd)
    return -1
