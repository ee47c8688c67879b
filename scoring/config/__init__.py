"""The typed program config: how a coordinator's spreadsheets map onto mentormatch's fields.

A program config is a TOML file with these tables; every table but ``[columns.*]`` is
optional and falls back to :data:`DEFAULTS` (or :data:`~scoring.config.schema.OPTIONAL`):

``[program]``        name, ``start_date`` (for calendars), ``id_field`` (``"id"`` or ``"email"``),
                     ``templates_dir``
``[intake]``         ``mentor_sheet`` / ``mentee_sheet`` (workbook sheet names), ``separators``,
                     ``guessed_order`` (vocabularies whose order a tool guessed)
``[columns.mentors]`` / ``[columns.mentees]``   header text as exported → canonical field,
                     ``"ignore"``, ``"pref:P"``, ``"attr:NAME"`` or ``"count:ROLE"``
                     (see :mod:`~scoring.config.matching`)
``[columns.feedback]`` header text of the month-12 feedback sheet → :data:`FEEDBACK_FIELDS`
``[vocabularies.X]`` canonical value → list of synonyms; for ``career_stage`` and
                     ``frequency`` the order of the keys is the order of the scale
``[defaults]``       capacity, max_capacity, network_size, max_network_size, languages,
                     ``for_everyone`` (counts whose columns are not read: ``--capacity``)
``[weights]``        one weight per score component (see :mod:`scoring.scorer`)
``[scoring]``        preferred_stage_gap, time_zone_limit_hours, goal_text_full_at
``[rules]``          hard eligibility rules (see :mod:`scoring.rules`), each switchable,
                     ``[[rules.custom]]``
``[match_on.NAME]``  a reward or a rule on one field: same / different value, a gap
``[sensitive]``      fields used only for opt-in preferences and aggregate fairness tables
``[solver]``         objective, minimum_load, time_limit_seconds, seed, memory_gib
``[rematch]``        unsure_policy, disruption_penalty, jumper_cycles, hold_jumpers,
                     rating_scale
``[schedule]``       the year's meetings (month, title, purpose, agenda), specialist
                     sessions, check_ins, working_hours (see :mod:`matcher.outputs.schedule`)
``[report]``         audit_fields, min_group_size (the fairness tables of report.html)
``[compute]``        scheduler: where scoring runs (local pool, serial, or a Dask scheduler)

What this room holds: :mod:`~scoring.config.schema` (fields, sections, keys, defaults),
:mod:`~scoring.config.sections` (one frozen dataclass per table),
:mod:`~scoring.config.model` (:class:`ProgramConfig`, loading and checking),
:mod:`~scoring.config.matching` (column targets and ``[match_on]``),
:mod:`~scoring.config.checks` (typed reads of one table), :mod:`~scoring.config.custom_rules`
(``[[rules.custom]]`` as typed records), :mod:`~scoring.config.vocabulary`,
:mod:`~scoring.config.suggest` ("did you mean ...?") and :mod:`~scoring.config.errors`.
Imports only :mod:`scoring.errors` and :mod:`scoring.text`.
"""

from __future__ import annotations

from scoring.config.custom_rules import CustomRule
from scoring.config.errors import ConfigError
from scoring.config.matching import ColumnTarget, MatchOn
from scoring.config.model import (
    ProgramConfig,
    config_from_dict,
    load_config,
    with_count_overrides,
    with_scheduler,
)
from scoring.config.schema import (
    DEFAULTS,
    FEEDBACK_FIELDS,
    FIELD_VOCABULARY,
    MENTEE_FIELDS,
    MENTOR_FIELDS,
    MULTI_VALUE_FIELDS,
    OBJECTIVES,
    PREFERENCES,
    ROLES,
    UNSURE_POLICIES,
)
from scoring.config.vocabulary import Vocabulary

__all__ = [
    "with_scheduler",
    "DEFAULTS", "FEEDBACK_FIELDS", "FIELD_VOCABULARY", "MENTEE_FIELDS", "MENTOR_FIELDS",
    "MULTI_VALUE_FIELDS", "OBJECTIVES", "PREFERENCES", "ROLES", "UNSURE_POLICIES",
    "ColumnTarget", "ConfigError", "CustomRule", "MatchOn", "ProgramConfig", "Vocabulary",
    "config_from_dict", "load_config", "with_count_overrides",
]
