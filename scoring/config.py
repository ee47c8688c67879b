"""Program configuration: how a coordinator's spreadsheets map onto mentormatch's fields.

A program config is a TOML file (read with :mod:`tomllib`) with these tables; every table
but ``[columns.*]`` is optional and falls back to :data:`DEFAULTS`:

``[program]``        name, ``start_date`` (for calendars), ``id_field`` (``"id"`` or ``"email"``)
``[intake]``         ``mentor_sheet`` / ``mentee_sheet`` (workbook sheet names), ``separators``
``[columns.mentors]`` / ``[columns.mentees]``   header text as exported → canonical field
``[columns.feedback]`` header text of the month-12 feedback sheet → :data:`FEEDBACK_FIELDS`
``[vocabularies.X]`` canonical value → list of synonyms; for ``career_stage`` and
                     ``frequency`` the order of the keys is the order of the scale
``[defaults]``       capacity, max_capacity, network_size, max_network_size, languages
``[weights]``        one weight per score component (see :mod:`scoring.scorer`)
``[scoring]``        preferred_stage_gap, time_zone_limit_hours
``[rules]``          hard eligibility rules (see :mod:`scoring.rules`), ``[[rules.custom]]``
``[sensitive]``      fields used only for opt-in preferences and aggregate fairness tables
``[solver]``         objective, minimum_load, time_limit_seconds, seed
``[rematch]``        unsure_policy, disruption_penalty, jumper_cycles, hold_jumpers
``[schedule]``       the year's meetings (month, title, purpose, agenda), specialist
                     sessions, check-ins, working_hours (see :mod:`matcher.outputs.schedule`)

The dataclass is frozen: scoring functions receive it as an argument and never mutate it.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.errors import InputError
from scoring.text import fold

#: Canonical fields a mentee row may map to.
MENTEE_FIELDS: tuple[str, ...] = (
    "id", "name", "email", "career_stage", "specialty", "institution", "need_areas",
    "goals", "help_wanted", "network_size", "modes", "frequency", "time_zone",
    "languages", "preferences", "exclude", "gender", "background",
)
#: Canonical fields a mentor row may map to.
MENTOR_FIELDS: tuple[str, ...] = (
    "id", "name", "email", "career_stage", "specialty", "institution", "expertise_areas",
    "bio", "roles", "capacity", "modes", "frequency", "time_zone", "languages",
    "exclude", "gender", "background",
)
#: Canonical fields a month-12 feedback row may map to (see :mod:`scoring.intake.feedback`).
FEEDBACK_FIELDS: tuple[str, ...] = (
    "mentee_id", "mentor_id", "continue", "mentee_rating", "mentor_rating", "notes",
    "new_goals", "new_area",
)
#: Fields holding several values in one cell (multi-select answers).
MULTI_VALUE_FIELDS: frozenset[str] = frozenset(
    {"need_areas", "help_wanted", "modes", "languages", "preferences", "exclude",
     "expertise_areas", "roles"}
)
#: Which vocabulary each controlled field is checked against.
FIELD_VOCABULARY: dict[str, str] = {
    "career_stage": "career_stage",
    "need_areas": "areas",
    "expertise_areas": "areas",
    "help_wanted": "roles",
    "roles": "roles",
    "modes": "modes",
    "frequency": "frequency",
    "languages": "languages",
    "preferences": "preferences",
}
#: The three kinds of help a volunteer can offer (DESIGN.md: mentor, coach or advisor).
ROLES: tuple[str, ...] = ("mentor", "coach", "advisor")
#: Opt-in preferences the scorer understands.
PREFERENCES: tuple[str, ...] = (
    "same_gender", "shared_background", "same_specialty", "different_specialty",
    "same_institution", "other_institution",
)

DEFAULTS: dict[str, Any] = {
    "program": {"name": "Mentoring program", "start_date": "", "id_field": "email"},
    "intake": {"mentor_sheet": "Mentors", "mentee_sheet": "Mentees", "separators": [";", ","]},
    "columns": {"mentors": {}, "mentees": {}, "feedback": {
        "Mentee ID": "mentee_id", "Mentor ID": "mentor_id", "Continue?": "continue",
        "Mentee rating": "mentee_rating", "Mentor rating": "mentor_rating", "Notes": "notes",
        "New goals": "new_goals", "Wants a new network member in area": "new_area"}},
    "vocabularies": {
        "career_stage": {
            "student": [], "resident": [], "fellow": [], "early_career": [],
            "mid_career": [], "senior": [],
        },
        "areas": {},
        "roles": {"mentor": [], "coach": [], "advisor": []},
        "modes": {"in_person": ["in person", "face to face"], "video": ["zoom", "video call"],
                  "phone": ["phone call", "telephone"], "message": ["email", "text", "chat"]},
        "frequency": {"weekly": [], "biweekly": ["every two weeks", "fortnightly"],
                      "monthly": [], "quarterly": ["every three months"]},
        "languages": {"english": ["en"]},
        "preferences": {p: [] for p in PREFERENCES},
        "institutions": {},
        "yes_no": {"yes": ["y", "true", "1", "sure", "ok"], "no": ["n", "false", "0", "none"]},
    },
    "defaults": {"capacity": 2, "max_capacity": 5, "network_size": 1, "max_network_size": 3,
                 "languages": ["english"]},
    "weights": {"need_coverage": 30.0, "goal_text": 20.0, "role_fit": 15.0, "stage_gap": 10.0,
                "communication": 10.0, "time_zone": 10.0, "preferences": 5.0},
    "scoring": {"preferred_stage_gap": [1, 3], "time_zone_limit_hours": 10.0,
                "goal_text_full_at": 0.2},
    "rules": {"mentor_more_senior": True, "max_time_zone_gap_hours": 0.0,
              "cross_institution": False, "custom": []},
    "sensitive": {"fields": ["gender", "background"]},
    "solver": {"objective": "total", "minimum_load": 0, "time_limit_seconds": 60.0, "seed": 0},
    "rematch": {"unsure_policy": "keep", "disruption_penalty": 5.0, "jumper_cycles": 2,
                "hold_jumpers": False, "rating_scale": [1, 5]},
    # The year's tempo from DESIGN.md; a program's [schedule] replaces a list wholesale.
    "schedule": {
        "working_hours": [9, 17],
        "check_ins": "Between meetings: optional quick monthly or quarterly message check-ins, "
                     "and an extra meeting when the mentee faces a major decision (for example "
                     "job applications).",
        "meetings": [
            {"month": 1, "title": "Initial meeting and goal setting",
             "purpose": "Deepened introductions; the mentee's aspirations, strengths and "
                        "challenges; short- and long-term goals; communication preferences "
                        "and expectations.",
             "agenda": [
                 "Deepened introductions: your paths so far and what each of you hopes to "
                 "get from this year.",
                 "The mentee's aspirations, strengths and challenges.",
                 "Short- and long-term goals: go through the goals the mentee drafted and "
                 "make them specific.",
                 "Communication preferences and expectations: mode, frequency, how quickly "
                 "you answer messages.",
                 "Boundaries and time commitment: how much time each of you can give, what "
                 "is off limits, and how either of you can end the relationship.",
                 "Put the month-3 check-in in both calendars.",
             ]},
            {"month": 3, "title": "Progress check-in and early adjustments",
             "purpose": "Review progress, refine goals, address early challenges and align "
                        "expectations."},
            {"month": 6, "title": "Mid-year evaluation",
             "purpose": "Relationship check-in: challenges so far, adjusted strategies, "
                        "structured feedback both ways, and potential opportunities."},
            {"month": 9, "title": "Career development and networking",
             "purpose": "Professional growth and skills; the mentor introduces contacts or "
                        "resources."},
            {"month": 12, "title": "Reflection and future planning",
             "purpose": "Accomplishments, challenges and areas to improve; new goals, or a "
                        "transition in mentorship."},
        ],
        "specialist_sessions": [
            {"month": 1, "title": "Focused kick-off: {area}",
             "purpose": "Agree one concrete objective in {area} and how you will both know "
                        "it is reached.",
             "agenda": [
                 "Short introductions, centred on {area}.",
                 "What the mentee wants to achieve in {area}, and by when.",
                 "One concrete objective for these sessions, and what the mentee will do "
                 "before the next one.",
                 "Time commitment: a few focused sessions over a few months; how to reach "
                 "each other in between.",
             ]},
            {"month": 2, "title": "Working session: {area}",
             "purpose": "Work on the objective: review what the mentee tried, give specific "
                        "feedback and resources."},
            {"month": 4, "title": "Wrap-up: {area}",
             "purpose": "Review the objective, name the next steps, and hand back to the "
                        "primary mentor (or agree to continue as needed)."},
        ],
    },
}


class ConfigError(InputError):
    """A program config that cannot be used; the message names the file, key and fix."""


@dataclass(frozen=True)
class Vocabulary:
    """A controlled list of canonical values with their synonyms, in scale order."""

    name: str
    values: tuple[str, ...]
    synonyms: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_table(cls, name: str, table: dict[str, list[str]]) -> Vocabulary:
        """Build from a ``canonical = [synonyms]`` table; canonical names match themselves."""
        synonyms: dict[str, str] = {}
        for canonical, alternatives in table.items():
            for spelling in [canonical, canonical.replace("_", " "), *alternatives]:
                synonyms.setdefault(fold(spelling), canonical)
        return cls(name=name, values=tuple(table), synonyms=synonyms)

    def lookup(self, text: str) -> str | None:
        """Return the canonical value for ``text``, or None when no synonym matches."""
        return self.synonyms.get(fold(text))

    def rank(self, value: str) -> int:
        """Position of a canonical value on the scale (0 = first key in the config)."""
        return self.values.index(value)


@dataclass(frozen=True)
class ProgramConfig:
    """A validated program config; ``raw`` keeps the merged TOML tables for the run record."""

    raw: dict[str, Any]
    path: Path | None = None

    @property
    def vocabularies(self) -> dict[str, Vocabulary]:
        return {name: Vocabulary.from_table(name, table)
                for name, table in self.raw["vocabularies"].items()}

    def vocabulary(self, name: str) -> Vocabulary:
        """The vocabulary called ``name`` (``areas``, ``modes``, ``career_stage`` ...)."""
        return Vocabulary.from_table(name, self.raw["vocabularies"].get(name, {}))

    def columns(self, side: str) -> dict[str, str]:
        """Header text → canonical field for ``side`` (``"mentors"`` or ``"mentees"``)."""
        return dict(self.raw["columns"].get(side, {}))

    def section(self, name: str) -> dict[str, Any]:
        """A top-level table with defaults filled in (``weights``, ``rules``, ``solver`` ...)."""
        return self.raw.get(name, {})

    @property
    def weights(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.raw["weights"].items()}

    @property
    def sensitive_fields(self) -> tuple[str, ...]:
        return tuple(self.raw["sensitive"]["fields"])

    @property
    def separators(self) -> tuple[str, ...]:
        return tuple(self.raw["intake"]["separators"])


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; lists and scalars in ``override`` replace the default."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def config_from_dict(data: dict[str, Any], path: Path | None = None) -> ProgramConfig:
    """Merge ``data`` over :data:`DEFAULTS`, check it, and return a :class:`ProgramConfig`."""
    merged = _merge(DEFAULTS, {k: v for k, v in data.items() if k != "vocabularies"})
    # A vocabulary replaces the default wholesale: a program that lists its own career
    # stages must not inherit ours in between.
    for name, table in data.get("vocabularies", {}).items():
        merged["vocabularies"][name] = copy.deepcopy(table)
    where = str(path) if path else "the config"
    for side, allowed in (("mentors", MENTOR_FIELDS), ("mentees", MENTEE_FIELDS),
                          ("feedback", FEEDBACK_FIELDS)):
        for header, canonical in merged["columns"].get(side, {}).items():
            if canonical not in allowed:
                raise ConfigError(
                    f"{where}: [columns.{side}] maps {header!r} to {canonical!r}, which is not "
                    f"a {side.removesuffix('s')} field. Use one of: {', '.join(allowed)}.")
    for name, table in merged["vocabularies"].items():
        if not isinstance(table, dict) or any(not isinstance(v, list) for v in table.values()):
            raise ConfigError(
                f"{where}: [vocabularies.{name}] must map each canonical value to a list of "
                f'synonyms, e.g. research = ["Research/Scholarship"].')
    unknown_weights = set(merged["weights"]) - set(DEFAULTS["weights"])
    if unknown_weights:
        raise ConfigError(
            f"{where}: [weights] has unknown component(s) {sorted(unknown_weights)}; the "
            f"components are {', '.join(DEFAULTS['weights'])}.")
    if sum(float(w) for w in merged["weights"].values()) <= 0:
        raise ConfigError(f"{where}: [weights] must have at least one positive weight.")
    if merged["program"].get("id_field") not in {"id", "email"}:
        raise ConfigError(f'{where}: [program] id_field must be "id" or "email".')
    config = ProgramConfig(raw=merged, path=path)
    # Imported here: scoring.rules reads ProgramConfig, so a top-level import would be circular.
    from scoring.rules import parse_custom_rules

    parse_custom_rules(config)  # a bad [[rules.custom]] entry fails at load, naming the rule
    return config


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


def default_config() -> ProgramConfig:
    """The built-in defaults, for tests and for `init`."""
    return config_from_dict({})
