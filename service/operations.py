"""What the service does, once: the functions both the pages and the JSON API call.

Each function takes a :class:`Context` (workspace, job runner, the logged-in user), checks
the user may act on the program, validates every id before it touches a path, does the
work (through :mod:`service.actions` for anything the product computes), logs state
changes in the audit log, and returns dataclasses. Failures raise :class:`ServiceError`
with an HTTP status, a sentence and, for bad input, the field at fault.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import sqlite3
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service import actions, db
from service.auth import Principal, grant
from service.charts import Chart, report_charts
from service.jobs import MAX_RUNNING, JobRunner, JobSpec
from service.workspace import (
    UnsafePath,
    Workspace,
    new_run_id,
    slugify,
    upload_extension,
    valid_person_id,
    valid_program_id,
    valid_run_id,
)

OBJECTIVES = ("total", "fair", "stable")
#: Mentors listed on a run's page and in its API record (the busiest; the report has all).
LOADS_SHOWN = 30
#: Largest uploaded file (bytes); the request as a whole is capped in the app.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Downloads a run offers: name → (file in the run folder, media type).
RUN_FILES = {
    "pairings.xlsx": ("pairings.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pairings.csv": ("pairings.csv", "text/csv; charset=utf-8"),
    "introductions.csv": ("introductions.csv", "text/csv; charset=utf-8"),
    "report.html": ("report.html", "text/html; charset=utf-8"),
}


class ServiceError(Exception):
    """A request the service refuses: HTTP status, a sentence, and the field at fault."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Context:
    """Who is asking, and the workspace and job runner they act on."""

    workspace: Workspace
    runner: JobRunner
    user: Principal


# ------------------------------------------------------------------------ access checks

def _program(ctx: Context, connection: sqlite3.Connection, program_id: str) -> db.Program:
    try:
        valid_program_id(program_id)
    except UnsafePath:
        raise ServiceError(404, "No such program.", "program_id") from None
    program = db.get_program(connection, program_id)
    if program is None:
        raise ServiceError(404, "No such program.", "program_id")
    if not ctx.user.can_see(program_id):
        raise ServiceError(403, "Your account is not given this program.")
    return program


def _run(ctx: Context, connection: sqlite3.Connection, program_id: str, run_id: str
         ) -> tuple[db.Program, db.Run, Path]:
    program = _program(ctx, connection, program_id)
    try:
        valid_run_id(run_id)
    except UnsafePath:
        raise ServiceError(404, "No such run.", "run_id") from None
    run = db.get_run(connection, run_id)
    if run is None or run.program_id != program_id:
        raise ServiceError(404, "No such run.", "run_id")
    return program, run, ctx.workspace.run_dir(program_id, run_id)


def _person(run_dir: Path, wanted: str, side: str) -> Any:
    """The run's mentee or mentor that ``wanted`` names (its id as people type it, or its
    name when only one person has it); 404 naming the closest ids otherwise."""
    try:
        valid_person_id(wanted)
    except UnsafePath:
        raise ServiceError(404, f"No such {side}.", f"{side}_id") from None
    try:
        return actions.find_person(run_dir, wanted, side)
    except actions.InputError as error:
        raise ServiceError(404, _public_run(run_dir, str(error)), f"{side}_id") from None


def _public_run(run_dir: Path, text: str) -> str:
    """A product message without the run folder's path (the page names the run)."""
    return text.replace(f"{run_dir}: ", "").replace(str(run_dir), "this run")


# ------------------------------------------------------------------------------ programs

@dataclass(frozen=True)
class ProgramCard:
    """A program in the list: its published run's headline figures and any running job."""

    program: db.Program
    published: db.Run | None
    drafts: int
    active_job: db.Job | None


def list_programs(ctx: Context) -> list[ProgramCard]:
    with db.opened(ctx.workspace.db_path) as connection:
        only = None if ctx.user.is_admin else sorted(ctx.user.programs)
        cards = []
        for program in db.list_programs(connection, only):
            runs = db.list_runs(connection, program.id)
            published = next((r for r in runs if r.id == program.published_run), None)
            cards.append(ProgramCard(program, published,
                                     sum(1 for r in runs if r.published_at is None),
                                     db.active_job(connection, program.id)))
        return cards


def create_program(ctx: Context, name: str, config: bytes, program_id: str | None = None
                   ) -> db.Program:
    """A new program with its config (checked by the product before anything is kept)."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ServiceError(422, "Give the program a name (1-200 characters).", "name")
    if len(config) > MAX_UPLOAD_BYTES:
        raise ServiceError(413, "The config file is too large.", "config")
    wanted = program_id or slugify(name)
    try:
        valid_program_id(wanted)
    except UnsafePath as error:
        raise ServiceError(422, str(error), "program_id") from None
    _check_config_bytes(ctx, config)
    with db.opened(ctx.workspace.db_path) as connection, db.transaction(connection):
        candidate, n = wanted, 1
        while db.get_program(connection, candidate) is not None or \
                ctx.workspace.program_dir(candidate).exists():
            if program_id:
                raise ServiceError(409, f"A program with the id {program_id} exists.",
                                   "program_id")
            n += 1
            candidate = f"{wanted[:36]}-{n}"
        ctx.workspace.create_program_dir(candidate, config)
        connection.execute("INSERT INTO programs (id, name, created_at, created_by) VALUES "
                           "(?, ?, ?, ?)", (candidate, name, db.now(), ctx.user.username))
        grant(connection, ctx.user.username, candidate)
        db.log(connection, ctx.user.username, "program.create", candidate, name)
        program = db.get_program(connection, candidate)
    assert program is not None
    return program


def _check_config_bytes(ctx: Context, config: bytes) -> None:
    """Refuse a config the product cannot load, with its own sentence."""
    import tempfile

    with tempfile.TemporaryDirectory(dir=ctx.workspace.root) as scratch:
        path = Path(scratch) / "program.toml"
        path.write_bytes(config)
        try:
            actions.check_config(path)
        except actions.InputError as error:
            raise ServiceError(422, _public(ctx, str(error)).replace(scratch + "/", ""),
                               "config") from None
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            # The loader should say this itself (a wrong value type in the TOML); until it
            # does, the coordinator still gets a sentence, not a server error.
            raise ServiceError(422, f"program.toml has a value of the wrong type: {error}",
                               "config") from None


def _public(ctx: Context, text: str) -> str:
    root = str(ctx.workspace.root)
    return text.replace(root + "/", "").replace(root, "workspace")


@dataclass(frozen=True)
class ProgramView:
    """A program's page: files, problems, runs, jobs, pair constraints."""

    program: db.Program
    published: db.Run | None
    drafts: list[db.Run]
    jobs: list[db.Job]
    active_job: db.Job | None
    constraints: list[db.Constraint]
    uploads: list[dict[str, Any]]


def program_view(ctx: Context, program_id: str) -> ProgramView:
    ctx.runner.reap()
    with db.opened(ctx.workspace.db_path) as connection:
        program = _program(ctx, connection, program_id)
        runs = db.list_runs(connection, program_id)
        uploads = [dict(r) for r in connection.execute(
            "SELECT side, filename, sha256, bytes, uploaded_by, uploaded_at FROM uploads "
            "WHERE program_id=? ORDER BY uploaded_at DESC LIMIT 10", (program_id,))]
        return ProgramView(program, next((r for r in runs if r.id == program.published_run),
                                         None),
                           [r for r in runs if r.id != program.published_run],
                           db.recent_jobs(connection, program_id),
                           db.active_job(connection, program_id),
                           db.constraints(connection, program_id), uploads)


@dataclass(frozen=True)
class UploadResult:
    """The files kept and every problem intake found in them."""

    program_id: str
    mentors_file: str
    mentees_file: str
    problems: list[dict[str, Any]]

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p["severity"] == "error")


@dataclass(frozen=True)
class UploadedFile:
    """A file as the browser sent it."""

    filename: str
    data: bytes


def sheet_extension(side: str, upload: UploadedFile) -> str:
    """The extension of an uploaded sign-up sheet, once it is checked: not too large, not
    empty, a safe name, not a config (ServiceError naming ``side`` otherwise)."""
    if len(upload.data) > MAX_UPLOAD_BYTES:
        raise ServiceError(413, f"{upload.filename}: larger than "
                                f"{MAX_UPLOAD_BYTES // 2**20} MiB.", side)
    if not upload.data:
        raise ServiceError(422, f"The {side} file is empty.", side)
    try:
        extension = upload_extension(upload.filename)
    except UnsafePath as error:
        raise ServiceError(422, f"{upload.filename}: {error}.", side) from None
    if extension == ".toml":
        raise ServiceError(422, f"{upload.filename}: a config, not a sign-up sheet.", side)
    return extension


def upload_cohort(ctx: Context, program_id: str, mentors: UploadedFile,
                  mentees: UploadedFile | None, config: UploadedFile | None = None
                  ) -> UploadResult:
    """Keep the intake files (and a new config), read them, and list their problems.

    ``mentees`` may be omitted when ``mentors`` is one workbook holding both sheets.
    """
    with db.opened(ctx.workspace.db_path) as connection:
        _program(ctx, connection, program_id)
    parts = {"mentors": mentors, "mentees": mentees or mentors}
    stored: dict[str, tuple[str, Path]] = {}
    for side, upload in parts.items():
        stored[side] = ctx.workspace.store_upload(program_id, upload.data,
                                                  sheet_extension(side, upload))
    if config is not None:
        _check_config_bytes(ctx, config.data)
        ctx.workspace.config_path(program_id).write_bytes(config.data)
    labels = {path.name: parts[side].filename for side, (_, path) in stored.items()}
    try:
        problems = actions.check_cohort(stored["mentors"][1], stored["mentees"][1],
                                        ctx.workspace.config_path(program_id), labels)
    except actions.InputError as error:
        problems = [{"severity": "error", "file": "", "row": None, "column": None,
                     "value": None, "message": _public(ctx, str(error)), "fix": ""}]
    with db.opened(ctx.workspace.db_path) as connection, db.transaction(connection):
        for side, (digest, path) in stored.items():
            connection.execute("INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               (digest, program_id, side, parts[side].filename[:200],
                                path.name, len(parts[side].data), ctx.user.username,
                                db.now()))
        connection.execute("UPDATE programs SET mentors_file=?, mentees_file=?, "
                           "problems_json=? WHERE id=?",
                           (stored["mentors"][1].name, stored["mentees"][1].name,
                            json.dumps(problems), program_id))
        db.log(connection, ctx.user.username, "upload", program_id,
               f"mentors {parts['mentors'].filename}, mentees {parts['mentees'].filename}"
               f"{', new config' if config else ''}; {len(problems)} problems")
    return UploadResult(program_id, stored["mentors"][1].name, stored["mentees"][1].name,
                        problems)


@dataclass(frozen=True)
class SheetCell:
    """A problem's place in an uploaded sheet: the rows around it, the column to mark."""

    program: db.Program
    side: str
    row: int
    column: str | None
    filename: str  # as uploaded
    window: actions.SheetWindow


def sheet_cell(ctx: Context, program_id: str, side: str, row: int,
               column: str | None = None) -> SheetCell:
    """The program's current ``side`` sheet around ``row`` (a problem's cell)."""
    if side not in ("mentors", "mentees"):
        raise ServiceError(404, "A program has a mentors and a mentees sheet.", "side")
    with db.opened(ctx.workspace.db_path) as connection:
        program = _program(ctx, connection, program_id)
        stored = program.mentors_file if side == "mentors" else program.mentees_file
        if not stored or not program.mentors_file or not program.mentees_file:
            raise ServiceError(404, "Upload the mentors and mentees files first.", "side")
        uploaded = connection.execute("SELECT filename FROM uploads WHERE program_id=? AND "
                                      "path=? AND side=? ORDER BY uploaded_at DESC",
                                      (program_id, stored, side)).fetchone()
    uploads = ctx.workspace.uploads_dir(program_id)
    path = ctx.workspace.inside(uploads / stored)
    try:
        window = actions.sheet_window(path, side, ctx.workspace.config_path(program_id), row,
                                      workbook=program.mentors_file == program.mentees_file)
    except actions.InputError as error:
        raise ServiceError(422, _public(ctx, str(error)), "side") from None
    if not any(number == row for number, _ in window.rows):
        raise ServiceError(404, f"The {side} sheet has no row {row} with answers.", "row")
    return SheetCell(program, side, row, column, uploaded[0] if uploaded else stored, window)


# ---------------------------------------------------------------------------------- jobs

def _pair_file(ctx: Context, program_id: str, pairs: list[tuple[str, str]]) -> Path | None:
    if not pairs:
        return None
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["mentee_id", "mentor_id"])
    writer.writerows(pairs)
    return ctx.workspace.store_upload(program_id, text.getvalue().encode("utf-8"), ".csv")[1]


def start_match(ctx: Context, program_id: str, objective: str | None,
                network_size: int | None, base_run: str | None = None,
                feedback: str | None = None) -> db.Job:
    """Start a match job in a worker process (one per program at a time).

    With ``base_run`` (a re-solve) the job solves that run's files again with the
    program's locks and forbids; otherwise the program's current files. With ``feedback``
    (a stored upload) too, it is the month-12 rematch of ``base_run`` on the current files.
    """
    if objective is not None and objective not in OBJECTIVES:
        raise ServiceError(422, f"objective must be one of {', '.join(OBJECTIVES)}.",
                           "objective")
    if network_size is not None and not 1 <= network_size <= 10:
        raise ServiceError(422, "network_size must be between 1 and 10.", "network_size")
    ctx.runner.reap()
    previous: Path | None = None
    with db.opened(ctx.workspace.db_path) as connection:
        program = _program(ctx, connection, program_id)
        if base_run is not None and feedback is None:
            _, base, _ = _run(ctx, connection, program_id, base_run)
            base_job = db.get_job(connection, base.job_id) if base.job_id else None
            if base_job is None:
                raise ServiceError(409, "That run has no recorded inputs to solve again.")
            files = {k: base_job.params[k] for k in ("mentors", "mentees", "config")}
            objective = objective or base.objective
            network_size = network_size or base.network_size
        else:
            if base_run is not None:  # the rematch of this run
                previous = _run(ctx, connection, program_id, base_run)[2]
            if not program.mentors_file or not program.mentees_file:
                raise ServiceError(409, "Upload the mentors and mentees files first.",
                                   "mentors")
            config = ctx.workspace.config_path(program_id).read_bytes()
            config_path = ctx.workspace.store_upload(program_id, config, ".toml")[1]
            files = {"mentors": program.mentors_file, "mentees": program.mentees_file,
                     "config": config_path.name}
        rules = db.constraints(connection, program_id)
    uploads = ctx.workspace.uploads_dir(program_id)
    locks = _pair_file(ctx, program_id, [(c.mentee_id, c.mentor_id) for c in rules
                                         if c.kind == "lock"])
    forbids = _pair_file(ctx, program_id, [(c.mentee_id, c.mentor_id) for c in rules
                                           if c.kind == "forbid"])
    run_id = new_run_id()
    params = {**files, "objective": objective, "network_size": network_size,
              "locks": locks.name if locks else None,
              "forbids": forbids.name if forbids else None, "feedback": feedback}
    request = actions.MatchRequest(
        mentors=ctx.workspace.inside(uploads / files["mentors"]),
        mentees=ctx.workspace.inside(uploads / files["mentees"]),
        config=ctx.workspace.inside(uploads / files["config"]),
        out_dir=ctx.workspace.runs_dir(program_id) / run_id, objective=objective,
        network_size=network_size, locks_file=locks, forbids_file=forbids,
        previous=previous if feedback else None,
        feedback=ctx.workspace.inside(uploads / feedback) if feedback else None)
    return _start_job(ctx, program_id, "match", run_id, params, request,
                      f"objective {objective or 'config'}, network size "
                      f"{network_size or 'answers'}"
                      + (f", re-solve of {base_run} with {len(rules)} locks/forbids"
                         if base_run else ""), base_run)


def _start_job(ctx: Context, program_id: str, kind: str, run_id: str, params: dict[str, Any],
               request: actions.MatchRequest | actions.WhyNotRequest, detail: str,
               base_run: str | None = None) -> db.Job:
    """Record a job of ``kind`` and start its worker (one match per program at a time)."""
    # Counted before the transaction: reaping may write a dead worker's job state.
    if ctx.runner.running() >= MAX_RUNNING:
        raise ServiceError(429, "The server is running as many jobs as it has cores; "
                                "try again in a minute.")
    action = "match" if kind == "match" else "why-not"
    with db.opened(ctx.workspace.db_path) as connection, db.transaction(connection):
        if db.active_job(connection, program_id, kind) is not None:
            raise ServiceError(409, f"A {action} job is already running for this program; "
                                    "wait for it or cancel it.")
        cursor = connection.execute(
            "INSERT INTO jobs (program_id, kind, status, message, params_json, run_id, "
            "base_run, created_by, created_at) VALUES (?, ?, 'queued', 'Starting a worker', "
            "?, ?, ?, ?, ?)", (program_id, kind, json.dumps(params), run_id, base_run,
                               ctx.user.username, db.now()))
        job_id = int(cursor.lastrowid or 0)
        db.log(connection, ctx.user.username, f"{action}.start", program_id,
               f"job {job_id}: {detail}")
    ctx.runner.start(JobSpec(ctx.workspace.db_path, ctx.workspace.root, job_id, program_id,
                             run_id, base_run, ctx.user.username, request))
    return job(ctx, program_id, job_id)


def job(ctx: Context, program_id: str, job_id: int) -> db.Job:
    ctx.runner.reap()
    with db.opened(ctx.workspace.db_path) as connection:
        _program(ctx, connection, program_id)
        found = db.get_job(connection, job_id)
    if found is None or found.program_id != program_id:
        raise ServiceError(404, "No such job.", "job_id")
    return found


def cancel_job(ctx: Context, program_id: str, job_id: int) -> db.Job:
    """Stop a queued or running job, whichever server process started it: the cancel is
    recorded first (its worker polls for it), then the worker is ended and its
    half-written run folder removed."""
    current = job(ctx, program_id, job_id)
    if not current.active:
        raise ServiceError(409, f"The job has already {current.status}.")
    with db.opened(ctx.workspace.db_path) as connection, db.transaction(connection):
        still = db.get_job(connection, job_id)
        if still is None or not still.active:
            raise ServiceError(409, "The job ended meanwhile.")
        db.set_job(connection, job_id, status="cancelled", message="Cancelled",
                   cancel_requested_at=db.now(), finished_at=db.now())
        db.log(connection, ctx.user.username,
               f"{'match' if still.kind == 'match' else 'why-not'}.cancel", program_id,
               f"job {job_id}")
    ctx.runner.stop(job_id, still.pid)
    if still.kind == "match":
        ctx.workspace.remove_partial_runs(program_id)
    return job(ctx, program_id, job_id)


# ---------------------------------------------------------------------------------- runs

@dataclass(frozen=True)
class NamedChange:
    """A pair in a diff, with names."""

    mentee_id: str
    mentee_name: str
    mentor_id: str
    mentor_name: str
    role_before: str | None
    role_after: str | None
    score_before: float | None
    score_after: float | None


@dataclass(frozen=True)
class DiffView:
    """What changed from one run to another, with names."""

    before: str
    after: str
    kept: int
    ended: list[NamedChange]
    new: list[NamedChange]


@dataclass(frozen=True)
class RunView:
    """A run's page: its record, whether it is published, and the diff with its base."""

    program: db.Program
    run: db.Run
    published: bool
    diff: DiffView | None
    areas: list[str]
    loads: list[db.MentorLoad] = field(default_factory=list)  # the busiest LOADS_SHOWN
    mentors: int = 0
    charts: list[tuple[str, str]] = field(default_factory=list)  # (name, title) of the report


def run_version(ctx: Context, program_id: str, run_id: str) -> int:
    """The version of the run's pages (the program's last logged action), once the user's
    access to the run is checked."""
    with db.opened(ctx.workspace.db_path) as connection:
        _run(ctx, connection, program_id, run_id)
        return db.program_version(connection, program_id)


def run_view(ctx: Context, program_id: str, run_id: str) -> RunView:
    with db.opened(ctx.workspace.db_path) as connection:
        program, run, _ = _run(ctx, connection, program_id, run_id)
        areas = _areas(ctx.workspace.db_path, run_id)
        loads = db.mentor_loads(connection, run_id, LOADS_SHOWN)
        mentors = db.count_mentors(connection, run_id)
    against = run.base_run or (program.published_run if program.published_run != run_id
                               else None)
    diff = diff_view(ctx, program_id, against, run_id) if against else None
    charts = [(c.name, c.title) for c in report_charts(ctx.workspace.run_dir(program_id,
                                                                           run_id))]
    return RunView(program, run, program.published_run == run_id, diff, areas, loads, mentors,
                   charts)


def run_chart(ctx: Context, program_id: str, run_id: str, name: str) -> Chart:
    """One chart of the run's report (SVG), by its section name."""
    with db.opened(ctx.workspace.db_path) as connection:
        _, _, run_dir = _run(ctx, connection, program_id, run_id)
    found = next((c for c in report_charts(run_dir) if c.name == name), None)
    if found is None:
        raise ServiceError(404, "The run's report has no such chart.", "name")
    return found


@functools.lru_cache(maxsize=64)
def _areas(db_path: Path, run_id: str) -> list[str]:
    """The need areas of a run's networks (kept: a run never changes once recorded)."""
    with db.opened(db_path) as connection:
        return db.run_areas(connection, run_id)


def diff_view(ctx: Context, program_id: str, before: str, after: str) -> DiffView:
    """Pairs ended and new from run ``before`` to run ``after`` (both of the program)."""
    with db.opened(ctx.workspace.db_path) as connection:
        _, _, before_dir = _run(ctx, connection, program_id, before)
        _, _, after_dir = _run(ctx, connection, program_id, after)
    result, names = actions.diff_with_names(before_dir, after_dir)

    def named(changes: tuple[Any, ...]) -> list[NamedChange]:
        return [NamedChange(c.mentee_id, names.get(c.mentee_id, ""), c.mentor_id,
                            names.get(c.mentor_id, ""), c.role_before, c.role_after,
                            c.score_before, c.score_after) for c in changes]

    return DiffView(before, after, len(result.kept), named(result.ended), named(result.new))


def list_runs(ctx: Context, program_id: str) -> list[db.Run]:
    with db.opened(ctx.workspace.db_path) as connection:
        _program(ctx, connection, program_id)
        return db.list_runs(connection, program_id)


def networks(ctx: Context, program_id: str, run_id: str, query: db.NetworkQuery
             ) -> tuple[list[db.NetworkRow], int]:
    """One page of the run's networks table (sorted and filtered in SQL)."""
    if query.sort not in db.NETWORK_SORTS:
        raise ServiceError(422, f"sort must be one of {', '.join(db.NETWORK_SORTS)}.", "sort")
    if query.status not in (None, "placed", "partial", "unplaced"):
        raise ServiceError(422, "status must be placed, partial or unplaced.", "status")
    with db.opened(ctx.workspace.db_path) as connection:
        _run(ctx, connection, program_id, run_id)
        return db.query_networks(connection, run_id, query)


@dataclass(frozen=True)
class MenteeView:
    """A mentee's page: profile, network with explanations, alternatives, why-not."""

    run: db.Run
    program: db.Program
    mentee_id: str
    mentee_name: str
    profile: list[tuple[str, str]]
    network: db.NetworkRow | None
    audit: actions.RunAudit
    names: dict[str, str]
    why_not: dict[str, Any] | None  # the ``explain --vs`` answer (WhyNot.to_dict())
    constraints: list[db.Constraint]
    objective: str = "total"


def mentee_view(ctx: Context, program_id: str, run_id: str, mentee_id: str,
                vs: str | None = None, solve: bool | None = None,
                answer: int | None = None) -> MenteeView:
    """The mentee's page; with ``vs`` (a mentor's id or name), why not that mentor.

    ``solve`` measures the cost of insisting on the pair within the request, for runs small
    enough (:func:`service.actions.solves_why_not_at_once`; larger runs: a job started by
    :func:`start_why_not`); ``answer`` is such a job, whose answer the page shows.
    """
    with db.opened(ctx.workspace.db_path) as connection:
        program, run, run_dir = _run(ctx, connection, program_id, run_id)
    mentee = _person(run_dir, mentee_id, "mentee")
    mentee_id = mentee.id
    with db.opened(ctx.workspace.db_path) as connection:
        network = db.get_network(connection, run_id, mentee_id)
        rules = [c for c in db.constraints(connection, program_id) if c.mentee_id == mentee_id]
    why: dict[str, Any] | None = None
    if answer is not None:
        why = _why_not_answer(ctx, program_id, run_id, mentee_id, answer)
    elif vs:
        mentor_c = _person(run_dir, vs.strip(), "mentor").id
        if solve and not actions.solves_why_not_at_once(run_dir):
            raise ServiceError(409, "Measuring what giving this mentor would cost solves the "
                                    "whole run again, which takes a while on a run this "
                                    "large: start it as a job (the page's button, or POST "
                                    "…/why-not).", "solve")
        try:
            why = actions.why_not_mentor(run_dir, mentee_id, mentor_c, solve=solve).to_dict()
        except actions.InputError as error:
            raise ServiceError(422, str(error), "vs") from None
    audit = actions.audit_mentee(run_dir, mentee_id).audit
    config = actions.loaded_run(run_dir)[0].config
    # Only the names the page shows: the network, the alternatives and the constraints.
    shown = {p.mentor_id for p in audit.network} | {c.mentor_id for c in rules} | \
        {a.explanation.mentor_id for a in audit.alternatives}
    names = {m: getattr(actions.person(run_dir, m, "mentor"), "name", m) for m in shown}
    return MenteeView(run, program, mentee_id, mentee.name,
                      actions.profile_fields(mentee, config), network, audit, names, why,
                      rules, audit.objective)


def _why_not_answer(ctx: Context, program_id: str, run_id: str, mentee_id: str,
                    job_id: int) -> dict[str, Any]:
    """The answer of a finished why-not job about this run and mentee."""
    found = job(ctx, program_id, job_id)
    if found.kind != "why_not" or found.run_id != run_id or \
            found.params.get("mentee_id") != mentee_id:
        raise ServiceError(404, "That job did not ask about this mentee.", "answer")
    if found.result is None:
        raise ServiceError(409, f"That job has {found.status}: it has no answer"
                                + (f" ({found.error})." if found.error else "."), "answer")
    return found.result


def start_why_not(ctx: Context, program_id: str, run_id: str, mentee_id: str,
                  vs: str) -> db.Job:
    """Measure, in a worker process, what giving the mentee the mentor ``vs`` would cost
    (the run solved again with the pair locked) — the "why not" of a large run."""
    with db.opened(ctx.workspace.db_path) as connection:
        _, _, run_dir = _run(ctx, connection, program_id, run_id)
    mentee = _person(run_dir, mentee_id, "mentee")
    mentor = _person(run_dir, vs.strip(), "mentor")
    params = {"mentee_id": mentee.id, "mentor_id": mentor.id}
    request = actions.WhyNotRequest(run_dir, mentee.id, mentor.id)
    return _start_job(ctx, program_id, "why_not", run_id, params, request,
                      f"why not {mentor.id} for {mentee.id} in {run_id}")


def end_pair(ctx: Context, program_id: str, run_id: str, mentee_id: str,
             mentor_id: str) -> db.Job:
    """End the pair (mentee, mentor) of the run mid-cycle and re-pair just that mentee, in
    a worker process (:func:`matcher.jobs.end_pair_job`): every other pair kept, the ended
    pair forbidden. The result is a draft run, published like any other."""
    with db.opened(ctx.workspace.db_path) as connection:
        _, base, run_dir = _run(ctx, connection, program_id, run_id)
        base_job = db.get_job(connection, base.job_id) if base.job_id else None
    mentee = _person(run_dir, mentee_id.strip(), "mentee")
    mentor = _person(run_dir, mentor_id.strip(), "mentor")
    if (mentee.id, mentor.id) not in actions.run_pair_keys(run_dir):
        raise ServiceError(422, f"{mentee.name} and {mentor.name} are not a pair of this run; "
                                "pick one of the mentee's mentors on their page.",
                           "mentor_id")
    new_run = new_run_id()
    # The files the base run was matched from, so that the draft can be re-solved later.
    files = {k: base_job.params.get(k) for k in ("mentors", "mentees", "config")} \
        if base_job is not None else {}
    params = {**files, "objective": base.objective, "network_size": base.network_size,
              "ended": [mentee.id, mentor.id]}
    request = actions.MatchRequest(
        mentors=run_dir, mentees=run_dir, config=run_dir,
        out_dir=ctx.workspace.runs_dir(program_id) / new_run, objective=base.objective,
        network_size=base.network_size, previous=run_dir, ended=(mentee.id, mentor.id))
    return _start_job(ctx, program_id, "match", new_run, params, request,
                      f"end {mentee.id} – {mentor.id} in {run_id} and re-pair the mentee",
                      run_id)


@dataclass(frozen=True)
class MentorPair:
    """One of a mentor's mentees in a run."""

    mentee_id: str
    mentee_name: str
    role: str
    covers: str
    score: float | None


@dataclass(frozen=True)
class MentorView:
    """A mentor's page: profile, load against capacity, mentees."""

    run: db.Run
    program: db.Program
    mentor_id: str
    mentor_name: str
    profile: list[tuple[str, str]]
    capacity: int
    pairs: list[MentorPair]
    constraints: list[db.Constraint]


def mentor_view(ctx: Context, program_id: str, run_id: str, mentor_id: str) -> MentorView:
    with db.opened(ctx.workspace.db_path) as connection:
        program, run, run_dir = _run(ctx, connection, program_id, run_id)
        rules = [c for c in db.constraints(connection, program_id) if c.mentor_id == mentor_id]
    mentor = _person(run_dir, mentor_id, "mentor")
    if mentor.id != mentor_id:  # typed in other capitals: the page of the id as it is
        return mentor_view(ctx, program_id, run_id, mentor.id)
    config = actions.loaded_run(run_dir)[0].config
    pairs = [MentorPair(e, getattr(actions.person(run_dir, e, "mentee"), "name", ""), role,
                        covers, score)
             for e, role, covers, score in actions.run_pairs_of_mentor(run_dir, mentor_id)]
    return MentorView(run, program, mentor_id, mentor.name,
                      actions.profile_fields(mentor, config), mentor.capacity, pairs, rules)


# --------------------------------------------------------------------- change and publish

def _pair_ids(ctx: Context, program_id: str, run_id: str, mentee_id: str,
              mentor_id: str) -> tuple[Path, str, str]:
    """The run's folder and the exact ids of the mentee and mentor as people typed them
    (404 for a run or person that is not there)."""
    with db.opened(ctx.workspace.db_path) as connection:
        _, _, run_dir = _run(ctx, connection, program_id, run_id)
    return (run_dir, _person(run_dir, mentee_id, "mentee").id,
            _person(run_dir, mentor_id, "mentor").id)


def set_constraint(ctx: Context, program_id: str, run_id: str, mentee_id: str,
                   mentor_id: str, kind: str) -> db.Constraint:
    """Lock (keep) or forbid a pair for the program's next solve; ids checked in the run."""
    if kind not in ("lock", "forbid"):
        raise ServiceError(422, "kind must be lock or forbid.", "kind")
    run_dir, mentee_id, mentor_id = _pair_ids(ctx, program_id, run_id, mentee_id, mentor_id)
    with db.opened(ctx.workspace.db_path) as connection, db.transaction(connection):
        connection.execute("INSERT INTO constraints VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
                           "(program_id, mentee_id, mentor_id) DO UPDATE SET "
                           "kind=excluded.kind, created_by=excluded.created_by, "
                           "created_at=excluded.created_at",
                           (program_id, mentee_id, mentor_id, kind, ctx.user.username,
                            db.now()))
        db.log(connection, ctx.user.username, f"pair.{kind}", program_id,
               f"{mentee_id} – {mentor_id}")
    return db.Constraint(mentee_id, mentor_id, kind, ctx.user.username, db.now())


def remove_constraint(ctx: Context, program_id: str, mentee_id: str, mentor_id: str) -> None:
    with db.opened(ctx.workspace.db_path) as connection, db.transaction(connection):
        _program(ctx, connection, program_id)
        cursor = connection.execute("DELETE FROM constraints WHERE program_id=? AND "
                                    "mentee_id=? AND mentor_id=?",
                                    (program_id, mentee_id, mentor_id))
        if cursor.rowcount == 0:
            raise ServiceError(404, "No such lock or forbid.", "mentee_id")
        db.log(connection, ctx.user.username, "pair.release", program_id,
               f"{mentee_id} – {mentor_id}")


def publish(ctx: Context, program_id: str, run_id: str) -> db.Run:
    """Approve the draft and make it the program's one published run (logged)."""
    with db.opened(ctx.workspace.db_path) as connection, db.transaction(connection):
        program, run, _ = _run(ctx, connection, program_id, run_id)
        if program.published_run == run_id:
            raise ServiceError(409, "This run is already the published one.")
        connection.execute("UPDATE runs SET published_by=?, published_at=? WHERE id=?",
                           (ctx.user.username, db.now(), run_id))
        connection.execute("UPDATE programs SET published_run=? WHERE id=?",
                           (run_id, program_id))
        db.log(connection, ctx.user.username, "publish", program_id,
               f"{run_id} (replacing {program.published_run or 'nothing'})")
        published = db.get_run(connection, run_id)
    assert published is not None
    return published


# ------------------------------------------------------------------------------ downloads

@dataclass(frozen=True)
class Download:
    """A file to send: its path, media type and the name the browser saves it as."""

    path: Path
    media_type: str
    filename: str
    document: bool = False  # an HTML document of the run (served with its own CSP)


def _logged(ctx: Context, program_id: str, what: str) -> None:
    with db.opened(ctx.workspace.db_path) as connection:
        db.log(connection, ctx.user.username, "download", program_id, what)


def run_file(ctx: Context, program_id: str, run_id: str, name: str) -> Download:
    """One of the run's files (see RUN_FILES) or ``run.zip``, the whole run folder."""
    with db.opened(ctx.workspace.db_path) as connection:
        _, _, run_dir = _run(ctx, connection, program_id, run_id)
    if name == "run.zip":
        path = _zip(ctx, program_id, run_id, run_dir)
        _logged(ctx, program_id, f"{run_id}/run.zip")
        return Download(path, "application/zip", f"{program_id}-{run_id}.zip")
    if name not in RUN_FILES:
        raise ServiceError(404, f"A run offers {', '.join(['run.zip', *RUN_FILES])}.", "name")
    file, media = RUN_FILES[name]
    _logged(ctx, program_id, f"{run_id}/{name}")
    return Download(run_dir / file, media, f"{program_id}-{run_id}-{file}",
                    document=name.endswith(".html"))


def _zip(ctx: Context, program_id: str, run_id: str, run_dir: Path) -> Path:
    """The run folder as a zip (made once; run folders never change)."""
    exports = ctx.workspace.program_dir(program_id) / "exports"
    exports.mkdir(exist_ok=True)
    target = exports / f"{run_id}.zip"
    if not target.exists():
        partial = exports / f".{run_id}.zip.partial"
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(run_dir.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.write(path, f"{run_id}/{path.relative_to(run_dir).as_posix()}")
        partial.replace(target)
    return target


def pair_file(ctx: Context, program_id: str, run_id: str, mentee_id: str, mentor_id: str,
              kind: str) -> Download:
    """One pair's first-meeting plan (``plan``, HTML) or meeting calendar (``calendar``)."""
    if kind not in ("plan", "calendar"):
        raise ServiceError(404, "A pair offers plan and calendar.", "kind")
    run_dir, mentee_id, mentor_id = _pair_ids(ctx, program_id, run_id, mentee_id, mentor_id)
    try:
        plan, calendar = actions.pair_documents(run_dir, mentee_id, mentor_id)
    except actions.InputError as error:
        raise ServiceError(404, str(error), "mentor_id") from None
    path = ctx.workspace.inside(plan if kind == "plan" else calendar)
    if not path.is_file():
        raise ServiceError(404, "This run has no such file (calendars need [program] "
                                "start_date).")
    _logged(ctx, program_id, f"{run_id}/{path.name}")
    if kind == "plan":
        return Download(path, "text/html; charset=utf-8", path.name, document=True)
    return Download(path, "text/calendar; charset=utf-8", path.name)


def audit_log(ctx: Context, program_id: str) -> list[db.AuditEntry]:
    with db.opened(ctx.workspace.db_path) as connection:
        _program(ctx, connection, program_id)
        return db.audit_entries(connection, program_id)
