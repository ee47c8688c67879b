"""Load on the matching service: a real ``mentormatch serve`` and browsing users.

* :func:`serve` starts ``mentormatch serve`` as a subprocess on 127.0.0.1 at a free port
  (its login URL read from what it prints) and stops it by its own process id;
* :func:`browse` sends a fixed number of page requests from concurrent users (asyncio and
  httpx, each with the session cookie of one login: the login link works once) within a
  time limit and returns the page times.

Used by ``tests/service`` (browser and load tests, on the sample) and by
``benchmarks/bench_service.py`` (a generated 10,000 × 2,000 program).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Server:
    """A running server: its base URL and the login URL with the token."""

    base: str
    login_url: str
    token: str
    pid: int  # the server process (for its CPU time)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(workspace: Path, *, demo: bool = True, timeout: float = 60.0, workers: int = 1
          ) -> Iterator[Server]:
    """Start ``mentormatch serve`` and stop it (by its own process id) on exit."""
    port = free_port()
    command = [sys.executable, "-c", "from cli.main import cli; cli()", "serve",
               "--workspace", str(workspace), "--port", str(port),
               "--workers", str(workers)] + (["--demo"] if demo else [])
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        login_url = ""
        deadline = time.monotonic() + timeout
        assert process.stdout is not None
        while time.monotonic() < deadline and not login_url:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise AssertionError(f"serve stopped with {process.returncode}")
            if "/login?token=" in line:
                login_url = line.strip()
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield Server(base, login_url, login_url.split("token=", 1)[1], process.pid)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@dataclass(frozen=True)
class LoadResult:
    """What a load run measured (seconds)."""

    requests: int
    errors: list[str]
    seconds: float
    p50: float
    p95: float
    slowest: float

    def line(self) -> str:
        return (f"{self.requests} requests in {self.seconds:.1f} s: p50 {self.p50 * 1000:.0f} "
                f"ms, p95 {self.p95 * 1000:.0f} ms, slowest {self.slowest * 1000:.0f} ms, "
                f"{len(self.errors)} errors")


def process_tree(pid: int, leave_out: frozenset[int] = frozenset()) -> list[int]:
    """``pid`` and its descendants (Linux /proc), without ``leave_out`` and theirs."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        if current in leave_out:
            continue
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in children.read_text().split()]
            except OSError:
                continue
    return found


def scheduler_times(pids: list[int]) -> dict[str, tuple[float, float]]:
    """Per thread of the processes: (seconds on a CPU, seconds runnable but waiting for
    one) so far, from Linux's /proc/PID/task/TID/schedstat (empty where there is none)."""
    found = {}
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            try:
                on_cpu, queued, _ = task.read_text().split()
            except (OSError, ValueError):
                continue
            found[f"{pid}/{task.parent.name}"] = (int(on_cpu) / 1e9, int(queued) / 1e9)
    return found


def scheduler_delta(before: dict[str, tuple[float, float]],
                    after: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """Seconds on a CPU and waiting for one between two :func:`scheduler_times` readings,
    over the threads alive at both (a thread that ended meanwhile is left out)."""
    common = before.keys() & after.keys()
    return (sum(after[t][0] - before[t][0] for t in common),
            sum(after[t][1] - before[t][1] for t in common))


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def _browse(base: str, cookies: dict[str, str], paths: list[str], users: int,
                  requests: int, limit: float, think: float) -> LoadResult:
    times: list[float] = []
    errors: list[str] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(paths[i % len(paths)])
    started = time.perf_counter()

    async def user() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=limit, cookies=cookies) as client:
            while not queue.empty() and time.perf_counter() - started < limit:
                path = queue.get_nowait()
                begin = time.perf_counter()
                try:
                    response = await client.get(path)
                    if response.status_code != 200:
                        errors.append(f"{path}: {response.status_code}")
                except httpx.HTTPError as error:
                    errors.append(f"{path}: {type(error).__name__}")
                times.append(time.perf_counter() - begin)
                if think:
                    await asyncio.sleep(think)

    await asyncio.gather(*(user() for _ in range(users)))
    if not queue.empty():
        errors.append(f"{queue.qsize()} requests not sent within {limit} s")
    return LoadResult(len(times), errors, time.perf_counter() - started,
                      percentile(times, 0.5), percentile(times, 0.95), max(times, default=0))


def browse(base: str, cookies: dict[str, str], paths: list[str], *, users: int,
           requests: int, limit: float, think: float = 0.0) -> LoadResult:
    """``users`` concurrent clients (with the logged-in ``cookies``) share ``requests``
    GETs of ``paths`` (round robin); whatever is not sent within ``limit`` seconds counts as
    an error. ``think``: seconds a user waits between pages (0: every user asks again at
    once, the hardest case)."""
    return asyncio.run(_browse(base, cookies, paths, users, requests, limit, think))


def browsing_paths(client: httpx.Client, program_id: str, run_id: str, mentees: int = 10,
                   mentors: int = 5) -> list[str]:
    """What a coordinator looks at in a run: the lists, table pages, filters and sorts,
    and some mentee and mentor pages (the ids read through the API)."""
    run = f"/programs/{program_id}/runs/{run_id}"
    api = f"/api/v1{run}"
    rows = client.get(f"{api}/networks", params={"per_page": mentees}).json()["rows"]
    loads = client.get(api).json()["loads"][:mentors]
    paths = ["/", f"/programs/{program_id}", run, f"{run}?page=2", f"{run}?status=partial",
             f"{run}?sort=score&order=desc", f"{run}?area=research&page=1",
             f"{api}/networks?sort=mentee&per_page=100"]
    paths += [f"{run}/mentees/{row['mentee_id']}" for row in rows]
    paths += [f"{run}/mentors/{load['mentor_id']}" for load in loads]
    return paths


def wait_for_job(client: httpx.Client, program_id: str, job_id: int, timeout: float) -> dict:
    """Poll a job until it ends; its final record."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/programs/{program_id}/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.5)
    raise TimeoutError(f"job {job_id} still running after {timeout} s")
