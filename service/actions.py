"""The service's one door into the product: every call to ``scoring`` and ``matcher``.

Pages, API and the worker process call these functions only, so that pointing the service
at a new product entry point (``matcher.jobs``) is a change to this file alone. Results are
the product's own records (``RunAudit``, ``WhyNot``, ``RunDiff``) or small dataclasses here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from matcher.audit import AuditRun, RunAudit, WhyNot, alternatives, load_run, why_not
from matcher.jobs import match_job
from matcher.outcome import MatchOutcome
from matcher.outputs.plans import file_stems
from matcher.runfolder.diff import RunDiff, diff_runs
from scoring.config import ProgramConfig, load_config
from scoring.errors import InputError
from scoring.explain import PairExplanation, explain_pairs
from scoring.features import CohortFeatures, build_features
from scoring.intake.cohort import read_cohort
from scoring.intake.ids import IdResolver
from scoring.profiles import Cohort, Mentee, Mentor
from service.db import MentorLoad, NetworkRow

__all__ = ["InputError", "ProgramConfig", "RunAudit", "WhyNot", "RunDiff", "AuditRun",
           "PairExplanation", "check_config", "check_cohort", "match_to_folder",
           "audit_mentee", "why_not_mentor", "diff_with_names", "pair_documents",
           "profile_fields", "MatchRequest", "MatchProduct", "NetworkRow", "MentorLoad",
           "WhyNotRequest", "why_not_answer", "find_person"]

#: Profile fields a page may show; the config's [sensitive] fields are removed as well.
MENTEE_FIELDS = ("career_stage", "specialty", "institution", "need_areas", "help_wanted",
                 "network_size", "goals", "modes", "frequency", "time_zone", "languages")
MENTOR_FIELDS = ("career_stage", "specialty", "institution", "expertise_areas", "roles",
                 "capacity", "bio", "modes", "frequency", "time_zone", "languages")


def check_config(path: Path) -> ProgramConfig:
    """Load and check a program config; InputError (with the fix) when it is wrong."""
    return load_config(path)


@dataclass(frozen=True)
class SheetWindow:
    """Rows of an uploaded sign-up sheet around one row, as the spreadsheet numbers them."""

    label: str  # the file (and sheet) as intake names it
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str | None, ...]], ...]  # None: a sensitive answer
    hidden: tuple[str, ...]  # headers whose answers are not shown


def sheet_window(path: Path, side: str, config_path: Path, row: int, *, workbook: bool,
                 around: int = 3) -> SheetWindow:
    """Rows ``row - around`` to ``row + around`` of the ``side`` ("mentors"/"mentees")
    sheet, read as intake reads it (the config's sheet names and limits). Answers of the
    config's sensitive fields are left out (None)."""
    from scoring.intake.cohort import SIDE_FIELDS, map_headers
    from scoring.intake.spreadsheet import read_table

    config = load_config(config_path)
    sheet = config.intake.mentor_sheet if side == "mentors" else config.intake.mentee_sheet
    table = read_table(path, sheet, required_sheet=workbook, limits=config.limits)
    sensitive = set(config.sensitive_fields)
    mapping = map_headers(table.headers, config.columns(side), SIDE_FIELDS[side])
    hidden = {i for i, name in mapping.items() if name in sensitive}
    rows = tuple((number, tuple(None if i in hidden else cell for i, cell in enumerate(cells)))
                 for number, cells in table.rows if abs(number - row) <= around)
    return SheetWindow(table.label, tuple(table.headers), rows,
                       tuple(table.headers[i] for i in sorted(hidden)))


def problem_side(label: str, mentors: Path, mentees: Path, config: ProgramConfig
                 ) -> str | None:
    """Which uploaded sheet ("mentors" or "mentees") a problem's file label names, or None
    (a problem of both, or of the config)."""
    if mentors.resolve() != mentees.resolve():
        for side, path in (("mentors", mentors), ("mentees", mentees)):
            if label.startswith(path.name):
                return side
        return None
    intake = config.intake
    for side, sheet in (("mentors", intake.mentor_sheet), ("mentees", intake.mentee_sheet)):
        if sheet and f"sheet '{sheet.casefold()}'" in label.casefold():
            return side
    return None


def check_cohort(mentors: Path, mentees: Path, config_path: Path,
                 labels: dict[str, str]) -> list[dict[str, Any]]:
    """Read both intake files; every problem as a dict (severity, file, row, column, value,
    message, fix, and ``side``: the sheet a row's problem is in). ``labels`` maps stored
    file names back to the names the user uploaded."""
    config = load_config(config_path)
    cohort = read_cohort(mentors, mentees, config)
    problems = []
    folders = {f"{path.parent}/" for path in (mentors, mentees)}
    for problem in cohort.problems:
        record = asdict(problem)
        label = str(problem.file)
        for folder in folders:  # the workspace's folders are nobody's business
            label = label.replace(folder, "")
        record["side"] = (problem_side(label, mentors, mentees, config)
                          if problem.row is not None else None)
        for stored, shown in labels.items():
            label = label.replace(stored, shown)
        record["file"] = label
        problems.append(record)
    return problems


@dataclass(frozen=True)
class MatchRequest:
    """What a match job solves: files, options and the coordinator's locks and forbids."""

    mentors: Path
    mentees: Path
    config: Path
    out_dir: Path
    objective: str | None
    network_size: int | None
    locks_file: Path | None = None
    forbids_file: Path | None = None
    previous: Path | None = None  # with feedback: the month-12 rematch of this run folder
    feedback: Path | None = None
    #: (mentee id, mentor id): end that pair of the run folder ``previous`` mid-cycle
    ended: tuple[str, str] | None = None


@dataclass(frozen=True)
class MatchProduct:
    """What the worker hands back: the run folder, its summary and its index rows."""

    folder: Path
    summary: dict[str, Any]
    networks: tuple[NetworkRow, ...]
    mentors: tuple[MentorLoad, ...]


def match_to_folder(request: MatchRequest, say: Callable[[int, str], None]) -> MatchProduct:
    """``mentormatch match``'s own job (:func:`matcher.jobs.match_job`), with progress.

    ``say(stage, message)`` reports progress: 1 reading and checking (the diagnostics that
    stop a wrong match stop this job too, with their message), 2 solving and writing.
    """
    say(1, "Reading and checking the intake files")
    if request.ended is not None and request.previous is not None:
        return end_pair_to_folder(request, say)
    if request.feedback is not None and request.previous is not None:
        return rematch_to_folder(request, say)

    def diagnosed(findings: Sequence[object]) -> None:
        say(2, f"Scoring and solving ({len(findings)} diagnostic note(s) before solving)")

    result = match_job(str(request.mentors), str(request.mentees), config=str(request.config),
                       objective=request.objective, network_size=request.network_size,
                       locks=str(request.locks_file) if request.locks_file else None,
                       forbid=str(request.forbids_file) if request.forbids_file else None,
                       out=str(request.out_dir), quiet=True, on_diagnostics=diagnosed)
    networks, mentors = index_outcome(result.outcome)
    return MatchProduct(result.folder, result.summary.to_dict(), networks, mentors)


def rematch_to_folder(request: MatchRequest, say: Callable[[int, str], None]
                      ) -> MatchProduct:
    """``mentormatch rematch``'s own job (:func:`matcher.jobs.rematch_job`): year 2 from
    the previous run folder, its month-12 feedback and this year's intake files."""
    from matcher.jobs import rematch_job

    say(2, "Reading the feedback, then scoring and solving year 2")
    result = rematch_job(str(request.mentors), str(request.mentees),
                         previous=str(request.previous), feedback=str(request.feedback),
                         config=str(request.config), out=str(request.out_dir), quiet=True)
    networks, mentors = index_outcome(result.rematch.outcome)
    return MatchProduct(result.folder, result.summary.to_dict(), networks, mentors)


def end_pair_to_folder(request: MatchRequest, say: Callable[[int, str], None]
                       ) -> MatchProduct:
    """``mentormatch end-pair``'s own job (:func:`matcher.jobs.end_pair_job`): the run
    folder ``previous`` with the pair ``ended`` ended and just that mentee re-paired."""
    from matcher.jobs import end_pair_job

    assert request.ended is not None and request.previous is not None
    say(2, "Solving the run again with every other pair kept")
    result = end_pair_job(request.previous, *request.ended, out=request.out_dir, quiet=True)
    networks, mentors = index_outcome(result.outcome)
    return MatchProduct(result.folder, result.summary.to_dict(), networks, mentors)


def run_pair_keys(run_dir: Path) -> frozenset[tuple[str, str]]:
    """The (mentee id, mentor id) pairs the run folder made."""
    return frozenset(loaded_run(run_dir)[0].run.pair_keys())


def index_outcome(outcome: MatchOutcome) -> tuple[tuple[NetworkRow, ...],
                                                  tuple[MentorLoad, ...]]:
    """The results-table rows of a match: one per mentee, one per mentor."""
    cohort = outcome.cohort
    mentor_names = {m.id: m.name for m in cohort.mentors}
    mentees = {m.id: m for m in cohort.mentees}
    load: dict[str, int] = {}
    rows = []
    for position, network in enumerate(outcome.networks):
        mentee = mentees[network.mentee_id]
        for pair in network.pairings:
            load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
        status = ("unplaced" if network.primary is None
                  else "partial" if network.partial_reason else "placed")
        rows.append(NetworkRow(
            position, mentee.id, mentee.name, status, len(network.pairings),
            network.requested,
            round(network.primary.score, 2) if network.primary is not None else None,
            ",".join(p.mentor_id for p in network.pairings),
            ", ".join(mentor_names[p.mentor_id] for p in network.pairings),
            ",".join(mentee.need_areas),
            network.unplaced_reason or network.partial_reason or ""))
    mentors = tuple(MentorLoad(m.id, m.name, load.get(m.id, 0), m.capacity,
                                ",".join(m.expertise_areas)) for m in cohort.mentors)
    return tuple(rows), mentors


# ------------------------------------------------------------------------------ audits

@dataclass(frozen=True)
class LoadedRun:
    """A run folder read for auditing, its features, and id → person lookups."""

    run: AuditRun
    features: CohortFeatures
    mentees: dict[str, Mentee]
    mentors: dict[str, Mentor]
    resolvers: dict[str, IdResolver]  # side → ids and names as people type them


@functools.lru_cache(maxsize=4)
def _loaded(run_dir: str, stamp: float) -> LoadedRun:
    """The run read back and its features, kept for the next page of the same run.

    ``stamp`` (run.json's mtime) is part of the key so a replaced folder is read again.
    """
    del stamp
    run = load_run(run_dir)
    cohort = run.cohort
    return LoadedRun(run, build_features(cohort, run.config),
                     {m.id: m for m in cohort.mentees}, {m.id: m for m in cohort.mentors},
                     {"mentee": IdResolver.of(cohort.mentees, "mentee"),
                      "mentor": IdResolver.of(cohort.mentors, "mentor")})


def loaded(run_dir: Path) -> LoadedRun:
    """The run folder read for auditing (cached), with its features and lookups."""
    return _loaded(str(run_dir), (run_dir / "run.json").stat().st_mtime)


def loaded_run(run_dir: Path) -> tuple[AuditRun, CohortFeatures]:
    """The run folder read for auditing (cached) and its cohort features."""
    found = loaded(run_dir)
    return found.run, found.features


def person(run_dir: Path, person_id: str, side: str) -> Mentee | Mentor | None:
    """The run's mentee or mentor (``side``) with exactly this id, or None."""
    found = loaded(run_dir)
    return (found.mentees if side == "mentee" else found.mentors).get(person_id)


def find_person(run_dir: Path, wanted: str, side: str) -> Mentee | Mentor:
    """The run's mentee or mentor (``side``) that ``wanted`` names as people type it (the
    product's :class:`IdResolver`: the id in any capitals or as intake normalises it, or
    the name when only one person has it); UnknownIdError naming the closest otherwise."""
    found = loaded(run_dir)
    ident = found.resolvers[side].require(wanted)
    return (found.mentees if side == "mentee" else found.mentors)[ident]


@dataclass(frozen=True)
class MenteeAudit:
    """A mentee's page: who, network breakdowns, and the best mentors outside it."""

    mentee: Mentee
    audit: RunAudit


def audit_mentee(run_dir: Path, mentee_id: str, top: int = 5) -> MenteeAudit:
    """The mentee's network with each pair's breakdown and the best alternatives.

    Kept for the next visit: a run folder never changes, so neither does the answer.
    """
    return _audit_mentee(str(run_dir), (run_dir / "run.json").stat().st_mtime, mentee_id, top)


@functools.lru_cache(maxsize=4096)
def _audit_mentee(run_dir_text: str, stamp: float, mentee_id: str, top: int) -> MenteeAudit:
    del stamp
    run_dir = Path(run_dir_text)
    found = loaded(run_dir)
    run, features, mentee = found.run, found.features, found.mentees[mentee_id]
    network = run.network(mentee_id)
    pairs = [(mentee_id, p.mentor_id) for p in network]
    breakdowns = explain_pairs(run.cohort, run.config, pairs, features) if pairs else []
    ranked, others = alternatives(run, features, mentee_id, top)
    audit = RunAudit(run_dir=str(run.folder), mentee_id=mentee_id, mentee_name=mentee.name,
                     objective=run.objective, network=network, breakdowns=tuple(breakdowns),
                     alternatives=others, top=ranked, warnings=run.warnings)
    return MenteeAudit(mentee, audit)


#: Runs with more mentees than this answer "why not?" without the forced re-solve unless
#: asked (it solves the whole run again: about 30 s at 10,000 × 2,000).
QUICK_WHY_NOT_ABOVE = 2000


def why_not_mentor(run_dir: Path, mentee_id: str, mentor_c: str,
                   mentor_b: str | None = None, *, solve: bool | None = None,
                   say: Callable[[str], None] | None = None) -> WhyNot:
    """Why the mentee has B (default: its primary) and not C — ``explain --vs``'s answer.

    ``solve``: measure the cost of insisting on C by solving the run again with the pair
    locked; None solves for runs up to QUICK_WHY_NOT_ABOVE mentees.
    """
    run, features = loaded_run(run_dir)
    if solve is None:
        solve = len(run.cohort.mentees) <= QUICK_WHY_NOT_ABOVE
    if mentor_b is None:
        network = run.network(mentee_id)
        if not network:
            raise InputError(f"{mentee_id} has no mentor in this run, so there is no B to "
                             "compare with.")
        mentor_b = network[0].mentor_id
    return why_not(run, features, mentee_id, mentor_b, mentor_c, solve=solve, say=say)


def solves_why_not_at_once(run_dir: Path) -> bool:
    """True when "why not?" measures the cost of a pair within the request (small runs);
    larger runs measure it in a job (:func:`why_not_answer`)."""
    return len(run_people(run_dir).mentees) <= QUICK_WHY_NOT_ABOVE


@dataclass(frozen=True)
class WhyNotRequest:
    """A why-not job: the run folder, the mentee, and the mentor C (ids of the run)."""

    run_dir: Path
    mentee_id: str
    mentor_c: str


def why_not_answer(request: WhyNotRequest, say: Callable[[int, str], None]) -> dict[str, Any]:
    """Why not C, with the cost of insisting measured by solving the run again (the
    ``explain --vs`` answer as JSON); ``say(stage, message)`` reports progress."""
    say(1, "Reading the run and its scores")
    answer = why_not_mentor(request.run_dir, request.mentee_id, request.mentor_c, solve=True,
                            say=lambda text: say(2, text))
    return answer.to_dict()


def run_people(run_dir: Path) -> Cohort:
    """The run's cohort snapshot (sensitive fields already pseudonymised)."""
    return loaded_run(run_dir)[0].cohort


def run_pairs_of_mentor(run_dir: Path, mentor_id: str) -> list[tuple[str, str, str, float | None]]:
    """(mentee id, role, covers, score) of each of the mentor's pairs in the run."""
    run, _ = loaded_run(run_dir)
    return [(p.mentee_id, p.role, p.covers, p.score) for p in run.mentees_of(mentor_id)]


def profile_fields(person: Mentee | Mentor, config: ProgramConfig) -> list[tuple[str, str]]:
    """(label, text) of the profile fields a page may show: never sensitive or extra ones."""
    hidden = set(config.sensitive_fields) | {"gender", "background", "exclude", "extra"}
    names: Sequence[str] = MENTEE_FIELDS if isinstance(person, Mentee) else MENTOR_FIELDS
    out = []
    for name in names:
        if name in hidden:
            continue
        value = getattr(person, name, None)
        if value in (None, "", ()):
            continue
        text = ", ".join(str(v).replace("_", " ") for v in value) \
            if isinstance(value, tuple) else str(value).replace("_", " ")
        if name == "time_zone" and isinstance(value, float):
            text = f"UTC{value:+g}"
        out.append((name.replace("_", " "), text))
    return out


@functools.lru_cache(maxsize=16)
def diff_with_names(before: Path, after: Path) -> tuple[RunDiff, dict[str, str]]:
    """Pairs kept, ended and new between two run folders, and id → name for both runs.

    Kept for later pages: run folders are written once and never change.
    """
    result = diff_runs(before, after)
    names: dict[str, str] = {}
    for folder in (before, after):
        cohort = run_people(folder)
        names.update({p.id: p.name for p in (*cohort.mentors, *cohort.mentees)})
    return result, names


def pair_documents(run_dir: Path, mentee_id: str, mentor_id: str) -> tuple[Path, Path]:
    """The pair's plan (HTML) and calendar (.ics) inside the run folder.

    InputError when the pair is not in the run. The names come from the writer's own
    ``file_stems``, so they match what it wrote.
    """
    run, _ = loaded_run(run_dir)
    pairs = [(p.mentee_id, p.mentor_id) for p in run.pairs]
    if (mentee_id, mentor_id) not in set(pairs):
        raise InputError(f"{mentee_id} and {mentor_id} are not a pair of this run.")
    stem = file_stems(pairs)[(mentee_id, mentor_id)]
    return run_dir / "plans" / f"{stem}.html", run_dir / "calendar" / f"{stem}.ics"


# ------------------------------------------------------------------------ setup wizard

@dataclass(frozen=True)
class FormColumn:
    """One question of a sign-up sheet, for the setup wizard: its header, a few real
    answers, how many rows answered, and how sure the product is of each field."""

    header: str
    examples: tuple[str, ...]  # whole answers
    labels: tuple[str, ...]  # the labels of a checkbox question, split
    answered: int
    filled: tuple[str, ...]


def multi_value_fields() -> frozenset[str]:
    """Fields a checkbox question may hold (several labels in one cell)."""
    from scoring.config import MULTI_VALUE_FIELDS

    return frozenset(MULTI_VALUE_FIELDS)


def sensitive_fields() -> frozenset[str]:
    """The fields the product treats as sensitive by default (``[sensitive] fields``)."""
    from scoring.config import DEFAULTS

    return frozenset(DEFAULTS["sensitive"]["fields"])


def side_fields(side: str) -> tuple[str, ...]:
    """The fields a column of the ``side`` sheet may hold."""
    from scoring.intake.cohort import SIDE_FIELDS

    return tuple(SIDE_FIELDS[side])


def same_answer_key(text: str) -> str:
    """The product's comparison form of an answer (case, accents, punctuation folded)."""
    from scoring.text import fold

    return fold(text)


def write_starter_config(mentors: Path, mentees: Path, out: Path) -> Path:
    """``mentormatch init``'s own config for the two files (one workbook: the same path
    twice), written to ``out`` (:func:`matcher.jobs.init_job`)."""
    from matcher.jobs import init_job

    return init_job(mentors, mentees, out=out, force=True).path


def form_columns(mentors: Path, mentees: Path, examples: int = 5
                 ) -> dict[str, list[FormColumn]]:
    """Every column of each sheet as init reads it (the same sheet choice for a workbook)."""
    import copy

    from scoring.config import DEFAULTS
    from scoring.intake.form_reading.columns import profiles
    from scoring.intake.starter_config import read_tables

    intake = copy.deepcopy(DEFAULTS["intake"])
    tables = read_tables(mentors, mentees, intake)
    found: dict[str, list[FormColumn]] = {}
    for side, table in tables.items():
        columns = profiles(table.headers, [cells for _, cells in table.rows],
                           intake["separators"])
        found[side] = [FormColumn(c.header, tuple(c.answers[:examples]),
                                  tuple(c.options[:examples]), len(c.filled), c.filled)
                       for c in columns]
    return found


def field_certainty(mentors: Path, mentees: Path, side: str, header: str, field: str) -> str:
    """How sure init is that ``header`` holds ``field``: "sure" when both the header's
    words and the answers point at it, "likely" when one does, "guess" otherwise."""
    return _certainties(str(mentors), str(mentees)).get((side, header, field), "guess")


@functools.lru_cache(maxsize=8)
def _certainties(mentors: str, mentees: str) -> dict[tuple[str, str, str], str]:
    import copy

    from scoring.config import DEFAULTS
    from scoring.intake.cohort import SIDE_FIELDS
    from scoring.intake.form_reading.columns import profiles
    from scoring.intake.form_reading.detection import (
        answer_fields,
        answers_fit,
        header_strength,
    )
    from scoring.intake.starter_config import read_tables

    intake = copy.deepcopy(DEFAULTS["intake"])
    tables = read_tables(Path(mentors), Path(mentees), intake)
    out: dict[tuple[str, str, str], str] = {}
    for side, table in tables.items():
        for column in profiles(table.headers, [cells for _, cells in table.rows],
                               intake["separators"]):
            by_answers = answer_fields(column, SIDE_FIELDS[side])
            for name in SIDE_FIELDS[side]:
                by_header = header_strength(column.header, name) > 0 \
                    and answers_fit(column, name)
                votes = int(by_header) + int(name in by_answers)
                out[(side, column.header, name)] = ("guess", "likely", "sure")[votes]
    return out


@dataclass(frozen=True)
class StageLadder:
    """A career-stage scale as init orders it: key → spellings, most junior first."""

    table: dict[str, list[str]]
    guessed: tuple[str, ...]  # keys placed by evidence, not on a known ladder


def stage_ladder(mentors: Path, mentees: Path, headers: dict[str, str | None]
                 ) -> StageLadder | None:
    """init's ladder for the stage columns ``headers`` (side → header), or None without
    a stage column answered on both sheets."""
    import copy

    from scoring.config import DEFAULTS
    from scoring.intake.form_reading.columns import profiles
    from scoring.intake.form_reading.ladders import order_stages
    from scoring.intake.starter_config import read_tables, stage_counts

    intake = copy.deepcopy(DEFAULTS["intake"])
    tables = read_tables(mentors, mentees, intake)
    columns = {}
    for side, table in tables.items():
        found = [c for c in profiles(table.headers, [cells for _, cells in table.rows],
                                     intake["separators"]) if c.header == headers.get(side)]
        columns[side] = found[0] if found else None
    mentor_counts, mentee_counts = stage_counts(columns)
    if not (mentor_counts and mentee_counts):
        return None
    order = order_stages(mentor_counts, mentee_counts)
    return StageLadder(order.table, order.guessed)


def validate_problems(mentors: Path, mentees: Path, config: Path) -> list[dict[str, Any]]:
    """``mentormatch validate``'s findings (:func:`matcher.jobs.validate_job`) as dicts:
    every row problem, then the diagnostics of what the match would be."""
    from matcher.jobs import validate_job

    cohort = validate_job(mentors, mentees, config=str(config))
    return [asdict(problem) for problem in cohort.problems]
