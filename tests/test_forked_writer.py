"""A large run folder written by two processes (issue 15, "fast outputs"): a forked copy
writes the later networks' plans, calendars and the cohort snapshot, then the workbook,
while the run's own process writes the rest. The folder must be the one a single process
writes, byte for byte and file for file (on a real 1,000-mentee match, explanations
computed in each process for its own part), a failure in the copy must stop the run and
leave nothing behind, and the copy never outlives the run."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from processes import gone_within

from matcher.outcome import MatchOutcome
from matcher.outputs.plans import PlanBuilder
from matcher.pipeline import run_match
from matcher.runfolder import forked, writer
from matcher.runfolder.marker import MARKER, read_marker
from matcher.runfolder.writer import (
    DEFAULT_OPTIONS,
    WriterOptions,
    split_networks,
    write_run_folder,
)
from sample_data.generate import write as generate
from scoring.config import load_config
from scoring.explain import EXPLAIN_BLOCK_ROWS
from scoring.intake.cohort import read_cohort

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "sample_data" / "program.toml"
FORKED = WriterOptions(fork_from_pairs=1, fork_only_when_idle=False)
ONE_PROCESS = WriterOptions(fork_from_pairs=10**9)
needs_fork = pytest.mark.skipif(not forked.can_fork(), reason="fork: Linux only")


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[MatchOutcome, dict[str, Path]]:
    """The real match of a generated 1,000 x 300 cohort (the solver, not a made-up one)."""
    folder = tmp_path_factory.mktemp("g1000")
    generate(folder, 1_000, 300, seed=1)
    config = load_config(CONFIG)
    inputs = {"mentors": folder / "mentors.csv", "mentees": folder / "mentees.csv",
              "config": CONFIG}
    cohort = read_cohort(inputs["mentors"], inputs["mentees"], config)
    return run_match(cohort, config, progress=False), inputs


def _comparable(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, without what differs between two writes of one run (run.json's
    created_at, the marker's token and the hash of run.json it lists)."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in folder.rglob("*") if p.is_file()}
    record = json.loads(files["run.json"])
    record.pop("created_at")
    files["run.json"] = json.dumps(record, sort_keys=True).encode()
    marker = json.loads(files[MARKER])
    marker.pop("token")
    marker["files"].pop("run.json")
    files[MARKER] = json.dumps(marker, sort_keys=True).encode()
    return files


@needs_fork
def test_two_processes_write_the_folder_one_process_writes(
        tmp_path: Path, thousand: tuple[MatchOutcome, dict[str, Path]]) -> None:
    outcome, inputs = thousand
    first, second = split_networks(outcome.networks, FORKED)
    assert len(second) > 0 and sum(len(n.pairings) for n in second) > 100  # really split
    one = write_run_folder(outcome, tmp_path / "one", inputs=inputs, quiet=True,
                           options=ONE_PROCESS)
    two = write_run_folder(outcome, tmp_path / "two", inputs=inputs, quiet=True,
                           options=FORKED)
    alone, together = _comparable(one), _comparable(two)
    # plans and calendars of both parts, the copy's snapshot and workbook, all listed
    assert sum(name.endswith(".ics") for name in alone) == sum(
        len(n.pairings) for n in outcome.networks)
    assert {"audit/cohort.json", "pairings.xlsx", "explanations.csv"} <= alone.keys()
    assert sorted(together) == sorted(alone)
    assert [name for name in alone if together[name] != alone[name]] == []
    marker = read_marker(two)
    assert marker is not None and set(marker.files) == set(alone) - {MARKER}


def test_the_split_keeps_the_explainers_blocks_and_halves_the_pairs(
        thousand: tuple[MatchOutcome, dict[str, Path]]) -> None:
    """The first part ends after a whole number of the explainer's blocks of placed
    mentees (so each part's scores come from the same blocks), near half of the pairs."""
    outcome, _ = thousand
    if not forked.can_fork():
        assert split_networks(outcome.networks, FORKED)[1] == ()
        return
    first, second = split_networks(outcome.networks, FORKED)
    assert list(first) + list(second) == list(outcome.networks)
    placed = sum(1 for n in first if n.pairings)
    assert placed % EXPLAIN_BLOCK_ROWS == 0 and placed > 0
    pairs = [sum(len(n.pairings) for n in part) for part in (first, second)]
    assert abs(pairs[0] - pairs[1]) <= 2 * EXPLAIN_BLOCK_ROWS
    assert split_networks(outcome.networks, ONE_PROCESS)[1] == ()
    # a run smaller than one block is never split
    assert split_networks(outcome.networks[:EXPLAIN_BLOCK_ROWS], FORKED)[1] == ()


@needs_fork
def test_by_default_a_large_run_forks_only_while_a_core_is_idle(
        monkeypatch: pytest.MonkeyPatch,
        thousand: tuple[MatchOutcome, dict[str, Path]]) -> None:
    """The default options fork a run of 500 pairs or more when the load average leaves a
    core idle, and write it in one process when every core is busy (the copies' extra CPU
    would then be extra wall time) or when the load cannot be read."""
    outcome, _ = thousand
    cores = len(os.sched_getaffinity(0))
    assert sum(len(n.pairings) for n in outcome.networks) >= DEFAULT_OPTIONS.fork_from_pairs
    for load, splits in ((cores - 0.6, True), (cores + 0.0, False), (3.0 * cores, False)):
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        assert (len(split_networks(outcome.networks, DEFAULT_OPTIONS)[1]) > 0) is splits, load
        # a caller may fork whatever the load
        assert len(split_networks(outcome.networks, FORKED)[1]) > 0

    def unreadable() -> tuple[float, float, float]:
        raise OSError("no load average")
    monkeypatch.setattr(os, "getloadavg", unreadable)
    assert split_networks(outcome.networks, DEFAULT_OPTIONS)[1] == ()
    # a run below the threshold never forks, however idle the machine
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert len(split_networks(outcome.networks, DEFAULT_OPTIONS)[1]) > 0
    pairs = sum(len(n.pairings) for n in outcome.networks)
    above = dataclasses.replace(DEFAULT_OPTIONS, fork_from_pairs=pairs + 1)
    assert split_networks(outcome.networks, above)[1] == ()


@needs_fork
def test_a_failure_in_the_copy_stops_the_run_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        thousand: tuple[MatchOutcome, dict[str, Path]]) -> None:
    """A full disk met by the copy only (its calendars): the run raises that error, with
    its errno, and neither the run folder nor its partial folder is left."""
    outcome, inputs = thousand
    _, second = split_networks(outcome.networks, FORKED)
    theirs = {p.mentee_id for n in second for p in n.pairings}
    calendar = writer.CalendarWriter.calendar
    parent = os.getpid()

    def full_in_the_copy(self, plan):  # type: ignore[no-untyped-def]
        if os.getpid() != parent and plan.mentee.id in theirs:
            raise OSError(errno.ENOSPC, "No space left on device", plan.file_stem)
        return calendar(self, plan)

    monkeypatch.setattr(writer.CalendarWriter, "calendar", full_in_the_copy)
    with pytest.raises(OSError) as raised:
        write_run_folder(outcome, tmp_path / "run", inputs=inputs, quiet=True,
                         options=FORKED)
    assert raised.value.errno == errno.ENOSPC
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@needs_fork
def test_a_failure_here_kills_the_copy(tmp_path: Path) -> None:
    """The run's own process fails while the copy works: the copy is killed and waited
    for (no process left), and the error is the run's."""
    started = forked.start(lambda: os.getpid())
    assert started.result() != os.getpid()  # the work ran in another process
    sleeper = forked.start(lambda: __import__("time").sleep(60))
    pid = sleeper._pid
    sleeper.stop()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


@needs_fork
def test_the_copys_error_is_raised_here_as_it_was() -> None:
    def fails() -> None:
        raise ValueError("no explanation for pair(s) [('a', 'b')]")

    with pytest.raises(ValueError, match="no explanation"):
        forked.start(fails).result()

    class Unpicklable(Exception):
        def __init__(self, one: str, two: str) -> None:
            super().__init__(f"{one} {two}")

    def fails_oddly() -> None:
        raise Unpicklable("odd", "error")

    with pytest.raises(OSError, match="odd"):
        forked.start(fails_oddly).result()


def test_planning_leaves_the_matchs_features_as_the_explainer_reads_them(
        thousand: tuple[MatchOutcome, dict[str, Path]]) -> None:
    """The explainer names tied terms in the order the match's TF-IDF rows hold them, so
    building the plans (before the explanations, in the split writer) must not reorder
    those rows in place (counting a term's people with ``!= 0`` sorts a CSR matrix)."""
    outcome, _ = thousand
    features = outcome.features
    assert features is not None
    before = [(m.indices.copy(), m.data.copy(), m.has_sorted_indices)
              for m in (features.goal_vectors, features.expertise_vectors)]
    # the rows the match built are not all in column order: the case that matters
    assert not all(sorted_ for _, _, sorted_ in before)
    PlanBuilder(outcome)
    after = [(m.indices, m.data, m.has_sorted_indices)
             for m in (features.goal_vectors, features.expertise_vectors)]
    for (indices, data, sorted_), (indices2, data2, sorted2) in zip(before, after,
                                                                   strict=True):
        assert (indices == indices2).all() and (data == data2).all() and sorted_ == sorted2


@needs_fork
def test_the_copy_dies_with_the_run() -> None:
    """A run killed (SIGKILL) while its copy works: the copy does not go on writing into a
    partial folder the next run removes."""
    script = (
        "import os, signal, time\n"
        "from matcher.runfolder import forked\n"
        "part = forked.start(lambda: time.sleep(60))\n"
        "print(part._pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    parent = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, cwd=ROOT)
    copy = int(parent.stdout.split()[0])
    assert gone_within(copy)
