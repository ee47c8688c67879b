"""Write a starter program config from the headers and answers of two intake files.

``mentormatch init`` calls :func:`starter_config`: each header is matched to a canonical
field by keyword hints (phrases a form question about that field tends to contain) and,
failing that, by fuzzy spelling (:mod:`difflib`); each header maps to at most one field and
each field takes at most one header, most specific match first. Vocabularies are seeded
from :data:`scoring.config.DEFAULTS` plus every distinct answer seen in a vocabulary
column, so the coordinator edits a list instead of writing one. :func:`render_toml` turns
the result into TOML with a comment block listing what could not be mapped.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from scoring.config import DEFAULTS, FIELD_VOCABULARY, MULTI_VALUE_FIELDS, Vocabulary
from scoring.intake.cohort import SIDE_FIELDS
from scoring.intake.normalise import is_blank, split_values
from scoring.intake.spreadsheet import Table, read_table, sheet_names
from scoring.text import clean_cell, escape_controls, fold

#: Fields that hold sensitive attributes (DEFAULTS ``[sensitive]``): mapped cautiously.
SENSITIVE_FIELDS = frozenset(DEFAULTS["sensitive"]["fields"])
#: Phrases (compared after :func:`scoring.text.fold`) that point a header at a field.
#: A longer phrase found in a header beats a shorter one, so "institution name" is an
#: institution, not a name. Sensitive fields only take unambiguous words.
FIELD_HINTS: dict[str, tuple[str, ...]] = {
    "id": ("id", "participant id", "member id", "employee id", "student id", "identifier",
           "record id", "program id"),
    "name": ("name", "full name", "your name", "first and last name", "preferred name"),
    "email": ("email", "e mail", "email address", "mail address", "your email"),
    "career_stage": ("career stage", "stage of career", "position", "training level",
                     "level of training", "seniority", "year of training", "academic rank",
                     "career level", "current role", "job title"),
    "specialty": ("specialty", "speciality", "department", "discipline", "field of practice",
                  "division", "field of study", "subspecialty", "disease site", "site focus",
                  "primary focus", "clinical focus", "practice area"),
    "institution": ("institution", "organization", "organisation", "affiliation",
                    "university", "hospital", "employer", "company"),
    "need_areas": ("areas", "area", "areas of need", "want help with", "guidance in",
                   "guidance on", "topics", "areas of interest", "need help", "help with",
                   "needs", "need"),
    "expertise_areas": ("expertise", "areas of expertise", "areas", "area", "can offer",
                        "guidance in", "guidance on", "topics", "can help with", "strengths"),
    "goals": ("goals", "goal", "aspirations", "objectives", "hope to gain", "hope to achieve"),
    "bio": ("bio", "biography", "about you", "about yourself", "experience", "profile",
            "short bio", "introduce yourself", "professional background"),
    "help_wanted": ("mentor coach or advisor", "mentor coach advisor", "type of support",
                    "kind of help", "type of help", "kind of support", "looking for",
                    "support wanted", "help wanted"),
    "roles": ("mentor coach or advisor", "mentor coach advisor", "roles", "role",
              "willing to serve as", "serve as", "type of support", "can offer as",
              "willing to be"),
    "capacity": ("how many mentees", "capacity", "number of mentees", "max mentees",
                 "maximum mentees", "mentees can you", "mentees could you"),
    "network_size": ("how many mentors", "network size", "number of mentors",
                     "mentors would you like", "size of network"),
    "modes": ("mode", "modes", "format", "meeting format", "how would you like to meet",
              "communication mode", "communication preference", "communication preferences",
              "mode of communication", "modes of communication", "meeting mode",
              "contact method", "how to meet", "ways to meet", "ways of meeting",
              "meeting preference"),
    "frequency": ("frequency", "how often", "meeting frequency", "meet how often",
                  "how frequently"),
    "time_zone": ("time zone", "timezone", "tz", "utc offset"),
    "languages": ("language", "languages", "spoken languages"),
    "preferences": ("preference", "preferences", "matching preferences", "prefer a mentor",
                    "would you prefer", "match preferences"),
    "exclude": ("exclude", "exclusions", "do not match", "don t match", "not be matched",
                "conflict of interest", "conflicts of interest", "avoid being matched"),
    "gender": ("gender", "gender identity"),
    "background": ("ethnicity", "race", "heritage", "first generation", "cultural background",
                   "racial background", "ethnic background"),
}
#: Sensitive fields lose this much strength, so an equally specific hint for another field
#: wins ("Professional background" is a bio, not the sensitive ``background``).
SENSITIVE_PENALTY = 5.0
#: Field names too common in other questions to count anywhere in a header: they count
#: only when the header starts with them ("Background (optional)" but not "Professional
#: background").
LEADING_ONLY_NAMES = frozenset({"background"})
#: A header must be at least this similar (difflib ratio) to a hint when no hint is found
#: inside it; high enough that "Emial" finds email but "Timestamp" finds nothing.
FUZZY_CUTOFF = 0.8
#: More distinct answers than this in a vocabulary column looks like free text: not seeded.
MAX_SEEDED_VALUES = 60


@dataclass
class StarterConfig:
    """The tables of a starter config plus what ``init`` could not decide."""

    tables: dict[str, Any]
    unmapped_headers: dict[str, list[str]] = field(default_factory=dict)
    unmapped_fields: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _match_strength(header: str, hint: str) -> float:
    """How strongly ``header`` (folded) points at ``hint`` (folded); 0 for not at all."""
    if header == hint:
        return 1000.0
    if f" {hint} " in f" {header} ":
        return 10.0 + len(hint)
    ratio = difflib.SequenceMatcher(None, header, hint).ratio()
    return ratio * 10 if ratio >= FUZZY_CUTOFF else 0.0


def suggest_mapping(headers: Sequence[str], allowed: Sequence[str]) -> dict[str, str]:
    """Header → canonical field for the headers that match one of ``allowed`` fields."""
    candidates = []
    for position, header in enumerate(headers):
        folded = fold(header)
        for name in allowed:
            own_name = fold(name)
            if name in LEADING_ONLY_NAMES and not folded.startswith(own_name):
                own_name = ""
            hints = (own_name, *FIELD_HINTS.get(name, ())) if own_name \
                else FIELD_HINTS.get(name, ())
            if not hints:
                continue
            strength = max(_match_strength(folded, fold(hint)) for hint in hints)
            if strength > 0 and name in SENSITIVE_FIELDS:
                strength -= SENSITIVE_PENALTY
            if strength > 0:
                candidates.append((-strength, position, name))
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for _, position, name in sorted(candidates):
        header = headers[position]
        if header not in mapping and name not in taken:
            mapping[header] = name
            taken.add(name)
    return {h: mapping[h] for h in headers if h in mapping}


def _seed_vocabulary(name: str, answers: Sequence[str]) -> dict[str, list[str]]:
    """DEFAULTS' table for vocabulary ``name`` plus a canonical value per new answer."""
    table = copy.deepcopy(DEFAULTS["vocabularies"].get(name, {}))
    for answer in answers:
        vocabulary = Vocabulary.from_table(name, table)
        if vocabulary.lookup(answer) is not None:
            continue
        key = fold(answer).replace(" ", "_")[:40] or "value"
        table.setdefault(key, [])
        if answer != key and answer not in table[key]:  # show it as people typed it
            table[key].append(answer)
    return table


def _distinct_answers(table: Table, column: str, multi: bool,
                      separators: Sequence[str]) -> list[str]:
    """Distinct non-blank answers of one column, in first-seen order."""
    position = table.headers.index(column)
    seen: dict[str, str] = {}
    for _, cells in table.rows:
        answers = split_values(cells[position], tuple(separators)) if multi \
            else [clean_cell(cells[position])]
        for answer in answers:
            if not is_blank(answer):
                seen.setdefault(fold(answer), answer)
    return list(seen.values())


def _sheet_for(names: Sequence[str], side: str) -> str | None:
    """The sheet of a two-sided workbook holding ``side``, judged by its name."""
    word = "mentee" if side == "mentees" else "mentor"
    matches = [n for n in names if word in fold(n).replace("mentees", "mentee")
               and (side == "mentees" or "mentee" not in fold(n))]
    return matches[0] if len(matches) == 1 else None


def starter_config(mentors_path: str | Path, mentees_path: str | Path) -> StarterConfig:
    """Read both files' headers and answers and propose a config (see module docstring)."""
    intake = copy.deepcopy(DEFAULTS["intake"])
    mentors_path, mentees_path = Path(mentors_path), Path(mentees_path)
    same = mentors_path.exists() and mentors_path.resolve() == mentees_path.resolve()
    if same:
        names = sheet_names(mentors_path)
        intake["mentor_sheet"] = _sheet_for(names, "mentors") or intake["mentor_sheet"]
        intake["mentee_sheet"] = _sheet_for(names, "mentees") or intake["mentee_sheet"]
    tables = {
        "mentors": read_table(mentors_path, intake["mentor_sheet"], required_sheet=same),
        "mentees": read_table(mentees_path, intake["mentee_sheet"], required_sheet=same),
    }
    result = StarterConfig(tables={})
    columns: dict[str, dict[str, str]] = {}
    answers: dict[str, list[str]] = {}
    for side, table in tables.items():
        mapping = suggest_mapping(table.headers, SIDE_FIELDS[side])
        columns[side] = mapping
        result.unmapped_headers[side] = [h for h in table.headers if h not in mapping]
        result.unmapped_fields[side] = [f for f in SIDE_FIELDS[side]
                                        if f not in mapping.values()]
        for header, name in mapping.items():
            if name not in FIELD_VOCABULARY:
                continue
            found = _distinct_answers(table, header, name in MULTI_VALUE_FIELDS,
                                      intake["separators"])
            if len(found) > MAX_SEEDED_VALUES:
                result.notes.append(
                    f"{table.label}: column {header!r} has {len(found)} different answers, "
                    f"too many for a list of {name} values; check it is mapped right.")
                continue
            answers.setdefault(FIELD_VOCABULARY[name], []).extend(found)
    both = [set(columns[side].values()) for side in ("mentors", "mentees")]
    id_field = "id" if all("id" in fields for fields in both) else "email"
    vocabularies = {name: _seed_vocabulary(name, answers.get(name, []))
                    for name in DEFAULTS["vocabularies"]}
    result.tables = {
        "program": {**DEFAULTS["program"], "id_field": id_field},
        "intake": intake,
        "columns": columns,
        "vocabularies": vocabularies,
        "defaults": copy.deepcopy(DEFAULTS["defaults"]),
    }
    for side in ("mentors", "mentees"):  # the unused identifier is not worth a mention
        unused_id = "id" if id_field == "email" else "email"
        result.unmapped_fields[side] = [f for f in result.unmapped_fields[side]
                                        if f != unused_id]
    for side, fields in zip(("mentors", "mentees"), both, strict=True):
        for required in (id_field, "name"):
            if required not in fields:
                result.notes.append(f"No {side} column looks like {required!r}; add it under "
                                    f"[columns.{side}] before running validate.")
    return result


def render_toml(result: StarterConfig, sources: Sequence[str | Path]) -> str:
    """The starter config as TOML text, headed by comments saying what to check."""
    lines = [
        "# Starter program config written by `mentormatch init` from",
        *(f"#   {source}" for source in sources),
        "# Check before use:",
        "#  - [columns.*]: each header as exported -> the field it holds;",
        "#  - [vocabularies.*]: canonical value = [synonyms as people typed them]; merge",
        "#    values that mean the same, and put career_stage and frequency in scale order",
        "#    (first = most junior / most often);",
        "#  - tables not written here ([weights], [rules], [solver] ...) use the defaults.",
    ]
    for side in ("mentors", "mentees"):
        if result.unmapped_headers.get(side):
            lines.append(f"# Headers of the {side} file not mapped (kept as extra columns):")
            lines.extend(f"#   {h}" for h in result.unmapped_headers[side])
        if result.unmapped_fields.get(side):
            lines.append(f"# {side.capitalize()} fields no header mapped to: "
                         + ", ".join(result.unmapped_fields[side]))
    lines.extend(f"# NOTE: {note}" for note in result.notes)
    # File names and headers are the user's: a line break or control character in one must
    # neither end its comment (injecting TOML) nor make the file unreadable.
    return "\n".join(map(escape_controls, lines)) + "\n\n" + tomli_w.dumps(result.tables)
