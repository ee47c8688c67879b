"""Read a coordinator's intake files into a :class:`~scoring.profiles.Cohort`.

``read_cohort(mentors_path, mentees_path, config)`` accepts a CSV or XLSX file per side,
or the same workbook twice with one sheet per side (``[intake] mentor_sheet`` /
``mentee_sheet``). Files that cannot be read at all raise
:class:`~scoring.errors.IntakeError`; everything wrong inside a file becomes a
:class:`~scoring.profiles.Problem` in ``Cohort.problems``, so one run lists them all.

Headers are mapped through ``[columns.mentors]`` / ``[columns.mentees]`` (compared after
folding case, accents, punctuation and spaces); a header that spells a canonical field
name (``email``, ``career stage``) maps to it without config. Other columns are kept in
``Person.extra``. Several headers may map to one field: free text is joined, multi-select
answers are merged, and single values take the first non-blank cell.

Which rows come back: a row with errors is still returned, with each bad value left at
its default, so every problem is reported and callers can show the row; rows without an
id and later rows repeating an id are left out. Blank rows are skipped silently. An
unknown answer is reported once per cell, and at most :data:`UNKNOWN_ANSWERS_SHOWN` of a
cell one by one (one more error counts the rest), so a pasted list of thousands of
answers gives a readable report.
``match`` refuses to run while ``Cohort.errors`` is non-empty.

A sheet is read column by column: a field's reading is a pure function of its cells, so it
is done once per distinct combination of them (a 10,000-row sheet holds a few dozen career
stages, modes or time zones), and each row's record is put together from its fields'
readings, its problems in the order a row-by-row reading would find them.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from scoring.config import (
    FIELD_VOCABULARY,
    MENTEE_FIELDS,
    MENTOR_FIELDS,
    MULTI_VALUE_FIELDS,
    ProgramConfig,
    Vocabulary,
)
from scoring.config.schema import ATTRIBUTE_PREFIX, COUNT_PREFIX, IGNORE, PREFERENCE_PREFIX
from scoring.config.sections import DefaultsSection
from scoring.errors import IntakeError, InvalidCohortError
from scoring.intake.normalise import (
    Issue,
    RememberedVocabulary,
    clean_text,
    is_blank,
    looks_like_email,
    lookup_values,
    means_nobody,
    normalise_email,
    normalise_id,
    parse_count,
    parse_time_zone,
    reference_date,
    split_values,
    unknown_value_issue,
)
from scoring.intake.spreadsheet import SheetText, is_workbook, read_table
from scoring.intake.validation import drop_duplicate_ids, resolve_exclusions
from scoring.problem_groups import group_problems
from scoring.profiles import Cohort, Mentee, Mentor, Problem
from scoring.text import clean_cell, fold, quote

#: Canonical fields per side.
SIDE_FIELDS: dict[str, tuple[str, ...]] = {"mentors": MENTOR_FIELDS, "mentees": MENTEE_FIELDS}
#: Free-text fields: several mapped columns are joined with line breaks.
TEXT_FIELDS = frozenset({"goals", "bio"})
#: Plain single-value text fields, kept as written (trimmed).
PLAIN_FIELDS = frozenset({"specialty", "gender", "background"})
#: How alike a header must be to a missing field's name to be suggested for it
#: (:class:`difflib.SequenceMatcher` ratio); below it the suggestion would mislead.
SUGGESTION_CUTOFF = 0.6
#: Unknown answers reported one by one per multi-select cell; the rest are counted in one
#: more error (a cell with more is usually a wrong column or a wrong separator, and a
#: message per answer would bury everything else).
UNKNOWN_ANSWERS_SHOWN = 10


def map_headers(headers: Sequence[str], columns: dict[str, str],
                allowed: Sequence[str]) -> dict[int, str]:
    """Column position → canonical field, for the headers the config (or a canonical
    field's own name) accounts for. Headers are compared with :func:`scoring.text.fold`."""
    configured = {fold(header): canonical for header, canonical in columns.items()}
    mapping = {i: configured[fold(h)] for i, h in enumerate(headers) if fold(h) in configured}
    own_names = {fold(name): name for name in allowed}
    for i, header in enumerate(headers):
        implicit = own_names.get(fold(header))
        if i not in mapping and implicit and implicit not in mapping.values():
            mapping[i] = implicit
    # "ignore" blocks the implicit mapping above; the column stays with the person's extras.
    return {i: target for i, target in mapping.items() if target != IGNORE}


def required_fields(config: ProgramConfig) -> tuple[str, ...]:
    """Fields every intake file must have a column for: the id field and ``name``."""
    return (config.program.id_field, "name")


def read_cohort(mentors_path: str | Path, mentees_path: str | Path,
                config: ProgramConfig) -> Cohort:
    """Read, normalise and cross-check both sides; see the module docstring."""
    mentor_table, mentee_table = _read_tables(Path(mentors_path), Path(mentees_path), config)
    on = reference_date(config.program.start_date)
    mentors, mentor_problems, mentor_excl = _read_side(mentor_table, "mentors", config, on)
    mentees, mentee_problems, mentee_excl = _read_side(mentee_table, "mentees", config, on)
    id_column = {side: _first_header(table, config, side)
                 for side, table in (("mentors", mentor_table), ("mentees", mentee_table))}
    mentors, mentor_dupes = drop_duplicate_ids(mentors, mentor_table.label, id_column["mentors"],
                                               _id_cells(mentor_table, id_column["mentors"]))
    mentees, mentee_dupes = drop_duplicate_ids(mentees, mentee_table.label, id_column["mentees"],
                                               _id_cells(mentee_table, id_column["mentees"]))
    mentors, mentees, exclusion_problems = resolve_exclusions(
        mentors, mentees, files={"mentors": mentor_table.label, "mentees": mentee_table.label},
        exclude_columns={"mentors": mentor_excl, "mentees": mentee_excl})
    problems = [*mentor_table.notes, *mentee_table.notes,
                *_by_row(mentor_problems + mentor_dupes),
                *_by_row(mentee_problems + mentee_dupes), *_by_row(exclusion_problems)]
    columns = {side: {table.headers[i]: target for i, target in sorted(
        side_mapping(table.headers, config, side).items())}
        for side, table in (("mentors", mentor_table), ("mentees", mentee_table))}
    return Cohort(mentors=mentors, mentees=mentees, problems=problems,
                  sources={"mentors": str(mentors_path), "mentees": str(mentees_path)},
                  columns=columns)


def read_valid_cohort(mentors_path: str | Path, mentees_path: str | Path,
                      config: ProgramConfig, *, action: str = "matched") -> Cohort:
    """:func:`read_cohort`, refusing a cohort with errors (warnings are fine).

    Raises :class:`~scoring.errors.InvalidCohortError` listing the first errors and
    pointing to ``mentormatch validate``; ``action`` says what was not done ("matched").
    """
    cohort = read_cohort(mentors_path, mentees_path, config)
    if cohort.errors:
        grouped = group_problems(cohort.errors)
        shown = "\n".join(f"  {problem}" for problem in grouped[:10])
        more = len(grouped) - 10
        raise InvalidCohortError(
            f"The intake files have {len(cohort.errors)} error(s); nothing was {action} or "
            f"written. Fix them (all are listed by `mentormatch validate {mentors_path} "
            f"{mentees_path}`):\n{shown}" + (f"\n  ... and {more} more." if more > 0 else ""),
            cohort.errors)
    return cohort


def _by_row(problems: list[Problem]) -> list[Problem]:
    """Problems in spreadsheet order (file-level ones first); stable within a row."""
    return sorted(problems, key=lambda p: -1 if p.row is None else p.row)


def _read_tables(mentors_path: Path, mentees_path: Path,
                 config: ProgramConfig) -> tuple[SheetText, SheetText]:
    intake = config.intake
    same_file = mentors_path.exists() and mentees_path.exists() \
        and mentors_path.resolve() == mentees_path.resolve()
    if same_file and not is_workbook(mentors_path):
        raise IntakeError(f"{mentors_path}: the same file was given for mentors and mentees. "
                          "Pass two files, or one .xlsx workbook with a sheet per side.")
    mentors = read_table(mentors_path, intake.mentor_sheet, required_sheet=same_file,
                         limits=config.limits)
    mentees = read_table(mentees_path, intake.mentee_sheet, required_sheet=same_file,
                         limits=config.limits)
    return mentors, mentees


def _first_header(table: SheetText, config: ProgramConfig, side: str) -> str | None:
    """Header text of the column holding the id field (for problems about ids)."""
    id_field = config.program.id_field
    mapping = map_headers(table.headers, config.columns(side), SIDE_FIELDS[side])
    return next((table.headers[i] for i, f in sorted(mapping.items()) if f == id_field), None)


def _id_cells(table: SheetText, header: str | None) -> dict[int, str]:
    """Row number → the id cell as written (a duplicate id's message shows both spellings)."""
    if header is None:
        return {}
    column = table.headers.index(header)
    return {number: cells[column].strip() for number, cells in table.rows}


def closest_header(name: str, headers: Sequence[str]) -> str | None:
    """The header most like field ``name``, or None when none is at least
    :data:`SUGGESTION_CUTOFF` alike.

    A header is compared whole, without spaces, and word by word (also two words run
    together), so ``E-mail adress`` is close to ``email`` and ``Your full name`` to
    ``name``, while ``Areas`` is not close to ``name``.
    """
    wanted = fold(name.replace("_", " "))
    best, best_score = None, SUGGESTION_CUTOFF
    for header in headers:
        words = fold(header).split()
        pairs = ["".join(words[i:i + 2]) for i in range(len(words) - 1)]
        for candidate in {" ".join(words), "".join(words), *words, *pairs}:
            score = difflib.SequenceMatcher(None, wanted, candidate).ratio()
            if score > best_score or (score == best_score and best is None):
                best, best_score = header, score
    return best


def _missing_column_problem(table: SheetText, side: str, missing: str) -> Problem:
    """An error naming the missing field, the headers found and, if one is alike, the
    closest header."""
    found = ", ".join(quote(h) for h in table.headers)
    close = closest_header(missing, table.headers)
    hint = f" The closest header is {quote(close)}." if close else ""
    example = clean_cell(close)[:80] if close else "Your header"
    return Problem("error", table.label, None, None, None,
                   f"No column for the {side[:-1]}s' {missing!r}; headers found: {found}.{hint}",
                   f'Map it under [columns.{side}] in the config (e.g. "{example}" = '
                   f'"{missing}"), or rename the header.')


@dataclass(frozen=True)
class _Settings:
    """What reading a row needs from the config, built once per file (vocabularies are
    costly to build, and a big cohort has tens of thousands of cells to look up)."""

    config: ProgramConfig
    on: Any  # the reference date for time-zone offsets
    vocabularies: dict[str, Vocabulary]
    defaults: DefaultsSection
    id_field: str
    # Answers repeat across thousands of rows; parsing each distinct cell once per file
    # makes reading a 10,000-row sheet several times faster.
    memo: dict[tuple[str, str], Any] = field(default_factory=dict)
    remembered: dict[str, RememberedVocabulary] = field(default_factory=dict)

    @classmethod
    def of(cls, config: ProgramConfig, on: Any) -> _Settings:
        return cls(config=config, on=on, vocabularies=config.vocabularies,
                   defaults=config.defaults, id_field=config.program.id_field)

    def vocabulary(self, name: str) -> Vocabulary:
        """The config's vocabulary ``name`` (empty when not defined), its lookups remembered
        for this reading (:class:`~scoring.intake.normalise.RememberedVocabulary`)."""
        if name not in self.remembered:
            self.remembered[name] = RememberedVocabulary.of(
                self.vocabularies.get(name) or Vocabulary.empty(name))
        return self.remembered[name]

    def values(self, vocabulary: str, cell: str) -> tuple[tuple[str, ...], list[str]]:
        """:func:`lookup_values` of a multi-select cell, parsed once per distinct text."""
        key = (vocabulary, cell)
        if key not in self.memo:
            self.memo[key] = lookup_values(cell, self.vocabulary(vocabulary),
                                           self.config.separators)
        return self.memo[key]

    def time_zone(self, text: str) -> tuple[float | None, list[Issue]]:
        """:func:`parse_time_zone` at the reference date, parsed once per distinct text."""
        key = ("time_zone", text)
        if key not in self.memo:
            self.memo[key] = parse_time_zone(text, self.on)
        return self.memo[key]


@dataclass(slots=True)
class _Row:
    """One spreadsheet row being read: its cells by field, and problems found so far."""

    label: str
    number: int
    cells: dict[str, list[tuple[str, str]]]
    problems: list[Problem] = field(default_factory=list)

    def report(self, issue: Issue, column: str | None, value: str | None) -> None:
        self.problems.append(Problem(issue.severity, self.label, self.number, column, value,
                                     issue.message, issue.fix))

    def first(self, name: str) -> tuple[str | None, str]:
        """(header, text) of the first non-blank cell mapped to ``name``."""
        for header, text in self.cells.get(name, []):
            if not is_blank(text):
                return header, text
        columns = self.cells.get(name, [])
        return (columns[0][0] if columns else None), ""


def side_mapping(headers: Sequence[str], config: ProgramConfig, side: str) -> dict[int, str]:
    """:func:`map_headers` for one intake side, without the counts ``[defaults]
    for_everyone`` fixes (their columns are kept as extras, not read)."""
    fixed = set(config.defaults.for_everyone)
    mapping = map_headers(headers, config.columns(side), SIDE_FIELDS[side])
    return {i: target for i, target in mapping.items()
            if target not in fixed
            and not (target.startswith(COUNT_PREFIX) and "network_size" in fixed)}


def _read_side(table: SheetText, side: str, config: ProgramConfig,
               on: Any) -> tuple[list[Any], list[Problem], str | None]:
    """Records and problems for one side, plus the exclusion column's header.

    Column by column: each field's cells are read once per distinct answer (a sheet of
    10,000 rows holds a few dozen distinct career stages, modes or time zones), then each
    row's record is put together from the fields' readings. Problems come out row by row,
    in the order the row's fields are read (see :class:`_FieldRead`).
    """
    mapping = side_mapping(table.headers, config, side)
    mapped = set(mapping.values())
    missing = [f for f in required_fields(config) if f not in mapped]
    if missing:
        return [], [_missing_column_problem(table, side, f) for f in missing], None
    problems: list[Problem] = []
    if side == "mentors" and "capacity" not in mapped \
            and "capacity" not in config.defaults.for_everyone:
        default = config.defaults.capacity
        problems.append(Problem("warning", table.label, None, None, None,
                                f"No capacity column; every mentor gets the default capacity "
                                f"{default}.", "Map the capacity question under "
                                "[columns.mentors] if the form asked it."))
    exclude_column = next((table.headers[i] for i, f in sorted(mapping.items())
                           if f == "exclude"), None)
    if not table.rows:
        return [], problems, exclude_column
    settings = _Settings.of(config, on)
    columns: list[tuple[str, ...]] = list(zip(*(cells for _, cells in table.rows), strict=True))
    positions: dict[str, list[int]] = {}  # field → its columns, fields in sheet order
    for i in sorted(mapping):
        positions.setdefault(mapping[i], []).append(i)

    def reads(name: str, read: Callable[[_Row], dict[str, Any]]) -> list[_FieldRead]:
        return _column_reads(table, name, positions[name], columns, read)

    ids = reads(settings.id_field, lambda row: _read_id(row, settings))
    names = reads("name", _read_name)
    fields = [(name, reads(name, partial(_read_any_field, name=name, side=side,
                                         settings=settings)),
               name in _MERGED_FIELDS or ":" in name)
              for name in positions if name not in ("id", "name")]
    extras = _extras(table.headers, columns, mapping)
    people = _records(table, side, settings, ids, names, fields, extras, problems)
    return people, problems, exclude_column


def _records(table: SheetText, side: str, settings: _Settings, ids: list[_FieldRead],
             names: list[_FieldRead], fields: list[tuple[str, list[_FieldRead], bool]],
             extras: list[dict[str, str]], problems: list[Problem]) -> list[Any]:
    """One record per row with an id, from the fields' readings (``fields``: name,
    readings, whether they merge); each row's problems are appended to ``problems``."""
    people: list[Any] = []
    defaults = settings.defaults
    for r, (number, _) in enumerate(table.rows):
        if ids[r].problems:  # no id: the row's only problem
            problems.extend(ids[r].at(number))
            continue
        values: dict[str, Any] = {**ids[r].values, "source_row": number, "extra": extras[r]}
        if names[r].problems:
            problems.extend(names[r].at(number))
        values["name"] = names[r].values["name"] or values["id"]
        for _, column, merged in fields:
            read = column[r]
            if merged:
                _merge(values, read.values)
            else:
                values.update(read.values)
            if read.problems:
                problems.extend(read.at(number))
        issue = _apply_counts(values, defaults)
        if issue is not None:
            problems.append(Problem(issue.severity, table.label, number, None, None,
                                    issue.message, issue.fix))
        values.setdefault("languages", defaults.languages)
        if side == "mentors":
            values.setdefault("capacity", defaults.capacity)
            people.append(Mentor(**values))
        else:
            people.append(Mentee(**values))
    return people


@dataclass(slots=True)
class _FieldRead:
    """What one field's cells on one row give: the values they set in the record and the
    problems found (row number 0 until :meth:`at` gives the row's). Rows with the same
    cells share one reading."""

    values: dict[str, Any]
    problems: tuple[Problem, ...]

    def at(self, number: int) -> list[Problem]:
        """The problems on spreadsheet row ``number``."""
        return [dataclasses.replace(problem, row=number) for problem in self.problems]


#: Record keys that several fields may set on one row: a ``pref:`` column adds to the
#: ``preferences`` a preferences column gives, ``attr:`` and ``count:`` columns each add
#: one entry to a dict. Their readings are merged into the record, not assigned.
_MERGED_FIELDS = frozenset({"preferences"})


def _merge(values: dict[str, Any], reading: dict[str, Any]) -> None:
    """Put one field's reading into a row's record: dicts updated, answers of several
    columns joined in order without repeats, anything else assigned."""
    for key, value in reading.items():
        if isinstance(value, dict):
            values.setdefault(key, {}).update(value)
        elif key in values and key in MULTI_VALUE_FIELDS:
            values[key] = tuple(dict.fromkeys((*values[key], *value)))
        else:
            values[key] = value


def _column_reads(table: SheetText, name: str, positions: list[int],
                  columns: list[tuple[str, ...]],
                  read: Callable[[_Row], dict[str, Any]]) -> list[_FieldRead]:
    """Field ``name`` (columns ``positions``) read on every row: ``read`` runs once per
    distinct combination of cells, on a row holding only this field's cells."""
    headers = [table.headers[i] for i in positions]
    keys: Sequence[Any] = columns[positions[0]] if len(positions) == 1 \
        else list(zip(*(columns[i] for i in positions), strict=True))
    single = headers[0] if len(positions) == 1 else None
    seen: dict[Any, _FieldRead] = {}
    label = table.label

    def reading(key: Any) -> _FieldRead:
        cells = [(single, key)] if single is not None else \
            list(zip(headers, key, strict=True))
        row = _Row(label, 0, {name: cells})
        found = seen[key] = _FieldRead(read(row), tuple(row.problems))
        return found
    return [seen[key] if key in seen else reading(key) for key in keys]


def _extras(headers: list[str], columns: list[tuple[str, ...]],
            mapping: dict[int, str]) -> list[dict[str, str]]:
    """Each row's unmapped columns, header → cleaned text (a repeated header: the last)."""
    unmapped = [i for i in range(len(headers)) if i not in mapping]
    cleaned = []
    for i in unmapped:
        seen: dict[str, str] = {}
        cleaned.append([seen[t] if t in seen else seen.setdefault(t, clean_text(t))
                        for t in columns[i]])
    names = [headers[i] for i in unmapped]
    if not names:
        return [{} for _ in columns[0]]
    return [dict(zip(names, texts, strict=True)) for texts in zip(*cleaned, strict=True)]


def _read_id(row: _Row, settings: _Settings) -> dict[str, Any]:
    """``{"id": ...}``, or nothing and an error when the row has no id."""
    id_field = settings.id_field
    header, raw_id = row.first(id_field)
    ident = normalise_email(raw_id) if id_field == "email" else normalise_id(raw_id)
    if not ident:
        row.report(Issue("error", f"The row has no {id_field}, so the person cannot be "
                         "matched or referred to.", f"Fill in the {header!r} cell or delete "
                         "the row."), header, raw_id)
        return {}
    return {"id": ident}


def _read_name(row: _Row) -> dict[str, Any]:
    """``{"name": ...}``: every mapped column, in header order (first name + last name);
    ``""`` with a warning when all are blank (the record shows the id instead)."""
    name_header, name = row.first("name")
    joined = " ".join(filter(None, (clean_cell(t) for _, t in row.cells["name"]
                                    if not is_blank(t))))
    if not joined:
        row.report(Issue("warning", "No name given; the id is shown instead.",
                         "Fill in the name."), name_header, name)
    return {"name": joined}


def _read_any_field(row: _Row, *, name: str, side: str,
                    settings: _Settings) -> dict[str, Any]:
    """The values field ``name`` sets on ``row`` (a record of this field alone)."""
    values: dict[str, Any] = {}
    if ":" in name:
        _read_prefixed(row, name, settings, values)
    else:
        _read_field(row, name, side, settings, values)
    return values


def _read_field(row: _Row, name: str, side: str, settings: _Settings,
                values: dict[str, Any]) -> None:
    """Normalise field ``name`` of ``row`` into ``values``, reporting what is wrong."""
    header, text = row.first(name)
    if name == "email":
        values["email"] = _read_email(row)
    elif name == "exclude":
        ids = [normalise_id(entry) for h, t in row.cells[name]
               for entry in split_values(t, settings.config.separators)]
        values["exclude"] = tuple(dict.fromkeys(i for i in ids if i and not means_nobody(i)))
    elif name in MULTI_VALUE_FIELDS:
        _read_multi_value(row, name, settings, values)
    elif name in FIELD_VOCABULARY:  # single-value scale: career_stage, frequency
        if text and not is_blank(text):
            values[name] = _read_scale(row, name, settings)
    elif name == "institution":
        institution = settings.vocabulary("institutions").lookup(text) if text else None
        values[name] = institution or clean_text(text)
    elif name in TEXT_FIELDS:
        values[name] = "\n".join(filter(None, (clean_text(t) for _, t in row.cells[name])))
    elif name == "time_zone":
        offset, issues = settings.time_zone(text)
        for issue in issues:
            row.report(issue, header, text)
        values[name] = offset
    elif name in COUNT_FIELDS.get(side, ()):
        values[name] = _read_count(row, name, settings.defaults)
    elif name in PLAIN_FIELDS:
        values[name] = clean_text(text)


def _read_prefixed(row: _Row, target: str, settings: _Settings,
                   values: dict[str, Any]) -> None:
    """A ``pref:``, ``attr:`` or ``count:`` column (see :mod:`scoring.config.matching`)."""
    prefix, _, name = target.partition(":")
    header, text = row.first(target)
    if prefix + ":" == ATTRIBUTE_PREFIX:
        if text and not is_blank(text):
            values.setdefault("attributes", {})[name] = _attribute(row, name, header, text,
                                                                   settings)
    elif prefix + ":" == PREFERENCE_PREFIX:
        answer = _yes_no(row, target, settings)
        if answer:
            preferences = values.get("preferences", ())
            values["preferences"] = (*preferences, name) if name not in preferences \
                else preferences
    elif prefix + ":" == COUNT_PREFIX:
        count, issues = parse_count(text, default=0, maximum=settings.defaults.max_network_size,
                                    what=f"number of {name}s", warn_blank=False)
        for issue in issues:
            row.report(issue, header, text)
        values.setdefault("_counts", {})[name] = count


def _attribute(row: _Row, name: str, header: str | None, text: str,
               settings: _Settings) -> str:
    """An ``attr:`` answer: its canonical value when ``[vocabularies.NAME]`` lists the
    values (an unknown one is an error), else the answer as written."""
    vocabulary = settings.vocabularies.get(name)
    if vocabulary is None:
        return clean_cell(text)
    canonical = vocabulary.lookup(text)
    if canonical is None:
        row.report(unknown_value_issue(clean_cell(text), vocabulary), header, text)
        return ""
    return canonical


def _yes_no(row: _Row, target: str, settings: _Settings) -> bool:
    """Whether any column mapped to ``target`` answers yes; an unknown answer is an error."""
    vocabulary = settings.vocabulary("yes_no")
    said_yes = False
    for header, text in row.cells[target]:
        if is_blank(text):
            continue
        answer = vocabulary.lookup(text) or _yes_no_prefix(text, vocabulary)
        if answer is None:
            row.report(unknown_value_issue(clean_cell(text), vocabulary), header, text)
        said_yes = said_yes or answer == "yes"
    return said_yes


def _yes_no_prefix(text: str, vocabulary: Vocabulary) -> str | None:
    """"Yes, please" / "No preference": the first word decides when it is yes or no."""
    words = fold(text).split()
    return vocabulary.lookup(words[0]) if words else None


def _apply_counts(values: dict[str, Any], defaults: DefaultsSection) -> Issue | None:
    """Per-kind counts (``count:ROLE`` columns) → help wanted and the network size; a
    warning when they add up to more than the program's maximum."""
    counts: dict[str, int] = values.pop("_counts", {})
    if not counts:
        return None
    wanted = tuple(role for role, count in counts.items() if count > 0)
    total = sum(counts.values())
    if not wanted:
        return None  # every count blank or 0: the defaults (one mentor) apply
    values["help_wanted"] = wanted
    values["network_size"] = min(total, defaults.max_network_size)
    if total > defaults.max_network_size:
        return Issue("warning", f"The mentor counts add up to {total}, above the program "
                     f"maximum; the network size is capped at {defaults.max_network_size}.",
                     "Raise [defaults] max_network_size if this mentee really needs more.")
    return None


#: Whole-number fields per side: capacity (mentors), network size (mentees).
COUNT_FIELDS: dict[str, tuple[str, ...]] = {"mentors": ("capacity",),
                                            "mentees": ("network_size",)}


def _read_multi_value(row: _Row, name: str, settings: _Settings,
                      values: dict[str, Any]) -> None:
    """A multi-select field: canonical answers of every column mapped to it, in order."""
    vocabulary = settings.vocabulary(FIELD_VOCABULARY[name])
    found: list[str] = []
    for column, cell in row.cells[name]:
        canonical, unknown = settings.values(vocabulary.name, cell)
        found.extend(v for v in canonical if v not in found)
        for answer in unknown[:UNKNOWN_ANSWERS_SHOWN]:
            row.report(unknown_value_issue(answer, vocabulary), column, cell)
        if len(unknown) > UNKNOWN_ANSWERS_SHOWN:
            more = len(unknown) - UNKNOWN_ANSWERS_SHOWN
            row.report(Issue("error", f"... and {more} more answers in this cell that are "
                             f"not known {vocabulary.name} values.",
                             "Check that the column holds this question's answers and that "
                             "they are separated by one of [intake] separators."),
                       column, cell)
    if found:  # merged with what other columns gave (a yes/no preference question)
        values[name] = tuple(dict.fromkeys((*values.get(name, ()), *found)))
    elif name == "languages":
        values[name] = settings.defaults.languages


def _read_email(row: _Row) -> str:
    header, text = row.first("email")
    email = normalise_email(text)
    if email and not looks_like_email(email):
        row.report(Issue("warning", "This does not look like an email address.",
                         "Correct the cell."), header, text)
    return email


def _read_scale(row: _Row, name: str, settings: _Settings) -> str | None:
    """A single-value answer on a scale (career stage, frequency); None when unknown."""
    header, text = row.first(name)
    vocabulary = settings.vocabulary(FIELD_VOCABULARY[name])
    canonical = vocabulary.lookup(text)
    if canonical is None:
        row.report(unknown_value_issue(clean_cell(text), vocabulary), header, text)
    return canonical


def _read_count(row: _Row, name: str, defaults: DefaultsSection) -> int:
    """A mentor's capacity or a mentee's network size, within the program's limits."""
    header, text = row.first(name)
    if name == "capacity":
        count, issues = parse_count(text, default=defaults.capacity,
                                    maximum=defaults.max_capacity, what="capacity")
        if count == 0 and not issues:
            issues = [Issue("warning", "Capacity 0: this mentor will not be given mentees.",
                            "Leave it if they are taking a break this cycle.")]
    else:
        count, issues = parse_count(text, default=defaults.network_size,
                                    maximum=defaults.max_network_size, what="network size",
                                    warn_blank=False, minimum=1)
    for issue in issues:
        row.report(issue, header, text)
    return count
