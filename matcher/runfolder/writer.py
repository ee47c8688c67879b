"""The run folder: everything one match produced, written all at once or not at all.

What the folder holds, by name and column, is :mod:`.layout` (README: "The run folder").
The folder is built in a temporary folder beside the target and renamed into place at the
end, so a failed run leaves nothing behind; callers that add files of their own (a rematch's
record and flags) pass them as ``extra_files`` so that they are part of the same all-or-nothing
write. A rerun on the same inputs writes the same bytes in every file except run.json's
``created_at``.

Large runs are the design case (10,000 pairs write some 30,000 files): every template is
compiled once, each plan's HTML body is rendered once for its own page and for
all_plans.html, explanations come from one vectorised call, calendars reuse the property
lines pairs share, the workbook is streamed, and above
:attr:`WriterOptions.explanations_sheet_max_pairs` pairs its Explanations sheet points to
explanations.csv instead of repeating it. From :attr:`WriterOptions.file_helper_from_pairs`
pairs a helper process creates the files (:mod:`.filesink`) while this one renders the next.
From :attr:`WriterOptions.fork_from_pairs` pairs, where fork is available and a core is idle
(:func:`idle_core`: on a busy machine the copies' extra CPU is extra wall time), forked
copies of this process (:mod:`.forked`) share the work with it, into the same partial
folder, task by task (:mod:`.tasks`: whichever process is free takes the next, so the two
finish together whatever each step costs): first the cohort snapshot and chunks of the
pairs' pages (each chunk whole blocks of the explainer, so the numbers are those of one
call; each chunk the copy writes is handed back at once, :mod:`.handback`), then the
folder-wide files (workbook, explanations.csv, all_plans.html, report, introductions,
pairings.csv). The files are the same bytes either way (tests/test_forked_writer.py). On request
(:attr:`WriterOptions.render_workers`, off by default: on 2 cores it was slower) forked
worker processes render the plans, calendars and introduction e-mails in chunks, handed back
in order, so the files are the same bytes in the same order (see
benchmarks/bench_outputs.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path, PurePosixPath
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from matcher.outcome import MatchOutcome, Network
from matcher.outputs.calendar_files import CalendarWriter
from matcher.outputs.cycle import CycleContext
from matcher.outputs.plans import PairPlan, PlanBuilder
from matcher.outputs.report import explained_pairings, render_report
from matcher.outputs.schedule import start_date
from matcher.outputs.sheets import Table, csv_bytes, write_xlsx
from matcher.outputs.summary import summarise
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
    PlanRenderer,
    Templates,
    forget_printed_values,
    templates_for,
)
from matcher.runfolder import forked, layout
from matcher.runfolder.claim import OutputClaim, OutputError, claim_output, os_problem
from matcher.runfolder.filesink import FileSink, relative_name
from matcher.runfolder.handback import Handback
from matcher.runfolder.hashing import sha256_of
from matcher.runfolder.marker import COMPLETE, PARTIAL, manifest, write_marker
from matcher.runfolder.snapshot import snapshot_bytes
from matcher.runfolder.tasks import TaskQueue
from scoring.config import ProgramConfig
from scoring.errors import InputError
from scoring.explain import EXPLAIN_BLOCK_ROWS, PairExplanation, explain_pairs
from scoring.profiles import Cohort

if TYPE_CHECKING:
    from scoring.features import CohortFeatures

#: The run's own files, as paths (extra files may not replace them).
RUN_PATHS = frozenset(PurePosixPath(name) for name in layout.RUN_FILES)
#: The default of the optional mappings: nothing added.
NOTHING: Mapping[str, Any] = MappingProxyType({})
#: Plans / calendars between two progress-bar updates.
PROGRESS_EVERY = 200
#: Packages whose versions the run record keeps (they decide the result): scipy computes the
#: goal texts' TF-IDF (scikit-learn no longer runs), pandas reads large CSV and pair sheets.
RECORDED_PACKAGES: tuple[str, ...] = ("mentormatch", "ortools", "numpy", "scipy", "pandas")
#: Most worker processes rendering plans and calendars (the files are written by one).
MAX_RENDER_WORKERS = 4
#: Plans or calendars a worker renders per task (fewer round trips, same order).
RENDER_CHUNK = 100
#: The pages' chunks (:func:`page_chunks`) each take this share of the explainer's blocks
#: left (at least one): 4, a quarter, gave 14 chunks for 10,000 pairs.
CHUNK_SHARE = 4
#: Document time of pairings.xlsx when the program has no start date.
FALLBACK_DOCUMENT_TIME = dt.datetime(2000, 1, 1)
# Solver statistics that measure wall-clock time differ on every run; run.json leaves them
# out so that reruns stay byte-identical (the CLI prints the solve time).
_TIMING_KEY = re.compile(r"(^|_)(time|wall|elapsed|seconds|duration)(_|$)", re.IGNORECASE)


class Sink(Protocol):
    """Where the folder's files go (:class:`~.filesink.FileSink`): ``write`` a file below
    the folder; leaving the block waits for the last write (or stops them after an error)."""

    def write(self, path: Path, data: bytes) -> None: ...

    def __enter__(self) -> Sink: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None: ...


#: Opens the sink of a folder; ``helper`` asks for the helper process (a large run).
SinkFactory = Callable[[Path, bool], Sink]
#: Explains pairs: (cohort, config, pairs, the match's features or None) → explanations.
Explainer = Callable[[Cohort, ProgramConfig, list[tuple[str, str]], "CohortFeatures | None"],
                     Sequence[PairExplanation]]


def file_sink(folder: Path, helper: bool) -> Sink:
    """The default sink: :class:`~.filesink.FileSink`."""
    return FileSink(folder, helper=helper)


@dataclass(frozen=True)
class WriterOptions:
    """How a run folder is written (never what it holds): limits for large runs and the
    pieces a caller may swap (the file sink, the explainer)."""

    #: Pairs up to which pairings.xlsx holds the Explanations sheet (explanations.csv always
    #: does).
    explanations_sheet_max_pairs: int = 3_000
    #: Pairs from which a helper process creates the files (below, starting it saves nothing).
    file_helper_from_pairs: int = 500
    #: Pairs from which plans, calendars and introduction e-mails may be rendered by worker
    #: processes, in order (below, starting them costs more than they save).
    render_workers_from_pairs: int = 2_000
    #: Worker processes for that: 1 = render in this process (the default: on 2 cores the
    #: workers were slower, benchmarks/bench_outputs.py), 0 = one per CPU this process may
    #: use (at most :data:`MAX_RENDER_WORKERS`), N = N workers.
    render_workers: int = 1
    #: Pairs from which forked copies of this process (:mod:`.forked`) share the folder's
    #: work with it, task by task (where fork is available); None = never. The copies cost
    #: some 1.1× the CPU and shorten the wall time when a second core is free
    #: (benchmarks/bench_outputs.py).
    fork_from_pairs: int | None = 500
    #: Fork only when the machine has an idle core (:func:`idle_core`): on a busy machine
    #: the copies' extra CPU is extra wall time too.
    fork_only_when_idle: bool = True
    open_sink: SinkFactory = file_sink
    explain: Explainer = explain_pairs


#: The options `match` and `rematch` write with.
DEFAULT_OPTIONS = WriterOptions()


def write_run_folder(outcome: MatchOutcome, out_dir: Path, *, force: bool = False,
                     inputs: Mapping[str, Path], quiet: bool = False,
                     explanations: Sequence[PairExplanation] | None = None,
                     templates_dir: Path | None = None,
                     previous_run: Mapping[str, object] | None = None,
                     extra_files: Mapping[str, bytes] = NOTHING,
                     extra_run_fields: Mapping[str, object] = NOTHING,
                     report_sections: Sequence[Table] = (),
                     options: WriterOptions = DEFAULT_OPTIONS,
                     cycle: CycleContext | None = None,
                     report_opening: Sequence[Table] = (),
                     claim: OutputClaim | None = None) -> Path:
    """Write the run folder of ``outcome`` to ``out_dir`` and return its path.

    Refuses an existing ``out_dir`` unless ``force`` (and even then only a previous run
    folder or an empty folder is replaced). ``inputs`` names the files the run read
    (mentors, mentees, config ...), hashed into run.json. ``explanations`` defaults to
    ``options.explain`` on the outcome's pairs; ``templates_dir`` overrides
    the config's ``[program] templates_dir``. For callers that build on a match (rematch):
    ``previous_run`` is stored in run.json as is (the run it continues), ``extra_run_fields``
    are added to run.json (names the record does not use already), ``extra_files`` (relative
    path → bytes) are written into the folder, and ``report_sections`` are tables shown at
    the end of report.html; all within the same all-or-nothing write. Progress goes to
    stderr unless ``quiet``. ``options``: see :class:`WriterOptions`. ``cycle`` (a rematch)
    makes continuing pairs' plans and e-mails year-2 ones and adds closures.csv, the
    thank-you notes of the pairs that ended; ``report_opening`` are tables shown first in
    report.html (a rematch's changes since the previous cycle).

    ``claim`` is the target claimed before the run started (:func:`~.claim.claim_output`,
    which checks, locks and tidies it); without one the target is claimed here. The
    folder gets mentormatch's marker (:mod:`.marker`) listing every file with its hash,
    and is moved into place without overwriting anything (see :meth:`OutputClaim.place`).
    """
    out_dir = Path(out_dir)
    extras = _checked_extra_files(extra_files)
    _check_run_fields(extra_run_fields)
    own_claim = claim is None
    claim = claim or claim_output(out_dir, force=force)
    try:
        _write_claimed(claim, outcome, inputs, quiet, explanations, templates_dir,
                       _RunExtras({}, previous_run, extras, extra_run_fields,
                                  tuple(report_sections), cycle, tuple(report_opening)),
                       options)
    finally:
        forget_printed_values()
        if own_claim:
            claim.release()
    return out_dir


def _write_claimed(claim: OutputClaim, outcome: MatchOutcome, inputs: Mapping[str, Path],
                   quiet: bool, explanations: Sequence[PairExplanation] | None,
                   templates_dir: Path | None, extras: _RunExtras,
                   options: WriterOptions) -> None:
    """Build the run folder in a partial folder beside the claimed target, then place it."""
    templates = templates_for(outcome.config, templates_dir)
    start = start_date(outcome.config)
    extras.hashes.update({name: _file_record(Path(path)) for name, path in inputs.items()})
    pairs = sum(len(network.pairings) for network in outcome.networks)
    claim.check_free_space(pairs)
    try:
        work = claim.work_folder()
    except OSError as error:
        raise os_problem(error, claim.out_dir.parent) from None
    try:
        write_marker(work, claim.token, PARTIAL, {})
        # Leaving the block waits for the helper's last file, before the rename or cleanup.
        hashes: dict[str, str] = {}
        with (_progress(quiet) as progress, _collector_paused(),
              options.open_sink(work, pairs >= options.file_helper_from_pairs) as files):
            _write_contents(work, outcome, explanations, templates, start, progress,
                            _HashingSink(files, work, hashes), extras, options)
        write_marker(work, claim.token, COMPLETE, manifest(work, known=hashes))
        claim.place(work)
    except OutputError:  # the finished folder may have been kept beside the target
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
        raise
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


class _HashingSink:
    """A sink that remembers the sha256 of every file it is given, for the marker's
    manifest (hashing the bytes in hand is cheaper than reading 30,000 files back)."""

    def __init__(self, sink: Sink, folder: Path, hashes: dict[str, str]) -> None:
        self._sink, self._folder, self._hashes = sink, folder, hashes

    def write(self, path: Path, data: bytes) -> None:
        self._hashes[relative_name(self._folder, path)] = hashlib.sha256(data).hexdigest()
        self._sink.write(path, data)

    def sha256(self, name: str) -> str:
        """The sha256 of the file ``name`` (relative, with ``/``) written so far."""
        return self._hashes[name]

    def record(self, hashes: Mapping[str, str]) -> None:
        """Remember the hashes of files written past this sink (by a forked copy)."""
        self._hashes.update(hashes)

    def __enter__(self) -> _HashingSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        return None


@dataclass(frozen=True)
class _RunExtras:
    """What write_run_folder adds around the outcome: hashes and the caller's additions."""

    hashes: dict[str, dict[str, object]]
    previous_run: Mapping[str, object] | None
    files: dict[PurePosixPath, bytes]
    run_fields: Mapping[str, object]
    report_sections: tuple[Table, ...]
    cycle: CycleContext | None = None
    report_opening: tuple[Table, ...] = ()


def _checked_extra_files(files: Mapping[str, bytes]) -> dict[PurePosixPath, bytes]:
    """The extra files by path; ValueError for a path outside the folder or one the run uses."""
    checked: dict[PurePosixPath, bytes] = {}
    for name, data in files.items():
        path = PurePosixPath(name)
        if (not name or "\\" in name or path.is_absolute() or str(path) != name
                or any(part in ("", ".", "..") for part in path.parts)):
            raise ValueError(f"extra file {name!r}: use a plain relative path such as "
                             f"'rematch.json' or 'notes/flags.csv'")
        if path in RUN_PATHS or path.parts[0] in layout.RUN_FOLDERS:
            raise ValueError(f"extra file {name!r}: the run folder writes that path itself")
        if not isinstance(data, bytes):
            raise TypeError(f"extra file {name!r}: content must be bytes")
        checked[path] = data
    return checked


def _check_run_fields(fields: Mapping[str, object]) -> None:
    taken = sorted(set(fields) & set(layout.RUN_RECORD_KEYS))
    if taken:
        raise ValueError(f"extra run.json fields {taken} would replace fields of the run record")


def _write_contents(folder: Path, outcome: MatchOutcome,
                    explanations: Sequence[PairExplanation] | None, templates: Templates,
                    start: dt.date | None, progress: Progress, files: _HashingSink,
                    extras: _RunExtras, options: WriterOptions) -> None:
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    given = None
    if explanations is not None:
        given = {(e.mentee_id, e.mentor_id): e for e in explanations}
        missing = [pair for pair in pairs if pair not in given]
        if missing:
            raise ValueError(f"no explanation for pair(s) {missing[:3]}")
    (folder / layout.PLANS_FOLDER).mkdir()
    if start is not None:
        (folder / layout.CALENDAR_FOLDER).mkdir()
    (folder / layout.SNAPSHOT_PATH).parent.mkdir()
    plans, notes = _write_pages_and_tables(folder, outcome, given, templates, start, progress,
                                           files, extras, options,
                                           forks(outcome.networks, options))
    task = progress.add_task("Writing the run record", total=1)
    for path, data in extras.files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        files.write(folder / path, data)
    record = run_record(outcome, extras.hashes, plans=plans,
                        calendars=plans if start else 0, notes=notes,
                        previous_run=extras.previous_run)
    record["snapshot"] = {"file": layout.SNAPSHOT_PATH.as_posix(),
                          "sha256": files.sha256(layout.SNAPSHOT_PATH.as_posix())}
    record.update(extras.run_fields)
    # the files the reader reads back, so that it refuses a folder changed since
    record["files"] = {layout.PAIRINGS: files.sha256(layout.PAIRINGS),
                       **{path.as_posix(): hashlib.sha256(data).hexdigest()
                          for path, data in extras.files.items()}}
    run_json = json.dumps(record, indent=2, ensure_ascii=False, default=_json_value) + "\n"
    files.write(folder / layout.RUN_RECORD, run_json.encode("utf-8"))
    progress.advance(task)


def _write_pages_and_tables(folder: Path, outcome: MatchOutcome,
                            given: Mapping[tuple[str, str], PairExplanation] | None,
                            templates: Templates, start: dt.date | None, progress: Progress,
                            files: _HashingSink, extras: _RunExtras, options: WriterOptions,
                            fork: bool) -> tuple[int, list[str]]:
    """Every file but run.json, in two stages; returns the number of plans and the run's
    notes (for run.json).

    1. Each pair's pages (explanation, plan record, .md, .html, .ics, e-mail), a chunk of
       networks at a time (:func:`page_chunks`). With ``fork``, a forked copy writes the
       cohort snapshot and then takes chunks from the same :class:`~.tasks.TaskQueue` as
       this process, so the two finish within a chunk of each other; it hands back what the
       folder-wide files need of its chunks (:class:`_PlanPart`). Without, this process
       writes them all.
    2. The folder-wide files (:class:`_FolderFiles`), each a task: with ``fork``, a second
       copy (forked now, so it holds every chunk's part without their being sent) takes
       them from a queue with this process, the costliest first.

    Two copies at a time at most: each fork marks every page of this process copy-on-write
    again, and a large run's process holds some hundreds of megabytes."""
    pair_count = sum(len(n.pairings) for n in outcome.networks)
    workers = render_workers(options, pair_count)
    writer = _PlanParts(folder, outcome, given, PlanBuilder(outcome, extras.cycle), templates,
                        start, options, workers, PlanRenderer(templates),
                        CalendarWriter(start, outcome.config.program.coordinator_email)
                        if start is not None else None,
                        pair_count <= options.explanations_sheet_max_pairs)
    chunks = page_chunks(outcome.networks, split=fork and workers <= 1)
    bars = _Bars.open(progress, pair_count, explaining=given is None,
                      calendars=start is not None)
    copies: list[forked.Part[_Written]] = []  # stopped on any failure, waited for at the end
    try:
        if fork:
            parts = _pages_alongside(writer, chunks, files, bars, copies)
        else:
            mine = writer.chunks(chunks, TaskQueue.alone(len(chunks)), files, bars)
            parts = [mine[k] for k in range(len(chunks))]
            _write_snapshot(folder, outcome, files)
        notes = []
        if start is None:
            notes.append("No calendar files: the config has no [program] start_date. Add one "
                         "(e.g. start_date = 2025-09-01) to get an .ics file per pair.")
        task = progress.add_task("Writing spreadsheets and report", total=1)
        wide = _FolderFiles(folder, outcome, parts, templates, start, extras, options,
                            tuple(notes))
        steps = wide.steps()
        queue = _queue(len(steps), fork)
        try:
            if fork:
                copies.append(forked.start(partial(_steps_in_copy, folder, options, steps,
                                                   queue)))
            _run_steps(steps, queue, files)
        finally:
            queue.close()
        while copies:  # the second copy first: the first one may still be creating files
            files.record(copies[-1].result().hashes)
            copies.pop()
    finally:
        for copy in copies:
            copy.stop()
    progress.advance(task)
    return wide.plan_count, notes


def _pages_alongside(writer: _PlanParts, chunks: Sequence[Sequence[Network]],
                     files: _HashingSink, bars: _Bars, copies: list[forked.Part[_Written]]
                     ) -> list[_PlanPart]:
    """Stage 1 with a forked copy (appended to ``copies``): each process takes chunks from
    one queue; the copy hands each of its chunks back as soon as it is written
    (:class:`~.handback.Handback`), and this process takes them in between its own, so
    that it waits only for the copy's last chunk, not for the copy's files to be created
    (the copy is waited for at the end). The parts, in chunk order."""
    queue, handback = TaskQueue.shared(len(chunks)), Handback()
    try:
        copies.append(forked.start(partial(writer.forked, chunks, queue, handback)))
        handback.receiver()
        done: dict[int, _PlanPart] = {}

        def take(wait: bool) -> None:
            for k, part in handback.received(wait=wait):
                done[k] = part
                for bar in (bars.explaining, bars.plans, bars.calendars):
                    bars.advance(bar, len(part.headings))

        try:
            for k in queue.claims():
                done[k] = writer.write(chunks[k], files, bars)
                take(wait=False)
            while len(done) < len(chunks):
                take(wait=True)
        except EOFError:  # the copy stopped: its own error says why
            copies.pop().result()
            raise
    finally:
        queue.close()
        handback.close()
    return [done[k] for k in range(len(chunks))]


def _queue(count: int, fork: bool) -> TaskQueue:
    return TaskQueue.shared(count) if fork else TaskQueue.alone(count)


@dataclass
class _Written:
    """The sha256 of each file a forked copy wrote (for the marker's manifest)."""

    hashes: dict[str, str]


def _run_steps(steps: Sequence[Callable[[Sink], object]], queue: TaskQueue,
               files: Sink) -> None:
    for k in queue.claims():
        steps[k](files)


def _steps_in_copy(folder: Path, options: WriterOptions,
                   steps: Sequence[Callable[[Sink], object]], queue: TaskQueue) -> _Written:
    """The steps a forked copy takes from ``queue``, through a sink of its own (a few large
    files: no helper)."""
    hashes: dict[str, str] = {}
    with options.open_sink(folder, False) as sink:
        _run_steps(steps, queue, _HashingSink(sink, folder, hashes))
    return _Written(hashes)


def _write_snapshot(folder: Path, outcome: MatchOutcome, files: Sink) -> None:
    """audit/cohort.json, the cohort as the run matched it (:mod:`.snapshot`)."""
    files.write(folder / layout.SNAPSHOT_PATH, snapshot_bytes(outcome.cohort, outcome.config))


@dataclass
class _FolderFiles:
    """The run folder's files that gather every pair, from each chunk's part: each written by
    one step (:meth:`steps`), which needs nothing from the others."""

    folder: Path
    outcome: MatchOutcome
    parts: Sequence[_PlanPart]  # in chunk order
    templates: Templates
    start: dt.date | None
    extras: _RunExtras
    options: WriterOptions
    notes: tuple[str, ...]

    @property
    def plan_count(self) -> int:
        return sum(len(part.headings) for part in self.parts)

    def steps(self) -> tuple[Callable[[Sink], object], ...]:
        """The steps: the costliest first (as measured at 10,000 pairs), so that the last
        ones left are short whichever process takes them, but the largest files (cheap to
        make: joined from the chunks' bytes) before the report, so that they are not the
        last ones a file helper has left to create when the run waits for it."""
        return (self.spreadsheet, self.all_plans, self.explanations, self.introductions,
                self.report, self.pairings)

    @functools.cached_property
    def _pairings(self) -> Table:
        return _joined([part.pairings for part in self.parts])

    def explanations(self, files: Sink) -> None:
        """explanations.csv (every pair's points, values and evidence), from each chunk's
        rows."""
        files.write(self.folder / layout.EXPLANATIONS,
                    csv_bytes(Table("Explanations", layout.EXPLANATIONS_COLUMNS, []))
                    + b"".join(part.explanations for part in self.parts))

    def spreadsheet(self, files: Sink) -> None:  # noqa: ARG002
        """pairings.xlsx (:func:`write_xlsx` creates it itself, not through ``files``; the
        marker's manifest reads it back); its Explanations sheet is the table of
        explanations.csv up to :attr:`WriterOptions.explanations_sheet_max_pairs` pairs,
        else a note pointing to that file (made from the table's name and columns)."""
        sheets = [part.sheet for part in self.parts if part.sheet is not None]
        explained = (_joined(sheets) if len(sheets) == len(self.parts)
                     else Table("Explanations", layout.EXPLANATIONS_COLUMNS, []))
        tables = [self._pairings, networks_table(self.outcome),
                  explanations_sheet(explained, self.plan_count,
                                     self.options.explanations_sheet_max_pairs),
                  unplaced_table(self.outcome), mentor_load_table(self.outcome),
                  problems_table(self.outcome)]
        document_time = (dt.datetime.combine(self.start, dt.time()) if self.start
                         else FALLBACK_DOCUMENT_TIME)
        write_xlsx(self.folder / layout.WORKBOOK, tables, document_time)

    def introductions(self, files: Sink) -> None:
        """introductions.csv, from the rows each chunk made (and a rematch's closures.csv)."""
        files.write(self.folder / layout.INTRODUCTIONS,
                    _introductions_csv([], [])  # the header alone
                    + b"".join(part.introductions for part in self.parts))
        if self.extras.cycle is not None:
            files.write(self.folder / layout.CLOSURES,
                        _closures_csv(self.extras.cycle, self.outcome.config.program.name,
                                      self.templates))

    def report(self, files: Sink) -> None:
        report = render_report(self.outcome,
                               {pair: explanation for part in self.parts
                                for pair, explanation in part.explained.items()},
                               self.templates, notes=self.notes,
                               sections=self.extras.report_sections,
                               opening=self.extras.report_opening)
        files.write(self.folder / layout.REPORT, report.encode("utf-8"))

    def all_plans(self, files: Sink) -> None:
        files.write(self.folder / layout.PLANS_FOLDER / layout.ALL_PLANS,
                    PlanRenderer(self.templates).combined_utf8(
                        [heading for part in self.parts for heading in part.headings],
                        [body for part in self.parts for body in part.bodies]))

    def pairings(self, files: Sink) -> None:
        files.write(self.folder / layout.PAIRINGS, csv_bytes(self._pairings))


def _joined(tables: Sequence[Table]) -> Table:
    """The rows of ``tables`` (one table's chunks, in order) as one table."""
    return dataclasses.replace(tables[0], rows=[row for table in tables for row in table.rows])


def _outcome_of(outcome: MatchOutcome, networks: Sequence[Network]) -> MatchOutcome:
    """``outcome`` with only ``networks`` (a chunk of its own, in order), for the tables
    made a chunk at a time (a row of theirs depends on its pair alone)."""
    if len(networks) == len(outcome.networks):
        return outcome
    part = dataclasses.replace(outcome)  # the same facts, none of the caches
    vars(part)["networks"] = chunk = list(networks)  # a cached property's cache
    if part.networks is not chunk:  # never: networks is no longer a cached property
        raise AssertionError("MatchOutcome.networks is not a cached property")
    return part


def forks(networks: Sequence[Network], options: WriterOptions) -> bool:
    """Whether a forked copy writes part of the folder: from
    :attr:`WriterOptions.fork_from_pairs` pairs, where :func:`.forked.can_fork`, and with
    :attr:`WriterOptions.fork_only_when_idle` only when a core is idle."""
    pairs = sum(len(network.pairings) for network in networks)
    return not (options.fork_from_pairs is None or pairs < options.fork_from_pairs
                or not forked.can_fork() or (options.fork_only_when_idle and not idle_core()))


def page_chunks(networks: Sequence[Network], split: bool) -> list[Sequence[Network]]:
    """The networks in consecutive chunks, in order, for two processes to share (one chunk
    when not ``split``).

    Each chunk but the last ends after a whole number of :data:`EXPLAIN_BLOCK_ROWS`
    placed mentees, so each chunk's explanations are scored in the very blocks one call
    would score them in (the same numbers, bit for bit). The chunks shrink as they go (a
    quarter of the blocks left, at least one): few calls for the bulk, and short ones at
    the end, where the two processes should finish together."""
    placed = [k for k, network in enumerate(networks) if network.pairings]
    blocks = -(-len(placed) // EXPLAIN_BLOCK_ROWS)
    if not split or blocks <= 1:
        return [networks]
    ends, done = [], 0
    while done < blocks:
        done += max(1, (blocks - done) // CHUNK_SHARE)
        ends.append(placed[min(done * EXPLAIN_BLOCK_ROWS, len(placed)) - 1] + 1)
    ends[-1] = len(networks)
    return [networks[lo:hi] for lo, hi in zip([0, *ends[:-1]], ends, strict=True)]


def idle_core() -> bool:
    """Whether a core this process may use is idle, as far as the last minute's load average
    tells: fewer runnable processes than such cores (this run's own process counts as one)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here: assume the cores are busy
        return False
    return load < forked.usable_cores()


@dataclass
class _PlanPart:
    """What the folder-wide files need of a chunk's pairs, made in whichever process wrote
    the chunk, and so handed back by a forked copy (pickled): only that, in the cheapest
    form. Their plans' entries in all_plans.html (:meth:`PlanRenderer.heading`) and each
    plan's HTML body in UTF-8 (joined into the page as bytes); their rows of
    introductions.csv and explanations.csv as bytes (a CSV's rows do not depend on one
    another); their rows of the pairings table; their rows of the explanations table only
    where the workbook's Explanations sheet shows them (``sheet``), and only the
    explanations the report reads (:func:`explained_pairings` of the chunk's pairs: the
    report's are among those of every chunk)."""

    headings: list[Any]
    bodies: list[bytes]
    introductions: bytes
    explanations: bytes
    sheet: Table | None
    pairings: Table
    explained: dict[tuple[str, str], PairExplanation]


@dataclass(frozen=True)
class _Bars:
    """The progress bars of the pages, advanced by every chunk a process writes."""

    progress: Progress
    explaining: TaskID | None
    plans: TaskID
    calendars: TaskID | None

    @classmethod
    def open(cls, progress: Progress, pairs: int, *, explaining: bool,
             calendars: bool) -> _Bars:
        return cls(progress,
                   progress.add_task("Explaining scores", total=pairs) if explaining else None,
                   progress.add_task("Writing first-meeting plans", total=pairs),
                   progress.add_task("Writing calendars", total=pairs) if calendars else None)

    def advance(self, task: TaskID | None, done: int) -> None:
        if task is not None and done:
            self.progress.advance(task, done)


@dataclass(frozen=True)
class _PlanParts:
    """Writes each pair's own files (plans, calendar) for a part of a run's networks."""

    folder: Path
    outcome: MatchOutcome
    given: Mapping[tuple[str, str], PairExplanation] | None
    builder: PlanBuilder
    templates: Templates
    start: dt.date | None
    options: WriterOptions
    workers: int
    renderer: PlanRenderer
    calendars: CalendarWriter | None
    #: whether pairings.xlsx's Explanations sheet holds the table (the run is that small)
    sheet_explanations: bool

    def write(self, networks: Sequence[Network], files: Sink, bars: _Bars) -> _PlanPart:
        """Explain, plan and write the pages of ``networks``; the rest for the caller."""
        pairs = [(p.mentee_id, p.mentor_id) for n in networks for p in n.pairings]
        if self.given is None:
            explained = self.options.explain(self.outcome.cohort, self.outcome.config, pairs,
                                             self.outcome.features)
            by_pair = {(e.mentee_id, e.mentor_id): e for e in explained}
            bars.advance(bars.explaining, len(pairs))
        else:
            by_pair = {pair: self.given[pair] for pair in pairs}
        missing = [pair for pair in pairs if pair not in by_pair]
        if missing:
            raise ValueError(f"no explanation for pair(s) {missing[:3]}")
        plans = self.builder.plans(networks, by_pair)
        bodies = _write_plans(self.folder / layout.PLANS_FOLDER, plans, self.renderer,
                              partial(bars.advance, bars.plans), files, self.workers)
        if self.calendars is not None:
            _write_calendars(self.folder / layout.CALENDAR_FOLDER, plans, self.calendars,
                             partial(bars.advance, bars.calendars), files, self.workers)
        e_mails = list(_rendered(partial(_introduction, self.templates), plans, self.workers))
        part = _outcome_of(self.outcome, networks)
        table = explanations_table(part, by_pair)
        return _PlanPart(
            [self.renderer.heading(plan) for plan in plans], bodies,
            _csv_rows(_introductions_table(plans, e_mails, calendars=self.start is not None)),
            _csv_rows(table), table if self.sheet_explanations else None,
            pairings_table(part, by_pair),
            {(p.mentee_id, p.mentor_id): by_pair[(p.mentee_id, p.mentor_id)]
             for p in explained_pairings(p for n in networks for p in n.pairings)})

    def chunks(self, chunks: Sequence[Sequence[Network]], queue: TaskQueue, files: Sink,
               bars: _Bars) -> dict[int, _PlanPart]:
        """:meth:`write` each chunk this process takes from ``queue``, by chunk number."""
        return {k: self.write(chunks[k], files, bars) for k in queue.claims()}

    def forked(self, chunks: Sequence[Sequence[Network]], queue: TaskQueue,
               handback: Handback) -> _Written:
        """In a forked copy: the cohort snapshot (which needs nothing else), then the chunks
        it takes from ``queue``, each handed back as soon as it is written. Its files are
        created by a file helper of its own: created by the copy itself, they cost several
        times the kernel time they cost in a fresh small process (session 7: some 6 s more
        for 2,600 pairs' 8,000 files). Session 9 did not see that again (8,000 files: 0.17–
        0.23 s of system time in a forked copy of a 290 MB process, as in the process
        itself), but whole folders with and without the helper were within noise at load
        9–10, so the helper stays until a quiet machine says otherwise."""
        handback.sender()
        hashes: dict[str, str] = {}
        with self.options.open_sink(self.folder, True) as sink:
            files = _HashingSink(sink, self.folder, hashes)
            _write_snapshot(self.folder, self.outcome, files)
            bars = _Bars.open(Progress(disable=True), 0, explaining=True, calendars=True)
            for k in queue.claims():
                handback.send(k, self.write(chunks[k], files, bars))
        return _Written(hashes)


def render_workers(options: WriterOptions, pairs: int) -> int:
    """Worker processes rendering a run's plans and calendars (1: this process renders).

    Workers are forked (they share the parent's plans and templates without copying them),
    so only where ``fork`` is safe: Linux.
    """
    if pairs < options.render_workers_from_pairs or sys.platform != "linux":
        return 1
    if options.render_workers > 0:
        return options.render_workers
    return max(1, min(forked.usable_cores(), MAX_RENDER_WORKERS))


#: What forked render workers read: the render function and the items (set by the parent
#: just before the workers start, cleared when they stop).
_RENDER_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def _render_chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _RENDER_JOB is not None
    render, items = _RENDER_JOB
    return [render(items[k]) for k in range(*bounds)]


def _rendered(render: Callable[[Any], Any], items: Sequence[Any], workers: int
              ) -> Iterator[Any]:
    """``render(item)`` for each item, in the items' order; by ``workers`` forked processes
    when more than one (each renders whole chunks, the results come back in order, so the
    files are byte-identical to rendering here). An error in a worker is raised here."""
    global _RENDER_JOB
    if workers <= 1:
        yield from map(render, items)
        return
    chunks = [(lo, min(lo + RENDER_CHUNK, len(items)))
              for lo in range(0, len(items), RENDER_CHUNK)]
    _RENDER_JOB = (render, items)
    try:
        # The pool stops (its workers end) when the block is left, before the file sink
        # closes: the workers hold a copy of its pipe.
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for chunk in pool.imap(_render_chunk, chunks):
                yield from chunk
    finally:
        _RENDER_JOB = None


def _write_plans(folder: Path, plans: list[PairPlan], render: PlanRenderer,
                 advance: Callable[[int], None], files: Sink, workers: int = 1) -> list[bytes]:
    """Each pair's .md and .html plan; returns each plan's HTML body in UTF-8 (for
    all_plans.html).
    ``advance(n)`` is told of every :data:`PROGRESS_EVERY` plans written."""
    bodies = []
    for done, (plan, pages) in enumerate(zip(plans, _rendered(render, plans, workers),
                                             strict=True), start=1):
        bodies.append(pages.body.utf8)
        files.write(folder / f"{plan.file_stem}.md", pages.markdown_bytes)
        files.write(folder / f"{plan.file_stem}.html", pages.html_bytes)
        if done % PROGRESS_EVERY == 0:
            advance(PROGRESS_EVERY)
    advance(len(plans) % PROGRESS_EVERY)
    return bodies


def _write_calendars(folder: Path, plans: list[PairPlan], calendars: CalendarWriter,
                     advance: Callable[[int], None], files: Sink, workers: int = 1) -> None:
    """Each pair's .ics file; ``advance`` as for :func:`_write_plans`."""
    for done, (plan, data) in enumerate(zip(plans, _rendered(calendars.calendar, plans,
                                                             workers), strict=True), start=1):
        files.write(folder / f"{plan.file_stem}.ics", data)
        if done % PROGRESS_EVERY == 0:
            advance(PROGRESS_EVERY)
    advance(len(plans) % PROGRESS_EVERY)


def _introductions_csv(plans: list[PairPlan], e_mails: Sequence[tuple[str, str]], *,
                       calendars: bool = True) -> bytes:
    """introductions.csv (:func:`_introductions_table`)."""
    return csv_bytes(_introductions_table(plans, e_mails, calendars=calendars))


def _introductions_table(plans: list[PairPlan], e_mails: Sequence[tuple[str, str]], *,
                         calendars: bool = True) -> Table:
    """A mail-merge row (to, cc, subject, body, attachment) per pair, from each pair's
    e-mail (:func:`_introduction`); the attachment column names the plan and, when written,
    the calendar, separated by :data:`~.layout.ATTACHMENT_SEPARATOR`. A continuing pair's
    e-mail says so (the templates read ``plan.continuing``)."""
    rows = []
    for plan, (subject, body) in zip(plans, e_mails, strict=True):
        attachments = [f"{layout.PLANS_FOLDER}/{plan.file_stem}.html"]
        if calendars:
            attachments.append(f"{layout.CALENDAR_FOLDER}/{plan.file_stem}.ics")
        rows.append([plan.mentee.email, plan.mentor.email, subject, body,
                     layout.ATTACHMENT_SEPARATOR.join(attachments)])
    return Table("Introductions", layout.INTRODUCTIONS_COLUMNS, rows)


def _csv_rows(table: Table) -> bytes:
    """``table``'s CSV without its header (and the byte-order mark before it): a CSV's rows
    do not depend on one another, so the header followed by each chunk's rows, in order, is
    the file written from all the rows at once (tests/test_forked_writer.py checks it)."""
    whole, header = csv_bytes(table), csv_bytes(dataclasses.replace(table, rows=[]))
    if not whole.startswith(header):  # never: the writer of the CSV changed its layout
        raise AssertionError(f"the CSV of {table.name} does not begin with its header")
    return whole[len(header):]


def _introduction(templates: Templates, plan: PairPlan) -> tuple[str, str]:
    """The subject and body of one pair's introduction e-mail."""
    return (templates.render("introduction_subject.txt.j2", plan=plan).strip(),
            templates.render("introduction_email.txt.j2", plan=plan).strip() + "\n")


def _closures_csv(cycle: CycleContext, program: str, templates: Templates) -> bytes:
    """closures.csv: the thank-you and closure note of each ended pair, one row per side
    (same columns as introductions.csv; no cc, no attachment)."""
    rows = [[note.email,
             "",
             templates.render("closure_subject.txt.j2", note=note, program=program).strip(),
             templates.render("closure_email.txt.j2", note=note, program=program).strip()
             + "\n",
             ""]
            for note in cycle.closures]
    return csv_bytes(Table("Closures", layout.INTRODUCTIONS_COLUMNS, rows))


def run_record(outcome: MatchOutcome, hashes: dict[str, dict[str, object]], *, plans: int,
               calendars: int, notes: list[str],
               previous_run: Mapping[str, object] | None = None) -> dict[str, Any]:
    """The run.json record: inputs, config, versions, seed, solver statistics and counts."""
    result = outcome.result
    summary = summarise(outcome).to_dict()
    counts = {key: summary[key] for key in ("mentors", "mentees", "placed", "unplaced",
                                             "partial", "pairs", "mean_score",
                                             "lowest_primary_score")}
    counts.update(plans=plans, calendars=calendars,
                  intake_errors=len(outcome.cohort.errors),
                  intake_warnings=len(outcome.cohort.warnings))
    return {
        "format": layout.RUN_FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "inputs": hashes,
        "config": outcome.config.record(),
        "versions": dict(recorded_versions()),
        "seed": outcome.config.solver.seed,
        "objective": outcome.objective,
        # every input of the solve, so that the audit re-solves exactly this problem
        "solve": outcome.solve_inputs.to_dict() if outcome.solve_inputs else None,
        "solver": {
            "status": result.status,
            "objective": result.objective,
            "bound": result.bound,
            "gap": result.gap,
            "engine": result.engine,
            "stats": {k: v for k, v in result.stats.items() if not _TIMING_KEY.search(k)},
            "messages": list(result.messages),
        },
        "counts": counts,
        "unplaced": {network.mentee_id: network.unplaced_reason for network in outcome.networks
                     if not network.pairings},
        "notes": notes,
        "previous_run": dict(previous_run) if previous_run else None,
    }


def _file_record(path: Path) -> dict[str, object]:
    if not path.is_file():
        raise InputError(f"{path}: input file not found, so the run record cannot hash it. "
                         f"Check the path.")
    return {"file": path.name, "bytes": path.stat().st_size, "sha256": sha256_of(path)}


@functools.cache
def recorded_versions() -> dict[str, str | None]:
    """The installed versions of :data:`RECORDED_PACKAGES` (None: not installed), looked up
    once per process (each lookup searches every folder of the import path)."""
    return {name: _version(name) for name in RECORDED_PACKAGES}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _json_value(value: Any) -> Any:
    """JSON for what ``json`` does not know: dates, paths, sets, numpy scalars and arrays."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector kept off the folder's work while it is written.

    The objects alive before the folder is written (the cohort, its features, the solve's
    records) are kept out of its full passes (``gc.freeze``): each pass would walk them all
    again, and none of them becomes garbage meanwhile (some 5 % of a 1,000-pair folder's
    CPU). And the collector is paused (``gc.disable``) until the folder is written: the
    writing allocates millions of short-lived containers, which set off more than a
    thousand young and some ten full passes at 10,000 pairs (about 1 s of 7 s of CPU), while
    the cycles they leave are few (some 20,000 objects at 10,000 pairs, the same peak
    memory) and are collected by the first pass after. It is switched on again only if it
    was on, so a caller that turned it off keeps it off."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


@contextmanager
def _progress(quiet: bool) -> Iterator[Progress]:
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=Console(stderr=True), transient=True,
                        disable=quiet)
    with progress:
        yield progress

