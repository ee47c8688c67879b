"""Faults and hostile targets: what is left on disk is the finished run, the previous run, or
nothing, and the next run says which; nothing mentormatch did not write is ever deleted.

Runs go through the real command line (in-process with click's runner, or as child
processes where a kill or a second process is the point).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import make_outcome, write_inputs
from processes import gone_within

from cli.main import cli
from matcher.runfolder.claim import OutputError, claim_output
from matcher.runfolder.filesink import FileSink
from matcher.runfolder.marker import MARKER, foreign_content, read_marker
from matcher.runfolder.writer import write_run_folder

CORPUS = Path(__file__).parent / "corpus"
FILES = [str(CORPUS / "good_mentors.csv"), str(CORPUS / "good_mentees.csv"),
         "--config", str(CORPUS / "corpus.toml")]


def _match(out: Path | str, *extra: str):
    result = CliRunner().invoke(cli, ["match", *FILES, "--out", str(out), "--quiet", *extra])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def _debris(folder: Path) -> list[str]:
    """Hidden leftovers of a run beside its target: partial or old folders, locks."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _child(out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", "from cli.main import cli; cli()", "match",
                             *FILES, "--out", str(out), "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


# ------------------------------------------------------------------ targets refused early

def test_out_dot_and_its_parents_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    for target in (".", "..", str(tmp_path)):
        result = _match(target, "--force")
        assert result.exit_code == 2 and "current folder" in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_a_symbolic_link_is_refused_dangling_or_not(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    for name in ("dangling", "link"):
        result = _match(tmp_path / name, "--force")
        assert result.exit_code == 2 and "symbolic link" in result.output, result.output
    assert not (tmp_path / "nowhere").exists() and list((tmp_path / "real").iterdir()) == []


def test_a_path_under_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = _match(tmp_path / "notes.txt" / "run")
    assert result.exit_code == 2 and "is a file" in result.output, result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_the_target_is_checked_before_the_cohort_is_read(tmp_path):
    """A bad --out is reported even when the intake has errors: it is looked at first."""
    (tmp_path / "run").write_text("a file")
    result = CliRunner().invoke(cli, ["match", str(CORPUS / "duplicate_ids.csv"),
                                      str(CORPUS / "good_mentees.csv"), "--config",
                                      str(CORPUS / "corpus.toml"), "--out",
                                      str(tmp_path / "run"), "--quiet"])
    assert result.exit_code == 2 and "is a file" in result.output, result.output


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
@pytest.mark.parametrize("options, expected", [("ro,size=4m", "read-only"),
                                                ("size=1m", "MB free")])
def test_read_only_and_full_disks_are_refused_before_the_solve(tmp_path, options, expected):
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("this container may not mount tmpfs")
    try:
        result = _match(mount / "run")
        assert result.exit_code == 2 and expected in result.output, result.output
        assert list(mount.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_disk_that_really_fills_up_mid_write_is_exit_2_and_leaves_nothing(tmp_path,
                                                                          monkeypatch):
    """A real full disk, not a simulated error: a 1 MB tmpfs filled by someone else's file
    to its last 24 KB, the free-space estimate switched off so the run starts writing, and
    the kernel answers ENOSPC part-way. The other file is untouched."""
    import matcher.runfolder.claim as claim

    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("this container may not mount tmpfs")
    try:
        filler = mount / "someone-elses.bin"
        filler.write_bytes(b"\0" * (shutil.disk_usage(mount).free - 24 * 1024))
        monkeypatch.setattr(claim.OutputClaim, "check_free_space", lambda *_: None)
        result = _match(mount / "run")
        assert result.exit_code == 2, result.output
        assert "the disk is full" in result.output, result.output
        assert "Traceback" not in result.output
        # Nothing half-written is left (no run folder, partial folder or lock), and the
        # file the tool did not write is as it was.
        assert list(mount.iterdir()) == [filler]
        assert filler.stat().st_size > 900 * 1024
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = _match(folder / "run")
        assert result.exit_code == 2 and "permission denied" in result.output, result.output
    finally:
        folder.chmod(0o755)


def test_a_full_disk_while_writing_is_exit_2_and_leaves_nothing(tmp_path, monkeypatch):
    """ENOSPC from the file system mid-write (simulated: the tmpfs test covers the check)."""
    import matcher.runfolder.writer as writer

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "run" / "report.html"))
    monkeypatch.setattr(writer, "render_report", full)
    result = _match(tmp_path / "run")
    assert result.exit_code == 2 and "the disk is full" in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _busy(*_args, **_kwargs):
    raise OSError(16, "Device or resource busy", "run")  # EBUSY: a mount point, a share


@pytest.mark.parametrize("where", ["writing", "final move"])
def test_a_busy_file_system_is_exit_2_naming_it_and_leaves_nothing(tmp_path, monkeypatch,
                                                                   where):
    """EBUSY (simulated) while the files are written, or when the finished folder is moved
    into place: one paragraph saying the folder is busy, exit 2, no partial folder."""
    import matcher.runfolder.claim as claim
    import matcher.runfolder.writer as writer
    monkeypatch.setattr(*((writer, "render_report", _busy) if where == "writing"
                          else (claim, "_rename_no_replace", _busy)))
    result = _match(tmp_path / "run")
    assert result.exit_code == 2, result.output
    assert "busy (another program is using it)" in result.output, result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_busy_file_system_during_force_keeps_the_previous_run(tmp_path, monkeypatch):
    import matcher.runfolder.claim as claim
    assert _match(tmp_path / "run").exit_code == 0
    before = {p.relative_to(tmp_path).as_posix(): p.read_bytes()
              for p in (tmp_path / "run").rglob("*") if p.is_file()}
    monkeypatch.setattr(claim, "_rename_no_replace", _busy)
    result = _match(tmp_path / "run", "--force")
    assert result.exit_code == 2 and "busy" in result.output, result.output
    after = {p.relative_to(tmp_path).as_posix(): p.read_bytes()
             for p in (tmp_path / "run").rglob("*") if p.is_file()}
    assert after == before
    assert _debris(tmp_path) == []


# ------------------------------------------------------------------ --force and the marker

def test_force_refuses_a_run_folder_holding_files_it_did_not_write(tmp_path):
    out = tmp_path / "run"
    assert _match(out).exit_code == 0
    (out / "src").mkdir()
    (out / "src" / "main.py").write_text("print('years of work')")
    result = _match(out, "--force")
    assert result.exit_code == 2 and "src/" in result.output, result.output
    assert (out / "src" / "main.py").read_text() == "print('years of work')"


def test_force_refuses_a_run_folder_whose_files_were_edited(tmp_path):
    out = tmp_path / "run"
    assert _match(out).exit_code == 0
    with (out / "pairings.csv").open("a", encoding="utf-8") as handle:
        handle.write("my notes\n")
    result = _match(out, "--force")
    assert result.exit_code == 2 and "pairings.csv (changed" in result.output, result.output
    assert (out / "pairings.csv").read_text(encoding="utf-8-sig").endswith("my notes\n")


def test_force_refuses_another_tools_folder_with_a_run_json(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text('{"format": "mentormatch-run/1"}')
    (out / "setup.py").write_text("")
    result = _match(out, "--force")
    assert result.exit_code == 2 and "not a mentormatch run folder" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["run.json", "setup.py"]


def test_a_forged_marker_does_not_cover_unlisted_files(tmp_path):
    out = tmp_path / "run"
    assert _match(out).exit_code == 0
    (out / "thesis.docx").write_text("years of work")
    result = _match(out, "--force")
    assert result.exit_code == 2 and "thesis.docx" in result.output


def test_force_replaces_an_unchanged_run_and_leaves_no_debris(tmp_path):
    out = tmp_path / "run"
    assert _match(out).exit_code == 0
    first = read_marker(out)
    assert first is not None
    result = _match(out, "--force")
    assert result.exit_code == 0, result.output
    second = read_marker(out)
    assert second is not None
    assert second.token != first.token and foreign_content(out) == []
    assert _debris(tmp_path) == []


def test_without_force_an_existing_folder_is_never_touched(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "x.txt").write_text("mine")
    assert _match(out).exit_code == 2
    assert (out / "x.txt").read_text() == "mine" and _debris(tmp_path) == []


# ------------------------------------------------------------------ concurrent runs

def test_a_second_run_into_a_claimed_out_is_refused(tmp_path):
    out = tmp_path / "run"
    with claim_output(out, force=False):
        result = _match(out)
        assert result.exit_code == 2 and "Another mentormatch run" in result.output
    assert _match(out).exit_code == 0  # released


def test_something_appearing_at_out_meanwhile_is_kept_and_the_run_is_kept_beside(tmp_path):
    out = tmp_path / "run"
    outcome, explanations = make_outcome()
    inputs = write_inputs(tmp_path / "in")
    with claim_output(out, force=False) as claim:
        out.mkdir()
        (out / "theirs.txt").write_text("someone else's")
        with pytest.raises(OutputError, match="finished run is in") as error:
            write_run_folder(outcome, out, inputs=inputs, explanations=explanations,
                             quiet=True, claim=claim)
    assert (out / "theirs.txt").read_text() == "someone else's"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("run.finished-")]
    assert len(kept) == 1 and str(kept[0]) in str(error.value)
    assert foreign_content(kept[0]) == [] and _debris(tmp_path) == []
    assert (out / "theirs.txt").read_text() == "someone else's"


def test_two_runs_started_together_give_one_folder(tmp_path):
    out = tmp_path / "run"
    children = [_child(out), _child(out)]
    outputs = [child.communicate(timeout=120)[0] for child in children]
    codes = sorted(child.returncode for child in children)
    assert codes == [0, 2], outputs
    assert any("Another mentormatch run" in o or "already exists" in o for o in outputs)
    assert foreign_content(out) == [] and _debris(tmp_path) == []


# ------------------------------------------------------------------ kills at random moments

def _state(out: Path) -> str | None:
    """The run at ``out`` by its token (None: no folder); asserts it is whole."""
    if not out.exists():
        return None
    assert foreign_content(out) == [], foreign_content(out)
    marker = read_marker(out)
    assert marker is not None
    return marker.token


@pytest.mark.slow
@pytest.mark.parametrize("force", [False, True])
def test_a_run_killed_at_any_moment_leaves_the_new_run_the_old_one_or_nothing(tmp_path, force):
    """Kill `match` (SIGKILL) after random delays spanning its whole run; what is at --out
    is whole (the previous run, the new one, or nothing), and the next run tidies the
    killed run's debris and says so. The states reached are counted: a test whose kills
    all land before or after the write would prove nothing."""
    rng = random.Random(14 + force)
    out = tmp_path / "run"
    started = time.monotonic()  # one whole run, timed on this machine now, sets the range
    assert _child(tmp_path / "timing").wait(timeout=300) == 0
    duration = time.monotonic() - started
    shutil.rmtree(tmp_path / "timing")
    reached = {"nothing": 0, "previous": 0, "new": 0, "debris": 0}
    for _attempt in range(8):
        if force and not out.exists():
            assert _match(out).exit_code == 0
        before = _state(out)
        child = _child(out, *(["--force"] if force else []))
        if _attempt % 2:  # anywhere in the run
            time.sleep(rng.uniform(0.3, 1.5) * duration)
        else:  # while the folder is being written: the window that matters most
            deadline = time.monotonic() + 2 * duration
            while not any(tmp_path.glob(".run.*.partial")) and time.monotonic() < deadline \
                    and child.poll() is None:
                time.sleep(0.002)
            # The sample's folder is written in 25-31 ms (session 10): a kill at most 20 ms
            # after the partial folder appears lands while it is written.
            time.sleep(rng.uniform(0.0, 0.02))
        child.send_signal(signal.SIGKILL)
        child.communicate()
        after = _state(out)  # whole, or absent
        reached["nothing" if after is None else "previous" if after == before else "new"] += 1
        debris = [name for name in _debris(tmp_path) if name.startswith(".run.")]
        reached["debris"] += bool(debris)
        if force or after is None or debris:
            if not force and after is not None:  # killed after placing, before unlocking
                assert foreign_content(out) == []
                shutil.rmtree(out)  # so that the next run may write there without --force
            result = _match(out, *(["--force"] if force else []))
            assert result.exit_code == 0, result.output
            if debris:
                assert "Note:" in result.output, (debris, result.output)
        assert _debris(tmp_path) == [], "the next run left debris"
        assert foreign_content(out) == []
        if not force:
            shutil.rmtree(out)
    print(reached)
    assert reached["debris"] >= 1, reached


# ------------------------------------------------------------------ the file helper

def test_the_file_helper_dies_with_its_parent(tmp_path):
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from matcher.runfolder.filesink import FileSink\n"
        f"sink = FileSink(Path({str(tmp_path)!r}), helper=True)\n"
        "sink.write(Path({0!r}) / 'a.txt', b'a')\n".format(str(tmp_path))
        + "print(sink._process.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    parent = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    helper = int(parent.stdout.split()[0])
    assert gone_within(helper)


assert FileSink is not None and MARKER  # imported for the names the docstrings use


def test_a_force_killed_while_removing_the_replaced_run_is_tidied_by_the_next(tmp_path,
                                                                               monkeypatch):
    """`--force` removes the run it replaced last. A kill in the middle of that removal
    leaves a hidden `.run.<token>.old` folder; it keeps its marker to the end (removed
    last), so the next run recognises it as mentormatch's, removes it and says so."""
    import matcher.runfolder.claim as claim

    out = tmp_path / "run"
    assert _match(out).exit_code == 0
    calls = []

    def killed_midway(path, *args, **kwargs):  # the second folder removed: "killed"
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_rmtree(path, *args, **kwargs)

    real_rmtree = shutil.rmtree
    monkeypatch.setattr(claim.shutil, "rmtree", killed_midway)
    result = CliRunner().invoke(cli, ["match", *FILES, "--out", str(out), "--quiet",
                                      "--force"])
    assert result.exit_code != 0 and "Aborted" in result.output, result.output
    monkeypatch.setattr(claim.shutil, "rmtree", real_rmtree)
    left = [p for p in tmp_path.iterdir() if p.name.endswith(".old")]
    assert len(left) == 1 and (left[0] / MARKER).exists()
    assert left[0] in [c.parent for c in calls[:2]] and any(left[0].iterdir())  # half gone
    result = _match(out, "--force")
    assert result.exit_code == 0, result.output
    assert "Note:" in result.output and left[0].name in result.output
    assert _debris(tmp_path) == [] and foreign_content(out) == []
