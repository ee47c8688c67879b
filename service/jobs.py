"""Jobs in worker processes: start, progress, cancel, and what a restart leaves.

A job runs in its own process (``spawn``, never the server's event loop or threads), at a
lower CPU priority than the pages, so a long solve cannot stall them. Two kinds: a match
(:func:`service.actions.match_to_folder`: a run folder, its results index in the database)
and a "why not" that measures the cost of a pair by solving the run again
(:func:`service.actions.why_not_answer`: the answer, kept in the job's record).

The worker writes its process id, its progress and its result straight into the database;
the server only starts and watches processes. A cancel is a row in the database, so any
server process (or one started after a restart) can ask for it: the worker polls for it
and ends itself; one that does not within :data:`CANCEL_GRACE` seconds is ended by its
recorded process id. The run folder is written all-or-nothing by the product's writer; a
cancelled worker's half-written folder (``.<id>.*.partial``) is removed.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

from service import db
from service.actions import (
    MatchProduct,
    MatchRequest,
    WhyNotRequest,
    match_to_folder,
    why_not_answer,
)

#: Jobs running at once over all programs (the machine's cores are the limit).
MAX_RUNNING = 2
#: How much lower a worker's CPU priority is than the server's (pages answer first).
WORKER_NICENESS = 10
#: Seconds between a worker's looks for a cancel, and the wait before ending it by pid.
CANCEL_POLL = 0.5
CANCEL_GRACE = 5.0


class Cancelled(Exception):
    """The job was cancelled while its worker was finishing."""


@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs (picklable): where to report and what to solve."""

    db_path: Path
    workspace_root: Path
    job_id: int
    program_id: str
    run_id: str
    base_run: str | None
    created_by: str
    request: MatchRequest | WhyNotRequest


def _public(text: str, root: Path) -> str:
    """An error message without the workspace's absolute paths."""
    return text.replace(str(root) + "/", "").replace(str(root), "workspace")[:4000]


def record_product(connection: sqlite3.Connection, spec: JobSpec,
                   product: MatchProduct) -> None:
    """Insert the finished run, its index rows, the job's end and the log line (one
    transaction, so a page sees all of it or nothing)."""
    request = spec.request
    assert isinstance(request, MatchRequest)
    with db.transaction(connection):
        _still_wanted(connection, spec.job_id)
        connection.execute(
            "INSERT INTO runs (id, program_id, job_id, base_run, objective, network_size, "
            "summary_json, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (spec.run_id, spec.program_id, spec.job_id, spec.base_run,
             str(product.summary.get("objective", request.objective or "total")),
             request.network_size, json.dumps(product.summary), spec.created_by, db.now()))
        connection.executemany(
            "INSERT INTO networks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(spec.run_id, *asdict(row).values()) for row in product.networks])
        connection.executemany(
            "INSERT INTO mentor_loads VALUES (?, ?, ?, ?, ?, ?)",
            [(spec.run_id, *asdict(row).values()) for row in product.mentors])
        db.set_job(connection, spec.job_id, status="done", stage=4, message="Done",
                   finished_at=db.now())
        db.log(connection, spec.created_by, "match.done", spec.program_id,
               f"job {spec.job_id} → draft {spec.run_id}")


def record_answer(connection: sqlite3.Connection, spec: JobSpec, answer: dict) -> None:
    """Keep a why-not job's answer in its record and end the job (one transaction)."""
    with db.transaction(connection):
        _still_wanted(connection, spec.job_id)
        db.set_job(connection, spec.job_id, status="done", stage=4, message="Done",
                   result_json=json.dumps(answer), finished_at=db.now())


def _still_wanted(connection: sqlite3.Connection, job_id: int) -> None:
    """Cancelled (inside the caller's transaction) when a cancel was asked for."""
    row = connection.execute("SELECT cancel_requested_at FROM jobs WHERE id=?",
                             (job_id,)).fetchone()
    if row is None or row[0] is not None:
        raise Cancelled


def _stop_when_cancelled(db_path: Path, job_id: int) -> None:
    """A thread of the worker that ends the process once the job's cancel is recorded."""
    def watch() -> None:
        with db.opened(db_path) as connection:
            while True:
                row = connection.execute("SELECT cancel_requested_at FROM jobs WHERE id=?",
                                         (job_id,)).fetchone()
                if row is None or row[0] is not None:
                    os._exit(0)  # nothing to clean: the canceller removes partial folders
                time.sleep(CANCEL_POLL)

    threading.Thread(target=watch, daemon=True, name="cancel-watch").start()


#: Product errors whose sentence is the whole message (the others get their type's name).
USER_ERRORS = {"InputError", "InvalidCohortError", "IntakeError", "ConfigError",
               "UnknownIdError"}


def worker_main(spec: JobSpec) -> None:
    """The worker process: solve, write and record the result; report failure in words."""
    os.nice(WORKER_NICENESS)
    with db.opened(spec.db_path) as connection:
        db.set_job(connection, spec.job_id, pid=os.getpid())
        _stop_when_cancelled(spec.db_path, spec.job_id)

        def say(stage: int, message: str) -> None:
            db.report_progress(connection, spec.job_id, stage, message)

        product: MatchProduct | None = None
        try:
            if isinstance(spec.request, MatchRequest):
                product = match_to_folder(spec.request, say)
                record_product(connection, spec, product)
            else:
                record_answer(connection, spec, why_not_answer(spec.request, say))
        except Cancelled:
            if product is not None:  # written by this worker, wanted by nobody
                shutil.rmtree(product.folder, ignore_errors=True)
        except Exception as error:  # any failure is the job's result, in words
            kind = type(error).__name__
            text = str(error) if kind in USER_ERRORS else f"{kind}: {error}"
            with db.transaction(connection):
                job = db.get_job(connection, spec.job_id)
                if job is not None and job.active:
                    db.set_job(connection, spec.job_id, status="failed", message="Failed",
                               error=_public(text, spec.workspace_root), finished_at=db.now())
                    db.log(connection, spec.created_by, f"{job.kind.replace('_', '-')}.failed",
                           spec.program_id, f"job {spec.job_id}")


def process_running(pid: int) -> bool:
    """True when process ``pid`` exists and has not ended (a zombie has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat[stat.rindex(")") + 2:][:1] not in ("Z", "X")


def end_process(pid: int, grace: float = CANCEL_GRACE) -> bool:
    """Wait up to ``grace`` seconds for a worker to end itself, then end it by its pid;
    True when it ran past the grace."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not process_running(pid):
            return False
        time.sleep(0.1)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        stop = time.monotonic() + 3
        while time.monotonic() < stop and process_running(pid):
            time.sleep(0.1)
        if not process_running(pid):
            break
    return True


class JobRunner:
    """Starts, watches and cancels the worker processes of this server."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._processes: dict[int, BaseProcess] = {}
        self._lock = threading.Lock()
        self._context = multiprocessing.get_context("spawn")

    def running(self) -> int:
        """Worker processes still alive."""
        self.reap()
        return len(self._processes)

    def start(self, spec: JobSpec) -> None:
        process = self._context.Process(target=worker_main, args=(spec,), daemon=True,
                                        name=f"mentormatch-job-{spec.job_id}")
        with self._lock:
            process.start()
            self._processes[spec.job_id] = process

    def stop(self, job_id: int, pid: int | None) -> None:
        """End a cancelled job's worker: at once when this server started it, else by its
        recorded pid once it had time to see the cancel (started by another server)."""
        with self._lock:
            here = job_id in self._processes
        if here:
            self.cancel(job_id)
        elif pid is not None:
            end_process(pid)

    def cancel(self, job_id: int) -> bool:
        """End the job's process if this server started it; True when it was running."""
        with self._lock:
            process = self._processes.pop(job_id, None)
        if process is None:
            return False
        alive = process.is_alive()
        process.terminate()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)
        return alive

    def reap(self) -> None:
        """Forget finished processes; a job whose process died without a word failed."""
        with self._lock:
            finished = {i: p for i, p in self._processes.items() if not p.is_alive()}
            for job_id in finished:
                del self._processes[job_id]
        if not finished:
            return
        with db.opened(self.db_path) as connection:
            for job_id, process in finished.items():
                process.join(1)
                job = db.get_job(connection, job_id)
                if job is not None and job.status in db.ACTIVE_JOB:
                    db.set_job(connection, job_id, status="failed", message="Failed",
                               error=f"the worker process stopped (exit code "
                                     f"{process.exitcode})", finished_at=db.now())

    def shutdown(self) -> None:
        """Stop the workers this server process started (its shutdown); their jobs are
        marked failed (other processes' jobs go on)."""
        own = list(self._processes)
        for job_id in own:
            self.cancel(job_id)
        with db.opened(self.db_path) as connection:
            for job_id in own:
                connection.execute(
                    "UPDATE jobs SET status='failed', error='interrupted: the server stopped "
                    "while the job ran; start it again', finished_at=?, cancel_requested_at=? "
                    "WHERE id=? AND status IN (?, ?)",
                    (db.now(), db.now(), job_id, *db.ACTIVE_JOB))
