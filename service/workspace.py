"""The workspace on disk: one folder per program, uploads named by hash, run folders.

Layout (everything the service keeps lives under one folder)::

    WORKSPACE/
      mentormatch.db                  SQLite state (see service.db)
      programs/<program-id>/
        program.toml                  the program's config
        uploads/<sha256>.<ext>        every uploaded file, immutable, named by its hash
        runs/<run-id>/                ordinary run folders (``mentormatch explain RUN`` works)

No request value becomes a path unchecked: ids are matched against strict patterns here,
and every path is resolved and checked to stay inside the workspace.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PROGRAM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
#: Participant ids are e-mails or program ids: printable, no slashes, bounded.
PERSON_ID = re.compile(r"^[^/\\\x00-\x1f\x7f]{1,200}$")
UPLOAD_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".toml")
DB_NAME = "mentormatch.db"
CONFIG_NAME = "program.toml"


class UnsafePath(ValueError):
    """A request value that would name a path outside the workspace or a bad id."""


def valid_program_id(value: str) -> str:
    """``value`` if it is a well-formed program id, else UnsafePath."""
    if not PROGRAM_ID.match(value):
        raise UnsafePath("program ids are 1-40 lower-case letters, digits and dashes")
    return value


def valid_run_id(value: str) -> str:
    """``value`` if it is a well-formed run id, else UnsafePath."""
    if not RUN_ID.match(value):
        raise UnsafePath("run ids look like 20270111-093000-a1b2c3")
    return value


def valid_person_id(value: str) -> str:
    """``value`` if it can be a participant id (it must still be looked up in the run)."""
    if not PERSON_ID.match(value) or value in {".", ".."}:
        raise UnsafePath("participant ids are up to 200 printable characters without slashes")
    return value


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unguessable run id: UTC date-time and 6 random hex digits."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def slugify(name: str) -> str:
    """A program id proposed from its name (the caller checks it is free)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32].strip("-")
    return slug or "program"


@dataclass(frozen=True)
class Workspace:
    """The workspace folder and the paths inside it."""

    root: Path

    @classmethod
    def open(cls, root: str | Path) -> Workspace:
        """Create (if needed) and open the workspace at ``root``."""
        path = Path(root).expanduser().resolve()
        (path / "programs").mkdir(parents=True, exist_ok=True)
        return cls(path)

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    def inside(self, path: Path) -> Path:
        """``path`` resolved, refused (UnsafePath) unless it stays inside the workspace."""
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise UnsafePath("path outside the workspace")
        return resolved

    def program_dir(self, program_id: str) -> Path:
        return self.inside(self.root / "programs" / valid_program_id(program_id))

    def config_path(self, program_id: str) -> Path:
        return self.program_dir(program_id) / CONFIG_NAME

    def uploads_dir(self, program_id: str) -> Path:
        return self.program_dir(program_id) / "uploads"

    def runs_dir(self, program_id: str) -> Path:
        return self.program_dir(program_id) / "runs"

    def run_dir(self, program_id: str, run_id: str) -> Path:
        return self.inside(self.runs_dir(program_id) / valid_run_id(run_id))

    def upload_path(self, program_id: str, sha256: str, extension: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256) or extension not in UPLOAD_EXTENSIONS:
            raise UnsafePath("bad upload name")
        return self.inside(self.uploads_dir(program_id) / f"{sha256}{extension}")

    def create_program_dir(self, program_id: str, config: bytes) -> Path:
        """Make the program's folders and write its config (refused if it exists)."""
        folder = self.program_dir(program_id)
        folder.mkdir(parents=True, exist_ok=False)
        for sub in ("uploads", "runs"):
            (folder / sub).mkdir()
        (folder / CONFIG_NAME).write_bytes(config)
        return folder

    def store_upload(self, program_id: str, data: bytes, extension: str) -> tuple[str, Path]:
        """Keep ``data`` as uploads/<sha256><ext> (never overwritten) and return both."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.upload_path(program_id, digest, extension)
        if not path.exists():
            partial = path.with_name(f".{path.name}.partial")
            partial.write_bytes(data)
            partial.replace(path)
            path.chmod(0o444)
        return digest, path

    def lock_for_server(self) -> object:
        """Hold the workspace for this server process (released when the process ends).

        A second server on the same workspace would mark the first one's running jobs as
        interrupted; it is refused with RuntimeError instead.
        """
        handle = (self.root / ".serve.lock").open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RuntimeError(f"{self.root} is in use by another `mentormatch serve`; stop "
                               "it first, or give this one another --workspace.") from None
        return handle

    def remove_partial_runs(self, program_id: str) -> None:
        """Delete the half-written run folders a killed worker left (``.<id>.*.partial``)."""
        runs = self.runs_dir(program_id)
        for leftover in runs.glob(".*.partial"):
            if leftover.is_dir() and self.inside(leftover).parent == runs.resolve():
                shutil.rmtree(leftover, ignore_errors=True)


def upload_extension(filename: str) -> str:
    """The lower-case extension of an uploaded file's name, checked against the allowed."""
    suffix = Path(filename.replace("\\", "/")).suffix.lower()
    if suffix not in UPLOAD_EXTENSIONS:
        raise UnsafePath(f"only {', '.join(UPLOAD_EXTENSIONS)} files are accepted")
    return suffix
