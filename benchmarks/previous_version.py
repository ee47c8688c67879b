"""The previous version of the code, for benchmarks that measure against it in the same run.

A benchmark that compares a rewrite with what it replaced runs the replaced code from git,
not from a copy kept in the test folder: :func:`previous_tree` extracts the packages of a
revision (``git archive`` of its merge base with HEAD, so that by default the baseline is
where this branch left ``main``) into a temporary folder, once per process, and
:func:`previous_env` is the environment in which a child process imports them instead of
the working tree's; :func:`child_result` runs such a child and reads the JSON it prints
last.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The revision whose merge base with HEAD is "the previous version" by default.
PREVIOUS_REV = "main"
_TREES: dict[tuple[str, tuple[str, ...]], Path] = {}


def previous_tree(packages: tuple[str, ...], rev: str = PREVIOUS_REV) -> tuple[Path, str]:
    """(folder holding ``packages`` as they were at the merge base of HEAD and ``rev``,
    that commit's short hash)."""
    base = subprocess.run(["git", "merge-base", "HEAD", rev], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    key = (base, packages)
    if key not in _TREES:
        folder = Path(tempfile.mkdtemp(prefix="mentormatch-previous-"))
        # Removed when the benchmark ends (a few hundred source files: cheap to delete,
        # unlike run folders); left behind, they piled up in /tmp (78 by session 8).
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        archive = subprocess.run(["git", "archive", base, *packages], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        _TREES[key] = folder
    return _TREES[key], base[:10]


def previous_env(tree: Path) -> dict[str, str]:
    """The environment of a child process that imports the packages of ``tree`` first (the
    working tree's other packages, e.g. ``benchmarks``, still come from ROOT)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT)])}


def child_result(argv: list[str], env: dict[str, str] | None = None,
                 cwd: str | Path | None = None) -> Any:
    """Run ``argv`` (a fresh Python: ``sys.executable`` and its arguments) and return the
    JSON on the last line it prints; a child that fails ends the benchmark with its error
    output."""
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"a benchmark's child process failed (status {done.returncode}): "
                         f"{' '.join(argv[:3])} ...")
    return json.loads(done.stdout.strip().splitlines()[-1])
