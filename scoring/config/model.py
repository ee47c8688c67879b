"""The program config: TOML → :class:`ProgramConfig`, every section typed and checked once.

:func:`load_config` reads the file; :func:`config_from_dict` merges it over
:data:`~scoring.config.schema.DEFAULTS` and builds each section. Every mistake is found
here, at load time, as a :class:`ConfigError` naming the file, the key and the fix: an
unknown section or key (with the closest known one: "`[wieghts]` is not a section; did
you mean `[weights]`?"), a wrong type, a value out of range, NaN or infinity, an order
that is the wrong way round. Consumers then read typed attributes only.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring.config.checks import TableReader, is_number
from scoring.config.custom_rules import parse_custom_rules
from scoring.config.errors import ConfigError
from scoring.config.schema import (
    DEFAULTS,
    FEEDBACK_FIELDS,
    ID_FIELDS,
    MEETING_KEYS,
    MENTEE_FIELDS,
    MENTOR_FIELDS,
    OBJECTIVES,
    OPTIONAL,
    SECTIONS,
    UNSURE_POLICIES,
    known_keys,
)
from scoring.config.sections import (
    ColumnsSection,
    DefaultsSection,
    IntakeSection,
    LimitsSection,
    MeetingEntry,
    ProgramSection,
    RematchSection,
    ReportSection,
    RulesSection,
    ScheduleSection,
    ScoringSection,
    SensitiveSection,
    SolverSection,
    WeightsSection,
)
from scoring.config.suggest import unknown_key_message
from scoring.config.vocabulary import Vocabulary

#: Latest start year accepted: the year's meetings (up to month 24) must be real dates.
LAST_START_YEAR = 9000
FIRST_START_YEAR = 1900


@dataclass(frozen=True)
class ProgramConfig:
    """A checked program config: one typed attribute per section.

    ``path`` is the file it came from (None when built from a dict); :meth:`record`
    gives the merged TOML tables for the run record.
    """

    program: ProgramSection
    intake: IntakeSection
    headers: ColumnsSection
    vocabularies: dict[str, Vocabulary]
    defaults: DefaultsSection
    weights: WeightsSection
    scoring: ScoringSection
    rules: RulesSection
    sensitive: SensitiveSection
    solver: SolverSection
    rematch: RematchSection
    schedule: ScheduleSection
    report: ReportSection
    limits: LimitsSection
    path: Path | None
    _record: dict[str, Any]

    def record(self) -> dict[str, Any]:
        """The merged tables (defaults filled in) as the run record shows them (a copy)."""
        return copy.deepcopy(self._record)

    def vocabulary(self, name: str) -> Vocabulary:
        """The vocabulary called ``name`` (``areas``, ``modes`` ...); empty when not defined."""
        return self.vocabularies.get(name) or Vocabulary.empty(name)

    def vocabulary_tables(self) -> dict[str, dict[str, list[str]]]:
        """Each vocabulary as the config writes it: canonical value → synonyms (a copy)."""
        return copy.deepcopy(self._record["vocabularies"])

    def columns(self, side: str) -> dict[str, str]:
        """Header text → canonical field for ``side`` (``mentors``, ``mentees``, ``feedback``)."""
        return dict(getattr(self.headers, side))

    @property
    def sensitive_fields(self) -> tuple[str, ...]:
        return self.sensitive.fields

    @property
    def separators(self) -> tuple[str, ...]:
        return self.intake.separators


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; lists and scalars in ``override`` replace the default."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _check_names(data: dict[str, Any], where: str) -> None:
    """Every section and key of ``data`` must be known; the error names the closest one."""
    for section, table in data.items():
        if section not in SECTIONS:
            raise ConfigError(f"{where}: {unknown_key_message(section, SECTIONS, 'section')}")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: `{section}` must be a table, written [{section}] "
                              "on a line of its own with its keys below it.")
        keys = known_keys(section)
        for key, value in table.items():
            if key not in keys:
                raise ConfigError(f"{where}: {unknown_key_message(key, keys, 'key', section)}")
            # [columns.*] and [vocabularies.*] hold the program's own words as keys.
            if section in ("columns", "vocabularies") and not isinstance(value, dict):
                raise ConfigError(f"{where}: [{section}.{key}] must be a table, written "
                                  f"[{section}.{key}] on a line of its own.")


def config_from_dict(data: dict[str, Any], path: Path | None = None) -> ProgramConfig:
    """Merge ``data`` over :data:`DEFAULTS`, check it, and return a :class:`ProgramConfig`."""
    where = str(path) if path else "the config"
    _check_names(data, where)
    merged = _merge(DEFAULTS, {k: v for k, v in data.items() if k != "vocabularies"})
    # A vocabulary replaces the default wholesale: a program that lists its own career
    # stages must not inherit ours in between.
    for name, table in data.get("vocabularies", {}).items():
        merged["vocabularies"][name] = copy.deepcopy(table)
    full = _merge({s: dict(t) for s, t in OPTIONAL.items()}, merged)

    def reader(section: str) -> TableReader:
        return TableReader(where, section, full[section])

    vocabularies = _vocabularies(merged["vocabularies"], where)
    sensitive = SensitiveSection(fields=reader("sensitive").text_list("fields"))
    return ProgramConfig(
        program=_program(reader("program")),
        intake=IntakeSection(
            mentor_sheet=reader("intake").text("mentor_sheet"),
            mentee_sheet=reader("intake").text("mentee_sheet"),
            separators=reader("intake").text_list("separators", non_empty_items=True)),
        headers=_columns(merged["columns"], where),
        vocabularies=vocabularies,
        defaults=_defaults(reader("defaults")),
        weights=_weights(reader("weights")),
        scoring=ScoringSection(
            preferred_stage_gap=reader("scoring").ordered_pair("preferred_stage_gap", "[1, 3]"),
            time_zone_limit_hours=reader("scoring").number("time_zone_limit_hours"),
            goal_text_full_at=reader("scoring").number("goal_text_full_at", above=True,
                                                                maximum=1.0)),
        rules=RulesSection(
            mentor_more_senior=reader("rules").boolean("mentor_more_senior"),
            max_time_zone_gap_hours=reader("rules").number("max_time_zone_gap_hours"),
            cross_institution=reader("rules").boolean("cross_institution"),
            custom=parse_custom_rules(merged["rules"]["custom"], where, vocabularies,
                                      sensitive.fields)),
        sensitive=sensitive,
        solver=SolverSection(
            objective=reader("solver").text("objective", OBJECTIVES),
            minimum_load=reader("solver").integer("minimum_load"),
            time_limit_seconds=reader("solver").number("time_limit_seconds", above=True,
                                                       maximum=MAX_TIME_LIMIT_SECONDS),
            seed=reader("solver").integer("seed")),
        rematch=_rematch(reader("rematch")),
        schedule=_schedule(reader("schedule")),
        report=ReportSection(
            audit_fields=reader("report").text_list("audit_fields", allowed=MENTEE_FIELDS),
            min_group_size=reader("report").integer("min_group_size", minimum=3)),
        limits=_limits(reader("limits")),
        path=path,
        _record=merged,
    )


def _limits(table: TableReader) -> LimitsSection:
    return LimitsSection(**{key: table.integer(key, minimum=1) for key in OPTIONAL["limits"]})


def _program(table: TableReader) -> ProgramSection:
    return ProgramSection(name=table.text("name"), start_date=_start_date(table),
                          id_field=table.text("id_field", ID_FIELDS),
                          templates_dir=table.text("templates_dir"))


def _start_date(table: TableReader) -> dt.date | None:
    """``start_date`` as a date (a TOML date or ISO text), or None when it is empty."""
    value = table.table["start_date"]
    fix = ("is not a date. Write it as YYYY-MM-DD, e.g. start_date = 2025-09-01, or leave it "
           "empty.")
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise table.error("start_date", f"{value!r} {fix}") from None
    if not isinstance(value, dt.date):
        raise table.error("start_date", f"{value!r} {fix}")
    if not FIRST_START_YEAR <= value.year <= LAST_START_YEAR:
        raise table.error("start_date", f"{value.isoformat()} is outside the years "
                          f"{FIRST_START_YEAR}-{LAST_START_YEAR}; write the program's real "
                          "start, e.g. start_date = 2025-09-01.")
    return value


def _columns(tables: dict[str, Any], where: str) -> ColumnsSection:
    maps: dict[str, dict[str, str]] = {}
    for side, allowed in (("mentors", MENTOR_FIELDS), ("mentees", MENTEE_FIELDS),
                          ("feedback", FEEDBACK_FIELDS)):
        for header, canonical in tables[side].items():
            if canonical not in allowed:
                raise ConfigError(
                    f"{where}: [columns.{side}] maps {header!r} to {canonical!r}, which is not "
                    f"a {side.removesuffix('s')} field. Use one of: {', '.join(allowed)}.")
        maps[side] = dict(tables[side])
    return ColumnsSection(**maps)


def _vocabularies(tables: dict[str, Any], where: str) -> dict[str, Vocabulary]:
    for name, table in tables.items():
        if not isinstance(table, dict) or any(
                not isinstance(v, list) or not all(isinstance(s, str) for s in v)
                for v in table.values()):
            raise ConfigError(
                f"{where}: [vocabularies.{name}] must map each canonical value to a list of "
                f'synonyms, e.g. research = ["Research/Scholarship"].')
    return {name: Vocabulary.from_table(name, table) for name, table in tables.items()}


def _defaults(table: TableReader) -> DefaultsSection:
    capacity, max_capacity = table.integer("capacity"), table.integer("max_capacity")
    size, max_size = table.integer("network_size"), table.integer("max_network_size")
    for key, value, most in (("max_capacity", max_capacity, capacity),
                             ("max_network_size", max_size, size)):
        if value < most:
            raise table.error(key, f"is {value}, below the default "
                                   f"{key.removeprefix('max_')} {most}; raise it to {most} "
                                   "or more.")
    return DefaultsSection(capacity=capacity, max_capacity=max_capacity, network_size=size,
                           max_network_size=max_size, languages=table.text_list("languages"))


#: Largest weight: weights are relative (the score is scaled to 0-100), so a ratio beyond
#: a million says nothing more, and far larger values overflow the score arithmetic.
MAX_WEIGHT = 1_000_000.0
#: Longest solver time limit accepted: a week.
MAX_TIME_LIMIT_SECONDS = 7 * 24 * 3600.0


def _weights(table: TableReader) -> WeightsSection:
    weights = {name: table.number(name, maximum=MAX_WEIGHT) for name in DEFAULTS["weights"]}
    if sum(weights.values()) <= 0:
        raise ConfigError(f"{table.where}: [weights] must have at least one positive weight; "
                          "every weight is 0, so every pair would score the same. Give the "
                          "components that matter a weight above 0, e.g. need_coverage = 30.")
    return WeightsSection(**weights)


def _rematch(table: TableReader) -> RematchSection:
    policy = table.table["unsure_policy"]
    if policy not in UNSURE_POLICIES:
        raise table.error("unsure_policy", f'is {policy!r}; use "keep" (unsure pairs continue) '
                                           'or "rematch" (unsure pairs may be replaced).')
    return RematchSection(unsure_policy=policy,
                          disruption_penalty=table.number("disruption_penalty"),
                          jumper_cycles=table.integer("jumper_cycles", minimum=1),
                          hold_jumpers=table.boolean("hold_jumpers"),
                          rating_scale=table.ordered_pair("rating_scale", "[1, 5]"))


def _schedule(table: TableReader) -> ScheduleSection:
    hours = table.table["working_hours"]
    if not (isinstance(hours, list) and len(hours) == 2 and all(is_number(h) for h in hours)
            and 0 <= hours[0] < hours[1] <= 24):
        raise table.error("working_hours", "must be two hours [start, end] with 0 <= start < "
                                           "end <= 24, e.g. [9, 17].")
    return ScheduleSection(working_hours=(float(hours[0]), float(hours[1])),
                           check_ins=table.text("check_ins"),
                           meetings=_meetings(table, "meetings"),
                           specialist_sessions=_meetings(table, "specialist_sessions"))


def _meetings(table: TableReader, key: str) -> tuple[MeetingEntry, ...]:
    """A non-empty list of meetings, each with a month (1-24) and a title, in month order."""
    entries = table.table[key]
    example = f'[[schedule.{key}]] month = 1, title = "...", purpose = "..."'
    if not isinstance(entries, list) or not entries:
        raise table.error(key, f"must be a non-empty list of meetings, e.g. {example}.")
    meetings: list[MeetingEntry] = []
    for number, entry in enumerate(entries, start=1):
        meetings.append(_meeting(table, key, number, entry, example))
        if len(meetings) > 1 and meetings[-1].month < meetings[-2].month:
            raise table.error(key, f"must be in month order; entry {number} (month "
                                   f"{meetings[-1].month}) comes after month "
                                   f"{meetings[-2].month}.")
    return tuple(meetings)


def _meeting(table: TableReader, key: str, number: int, entry: object,
             example: str) -> MeetingEntry:
    month = entry.get("month") if isinstance(entry, dict) else None
    if not isinstance(entry, dict) or not isinstance(month, int) or isinstance(month, bool) \
            or not 1 <= month <= 24 or not entry.get("title"):
        raise table.error(key, f"entry {number} needs a month (1-24) and a title, e.g. "
                               f"{example}.")
    for name in entry:
        if name not in MEETING_KEYS:
            raise table.error(key, f"entry {number}: "
                                   f"{unknown_key_message(name, MEETING_KEYS, 'key')}")
    agenda = entry.get("agenda", [])
    if not isinstance(agenda, list) or not all(isinstance(a, str) for a in agenda):
        raise table.error(key, f"entry {number}: agenda must be a list of text, e.g. "
                               'agenda = ["Introductions", "Goals"].')
    title, purpose = entry["title"], entry.get("purpose", "")
    if not isinstance(title, str) or not isinstance(purpose, str):
        raise table.error(key, f"entry {number}: title and purpose must be text in quotes.")
    return MeetingEntry(month=month, title=title, purpose=purpose, agenda=tuple(agenda))


def load_config(path: str | Path) -> ProgramConfig:
    """Read a program config from a TOML file; raise :class:`ConfigError` with the fix."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found. Pass --config FILE, or write a "
                          f"starter config with `mentormatch init MENTORS MENTEES`.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Fix that line of the config.") \
            from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file. Save the config as UTF-8.") from None
    return config_from_dict(data, path)


__all__ = ["ConfigError", "ProgramConfig", "config_from_dict", "load_config"]
