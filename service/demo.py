"""``serve --demo``: a workspace with the shipped sample program loaded.

The sample (``sample_data/``: 60 mentors, 150 mentees and their commented program.toml)
is added once as the program ``demo``; its files go through the same upload path as a
coordinator's, so the demo shows the problems table too.
"""

from __future__ import annotations

from pathlib import Path

from service import db, operations
from service.auth import Principal
from service.jobs import JobRunner
from service.workspace import Workspace

DEMO_ID = "demo"
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"


def load_demo(workspace: Workspace, sample_dir: Path = SAMPLE_DIR) -> str:
    """Add the sample program to ``workspace`` unless it is there; return its id."""
    db.migrate(workspace.db_path)
    with db.opened(workspace.db_path) as connection:
        if db.get_program(connection, DEMO_ID) is not None:
            return DEMO_ID
    files = {name: sample_dir / name for name in ("program.toml", "mentors.csv",
                                                  "mentees.csv")}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"The sample files are not here: {', '.join(missing)} "
                                "(--demo needs the source checkout's sample_data/).")
    console = Principal("demo", True, "", frozenset())
    ctx = operations.Context(workspace, JobRunner(workspace.db_path), console)
    config = files["program.toml"].read_bytes()
    program = operations.create_program(
        ctx, "Meridian Radiation Oncology Society — Mentor Network 2027 (sample)", config,
        DEMO_ID)
    operations.upload_cohort(
        ctx, program.id,
        operations.UploadedFile("mentors.csv", files["mentors.csv"].read_bytes()),
        operations.UploadedFile("mentees.csv", files["mentees.csv"].read_bytes()))
    return program.id
