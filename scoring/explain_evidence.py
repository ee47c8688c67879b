"""The evidence sentences of explanations: each component's words for many pairs at once.

:mod:`scoring.explain` asks for the sentences of a list of pairs (mentee rows and mentor
columns of the cohort's features). Each component's sentence reads a few of the pair's
features (the areas asked for and covered, the roles, the stages, the time zones, the modes
and frequencies, a reward's two values, the preferences asked for and honoured): the pairs
are grouped by exactly those inputs with one array sort (:func:`groups`, bytes compared, so
NaN and -0.0 are inputs like any other) and each group's sentence is written once — a run's
thousands of pairs share a few hundred. The goal-text sentence names each pair's own shared
terms: the terms and their TF-IDF products are found for all the pairs in a few array
operations (:func:`shared_terms`) and the best :data:`TOP_TERMS` of each pair picked with one
stable sort. Sensitive fields are never printed (see :mod:`scoring.explain`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from scoring.config import PREFERENCES, ProgramConfig
from scoring.features import CohortFeatures, area_label
from scoring.rules import clock_difference
from scoring.scorer import goal_text_full_at
from scoring.sensitivity import field_words, withheld_note

#: How many shared TF-IDF terms an explanation names.
TOP_TERMS = 5

Evidence = tuple[str, bool, tuple[str, ...]]  # (sentence, neutral?, named items)


def _join(values: Sequence[str]) -> str:
    return ", ".join(values)


def _utc(offset: float) -> str:
    return f"UTC{offset:+g}" if offset else "UTC"


@dataclass(frozen=True)
class Worded:
    """One component's evidence for a list of pairs: each distinct evidence once, and
    which of them each pair has."""

    evidences: list[Evidence]
    of_pair: np.ndarray  # pair -> index into ``evidences``

    def __getitem__(self, pair: int) -> Evidence:
        return self.evidences[self.of_pair[pair]]


def component_evidence(features: CohortFeatures, config: ProgramConfig,
                       names: Sequence[str], rows: np.ndarray, mentors: np.ndarray,
                       honoured: np.ndarray) -> list[Worded]:
    """Per component of ``names`` (in that order), the evidence of each pair (mentee row
    ``rows[p]``, mentor column ``mentors[p]`` of ``features``); ``honoured`` (pairs ×
    PREFERENCES, bool) says which opt-in preferences each pair honours (read only where
    its mentee asked)."""
    found = []
    for name in names:
        if name == "goal_text":
            found.append(Worded(goal_text_evidence(features, config, rows, mentors),
                                np.arange(len(rows))))
            continue
        first, group = groups(len(rows), _inputs(features, name, rows, mentors, honoured))
        found.append(Worded([_sentence(features, config, name, int(rows[p]), int(mentors[p]),
                                       honoured[p].tolist()) for p in first.tolist()], group))
    return found


def _inputs(features: CohortFeatures, name: str, rows: np.ndarray, mentors: np.ndarray,
            honoured: np.ndarray) -> tuple[np.ndarray, ...]:
    """What component ``name``'s sentence reads of each pair, a row per pair (besides the
    cohort's scales and the config, the same for every pair)."""
    if name == "preferences":  # what was asked, and which of it the pair honours
        asked = features.preferences[rows]
        return asked, asked & honoured
    if name in _EVIDENCE_INPUTS:
        return _EVIDENCE_INPUTS[name](features, rows, mentors)
    return features.mentee_match[name][rows], features.mentor_match[name][mentors]


def _sentence(features: CohortFeatures, config: ProgramConfig, name: str, i: int, j: int,
              honoured: Sequence[bool]) -> Evidence:
    """The evidence of component ``name`` (not the goal text) for mentee row i × mentor j."""
    if name == "preferences":
        return _preferences_evidence(features, i, honoured)
    if name in _EVIDENCE:
        return _EVIDENCE[name](features, config, i, j)
    return _reward_evidence(features, config, i, j, name)


def groups(n: int, keys: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(one member of each group, each of the ``n`` pairs' group) of the pairs alike in
    every array of ``keys`` (row ``p`` of each is pair ``p``'s), compared as bytes."""
    parts = [np.ascontiguousarray(key).reshape(n, -1).view(np.uint8).reshape(n, -1)
             for key in keys]
    width = sum(part.shape[1] for part in parts)
    if n == 0 or width == 0:
        return np.zeros(min(n, 1), dtype=np.intp), np.zeros(n, dtype=np.intp)
    packed = np.ascontiguousarray(np.concatenate(parts, axis=1))
    _, first, group = np.unique(packed.view(np.dtype((np.void, width))).ravel(),
                                return_index=True, return_inverse=True)
    return first, group.reshape(-1)


def _reward_evidence(features: CohortFeatures, config: ProgramConfig, i: int, j: int,
                     name: str) -> Evidence:
    """A ``[match_on]`` reward: same or different value (values are the program's own,
    not sensitive fields, so they may be named)."""
    match = next(m for m in config.rewards if m.name == name)
    label = match.field.replace("_", " ")
    mentee, mentor = features.mentee_match[name][i], features.mentor_match[name][j]
    if mentee < 0 or mentor < 0:
        return f"{label.capitalize()} not given on one side (neutral value)", True, ()
    if mentee == mentor:
        return f"Same {label}", False, ()
    return f"Different {label}", False, ()


def _need_coverage_evidence(features: CohortFeatures, _config: ProgramConfig, i: int,
                            j: int) -> Evidence:
    asked = [features.areas[k] for k in np.flatnonzero(features.needs[i]).tolist()]
    covered = tuple(a for a in asked if features.expertise[j, features.areas.index(a)])
    labels = [area_label(a) for a in covered]
    if not asked:
        return "You listed no need areas (neutral value)", True, ()
    if not covered:
        return (f"Covers none of the {len(asked)} areas you asked for "
                f"({_join([area_label(a) for a in asked])})", False, ())
    return (f"Covers {len(covered)} of {len(asked)} areas you asked for: {_join(labels)}",
            False, tuple(labels))


def goal_text_evidence(features: CohortFeatures, config: ProgramConfig, rows: np.ndarray,
                       mentors: np.ndarray) -> list[Evidence]:
    """The goal-text evidence of each pair: the :data:`TOP_TERMS` terms with the largest
    products of the two TF-IDF weights (ties in scipy's order of ``multiply``'s non-zeros,
    see :func:`shared_terms`), and the cosine, summed by ``np.sum`` over those products in
    that order, as the scorer's sparse product sums them."""
    pair, term, products = shared_terms(features, rows, mentors)
    bounds = np.searchsorted(pair, np.arange(len(rows) + 1))
    # Per pair, the largest products first, ties in stored order (a stable sort).
    order = np.lexsort((-products, pair))
    rank = np.arange(len(order)) - bounds[pair[order]]
    best = order[rank < TOP_TERMS]
    best_bounds = np.searchsorted(pair[best], np.arange(len(rows) + 1)).tolist()
    names = features.terms[term[best]].tolist()
    no_goals = (features.goal_vectors.indptr[rows] == features.goal_vectors.indptr[rows + 1])
    full_at = f"full points from {goal_text_full_at(config):g})"
    cosines = _cosines(products, bounds)
    found: list[Evidence] = []
    edges = bounds.tolist()
    for p, empty in enumerate(no_goals.tolist()):
        if empty:
            found.append(("You wrote no goals to compare", False, ()))
            continue
        if edges[p] == edges[p + 1]:
            found.append(("Your goals and the mentor's expertise share no words", False, ()))
            continue
        terms = tuple(map(str, names[best_bounds[p]:best_bounds[p + 1]]))
        found.append((f"Your goals and the mentor's expertise share {_join(terms)} "
                      f"(cosine {cosines[p]:.2f}; {full_at}", False, terms))
    return found


def _cosines(products: np.ndarray, bounds: np.ndarray) -> list[float]:
    """Per pair, ``np.sum`` of its products (float32, in stored order; pair p's are
    ``products[bounds[p]:bounds[p + 1]]``), as a float. One or two products are summed for
    all such pairs at once (one addition: the same float in any order); more, pair by pair
    by ``np.sum`` itself, whose order of additions is its own."""
    lengths = np.diff(bounds)
    first = products[np.minimum(bounds[:-1], max(len(products) - 1, 0))] if len(products) \
        else np.zeros(len(lengths), dtype=np.float32)
    second = products[np.minimum(bounds[:-1] + 1, max(len(products) - 1, 0))] \
        if len(products) else first
    sums = np.where(lengths == 2, first + second, np.where(lengths == 1, first, 0))
    cosines = sums.astype(np.float32).tolist()
    edges = bounds.tolist()
    for p in np.flatnonzero(lengths > 2).tolist():
        cosines[p] = float(products[edges[p]:edges[p + 1]].sum())
    return cosines


def _role_fit_evidence(features: CohortFeatures, _config: ProgramConfig, i: int,
                       j: int) -> Evidence:
    wanted = [r for r, hot in zip(features.roles, features.help_wanted[i], strict=True) if hot]
    offered = [r for r in wanted if features.mentor_roles[j, features.roles.index(r)]]
    missing = [r for r in wanted if r not in offered]
    if not offered:
        return f"Does not offer the help you want ({_join(wanted)})", False, ()
    if not missing:
        return f"Offers the help you want: {_join(offered)}", False, ()
    return (f"Offers {len(offered)} of {len(wanted)} kinds of help you want: "
            f"{_join(offered)} (not {_join(missing)})", False, ())


def _not_scored(field: str) -> Evidence:
    """The evidence of a component whose field is withheld from scoring (sensitive)."""
    note = withheld_note([field])
    return f"{note[:1].upper()}{note[1:]}: every pair gets the neutral value", True, ()


def _stage_gap_evidence(features: CohortFeatures, config: ProgramConfig, i: int,
                        j: int) -> Evidence:
    if "career_stage" in config.sensitive.unscored:
        return _not_scored("career_stage")
    mentee, mentor = int(features.mentee_stage[i]), int(features.mentor_stage[j])
    if mentee < 0 or mentor < 0:
        return "Career stage unknown on one side (neutral value)", True, ()
    low, high = config.scoring.preferred_stage_gap
    gap = mentor - mentee
    stages = (f"{area_label(features.stages[mentee])} → "
              f"{area_label(features.stages[mentor])}")
    where = ("at the same stage as you" if gap == 0 else
             f"{abs(gap)} stage{'s' if abs(gap) != 1 else ''} "
             f"{'senior' if gap > 0 else 'junior'} to you")
    return f"Mentor is {where} ({stages}; preferred {low}–{high} senior)", False, ()


def _time_zone_evidence(features: CohortFeatures, config: ProgramConfig, i: int,
                        j: int) -> Evidence:
    if "time_zone" in config.sensitive.unscored:
        return _not_scored("time_zone")
    mentee, mentor = float(features.mentee_offset[i]), float(features.mentor_offset[j])
    if math.isnan(mentee) or math.isnan(mentor):
        return "Time zone unknown on one side (neutral value)", True, ()
    hours = float(clock_difference(np.float32(mentee), np.float32(mentor)))
    if hours == 0:
        return f"Same time zone ({_utc(mentee)})", False, ()
    return (f"{hours:g} hour{'s' if hours != 1 else ''} apart "
            f"({_utc(mentee)} vs {_utc(mentor)})", False, ())


def _preferences_evidence(features: CohortFeatures, i: int, honoured: Sequence[bool]
                          ) -> Evidence:
    """``honoured``: per preference of PREFERENCES, whether the pair honours it (read only
    for those mentee ``i`` asked for)."""
    asked = [p for p, hot in zip(PREFERENCES, features.preferences[i], strict=True) if hot]
    if not asked:
        return "You asked for no preferences (no penalty)", True, ()
    kept = [p for p in asked if honoured[PREFERENCES.index(p)]]
    unmet = [p for p in asked if p not in kept]
    parts = []
    if kept:
        parts.append(f"Honours your preference for {_join([area_label(p) for p in kept])}")
    if unmet:
        parts.append(("Does not honour" if not kept else "not")
                     + f" {_join([area_label(p) for p in unmet])}")
    return "; ".join(parts), False, ()


def _communication_evidence(features: CohortFeatures, config: ProgramConfig, i: int,
                            j: int) -> Evidence:
    mentee_modes = [m for m, hot in zip(features.modes, features.mentee_modes[i], strict=True)
                    if hot]
    mentor_modes = {m for m, hot in zip(features.modes, features.mentor_modes[j], strict=True)
                    if hot}
    shared = tuple(area_label(m) for m in mentee_modes if m in mentor_modes)
    if not mentee_modes or not mentor_modes:
        modes = "modes unknown on one side"
    elif shared and "modes" in config.sensitive_fields:
        modes = f"{field_words('modes')} in common (not named: sensitive)"
        shared = ()
    elif shared:
        modes = f"both use {_join(shared)}"
    else:
        modes = "no communication mode in common"
    mentee, mentor = int(features.mentee_frequency[i]), int(features.mentor_frequency[j])
    if "frequency" in config.sensitive.unscored:
        frequency = "meeting frequency not scored (sensitive)"
    elif mentee < 0 or mentor < 0:
        frequency = "meeting frequency unknown on one side"
    elif mentee == mentor:
        frequency = f"both want to meet {features.frequencies[mentee]}"
    else:
        steps = abs(mentee - mentor)
        frequency = (f"meeting {features.frequencies[mentee]} vs {features.frequencies[mentor]} "
                     f"({steps} step{'s' if steps != 1 else ''} apart)")
    neutral = (not mentee_modes or not mentor_modes) and (mentee < 0 or mentor < 0)
    sentence = f"{modes}; {frequency}"
    return sentence[0].upper() + sentence[1:], neutral, shared


#: The evidence sentence of each component read from the features and the config alone.
_EVIDENCE: dict[str, Callable[[CohortFeatures, ProgramConfig, int, int], Evidence]] = {
    "need_coverage": _need_coverage_evidence, "role_fit": _role_fit_evidence,
    "stage_gap": _stage_gap_evidence, "time_zone": _time_zone_evidence,
    "communication": _communication_evidence,
}
#: What each of those sentences reads of the mentee rows and mentor columns (besides the
#: cohort's scales and the config, the same for every pair), a row per pair: pairs alike in
#: it get the same sentence.
_EVIDENCE_INPUTS: dict[str, Callable[[CohortFeatures, np.ndarray, np.ndarray],
                                     tuple[np.ndarray, ...]]] = {
    # the areas asked for, and which of them the mentor covers (not the mentor's whole row:
    # mentors' areas vary far more than what they cover of one mentee's few)
    "need_coverage": lambda f, i, j: (f.needs[i], (f.needs[i] != 0) & (f.expertise[j] != 0)),
    "role_fit": lambda f, i, j: (f.help_wanted[i], f.mentor_roles[j]),
    "stage_gap": lambda f, i, j: (f.mentee_stage[i], f.mentor_stage[j]),
    "time_zone": lambda f, i, j: (f.mentee_offset[i], f.mentor_offset[j]),
    "communication": lambda f, i, j: (f.mentee_modes[i], f.mentor_modes[j],
                                      f.mentee_frequency[i], f.mentor_frequency[j]),
}


def shared_terms(features: CohortFeatures, rows: np.ndarray, columns: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The goal terms each pair (mentee row ``rows[p]``, mentor ``columns[p]``) shares with
    its mentor's expertise: (pair, term column, product of the two TF-IDF weights, float32)
    of every non-zero product, grouped by pair in pair order, for all the pairs in a few
    array operations.

    Same values, same order within a pair as the non-zeros of scipy's
    ``goal_row.multiply(expertise_row)`` (ascending columns when both rows are sorted, else
    the reverse of the goal row's order), so that ties among equal products name the same
    terms and the cosine sums them in the same order. A row repeating a column keeps the
    mentor row's last weight, as a dict does.
    """
    goals, expertise = features.goal_vectors, features.expertise_vectors
    width = max(goals.shape[1], 1)
    # Each distinct mentor's entries once, sorted by (mentor, column), stably: a mentor has
    # many pairs, and a goal entry's match is the last entry of its column in the row.
    mentors, mentor_of = np.unique(columns, return_inverse=True)
    mentor_owner, mentor_at = _row_entries(expertise.indptr, mentors)
    mentor_keys = mentor_owner * width + expertise.indices[mentor_at]
    order = np.argsort(mentor_keys, kind="stable")
    mentor_keys = mentor_keys[order]
    goal_pair, goal_at = _row_entries(goals.indptr, rows)
    goal_keys = mentor_of.reshape(-1)[goal_pair] * width + goals.indices[goal_at]
    found = np.searchsorted(mentor_keys, goal_keys, side="right") - 1
    hit = found >= 0
    hit[hit] = mentor_keys[found[hit]] == goal_keys[hit]
    # float32 x float32 is exact in float64, so rounding to float32 gives numpy's product.
    products = (goals.data[goal_at[hit]].astype(np.float64)
                * expertise.data[mentor_at[order[found[hit]]]]).astype(np.float32)
    pair, term = goal_pair[hit], goals.indices[goal_at[hit]]
    unsorted = (_unsorted(goal_pair, goals.indices[goal_at], len(rows))
                | _unsorted(mentor_owner, expertise.indices[mentor_at],
                            len(mentors))[mentor_of.reshape(-1)])
    flip = _reversed_within(pair, unsorted[pair])
    products, pair, term = products[flip], pair[flip], term[flip]
    kept = products != 0
    return pair[kept], term[kept], products[kept]


def _row_entries(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which of ``rows`` each stored entry belongs to, its position in the CSR arrays), for
    the entries of those rows, row after row in stored order."""
    starts = indptr[rows].astype(np.int64)
    lengths = indptr[rows + 1].astype(np.int64) - starts
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, starts[owner] + np.arange(len(owner), dtype=np.int64) - first


def _unsorted(owner: np.ndarray, indices: np.ndarray, owners: int) -> np.ndarray:
    """Per owner (of ``owners``), whether its entries' columns are not strictly increasing."""
    same = owner[1:] == owner[:-1]
    found = np.zeros(owners, dtype=bool)
    found[owner[1:][same & (indices[1:] <= indices[:-1])]] = True
    return found


def _reversed_within(owner: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """A permutation of entries grouped by ``owner`` (non-decreasing) that reverses the
    entries of each group where ``flip`` is set and keeps the others in place."""
    position = np.arange(len(owner))
    starts = np.searchsorted(owner, owner, side="left")
    ends = np.searchsorted(owner, owner, side="right")
    return np.where(flip, starts + ends - 1 - position, position)
