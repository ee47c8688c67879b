"""What a program config may say: the canonical fields, every section and key, and defaults.

:data:`DEFAULTS` holds every key the run record (``run.json``) shows, with its default;
:data:`OPTIONAL` holds the keys a program may set that the record leaves out unless the
program sets them (``[program] templates_dir``, ``[report]``). Together they are the only
keys a config may use: :mod:`scoring.config.model` rejects any other.
"""

from __future__ import annotations

from typing import Any

#: The matching objectives a program may ask for (``[solver] objective``, ``--objective``);
#: the solver's dispatch table has one engine per name (checked by a test).
OBJECTIVES: tuple[str, ...] = ("total", "fair", "stable")
#: ``[rematch] unsure_policy``: what happens to pairs whose feedback says "unsure".
UNSURE_POLICIES: tuple[str, ...] = ("keep", "rematch")
#: ``[program] id_field``: which column identifies a participant.
ID_FIELDS: tuple[str, ...] = ("id", "email")
#: Keys of one ``[[schedule.meetings]]`` / ``[[schedule.specialist_sessions]]`` entry.
MEETING_KEYS: tuple[str, ...] = ("month", "title", "purpose", "agenda")
#: Keys of one ``[[rules.custom]]`` entry.
CUSTOM_RULE_KEYS: tuple[str, ...] = ("name", "side", "field", "operator", "value", "message")

#: Keys of one ``[match_on.NAME]`` table (see :mod:`scoring.config.matching`).
MATCH_ON_KEYS: tuple[str, ...] = ("field", "kind", "weight", "gap", "message")
#: What a ``[match_on.NAME]`` table does with its field: a score component that rewards the
#: same value, a rule requiring the same or a different value, or a rule bounding
#: ``mentor value - mentee value`` on an ordered field.
MATCH_KINDS: tuple[str, ...] = ("reward", "require_same", "require_different", "require_gap")
#: Column targets beyond the canonical fields: ``"ignore"``, ``"pref:same_gender"`` (a
#: yes/no question opting a mentee into one preference), ``"attr:profession"`` (a program's
#: own categorical field, for ``[match_on]``) and ``"count:coach"`` (how many mentors of one
#: kind a mentee wants).
IGNORE = "ignore"
PREFERENCE_PREFIX = "pref:"
ATTRIBUTE_PREFIX = "attr:"
COUNT_PREFIX = "count:"

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
    "program": {"name": "Mentoring program", "start_date": "", "id_field": "email",
                # the organizer of the calendar invitations ("" = calendars are published
                # without organizer or attendees)
                "coordinator_email": ""},
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
        "yes_no": {"yes": ["y", "true", "1", "sure", "ok", "yes please", "i would",
                           "preferred", "si", "oui", "ja"],
                   "no": ["n", "false", "0", "none", "no preference", "doesn't matter",
                          "does not matter", "either", "not important", "indifferent",
                          "non", "nein"]},
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
    "solver": {"objective": "total", "minimum_load": 0, "time_limit_seconds": 60.0, "seed": 0,
               "memory_gib": 7.0},
    "rematch": {"unsure_policy": "keep", "disruption_penalty": 5.0, "jumper_cycles": 2,
                "hold_jumpers": False, "rating_scale": [1, 5]},
    # The year's tempo from DESIGN.md; a program's [schedule] replaces a list wholesale.
    "schedule": {
        "working_hours": [9, 17],
        # the program's holidays: no meeting is put on one (nor on a Saturday or Sunday)
        "holidays": [],
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



#: Keys a program may set that are not in :data:`DEFAULTS` (so not in the run record
#: unless set), with the value used when they are absent.
OPTIONAL: dict[str, dict[str, Any]] = {
    "program": {"templates_dir": ""},
    # Vocabularies whose scale order a tool guessed (``init``): validate asks to check them.
    "intake": {"guessed_order": []},
    # Counts that are the default for everyone: their columns are not read (--capacity).
    "defaults": {"for_everyone": []},
    # Every built-in rule can be switched off ("language does not matter here").
    "rules": {"not_same_person": True, "not_excluded": True, "shared_language": True},
    # [match_on.NAME] tables: a program's own reward or rule on one field (any names).
    "match_on": {},
    "report": {"audit_fields": ["career_stage", "institution"], "min_group_size": 5},
    "compute": {"scheduler": "local"},
    # Far above any real program (a 10 MB pasted CV still fits); see SECURITY.md.
    "limits": {"max_file_mb": 100, "max_unzipped_mb": 100, "max_rows": 100_000,
               "max_columns": 1_000, "max_cells": 2_000_000, "max_cell_chars": 16_000_000},
}
#: Sections whose keys are the program's own names, each holding a table.
NAMED_TABLE_SECTIONS: tuple[str, ...] = ("columns", "vocabularies", "match_on")


def known_keys(section: str) -> tuple[str, ...]:
    """The keys ``[section]`` may hold, in the order the defaults list them."""
    return (*DEFAULTS.get(section, {}), *OPTIONAL.get(section, {}))


#: Every section a config may hold.
SECTIONS: tuple[str, ...] = (*DEFAULTS, *(s for s in OPTIONAL if s not in DEFAULTS))
