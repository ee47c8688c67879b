"""Benchmark of the matching service on a generated 10,000 × 2,000 program (not in the
test run): upload, match in the worker, publish, then 50 users browse the published run
while a second match runs. Prints the job time and the page times (p50, p95).

    python -m benchmarks.bench_service [--mentees 10000 --mentors 2000 --users 50
                                        --requests 2000] [--keep DIR]
    python -m benchmarks.bench_service --reuse DIR [--users 50 --requests 1000]

``--reuse`` starts the server on a workspace an earlier ``--keep`` made (its published run)
and measures the browsing alone, in one run: with a second match solving beside the
server, with that solver stopped (SIGSTOP, the same process paused), and with no job —
so the solver's share of the page time is a ratio measured under the same machine load.
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.service_load import (
    browse,
    browsing_paths,
    process_tree,
    scheduler_delta,
    scheduler_times,
    serve,
    wait_for_job,
)

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=2_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--limit", type=float, default=300.0, help="seconds for the load")
    parser.add_argument("--keep", type=Path, default=None,
                        help="make the workspace here and keep it (default: a temporary one)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a user reads a page before the next (second round)")
    parser.add_argument("--reuse", type=Path, default=None,
                        help="measure browsing on a workspace made with --keep")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args(argv)
    if args.reuse is not None:
        return reuse(args)
    from sample_data.generate import write

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        write(folder / "cohort", args.mentees, args.mentors, 1)
        print(f"generated {args.mentees} × {args.mentors} in "
              f"{time.perf_counter() - started:.1f} s")
        workspace = args.keep or folder / "workspace"
        with serve(workspace, demo=False) as server, \
                httpx.Client(base_url=server.base, timeout=600) as client:
            csrf = client.post("/api/v1/session", json={"token": server.token}).json()[
                "csrf_token"]
            headers = {"X-CSRF-Token": csrf}
            config = (ROOT / "sample_data" / "program.toml").read_bytes()
            program = client.post("/api/v1/programs", data={"name": "Generated 10k"},
                                  files={"config": ("program.toml", config)},
                                  headers=headers).json()["id"]
            started = time.perf_counter()
            files = {side: (f"{side}.csv", (folder / "cohort" / f"{side}.csv").read_bytes())
                     for side in ("mentors", "mentees")}
            upload = client.post(f"/api/v1/programs/{program}/uploads", files=files,
                                 headers=headers).json()
            print(f"upload and check: {time.perf_counter() - started:.1f} s, "
                  f"{upload['errors']} errors, {len(upload['problems'])} problems")
            started = time.perf_counter()
            job = client.post(f"/api/v1/programs/{program}/jobs", json={},
                              headers=headers).json()
            done = wait_for_job(client, program, job["id"], 3600)
            print(f"match job: {done['status']} in {time.perf_counter() - started:.1f} s "
                  f"{done.get('error') or ''}")
            run_id = done["run_id"]
            client.post(f"/api/v1/programs/{program}/runs/{run_id}/publish", headers=headers)
            paths = browsing_paths(client, program, run_id, mentees=20, mentors=10)
            started = time.perf_counter()
            client.get(paths[-1])
            print(f"first mentee page (reads the run, builds features): "
                  f"{time.perf_counter() - started:.1f} s")
            for path in paths:
                begin = time.perf_counter()
                client.get(path)
                print(f"  {1000 * (time.perf_counter() - begin):7.1f} ms  {path[:100]}")
            second = client.post(f"/api/v1/programs/{program}/jobs",
                                 json={"objective": "fair"}, headers=headers).json()
            for think in (0.0, args.think):
                result = browse(server.base, dict(client.cookies), paths, users=args.users,
                                requests=args.requests, limit=args.limit, think=think)
                state = client.get(f"/api/v1/programs/{program}/jobs/{second['id']}").json()
                print(f"load with {args.users} users, {think:g} s between pages, while a "
                      f"match job was {state['status']}: {result.line()}")
                for error in result.errors[:10]:
                    print("  error:", error)
            client.post(f"/api/v1/programs/{program}/jobs/{second['id']}/cancel",
                        headers=headers)
    return 0


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def reuse(args: argparse.Namespace) -> int:
    """Browsing the published run of a kept workspace: solver running, paused, absent."""
    with serve(args.reuse, demo=False, workers=args.workers) as server, \
            httpx.Client(base_url=server.base, timeout=600) as client:
        csrf = client.post("/api/v1/session", json={"token": server.token}).json()[
            "csrf_token"]
        headers = {"X-CSRF-Token": csrf}
        program = client.get("/api/v1/programs").json()[0]
        program_id, run_id = program["program"]["id"], program["published"]["id"]
        paths = browsing_paths(client, program_id, run_id, mentees=20, mentors=10)
        # The first visitor of each page (measured by the full run), in each server process:
        # a connection stays with one process, so each pass opens its own.
        for _ in range(3 * args.workers):
            with httpx.Client(base_url=server.base, timeout=600,
                              cookies=dict(client.cookies)) as visitor:
                for path in paths:
                    visitor.get(path)
        job = client.post(f"/api/v1/programs/{program_id}/jobs", json={"objective": "fair"},
                          headers=headers).json()
        pid = None
        deadline = time.monotonic() + 120
        while pid is None and time.monotonic() < deadline:
            state = client.get(f"/api/v1/programs/{program_id}/jobs/{job['id']}").json()
            pid = state["pid"] if state["stage"] >= 2 else None
            time.sleep(0.5)
        cookies = dict(client.cookies)

        def measure(label: str) -> None:
            # The server's processes, without the match's worker (counted apart).
            processes = process_tree(server.pid, frozenset({pid} if pid else ()))
            server_before = scheduler_times(processes)
            client_before = scheduler_times([os.getpid()])
            result = browse(server.base, cookies, paths, users=args.users,
                            requests=args.requests, limit=args.limit)
            server_after = scheduler_times(processes)
            client_after = scheduler_times([os.getpid()])
            print(f"{args.users} users, no pause between pages, {label}, {args.workers} "
                  f"server process(es) ({_load()}): {result.line()}")
            per_page = 1000 / max(1, result.requests)
            server_cpu, server_wait = scheduler_delta(server_before, server_after)
            client_cpu, client_wait = scheduler_delta(client_before, client_after)
            print(f"  server: {per_page * server_cpu:.1f} ms on a CPU and "
                  f"{per_page * server_wait:.1f} ms waiting for one per page; load client: "
                  f"{per_page * client_cpu:.1f} ms on a CPU, {per_page * client_wait:.1f} ms "
                  "waiting")

        measure("a match solving beside the server")
        if pid is not None:
            os.kill(pid, signal.SIGSTOP)
            try:
                measure("the same match paused (SIGSTOP)")
            finally:
                os.kill(pid, signal.SIGCONT)
        client.post(f"/api/v1/programs/{program_id}/jobs/{job['id']}/cancel", headers=headers)
        measure("no job")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
