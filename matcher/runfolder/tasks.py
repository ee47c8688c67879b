"""Numbered tasks shared out between this process and its forked copy, each done once, by
whichever process is free first.

A run folder's work split at a fixed share leaves one process waiting for the other as
soon as the steps' costs move (and they move with the cohort, the program's templates and
every speed-up of one step). Handed out on demand instead, the two processes finish within
one task of each other whatever the costs. :class:`TaskQueue` is a pipe filled with the task
numbers before the fork, in the order they are to be done; each process reads the next
number when it is free. Linux serialises reads of a pipe, and each number is one fixed-size
read, so no task is taken twice or lost. Without a fork (:meth:`TaskQueue.alone`) the
numbers are handed out in the same order to this process alone.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator

#: One task number as it sits in the pipe.
_NUMBER = struct.Struct("<I")
#: Task numbers a pipe holds before its writer would block (64 KiB on Linux, 4 KiB on old
#: systems: kept below the smallest).
MAX_TASKS = 4096 // _NUMBER.size


class TaskQueue:
    """The task numbers ``0 .. count - 1``, in that order, handed out once each.

    Made before the fork with :meth:`shared`, it is read by both processes (:meth:`claims`);
    :meth:`close` it in each once done (a copy's descriptors close when it exits).
    """

    def __init__(self, count: int, reader: int | None) -> None:
        self.count = count
        self._reader = reader
        self._next = 0

    @classmethod
    def shared(cls, count: int) -> TaskQueue:
        """A queue for this process and the copies it forks next."""
        if count > MAX_TASKS:
            raise ValueError(f"{count} tasks: at most {MAX_TASKS} fit in one queue")
        reader, writer = os.pipe()
        try:
            os.write(writer, b"".join(_NUMBER.pack(k) for k in range(count)))
        finally:
            os.close(writer)  # once the numbers are read, a read finds the end
        return cls(count, reader)

    @classmethod
    def alone(cls, count: int) -> TaskQueue:
        """The same numbers for this process alone (no copy)."""
        return cls(count, None)

    def claims(self) -> Iterator[int]:
        """The next task number not taken yet by any process, until none is left."""
        if self._reader is None:
            while self._next < self.count:
                self._next += 1
                yield self._next - 1
            return
        while len(data := os.read(self._reader, _NUMBER.size)) == _NUMBER.size:
            yield _NUMBER.unpack(data)[0]

    def close(self) -> None:
        """Give back this process's end of the pipe (nothing to do without one)."""
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None
