"""Benchmark of the matching service on a generated 10,000 × 2,000 program (not in the
test run): upload, match in the worker, publish, then 50 users browse the published run
while a second match runs. Prints the job time and the page times (p50, p95).

    python -m benchmarks.bench_service [--mentees 10000 --mentors 2000 --users 50
                                        --requests 2000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.service_load import browse, browsing_paths, serve, wait_for_job

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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    raise SystemExit(main())
