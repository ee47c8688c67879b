"""The file-writing helper process: same files as writing in-process, errors reach the caller."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from matcher.runfolder.filesink import END, FRAME, FileSink, receive


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("helper", [True, False])
def test_the_helper_writes_what_it_is_sent(tmp_path, helper):
    (tmp_path / "plans").mkdir()
    sent = {"a.csv": b"x,y\r\n", "plans/b.html": "<p>Zoë</p>".encode(), "empty.txt": b"",
            "plans/big.bin": bytes(range(256)) * 20_000}
    with FileSink(tmp_path, helper=helper) as sink:
        for name, data in sent.items():
            sink.write(tmp_path / name, data)
    assert _files(tmp_path) == dict(sorted(sent.items()))


def test_a_failed_write_in_the_helper_is_raised_when_the_block_ends(tmp_path):
    with pytest.raises(OSError, match="Writing the run folder failed.*x.txt"):
        with FileSink(tmp_path, helper=True) as sink:
            sink.write(tmp_path / "no_such_folder" / "x.txt", b"x")


def test_a_helper_that_dies_fails_the_writes(tmp_path):
    with pytest.raises(OSError, match="helper stopped"):
        with FileSink(tmp_path, helper=True) as sink:
            assert sink._process is not None
            sink._process.kill()
            sink._process.wait()
            sink.write(tmp_path / "big.bin", b"x" * (4 << 20))


def test_an_error_in_the_block_stops_the_helper(tmp_path):
    with pytest.raises(RuntimeError, match="rendering failed"):
        with FileSink(tmp_path, helper=True) as sink:
            process = sink._process
            sink.write(tmp_path / "a.txt", b"a")
            raise RuntimeError("rendering failed")
    assert process is not None and process.poll() is not None


def test_a_file_larger_than_the_backlog_still_passes(tmp_path):
    frames = b"".join(FRAME.pack(len(name), len(data)) + name + data
                      for name, data in ((b"a", b"12345678"), (b"b", b"x" * 50), (b"c", b"z")))
    receive(tmp_path, io.BytesIO(frames + END), max_backlog=10)
    assert _files(tmp_path) == {"a": b"12345678", "b": b"x" * 50, "c": b"z"}


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd", "a/../../b"])
def test_the_helper_writes_nowhere_outside_its_folder(tmp_path, name):
    encoded = name.encode()
    stream = io.BytesIO(FRAME.pack(len(encoded), 1) + encoded + b"x")
    (tmp_path / "run").mkdir()
    with pytest.raises(ValueError, match="not a path below the run folder"):
        receive(tmp_path / "run", stream)
    assert not (tmp_path / "outside.txt").exists()


def test_a_cut_stream_is_an_error(tmp_path):
    stream = io.BytesIO(FRAME.pack(1, 10) + b"a" + b"short")
    with pytest.raises(EOFError, match="inside a"):
        receive(tmp_path, stream)


def test_a_stream_without_its_end_frame_is_an_error(tmp_path):
    """The parent was killed between two files: the helper stops with an error (exit 1)."""
    frames = b"".join(FRAME.pack(1, 1) + name + b"x" for name in (b"a", b"b", b"c"))
    with pytest.raises(EOFError, match="end frame"):
        receive(tmp_path, io.BytesIO(frames), max_backlog=1 << 20)
