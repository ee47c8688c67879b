"""The marker that says "mentormatch wrote this folder, and exactly these files".

Every run folder holds :data:`MARKER` (``.mentormatch-run``, JSON): the tool's name, the
run's token, its state (``partial`` while the folder is being built, ``complete`` once every
file is written) and a manifest of every other file with its sha256. ``--force`` and the
clean-up of stale folders trust a folder only when its marker is complete and the folder
holds exactly the files the manifest lists, unchanged: anything else was not (only) written
by mentormatch and is never deleted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from matcher.runfolder.hashing import sha256_of
from matcher.runfolder.indented_json import dumps_indented

#: The marker's file name inside a run folder (hidden: it is not a result).
MARKER = ".mentormatch-run"
TOOL = "mentormatch"
MARKER_FORMAT = "mentormatch-marker/1"
PARTIAL, COMPLETE = "partial", "complete"


@dataclass(frozen=True)
class Marker:
    """A folder's marker as read: its token, state and manifest (path → sha256)."""

    token: str
    state: str
    files: dict[str, str]


def write_marker(folder: Path, token: str, state: str, files: dict[str, str]) -> None:
    """Write the marker of ``folder`` (replacing an earlier one)."""
    names = sorted(files)  # one pass when they come from manifest(), already in order
    in_order = files if list(files) == names else dict(zip(names, map(files.__getitem__, names),
                                                             strict=True))
    record = {"tool": TOOL, "format": MARKER_FORMAT, "token": token, "state": state,
              "files": in_order}
    # json.dumps(record, indent=1) + "\n", the manifest in one C call (indented_json)
    text = dumps_indented(record, indent=1, sort_keys=False, ensure_ascii=True, allow_nan=True)
    with (folder / MARKER).open("wb") as marker:  # 4.6 MB at 30,000 files: no copy for "\n"
        marker.write(text.encode("ascii"))
        marker.write(b"\n")


def read_marker(folder: Path) -> Marker | None:
    """The marker of ``folder``, or None when it has none or one no mentormatch wrote."""
    path = folder / MARKER
    try:
        if path.is_symlink() or not path.is_file():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("tool") != TOOL \
            or record.get("format") != MARKER_FORMAT:
        return None
    token, state, files = record.get("token"), record.get("state"), record.get("files")
    if not isinstance(token, str) or state not in (PARTIAL, COMPLETE) \
            or not isinstance(files, dict) \
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None
    return Marker(token=token, state=state, files=dict(files))


def manifest(folder: Path, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every file below ``folder`` except the marker: relative POSIX path → sha256, in
    path order (the marker's).

    ``known`` holds hashes already computed from the bytes written (path → sha256); only
    the files it does not name are read back. Every file found is listed either way.
    """
    known = known or {}
    top = os.fspath(folder)
    paths: list[str] = []
    for root, _dirs, names in os.walk(top):
        # Relative paths from the walk's own strings, a folder's files at a time (a Path
        # per file, or a loop over them in Python, cost more than the listing itself: a
        # run folder holds three files per pair).
        below = os.path.relpath(root, top)
        prefix = "" if below == os.curdir else below.replace(os.sep, "/") + "/"
        paths += map(prefix.__add__, names)
    if MARKER in paths:
        paths.remove(MARKER)
    paths.sort()
    hashes: list[str | None] = list(map(known.get, paths))
    if None in hashes or "" in hashes:  # written past the writer: read back
        for k in [k for k, digest in enumerate(hashes) if not digest]:
            hashes[k] = sha256_of(Path(top, paths[k]))
    return dict(zip(paths, hashes, strict=True))  # type: ignore[arg-type]  # no None left


def foreign_content(folder: Path) -> list[str]:
    """What in ``folder`` mentormatch did not write, as relative paths (first 5 at most):
    ``[]`` only for a folder with a complete marker whose manifest lists every file below
    it, unchanged, and nothing else (no links, no extra folders)."""
    marker = read_marker(folder)
    if marker is None or marker.state != COMPLETE:
        return [f"{MARKER} (missing: not a folder written by mentormatch)"]
    strange: list[str] = []
    listed_folders = {Path(p).parent.as_posix() for p in marker.files} | {"."}
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(root, name)
            relative = path.relative_to(folder).as_posix()
            if relative == MARKER:
                continue
            if path.is_symlink():
                strange.append(f"{relative} (a link)")
            elif path.is_dir():
                if relative not in listed_folders:
                    strange.append(f"{relative}/")
            elif relative not in marker.files:
                strange.append(relative)
            elif sha256_of(path) != marker.files[relative]:
                strange.append(f"{relative} (changed since the run wrote it)")
        if len(strange) >= 5:
            break
    return strange[:5]
