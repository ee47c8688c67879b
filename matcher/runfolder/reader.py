"""Read a run folder and the chain of earlier runs behind it (run.json ``previous_run``).

A rematch needs to know every pair that was ever made and which of them ended, and when:
ended pairs are never proposed again, and a mentee whose relationships ended in each of
the last N cycles is flagged. Each run folder holds ``pairings.csv`` and ``run.json``; a
rematch run's ``run.json`` names the run before it (``previous_run``: path and the
sha256 of that run's ``run.json``) and the folder also holds ``rematch.json``, the record
of which pairs the rematch ended and why. For runs without that record (or a chain edited
by hand) the pairs missing from the next run count as ended.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from scoring.errors import InputError
from scoring.text import fold

#: File names inside a run folder that the history reads.
RUN_RECORD = "run.json"
PAIRINGS = "pairings.csv"
REMATCH_RECORD = "rematch.json"
#: A chain longer than this is surely a loop made by hand-edited run.json files.
MAX_CHAIN = 200


@dataclass(frozen=True)
class PastPair:
    """One pair of a run's networks, as pairings.csv lists it."""

    mentee_id: str
    mentor_id: str
    role: str = ""
    covers: str = ""
    score: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.mentee_id, self.mentor_id


@dataclass(frozen=True)
class EndedPair:
    """A pair of the run before that did not continue into this run, and why.

    ``by_choice`` is True when the month-12 decision ended it (no, or unsure and rematched)
    and False when a participant left the program; only choices count towards the
    jumping-from-mentor-to-mentor flag.
    """

    mentee_id: str
    mentor_id: str
    reason: str
    by_choice: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return self.mentee_id, self.mentor_id


@dataclass(frozen=True)
class RunRecord:
    """One run folder: its pairs, its record's hash, and the pairs it ended (if a rematch)."""

    folder: Path
    run_json_sha256: str
    pairs: tuple[PastPair, ...]
    previous: Path | None = None
    previous_sha256: str | None = None
    ended: tuple[EndedPair, ...] | None = None  # None: not recorded (a plain match run)

    def pair_keys(self) -> set[tuple[str, str]]:
        """The (mentee id, mentor id) pairs of this run."""
        return {pair.key for pair in self.pairs}


@dataclass(frozen=True)
class RunHistory:
    """A run and the runs before it, newest first, with the pairs ended between cycles."""

    runs: tuple[RunRecord, ...]
    warnings: tuple[str, ...] = ()

    @property
    def latest(self) -> RunRecord:
        return self.runs[0]

    def cycles(self) -> list[tuple[EndedPair, ...]]:
        """Pairs ended at each cycle boundary, newest first (one entry per older run)."""
        boundaries = []
        for newer, older in itertools.pairwise(self.runs):
            if newer.ended is not None:
                boundaries.append(newer.ended)
            else:
                gone = sorted(older.pair_keys() - newer.pair_keys())
                boundaries.append(tuple(EndedPair(mentee, mentor, "not in the next run")
                                        for mentee, mentor in gone))
        return boundaries

    def ended_pairs(self) -> set[tuple[str, str]]:
        """Every pair that ended in any earlier cycle."""
        return {pair.key for boundary in self.cycles() for pair in boundary}


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks (intake files can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_run(folder: str | Path) -> RunRecord:
    """Read one run folder (pairings, run.json, rematch record); InputError if unusable."""
    folder = Path(folder)
    record_path = folder / RUN_RECORD
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder. Pass the run folder a previous `mentormatch "
                         "match` or `rematch` wrote (the one holding run.json).")
    if not record_path.is_file():
        raise InputError(f"{folder}: no {RUN_RECORD} in this folder, so it is not a run "
                         "folder. Pass the folder a previous `mentormatch match` or `rematch` "
                         "wrote.")
    record = _load_json(record_path)
    previous = record.get("previous_run") or None
    previous_path = previous_sha = None
    if isinstance(previous, dict) and previous.get("path"):
        previous_path = Path(previous["path"])
        if not previous_path.is_absolute():
            previous_path = folder / previous_path
        previous_sha = previous.get("sha256")
    ended = None
    if (folder / REMATCH_RECORD).is_file():
        ended = tuple(EndedPair(e["mentee_id"], e["mentor_id"], e.get("reason", ""),
                                bool(e.get("by_choice", True)))
                      for e in _load_json(folder / REMATCH_RECORD).get("ended", []))
    return RunRecord(folder=folder, run_json_sha256=sha256_of(record_path),
                     pairs=read_pairings(folder / PAIRINGS), previous=previous_path,
                     previous_sha256=previous_sha, ended=ended)


def read_history(folder: str | Path) -> RunHistory:
    """Read ``folder`` and follow ``previous_run`` back to the first run of the chain."""
    runs = [read_run(folder)]
    warnings: list[str] = []
    seen = {runs[0].folder.resolve()}
    while runs[-1].previous is not None:
        newer = runs[-1]
        older_folder = newer.previous
        if older_folder.resolve() in seen or len(runs) >= MAX_CHAIN:
            raise InputError(f"{newer.folder / RUN_RECORD}: previous_run leads back to "
                             f"{older_folder}, which is already in the chain. Fix the "
                             "previous_run path in run.json.")
        if not (older_folder / RUN_RECORD).is_file():
            raise InputError(
                f"{newer.folder / RUN_RECORD}: its previous run {older_folder} is missing, so "
                "the pairs that ended in earlier cycles cannot be read. Put that run folder "
                "back (or fix the previous_run path in run.json).")
        older = read_run(older_folder)
        if newer.previous_sha256 and newer.previous_sha256 != older.run_json_sha256:
            warnings.append(f"{older_folder / RUN_RECORD} changed since {newer.folder} was "
                            "made from it; its pairs are used as they are now.")
        seen.add(older_folder.resolve())
        runs.append(older)
    return RunHistory(runs=tuple(runs), warnings=tuple(warnings))


def read_pairings(path: Path) -> tuple[PastPair, ...]:
    """The pairs listed in a run's pairings.csv (header names compared folded)."""
    if not path.is_file():
        raise InputError(f"{path}: missing, so this run's pairs cannot be read. Pass a run "
                         "folder written by `mentormatch match` or `rematch`, unchanged.")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    headers = [fold(header) for header in rows[0]] if rows else []
    column = {header: i for i, header in enumerate(headers)}
    if "mentee id" not in column or "mentor id" not in column:
        raise InputError(f"{path}: no mentee_id / mentor_id columns; this is not a pairings "
                         "file written by mentormatch. Pass an unchanged run folder.")

    def cell(cells: list[str], name: str) -> str:
        i = column.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    pairs = []
    for cells in rows[1:]:
        mentee, mentor = cell(cells, "mentee id"), cell(cells, "mentor id")
        if mentee and mentor:
            score = cell(cells, "score")
            pairs.append(PastPair(mentee, mentor, cell(cells, "role"), cell(cells, "covers"),
                                  float(score) if _is_number(score) else None))
    return tuple(pairs)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _load_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"{path}: not valid JSON; the run folder was edited or damaged. "
                         "Restore it from the copy the run wrote.") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a mentormatch run record. Pass an unchanged run "
                         "folder.")
    return data
