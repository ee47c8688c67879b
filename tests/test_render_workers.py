"""Plans, calendars and introduction e-mails rendered by worker processes (large runs,
issue 15) give the same folder, byte for byte and file for file, as rendering in the
writing process; a failure in a worker stops the run and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.runfolder import writer
from matcher.runfolder.marker import MARKER
from matcher.runfolder.writer import WriterOptions, write_run_folder
from tests.factories import make_outcome, write_inputs

IN_WORKERS = WriterOptions(render_workers_from_pairs=1, render_workers=2)


def _write(tmp_path: Path, name: str, options: WriterOptions) -> Path:
    outcome, explanations = make_outcome()
    return write_run_folder(outcome, tmp_path / name, inputs=write_inputs(tmp_path / "in"),
                            explanations=explanations, quiet=True, options=options)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and p.name not in ("run.json", MARKER)}  # created_at; the run's token


def test_workers_write_the_same_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    monkeypatch.setattr(writer, "RENDER_CHUNK", 1)  # several tasks, returned in order
    here = _write(tmp_path, "here", WriterOptions(render_workers=1))
    workers = _write(tmp_path, "workers", IN_WORKERS)
    files = _files(here)
    assert any(name.endswith(".ics") for name in files)
    assert sum(name.startswith("plans/") for name in files) >= 3
    assert "introductions.csv" in files
    assert _files(workers) == files


def test_workers_only_when_asked_and_from_the_threshold_on_linux() -> None:
    options = WriterOptions(render_workers_from_pairs=100, render_workers=3)
    assert writer.render_workers(options, 99) == 1
    assert writer.render_workers(options, 100) == (3 if writer.sys.platform == "linux" else 1)
    # `match` renders in its own process: on 2 cores the workers were slower
    assert writer.render_workers(writer.DEFAULT_OPTIONS, 1_000_000) == 1


def test_a_failure_in_a_worker_stops_the_run_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self, plan):
        raise RuntimeError(f"template failed for {plan.file_stem}")

    monkeypatch.setattr(writer.PlanRenderer, "__call__", broken)
    with pytest.raises(RuntimeError, match="template failed"):
        _write(tmp_path, "run", IN_WORKERS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]
