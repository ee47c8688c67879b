"""Write a starter program config from the headers and answers of two intake files.

``mentormatch init`` calls :func:`starter_config`, which reads the form as a person would
(:mod:`scoring.intake.form_reading`): each column's field from its header *and* answers,
on both sheets alike; each question's option set from the whole column (labels with
commas survive); answers mapped onto the built-in vocabularies with the form's own labels
kept first, so plans and e-mails show them; career stages put on a known ladder, or
ordered by evidence and marked as guessed. A program whose mentors and mentees stand at
the same stages (a peer program) gets ``mentor_more_senior = false``.
:func:`render_toml` writes the result with :mod:`tomli_w` under a comment block that says
what to check, starting with what was guessed.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from scoring.config import DEFAULTS, FIELD_VOCABULARY, MULTI_VALUE_FIELDS
from scoring.config.schema import ATTRIBUTE_PREFIX, COUNT_PREFIX, IGNORE, PREFERENCE_PREFIX
from scoring.intake.cohort import SIDE_FIELDS
from scoring.intake.form_reading.columns import ColumnProfile, profiles
from scoring.intake.form_reading.detection import (
    SideReading,
    make_symmetric,
    pair_area_questions,
    read_side,
)
from scoring.intake.form_reading.institutions import institution_vocabulary
from scoring.intake.form_reading.ladders import StageOrder, mentor_share, order_stages
from scoring.intake.form_reading.stated_rules import StatedRule, rule_in_header, stated_rules
from scoring.intake.form_reading.vocabularies import seed_vocabulary, unknown_answers
from scoring.intake.spreadsheet import SheetText, read_table, sheet_names
from scoring.text import clean_cell, escape_controls, fold

#: More distinct answers than this in a vocabulary column looks like free text: not seeded.
MAX_SEEDED_VALUES = 60
#: Share of mentors who must stand at a mentee's stage or below for the program to read as
#: a peer program (mentors no more senior than mentees), which turns mentor_more_senior off.
PEER_SHARE = 0.5
#: Vocabularies init always writes (the others fall back to the defaults).
WRITTEN_VOCABULARIES = ("career_stage", "areas", "roles", "modes", "frequency", "languages",
                        "preferences", "yes_no")


@dataclass
class StarterConfig:
    """The tables of a starter config plus what ``init`` could not decide."""

    tables: dict[str, Any]
    unmapped_headers: dict[str, list[str]] = field(default_factory=dict)
    unmapped_fields: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stage_order: StageOrder | None = None
    constant_columns: dict[str, list[str]] = field(default_factory=dict)
    yes_no_preferences: dict[str, str] = field(default_factory=dict)
    peer_program: bool = False
    stated_rules: list[StatedRule] = field(default_factory=list)


def suggest_mapping(headers: Sequence[str], allowed: Sequence[str]) -> dict[str, str]:
    """Header → canonical field from the headers alone (no answers to confirm them)."""
    empty = [ColumnProfile(h, (), tuple(DEFAULTS["intake"]["separators"])) for h in headers]
    side = "mentees" if "need_areas" in allowed else "mentors"
    mapping = read_side(empty, side, allowed).mapping
    return {header: name for header, name in mapping.items() if name in allowed}


def _sheet_for(names: Sequence[str], side: str) -> str | None:
    """The sheet of a two-sided workbook holding ``side``, judged by its name."""
    word = "mentee" if side == "mentees" else "mentor"
    matches = [n for n in names if word in fold(n).replace("mentees", "mentee")
               and (side == "mentees" or "mentee" not in fold(n))]
    return matches[0] if len(matches) == 1 else None


def _read_tables(mentors_path: Path, mentees_path: Path,
                 intake: dict[str, Any]) -> dict[str, SheetText]:
    same = mentors_path.exists() and mentors_path.resolve() == mentees_path.resolve()
    if same:
        names = sheet_names(mentors_path)
        intake["mentor_sheet"] = _sheet_for(names, "mentors") or intake["mentor_sheet"]
        intake["mentee_sheet"] = _sheet_for(names, "mentees") or intake["mentee_sheet"]
    return {
        "mentors": read_table(mentors_path, intake["mentor_sheet"], required_sheet=same),
        "mentees": read_table(mentees_path, intake["mentee_sheet"], required_sheet=same),
    }


def read_tables(mentors_path: Path, mentees_path: Path,
                intake: dict[str, Any]) -> dict[str, SheetText]:
    """Both sheets as init reads them (a workbook's sheets chosen by name)."""
    return _read_tables(mentors_path, mentees_path, intake)


def _stage_counts(column: ColumnProfile | None, first: dict[str, str]) -> Counter[str]:
    """How many people gave each stage answer; spellings that fold alike count as the
    most common one (``first`` maps folded → spelling, shared by both sheets)."""
    counts: Counter[str] = Counter()
    if column is None:
        return counts
    for cell in column.filled:
        counts[first.setdefault(fold(cell), clean_cell(cell))] += 1
    return counts


def _is_peer_program(order: StageOrder, mentors: Counter[str], mentees: Counter[str]) -> bool:
    """Mentors stand at mentees' stages: most mentors are no more senior than the median
    mentee, so 'the mentor must be more senior' would leave most mentees unplaced."""
    rank = {spelling: i for i, spellings in enumerate(order.table.values())
            for spelling in spellings}
    mentee_ranks = sorted(rank[a] for a, n in mentees.items() for _ in range(n))
    mentor_ranks = [rank[a] for a, n in mentors.items() for _ in range(n)]
    if not mentee_ranks or not mentor_ranks:
        return False
    median = mentee_ranks[len(mentee_ranks) // 2]
    return sum(r <= median for r in mentor_ranks) / len(mentor_ranks) > PEER_SHARE


def starter_config(mentors_path: str | Path, mentees_path: str | Path) -> StarterConfig:
    """Read both files' headers and answers and propose a config (see module docstring)."""
    intake = copy.deepcopy(DEFAULTS["intake"])
    tables = _read_tables(Path(mentors_path), Path(mentees_path), intake)
    columns = {side: profiles(table.headers, [cells for _, cells in table.rows],
                              intake["separators"]) for side, table in tables.items()}
    other = {"mentors": "mentees", "mentees": "mentors"}
    readings = {side: read_side(columns[side], side, SIDE_FIELDS[side], columns[other[side]])
                for side in tables}
    result = StarterConfig(tables={})
    pair_area_questions(readings, columns)
    result.notes.extend(make_symmetric(readings, columns, SIDE_FIELDS))
    for side, reading in readings.items():
        result.constant_columns[side] = reading.constant
        result.yes_no_preferences.update(reading.yes_no_preferences)
    answers, stage_columns = _collect_answers(readings, columns, tables, result)
    vocabularies = {name: seed_vocabulary(name, answers.get(name, []))
                    for name in WRITTEN_VOCABULARIES}
    for name in WRITTEN_VOCABULARIES:
        unknown = unknown_answers(name, answers.get(name, []))
        if unknown:
            result.notes.append(
                f"The answers {unknown} name no {name} value mentormatch can score, so "
                f"validate will report the cells holding them. Add each as a synonym of the "
                f"closest value under [vocabularies.{name}], or map the column to \"ignore\".")
    institutions = institution_vocabulary(answers.get("institutions", []))
    if institutions:
        vocabularies["institutions"] = institutions
    rules = _stage_scale(stage_columns, vocabularies, intake, result)
    _attribute_rule_columns(readings, tables)
    mapping = {side: {h: readings[side].mapping[h] for h in tables[side].headers
                      if h in readings[side].mapping} for side in readings}  # form order
    result.stated_rules = stated_rules(mapping, {name: len(vocabularies[name])
                                                 for name in ("career_stage", "frequency")
                                                 if name in vocabularies})
    id_field = _id_field(mapping)
    result.tables = {
        "program": {**DEFAULTS["program"], "id_field": id_field},
        "intake": intake,
        "columns": mapping,
        "vocabularies": vocabularies,
        "defaults": copy.deepcopy(DEFAULTS["defaults"]),
    }
    weights = _weights(mapping)
    if weights != DEFAULTS["weights"]:
        result.tables["weights"] = weights
        result.notes.append("Score parts the form gives no answers for weigh 0 under [weights] "
                            "(" + ", ".join(k for k, w in weights.items() if not w)
                            + "); the others share the 100 points as in the defaults.")
    if rules:
        result.tables["rules"] = rules
    if result.stated_rules:
        result.tables["match_on"] = {rule.name: rule.table() for rule in result.stated_rules}
        result.notes.extend(_rule_note(rule) for rule in result.stated_rules)
    _record_unmapped(result, readings, tables, id_field)
    return result


def _attribute_name(header: str) -> str | None:
    """An ``attr:`` name for a question: its header's first word, when that can be one."""
    words = fold(header).split()
    name = words[0] if words else ""
    fields = {*SIDE_FIELDS["mentors"], *SIDE_FIELDS["mentees"]}
    return name if re.fullmatch(r"[a-z][a-z0-9]{1,30}", name) and name not in fields else None


def _attribute_rule_columns(readings: Mapping[str, SideReading],
                            tables: Mapping[str, SheetText]) -> None:
    """A question on both sheets that no field takes, whose own words state a matching
    rule ("Region (you are matched within your region)"), becomes an ``attr:`` column on
    both sides, for the rule :func:`stated_rules` then reads from it."""
    for header in tables["mentees"].headers:
        if header not in tables["mentors"].headers or \
                any(header in reading.mapping for reading in readings.values()):
            continue
        name = _attribute_name(header)
        if name is None or rule_in_header(header, ATTRIBUTE_PREFIX + name, 99) is None:
            continue
        for reading in readings.values():
            reading.mapping[header] = ATTRIBUTE_PREFIX + name
            reading.reasons[header] = "the program's own question, whose words state a rule"


def _rule_note(rule: StatedRule) -> str:
    return (f"The question {rule.header!r} says {rule.words!r}: written as "
            f"[match_on.{rule.name}] (kind = \"{rule.kind}\" on {rule.field}"
            + (f", gap = {list(rule.gap)}" if rule.gap else "") + "). Delete that table if "
            "it is only a wish; a require_* rule removes every pair that breaks it.")


#: The fields each score component reads: (mentee fields, mentor fields); the component
#: means something only when both sides have one (:mod:`scoring.scorer`).
COMPONENT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "need_coverage": (("need_areas",), ("expertise_areas",)),
    "goal_text": (("goals",), ("bio", "expertise_areas")),
    "role_fit": (("help_wanted", COUNT_PREFIX), ("roles",)),
    "stage_gap": (("career_stage",), ("career_stage",)),
    "communication": (("modes", "frequency", "languages"), ("modes", "frequency", "languages")),
    "time_zone": (("time_zone",), ("time_zone",)),
    "preferences": (("preferences", PREFERENCE_PREFIX), ()),
}


def _weights(mapping: Mapping[str, Mapping[str, str]]) -> dict[str, float]:
    """The default weights, with 0 for a component no question feeds (it would be the
    same for every pair) and the rest scaled back to 100 points."""
    def has(side: str, fields: Sequence[str]) -> bool:
        return any(t == f or (f.endswith(":") and t.startswith(f))
                   for t in mapping[side].values() for f in fields)
    defaults = dict(DEFAULTS["weights"])
    fed = {name: has("mentees", mentee) and (not mentor or has("mentors", mentor))
           for name, (mentee, mentor) in COMPONENT_FIELDS.items()}
    kept = sum(w for name, w in defaults.items() if fed.get(name, True))
    if not kept:
        return defaults
    return {name: round(w * 100 / kept, 4) if fed.get(name, True) else 0.0
            for name, w in defaults.items()}


def _collect_answers(readings: Mapping[str, SideReading],
                     columns: Mapping[str, list[ColumnProfile]], tables: Mapping[str, SheetText],
                     result: StarterConfig
                     ) -> tuple[dict[str, list[str]], dict[str, ColumnProfile | None]]:
    """The answers of every vocabulary column by vocabulary (plus institutions), and the
    career-stage column of each sheet."""
    answers: dict[str, list[str]] = {}
    stage_columns: dict[str, ColumnProfile | None] = {"mentors": None, "mentees": None}
    for side, reading in readings.items():
        by_header = {c.header: c for c in columns[side]}
        for header, name in reading.mapping.items():
            column = by_header[header]
            if name == "career_stage":
                stage_columns[side] = column
            if name == "institution":
                answers.setdefault("institutions", []).extend(column.answers)
            if name not in FIELD_VOCABULARY or name == "career_stage":
                continue
            found = column.options if name in MULTI_VALUE_FIELDS else column.answers
            if len(found) > MAX_SEEDED_VALUES:
                result.notes.append(
                    f"{tables[side].label}: column {header!r} has {len(found)} different "
                    f"answers, too many for a list of {name} values; check it is mapped right.")
                continue
            answers.setdefault(FIELD_VOCABULARY[name], []).extend(found)
    return answers, stage_columns


def stage_counts(stage_columns: Mapping[str, ColumnProfile | None]
                 ) -> tuple[Counter[str], Counter[str]]:
    """How many mentors and mentees gave each stage answer (spellings that fold alike
    count as the most common one, on both sheets); :func:`order_stages` orders them."""
    spelling: dict[str, str] = {}
    for cell, _ in Counter(c for column in stage_columns.values() if column is not None
                           for c in column.filled).most_common():
        spelling.setdefault(fold(cell), clean_cell(cell))
    return (_stage_counts(stage_columns["mentors"], spelling),
            _stage_counts(stage_columns["mentees"], spelling))


def _stage_scale(stage_columns: Mapping[str, ColumnProfile | None],
                 vocabularies: dict[str, Any], intake: dict[str, Any],
                 result: StarterConfig) -> dict[str, Any]:
    """Write the career-stage scale into ``vocabularies`` (and mark a guessed order in
    ``intake``); return the ``[rules]`` it implies."""
    mentor_counts, mentee_counts = stage_counts(stage_columns)
    if not (mentor_counts and mentee_counts):
        result.notes.append("No column looks like a career stage on both sheets, so "
                            "[rules] mentor_more_senior = false was written (it needs one).")
        return {"mentor_more_senior": False}
    order = order_stages(mentor_counts, mentee_counts)
    result.stage_order = order
    vocabularies["career_stage"] = order.table
    if order.is_guessed:
        result.notes.append(_guessed_note(order, mentor_counts, mentee_counts))
        intake["guessed_order"] = ["career_stage"]
    if not _is_peer_program(order, mentor_counts, mentee_counts):
        return {}
    result.peer_program = True
    result.notes.append(
        "Most mentors are at the same career stage as the mentees or earlier, so this "
        "reads as a peer program: [rules] mentor_more_senior = false was written. Set "
        "it to true if mentors must be more senior.")
    return {"mentor_more_senior": False}


def _id_field(mapping: dict[str, dict[str, str]]) -> str:
    """``"email"`` unless only an id column names people on both sheets; with e-mails,
    id columns are dropped: an "ID" is often the form tool's response number (1, 2, 3
    on each sheet), which would make different people one."""
    both = [set(mapping[side].values()) for side in ("mentors", "mentees")]
    if not all("email" in fields for fields in both) and all("id" in fields for fields in both):
        return "id"
    for side in mapping:
        mapping[side] = {h: IGNORE if f == "id" else f for h, f in mapping[side].items()}
    return "email"


def _guessed_note(order: StageOrder, mentors: Counter[str], mentees: Counter[str]) -> str:
    shares = ", ".join(
        f"{key} ({round(100 * mentor_share(order.table[key][0], mentors, mentees))}% mentors)"
        for key in order.guessed)
    return ("CAREER-STAGE ORDER GUESSED: no known ladder places " + shares + "; they were "
            "ordered by how many of their people are mentors. Put [vocabularies.career_stage] "
            "in seniority order (most junior first) and check mentor_more_senior.")


def _record_unmapped(result: StarterConfig, readings: Mapping[str, SideReading],
                     tables: dict[str, SheetText], id_field: str) -> None:
    unused_id = "id" if id_field == "email" else "email"
    for side, table in tables.items():
        mapping = readings[side].mapping
        result.unmapped_headers[side] = [h for h in table.headers if h not in mapping]
        result.unmapped_fields[side] = [f for f in SIDE_FIELDS[side]
                                        if f not in mapping.values() and f != unused_id]
        for required in (id_field, "name"):
            if required not in mapping.values():
                result.notes.append(f"No {side} column looks like {required!r}; add it under "
                                    f"[columns.{side}] before running validate.")
        for header, reason in readings[side].reasons.items():
            result.notes.append(f"{table.label}: {header!r} -> {mapping.get(header)}: {reason}.")


def render_toml(result: StarterConfig, sources: Sequence[str | Path]) -> str:
    """The starter config as TOML text, headed by comments saying what to check."""
    lines = [
        "# Starter program config written by `mentormatch init` from",
        *(f"#   {source}" for source in sources),
        "# Check before use:",
        "#  - [columns.*]: each header as exported -> the field it holds;",
        "#  - [vocabularies.*]: canonical value = [the form's labels first, then other",
        "#    spellings]; the first label is what plans and e-mails show;",
    ]
    order = result.stage_order
    if order is not None:
        how = f"on the {order.ladder} ladder" if order.ladder else "by evidence"
        lines.append(f"#  - [vocabularies.career_stage] is in seniority order (most junior "
                     f"first), placed {how}.")
        if order.is_guessed:
            lines.append("#    GUESSED, CHECK IT: " + ", ".join(order.guessed)
                         + " (no known ladder; ordered by how many mentors hold each).")
    if result.stated_rules:
        lines.append("#  - [match_on.*]: rules the form's own questions state (see the notes).")
    lines.append("#  - tables not written here ([solver], [schedule] ...) use the defaults.")
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
