"""Creating a run folder's many files in a helper process while the next ones render.

A run folder of 10,000 pairs holds some 30,000 files. Creating a file is work for the kernel,
and on a virtual disk it cost about as much as rendering the file (0.1–0.5 ms a file, nearly
all of the run folder's system time). A thread cannot take that work over: each system call
hands Python's GIL back and must wait to take it again, so a writer thread and the renderer
only take turns. A process can: :class:`FileSink` streams each file's path and bytes through
a pipe to this module run as a script (``python -I -S filesink.py FOLDER``), which creates
the files on another core.

What a file costs beyond creating it is kept small on both sides, since on two busy cores
every microsecond of it is CPU the renderers lack (``benchmarks/bench_filesink.py``): the
sender gathers frames and hands them to the pipe with one ``writev`` per MiB (no copy into
a buffer first) through a pipe widened to 1 MiB (Linux); the helper reads 1 MiB blocks,
reused once their files are written, slices each frame's name and bytes out of them (no
copy), hands whole batches between its reading and its writing thread, checks names by
string and opens each file relative to the folder's handle (``dir_fd``).

The helper needs nothing but the standard library (``-I`` runs it isolated from the
environment and this package's folder, ``-S`` without site-packages), and it writes only
below FOLDER: a name that is not a relative path below it (absolute, ``..``, an empty or
``.`` part; on Windows ``\\`` or ``:``) stops it. Small folders are written in-process,
where starting a helper would cost more than it saves, and so is everything when Python
cannot start the helper (a frozen application).

The helper dies with its parent: on Linux the kernel kills it when the parent dies
(``PR_SET_PDEATHSIG``); everywhere it checks before each file that its parent is still the
one that started it, and a stream that ends without the parent's end frame (the parent was
killed mid-run) stops it without writing what is left in its backlog (the rest of the
batch in hand included). The run's partial folder is then removed by the next run
(:mod:`.claim`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import struct
import sys
import threading
from collections import deque

# Only the type checker reads these: the helper imports as little as it can (each module
# is start-up time, twice per large run folder).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path
    from subprocess import Popen
    from types import TracebackType
    from typing import Protocol

    class Stream(Protocol):
        """What the helper reads: an unbuffered pipe (or, in tests, a BytesIO)."""

        def readinto(self, buffer: memoryview, /) -> int | None: ...

    #: What holds a file's bytes.
    Buffer = bytes | bytearray | memoryview
    #: A file the helper received: its checked relative name and its bytes (in pieces if
    #: it was larger than a block).
    Received = tuple[str, memoryview | list[memoryview]]
    #: Files received, the bytes they hold, and the blocks to reuse once they are written.
    Batch = tuple[list[Received], int, list[bytearray]]

#: One frame: the length of the file's path (UTF-8, relative, with ``/``) and of its bytes.
FRAME = struct.Struct("<IQ")
#: Bytes the parent gathers before handing them to the pipe in one system call, the pipe's
#: capacity it asks Linux for (64 KiB by default: a wake-up of the helper every 64 KiB)
#: and the most the helper reads at once.
PIPE_BUFFER = 1 << 20
#: Bytes the helper reads ahead of the file system at the most (a run folder of 10,000
#: pairs is some 300 MB), so that the parent rarely waits for it.
MAX_BACKLOG = 256 << 20
#: The frame that ends a complete stream (no file has an empty path).
END = FRAME.pack(0, 0)
#: Pieces handed to the pipe in one ``writev`` at the most (Linux's IOV_MAX).
MAX_PIECES = 1024
#: Blocks of PIPE_BUFFER bytes the helper keeps for reuse at the most (a file larger than a
#: block is read into blocks of its own).
POOL_BLOCKS = 64
#: The name of the helper's thread that reads the stream.
READER = "filesink-reader"
_PR_SET_PDEATHSIG = 1
#: Open flags only some systems have (Windows: binary mode; POSIX: not inherited by children).
_BINARY = getattr(os, "O_BINARY", 0)
_NO_INHERIT = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOINHERIT", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _BINARY | _NO_INHERIT
#: Characters a received name may not hold besides NUL: on Windows ``\\`` also separates
#: folders and ``:`` names a drive (``C:x`` is not below the folder).
_NOT_IN_NAMES = ("\0", "\\", ":") if os.name == "nt" else ("\0",)
_NOTHING = memoryview(b"")



class FileSink:
    """Writes files below ``folder``: through the helper process if ``helper``, else directly.

    Use it as a context manager. Leaving the block normally waits until every file is
    written and raises :class:`OSError` with the helper's message if a write failed; leaving
    it with an exception stops the helper. Either way no write is under way afterwards, so
    the caller may rename or delete the folder. The files' bytes are kept, not copied, until
    they are sent: they must not change after :meth:`write` (``bytes`` cannot).
    """

    def __init__(self, folder: Path, *, helper: bool = True) -> None:
        self.folder = folder
        self._process: Popen[bytes] | None = None
        #: Frames' heads and files' bytes not sent yet, and how many bytes the files hold.
        self._pending: list[Buffer] = []
        self._pending_bytes = 0
        if (helper and sys.executable and not getattr(sys, "frozen", False)
                and os.path.isfile(__file__)):
            import subprocess  # here: the helper runs this file and needs none of it
            try:  # -S: no site-packages (the helper needs the standard library only)
                self._process = subprocess.Popen(
                    [sys.executable, "-I", "-S", __file__, str(folder), str(os.getpid())],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                    bufsize=0)
            except OSError:  # no helper today: this process writes the files itself
                self._process = None
            else:
                assert self._process.stdin is not None
                _widen_pipe(self._process.stdin.fileno())

    def write(self, path: Path, data: bytes) -> None:
        """Write ``data`` to ``path``, a file below the folder; its parent folder must exist."""
        if self._process is None:
            write_file(str(path), data)
            return
        name = relative_name(self.folder, path).encode("utf-8")
        self._pending += (FRAME.pack(len(name), len(data)) + name, data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= PIPE_BUFFER or len(self._pending) >= MAX_PIECES:
            self._send()

    def _send(self) -> None:
        """Hand the pending frames to the pipe; OSError if the helper stopped."""
        assert self._process is not None and self._process.stdin is not None
        pieces, self._pending, self._pending_bytes = self._pending, [], 0
        try:
            write_all(self._process.stdin.fileno(), pieces)
            return
        except BrokenPipeError:  # the helper stopped: its own message says why
            pass
        self._finish()
        raise OSError("the file-writing helper stopped before the run folder was complete")

    def _finish(self) -> None:
        """Wait until the helper has written all it was sent; OSError if it failed."""
        process, self._process = self._process, None
        if process is not None:
            pieces, self._pending = [*self._pending, END], []  # END: everything was sent
            if process.stdin is not None:
                try:
                    write_all(process.stdin.fileno(), pieces)
                except BrokenPipeError:  # the helper already stopped: its message says why
                    pass
            _, errors = process.communicate()
            if process.returncode != 0:
                raise OSError(errors.decode("utf-8", "replace").strip() or "the file-writing "
                              f"helper stopped (exit status {process.returncode})")

    def _stop(self) -> None:
        process, self._process = self._process, None
        self._pending = []
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


def _widen_pipe(handle: int) -> None:
    """Ask Linux for a pipe of :data:`PIPE_BUFFER` bytes; elsewhere, or beyond this user's
    limit (``/proc/sys/fs/pipe-max-size``), keep the default."""
    try:
        import fcntl
        fcntl.fcntl(handle, fcntl.F_SETPIPE_SZ, PIPE_BUFFER)
    except (ImportError, AttributeError, OSError):
        pass


def write_all(handle: int, pieces: Sequence[Buffer]) -> None:
    """Write ``pieces`` to ``handle`` in order: one ``writev`` per :data:`MAX_PIECES`
    (no copy into a buffer of this process first), again from where a write stopped short."""
    writev = getattr(os, "writev", None)  # not on Windows: one write per piece
    pieces = list(pieces)
    while pieces:
        batch = pieces[:MAX_PIECES] if writev is not None else pieces[:1]
        written = writev(handle, batch) if writev is not None else os.write(handle, batch[0])
        done = 0
        while done < len(batch) and written >= len(batch[done]):
            written -= len(batch[done])
            done += 1
        pieces = pieces[done:]
        if written:  # a piece written in part: its rest first
            pieces[0] = memoryview(pieces[0])[written:]


def write_file(path: str, data: Buffer | list[memoryview], dir_fd: int | None = None) -> None:
    """Create (or truncate) the file ``path`` (relative to the folder ``dir_fd`` if given)
    holding ``data`` (or its pieces, in order): ``Path.write_bytes`` in the three system
    calls it needs (open, write, close), without the buffered file object's own (stat,
    terminal check, seek), which cost as much again as the write."""
    handle = os.open(path, _CREATE, 0o666, dir_fd=dir_fd)
    try:
        if isinstance(data, list):
            write_all(handle, data)
        elif (written := os.write(handle, data)) < len(data):  # a short write: the rest
            write_all(handle, [memoryview(data)[written:]])
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


def checked_name(name: str) -> str:
    """``name`` if it is a file's path below the folder in the form :func:`relative_name`
    gives (relative, parts joined by one ``/``, none empty, ``.`` or ``..``); else
    ValueError. Checked by string: a PurePosixPath per file cost more than writing it."""
    framed = f"/{name}/"
    if ("//" in framed or "/./" in framed or "/../" in framed
            or any(character in name for character in _NOT_IN_NAMES)):
        raise ValueError(f"{name!r} is not a path below the run folder")
    return name


def receive(folder: str | os.PathLike[str], stream: Stream, *,
            max_backlog: int = MAX_BACKLOG, parent: int | None = None,
            block: int = PIPE_BUFFER) -> None:
    """Write every file framed on ``stream`` below ``folder`` (the helper's work).

    A thread reads the stream in blocks of up to ``block`` bytes and parses their frames
    into batches (the files' bytes are slices of the blocks, not copies) for a
    :class:`_Backlog` of at most ``max_backlog`` bytes, so the parent can go on sending
    while this one waits for the file system; both threads spend their time in system
    calls, which leave the GIL to the other. With ``parent`` (a pid), each file is written
    only while that process is still the parent. A stream that breaks (cut, or a name not
    below the folder) stops the writing at the next file: what is left is not written.
    """
    root, prefix = _open_folder(folder)
    backlog, frames = _Backlog(max_backlog), _Frames(stream, block)
    reader = threading.Thread(target=backlog.fill, args=(frames,), name=READER, daemon=True)
    reader.start()
    try:
        while (batch := backlog.take()) is not None:
            files, _, spent = batch
            for name, data in files:
                if backlog.error is not None:
                    raise backlog.error
                if parent is not None and os.getppid() != parent:
                    raise OSError("the mentormatch process that started this helper has "
                                  "stopped")
                write_file(prefix + name, data, root)
            frames.recycle(spent)
    finally:
        if root is not None:
            os.close(root)
    reader.join()


def _open_folder(folder: str | os.PathLike[str]) -> tuple[int | None, str]:
    """How to name a file below ``folder``: (an open handle of it, "") where ``os.open``
    takes ``dir_fd`` (no path to join and for the kernel to walk per file), else (None, the
    folder's path and a separator)."""
    if os.open in os.supports_dir_fd:
        return os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NO_INHERIT), ""
    return None, os.path.join(folder, "")


class _Frames:
    """The files framed on a stream, in batches: the frames each read completed.

    The stream is read into blocks of ``block`` bytes, reused once their files are written
    (:meth:`recycle`; fresh memory costs a page fault per 4 KiB), and each read's whole
    frames are handed on as slices of the block (no copy). A block that fills up passes
    the start of its last, incomplete frame on to a fresh block; a file larger than a block
    is read straight into blocks of its own and written from them.
    """

    def __init__(self, stream: Stream, block: int) -> None:
        self._stream, self._block = stream, max(block, FRAME.size)
        self._pool: deque[bytearray] = deque()

    def recycle(self, blocks: list[bytearray]) -> None:
        """Take back blocks whose files are written (any thread), keeping a few."""
        for block in blocks:
            if len(block) == self._block and len(self._pool) < POOL_BLOCKS:
                self._pool.append(block)

    def _fresh(self, size: int = 0) -> bytearray:
        if size <= self._block:
            try:
                return self._pool.pop()
            except IndexError:
                size = self._block
        return bytearray(size)

    def __iter__(self) -> Iterator[Batch]:
        """The batches until the end frame; EOFError if the stream ends first, ValueError
        for a name not below the folder."""
        unpack, size = FRAME.unpack_from, FRAME.size
        block = self._fresh()
        view, filled, at = memoryview(block), 0, 0
        spent: list[bytearray] = []  # blocks left behind, reused after the next batch
        while True:
            files: list[Received] = []
            held = 0
            while at + size <= filled:  # the frames that lie whole in what was read
                name_length, data_length = unpack(view, at)
                start = at + size + name_length
                if start + data_length > filled:
                    break
                if not name_length and not data_length:  # the end frame (no name is empty)
                    if files:
                        yield files, held, spent
                    return
                files.append((checked_name(str(view[at + size:start], "utf-8")),
                              view[start:start + data_length]))
                held += data_length
                at = start + data_length
            if files:
                yield files, held, spent
                spent = []
            # the incomplete frame at ``at``: its head (header and name) and data, if known
            head = data_length = 0
            if at + size <= filled:
                name_length, data_length = unpack(view, at)
                head = size + name_length
            named = head and filled - at >= head
            if filled == len(block):  # full: the incomplete frame moves on
                if named and head + data_length > len(block):
                    yield self._large(view[at:at + head], view[at + head:filled],
                                      data_length, [*spent, block])
                    spent = []
                    block = self._fresh()
                    view, filled, at = memoryview(block), 0, 0
                    continue
                spent.append(block)
                block = self._fresh(head)
                moved = view[at:filled]
                view = memoryview(block)
                view[:len(moved)] = moved
                filled, at = len(moved), 0
            read = self._stream.readinto(view[filled:])
            if not read:
                if at == filled:
                    raise EOFError("the stream ended without its end frame (the parent "
                                   "process stopped)")
                inside = (str(view[at + size:at + head], "utf-8", "replace") if named
                          else "a frame")
                raise EOFError(f"the stream ended inside {inside}")
            filled += read

    def _large(self, head: memoryview, start: memoryview, length: int,
               spent: list[bytearray]) -> Batch:
        """The batch of one file larger than a block: its name from ``head``, its first
        bytes ``start`` and the rest read into blocks of its own (no join)."""
        name = checked_name(str(head[FRAME.size:], "utf-8"))
        pieces = [start]
        missing = length - len(start)
        while missing:
            block = self._fresh()
            piece = memoryview(block)[:min(missing, len(block))]
            held = 0
            while held < len(piece):
                read = self._stream.readinto(piece[held:])
                if not read:
                    raise EOFError(f"the stream ended inside {name}")
                held += read
            pieces.append(piece)
            spent.append(block)
            missing -= len(piece)
        return [(name, pieces)], length, spent


class _Backlog:
    """Files read but not written yet, in batches: at most ``limit`` bytes of them, or one
    batch larger than that.

    :meth:`fill` runs on the reader thread until the stream ends; :meth:`take` returns the
    next batch, or None at the end, and raises what the reader met; :attr:`error` is that
    error as soon as the reader meets it (the writer checks it before each file).
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._batches: deque[Batch] = deque()
        self._bytes = 0
        self._done = False
        self.error: BaseException | None = None
        self._changed = threading.Condition()

    def fill(self, batches: Iterator[Batch]) -> None:
        """Add every batch, then mark the end (or the error that cut the stream short)."""
        try:
            for batch in batches:
                self._add(batch)
        except BaseException as exc:  # handed to the writing thread, which stops
            self.error = exc
        finally:
            with self._changed:
                self._done = True
                self._changed.notify_all()

    def _add(self, batch: Batch) -> None:
        size = batch[1]
        with self._changed:
            self._changed.wait_for(lambda: not self._batches or self._bytes + size <= self._limit)
            self._batches.append(batch)
            self._bytes += size
            self._changed.notify_all()

    def take(self) -> Batch | None:
        """The next batch of files to write, or None after the last."""
        with self._changed:
            self._changed.wait_for(lambda: self._batches or self._done)
            if self.error is not None:
                raise self.error
            if not self._batches:
                return None
            batch = self._batches.popleft()
            self._bytes -= batch[1]
            self._changed.notify_all()
            return batch


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
    # the pipe unbuffered: each read takes what is there, up to a block, with one call
    stream = open(sys.stdin.fileno(), "rb", buffering=0, closefd=False)
    try:
        receive(arguments[0], stream, parent=parent)
    except Exception as exc:  # reported to the parent, which raises it as OSError
        print(f"Writing the run folder failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
