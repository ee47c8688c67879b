"""The file helper's reading of its stream and the sender's writing of it.

The helper reads the pipe in large blocks and slices the frames out of them: every frame
must arrive whole wherever the reads cut it (a pipe's reads end where the sender's writes
did, and a block ends anywhere), a stream cut short must stop the writing, a name not below
the folder must be refused, a failed write must stop the helper with its message, and the
helper must stop when its parent is gone.
"""

from __future__ import annotations

import bisect
import io
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.runfolder import filesink
from matcher.runfolder.filesink import (
    END,
    FRAME,
    READER,
    FileSink,
    checked_name,
    receive,
    relative_name,
    write_all,
)


class _Chunked:
    """A stream whose reads stop at the offsets ``cuts`` (as a pipe's reads stop where the
    sender's writes stopped, or where the reader's block ends)."""

    def __init__(self, data: bytes, cuts: list[int],
                 before_end: Callable[[], object] = lambda: None) -> None:
        self._data, self._at, self._before_end = data, 0, before_end
        self._stops = sorted({c for c in cuts if 0 < c < len(data)} | {len(data)})

    def readinto(self, buffer: memoryview) -> int:
        if self._at == len(self._data):
            self._before_end()
            return 0
        stop = self._stops[bisect.bisect_right(self._stops, self._at)]
        count = min(len(buffer), stop - self._at)
        buffer[:count] = self._data[self._at:self._at + count]
        self._at += count
        return count


def _stream(files: list[tuple[str, bytes]]) -> bytes:
    return b"".join(FRAME.pack(len(n := name.encode()), len(data)) + n + data
                    for name, data in files)


def _regions(files: list[tuple[str, bytes]]) -> list[tuple[int, int, int, int]]:
    """(start, name start, data start, end) of each frame in :func:`_stream`."""
    regions, at = [], 0
    for name, data in files:
        name_start = at + FRAME.size
        data_start = name_start + len(name.encode())
        regions.append((at, name_start, data_start, data_start + len(data)))
        at = data_start + len(data)
    return regions


def _cuts(stream: bytes, files: list[tuple[str, bytes]], most: int
          ) -> st.SearchStrategy[list[int]]:
    """Where reads stop: anywhere, and often at a frame's start, name or data."""
    borders = [offset for region in _regions(files) for offset in region[:3] if offset > 0]
    anywhere = st.integers(1, max(1, len(stream)))
    return st.lists(st.one_of(anywhere, st.sampled_from(borders)) if borders else anywhere,
                    max_size=most)


def _where(offset: int, regions: list[tuple[int, int, int, int]]) -> str:
    """Which part of the stream a read ending at ``offset`` cuts."""
    for start, name_start, data_start, end in regions:
        if offset == start:
            return "at a frame's start"
        if start < offset < name_start:
            return "inside a header"
        if name_start <= offset < data_start and offset != start:
            return "inside a name"
        if data_start <= offset < end:
            return "inside the data"
    return "at the end frame"


def _joined(data: memoryview | list[memoryview]) -> bytes:
    return b"".join(data) if isinstance(data, list) else bytes(data)


@pytest.fixture
def recorded(monkeypatch) -> list[tuple[str, bytes]]:
    """The files the helper would write, in order, instead of writing them."""
    written: list[tuple[str, bytes]] = []

    def record(path: str, data: memoryview | list[memoryview], dir_fd: int | None = None
               ) -> None:
        assert dir_fd is not None or os.open not in os.supports_dir_fd
        written.append((path, _joined(data)))

    monkeypatch.setattr(filesink, "write_file", record)
    return written


_NAMES = st.lists(st.sampled_from(["a", "b.txt", "é", "x y", "sub/c.html", "sub/ü.md",
                                   "long-" + "n" * 40]),
                  min_size=0, max_size=6, unique=True)
_DATA = st.one_of(st.binary(max_size=8), st.binary(min_size=30, max_size=120))
_BLOCKS = st.sampled_from([1, 12, 13, 16, 23, 40, 64, 200, 1 << 20])


def test_frames_cut_anywhere_by_the_reads_arrive_whole(tmp_path, recorded):
    """Whatever the block size and wherever the reads stop (inside a header, a name or a
    file's bytes, or between frames), every file arrives whole, in order; files larger
    than a block, names longer than one and blocks that fill up each reached."""
    reached: Counter[str] = Counter()

    @settings(max_examples=700, deadline=None)
    @given(names=_NAMES, data=st.data(), block=_BLOCKS)
    def check(names: list[str], data: st.DataObject, block: int) -> None:
        files = [(name, data.draw(_DATA)) for name in names]
        stream = _stream(files) + END
        cuts = data.draw(_cuts(stream, files, 12))
        recorded.clear()
        receive(tmp_path, _Chunked(stream, cuts), block=block)
        assert recorded == files
        regions = _regions(files)
        for cut in cuts:
            reached[_where(cut, regions)] += 1
        for name, content in files:
            head = FRAME.size + len(name.encode())
            reached["a name longer than a block"] += head > block
            reached["a file larger than a block"] += head <= block < head + len(content)
        reached["blocks filled up"] += len(stream) > block

    check()
    print(reached)
    assert min(reached[k] for k in ("at a frame's start", "inside a header", "inside a name",
                                    "inside the data", "a name longer than a block",
                                    "a file larger than a block", "blocks filled up")) >= 50


def test_a_stream_cut_short_stops_with_the_files_before_the_cut(tmp_path, recorded):
    """A stream that ends without its end frame (the parent was killed): EOFError, naming
    a cut frame if one was cut; the files before the cut are written (the end is met here
    only after them, a pipe's end can come at any time), and nothing of the cut frame."""
    reached: Counter[str] = Counter()

    @settings(max_examples=500, deadline=None)
    @given(names=_NAMES, data=st.data(), block=_BLOCKS)
    def check(names: list[str], data: st.DataObject, block: int) -> None:
        files = [(name, data.draw(_DATA)) for name in names]
        stream = _stream(files)
        cut = data.draw(st.integers(0, len(stream)) | st.sampled_from(  # at and just past
            [0] + [offset + past for region in _regions(files) for offset in region
                   for past in (0, 1) if offset + past <= len(stream)]))
        cuts = data.draw(_cuts(stream, files, 6))
        regions = _regions(files)
        whole = sum(end <= cut for *_, end in regions)
        recorded.clear()

        def once_the_whole_files_are_written() -> None:  # else the writer may not start
            deadline = time.monotonic() + 10
            while len(recorded) < whole and time.monotonic() < deadline:
                time.sleep(0.0005)

        with pytest.raises(EOFError) as error:
            receive(tmp_path, _Chunked(stream[:cut], cuts, once_the_whole_files_are_written),
                    block=block)
        where = _where(cut, regions)
        at_a_frame = where in ("at a frame's start", "at the end frame")
        assert ("without its end frame" in str(error.value)) == at_a_frame, (cut, error.value)
        assert recorded == files[:whole]
        reached[where] += 1
        reached["files written before the cut"] += bool(recorded)

    check()
    print(reached)
    assert min(reached[k] for k in ("at a frame's start", "inside a header", "inside a name",
                                    "inside the data", "at the end frame",
                                    "files written before the cut")) >= 25


def test_a_batch_cut_by_the_streams_end_is_not_written_further(tmp_path, monkeypatch):
    """Five files in one read, then the stream ends without its end frame while the first
    is being written: that file is the last one written."""
    written: list[str] = []
    writing = threading.Event()

    class EndingOnceWriting(io.BytesIO):
        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            count = super().readinto(buffer)
            if not count:  # the end: met only once the writer is at work
                assert writing.wait(10)
            return count

    def write_once_the_reader_ended(path: str, data: object, dir_fd: int | None = None) -> None:
        writing.set()
        deadline = time.monotonic() + 10
        while (any(t.name == READER for t in threading.enumerate())
               and time.monotonic() < deadline):
            time.sleep(0.001)
        written.append(path)

    monkeypatch.setattr(filesink, "write_file", write_once_the_reader_ended)
    files = [(f"f{k}.txt", b"x" * k) for k in range(5)]
    with pytest.raises(EOFError, match="without its end frame"):
        receive(tmp_path, EndingOnceWriting(_stream(files)))
    assert written == ["f0.txt"]


def test_names_are_checked_as_pathlib_would_and_only_below_the_folder():
    """checked_name accepts exactly the names relative_name gives for files below a folder
    (relative, one ``/`` between parts, no empty, ``.`` or ``..`` part, no NUL) and refuses
    the rest; every accepted name stays below the folder."""
    reached: Counter[str] = Counter()

    @settings(max_examples=2_000, deadline=None)
    @given(st.lists(st.sampled_from(["a", "é", ".", "..", "/..", "/", "\\", ":", "\0", " ",
                                     "b.c"]),
                    max_size=7).map("".join))
    def check(name: str) -> None:
        path = PurePosixPath(name)
        canonical = bool(path.parts) and not path.is_absolute() and "/".join(path.parts) == name
        expected = canonical and ".." not in path.parts and "\0" not in name
        try:
            checked_name(name)
            accepted = True
        except ValueError:
            accepted = False
        assert accepted == expected, name
        if accepted:
            assert os.path.normpath(os.path.join("/base", name)).startswith("/base/")
            assert relative_name(Path("/base"), Path("/base") / name) == name
        reached["accepted" if accepted else
                "absolute" if path.is_absolute() else
                ".." if ".." in path.parts else
                "NUL" if "\0" in name and canonical else "not canonical"] += 1

    check()
    print(reached)
    assert min(reached.values()) >= 40 and len(reached) == 5, reached


@pytest.mark.parametrize("name", ["a\\..\\..\\b", "C:b", "sub/D:x"])
def test_windows_separators_and_drives_are_refused_there(monkeypatch, name):
    monkeypatch.setattr(filesink, "_NOT_IN_NAMES", ("\0", "\\", ":"))
    with pytest.raises(ValueError, match="not a path below the run folder"):
        checked_name(name)


def test_a_refused_name_mid_stream_writes_nothing_after_it(tmp_path, recorded):
    files = [("a.txt", b"a"), ("../b.txt", b"b"), ("c.txt", b"c")]
    with pytest.raises(ValueError, match="not a path below the run folder"):
        receive(tmp_path, io.BytesIO(_stream(files) + END))
    assert [name for name, _ in recorded] in ([], ["a.txt"])


def test_a_failed_write_mid_batch_stops_there_with_the_helpers_message(tmp_path):
    """Four small files reach the helper in one read; the third cannot be created: the
    two before it are written, the one after it is not, and the parent raises OSError
    with the helper's message."""
    with pytest.raises(OSError, match="Writing the run folder failed.*c.txt"):
        with FileSink(tmp_path, helper=True) as sink:
            for name in ("a.txt", "b.txt", "missing/c.txt", "d.txt"):
                sink.write(tmp_path / name, name.encode())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_the_helper_writes_only_while_its_parent_is_the_one_that_started_it(tmp_path):
    stream = _stream([("a.txt", b"a")]) + END
    with pytest.raises(OSError, match="has stopped"):
        receive(tmp_path, io.BytesIO(stream), parent=-1)
    assert list(tmp_path.iterdir()) == []
    receive(tmp_path, io.BytesIO(stream), parent=os.getppid())
    assert (tmp_path / "a.txt").read_bytes() == b"a"


def test_a_helper_whose_parent_stops_mid_stream_exits_with_an_error(tmp_path):
    """The helper run as `match` runs it; its parent closes the pipe after two files and
    no end frame (killed): the helper exits 1 saying so, having written the two at most."""
    helper = subprocess.Popen([sys.executable, "-I", "-S", filesink.__file__, str(tmp_path)],
                              stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    _, errors = helper.communicate(_stream([("a.txt", b"a"), ("b.txt", b"b")]), timeout=60)
    assert helper.returncode == 1 and b"without its end frame" in errors
    assert {p.name for p in tmp_path.iterdir()} <= {"a.txt", "b.txt"}


def test_pieces_reach_the_pipe_in_order_whatever_each_write_takes(monkeypatch):
    """write_all hands the pieces on in one writev per MAX_PIECES and again from where a
    write stopped short (a signal, a full pipe): the bytes arrive in order, once; without
    writev (Windows) one write per piece."""
    reached: Counter[str] = Counter()
    monkeypatch.setattr(filesink, "MAX_PIECES", 3)

    @settings(max_examples=400, deadline=None)
    @given(pieces=st.lists(st.binary(max_size=9), max_size=8),
           limits=st.lists(st.integers(1, 20), min_size=1, max_size=5),
           vectored=st.booleans())
    def check(pieces: list[bytes], limits: list[int], vectored: bool) -> None:
        received = bytearray()
        calls = iter(limits * 100)

        def write(handle: int, data: bytes) -> int:
            return writev(handle, [data])

        def writev(handle: int, batch: list[bytes]) -> int:
            assert len(batch) <= 3
            chunk = b"".join(batch)[:next(calls)]
            received.extend(chunk)
            reached["a piece written in part"] += any(
                0 < len(chunk) - sum(len(p) for p in batch[:k]) < len(batch[k])
                for k in range(len(batch)))
            return len(chunk)

        with monkeypatch.context() as patched:  # the module's os only: nothing else writes
            patched.setattr(filesink, "os", SimpleNamespace(write=write, **(
                {"writev": writev} if vectored else {})))
            write_all(7, list(pieces))
        assert bytes(received) == b"".join(pieces)
        reached["more pieces than one writev takes"] += vectored and len(pieces) > 3
        reached["one write per piece"] += not vectored and len(pieces) > 1

    check()
    print(reached)
    assert min(reached.values()) >= 50 and len(reached) == 3, reached


def test_many_small_files_fill_several_writes_to_the_pipe(tmp_path):
    """More frames than one writev takes before the sender's buffer is full: all arrive."""
    sent = {f"f{k:04d}.txt": str(k).encode() for k in range(1_500)}
    with FileSink(tmp_path, helper=True) as sink:
        for name, data in sent.items():
            sink.write(tmp_path / name, data)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == sent
