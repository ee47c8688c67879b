"""Type checks of what a run folder's records hold, before anything is taken from them.

A run folder may have been edited or damaged: a number where an id belongs, a list where a
record was, ``previous_run`` pointing nowhere sensible. :func:`check_run_record` (run.json)
and :func:`check_rematch_record` (rematch.json), and :func:`check_pairing_row` for each row of
pairings.csv, raise :class:`~scoring.errors.InputError`
naming the file and the field, so a tampered folder stops with exit status 2 and one
paragraph instead of a traceback or a silently wrong rematch. (Whether the files are the
ones the run wrote is the recorded hashes' job, checked by :mod:`.reader`.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matcher.runfolder import layout
from scoring.errors import InputError

_FIX = "Restore the run folder as mentormatch wrote it, or rerun into a new --out folder."


def _damaged(path: Path, field: str, expected: str, value: object) -> InputError:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:60] + "…"
    return InputError(f"{path}: {field} should be {expected} but is {shown}; the file was "
                      f"edited or damaged. {_FIX}")


def check_run_record(record: Mapping[str, Any], path: Path) -> None:
    """InputError unless run.json's fields that readers use have their written types."""
    if "format" in record and record["format"] != layout.RUN_FORMAT:
        raise _damaged(path, "format", repr(layout.RUN_FORMAT), record["format"])
    previous = record.get("previous_run")
    if previous is not None:
        if not isinstance(previous, dict):
            raise _damaged(path, "previous_run", "a record or null", previous)
        for key in ("path", "sha256"):
            if not isinstance(previous.get(key), str) or not previous.get(key):
                raise _damaged(path, f"previous_run.{key}", "text", previous.get(key))
    for key in ("inputs", "config", "counts", "solver"):
        if key in record and not isinstance(record[key], dict):
            raise _damaged(path, key, "a record", record[key])
    for key, value in (record.get("counts") or {}).items():
        if not _is_number(value):
            raise _damaged(path, f"counts.{key}", "a number", value)
    seed = record.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise _damaged(path, "seed", "a whole number", seed)


def check_rematch_record(data: Mapping[str, Any], path: Path) -> None:
    """InputError unless rematch.json's ended pairs, held mentees and keep bonus have
    their written types."""
    ended = data.get("ended", [])
    if not isinstance(ended, list):
        raise _damaged(path, "ended", "a list", ended)
    for number, entry in enumerate(ended, start=1):
        if not isinstance(entry, dict):
            raise _damaged(path, f"ended pair {number}", "a record", entry)
        for key in ("mentee_id", "mentor_id"):
            if not isinstance(entry.get(key), str) or not entry.get(key):
                raise _damaged(path, f"ended pair {number} {key}", "an id", entry.get(key))
        if not isinstance(entry.get("reason", ""), str):
            raise _damaged(path, f"ended pair {number} reason", "text", entry.get("reason"))
        if not isinstance(entry.get("by_choice", True), bool):
            raise _damaged(path, f"ended pair {number} by_choice", "true or false",
                           entry.get("by_choice"))
    held = data.get("held", [])
    if not isinstance(held, list) or not all(isinstance(h, str) and h for h in held):
        raise _damaged(path, "held", "a list of ids", held)
    _check_keep_bonus(data.get("keep_bonus", []), path)


def _check_keep_bonus(bonus: object, path: Path) -> None:
    if not isinstance(bonus, list):
        raise _damaged(path, "keep_bonus", "a list", bonus)
    for number, row in enumerate(bonus, start=1):
        if not isinstance(row, dict) or not all(
                isinstance(row.get(k), str) and row.get(k) for k in ("mentee_id", "mentor_id")):
            raise _damaged(path, f"keep_bonus entry {number}", "a record with two ids", row)
        if not _is_number(row.get("points")) or not math.isfinite(row["points"]):
            raise _damaged(path, f"keep_bonus entry {number} points", "a finite number",
                           row.get("points"))


#: The roles a row of pairings.csv may hold (an older folder may leave the cell blank).
PAIRING_ROLES = ("primary", "specialist")


def check_pairing_row(role: str, score: str, path: Path, row: int) -> None:
    """InputError unless a pairings.csv row's role and score are what mentormatch writes."""
    if role and role not in PAIRING_ROLES:
        raise _damaged(path, f"row {row}, role", "primary or specialist", role)
    if score:
        try:
            number = float(score)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise _damaged(path, f"row {row}, score", "a number", score)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
