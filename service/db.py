"""The service's state in SQLite: schema migrations, records and the queries on them.

Tables: programs, uploads, users and their programs, sessions, jobs, runs (drafts and the
published run), the networks and mentor-load index of each run (so the results table
sorts, filters and pages in SQL), pair constraints (locks and forbids) and the audit log.
Run folders stay the record of a match; the index is what the pages browse.

Every connection is short-lived (one per request or worker step); WAL mode lets the worker
process write while pages read.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Versioned migrations, applied in order once each (recorded in schema_migrations).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE programs (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL,
        created_by TEXT NOT NULL, mentors_file TEXT, mentees_file TEXT,
        problems_json TEXT NOT NULL DEFAULT '[]', published_run TEXT);
    CREATE TABLE uploads (
        sha256 TEXT NOT NULL, program_id TEXT NOT NULL, side TEXT NOT NULL,
        filename TEXT NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL,
        uploaded_by TEXT NOT NULL, uploaded_at TEXT NOT NULL);
    CREATE TABLE users (
        username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, is_admin INTEGER NOT NULL,
        created_at TEXT NOT NULL);
    CREATE TABLE user_programs (
        username TEXT NOT NULL, program_id TEXT NOT NULL, PRIMARY KEY (username, program_id));
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, is_admin INTEGER NOT NULL,
        csrf TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, program_id TEXT NOT NULL, status TEXT NOT NULL,
        stage INTEGER NOT NULL DEFAULT 0, message TEXT NOT NULL DEFAULT '',
        params_json TEXT NOT NULL, run_id TEXT NOT NULL, base_run TEXT, error TEXT,
        created_by TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT);
    CREATE TABLE runs (
        id TEXT PRIMARY KEY, program_id TEXT NOT NULL, job_id INTEGER, base_run TEXT,
        objective TEXT NOT NULL, network_size INTEGER, summary_json TEXT NOT NULL,
        created_by TEXT NOT NULL, created_at TEXT NOT NULL, published_by TEXT,
        published_at TEXT);
    CREATE TABLE networks (
        run_id TEXT NOT NULL, position INTEGER NOT NULL, mentee_id TEXT NOT NULL,
        mentee_name TEXT NOT NULL, status TEXT NOT NULL, mentors INTEGER NOT NULL,
        requested INTEGER NOT NULL, primary_score REAL, mentor_ids TEXT NOT NULL,
        mentor_names TEXT NOT NULL, areas TEXT NOT NULL, reason TEXT NOT NULL,
        PRIMARY KEY (run_id, mentee_id));
    CREATE TABLE mentor_loads (
        run_id TEXT NOT NULL, mentor_id TEXT NOT NULL, mentor_name TEXT NOT NULL,
        load INTEGER NOT NULL, capacity INTEGER NOT NULL, areas TEXT NOT NULL,
        PRIMARY KEY (run_id, mentor_id));
    CREATE TABLE constraints (
        program_id TEXT NOT NULL, mentee_id TEXT NOT NULL, mentor_id TEXT NOT NULL,
        kind TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (program_id, mentee_id, mentor_id));
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, program_id TEXT, detail TEXT NOT NULL);
    CREATE INDEX networks_by_run ON networks (run_id, position);
    """,
    # 2: the results table sorts by score and filters by status without a full scan.
    """
    CREATE INDEX networks_by_score ON networks (run_id, primary_score);
    CREATE INDEX networks_by_status ON networks (run_id, status, position);
    """,
    # 3: jobs of two kinds (a match, or a "why not" that measures the cost of a pair), the
    # worker's process id and a cancel any server process can ask for (the worker polls
    # it), the answer of a job that makes no run; one-time login tokens; the program's
    # last logged action (the version of its pages) and the busiest mentors by index.
    """
    ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'match';
    ALTER TABLE jobs ADD COLUMN pid INTEGER;
    ALTER TABLE jobs ADD COLUMN cancel_requested_at TEXT;
    ALTER TABLE jobs ADD COLUMN result_json TEXT;
    CREATE TABLE login_tokens (
        token_hash TEXT PRIMARY KEY, created_at TEXT NOT NULL, used_at TEXT);
    CREATE INDEX audit_by_program ON audit_log (program_id, action, id);
    CREATE INDEX loads_by_run ON mentor_loads (run_id, load DESC, mentor_name);
    """,
)

ACTIVE_JOB = ("queued", "running")


def now() -> str:
    """The current UTC time as ISO text (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def connect(path: Path) -> sqlite3.Connection:
    """A connection with rows by name and a busy timeout (the file is in WAL mode)."""
    connection = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


#: Connections a thread keeps open between requests (one per database file it used last).
KEPT_CONNECTIONS = 4
_kept = threading.local()


@contextmanager
def opened(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection of this thread to ``path`` (reused: opening one costs more than most
    page queries); a nested ``opened`` gets its own. No transaction outlives the block."""
    kept: OrderedDict[str, sqlite3.Connection] = _kept.__dict__.setdefault(
        "connections", OrderedDict())
    key = str(path)
    connection = kept.pop(key, None) or connect(path)  # taken: a nested call opens another
    try:
        yield connection
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        if key in kept:  # a nested block put its connection back meanwhile
            connection.close()
        else:
            kept[key] = connection
            while len(kept) > KEPT_CONNECTIONS:
                kept.popitem(last=False)[1].close()


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on an exception."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def migrate(path: Path) -> int:
    """Apply the migrations not applied yet; return the schema version."""
    with opened(path) as connection:
        # WAL is a property of the database file: set once, every later connection has it.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {row[0] for row in connection.execute("SELECT version FROM schema_migrations")}
        for version, script in enumerate(MIGRATIONS, start=1):
            if version in done:
                continue
            connection.executescript("BEGIN IMMEDIATE;" + script +
                                     f";INSERT INTO schema_migrations VALUES ({version}, "
                                     f"'{now()}'); COMMIT;")
        return len(MIGRATIONS)


def fail_interrupted_jobs(path: Path) -> int:
    """Mark jobs left queued or running by a stopped server as failed; return how many.

    Their cancel is recorded too, so a worker that outlived its server stops itself.
    """
    with opened(path) as connection:
        cursor = connection.execute(
            "UPDATE jobs SET status='failed', error='interrupted: the server stopped while "
            "the job ran; start it again', finished_at=?, cancel_requested_at=? "
            "WHERE status IN (?, ?)", (now(), now(), *ACTIVE_JOB))
        return cursor.rowcount


# ---------------------------------------------------------------------------- records

@dataclass(frozen=True)
class Program:
    """A matching program: its files and its published run."""

    id: str
    name: str
    created_at: str
    created_by: str
    mentors_file: str | None
    mentees_file: str | None
    problems: list[dict[str, Any]]
    published_run: str | None


@dataclass(frozen=True)
class Job:
    """A match job run by a worker process."""

    id: int
    program_id: str
    status: str
    stage: int
    message: str
    params: dict[str, Any]
    run_id: str
    base_run: str | None
    error: str | None
    created_by: str
    created_at: str
    finished_at: str | None
    kind: str = "match"  # or "why_not"
    pid: int | None = None  # the worker process, once it started
    cancel_requested_at: str | None = None
    result: dict[str, Any] | None = None  # a why-not job's answer

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_JOB


@dataclass(frozen=True)
class Run:
    """A run the service made: a draft, or the program's published run."""

    id: str
    program_id: str
    job_id: int | None
    base_run: str | None
    objective: str
    network_size: int | None
    summary: dict[str, Any]
    created_by: str
    created_at: str
    published_by: str | None
    published_at: str | None


@dataclass(frozen=True)
class NetworkRow:
    """One mentee's network in a run, as the results table shows it."""

    position: int
    mentee_id: str
    mentee_name: str
    status: str
    mentors: int
    requested: int
    primary_score: float | None
    mentor_ids: str
    mentor_names: str
    areas: str
    reason: str


@dataclass(frozen=True)
class MentorLoad:
    """A mentor's load in a run."""

    mentor_id: str
    mentor_name: str
    load: int
    capacity: int
    areas: str


@dataclass(frozen=True)
class Constraint:
    """A lock (the pair must be kept) or forbid (never made) for the program's next solve."""

    mentee_id: str
    mentor_id: str
    kind: str
    created_by: str
    created_at: str


@dataclass(frozen=True)
class AuditEntry:
    """One logged action."""

    id: int
    at: str
    actor: str
    action: str
    program_id: str | None
    detail: str


def program_from_row(row: sqlite3.Row) -> Program:
    return Program(row["id"], row["name"], row["created_at"], row["created_by"],
                   row["mentors_file"], row["mentees_file"], json.loads(row["problems_json"]),
                   row["published_run"])


def job_from_row(row: sqlite3.Row) -> Job:
    return Job(row["id"], row["program_id"], row["status"], row["stage"], row["message"],
               json.loads(row["params_json"]), row["run_id"], row["base_run"], row["error"],
               row["created_by"], row["created_at"], row["finished_at"], row["kind"],
               row["pid"], row["cancel_requested_at"],
               json.loads(row["result_json"]) if row["result_json"] else None)


def run_from_row(row: sqlite3.Row) -> Run:
    return Run(row["id"], row["program_id"], row["job_id"], row["base_run"], row["objective"],
               row["network_size"], json.loads(row["summary_json"]), row["created_by"],
               row["created_at"], row["published_by"], row["published_at"])


# ---------------------------------------------------------------------------- queries

def log(connection: sqlite3.Connection, actor: str, action: str, program_id: str | None,
        detail: str = "") -> None:
    """Append an action to the audit log."""
    connection.execute("INSERT INTO audit_log (at, actor, action, program_id, detail) "
                       "VALUES (?, ?, ?, ?, ?)", (now(), actor, action, program_id, detail))


def get_program(connection: sqlite3.Connection, program_id: str) -> Program | None:
    row = connection.execute("SELECT * FROM programs WHERE id=?", (program_id,)).fetchone()
    return program_from_row(row) if row else None


def list_programs(connection: sqlite3.Connection, only: Sequence[str] | None
                  ) -> list[Program]:
    """All programs (``only=None``) or those whose ids are in ``only``, by name."""
    rows = connection.execute("SELECT * FROM programs ORDER BY name, id").fetchall()
    programs = [program_from_row(r) for r in rows]
    return programs if only is None else [p for p in programs if p.id in set(only)]


def get_job(connection: sqlite3.Connection, job_id: int) -> Job | None:
    row = connection.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
    return job_from_row(row) if row else None


def active_job(connection: sqlite3.Connection, program_id: str, kind: str = "match"
               ) -> Job | None:
    """The program's queued or running job of ``kind`` (one match at a time)."""
    row = connection.execute("SELECT * FROM jobs WHERE program_id=? AND kind=? AND status "
                             "IN (?, ?) ORDER BY id DESC",
                             (program_id, kind, *ACTIVE_JOB)).fetchone()
    return job_from_row(row) if row else None


def recent_jobs(connection: sqlite3.Connection, program_id: str, limit: int = 10
                ) -> list[Job]:
    rows = connection.execute("SELECT * FROM jobs WHERE program_id=? ORDER BY id DESC "
                              "LIMIT ?", (program_id, limit)).fetchall()
    return [job_from_row(r) for r in rows]


def set_job(connection: sqlite3.Connection, job_id: int, **fields: Any) -> None:
    """Update named columns of a job (names are this module's, never a request's)."""
    allowed = {"status", "stage", "message", "error", "finished_at", "pid", "result_json",
               "cancel_requested_at"}
    if not set(fields) <= allowed:
        raise ValueError(f"unknown job fields {set(fields) - allowed}")
    assignments = ", ".join(f"{name}=?" for name in fields)
    connection.execute(f"UPDATE jobs SET {assignments} WHERE id=?",
                       (*fields.values(), job_id))


def report_progress(connection: sqlite3.Connection, job_id: int, stage: int,
                    message: str) -> None:
    """A worker's progress: the job runs, at ``stage`` (unless it was ended meanwhile)."""
    connection.execute("UPDATE jobs SET status='running', stage=?, message=? WHERE id=? AND "
                       "status IN (?, ?)", (stage, message, job_id, *ACTIVE_JOB))


#: The logged actions that change what a run's pages show: the published run (and so the
#: diff a draft shows) and the locks and forbids. Uploads, jobs and downloads do not.
RUN_PAGE_ACTIONS = ("publish", "pair.lock", "pair.forbid", "pair.release")


def program_version(connection: sqlite3.Connection, program_id: str) -> int:
    """The id of the program's last logged action that changes a run's pages: every such
    change is logged, so two reads with the same version show the same pages."""
    row = connection.execute(
        f"SELECT MAX(id) FROM audit_log WHERE program_id=? AND action IN "
        f"({', '.join('?' * len(RUN_PAGE_ACTIONS))})",
        (program_id, *RUN_PAGE_ACTIONS)).fetchone()
    return int(row[0] or 0)


def get_run(connection: sqlite3.Connection, run_id: str) -> Run | None:
    row = connection.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
    return run_from_row(row) if row else None


def list_runs(connection: sqlite3.Connection, program_id: str) -> list[Run]:
    rows = connection.execute("SELECT * FROM runs WHERE program_id=? ORDER BY created_at "
                              "DESC, id DESC", (program_id,)).fetchall()
    return [run_from_row(r) for r in rows]


def constraints(connection: sqlite3.Connection, program_id: str) -> list[Constraint]:
    rows = connection.execute("SELECT * FROM constraints WHERE program_id=? ORDER BY "
                              "created_at, mentee_id", (program_id,)).fetchall()
    return [Constraint(r["mentee_id"], r["mentor_id"], r["kind"], r["created_by"],
                       r["created_at"]) for r in rows]


def audit_entries(connection: sqlite3.Connection, program_id: str | None, limit: int = 200
                  ) -> list[AuditEntry]:
    if program_id is None:
        rows = connection.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?",
                                  (limit,)).fetchall()
    else:
        rows = connection.execute("SELECT * FROM audit_log WHERE program_id=? ORDER BY id "
                                  "DESC LIMIT ?", (program_id, limit)).fetchall()
    return [AuditEntry(r["id"], r["at"], r["actor"], r["action"], r["program_id"],
                       r["detail"]) for r in rows]


#: Sortable columns of the results table (request value → SQL column; nothing else passes).
NETWORK_SORTS = {"position": "position", "mentee": "mentee_name", "status": "status",
                 "score": "primary_score", "mentors": "mentors"}


@dataclass(frozen=True)
class NetworkQuery:
    """Sorting, filters and page of the results table (validated by the caller)."""

    sort: str = "position"
    descending: bool = False
    status: str | None = None
    area: str | None = None
    mentor: str | None = None
    text: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    page: int = 1
    per_page: int = 50


def query_networks(connection: sqlite3.Connection, run_id: str, query: NetworkQuery
                   ) -> tuple[list[NetworkRow], int]:
    """One page of the run's networks and the number of rows matching the filters."""
    where, args = ["run_id=?"], [run_id]
    if query.status:
        where.append("status=?")
        args.append(query.status)
    if query.area:
        where.append("(',' || areas || ',') LIKE ?")
        args.append(f"%,{query.area},%")
    if query.mentor:
        where.append("(mentor_ids LIKE ? ESCAPE '\\' OR mentor_names LIKE ? ESCAPE '\\')")
        pattern = "%" + _like_escape(query.mentor) + "%"
        args += [pattern, pattern]
    if query.text:
        where.append("(mentee_id LIKE ? ESCAPE '\\' OR mentee_name LIKE ? ESCAPE '\\')")
        pattern = "%" + _like_escape(query.text) + "%"
        args += [pattern, pattern]
    if query.min_score is not None:
        where.append("primary_score >= ?")
        args.append(str(query.min_score))
    if query.max_score is not None:
        where.append("primary_score <= ?")
        args.append(str(query.max_score))
    condition = " AND ".join(where)
    total = connection.execute(f"SELECT COUNT(*) FROM networks WHERE {condition}",
                               args).fetchone()[0]
    column = NETWORK_SORTS[query.sort]
    order = "DESC" if query.descending else "ASC"
    rows = connection.execute(
        f"SELECT * FROM networks WHERE {condition} ORDER BY {column} {order}, "
        "position LIMIT ? OFFSET ?", [*args, query.per_page, (query.page - 1) * query.per_page]
    ).fetchall()
    return [NetworkRow(r["position"], r["mentee_id"], r["mentee_name"], r["status"],
                       r["mentors"], r["requested"], r["primary_score"], r["mentor_ids"],
                       r["mentor_names"], r["areas"], r["reason"]) for r in rows], total


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def run_areas(connection: sqlite3.Connection, run_id: str) -> list[str]:
    """Every need area named in the run's networks (for the filter's choices)."""
    areas: set[str] = set()
    for (text,) in connection.execute("SELECT DISTINCT areas FROM networks WHERE run_id=?",
                                      (run_id,)):
        areas.update(a for a in text.split(",") if a)
    return sorted(areas)


def mentor_loads(connection: sqlite3.Connection, run_id: str, limit: int = -1
                 ) -> list[MentorLoad]:
    """The run's mentors, busiest first (``limit`` rows; -1: all)."""
    rows = connection.execute("SELECT * FROM mentor_loads WHERE run_id=? ORDER BY load DESC, "
                              "mentor_name LIMIT ?", (run_id, limit)).fetchall()
    return [MentorLoad(r["mentor_id"], r["mentor_name"], r["load"], r["capacity"], r["areas"])
            for r in rows]


def count_mentors(connection: sqlite3.Connection, run_id: str) -> int:
    return int(connection.execute("SELECT COUNT(*) FROM mentor_loads WHERE run_id=?",
                                  (run_id,)).fetchone()[0])


def get_network(connection: sqlite3.Connection, run_id: str, mentee_id: str
                ) -> NetworkRow | None:
    row = connection.execute("SELECT * FROM networks WHERE run_id=? AND mentee_id=?",
                             (run_id, mentee_id)).fetchone()
    if row is None:
        return None
    return NetworkRow(row["position"], row["mentee_id"], row["mentee_name"], row["status"],
                      row["mentors"], row["requested"], row["primary_score"],
                      row["mentor_ids"], row["mentor_names"], row["areas"], row["reason"])
