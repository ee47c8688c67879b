"""``serve --demo``: a workspace with the shipped sample program loaded.

The sample (60 mentors, 150 mentees and their commented program.toml) is package data of
the service (``service/sample/``, copies of the checkout's ``sample_data/`` files, kept
equal by a test), so ``--demo`` works from an installed package too. It is added once as
the program ``demo``; its files go through the same upload path as a coordinator's, so
the demo shows the problems table too.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from service import db, operations
from service.auth import Principal
from service.jobs import JobRunner
from service.workspace import Workspace

DEMO_ID = "demo"
#: The sample program's files, as installed with the package.
SAMPLE_FILES = ("program.toml", "mentors.csv", "mentees.csv")


def sample_dir() -> Traversable:
    """The folder of the packaged sample (inside the installed ``service`` package)."""
    return resources.files("service") / "sample"


def load_demo(workspace: Workspace, sample: Traversable | None = None) -> str:
    """Add the sample program to ``workspace`` unless it is there; return its id."""
    db.migrate(workspace.db_path)
    with db.opened(workspace.db_path) as connection:
        if db.get_program(connection, DEMO_ID) is not None:
            return DEMO_ID
    folder = sample or sample_dir()
    files = {name: folder / name for name in SAMPLE_FILES}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"The sample files are not here: {', '.join(missing)}; "
                                "reinstall mentormatch (they are package data of "
                                "service/sample/).")
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
