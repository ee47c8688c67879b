"""The cohort a run matched, frozen into the run folder (``audit/cohort.json``).

An audit months later ("why did Dr. A get Dr. B and not Dr. C?") must see exactly the
records the run scored, without the intake files (they change, move or are deleted). The
snapshot holds every canonical field of every :class:`~scoring.profiles.Mentor` and
:class:`~scoring.profiles.Mentee` in input order; ``Person.extra`` (unmapped columns) and the
intake problems are dropped.

Sensitive fields (``config.sensitive_fields``: gender and background by default) never appear
raw. Each non-empty value is replaced by a keyed hash (HMAC-SHA256, 16 hex digits) of the
value as the scorer compares it (folded; background split into its values), so two people
with the same value get the same pseudonym and every score — the ``preferences`` component,
same-gender and shared-background opt-ins — is unchanged. The key is derived from the whole
cohort *including* the raw sensitive values and unmapped columns, none of which the run
folder holds: the same inputs give the same bytes (reruns stay byte-identical), yet someone
holding only the run folder cannot recompute the key to test a guess such as "female".
(A key derived from the snapshot's own content would let anyone hash a guess and compare.)
A mentee's gender / background is kept only when the mentee opted into the preference that
reads it; the scorer ignores it otherwise, so it is left blank. Specialty, institution,
modes and languages, when listed, are pseudonymised the same way (the scorer compares
them only for equality; a blank language list is stored as the program's default
languages, which is what the scorer reads for it). Career stage, meeting frequency and
time zone are compared by rank or distance, which no pseudonym keeps: when listed they are
withheld from scoring (:mod:`scoring.sensitivity`) and stored as null, so the audit scores
every pair exactly as the run did.

The bytes are deterministic JSON: sorted keys, indented, floats in Python's shortest
round-trip form, UTF-8 (``json.dumps``'s text, written faster by :mod:`.indented_json`).
Reading checks every field's type against the record class (text, a whole number, a
finite number, a list of text, null where allowed), so a snapshot edited
together with its hash in run.json still stops with the file, the participant and the field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import operator
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from matcher.runfolder.indented_json import Records, dumps_indented, dumps_lines
from matcher.runfolder.layout import SNAPSHOT_FORMAT, SNAPSHOT_PATH
from scoring.config import ProgramConfig
from scoring.errors import InputError
from scoring.features import folded_keys
from scoring.profiles import Cohort, Mentee, Mentor, Person
from scoring.rules import institution_keys
from scoring.text import fold

#: Hex digits kept of each pseudonym (64 bits: no collision among a cohort's few values).
PSEUDONYM_DIGITS = 16
#: Which opt-in preference makes the scorer read a mentee's sensitive field.
OPT_IN_FOR_FIELD = {"gender": "same_gender", "background": "shared_background"}

_DOMAIN = b"mentormatch snapshot pseudonym key v1\n"
P = TypeVar("P", bound=Person)


_FIELDS: dict[type, tuple[dataclasses.Field, ...]] = {}


def _record_fields(kind: type[Person]) -> tuple[dataclasses.Field, ...]:
    """A record class's canonical fields (worked out once per class)."""
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(f for f in dataclasses.fields(kind) if f.name != "extra")
    return _FIELDS[kind]


def _read(people: Sequence[Person], kind: type[Person]) -> Records:
    """What intake read of ``people``: each canonical field of ``kind`` as a column, in
    input order (one C-level pass per field), and ``extra`` (for the key only)."""
    columns = {f.name: list(map(operator.attrgetter(f.name), people))
               for f in _record_fields(kind)}
    columns["extra"] = list(map(dict, map(operator.attrgetter("extra"), people)))
    return Records(columns)


def _key(read: Sequence[Records]) -> bytes:
    """The HMAC key: a digest of everything intake read, sensitive values and extras
    included: per person (mentors, then mentees) the line ``json.dumps(fields | {"extra":
    extra}, sort_keys=True, ensure_ascii=False, default=str)``."""
    digest = hashlib.sha256(_DOMAIN)
    for records in read:
        lines = dumps_lines(records, sort_keys=True, ensure_ascii=False, default=str)
        digest.update(lines.encode("utf-8"))
    return digest.digest()


class _Pseudonyms:
    """Keyed hashes of text under one key, each worked out once (a cohort holds few
    distinct sensitive values)."""

    def __init__(self, key: bytes) -> None:
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # the key padded once
        self._known: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        known = self._known.get(text)
        if known is None:
            mac = self._keyed.copy()  # = hmac.new(key, text, sha256)
            mac.update(text.encode("utf-8"))
            known = self._known[text] = mac.hexdigest()[:PSEUDONYM_DIGITS]
        return known


def _comparison_keys(field_name: str, value: str, config: ProgramConfig) -> tuple[str, ...]:
    """What the scorer compares of a sensitive text value (equal keys = "same")."""
    if field_name == "background":
        return folded_keys(value, config.separators)
    if field_name == "institution":
        return tuple(institution_keys([value], config))
    return (fold(value),)


def _pseudonymised_value(name: str, value: Any, config: ProgramConfig,
                         pseudonym: _Pseudonyms) -> Any:
    """A non-blank sensitive value as the snapshot keeps it: each item (a list) or each
    compared key (text) replaced by its pseudonym."""
    if isinstance(value, (list, tuple)):
        return [pseudonym(fold(item)) for item in value if fold(item)]
    if isinstance(value, str):
        joiner = next((s for s in config.separators if not s.isalnum()), ";")
        pieces = [k for k in _comparison_keys(name, value, config) if k]
        return joiner.join(pseudonym(piece) for piece in pieces)
    return None  # never reached for the fields [sensitive] may list; withheld to be safe


def _pseudonymised(read: Records, config: ProgramConfig, pseudonym: _Pseudonyms,
                   mentees: bool) -> Records:
    """The snapshot's records: what intake read, ``extra`` dropped and the sensitive
    fields' columns replaced (see module doc)."""
    columns = {name: column for name, column in read.columns.items() if name != "extra"}
    if "languages" in config.sensitive_fields:
        # The scorer reads a blank as the program's default languages: pseudonymise those,
        # so the audit compares them with the others' pseudonyms exactly as the run did.
        defaults = list(config.defaults.languages)
        columns["languages"] = [value or defaults for value in columns["languages"]]
    rows = len(read)
    for name in config.sensitive_fields:
        if name in config.sensitive.unscored:
            columns[name] = [None] * rows  # withheld from scoring: nothing to keep
            continue
        if name not in columns:
            continue
        opt_in = OPT_IN_FOR_FIELD.get(name) if mentees else None
        preferences = columns["preferences"] if opt_in else [()] * rows
        done: dict[Any, Any] = {}  # value -> what is kept of it (equal values, equal text)
        kept: list[Any] = []
        for value, wanted in zip(columns[name], preferences, strict=True):
            if not value:
                kept.append(value)
            elif opt_in and opt_in not in wanted:
                kept.append("")  # never read by the scorer for this mentee
            elif isinstance(value, (str, tuple, list)):
                memo = tuple(value) if isinstance(value, list) else value
                if memo not in done:
                    done[memo] = _pseudonymised_value(name, value, config, pseudonym)
                kept.append(done[memo])
            else:
                kept.append(_pseudonymised_value(name, value, config, pseudonym))
        columns[name] = kept
    return read.derived(columns)  # the other columns' text is reused from the key's


def snapshot_bytes(cohort: Cohort, config: ProgramConfig) -> bytes:
    """The cohort as deterministic JSON, sensitive fields pseudonymised (see module doc)."""
    mentors, mentees = _read(cohort.mentors, Mentor), _read(cohort.mentees, Mentee)
    pseudonym = _Pseudonyms(_key([mentors, mentees]))
    document = {
        "format": SNAPSHOT_FORMAT,
        "pseudonymised_fields": sorted(config.sensitive_fields),
        "sources": {name: Path(path).name for name, path in sorted(cohort.sources.items())},
        "mentors": _pseudonymised(mentors, config, pseudonym, mentees=False),
        "mentees": _pseudonymised(mentees, config, pseudonym, mentees=True),
    }
    # json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False)
    return (dumps_indented(document) + "\n").encode("utf-8")


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value has the type a record field declares (``hint``): text, a whole
    number, a finite number, a list of text, a table of text, or None where allowed."""
    if hint is type(None):
        return value is None
    if hint is str:
        return isinstance(value, str)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in args)
    if origin is tuple:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                               for k, v in value.items())
    return False


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(kind: type[Person]) -> dict[str, Any]:
    """The declared type of each field of a record class (resolved once per class)."""
    if kind not in _HINTS:
        _HINTS[kind] = typing.get_type_hints(kind)
    return _HINTS[kind]


def _build(kind: type[P], record: Any, where: str) -> P:
    if not isinstance(record, dict):
        raise InputError(f"{where}: not a participant record. The snapshot was edited or "
                         "damaged; rerun `mentormatch match` to write it again.")
    values: dict[str, Any] = {}
    hints = _hints(kind)
    for f in _record_fields(kind):
        if f.name not in record:
            raise InputError(f"{where}: the field {f.name!r} is missing. The snapshot was "
                             "edited or damaged; rerun `mentormatch match` to write it again.")
        value = record[f.name]
        if not _fits(value, hints[f.name]):
            shown = repr(value)
            shown = shown if len(shown) <= 60 else shown[:60] + "…"
            raise InputError(f"{where}: the field {f.name!r} holds {shown}, which is not what "
                             "mentormatch writes there. The snapshot was edited or damaged; "
                             "rerun `mentormatch match` to write it again.")
        values[f.name] = tuple(value) if isinstance(value, list) else value
    return kind(**values)


def read_snapshot(source: str | Path | bytes) -> Cohort:
    """The cohort a snapshot holds (a path to ``audit/cohort.json``, or its bytes).

    Raises :class:`InputError` for a missing, damaged or foreign file.
    """
    where = SNAPSHOT_PATH.as_posix() if isinstance(source, bytes) else str(source)
    if isinstance(source, bytes):
        raw = source
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(f"{path}: missing. Run folders written before audit snapshots "
                             "existed cannot be audited alone: rerun `mentormatch match` (or "
                             "`rematch`) with the same inputs, or audit with the intake files: "
                             "`mentormatch explain MENTORS MENTEES --mentee ID`.")
        raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{where}: not valid JSON; the run folder was edited or damaged. "
                         "Rerun `mentormatch match` to write it again.") from None
    if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
        raise InputError(f"{where}: not a mentormatch cohort snapshot ({SNAPSHOT_FORMAT}). Rerun "
                         "`mentormatch match` with this version to write it again.")
    mentors = [_build(Mentor, r, f"{where}, mentor #{k + 1}")
               for k, r in enumerate(document.get("mentors", []))]
    mentees = [_build(Mentee, r, f"{where}, mentee #{k + 1}")
               for k, r in enumerate(document.get("mentees", []))]
    return Cohort(mentors=mentors, mentees=mentees,
                  sources=dict(document.get("sources", {})))


__all__ = ["snapshot_bytes", "read_snapshot"]
