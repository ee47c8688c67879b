"""The cohort snapshot's bytes as 0fbbe21 worked them out, person by person: each record
read into a dict, the key from ``json.dumps`` of each, every sensitive value hashed on its
own, and the document through ``json.dumps(..., indent=1)`` itself (before the snapshot was
built and encoded a column at a time). Kept only as the oracle of
tests/test_indented_json.py; never imported by the program."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from matcher.runfolder.layout import SNAPSHOT_FORMAT
from matcher.runfolder.snapshot import OPT_IN_FOR_FIELD, PSEUDONYM_DIGITS
from scoring.config import ProgramConfig
from scoring.features import folded_keys
from scoring.profiles import Cohort, Mentee, Person
from scoring.rules import institution_keys
from scoring.text import fold

_DOMAIN = b"mentormatch snapshot pseudonym key v1\n"


def _plain(person: Person) -> dict[str, Any]:
    return {f.name: getattr(person, f.name) for f in dataclasses.fields(person)
            if f.name != "extra"}


def _key(cohort: Cohort) -> bytes:
    digest = hashlib.sha256(_DOMAIN)
    for side in (cohort.mentors, cohort.mentees):
        for person in side:
            record = _plain(person) | {"extra": dict(person.extra)}
            digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False,
                                     default=str).encode("utf-8"))
            digest.update(b"\n")
    return digest.digest()


def _pseudonym(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_DIGITS]


def _comparison_keys(field_name: str, value: str, config: ProgramConfig) -> tuple[str, ...]:
    if field_name == "background":
        return folded_keys(value, config.separators)
    if field_name == "institution":
        return tuple(institution_keys([value], config))
    return (fold(value),)


def _pseudonymise(person: Person, config: ProgramConfig, key: bytes) -> dict[str, Any]:
    record = _plain(person)
    joiner = next((s for s in config.separators if not s.isalnum()), ";")
    if "languages" in config.sensitive_fields and not record["languages"]:
        record["languages"] = list(config.defaults.languages)
    for name in config.sensitive_fields:
        if name in config.sensitive.unscored:
            record[name] = None
            continue
        if name not in record or not record[name]:
            continue
        opt_in = OPT_IN_FOR_FIELD.get(name)
        if isinstance(person, Mentee) and opt_in and opt_in not in person.preferences:
            record[name] = ""
            continue
        value = record[name]
        if isinstance(value, (list, tuple)):
            record[name] = [_pseudonym(key, fold(item)) for item in value if fold(item)]
        elif isinstance(value, str):
            pieces = [k for k in _comparison_keys(name, value, config) if k]
            record[name] = joiner.join(_pseudonym(key, piece) for piece in pieces)
        else:
            record[name] = None
    return record


def snapshot_bytes(cohort: Cohort, config: ProgramConfig) -> bytes:
    key = _key(cohort)
    document = {
        "format": SNAPSHOT_FORMAT,
        "pseudonymised_fields": sorted(config.sensitive_fields),
        "sources": {name: Path(path).name for name, path in sorted(cohort.sources.items())},
        "mentors": [_pseudonymise(m, config, key) for m in cohort.mentors],
        "mentees": [_pseudonymise(m, config, key) for m in cohort.mentees],
    }
    return (json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1,
                       allow_nan=False) + "\n").encode("utf-8")
