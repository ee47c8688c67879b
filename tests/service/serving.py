"""A real ``mentormatch serve`` for the browser and load tests: a subprocess on 127.0.0.1
at a free port, its login URL read from what it prints."""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Server:
    """A running server: its base URL and the login URL with the token."""

    base: str
    login_url: str
    token: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(workspace: Path, *, demo: bool = True, timeout: float = 60.0) -> Iterator[Server]:
    """Start ``mentormatch serve`` and stop it (by its own process id) on exit."""
    port = free_port()
    command = [sys.executable, "-c", "from cli.main import cli; cli()", "serve",
               "--workspace", str(workspace), "--port", str(port)] + (["--demo"] if demo else [])
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
        yield Server(base, login_url, login_url.split("token=", 1)[1])
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
