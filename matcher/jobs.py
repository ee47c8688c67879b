"""What each command (and, later, each web page) does, callable from Python.

One function per ``mentormatch`` command: it takes the request as typed arguments, does the
work through the public functions of :mod:`scoring` and :mod:`matcher`, and returns a typed
record; printing is the caller's. Problems with the input raise
:class:`scoring.errors.InputError`, one paragraph naming the file and the fix.

Each job imports its own stack inside the function: ``validate`` must not pay for the
solver, matplotlib or OR-Tools, nor ``--help`` for any of it. This module sits on top of the
layout and may import everything but :mod:`cli`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoring.errors import InputError

if TYPE_CHECKING:  # records named in signatures; imported for real inside each job
    from matcher.audit import RunAudit
    from matcher.outcome import MatchOutcome
    from matcher.outputs.summary import MatchSummary
    from matcher.pipeline import ScoreKeeper
    from matcher.rematch import ChangeReasons, RematchOutcome
    from matcher.runfolder.diff import RunDiff
    from scoring.config import ProgramConfig
    from scoring.diagnostic_tally import BlockTally
    from scoring.explain import Comparison, PairExplanation, TopCandidates
    from scoring.features import CohortFeatures
    from scoring.intake.starter_config import StarterConfig
    from scoring.profiles import Cohort, Problem


def config_path_for(mentors_path: str | Path, config_option: str | Path | None) -> str:
    """The config to use: ``config_option`` if given, else ``program.toml`` beside MENTORS.

    Raises :class:`scoring.errors.InputError` with the fix when neither exists.
    """
    if config_option:
        return str(config_option)
    beside = Path(mentors_path).resolve().parent / "program.toml"
    if beside.is_file():
        return str(beside)
    raise InputError(
        f"No program config given and no program.toml beside {mentors_path}. Pass "
        f"--config FILE, or write a starter config with `mentormatch init MENTORS MENTEES`.")


def _warm(module: str) -> threading.Thread:
    """Import ``module`` in a background thread; join the thread before using the module.

    The run-folder writer's stack (openpyxl, Jinja2, icalendar, rich) takes a few tenths of
    a second to import; the solver spends its time in native code that releases the GIL
    (HiGHS does: measured), so on a second core the imports cost no wall time. An import
    error surfaces again, in the caller's thread, at the ordinary import after the join.
    """
    thread = threading.Thread(target=importlib.import_module, args=(module,), daemon=True,
                              name=f"import {module}")
    thread.start()
    return thread


# ---------------------------------------------------------------------------------- init

@dataclass(frozen=True)
class InitResult:
    """The starter config written and the file it went to."""

    path: Path
    starter: StarterConfig


def init_job(mentors: Path, mentees: Path, *, out: Path | None = None,
             force: bool = False) -> InitResult:
    """Guess a config from the two intake files and write it (default: beside MENTORS)."""
    from scoring.intake.starter_config import render_toml, starter_config

    path = out or mentors.parent / "program.toml"
    if path.exists() and not force:
        raise InputError(f"{path} already exists. Pass --force to overwrite it, or --out to "
                         "write somewhere else.")
    starter = starter_config(mentors, mentees)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_toml(starter, [mentors, mentees]), encoding="utf-8")
    return InitResult(path=path, starter=starter)


# ------------------------------------------------------------------------------ validate

def diagnostics_of(cohort: Cohort, program: ProgramConfig,
                   features: CohortFeatures | None = None,
                   keeper: ScoreKeeper | None = None,
                   tallies: list[BlockTally] | None = None) -> list[Problem]:
    """What the match would be like (:func:`scoring.diagnostics.diagnose`), errors first.

    ``features``: the cohort's, when the caller built them for its match (else built here
    without TF-IDF texts: diagnose knows). ``keeper`` keeps the scores of that pass for the
    match (:func:`matcher.pipeline.score_keeper`). ``tallies``: the blocks' tallies of the
    solver's read of streamed scores (:func:`matcher.pipeline.tally_sink`), read instead
    of scoring the cohort again.
    """
    from scoring.diagnostics import diagnose
    from scoring.features import build_features

    if features is None:
        features = build_features(cohort, program, texts=False)
    if keeper is None:
        return diagnose(cohort, features, program, tallies=tallies)
    from matcher.compute import rows_per_block

    return diagnose(cohort, features, program, on_block=keeper,
                    block_size=rows_per_block(features, program))


def validate_job(mentors: Path, mentees: Path, *, config: str | None = None,
                 capacity: int | None = None, network_size: int | None = None) -> Cohort:
    """Read both intake files and look at what the match would be: the cohort lists every
    error and warning, row by row, then the diagnostics (``Problem.code`` set)."""
    from scoring.config import load_config, with_count_overrides
    from scoring.intake.cohort import read_cohort
    from scoring.intake.spreadsheet import checked_path

    checked_path(mentors)  # a mistyped file name matters more than a missing config
    checked_path(mentees)
    program = with_count_overrides(load_config(config_path_for(mentors, config)),
                                   capacity=capacity, network_size=network_size)
    cohort = read_cohort(mentors, mentees, program)
    cohort.problems.extend(diagnostics_of(cohort, program))
    return cohort


# --------------------------------------------------------------------------------- match

def check_diagnostics(cohort: Cohort, program: ProgramConfig, mentors: str, mentees: str,
                      on_diagnostics: Callable[[list[Problem]], None] | None,
                      accept_diagnostics: bool, command: str,
                      features: CohortFeatures | None = None,
                      keeper: ScoreKeeper | None = None,
                      tallies: list[BlockTally] | None = None) -> None:
    """What ``match`` and ``rematch`` check before they solve: the diagnostics go to
    ``on_diagnostics``; an error among them stops the command
    (:class:`~scoring.errors.InvalidCohortError`, exit 2, nothing written) unless
    ``accept_diagnostics`` (the coordinator has read them and wants this match anyway).
    ``features`` / ``keeper`` / ``tallies``: see :func:`diagnostics_of`."""
    from scoring.errors import InvalidCohortError

    findings = diagnostics_of(cohort, program, features, keeper, tallies)
    if on_diagnostics is not None and findings:
        on_diagnostics(findings)
    errors = [p for p in findings if p.severity == "error"]
    if errors and not accept_diagnostics:
        shown = "\n".join(f"  {problem}" for problem in errors)
        raise InvalidCohortError(
            f"The {command} would be wrong, so nothing was matched or written ({len(errors)} "
            f"error(s); `mentormatch validate {mentors} {mentees}` lists them with the "
            f"warnings; pass --accept-diagnostics to {command} anyway):\n{shown}", errors)


@dataclass(frozen=True)
class MatchResult:
    """What ``match`` (or ``rematch``) produced and where the run folder went."""

    outcome: MatchOutcome
    folder: Path
    summary: MatchSummary


def match_job(mentors: str, mentees: str, *, config: str | None = None,
              objective: str | None = None, network_size: int | None = None,
              capacity: int | None = None,
              locks: str | None = None, forbid: str | None = None,
              out: str = "mentormatch-run", force: bool = False,
              templates: str | None = None, quiet: bool = False,
              on_diagnostics: Callable[[list[Problem]], None] | None = None,
              accept_diagnostics: bool = False,
              scheduler: str | None = None) -> MatchResult:
    """Match the intake files and write the run folder ``out`` (``quiet``: no progress).

    ``capacity`` / ``network_size`` replace the columns' answers for everyone. Before
    solving, the diagnostics go to ``on_diagnostics``; an error among them stops the run
    (:class:`~scoring.errors.InvalidCohortError`), nothing written, unless
    ``accept_diagnostics`` (the coordinator has read them and wants this match anyway).
    ``scheduler`` says where scoring runs, overriding ``[compute] scheduler``.
    """
    from matcher.outputs.summary import summarise
    from matcher.pipeline import run_match, score_keeper, tally_sink
    from matcher.runfolder.claim import claim_output
    from scoring.config import load_config, with_count_overrides
    from scoring.features import build_features
    from scoring.intake.cohort import read_valid_cohort
    from scoring.intake.pair_sheets import read_pair_sheet

    config_path = config_path_for(mentors, config)
    program = with_count_overrides(load_config(config_path), capacity=capacity,
                                   network_size=network_size)
    if scheduler:
        from scoring.config import with_scheduler
        program = with_scheduler(program, scheduler)
    with claim_output(Path(out), force=force) as claim:  # checked and locked before the solve
        _tell(claim.notes)
        cohort = read_valid_cohort(mentors, mentees, program, action="matched")
        # The sheet reader returns rows of 2 to 4 ids (roles only in a locks sheet).
        lock_pairs: Any = (read_pair_sheet(locks, cohort, roles=True, limits=program.limits)
                           if locks else ())
        forbid_pairs: Any = (read_pair_sheet(forbid, cohort, limits=program.limits)
                             if forbid else ())
        # Features and scores once: the diagnostics' scoring pass keeps the match's scores
        # (kept scores), or the diagnostics read the solver's pass (streamed scores: they
        # run when it has read the scores, before anything is solved).
        features = build_features(cohort, program)
        keeper = score_keeper(features, program, objective)
        sink = None if keeper is not None else tally_sink(cohort, features, program)

        def diagnosed() -> None:
            check_diagnostics(cohort, program, mentors, mentees, on_diagnostics,
                              accept_diagnostics, "match", features, keeper,
                              sink.tallies if sink is not None else None)
        if sink is None:
            diagnosed()
        writer = _warm("matcher.runfolder.prepared")  # while the solver runs
        outcome = run_match(cohort, program, objective=objective, network_size=network_size,
                            locks=lock_pairs, forbids=forbid_pairs, progress=not quiet,
                            sources=_sheet_sources(locks=locks, forbids=forbid),
                            features=features, scores=keeper.scores() if keeper else None,
                            sink=sink, scores_read=diagnosed if sink is not None else None)
        writer.join()
        from matcher.runfolder.writer import write_run_folder

        inputs = {"mentors": Path(mentors), "mentees": Path(mentees),
                  "config": Path(config_path)}
        if locks:
            inputs["locks"] = Path(locks)
        if forbid:
            inputs["forbid"] = Path(forbid)
        folder = write_run_folder(outcome, Path(out), force=force, inputs=inputs, quiet=quiet,
                                  templates_dir=Path(templates) if templates else None,
                                  claim=claim)
    return MatchResult(outcome=outcome, folder=folder, summary=summarise(outcome))


def _sheet_sources(**sheets: str | None) -> dict[str, dict[str, str]]:
    """Where the locks / forbids came from: each sheet's path and sha256 (run.json)."""
    from matcher.runfolder.hashing import sha256_of

    return {kind: {"file": str(path), "sha256": sha256_of(Path(path))}
            for kind, path in sheets.items() if path}


def _tell(notes: list[str]) -> None:
    """What claiming --out tidied (a stale lock, a killed run's folder), on stderr."""
    for note in notes:
        print(f"Note: {note}", file=sys.stderr)


# ------------------------------------------------------------------------------- rematch

@dataclass(frozen=True)
class RematchResult:
    """What ``rematch`` produced: the new run, its folder, and what changed since."""

    rematch: RematchOutcome
    folder: Path
    summary: MatchSummary
    reasons: ChangeReasons | None = None  # kept / ended / new / flagged, by reason

    def changes(self) -> dict[str, int]:
        """Pairs kept, ended and new since the previous run."""
        return {"kept": len(self.rematch.kept), "ended": len(self.rematch.ended),
                "new": len(self.rematch.new_pairs())}


def rematch_job(mentors: str, mentees: str, *, previous: str, feedback: str,
                config: str | None = None, out: str = "mentormatch-rematch",
                force: bool = False, quiet: bool = False,
                start_date: dt.date | None = None,
                on_diagnostics: Callable[[list[Problem]], None] | None = None,
                accept_diagnostics: bool = False) -> RematchResult:
    """Rematch at month 12 from the previous run folder, its feedback and updated intake;
    the new cycle starts on ``start_date`` (default:
    :func:`matcher.rematch.next_cycle_start`). The updated intake is diagnosed as
    ``match`` diagnoses it, and stops the same way (:func:`check_diagnostics`)."""
    from matcher.outputs.summary import summarise
    from matcher.rematch import change_reasons, run_rematch, write_rematch_folder
    from matcher.runfolder.claim import claim_output
    from matcher.runfolder.reader import read_history
    from scoring.config import load_config
    from scoring.intake.cohort import read_valid_cohort
    from scoring.intake.feedback import read_feedback

    config_path = config_path_for(mentors, config)
    program = load_config(config_path)
    history = read_history(previous)
    with claim_output(Path(out), force=force) as claim:  # checked and locked before the solve
        _tell(claim.notes)
        sheet = read_feedback(feedback, program, previous_pairs=history.latest.pair_keys())
        cohort = read_valid_cohort(mentors, mentees, program, action="rematched")
        check_diagnostics(cohort, program, mentors, mentees, on_diagnostics,
                          accept_diagnostics, "rematch")
        result = run_rematch(history, sheet, cohort, program, progress=not quiet,
                             start_date=start_date)
        inputs = {"mentors": Path(mentors), "mentees": Path(mentees),
                  "config": Path(config_path)}
        folder = write_rematch_folder(result, history, sheet, Path(out), force=force,
                                      inputs=inputs, quiet=quiet, claim=claim)
    return RematchResult(rematch=result, folder=folder, summary=summarise(result.outcome),
                         reasons=change_reasons(result, history, sheet))


# ------------------------------------------------------------------------------- explain

@dataclass(frozen=True)
class ExplainResult:
    """The answer of ``explain``: a run audit, one pair, a comparison or the top mentors.

    ``run_dir`` is set for the run-folder form; ``mentee_name`` titles the top list.
    """

    answer: RunAudit | Comparison | PairExplanation | TopCandidates
    run_dir: str | None = None
    mentee_name: str = ""

    def to_dict(self) -> dict:
        return self.answer.to_dict()


def _intake_id(wanted: str, people: list[Any], side: str, path: str) -> str:
    """The id ``wanted`` means (as typed: any capitals, a unique name ...); UnknownIdError
    suggesting the closest ids otherwise (:mod:`scoring.intake.ids`)."""
    from scoring.intake.ids import IdResolver

    return IdResolver.of(people, side).require(wanted, path)


def explain_job(inputs: tuple[str, ...], mentee_id: str, *, mentor_id: str | None = None,
                other_id: str | None = None, top: int = 5,
                config: str | None = None) -> ExplainResult:
    """Explain scores for one mentee, from a run folder (one input) or the intake files (two).

    With ``mentor_id`` and ``other_id``: why that mentor and not the other; with
    ``mentor_id`` alone: that pair's breakdown; else the ``top`` best mentors (or, from a run
    folder, the mentee's network and the best mentors outside it).
    """
    if len(inputs) == 1:
        return _explain_run(inputs[0], mentee_id, mentor_id, other_id, top, config)
    if len(inputs) != 2:
        raise InputError(f"explain takes a run folder or two intake files (MENTORS MENTEES); "
                         f"got {len(inputs)} arguments.")
    from scoring.config import load_config
    from scoring.explain import compare, explain_pairs, top_candidates
    from scoring.features import build_features
    from scoring.intake.cohort import read_valid_cohort

    mentors, mentees = inputs
    if other_id and not mentor_id:
        raise InputError("--vs compares two mentors: give the first with --mentor, e.g. "
                         "--mentor B --vs C.")
    program = load_config(config_path_for(mentors, config))
    cohort = read_valid_cohort(mentors, mentees, program, action="explained")
    mentee_id = _intake_id(mentee_id, cohort.mentees, "mentee", mentees)
    if mentor_id:
        mentor_id = _intake_id(mentor_id, cohort.mentors, "mentor", mentors)
    if other_id:
        other_id = _intake_id(other_id, cohort.mentors, "mentor", mentors)
    features = build_features(cohort, program)
    if mentor_id and other_id:
        return ExplainResult(compare(cohort, program, mentee_id, mentor_id, other_id, features))
    if mentor_id:
        return ExplainResult(
            explain_pairs(cohort, program, [(mentee_id, mentor_id)], features)[0])
    mentee_name = cohort.mentees[cohort.mentee_index()[mentee_id]].name
    return ExplainResult(top_candidates(cohort, program, mentee_id, top, features),
                         mentee_name=mentee_name)


def _explain_run(run_dir: str, mentee_id: str, mentor_id: str | None, other_id: str | None,
                 top: int, config: str | None) -> ExplainResult:
    """The run-folder form of :func:`explain_job` (the audit checks its own ids)."""
    from matcher.audit import explain_from_run, is_run_folder

    if not is_run_folder(run_dir):
        raise InputError(f"{run_dir}: not a run folder (no run.json in it). Give a folder "
                         "`mentormatch match` wrote, or both intake files: "
                         "mentormatch explain MENTORS MENTEES --mentee ID.")
    if config:
        raise InputError("--config is for the intake-file form; a run folder is audited "
                         "with the config recorded in its run.json. Drop --config.")
    audit = explain_from_run(run_dir, mentee_id, mentor_id, other_id, top=top, say=_stderr)
    return ExplainResult(audit, run_dir=run_dir)


def _stderr(line: str) -> None:
    """Progress of longer work, on stderr (stdout stays the answer, e.g. --json)."""
    import sys

    print(line, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------- diff

def diff_job(run_a: str, run_b: str) -> RunDiff:
    """The pairs kept, ended and new from run folder ``run_a`` to ``run_b``."""
    from matcher.runfolder.diff import diff_runs

    return diff_runs(run_a, run_b)


# ------------------------------------------------------------------------------ end-pair

@dataclass(frozen=True)
class EndPairResult:
    """What ``end-pair`` produced: the new run, its folder, and what became of the mentee.

    ``new_pairs`` are the mentee's pairs in the new run (mentor ids, primary first); empty
    with ``unplaced_reason`` (the solver's reason) when no mentor with room is eligible.
    ``partial_reason``: why the mentee has fewer mentors than asked, if so.
    ``others_changed`` lists any other mentee whose network differs from the run's (none
    unless the run's own solve left room unused; said, never hidden).
    """

    outcome: MatchOutcome
    folder: Path
    summary: MatchSummary
    base_run: Path
    mentee_id: str
    mentee_name: str
    ended_mentor_id: str
    kept_pairs: int
    new_pairs: tuple[str, ...]
    unplaced_reason: str | None
    partial_reason: str | None  # placed with fewer mentors than asked: why
    others_changed: tuple[str, ...]


#: Where the new run folder keeps the locks and forbids sheets it was solved with.
END_PAIR_LOCKS = "inputs/locks.csv"
END_PAIR_FORBIDS = "inputs/forbid.csv"


def end_pair_job(run_dir: str | Path, mentee: str, mentor: str, *,
                 out: str | Path = "mentormatch-end-pair", force: bool = False,
                 quiet: bool = False, templates: str | None = None) -> EndPairResult:
    """End the pair (``mentee``, ``mentor``) of the run in ``run_dir`` mid-cycle and re-pair
    just that mentee, every other pair of the run kept: the run's own problem (its snapshot,
    config, objective, network size, locks, forbids and keep bonus, as run.json records
    them) is solved again with every other pair locked (roles and covers as they were), the
    ended pair forbidden, and the ended mentor's freed place given to no one else. The new
    run folder ``out`` is an ordinary one; its run.json records those locks and forbids
    (and ``ended_pair``: the pair, the run it ended in and that run's run.json sha256).

    Ids are matched as people type them (:class:`scoring.intake.ids.IdResolver`); an
    unknown person or a pair the run did not make raises InputError with the fix.
    """
    from matcher.audit import load_run, solve_inputs
    from matcher.outputs.summary import summarise
    from matcher.pipeline import run_match
    from matcher.runfolder.claim import claim_output
    from matcher.runfolder.hashing import sha256_of
    from matcher.runfolder.layout import RUN_RECORD
    from scoring.intake.ids import IdResolver

    base = load_run(run_dir)
    folder = base.run.folder
    mentee_id = IdResolver.of(base.cohort.mentees, "mentee").require(mentee, str(folder))
    mentor_id = IdResolver.of(base.cohort.mentors, "mentor").require(mentor, str(folder))
    ended = (mentee_id, mentor_id)
    if ended not in base.run.pair_keys():
        network = base.run.network(mentee_id)
        has = (f"their mentors in this run are {', '.join(p.mentor_id for p in network)}"
               if network else "they have no mentor in this run")
        raise InputError(
            f"{folder}: {mentee_id} and {mentor_id} are not a pair of this run ({has}). "
            f"Pass a pair from the run's pairings.csv: `mentormatch end-pair {folder} "
            f"--mentee {mentee_id} --mentor MENTOR`.")
    recorded = solve_inputs(base)
    kept = [p for p in base.run.pairs if p.key != ended]
    # Recorded locks hold 2 to 4 ids, as run_match takes them.
    locks: list[Any] = [_lock_of(p.mentee_id, p.mentor_id, p.role, p.covers) for p in kept]
    locked = {p.key for p in kept}
    locks += [lock for lock in recorded.locks if (lock[0], lock[1]) not in locked | {ended}]
    # The ended mentor's freed place goes to no one else: only the mentee is re-paired.
    forbids = sorted({*recorded.forbids, ended,
                      *((e.id, mentor_id) for e in base.cohort.mentees
                        if (e.id, mentor_id) not in locked)})
    locks_sheet = _pair_sheet(["mentee_id", "mentor_id", "role", "covers"], locks)
    forbids_sheet = _pair_sheet(["mentee_id", "mentor_id"], forbids)
    sources = {**recorded.sources,
               "locks": {"file": END_PAIR_LOCKS, "sha256": _sha256_bytes(locks_sheet)},
               "forbids": {"file": END_PAIR_FORBIDS, "sha256": _sha256_bytes(forbids_sheet)}}
    with claim_output(Path(out), force=force) as claim:
        _tell(claim.notes)
        writer = _warm("matcher.runfolder.writer")
        outcome = run_match(base.cohort, base.config, objective=recorded.objective,
                            network_size=recorded.network_size, locks=locks,
                            forbids=forbids, keep_bonus=recorded.keep_bonus_map(),
                            progress=not quiet, sources=sources)
        writer.join()
        from matcher.runfolder.writer import write_run_folder

        record = folder / RUN_RECORD
        new_folder = write_run_folder(
            outcome, Path(out), force=force, quiet=quiet,
            inputs={"snapshot": base.run.folder / "audit" / "cohort.json",
                    "run": record},
            templates_dir=Path(templates) if templates else None, claim=claim,
            extra_files={END_PAIR_LOCKS: locks_sheet, END_PAIR_FORBIDS: forbids_sheet},
            extra_run_fields={"ended_pair": {
                "mentee_id": mentee_id, "mentor_id": mentor_id, "run": str(folder.resolve()),
                "run_json_sha256": sha256_of(record)}})
    networks = {n.mentee_id: n for n in outcome.networks}
    before = {e.id: tuple(p.mentor_id for p in base.run.network(e.id))
              for e in base.cohort.mentees}
    after = {e: tuple(p.mentor_id for p in n.pairings) for e, n in networks.items()}
    others = tuple(e for e in before if e != mentee_id
                   and set(before[e]) != set(after.get(e, ())))
    mine = networks[mentee_id]
    return EndPairResult(outcome=outcome, folder=new_folder, summary=summarise(outcome),
                         base_run=folder, mentee_id=mentee_id,
                         mentee_name=next(e.name for e in base.cohort.mentees
                                          if e.id == mentee_id),
                         ended_mentor_id=mentor_id, kept_pairs=len(kept),
                         new_pairs=tuple(m for m in after.get(mentee_id, ())
                                         if m not in before[mentee_id]),
                         unplaced_reason=mine.unplaced_reason,
                         partial_reason=mine.partial_reason, others_changed=others)


def _lock_of(mentee_id: str, mentor_id: str, role: str, covers: str) -> tuple[str, ...]:
    """A kept pair as a lock: its role and, for a specialist, what it covers."""
    if role == "specialist" and covers:
        return (mentee_id, mentor_id, role, covers)
    return (mentee_id, mentor_id, role) if role in ("primary", "specialist") else (
        mentee_id, mentor_id)


def _pair_sheet(header: list[str], rows: list[Any]) -> bytes:
    """A locks / forbids sheet (CSV, as ``--locks`` / ``--forbid`` read it) as bytes."""
    import csv
    import io

    text = io.StringIO()
    sheet = csv.writer(text, lineterminator="\n")
    sheet.writerow(header)
    sheet.writerows(rows)
    return text.getvalue().encode("utf-8")


def _sha256_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
