"""``serve --demo`` works from an installed package: the sample is package data.

The fast test keeps the packaged copy equal to the checkout's ``sample_data/`` (the
files the README and the CLI examples use); the slow one builds the wheel, installs it
into an empty folder and loads the demo from there, away from the checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from service.demo import SAMPLE_FILES, sample_dir

ROOT = Path(__file__).resolve().parents[2]


def test_the_packaged_sample_is_the_checkouts_sample():
    for name in SAMPLE_FILES:
        packaged = (sample_dir() / name).read_bytes()
        assert packaged == (ROOT / "sample_data" / name).read_bytes(), (
            f"service/sample/{name} differs from sample_data/{name}: copy it again")


@pytest.mark.slow
def test_demo_loads_from_an_installed_wheel_without_the_checkout(tmp_path):
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("mentormatch-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), str(wheel)], check=True, capture_output=True)
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        import service
        from service.demo import load_demo
        from service.workspace import Workspace
        assert Path(service.__file__).is_relative_to(Path(sys.argv[1])), service.__file__
        space = Workspace.open(Path("workspace"))
        print(load_demo(space))
        from service import db
        with db.opened(space.db_path) as connection:
            program = db.get_program(connection, "demo")
        print(program.mentors_file, program.mentees_file, len(program.problems))
    """)
    # Run away from the checkout: only the installed package (and the venv's
    # dependencies) can provide the service and its sample.
    result = subprocess.run([sys.executable, "-c", script, str(site)], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(site)},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "demo"
    mentors, mentees, problems = lines[1].split()
    assert mentors.endswith(".csv") and mentees.endswith(".csv") and int(problems) > 0
