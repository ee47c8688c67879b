"""Numeric features of a cohort: what the scorer and the eligibility rules compute on.

:func:`build_features` turns the canonical records of a :class:`~scoring.profiles.Cohort`
into arrays, one row per mentee or mentor, in cohort order:

* multi-hot need areas (mentees) and expertise areas (mentors) over the config's ``areas``
  vocabulary (plus, at the end, any area a record holds that the vocabulary lacks);
* TF-IDF vectors of each mentee's goals and each mentor's expertise text (bio followed by
  the labels of their expertise areas), from one TF-IDF model fitted on the cohort's
  texts (:mod:`scoring.tfidf`: English stop words, unigrams and bigrams), sparse and
  L2-normalised, so a dot product is a cosine; the fitted vocabulary is kept (``terms``)
  for explanations;
* career stage and meeting frequency as ordinals (:meth:`Vocabulary.rank`, -1 = unknown);
* roles wanted / offered, communication modes and languages as multi-hot rows;
* time-zone offsets in hours (NaN = unknown);
* small integer codes for the "same X" comparisons of opt-in preferences (specialty,
  institution, and gender/background only for mentees who opted in);
* per ``[match_on.NAME]`` table, each side's value: shared int32 codes for same/different
  comparisons (-1 blank), or numbers for a ``require_gap`` (a stage's rank, the number in
  a grade such as ``G7``; NaN unknown);
* the prepared inputs of the hard eligibility rules (:mod:`scoring.rules`).

Features are built for one program config; build them again when the config changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from scoring.config import PREFERENCES, ROLES, MatchOn, ProgramConfig
from scoring.profiles import Cohort, Mentee, Mentor
from scoring.rule_inputs import RuleInputs, institution_keys, prepare_rule_inputs
from scoring.sensitivity import scored_cohort
from scoring.text import fold
from scoring.tfidf import tfidf_vectors

#: Code for "unknown" in the ordinal and category-code arrays.
UNKNOWN = -1


@dataclass(frozen=True)
class CohortFeatures:
    """All numeric features of one cohort; rows follow ``Cohort.mentees`` / ``Cohort.mentors``."""

    mentee_ids: tuple[str, ...]
    mentor_ids: tuple[str, ...]
    areas: tuple[str, ...]
    needs: np.ndarray  # mentees x areas, float32 multi-hot
    expertise: np.ndarray  # mentors x areas, float32 multi-hot
    terms: np.ndarray  # TF-IDF vocabulary, in column order (str objects)
    goal_vectors: sparse.csr_matrix  # mentees x terms, L2-normalised
    expertise_vectors: sparse.csr_matrix  # mentors x terms, L2-normalised
    stages: tuple[str, ...]
    mentee_stage: np.ndarray  # int16 rank, -1 unknown
    mentor_stage: np.ndarray
    roles: tuple[str, ...]
    help_wanted: np.ndarray  # mentees x roles, float32 multi-hot
    mentor_roles: np.ndarray  # mentors x roles
    modes: tuple[str, ...]
    mentee_modes: np.ndarray  # mentees x modes
    mentor_modes: np.ndarray
    frequencies: tuple[str, ...]
    mentee_frequency: np.ndarray  # int16 rank, -1 unknown
    mentor_frequency: np.ndarray
    mentee_offset: np.ndarray  # float32 hours from UTC, NaN unknown
    mentor_offset: np.ndarray
    languages: tuple[str, ...]
    mentee_languages: np.ndarray  # mentees x languages (config default when blank)
    mentor_languages: np.ndarray
    preferences: np.ndarray  # mentees x PREFERENCES, bool: what each mentee opted into
    mentee_specialty: np.ndarray  # int32 codes, -1 blank
    mentor_specialty: np.ndarray
    mentee_institution: np.ndarray  # int32 codes after synonyms, -1 blank
    mentor_institution: np.ndarray
    mentee_gender: np.ndarray  # int32 codes, -1 blank or not opted in to same_gender
    mentor_gender: np.ndarray
    mentee_background: sparse.csr_matrix  # mentees x background values (opted-in only)
    mentor_background: sparse.csr_matrix
    rule_inputs: RuleInputs
    # [match_on.NAME] → each side's values (codes, or numbers for require_gap)
    mentee_match: dict[str, np.ndarray] = field(default_factory=dict)
    mentor_match: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_mentees(self) -> int:
        return len(self.mentee_ids)

    @property
    def n_mentors(self) -> int:
        return len(self.mentor_ids)


def area_label(area: str) -> str:
    """How a canonical value reads in text: ``grant_writing`` → ``grant writing``."""
    return area.replace("_", " ")


def _scale(declared: Iterable[str], seen: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """The config's values in order, then any value the records hold that it lacks (sorted)."""
    values = list(dict.fromkeys(declared))
    extra = sorted({v for group in seen for v in group} - set(values))
    return tuple(values + extra)


def multi_hot(rows: Sequence[Iterable[str]], scale: Sequence[str]) -> np.ndarray:
    """A float32 (rows x scale) 0/1 matrix; values outside ``scale`` are ignored."""
    position = {value: i for i, value in enumerate(scale)}
    out = np.zeros((len(rows), len(scale)), dtype=np.float32)
    for r, values in enumerate(rows):
        for value in values:
            if value in position:
                out[r, position[value]] = 1.0
    return out


def ordinal(values: Sequence[str | None], scale: Sequence[str]) -> np.ndarray:
    """Rank of each value on ``scale`` as int16; -1 for blank or off-scale values."""
    position = {value: i for i, value in enumerate(scale)}
    return np.array([position.get(v, UNKNOWN) if v else UNKNOWN for v in values],
                    dtype=np.int16)


def category_codes(left: Sequence[str], right: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Shared int32 codes for two lists of keys (equal keys, equal codes; "" → -1)."""
    codes: dict[str, int] = {}
    encoded = []
    for keys in (left, right):
        encoded.append(np.array(
            [codes.setdefault(k, len(codes)) if k else UNKNOWN for k in keys], dtype=np.int32))
    return encoded[0], encoded[1]


def folded_keys(text: str, separators: Sequence[str]) -> tuple[str, ...]:
    """Comparison keys of a free-text cell holding several values (``"first-gen; rural"``):
    split on the separators, folded, de-duplicated. (Intake's
    :func:`~scoring.intake.normalise.split_values` reads answers; this compares them.)"""
    parts = [text]
    for sep in separators:
        parts = [piece for part in parts for piece in part.split(sep)]
    return tuple(dict.fromkeys(f for f in (fold(p) for p in parts) if f))


def expertise_text(mentor: Mentor) -> str:
    """What a mentor's expertise reads as for TF-IDF: bio plus expertise-area labels."""
    return " ".join([mentor.bio, *(area_label(a) for a in mentor.expertise_areas)]).strip()


def text_vectors(goals: Sequence[str], expertise: Sequence[str]
                 ) -> tuple[np.ndarray, sparse.csr_matrix, sparse.csr_matrix]:
    """Fit one TF-IDF model on all the cohort's texts; return (terms, goal rows, expertise rows)."""
    terms, matrix = tfidf_vectors([*goals, *expertise])
    return terms, matrix[:len(goals)], matrix[len(goals):]


def _no_texts(mentees: int, mentors: int
              ) -> tuple[np.ndarray, sparse.csr_matrix, sparse.csr_matrix]:
    empty = sparse.csr_matrix((mentees + mentors, 0), dtype=np.float32)
    return np.array([], dtype=object), empty[:mentees], empty[mentees:]


def _opted_in(mentees: Sequence[Mentee], preference: str, values: Sequence[str]) -> list[str]:
    """``values`` kept only for mentees who asked for ``preference``; blank for the others."""
    return [v if preference in m.preferences else "" for m, v in zip(mentees, values, strict=True)]


def _background_matrix(left: Sequence[tuple[str, ...]], right: Sequence[tuple[str, ...]]
                       ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    scale = sorted({v for values in (*left, *right) for v in values})
    return (sparse.csr_matrix(multi_hot(left, scale)), sparse.csr_matrix(multi_hot(right, scale)))


def build_features(cohort: Cohort, config: ProgramConfig, *, texts: bool = True
                   ) -> CohortFeatures:
    """Turn a cohort into the arrays the scorer and the rules compute on (see module doc).

    ``texts=False`` leaves the TF-IDF vectors empty (goal_text is then 0 for every pair):
    for checks that need the rules and the other components only, without reading
    every text."""
    cohort = scored_cohort(cohort, config)  # sensitive stages / frequencies / zones: blank
    mentees, mentors = cohort.mentees, cohort.mentors
    vocab = config.vocabulary
    areas = _scale(vocab("areas").values,
                   [m.need_areas for m in mentees] + [m.expertise_areas for m in mentors])
    roles = _scale(ROLES, [m.help_wanted for m in mentees] + [m.roles for m in mentors])
    modes = _scale(vocab("modes").values, [p.modes for p in (*mentees, *mentors)])
    default_languages = config.defaults.languages
    languages = _scale(vocab("languages").values,
                       [p.languages or default_languages for p in (*mentees, *mentors)])
    stages = vocab("career_stage").values
    frequencies = vocab("frequency").values
    terms, goal_vectors, expertise_vectors = text_vectors(
        [m.goals for m in mentees], [expertise_text(m) for m in mentors]) if texts \
        else _no_texts(len(mentees), len(mentors))

    separators = config.separators
    specialty = category_codes([fold(m.specialty) for m in mentees],
                               [fold(m.specialty) for m in mentors])
    institution = category_codes(institution_keys([m.institution for m in mentees], config),
                                 institution_keys([m.institution for m in mentors], config))
    # Sensitive attributes enter only for mentees who asked for the matching preference.
    gender = category_codes(_opted_in(mentees, "same_gender", [fold(m.gender) for m in mentees]),
                            [fold(m.gender) for m in mentors])
    mentee_bg = [folded_keys(m.background, separators) if "shared_background" in m.preferences
                 else () for m in mentees]
    background = _background_matrix(mentee_bg,
                                     [folded_keys(m.background, separators) for m in mentors])

    matched = match_values(cohort, config)
    return CohortFeatures(
        mentee_ids=tuple(m.id for m in mentees),
        mentor_ids=tuple(m.id for m in mentors),
        areas=areas,
        needs=multi_hot([m.need_areas for m in mentees], areas),
        expertise=multi_hot([m.expertise_areas for m in mentors], areas),
        terms=terms,
        goal_vectors=goal_vectors,
        expertise_vectors=expertise_vectors,
        stages=stages,
        mentee_stage=ordinal([m.career_stage for m in mentees], stages),
        mentor_stage=ordinal([m.career_stage for m in mentors], stages),
        roles=roles,
        help_wanted=multi_hot([m.help_wanted or ("mentor",) for m in mentees], roles),
        mentor_roles=multi_hot([m.roles for m in mentors], roles),
        modes=modes,
        mentee_modes=multi_hot([m.modes for m in mentees], modes),
        mentor_modes=multi_hot([m.modes for m in mentors], modes),
        frequencies=frequencies,
        mentee_frequency=ordinal([m.frequency for m in mentees], frequencies),
        mentor_frequency=ordinal([m.frequency for m in mentors], frequencies),
        mentee_offset=_offsets(mentees),
        mentor_offset=_offsets(mentors),
        languages=languages,
        mentee_languages=multi_hot([m.languages or default_languages for m in mentees],
                                   languages),
        mentor_languages=multi_hot([m.languages or default_languages for m in mentors],
                                   languages),
        preferences=multi_hot([m.preferences for m in mentees], PREFERENCES).astype(bool),
        mentee_specialty=specialty[0], mentor_specialty=specialty[1],
        mentee_institution=institution[0], mentor_institution=institution[1],
        mentee_gender=gender[0], mentor_gender=gender[1],
        mentee_background=background[0], mentor_background=background[1],
        rule_inputs=prepare_rule_inputs(cohort, config),
        mentee_match=matched[0], mentor_match=matched[1],
    )


_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def first_number(text: str) -> float:
    """The first number written in ``text`` (``G7`` → 7, ``Grade 11`` → 11); NaN if none."""
    found = _NUMBER.search(text or "")
    return float(found[0].replace(",", ".")) if found else float("nan")


def match_keys(people: Sequence[Mentee] | Sequence[Mentor], match: MatchOn,
               config: ProgramConfig) -> list[str]:
    """Each person's value of a ``[match_on]`` field as text compared for equality
    (folded; institutions through their synonyms; stages by canonical value)."""
    if match.field == "institution":
        return institution_keys([p.institution for p in people], config)
    if match.is_attribute:
        return [fold(p.attributes.get(match.field, "")) for p in people]
    return [fold(getattr(p, match.field) or "") for p in people]


def _gap_values(people: Sequence[Mentee] | Sequence[Mentor], match: MatchOn,
                config: ProgramConfig) -> np.ndarray:
    """Numbers a ``require_gap`` subtracts: a scale rank (a built-in scale, or an
    attribute's own ``[vocabularies.NAME]`` in its order), or the number in an attribute."""
    if match.is_attribute and match.field not in config.vocabularies:
        return np.array([first_number(p.attributes.get(match.field, "")) for p in people],
                        dtype=np.float64)
    scale = config.vocabulary(match.field).values
    values = ([p.attributes.get(match.field) for p in people] if match.is_attribute
              else [getattr(p, match.field) for p in people])
    ranks = ordinal(values, scale).astype(np.float64)
    ranks[ranks < 0] = np.nan
    return ranks


def match_values(cohort: Cohort, config: ProgramConfig
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per ``[match_on.NAME]``: (mentee values, mentor values), see the module docstring."""
    mentee: dict[str, np.ndarray] = {}
    mentor: dict[str, np.ndarray] = {}
    for match in config.match_on:
        if match.kind == "require_gap":
            mentee[match.name] = _gap_values(cohort.mentees, match, config)
            mentor[match.name] = _gap_values(cohort.mentors, match, config)
        else:
            mentee[match.name], mentor[match.name] = category_codes(
                match_keys(cohort.mentees, match, config),
                match_keys(cohort.mentors, match, config))
    return mentee, mentor


def _offsets(people: Sequence[Mentee | Mentor]) -> np.ndarray:
    return np.array([np.nan if p.time_zone is None else p.time_zone for p in people],
                    dtype=np.float32)
