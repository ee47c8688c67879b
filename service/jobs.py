"""Match jobs in worker processes: start, progress, cancel, and what a restart leaves.

A job runs :func:`service.actions.match_to_folder` in its own process (``spawn``, never the
server's event loop or threads), so a long solve cannot stall the pages and can be
cancelled by ending the process. The worker writes its progress, and at the end the run and
its results index, straight into the database; the server only starts, watches and stops
processes. The run folder is written all-or-nothing by the product's writer; a cancelled
worker's half-written folder (``.<id>.*.partial``) is removed.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from dataclasses import asdict, dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

from service import db
from service.actions import MatchProduct, MatchRequest, match_to_folder

#: Match jobs running at once over all programs (the machine's cores are the limit).
MAX_RUNNING = 2


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
    request: MatchRequest


def _public(text: str, root: Path) -> str:
    """An error message without the workspace's absolute paths."""
    return text.replace(str(root) + "/", "").replace(str(root), "workspace")[:4000]


def record_product(connection: sqlite3.Connection, spec: JobSpec,
                   product: MatchProduct) -> None:
    """Insert the finished run, its index rows, the job's end and the log line (one
    transaction, so a page sees all of it or nothing)."""
    request = spec.request
    with db.transaction(connection):
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


def worker_main(spec: JobSpec) -> None:
    """The worker process: solve, write the run folder, record it; report failure in words."""
    with db.opened(spec.db_path) as connection:
        def say(stage: int, message: str) -> None:
            db.set_job(connection, spec.job_id, status="running", stage=stage,
                       message=message)

        try:
            product = match_to_folder(spec.request, say)
            record_product(connection, spec, product)
        except Exception as error:  # any failure is the job's result, in words
            kind = type(error).__name__
            text = str(error) if kind in {"InputError", "InvalidCohortError", "IntakeError",
                                          "ConfigError", "UnknownIdError"} \
                else f"{kind}: {error}"
            db.set_job(connection, spec.job_id, status="failed", message="Failed",
                       error=_public(text, spec.workspace_root), finished_at=db.now())
            db.log(connection, spec.created_by, "match.failed", spec.program_id,
                   f"job {spec.job_id}")


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

    def cancel(self, job_id: int) -> bool:
        """End the job's process; True when it was still running."""
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
        """Stop every worker (server shutdown); their jobs are marked failed."""
        for job_id in list(self._processes):
            self.cancel(job_id)
        db.fail_interrupted_jobs(self.db_path)
