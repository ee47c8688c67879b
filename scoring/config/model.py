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
import dataclasses
import datetime as dt
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scoring.config.checks import TableReader, is_number
from scoring.config.custom_rules import BUILTIN_RULES, parse_custom_rules
from scoring.config.errors import ConfigError
from scoring.config.matching import (
    ColumnTarget,
    MatchOn,
    attributes,
    parse_match_on,
    parse_targets,
)
from scoring.config.schema import (
    DEFAULTS,
    FEEDBACK_FIELDS,
    ID_FIELDS,
    MEETING_KEYS,
    MENTEE_FIELDS,
    NAMED_TABLE_SECTIONS,
    OBJECTIVES,
    OPTIONAL,
    PREFERENCES,
    SECTIONS,
    UNSURE_POLICIES,
    known_keys,
)
from scoring.config.sections import (
    SENSITIVE_CAPABLE_FIELDS,
    ColumnsSection,
    ComputeSection,
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
from scoring.config.suggest import closest, unknown_key_message
from scoring.config.vocabulary import Vocabulary

#: Latest start year accepted: the year's meetings (up to month 24) must be real dates.
LAST_START_YEAR = 9000
FIRST_START_YEAR = 1900
#: One e-mail address (the same test as the intake's id check).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    match_on: tuple[MatchOn, ...] = ()
    compute: ComputeSection = ComputeSection()

    def record(self) -> dict[str, Any]:
        """The merged tables (defaults filled in) as the run record shows them (a copy)."""
        return copy.deepcopy(self._record)

    def with_start_date(self, start: dt.date) -> ProgramConfig:
        """This config for a cycle that starts on ``start`` (a rematch's next year); the
        run record shows the new date."""
        record = self.record()
        record["program"]["start_date"] = start.isoformat()
        return dataclasses.replace(
            self, program=dataclasses.replace(self.program, start_date=start), _record=record)

    def vocabulary(self, name: str) -> Vocabulary:
        """The vocabulary called ``name`` (``areas``, ``modes`` ...); empty when not defined."""
        return self.vocabularies.get(name) or Vocabulary.empty(name)

    def vocabulary_tables(self) -> dict[str, dict[str, list[str]]]:
        """Each vocabulary as the config writes it: canonical value → synonyms (a copy)."""
        return copy.deepcopy(self._record["vocabularies"])

    def columns(self, side: str) -> dict[str, str]:
        """Header text → canonical field for ``side`` (``mentors``, ``mentees``, ``feedback``)."""
        return dict(getattr(self.headers, side))

    def column_targets(self, side: str) -> dict[str, ColumnTarget]:
        """Header text → parsed target (field, ignore, pref:, attr:, count:) for ``side``."""
        return parse_targets(self.columns(side), side, str(self.path or "the config"))

    @property
    def rewards(self) -> tuple[MatchOn, ...]:
        """The ``[match_on]`` tables that are score components, in config order."""
        return tuple(m for m in self.match_on if not m.is_rule)

    @property
    def match_rules(self) -> tuple[MatchOn, ...]:
        """The ``[match_on]`` tables that are hard rules, in config order."""
        return tuple(m for m in self.match_on if m.is_rule)

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


def _attribute_names(data: dict[str, Any]) -> tuple[str, ...]:
    """The ``attr:`` names the columns define (their vocabularies are allowed)."""
    columns = data.get("columns")
    tables = [columns.get(side) for side in ("mentors", "mentees")] \
        if isinstance(columns, dict) else []
    names = [target[len("attr:"):] for table in tables if isinstance(table, dict)
             for target in table.values()
             if isinstance(target, str) and target.startswith("attr:")]
    return tuple(dict.fromkeys(names))


def _check_names(data: dict[str, Any], where: str) -> None:
    """Every section and key of ``data`` must be known; the error names the closest one."""
    attribute_vocabularies = _attribute_names(data)
    for section, table in data.items():
        if section not in SECTIONS:
            raise ConfigError(f"{where}: {unknown_key_message(section, SECTIONS, 'section')}")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: `{section}` must be a table, written [{section}] "
                              "on a line of its own with its keys below it.")
        keys = known_keys(section)
        if section == "vocabularies":  # an attr: field may have its own values and order
            keys = (*keys, *attribute_vocabularies)
        for key, value in table.items():
            if section == "match_on":  # the program's own names; each checked later
                continue
            if key not in keys:
                raise ConfigError(f"{where}: {unknown_key_message(key, keys, 'key', section)}")
            # [columns.*] and [vocabularies.*] hold the program's own words as keys.
            if section in NAMED_TABLE_SECTIONS and not isinstance(value, dict):
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
    sensitive = SensitiveSection(fields=reader("sensitive").text_list(
        "fields", allowed=SENSITIVE_CAPABLE_FIELDS))
    headers = _columns(merged["columns"], where)
    custom = parse_custom_rules(merged["rules"]["custom"], where, vocabularies, sensitive.fields)
    taken = frozenset([*DEFAULTS["weights"], *BUILTIN_RULES, *(r.name for r in custom)])
    match_on = parse_match_on(
        full["match_on"], where,
        attributes(parse_targets(headers.mentors, "mentors", where)),
        attributes(parse_targets(headers.mentees, "mentees", where)), taken)
    for match in match_on:
        if match.field in sensitive.fields and not match.is_attribute:
            raise ConfigError(f"{where}: [match_on.{match.name}] field is {match.field!r}, which "
                              "[sensitive] fields lists: a sensitive field is used only for a "
                              "mentee's own opt-in preferences, never to reward or require a "
                              f"match. Remove {match.field!r} from [sensitive] fields, or this "
                              "table.")
    rules = reader("rules")
    return ProgramConfig(
        program=_program(reader("program")),
        intake=IntakeSection(
            mentor_sheet=reader("intake").text("mentor_sheet"),
            mentee_sheet=reader("intake").text("mentee_sheet"),
            separators=reader("intake").text_list("separators", non_empty_items=True),
            guessed_order=reader("intake").text_list(
                "guessed_order", allowed=("career_stage", "frequency"))),
        headers=headers,
        vocabularies=vocabularies,
        defaults=_defaults(reader("defaults")),
        weights=_weights(reader("weights")),
        scoring=ScoringSection(
            preferred_stage_gap=reader("scoring").ordered_pair("preferred_stage_gap", "[1, 3]"),
            time_zone_limit_hours=reader("scoring").number("time_zone_limit_hours"),
            goal_text_full_at=reader("scoring").number("goal_text_full_at", above=True,
                                                                maximum=1.0)),
        rules=RulesSection(
            mentor_more_senior=rules.boolean("mentor_more_senior"),
            max_time_zone_gap_hours=rules.number("max_time_zone_gap_hours"),
            cross_institution=rules.boolean("cross_institution"),
            custom=custom,
            not_same_person=rules.boolean("not_same_person"),
            not_excluded=rules.boolean("not_excluded"),
            shared_language=rules.boolean("shared_language")),
        sensitive=sensitive,
        solver=SolverSection(
            objective=reader("solver").text("objective", OBJECTIVES),
            minimum_load=reader("solver").integer("minimum_load"),
            time_limit_seconds=reader("solver").number("time_limit_seconds", above=True,
                                                       maximum=MAX_TIME_LIMIT_SECONDS),
            seed=reader("solver").integer("seed"),
            memory_gib=reader("solver").number("memory_gib", 0.25)),
        rematch=_rematch(reader("rematch")),
        schedule=_schedule(reader("schedule")),
        report=ReportSection(
            audit_fields=reader("report").text_list("audit_fields", allowed=MENTEE_FIELDS),
            min_group_size=reader("report").integer("min_group_size", minimum=3)),
        limits=_limits(reader("limits")),
        path=path,
        _record=merged,
        match_on=match_on,
        compute=_compute(reader("compute")),
    )


def scheduler_problem(scheduler: str) -> str | None:
    """What is wrong with a ``[compute] scheduler`` value (None: nothing)."""
    address = scheduler.removeprefix("dask://")
    if scheduler in ("local", "serial") or (
            scheduler.startswith("dask://") and ":" in address
            and address.split(":")[-1].isdigit()):
        return None
    return (f'is {scheduler!r}; use "local", "serial" or the address of a Dask scheduler, '
            f'e.g. scheduler = "dask://10.0.0.5:8786".')


def with_scheduler(config: ProgramConfig, scheduler: str) -> ProgramConfig:
    """``config`` with ``[compute] scheduler`` replaced (e.g. by ``--scheduler``), checked."""
    problem = scheduler_problem(scheduler)
    if problem:
        raise ConfigError(f"--scheduler {problem.replace('scheduler = ', '--scheduler ')}")
    return replace(config, compute=ComputeSection(scheduler=scheduler))


def _compute(table: TableReader) -> ComputeSection:
    scheduler = table.text("scheduler")
    problem = scheduler_problem(scheduler)
    if problem:
        raise table.error("scheduler", problem)
    return ComputeSection(scheduler=scheduler)


def _limits(table: TableReader) -> LimitsSection:
    return LimitsSection(**{key: table.integer(key, minimum=1) for key in OPTIONAL["limits"]})


def _program(table: TableReader) -> ProgramSection:
    return ProgramSection(name=table.text("name"), start_date=_start_date(table),
                          id_field=table.text("id_field", ID_FIELDS),
                          templates_dir=table.text("templates_dir"),
                          coordinator_email=_coordinator_email(table))


def _coordinator_email(table: TableReader) -> str:
    """``coordinator_email``: empty, or one address (it becomes the calendars' ORGANIZER)."""
    value = table.text("coordinator_email").strip()
    if value and not _EMAIL.fullmatch(value):
        raise table.error("coordinator_email", f"is {value!r}, not an e-mail address; write "
                          'the address invitations come from, e.g. coordinator_email = '
                          '"mentoring@example.org", or leave it empty.')
    return value


def _holidays(table: TableReader) -> tuple[dt.date, ...]:
    """``[schedule] holidays``: a list of dates (TOML dates or "YYYY-MM-DD" text), sorted."""
    values = table.table["holidays"]
    fix = 'write a list of dates, e.g. holidays = ["2027-12-25", 2028-01-01].'
    if not isinstance(values, list):
        raise table.error("holidays", f"is {values!r}; {fix}")
    days = set()
    for value in values:
        if isinstance(value, dt.datetime):
            value = value.date()
        elif isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise table.error("holidays", f"has {value!r}, which is not a date; "
                                              f"{fix}") from None
        if not isinstance(value, dt.date):
            raise table.error("holidays", f"has {value!r}, which is not a date; {fix}")
        days.add(value)
    return tuple(sorted(days))


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
    for side in ("mentors", "mentees"):
        parse_targets(tables[side], side, where)
        maps[side] = dict(tables[side])
    for side, allowed in (("feedback", FEEDBACK_FIELDS),):
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
    unknown = [p for p in tables.get("preferences", {}) if p not in PREFERENCES]
    if unknown:
        raise ConfigError(
            f"{where}: [vocabularies.preferences] names {unknown[0]!r}, which is not a "
            f"preference the scorer understands{_suggestion(unknown[0], PREFERENCES)} The "
            f"preferences are: {', '.join(PREFERENCES)}; list the form's own words for each "
            'as its synonyms, e.g. same_gender = ["A mentor of my gender"].')
    return {name: Vocabulary.from_table(name, table) for name, table in tables.items()}


def _suggestion(name: str, known: tuple[str, ...]) -> str:
    guess = closest(name, known)
    return f" (did you mean {guess!r}?)." if guess else "."


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
                           max_network_size=max_size, languages=table.text_list("languages"),
                           for_everyone=table.text_list(
                               "for_everyone", allowed=("capacity", "network_size")))


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
                           specialist_sessions=_meetings(table, "specialist_sessions"),
                           holidays=_holidays(table))


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


def with_count_overrides(config: ProgramConfig, *, capacity: int | None = None,
                         network_size: int | None = None) -> ProgramConfig:
    """``config`` with a capacity and/or network size for everyone (``--capacity``,
    ``--network-size``): the default becomes that number, its maximum at least that, and
    it is listed in ``[defaults] for_everyone``, so the columns that asked it are not read
    and their blank or 0 answers no longer count."""
    if capacity is None and network_size is None:
        return config
    data = config.record()
    defaults = data["defaults"]
    fixed = list(defaults.get("for_everyone", []))
    for key, value in (("capacity", capacity), ("network_size", network_size)):
        if value is not None:
            defaults[key] = value
            defaults[f"max_{key}"] = max(defaults[f"max_{key}"], value)
            fixed.append(key)
    defaults["for_everyone"] = list(dict.fromkeys(fixed))
    return config_from_dict(data, config.path)


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


__all__ = ["ConfigError", "ProgramConfig", "config_from_dict", "load_config",
           "with_count_overrides"]
