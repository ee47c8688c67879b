"""Recognise each question's field from its header AND its answers, on both sheets alike.

A header names a field by phrases (:data:`FIELD_HINTS`); the answers confirm or overrule
it: a "Role" column answered Faculty / Postdoc / Grad student is a career stage (a
ladder recognises it), not the roles offered; a "Job title" column holding one text on
every row is a constant (never a field); a column of e-mail addresses is the e-mail even
when its header says "Contact". Each header takes at most one field and each field one
header (strongest evidence first). Then the two sheets are made symmetric: a field found
on one side only is looked for on the other among the unmapped columns, by header
likeness and shared answers, so "support wanted" never goes without "support offered".

Question kinds the config states otherwise than as a column → field (yes/no preference
questions, first/last-name pairs, several "how many mentors of this kind" questions) are
returned in :class:`SideReading` for :mod:`scoring.intake.starter_config` to write.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scoring.config import DEFAULTS, FIELD_VOCABULARY
from scoring.config.schema import COUNT_PREFIX, IGNORE, PREFERENCE_PREFIX
from scoring.intake.form_reading.columns import ColumnProfile
from scoring.intake.form_reading.ladders import recognised_share
from scoring.intake.form_reading.vocabularies import built_in_value, share_recognised
from scoring.text import fold

#: Fields that hold sensitive attributes (DEFAULTS ``[sensitive]``): mapped cautiously.
SENSITIVE_FIELDS = frozenset(DEFAULTS["sensitive"]["fields"])
#: Phrases (compared after :func:`scoring.text.fold`) that point a header at a field.
#: A longer phrase found in a header beats a shorter one, so "institution name" is an
#: institution, not a name. Sensitive fields only take unambiguous words.
FIELD_HINTS: dict[str, tuple[str, ...]] = {
    "id": ("id", "participant id", "member id", "employee id", "student id", "identifier",
           "record id", "program id", "staff number", "employee number"),
    "name": ("name", "full name", "your name", "first and last name", "preferred name",
             "nombre", "nom", "nombre completo", "nom complet", "name and surname"),
    "email": ("email", "e mail", "email address", "mail address", "your email", "correo",
              "courriel", "correo electronico", "adresse e mail", "work email"),
    "career_stage": ("career stage", "stage of career", "position", "training level",
                     "level of training", "seniority", "year of training", "academic rank",
                     "career level", "current role", "grade", "pay grade", "rank",
                     "year of study", "year in school", "class year", "level", "band",
                     "etapa profesional", "etape de carriere", "current position",
                     "stage", "year", "seniority level", "job level", "role in the lab",
                     "academic position", "title", "role", "your role", "job role"),
    "specialty": ("specialty", "speciality", "department", "discipline", "field of practice",
                  "division", "field of study", "subspecialty", "disease site", "site focus",
                  "primary focus", "clinical focus", "practice area", "major", "profession",
                  "research field", "research area", "field", "area of research", "team",
                  "function", "business unit", "directorate", "ministry", "unit",
                  "especialidad", "specialite", "domaine", "area de investigacion"),
    "institution": ("institution", "organization", "organisation", "affiliation",
                    "university", "hospital", "employer", "company", "agency", "campus",
                    "institucion", "etablissement", "site", "office location", "college"),
    "need_areas": ("areas", "area", "areas of need", "want help with", "guidance in",
                   "guidance on", "topics", "areas of interest", "need help", "help with",
                   "needs", "need", "would like to develop", "want to learn", "develop",
                   "temas", "sujets", "skills you want"),
    "expertise_areas": ("expertise", "areas of expertise", "areas", "area", "can offer",
                        "guidance in", "guidance on", "topics", "can help with", "strengths",
                        "can mentor on", "skills you can share", "temas", "sujets",
                        "experience in"),
    "goals": ("goals", "goal", "aspirations", "objectives", "hope to gain", "hope to achieve",
              "objetivos", "objectifs", "what do you want", "hoping to get"),
    "bio": ("bio", "biography", "about you", "about yourself", "experience", "profile",
            "short bio", "introduce yourself", "professional background", "biografia",
            "biographie", "tell us about"),
    "help_wanted": ("mentor coach or advisor", "mentor coach advisor", "type of support",
                    "kind of help", "type of help", "kind of support", "looking for",
                    "support wanted", "help wanted", "tipo de apoyo", "type de soutien"),
    "roles": ("mentor coach or advisor", "mentor coach advisor", "roles", "role",
              "willing to serve as", "serve as", "type of support", "can offer as",
              "willing to be", "support offered", "kind of support", "tipo de apoyo",
              "type de soutien"),
    "capacity": ("how many mentees", "capacity", "number of mentees", "max mentees",
                 "maximum mentees", "mentees can you", "mentees could you", "how many people",
                 "how many students", "how many", "cuantos", "combien"),
    "network_size": ("how many mentors", "network size", "number of mentors",
                     "mentors would you like", "size of network", "how many", "cuantos",
                     "combien"),
    "modes": ("mode", "modes", "format", "meeting format", "how would you like to meet",
              "communication mode", "communication preference", "communication preferences",
              "mode of communication", "modes of communication", "meeting mode",
              "contact method", "how to meet", "ways to meet", "ways of meeting",
              "meeting preference", "how do you prefer to meet", "modalidad", "modalite"),
    "frequency": ("frequency", "how often", "meeting frequency", "meet how often",
                  "how frequently", "frecuencia", "frequence", "cadence"),
    "time_zone": ("time zone", "timezone", "tz", "utc offset", "zona horaria",
                  "fuseau horaire", "location time"),
    "languages": ("language", "languages", "spoken languages", "idioma", "idiomas",
                  "langue", "langues"),
    "preferences": ("preference", "preferences", "matching preferences", "prefer a mentor",
                    "would you prefer", "match preferences", "preferencias"),
    "exclude": ("exclude", "exclusions", "do not match", "don t match", "not be matched",
                "conflict of interest", "conflicts of interest", "avoid being matched",
                "should not be paired", "not be paired", "do not pair", "don t pair",
                "avoid", "rather not be matched", "not matched with"),
    "gender": ("gender", "gender identity", "genero", "genre"),
    "background": ("ethnicity", "race", "heritage", "first generation", "cultural background",
                   "racial background", "ethnic background", "identity", "community"),
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
#: Strength the answers alone give a field (an e-mail column, a ladder of stages ...):
#: above any single hint word, below a long specific header phrase plus its answers.
ANSWER_STRENGTH = 25.0
#: Built-in vocabulary fields: the share of a column's answers that must name built-in
#: values for the column to hold that field.
MIN_BUILT_IN_SHARE = 0.5
#: Strength a header keeps when its column has rows but no answer: it takes the field only
#: when no answered column points at it.
BLANK_COLUMN_SHARE = 0.01
#: Header words of a first-name / last-name question.
FIRST_NAME = re.compile(r"\b(first|given|fore) ?name\b|\bprenom\b|^nombre$")
LAST_NAME = re.compile(r"\b(last|family|sur) ?name\b|\bsurname\b|\bnom de famille\b"
                       r"|\bapellidos?\b")
#: Per-kind count questions: "How many coaches would you like?" → coach.
KIND_COUNT = re.compile(r"(how many|number of) (mentor|coach|advis[eo]r|sponsor)(e?s)?\b")
#: The fields on the other side that answer the same question (mentee side → mentor side).
COUNTERPART: dict[str, str] = {"need_areas": "expertise_areas", "help_wanted": "roles",
                               "expertise_areas": "need_areas", "roles": "help_wanted"}
#: Fields both sides share; a field found on one side only is looked for on the other.
SHARED_FIELDS = ("career_stage", "specialty", "institution", "modes", "frequency",
                 "time_zone", "languages", "gender", "background", "exclude", "need_areas",
                 "help_wanted", "expertise_areas", "roles")


@dataclass
class SideReading:
    """What detection understood of one sheet."""

    mapping: dict[str, str]  # header -> field
    constant: list[str] = field(default_factory=list)  # constant columns, never fields
    timestamps: list[str] = field(default_factory=list)  # when the form was filled in
    yes_no_preferences: dict[str, str] = field(default_factory=dict)  # header -> preference
    name_parts: list[str] = field(default_factory=list)  # first-name, last-name headers
    kind_counts: dict[str, str] = field(default_factory=dict)  # header -> role counted
    reasons: dict[str, str] = field(default_factory=dict)  # header -> why (for comments)


def _match_strength(header: str, hint: str) -> float:
    """How strongly ``header`` (folded) points at ``hint`` (folded); 0 for not at all."""
    if header == hint:
        return 1000.0
    if f" {hint} " in f" {header} ":
        return 10.0 + len(hint)
    ratio = difflib.SequenceMatcher(None, header, hint).ratio()
    return ratio * 10 if ratio >= FUZZY_CUTOFF else 0.0


def _exact_strength(header: str, hint: str) -> float:
    """:func:`_match_strength` without spelling mistakes: "County" is not "community"."""
    return 0.0 if header != hint and f" {hint} " not in f" {header} " \
        else _match_strength(header, hint)


def header_strength(header: str, name: str) -> float:
    """How strongly a header's words point at field ``name`` (0 for not at all)."""
    folded = fold(header)
    own_name = fold(name)
    if name in LEADING_ONLY_NAMES and not folded.startswith(own_name):
        own_name = ""
    hints = (own_name, *FIELD_HINTS.get(name, ())) if own_name else FIELD_HINTS.get(name, ())
    if not hints:
        return 0.0
    measure = _exact_strength if name in SENSITIVE_FIELDS else _match_strength
    strength = max(measure(folded, fold(hint)) for hint in hints)
    if strength > 0 and name in SENSITIVE_FIELDS:
        strength -= SENSITIVE_PENALTY
    return max(strength, 0.0)


def _built_in_share(column: ColumnProfile, name: str) -> float:
    if not column.is_list_question:
        return 0.0
    return share_recognised(FIELD_VOCABULARY[name], column.options)


def answers_fit(column: ColumnProfile, name: str) -> bool:
    """Whether the answers of ``column`` can be field ``name``'s (a veto on the header)."""
    if column.timestamp_share > 0.8:
        return False
    if column.is_blank:  # nothing to overrule the header with
        return True
    if name == "email":
        return column.email_share >= 0.5
    if name in ("capacity", "network_size"):
        return column.count_share >= 0.6 and not column.yes_no_share > 0.8
    if name == "time_zone":
        return column.zone_share >= 0.5
    if name in ("roles", "help_wanted"):  # "Role: Faculty / Postdoc" is a stage
        return _built_in_share(column, name) >= MIN_BUILT_IN_SHARE \
            and recognised_share(column.answers) < 0.6
    if name in ("modes", "frequency", "languages"):
        return _built_in_share(column, name) >= MIN_BUILT_IN_SHARE
    if name == "career_stage":  # a "Role" answered Mentor / Coach is the roles question
        return column.is_list_question and column.yes_no_share < 0.8 \
            and column.count_share < 0.8 and column.email_share < 0.5 \
            and _built_in_share(column, "roles") < MIN_BUILT_IN_SHARE
    if name in ("goals", "bio"):  # "Areas of experience" answered from a list is not a bio
        return column.is_free_text or len(column.distinct) >= 0.8 * len(column.filled)
    if name in ("name", "id", "specialty", "institution", "gender", "background"):
        return column.yes_no_share < 0.8 and column.email_share < 0.5 \
            and not (name != "name" and column.is_free_text)
    if name in ("need_areas", "expertise_areas", "preferences"):
        return column.yes_no_share < 0.8 and column.count_share < 0.8
    return True


def answer_fields(column: ColumnProfile, allowed: Sequence[str]) -> dict[str, float]:
    """Fields the answers alone point at, with their strength."""
    found: dict[str, float] = {}
    if column.is_blank:
        return found
    if column.email_share >= 0.9 and len(column.answers) >= 0.9 * len(column.filled):
        found["email"] = ANSWER_STRENGTH
    if column.zone_share >= 0.8:
        found["time_zone"] = ANSWER_STRENGTH
    if column.is_list_question and len(column.answers) >= 2:
        if recognised_share(column.answers) >= 0.8 and column.count_share < 0.5:
            found["career_stage"] = ANSWER_STRENGTH
        for name in ("modes", "frequency", "languages", "roles", "help_wanted"):
            if name in allowed and _built_in_share(column, name) >= 0.8 \
                    and "career_stage" not in found:
                found[name] = ANSWER_STRENGTH
    return {name: strength for name, strength in found.items() if name in allowed}


def varies_on_other_sheet(column: ColumnProfile,
                          other: Sequence[ColumnProfile] | None) -> bool:
    """The same question on the other sheet has other answers: every mentee a
    "Resident", mentors not, is a real question with one answer on this side."""
    if other is None:
        return False
    same = [c for c in other if fold(c.header) == fold(column.header)]
    return any({fold(a) for a in c.answers} - {fold(a) for a in column.answers} for c in same)


def read_side(columns: Sequence[ColumnProfile], side: str, allowed: Sequence[str],
              other: Sequence[ColumnProfile] | None = None) -> SideReading:
    """Map one sheet's headers to fields; see the module docstring. ``other`` is the
    other sheet's columns (a column constant here may vary there)."""
    reading = SideReading(mapping={}, kind_counts=kind_count_questions(columns, side))
    candidates: list[tuple[float, int, str]] = []
    for position, column in enumerate(columns):
        if _special_question(column, side, reading):
            continue
        if column.is_constant and not varies_on_other_sheet(column, other):
            reading.constant.append(column.header)
            continue
        if column.timestamp_share > 0.8:
            reading.timestamps.append(column.header)
            continue
        from_answers = answer_fields(column, allowed)
        for name in allowed:
            strength = header_strength(column.header, name)
            if strength and not answers_fit(column, name):
                strength = 0.0
            if column.cells and column.is_blank:  # nobody answered: any answered column
                strength *= BLANK_COLUMN_SHARE    # for the field wins (a blank collector
            strength += from_answers.get(name, 0.0)  # "Email Address" next to the asked one)
            if strength > 0:
                candidates.append((-strength, position, name))
    taken: set[str] = set()
    for _, position, name in sorted(candidates):
        header = columns[position].header
        if header not in reading.mapping and name not in taken:
            reading.mapping[header] = name
            taken.add(name)
    _map_special_questions(reading, taken)
    order = [c.header for c in columns]
    reading.mapping = {h: reading.mapping[h] for h in order if h in reading.mapping}
    return reading


def _map_special_questions(reading: SideReading, taken: set[str]) -> None:
    """Write the config targets of the special questions (see the module docstring)."""
    if "name" not in taken:
        for header in reading.name_parts:  # first + last name, joined by intake
            reading.mapping[header] = "name"
            reading.reasons[header] = "a part of the name, joined with the others"
    for header, preference in reading.yes_no_preferences.items():
        reading.mapping[header] = f"{PREFERENCE_PREFIX}{preference}"
        reading.reasons[header] = "a yes/no question: yes opts the mentee in"
    if "network_size" not in taken:
        for header, role in reading.kind_counts.items():
            reading.mapping[header] = f"{COUNT_PREFIX}{role}"
            reading.reasons[header] = f"how many mentors of the {role} kind"
    for header in reading.constant:
        reading.mapping[header] = IGNORE
        reading.reasons[header] = "the same answer on every row"
    for header in reading.timestamps:
        reading.mapping[header] = IGNORE
        reading.reasons[header] = "the form tool's date and time of the answer"


def _special_question(column: ColumnProfile, side: str, reading: SideReading) -> bool:
    """Record a yes/no preference, a name part or a per-kind count; True when it was one."""
    folded = fold(column.header)
    if column.yes_no_share >= 0.8 and side == "mentees":
        preference = built_in_value("preferences", column.header)
        if preference is not None:
            reading.yes_no_preferences[column.header] = preference
            return True
    if FIRST_NAME.search(folded) or LAST_NAME.search(folded):
        if column.email_share < 0.5 and not (column.cells and column.is_blank):
            reading.name_parts.append(column.header)
            return True
    return column.header in reading.kind_counts


def kind_count_questions(columns: Sequence[ColumnProfile], side: str) -> dict[str, str]:
    """Header → role of the "how many mentors / coaches / advisors" questions, when a
    mentee sheet asks for at least two kinds (one such question is the network size)."""
    found: dict[str, str] = {}
    for column in columns:
        kind = KIND_COUNT.search(fold(column.header))
        if kind and side == "mentees" and column.count_share >= 0.6:
            role = built_in_value("roles", kind.group(2))
            if role is not None and role not in found.values():
                found[column.header] = role
    return found if len(found) >= 2 else {}


def _overlap(a: ColumnProfile, b: ColumnProfile) -> float:
    """Jaccard overlap of two columns' folded option sets (0 for free text)."""
    if not (a.is_list_question and b.is_list_question):
        return 0.0
    left, right = {fold(o) for o in a.options}, {fold(o) for o in b.options}
    return len(left & right) / len(left | right) if left and right else 0.0


def pair_area_questions(readings: Mapping[str, SideReading],
                        columns: Mapping[str, list[ColumnProfile]]) -> None:
    """When neither sheet has an areas question, take the unmapped list questions of the
    two sheets that share most of their options as need areas and expertise areas."""
    if "need_areas" in readings["mentees"].mapping.values() or \
            "expertise_areas" in readings["mentors"].mapping.values():
        return
    def free(side: str) -> list[ColumnProfile]:
        reading = readings[side]
        return [c for c in columns[side] if c.header not in reading.mapping
                and c.header not in reading.constant and not c.is_free_text
                and len(c.options) >= 3 and c.count_share < 0.5 and c.yes_no_share < 0.5]
    pairs = [(_overlap(a, b), a, b) for a in free("mentees") for b in free("mentors")]
    if not pairs:
        return
    overlap, mentee_column, mentor_column = max(pairs, key=lambda p: p[0])
    if overlap >= 0.5:
        readings["mentees"].mapping[mentee_column.header] = "need_areas"
        readings["mentors"].mapping[mentor_column.header] = "expertise_areas"
        for side, column in (("mentees", mentee_column), ("mentors", mentor_column)):
            readings[side].reasons[column.header] = "answers shared with the other sheet"


def make_symmetric(readings: Mapping[str, SideReading],
                   columns: Mapping[str, list[ColumnProfile]],
                   allowed: Mapping[str, Sequence[str]]) -> list[str]:
    """Map, on each side, the counterpart of a field the other side has; return notes."""
    notes: list[str] = []
    for side, other in (("mentees", "mentors"), ("mentors", "mentees")):
        for header, name in list(readings[side].mapping.items()):
            if name not in SHARED_FIELDS:
                continue
            wanted = COUNTERPART.get(name, name)
            if wanted not in allowed[other] or wanted in readings[other].mapping.values():
                continue
            if wanted == "help_wanted" and readings[other].kind_counts:
                continue  # the kinds a mentee counts are the help wanted
            source = next(c for c in columns[side] if c.header == header)
            best: tuple[float, ColumnProfile | None] = (0.0, None)
            for candidate in columns[other]:
                if candidate.header in readings[other].mapping or candidate.is_constant \
                        or candidate.header in readings[other].name_parts \
                        or not answers_fit(candidate, wanted):
                    continue
                likeness = difflib.SequenceMatcher(None, fold(header),
                                                   fold(candidate.header)).ratio()
                score = max(_overlap(source, candidate), likeness if likeness >= 0.7 else 0)
                if score > best[0]:
                    best = (score, candidate)
            if best[1] is not None and best[0] >= 0.3:
                readings[other].mapping[best[1].header] = wanted
                readings[other].reasons[best[1].header] = (
                    f"counterpart of the {side}' {header!r}")
            else:
                notes.append(f"The {side}' column {header!r} is mapped to {name}, but no "
                             f"{other} column looks like {wanted}: that part of the score "
                             f"is the same for every pair. Map the {other}' column under "
                             f"[columns.{other}], or remove this one.")
    return notes
