"""Read a run folder back, and the chain of earlier runs behind it (run.json ``previous_run``).

One reader for every use: :func:`read_run` turns a folder into one :class:`RunRecord` (the
run record, the pairs of pairings.csv, the rematch record, and the frozen cohort on demand);
the rematch, the audit and the diff all read through it. File names and columns come from
:mod:`.layout`.

A rematch needs to know every pair that was ever made and which of them ended, and when:
ended pairs are never proposed again, and a mentee whose relationships ended in each of
the last N cycles is flagged. A rematch run's ``run.json`` names the run before it
(``previous_run``: path and the sha256 of that run's ``run.json``) and the folder also holds
``rematch.json``, the record of which pairs the rematch ended and why. For runs without that
record (or a chain edited by hand) the pairs missing from the next run count as ended.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher.outputs.cell_safety import unguard_cell
from matcher.runfolder import layout
from matcher.runfolder.hashing import sha256_of
from matcher.runfolder.record_types import (
    check_pairing_row,
    check_rematch_record,
    check_run_record,
)
from matcher.runfolder.snapshot import read_snapshot
from scoring.errors import InputError
from scoring.profiles import Cohort
from scoring.text import fold

#: A chain longer than this is surely a loop made by hand-edited run.json files.
MAX_CHAIN = 200


@dataclass(frozen=True)
class RunPair:
    """One pair of a run's networks, as pairings.csv lists it."""

    mentee_id: str
    mentor_id: str
    role: str = ""
    covers: str = ""
    score: float | None = None
    locked: bool = False
    # Names as pairings.csv shows them (for people reading a diff; not part of the pair).
    mentee_name: str = field(default="", compare=False)
    mentor_name: str = field(default="", compare=False)

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
class RematchRecord:
    """rematch.json read back: the pairs the rematch ended, the mentees it held for the
    coordinator, and the keep bonus of the previous pairs it left free."""

    ended: tuple[EndedPair, ...]
    held: tuple[str, ...] = ()
    keep_bonus: tuple[tuple[str, str, float], ...] = ()


@dataclass(frozen=True)
class RunRecord:
    """One run folder read back: run.json, its hash and link to the run before, the pairs of
    pairings.csv and (a rematch) rematch.json; the cohort snapshot through :meth:`cohort`."""

    folder: Path
    run_json_sha256: str
    pairs: tuple[RunPair, ...]
    record: Mapping[str, Any] = field(default_factory=dict, repr=False)  # run.json as read
    previous: Path | None = None
    previous_sha256: str | None = None
    rematch: RematchRecord | None = None  # None: not a rematch (a plain match run)

    @property
    def ended(self) -> tuple[EndedPair, ...] | None:
        """The pairs this run's rematch ended (None: not recorded, a plain match run)."""
        return None if self.rematch is None else self.rematch.ended

    def pair_keys(self) -> set[tuple[str, str]]:
        """The (mentee id, mentor id) pairs of this run."""
        return {pair.key for pair in self.pairs}

    def network(self, mentee_id: str) -> tuple[RunPair, ...]:
        """The mentee's pairs, as pairings.csv lists them (primary first)."""
        return tuple(p for p in self.pairs if p.mentee_id == mentee_id)

    def mentees_of(self, mentor_id: str) -> tuple[RunPair, ...]:
        """The mentor's pairs in this run."""
        return tuple(p for p in self.pairs if p.mentor_id == mentor_id)

    def cohort(self) -> Cohort:
        """The cohort the run matched, from its snapshot (InputError when it has none)."""
        path = self.folder / layout.SNAPSHOT_PATH
        if not path.is_file():
            raise InputError(
                f"{self.folder}: this run folder has no {layout.SNAPSHOT_PATH.as_posix()} (it "
                "was written by an older mentormatch), so it cannot be audited on its own. "
                "Rerun `mentormatch match` (or `rematch`) with the same inputs into a new "
                "--out folder, or audit with the intake files: `mentormatch explain MENTORS "
                "MENTEES --mentee ID`.")
        snapshot = self.record.get("snapshot")
        if isinstance(snapshot, dict) and snapshot.get("sha256"):
            _check_hash(self.folder, layout.SNAPSHOT_PATH.as_posix(), snapshot["sha256"])
        return read_snapshot(path)


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


def is_run_folder(path: str | Path) -> bool:
    """True when ``path`` is a folder holding run.json (what `match` / `rematch` write)."""
    return Path(path).is_dir() and (Path(path) / layout.RUN_RECORD).is_file()


def read_run(folder: str | Path) -> RunRecord:
    """Read one run folder (pairings, run.json, rematch record); InputError if unusable."""
    folder = Path(folder)
    record_path = folder / layout.RUN_RECORD
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder. Pass the run folder a previous `mentormatch "
                         "match` or `rematch` wrote (the one holding run.json).")
    if not record_path.is_file():
        raise InputError(f"{folder}: no {layout.RUN_RECORD} in this folder, so it is not a run "
                         "folder. Pass the folder a previous `mentormatch match` or `rematch` "
                         "wrote.")
    record = _load_json(record_path)
    check_run_record(record, record_path)
    check_recorded_files(folder, record)
    previous = record.get("previous_run") or None
    previous_path = previous_sha = None
    if isinstance(previous, dict) and previous.get("path"):
        previous_path = Path(previous["path"])
        if not previous_path.is_absolute():
            previous_path = folder / previous_path
        previous_sha = previous.get("sha256")
    rematch = None
    if (folder / layout.REMATCH_RECORD).is_file():
        rematch = read_rematch_record(folder / layout.REMATCH_RECORD)
    return RunRecord(folder=folder, run_json_sha256=sha256_of(record_path),
                     pairs=read_pairings(folder / layout.PAIRINGS), record=record,
                     previous=previous_path, previous_sha256=previous_sha, rematch=rematch)


def check_recorded_files(folder: Path, record: Mapping[str, Any]) -> None:
    """Refuse (InputError naming the file) a run folder whose files differ from the sha256
    run.json records for them (``files``: pairings.csv, rematch.json ...); the snapshot is
    checked when it is read (:meth:`RunRecord.cohort`)."""
    recorded = record.get("files") or {}
    if not isinstance(recorded, dict):
        raise InputError(f"{folder / layout.RUN_RECORD}: its 'files' record is damaged; restore "
                         "the run folder as mentormatch wrote it.")
    for name, digest in recorded.items():
        _check_hash(folder, str(name), digest)


def _check_hash(folder: Path, name: str, digest: object) -> None:
    path = folder / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise InputError(f"{folder / layout.RUN_RECORD}: lists {name!r}, which is not a file of "
                         "the run folder; restore the run folder as mentormatch wrote it.")
    if not path.is_file():
        raise InputError(f"{path}: missing, yet {layout.RUN_RECORD} records it; the run folder "
                         "was changed. Restore the file (or the whole folder) as mentormatch "
                         "wrote it.")
    if sha256_of(path) != digest:
        raise InputError(f"{path}: changed since the run wrote it (its sha256 differs from the "
                         f"one {layout.RUN_RECORD} records), so answers from this folder would "
                         "not be the run's. Restore the file as mentormatch wrote it, or run "
                         "`mentormatch match` again into a new folder.")


def read_rematch_record(path: Path) -> RematchRecord:
    """The ended pairs, held mentees and keep bonus of a rematch.json; InputError if damaged."""
    data = _load_json(path)
    check_rematch_record(data, path)
    try:
        ended = tuple(EndedPair(e["mentee_id"], e["mentor_id"], e.get("reason", ""),
                                bool(e.get("by_choice", True)))
                      for e in data.get("ended", []))
    except (TypeError, KeyError, AttributeError):
        raise InputError(f"{path}: an ended pair is damaged; restore the run folder as "
                         "rematch wrote it.") from None
    keep_bonus = []
    for row in data.get("keep_bonus", []):
        try:
            keep_bonus.append((str(row["mentee_id"]), str(row["mentor_id"]),
                               float(row["points"])))
        except (TypeError, KeyError, ValueError):
            raise InputError(f"{path}: a keep_bonus entry ({row!r}) is damaged; restore the "
                             "run folder as rematch wrote it.") from None
    return RematchRecord(ended=ended, held=tuple(data.get("held", [])),
                         keep_bonus=tuple(keep_bonus))


def read_history(folder: str | Path) -> RunHistory:
    """Read ``folder`` and follow ``previous_run`` back to the first run of the chain."""
    return history_of(read_run(folder))


def history_of(run: RunRecord) -> RunHistory:
    """``run`` and the runs before it, following ``previous_run`` back to the first."""
    runs = [run]
    warnings: list[str] = []
    seen = {runs[0].folder.resolve()}
    while (older_folder := runs[-1].previous) is not None:
        newer = runs[-1]
        if older_folder.resolve() in seen or len(runs) >= MAX_CHAIN:
            raise InputError(f"{newer.folder / layout.RUN_RECORD}: previous_run leads back to "
                             f"{older_folder}, which is already in the chain. Fix the "
                             "previous_run path in run.json.")
        if not is_run_folder(older_folder):
            raise InputError(
                f"{newer.folder / layout.RUN_RECORD}: its previous run {older_folder} is "
                "missing, so the pairs that ended in earlier cycles cannot be read. Put that run "
                "folder back (or fix the previous_run path in run.json).")
        older = read_run(older_folder)
        if newer.previous_sha256 and newer.previous_sha256 != older.run_json_sha256:
            warnings.append(f"{older_folder / layout.RUN_RECORD} changed since {newer.folder} was "
                            "made from it; its pairs are used as they are now.")
        seen.add(older_folder.resolve())
        runs.append(older)
    return RunHistory(runs=tuple(runs), warnings=tuple(warnings))


def read_pairings(path: Path) -> tuple[RunPair, ...]:
    """The pairs listed in a run's pairings.csv (header names compared folded)."""
    if not path.is_file():
        raise InputError(f"{path}: missing, so this run's pairs cannot be read. Pass a run "
                         "folder written by `mentormatch match` or `rematch`, unchanged.")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    headers = [fold(header) for header in rows[0]] if rows else []
    column = {header: i for i, header in enumerate(headers)}
    mentee_id, mentor_id, role, covers, score, locked = (
        fold(name) for name in (layout.MENTEE_ID, layout.MENTOR_ID, layout.ROLE, layout.COVERS,
                                layout.SCORE, layout.LOCKED))
    if mentee_id not in column or mentor_id not in column:
        raise InputError(f"{path}: no mentee_id / mentor_id columns; this is not a pairings "
                         "file written by mentormatch. Pass an unchanged run folder.")

    def cell(cells: list[str], name: str) -> str:
        i = column.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    pairs = []
    for number, cells in enumerate(rows[1:], start=2):
        mentee, mentor = unguard_cell(cell(cells, mentee_id)), unguard_cell(cell(cells, mentor_id))
        if mentee and mentor:
            points = cell(cells, score)
            check_pairing_row(cell(cells, role), points, path, number)
            pairs.append(RunPair(mentee, mentor, cell(cells, role), cell(cells, covers),
                                 float(points) if _is_number(points) else None,
                                 fold(cell(cells, locked)) == fold(layout.LOCKED_YES),
                                 cell(cells, fold(layout.MENTEE_NAME)),
                                 cell(cells, fold(layout.MENTOR_NAME))))
    return tuple(pairs)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"{path}: not valid JSON; the run folder was edited or damaged. "
                         "Restore it from the copy the run wrote.") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a mentormatch run record. Pass an unchanged run "
                         "folder.")
    return data
