"""A large run folder written by two processes (issue 15, "fast outputs"): a forked copy
writes the cohort snapshot and takes chunks of the pairs' pages from a queue shared with
the run's own process, then a second copy takes folder-wide files from another. The folder
must be the one a single process writes, byte for byte and file for file (on a real
1,000-mentee match, explanations computed in each process for its own chunks), a failure in
the copy must stop the run and leave nothing behind, and the copy never outlives the run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from processes import gone_within

from matcher.outcome import MatchOutcome, Network
from matcher.outputs.plans import PlanBuilder
from matcher.outputs.report import render_report
from matcher.outputs.schedule import start_date
from matcher.outputs.sheets import csv_bytes, write_xlsx
from matcher.outputs.tables import (
    explanations_sheet,
    explanations_table,
    mentor_load_table,
    networks_table,
    pairings_table,
    problems_table,
    unplaced_table,
)
from matcher.outputs.templating import (
    PlanHeading,
    PlanRenderer,
    builtin_templates,
    repeated_names,
    templates_for,
)
from matcher.pipeline import run_match
from matcher.runfolder import forked, writer
from matcher.runfolder.handback import Handback
from matcher.runfolder.marker import MARKER, read_marker
from matcher.runfolder.tasks import TaskQueue
from matcher.runfolder.writer import (
    DEFAULT_OPTIONS,
    WriterOptions,
    forks,
    page_chunks,
    write_run_folder,
)
from sample_data.generate import write as generate
from scoring.config import load_config
from scoring.explain import EXPLAIN_BLOCK_ROWS, explain_pairs
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
    assert len(page_chunks(outcome.networks, split=True)) > 1  # really shared out
    one = write_run_folder(outcome, tmp_path / "one", inputs=inputs, quiet=True,
                           options=ONE_PROCESS)
    two = write_run_folder(outcome, tmp_path / "two", inputs=inputs, quiet=True,
                           options=FORKED)
    alone, together = _comparable(one), _comparable(two)
    # plans and calendars of every chunk, the copy's snapshot and workbook, all listed
    assert sum(name.endswith(".ics") for name in alone) == sum(
        len(n.pairings) for n in outcome.networks)
    assert {"audit/cohort.json", "pairings.xlsx", "explanations.csv"} <= alone.keys()
    assert sorted(together) == sorted(alone)
    assert [name for name in alone if together[name] != alone[name]] == []
    marker = read_marker(two)
    assert marker is not None and set(marker.files) == set(alone) - {MARKER}


def _whole_run_files(outcome: MatchOutcome, *, max_pairs: int,
                     templates_dir: Path | None = None) -> dict[str, bytes]:
    """The folder-wide files as the writer before session 10 (0fbbe21) made them: from every
    pair at once, in one process (one explainer call, the plans themselves, each body as
    text in the combined page, every table from the whole outcome)."""
    templates = templates_for(outcome.config, templates_dir)
    start = start_date(outcome.config)
    assert start is not None  # the sample config has one: the report has no notes
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    by_pair = {(e.mentee_id, e.mentor_id): e
               for e in explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)}
    plans = PlanBuilder(outcome).plans(outcome.networks, by_pair)
    renderer = PlanRenderer(templates)
    explained = explanations_table(outcome, by_pair)
    pairings = pairings_table(outcome, by_pair)
    with tempfile.TemporaryDirectory() as scratch:
        workbook = Path(scratch) / "pairings.xlsx"
        write_xlsx(workbook, [pairings, networks_table(outcome),
                              explanations_sheet(explained, len(pairs), max_pairs),
                              unplaced_table(outcome), mentor_load_table(outcome),
                              problems_table(outcome)],
                   dt.datetime.combine(start, dt.time()))
        xlsx = workbook.read_bytes()
    return {
        "plans/all_plans.html": renderer.combined(
            plans, [renderer(plan).body for plan in plans]).encode("utf-8"),
        "explanations.csv": csv_bytes(explained),
        "pairings.csv": csv_bytes(pairings),
        "pairings.xlsx": xlsx,
        "report.html": render_report(outcome, by_pair, templates).encode("utf-8"),
        "introductions.csv": writer._introductions_csv(
            plans, [writer._introduction(templates, plan) for plan in plans]),
    }


@needs_fork
@pytest.mark.parametrize("max_pairs", [50, 3_000], ids=["sheet-points-to-csv", "sheet-holds"])
def test_the_folder_wide_files_are_those_made_from_the_whole_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        thousand: tuple[MatchOutcome, dict[str, Path]], max_pairs: int) -> None:
    """Each chunk's process makes what the folder-wide files need of it (rows as bytes,
    bodies in UTF-8, the plans' entries, only the explanations the report reads): the files
    are the bytes the whole run gives at once, forked and in one process, whether the
    workbook's Explanations sheet holds the table or points to explanations.csv."""
    outcome, inputs = thousand
    assert len(page_chunks(outcome.networks, split=True)) > 2
    expected = _whole_run_files(outcome, max_pairs=max_pairs)
    handed_back: list[int] = []

    class Counted(Handback):
        def received(self, *, wait: bool) -> Iterator[tuple[int, Any]]:
            for key, part in super().received(wait=wait):
                handed_back.append(key)
                yield key, part

    monkeypatch.setattr(writer, "Handback", Counted)
    for name, options in (("forked", FORKED), ("one", ONE_PROCESS)):
        handed_back.clear()
        folder = write_run_folder(outcome, tmp_path / name, inputs=inputs, quiet=True,
                                  options=dataclasses.replace(
                                      options, explanations_sheet_max_pairs=max_pairs))
        assert (len(handed_back) > 0) is (name == "forked")  # the copy wrote chunks
        assert [file for file, data in expected.items()
                if (folder / file).read_bytes() != data] == [], name
        record = json.loads((folder / "run.json").read_bytes())
        assert record["counts"]["plans"] == sum(len(n.pairings) for n in outcome.networks)


@needs_fork
def test_a_programs_own_all_plans_template_gets_the_whole_plans_and_bodies(
        tmp_path: Path, thousand: tuple[MatchOutcome, dict[str, Path]]) -> None:
    """A program's own plans_combined.html.j2 may read any of a plan and do more with a
    body than print it: a forked copy then hands the plans back whole and the page is
    rendered from the bodies as text, the bytes the whole run gives."""
    outcome, inputs = thousand
    own = tmp_path / "templates"
    own.mkdir()
    (own / "plans_combined.html.j2").write_text(
        "<h1>{{ program }}</h1>\n{% for plan in plans %}{{ plan.mentee.email }} "
        "{{ plan.score }} {{ plan.goals | length }}\n{% endfor %}"
        "{% for body in bodies %}{{ body | length }}:{{ body }}\n{% endfor %}",
        encoding="utf-8")
    expected = _whole_run_files(outcome, max_pairs=3_000, templates_dir=own)
    folder = write_run_folder(outcome, tmp_path / "run", inputs=inputs, quiet=True,
                              options=FORKED, templates_dir=own)
    page = (folder / "plans" / "all_plans.html").read_bytes()
    assert page == expected["plans/all_plans.html"]
    assert b"@" in page.split(b"\n")[1]  # the template read the plans' e-mail addresses


def test_all_plans_from_headings_and_encoded_bodies_is_the_page_from_the_plans(
        thousand: tuple[MatchOutcome, dict[str, Path]]) -> None:
    """The built-in all_plans.html made from each plan's heading and its body in UTF-8 is
    the page made from the whole plans and their bodies as text, also where names repeat
    (ids shown beside them), where pairs continue from last year and where text is not
    ASCII."""
    outcome, _ = thousand
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings][:300]
    by_pair = {(e.mentee_id, e.mentor_id): e
               for e in explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)}
    networks = [n for n in outcome.networks
                if all((p.mentee_id, p.mentor_id) in by_pair for p in n.pairings)]
    plans = PlanBuilder(outcome).plans(networks, by_pair)
    rng = random.Random(7)
    names = [plan.mentee.name for plan in plans[:20]]
    varied = []
    for plan in plans:
        mentee, mentor = plan.mentee, plan.mentor
        if rng.random() < 0.3:  # another person's name: shown with ids
            mentee = dataclasses.replace(mentee, name=rng.choice(names))
        if rng.random() < 0.2:
            mentor = dataclasses.replace(mentor, name=mentor.name + " Łukasz Ünal 😀")
        varied.append(dataclasses.replace(plan, mentee=mentee, mentor=mentor,
                                          continuing=rng.random() < 0.3))
    repeated = repeated_names(p for plan in varied for p in (plan.mentee, plan.mentor))
    assert len(repeated) >= 5 and sum(plan.continuing for plan in varied) >= 30
    renderer = PlanRenderer(builtin_templates())
    bodies = [renderer(plan).body for plan in varied]
    headings = [renderer.heading(plan) for plan in varied]
    assert all(isinstance(heading, PlanHeading) for heading in headings)
    page = renderer.combined_utf8(headings, [body.encode("utf-8") for body in bodies])
    assert page == renderer.combined(varied, bodies).encode("utf-8")
    assert renderer.combined_utf8([], []) == renderer.combined([], []).encode("utf-8")


def _networks(placed: list[bool]) -> list[Network]:
    """Stand-ins for a run's networks: placed ones hold one or two pairs, others none."""
    return [cast(Network, SimpleNamespace(pairings=[object()] * (1 + k % 2) if is_placed else []))
            for k, is_placed in enumerate(placed)]


def test_the_chunks_keep_the_explainers_blocks_and_shrink_towards_the_end(
        thousand: tuple[MatchOutcome, dict[str, Path]]) -> None:
    """Every chunk but the last ends after a whole number of the explainer's blocks of
    placed mentees (so each chunk's scores come from the same blocks as one call's), the
    chunks cover the networks in order, and they do not grow (the short ones come last,
    where the two processes should finish together)."""
    rng = random.Random(7)
    cases = [list(thousand[0].networks)] + [
        _networks([rng.random() < share for _ in range(size)])
        for size, share in ((10_000, 0.9), (3_000, 0.5), (EXPLAIN_BLOCK_ROWS * 3, 1.0),
                            (40_000, 0.95))]
    for networks in cases:
        chunks = page_chunks(networks, split=True)
        assert [n for chunk in chunks for n in chunk] == list(networks)
        blocks = []
        for chunk in chunks[:-1]:
            placed = sum(1 for n in chunk if n.pairings)
            assert placed % EXPLAIN_BLOCK_ROWS == 0 and placed > 0
            blocks.append(placed // EXPLAIN_BLOCK_ROWS)
        assert blocks == sorted(blocks, reverse=True)
        assert len(chunks) > 1
        assert page_chunks(networks, split=False) == [networks]
    # a run of one block or less is one chunk
    assert len(page_chunks(_networks([True] * EXPLAIN_BLOCK_ROWS), split=True)) == 1


@needs_fork
def test_each_task_is_taken_once_by_one_of_two_processes() -> None:
    """The queue hands every task number to exactly one of the processes that read it."""
    for count in (1, 7, 500):
        queue = TaskQueue.shared(count)

        def claim_all(queue: TaskQueue = queue) -> list[int]:
            return [k for k in queue.claims() if not __import__("time").sleep(0.0005)]
        theirs = forked.start(claim_all)
        mine = [k for k in queue.claims() if not __import__("time").sleep(0.0005)]
        taken = theirs.result()
        queue.close()
        assert sorted(mine + taken) == list(range(count))
        assert mine == sorted(mine) and taken == sorted(taken)
    assert list(TaskQueue.alone(3).claims()) == [0, 1, 2]


@needs_fork
def test_results_handed_back_one_by_one_arrive_whole_and_in_order() -> None:
    """Each result the copy hands back arrives under its key, equal to what was sent
    (large ones too, past any pipe's buffer), whether taken as they come or after the copy
    ended; a copy that stops without sending shows as EOFError, not as a hang."""
    values = {k: ["x" * (k * 40_000), {"k": k, "pairs": list(range(k * 1_000))}]
              for k in range(6)}
    handback = Handback()

    def send_all() -> int:
        handback.sender()
        for k, value in values.items():
            handback.send(k, value)
        return len(values)

    copy = forked.start(send_all)
    handback.receiver()
    got = dict(handback.received(wait=True))
    while len(got) < len(values):
        got.update(handback.received(wait=True))
    assert copy.result() == len(values)
    assert got == values
    # the copy has ended after its last result: taking what arrived is not an error then,
    # waiting for more is
    assert list(handback.received(wait=False)) == []
    with pytest.raises(EOFError):
        list(handback.received(wait=True))
    handback.close()

    # all of them taken only after the copy ended, without waiting
    late = Handback()

    def send_and_end() -> None:
        late.sender()
        for k, value in values.items():
            late.send(k, value)

    late_copy = forked.start(send_and_end)
    late.receiver()
    late_copy.result()
    assert dict(late.received(wait=False)) == values
    late.close()

    silent = Handback()
    silent_copy = forked.start(lambda: silent.sender() and None)
    silent.receiver()
    with pytest.raises(EOFError):
        list(silent.received(wait=True))
    assert silent_copy.result() is None
    silent.close()


@needs_fork
def test_by_default_a_large_run_forks_only_while_a_core_is_idle(
        monkeypatch: pytest.MonkeyPatch,
        thousand: tuple[MatchOutcome, dict[str, Path]]) -> None:
    """The default options fork a run of 500 pairs or more when the load average leaves a
    core idle, and write it in one process when every core is busy (the copies' extra CPU
    would then be extra wall time) or when the load cannot be read."""
    outcome, _ = thousand
    cores = len(os.sched_getaffinity(0))
    assert DEFAULT_OPTIONS.fork_from_pairs is not None
    assert sum(len(n.pairings) for n in outcome.networks) >= DEFAULT_OPTIONS.fork_from_pairs
    for load, splits in ((cores - 0.6, True), (cores + 0.0, False), (3.0 * cores, False)):
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        assert forks(outcome.networks, DEFAULT_OPTIONS) is splits, load
        # a caller may fork whatever the load
        assert forks(outcome.networks, FORKED)

    def unreadable() -> tuple[float, float, float]:
        raise OSError("no load average")
    monkeypatch.setattr(os, "getloadavg", unreadable)
    assert not forks(outcome.networks, DEFAULT_OPTIONS)
    # a run below the threshold never forks, however idle the machine
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert forks(outcome.networks, DEFAULT_OPTIONS)
    pairs = sum(len(n.pairings) for n in outcome.networks)
    above = dataclasses.replace(DEFAULT_OPTIONS, fork_from_pairs=pairs + 1)
    assert not forks(outcome.networks, above)
    assert not forks(outcome.networks, ONE_PROCESS)


@needs_fork
@pytest.mark.parametrize("where", ["snapshot", "calendars", "workbook"])
def test_a_failure_in_the_copy_stops_the_run_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        thousand: tuple[MatchOutcome, dict[str, Path]], where: str) -> None:
    """A full disk met by a copy only (the first copy's snapshot; a calendar or the
    workbook, in whichever process writes it, the run's own process failing too if that is
    where): the run raises that error, with its errno, and neither the run folder nor its
    partial folder is left."""
    outcome, inputs = thousand
    parent = os.getpid()

    def full(*args: object) -> None:
        if where == "snapshot" and os.getpid() == parent:
            return originals[where](*args)
        raise OSError(errno.ENOSPC, "No space left on device", where)

    originals: dict[str, Callable[..., Any]] = {"snapshot": writer.snapshot_bytes,
                 "calendars": writer.CalendarWriter.calendar,
                 "workbook": writer.write_xlsx}
    owners = {"snapshot": writer, "calendars": writer.CalendarWriter, "workbook": writer}
    names = {"snapshot": "snapshot_bytes", "calendars": "calendar", "workbook": "write_xlsx"}
    monkeypatch.setattr(owners[where], names[where], full)
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
