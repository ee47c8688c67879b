"""Explanations of compatibility scores: each component's points and evidence in words.

The explainer never computes a component itself: it calls :func:`scoring.scorer.score_block`
on the mentee rows of the pairs asked about and reads the very arrays the score is summed
from, so an explanation cannot drift from the score. Points are 100·wₖ·cₖ/Σw, rounded to
0.1 with a largest-remainder correction so that the printed points add up exactly to the
printed score. Evidence (shared areas, shared TF-IDF terms, modes, hours apart, preferences)
is read from the same features the components were computed on: the preferences honoured
and the shared terms for a block of pairs at once, and each other sentence once per kind of
pair (a run's thousands of pairs are mostly alike). Sensitive attributes
(``[sensitive] fields``) are never printed: only whether an opt-in preference was honoured,
"meeting modes in common (not named: sensitive)", and for a field withheld from scoring
(career stage, frequency, time zone: :mod:`scoring.sensitivity`) that it was not scored.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from scoring.config import PREFERENCES, ProgramConfig
from scoring.errors import UnknownIdError
from scoring.features import CohortFeatures, area_label, build_features
from scoring.profiles import Cohort
from scoring.rules import clock_difference, rule_sentence
from scoring.scorer import (
    COMPONENTS,
    NEUTRAL,
    ScoreBlock,
    component_names,
    component_weights,
    goal_text_full_at,
    mentor_columns,
    preference_honoured,
    score_block,
)
from scoring.sensitivity import field_words, withheld_note

#: How many shared TF-IDF terms an explanation names.
TOP_TERMS = 5




@dataclass(frozen=True)
class ComponentPoints:
    """One score component of one pair: weight, value in [0, 1], points, evidence."""

    name: str
    weight: float
    value: float
    points: float  # 100 * weight * value / sum(weights), rounded so the points sum to the score
    evidence: str  # a plain sentence, e.g. "Covers 2 of 3 areas you asked for: research, ..."
    neutral: bool = False  # nothing to compare (blank answers): the value is the neutral default


@dataclass(frozen=True)
class PairExplanation:
    """Why a mentee–mentor pair scores what it does, or which rules make it ineligible."""

    mentee_id: str
    mentor_id: str
    score: float
    eligible: bool
    broken_rules: tuple[str, ...]  # rule names, e.g. "shared_language"
    components: tuple[ComponentPoints, ...]
    shared_areas: tuple[str, ...] = ()
    shared_terms: tuple[str, ...] = ()
    shared_modes: tuple[str, ...] = ()
    rule_sentences: tuple[str, ...] = ()  # one per broken rule, same order
    mentee_name: str = ""
    mentor_name: str = ""

    def component(self, name: str) -> ComponentPoints:
        """The component called ``name``."""
        return next(c for c in self.components if c.name == name)

    def reasons(self, n: int = 3) -> list[str]:
        """Up to ``n`` plain-sentence reasons: broken rules first, then components by points."""
        reasons = [f"Not eligible: {sentence}" for sentence in self.rule_sentences]
        ranked = sorted((c for c in self.components if c.points > 0 and not c.neutral),
                        key=lambda c: -c.points)  # stable: ties keep component order
        reasons += [c.evidence for c in ranked]
        return reasons[:n]

    def to_dict(self) -> dict:
        """Plain data for --json output and the run folder."""
        data = asdict(self)
        data["reasons"] = self.reasons()
        return data


@dataclass(frozen=True)
class ComponentDifference:
    """One component of a "why B rather than C" comparison, in printed points."""

    name: str
    points_b: float
    points_c: float
    difference: float  # points_b - points_c
    evidence_b: str
    evidence_c: str


@dataclass(frozen=True)
class Comparison:
    """Why mentor B rather than mentor C for one mentee, component by component."""

    mentee_id: str
    b: PairExplanation
    c: PairExplanation
    differences: tuple[ComponentDifference, ...]  # component order

    @property
    def score_difference(self) -> float:
        return round(self.b.score - self.c.score, 1)

    def summary(self) -> list[str]:
        """Sentences: eligibility, the score gap, and the components that make it (B vs C)."""
        lines = []
        for label, pair in (("B", self.b), ("C", self.c)):
            if not pair.eligible:
                lines.append(f"{label} is not eligible: " + "; ".join(pair.rule_sentences) + ".")
        gap = self.score_difference
        lines.append(f"B scores {self.b.score:.1f} and C {self.c.score:.1f}: "
                     + ("the same." if gap == 0 else
                        f"{'B' if gap > 0 else 'C'} is ahead by {abs(gap):.1f} points."))
        for diff in sorted(self.differences, key=lambda d: -abs(d.difference)):
            if diff.difference:
                lines.append(f"{diff.name.replace('_', ' ')} {diff.difference:+.1f} for B. "
                             f"B: {diff.evidence_b}. C: {diff.evidence_c}.")
        return lines

    def to_dict(self) -> dict:
        return {"mentee_id": self.mentee_id, "b": self.b.to_dict(), "c": self.c.to_dict(),
                "score_difference": self.score_difference,
                "differences": [asdict(d) for d in self.differences],
                "summary": self.summary()}


@dataclass(frozen=True)
class TopCandidates:
    """A mentee's best eligible mentors, and how many mentors were ruled out by which rule."""

    mentee_id: str
    candidates: tuple[PairExplanation, ...]  # best first
    n_mentors: int
    n_eligible: int
    ineligible_by_rule: dict[str, int]  # rule name -> mentors it rules out (a mentor may count
    rule_sentences: dict[str, str]  # under several rules)

    def to_dict(self) -> dict:
        return {"mentee_id": self.mentee_id, "n_mentors": self.n_mentors,
                "n_eligible": self.n_eligible, "ineligible_by_rule": self.ineligible_by_rule,
                "candidates": [c.to_dict() for c in self.candidates]}


def rounded_points(raw: Sequence[float], score: float) -> list[float]:
    """Round ``raw`` points to 0.1 so they sum exactly to ``score`` (already rounded to 0.1).

    Largest-remainder method: floor every value to tenths, then give the missing tenths to
    the values that lost the most (ties: the earlier component).
    """
    tenths = [value * 10.0 for value in raw]
    floors = [math.floor(t + 1e-9) for t in tenths]
    missing = round(score * 10) - sum(floors)
    order = sorted(range(len(raw)), key=lambda k: -(tenths[k] - floors[k]))
    if missing < 0:  # only through float noise at a .x5 boundary: take from the smallest
        order = [k for k in reversed(order) if floors[k] > 0]
    for k in order[:abs(missing)]:
        floors[k] += 1 if missing > 0 else -1
    return [f / 10.0 for f in floors]


def suggest_ids(wanted: str, known: Sequence[str]) -> str:
    """ "Closest ids: a, b" for an unknown id (difflib), or a hint when nothing is close."""
    close = difflib.get_close_matches(wanted, list(known), n=3, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(wanted.casefold(), [k.casefold() for k in known],
                                          n=3, cutoff=0.5)
    return f"Closest ids: {', '.join(close)}." if close else "No id is close to it."


def _positions(ids: Sequence[str]) -> dict[str, int]:
    """Id → its first position in ``ids``."""
    return {known: position for position, known in reversed(list(enumerate(ids)))}


def _index(ids: Sequence[str], wanted: str, side: str,
           positions: Mapping[str, int] | None = None) -> int:
    position = (positions if positions is not None else _positions(ids)).get(wanted)
    if position is not None:
        return position
    raise UnknownIdError(f"No {side} has the id {wanted!r}. {suggest_ids(wanted, ids)} "
                         f"Ids are the values of the {side}s' id column.")


def _join(values: Sequence[str]) -> str:
    return ", ".join(values)


def _utc(offset: float) -> str:
    return f"UTC{offset:+g}" if offset else "UTC"


Evidence = tuple[str, bool, tuple[str, ...]]  # (sentence, neutral?, named items)


@dataclass(frozen=True)
class _PairFacts:
    """What a pair's evidence reads besides the features, worked out for a whole block of
    pairs at once (:func:`_block_facts`): whether the pair honours each opt-in preference
    its block's mentees asked for, and the goal terms it shares (columns, and the products
    of the two TF-IDF weights, float32, in scipy's order of ``multiply``'s non-zeros)."""

    honoured: dict[str, bool]
    term_columns: Sequence[int]
    term_products: np.ndarray


def _evidence(features: CohortFeatures, config: ProgramConfig, i: int, j: int, name: str,
              facts: _PairFacts, worded: dict[tuple, Evidence]) -> Evidence:
    """(sentence, neutral?, named items) for one component of mentee row i × mentor j.

    ``worded`` holds the sentences already written for this cohort and config, by what
    they read (:data:`_EVIDENCE_INPUTS`): a run's thousands of pairs are mostly alike.
    """
    if name == "goal_text":
        return _goal_text_evidence(features, config, i, facts)
    if name == "preferences":  # what it reads: the mentee's row and the pair's honoured
        key = (name, features.preferences[i].tobytes(), tuple(facts.honoured.items()))
        found = worded.get(key)
        if found is None:
            found = worded[key] = _preferences_evidence(features, i, facts)
        return found
    if name not in _EVIDENCE:
        return _reward_evidence(features, config, i, j, name)
    key = (name, *_EVIDENCE_INPUTS[name](features, i, j))
    found = worded.get(key)
    if found is None:
        found = worded[key] = _EVIDENCE[name](features, config, i, j)
    return found


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


def _goal_text_evidence(features: CohortFeatures, config: ProgramConfig, i: int,
                        facts: _PairFacts) -> Evidence:
    columns, products = facts.term_columns, facts.term_products
    if features.goal_vectors.indptr[i] == features.goal_vectors.indptr[i + 1]:
        return "You wrote no goals to compare", False, ()
    if not len(columns):
        return "Your goals and the mentor's expertise share no words", False, ()
    # The largest products first, ties in stored order (a stable sort, as numpy's argsort
    # kind="stable" of the negated products; float32 values are exact as Python floats).
    weights = products.tolist()
    top = sorted(range(len(weights)), key=lambda k: -weights[k])[:TOP_TERMS]
    terms = tuple(str(features.terms[columns[k]]) for k in top)
    cosine = float(products.sum())  # np.sum's own reduction
    return (f"Your goals and the mentor's expertise share {_join(terms)} "
            f"(cosine {cosine:.2f}; full points from {goal_text_full_at(config):g})",
            False, terms)


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


def _preferences_evidence(features: CohortFeatures, i: int, facts: _PairFacts) -> Evidence:
    asked = [p for p, hot in zip(PREFERENCES, features.preferences[i], strict=True) if hot]
    if not asked:
        return "You asked for no preferences (no penalty)", True, ()
    kept = [p for p in asked if facts.honoured[p]]
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
#: What each of those sentences reads of mentee row i and mentor column j (besides the
#: cohort's scales and the config, the same for every pair): pairs alike in it get the
#: same sentence. Bytes compare float values exactly, NaN (unknown) included.
_EVIDENCE_INPUTS: dict[str, Callable[[CohortFeatures, int, int], tuple]] = {
    # the areas asked for, and which of them the mentor covers (not the mentor's whole row:
    # mentors' areas vary far more than what they cover of one mentee's few)
    "need_coverage": lambda f, i, j: (f.needs[i].tobytes(),
                                      ((f.needs[i] != 0) & (f.expertise[j] != 0)).tobytes()),
    "role_fit": lambda f, i, j: (f.help_wanted[i].tobytes(), f.mentor_roles[j].tobytes()),
    "stage_gap": lambda f, i, j: (int(f.mentee_stage[i]), int(f.mentor_stage[j])),
    "time_zone": lambda f, i, j: (f.mentee_offset[i].tobytes(), f.mentor_offset[j].tobytes()),
    "communication": lambda f, i, j: (f.mentee_modes[i].tobytes(), f.mentor_modes[j].tobytes(),
                                      int(f.mentee_frequency[i]), int(f.mentor_frequency[j])),
}


def _block_facts(features: CohortFeatures, chunk: np.ndarray, local_rows: np.ndarray,
                 columns: np.ndarray) -> list[_PairFacts]:
    """:class:`_PairFacts` of the pairs (``chunk[local_rows[p]]``, ``columns[p]``), from one
    array operation per preference and one sorted lookup for all the pairs' goal terms."""
    asked = features.preferences[chunk]
    honoured = {name: preference_honoured(features, chunk, name)[local_rows, columns].tolist()
                for c, name in enumerate(PREFERENCES) if asked[:, c].any()}
    terms = _block_terms(features, chunk[local_rows], columns)
    return [_PairFacts({name: flags[p] for name, flags in honoured.items()}, *terms[p])
            for p in range(len(columns))]


def _block_terms(features: CohortFeatures, rows: np.ndarray, columns: np.ndarray
                 ) -> list[tuple[Sequence[int], np.ndarray]]:
    """Per pair (mentee row ``rows[p]``, mentor ``columns[p]``): the term columns its goals
    and the mentor's expertise share, and the products of their TF-IDF weights (the terms
    of the cosine, float32), for all the pairs in a few array operations.

    Same values, same order as the non-zeros of scipy's ``goal_row.multiply(expertise_row)``
    (ascending columns when both rows are sorted, else the reverse of the goal row's order),
    so that ties among equal products name the same terms and the cosine sums them in the
    same order. A row repeating a column keeps the mentor row's last weight, as a dict does.
    """
    goals, expertise = features.goal_vectors, features.expertise_vectors
    goal_pair, goal_at = _row_entries(goals.indptr, rows)
    mentor_pair, mentor_at = _row_entries(expertise.indptr, columns)
    width = max(goals.shape[1], 1)
    mentor_keys = mentor_pair * width + expertise.indices[mentor_at]
    order = np.argsort(mentor_keys, kind="stable")
    mentor_keys = mentor_keys[order]
    goal_keys = goal_pair * width + goals.indices[goal_at]
    found = np.searchsorted(mentor_keys, goal_keys, side="right") - 1
    hit = found >= 0
    hit[hit] = mentor_keys[found[hit]] == goal_keys[hit]
    # float32 x float32 is exact in float64, so rounding to float32 gives numpy's product.
    products = (goals.data[goal_at[hit]].astype(np.float64)
                * expertise.data[mentor_at[order[found[hit]]]]).astype(np.float32)
    pair, term = goal_pair[hit], goals.indices[goal_at[hit]]
    unsorted = np.union1d(_unsorted(goal_pair, goals.indices[goal_at]),
                          _unsorted(mentor_pair, expertise.indices[mentor_at]))
    flip = _reversed_within(pair, np.isin(pair, unsorted))
    products, pair, term = products[flip], pair[flip], term[flip]
    kept = products != 0
    products, pair, term = products[kept], pair[kept], term[kept]
    bounds = np.searchsorted(pair, np.arange(len(rows) + 1)).tolist()
    return [(term[lo:hi].tolist(), products[lo:hi])
            for lo, hi in zip(bounds, bounds[1:], strict=False)]


def _row_entries(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which of ``rows`` each stored entry belongs to, its position in the CSR arrays), for
    the entries of those rows, row after row in stored order."""
    starts = indptr[rows].astype(np.int64)
    lengths = indptr[rows + 1].astype(np.int64) - starts
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, starts[owner] + np.arange(len(owner), dtype=np.int64) - first


def _unsorted(owner: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """The owners whose entries' columns are not strictly increasing."""
    same = owner[1:] == owner[:-1]
    return np.unique(owner[1:][same & (indices[1:] <= indices[:-1])])


def _reversed_within(owner: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """A permutation of entries grouped by ``owner`` (non-decreasing) that reverses the
    entries of each group where ``flip`` is set and keeps the others in place."""
    position = np.arange(len(owner))
    starts = np.searchsorted(owner, owner, side="left")
    ends = np.searchsorted(owner, owner, side="right")
    return np.where(flip, starts + ends - 1 - position, position)


def _explain_one(cohort: Cohort, features: CohortFeatures, config: ProgramConfig,
                 weights: Sequence[float], total_weight: float,
                 pair: _PairNumbers, facts: _PairFacts,
                 worded: dict[tuple, Evidence], names: Sequence[str],
                 sentences: Mapping[str, str]) -> PairExplanation:
    """The explanation of one pair from its numbers (column ``pair.j`` of ``features`` is
    cohort mentor ``pair.mentor``); ``names`` are the config's component names and
    ``sentences`` each rule's sentence (worked out once per call)."""
    raw = [100.0 * w * v / total_weight for w, v in zip(weights, pair.values, strict=True)]
    score = round(pair.total, 1)
    points = rounded_points(raw, score)
    parts, named = [], {}
    for name, weight, value, point in zip(names, weights, pair.values, points, strict=True):
        sentence, neutral, items = _evidence(features, config, pair.i, pair.j, name, facts,
                                             worded)
        named[name] = items
        parts.append(ComponentPoints(name=name, weight=weight, value=value,
                                     points=point, evidence=sentence, neutral=neutral))
    return PairExplanation(
        mentee_id=features.mentee_ids[pair.i], mentor_id=features.mentor_ids[pair.j],
        score=score, eligible=pair.eligible, broken_rules=pair.broken, components=tuple(parts),
        shared_areas=named["need_coverage"], shared_terms=named["goal_text"],
        shared_modes=named["communication"],
        rule_sentences=tuple(map(sentences.__getitem__, pair.broken)),
        mentee_name=cohort.mentees[pair.i].name, mentor_name=cohort.mentors[pair.mentor].name)


@dataclass(frozen=True)
class _PairNumbers:
    """A pair's numbers as the scorer computed them: mentee row i, column j of the block's
    features (cohort mentor ``mentor``), component values, total, eligibility, broken rules."""

    i: int
    j: int
    mentor: int
    values: list[float]
    total: float
    eligible: bool
    broken: tuple[str, ...]


def _pair_numbers(block: ScoreBlock, rows: list[int], columns: list[int],
                  mentors: list[int], local_rows: list[int]) -> list[_PairNumbers]:
    """Every listed pair's numbers, read out of ``block`` in one indexing per array."""
    k, j = np.array(local_rows, dtype=np.intp), np.array(columns, dtype=np.intp)
    values = np.stack([component[k, j] for component in block.components.values()],
                      axis=1).tolist()
    totals, eligible = block.total[k, j].tolist(), block.eligible[k, j].tolist()
    broken = [rule for rule, mask in block.violations.items() if mask[k, j].any()]
    masks = {rule: block.violations[rule][k, j].tolist() for rule in broken}
    # in the violations' order; most blocks of a run's pairs break no rule at all
    rules = ([tuple(rule for rule in broken if masks[rule][p]) for p in range(len(rows))]
             if broken else [()] * len(rows))
    return [_PairNumbers(i=rows[p], j=columns[p], mentor=mentors[p], values=values[p],
                         total=totals[p], eligible=eligible[p], broken=rules[p])
            for p in range(len(rows))]


def explain_pairs(cohort: Cohort, config: ProgramConfig, pairs: Sequence[tuple[str, str]],
                  features: CohortFeatures | None = None) -> list[PairExplanation]:
    """Explain each (mentee_id, mentor_id) pair, in the order given.

    Raises :class:`UnknownIdError` (an InputError) naming the closest ids for an unknown id.
    Pass ``features`` to reuse those of an earlier :func:`build_features` call.

    Pairs are scored in blocks of :data:`EXPLAIN_BLOCK_ROWS` mentees against only the
    mentors those mentees are paired with (:func:`.scorer.mentor_columns`), so explaining a
    whole run's pairs costs about as much as scoring the pairs themselves, not the whole cohort;
    each block's numbers are read out for all its pairs at once.
    """
    features = features if features is not None else build_features(cohort, config)
    mentee_at, mentor_at = _positions(features.mentee_ids), _positions(features.mentor_ids)
    indexed = [(_index(features.mentee_ids, e, "mentee", mentee_at),
                _index(features.mentor_ids, m, "mentor", mentor_at)) for e, m in pairs]
    by_row: dict[int, set[int]] = {}
    for i, j in indexed:
        by_row.setdefault(i, set()).add(j)
    rows = sorted(by_row)
    found: dict[tuple[int, int], PairExplanation] = {}
    # The blocks are small (a few hundred mentees x mentors): extra BLAS threads only add
    # hand-over costs, which grow tenfold when another process keeps the other core busy.
    with threadpool_limits(limits=1, user_api="blas"):
        _explain_blocks(cohort, config, features, rows, by_row, found)
    return [found[pair] for pair in indexed]


def _explain_blocks(cohort: Cohort, config: ProgramConfig, features: CohortFeatures,
                    rows: list[int], by_row: dict[int, set[int]],
                    found: dict[tuple[int, int], PairExplanation]) -> None:
    weight_array = component_weights(config)
    weights, total_weight = weight_array.tolist(), float(weight_array.sum())
    worded: dict[tuple, Evidence] = {}
    names = component_names(config)
    sentences = _RuleSentences(config)
    for start in range(0, len(rows), EXPLAIN_BLOCK_ROWS):
        chunk = rows[start:start + EXPLAIN_BLOCK_ROWS]
        columns = sorted(set().union(*(by_row[i] for i in chunk)))
        local = mentor_columns(features, np.array(columns, dtype=np.intp))
        if local is None:  # features this module cannot narrow: score every mentor
            local, columns = features, list(range(features.n_mentors))
        column_at = {j: c for c, j in enumerate(columns)}
        block = score_block(local, config, np.array(chunk, dtype=np.intp))
        chosen = [(k, i, j) for k, i in enumerate(chunk) for j in sorted(by_row[i])]
        local_rows = [k for k, _, _ in chosen]
        local_columns = [column_at[j] for _, _, j in chosen]
        numbers = _pair_numbers(block, [i for _, i, _ in chosen], local_columns,
                                [j for _, _, j in chosen], local_rows)
        facts = _block_facts(local, np.array(chunk, dtype=np.intp),
                             np.array(local_rows, dtype=np.intp),
                             np.array(local_columns, dtype=np.intp))
        for pair, pair_facts in zip(numbers, facts, strict=True):
            found[(pair.i, pair.mentor)] = _explain_one(cohort, local, config, weights,
                                                         total_weight, pair, pair_facts,
                                                         worded, names, sentences)


class _RuleSentences(dict[str, str]):
    """Each rule's :func:`rule_sentence` for one config, worked out when first asked for."""

    def __init__(self, config: ProgramConfig) -> None:
        super().__init__()
        self._config = config

    def __missing__(self, rule: str) -> str:
        sentence = self[rule] = rule_sentence(rule, self._config)
        return sentence


#: Mentee rows per scoring block when explaining many pairs.
EXPLAIN_BLOCK_ROWS = 256
def compare(cohort: Cohort, config: ProgramConfig, mentee_id: str, mentor_b: str,
            mentor_c: str, features: CohortFeatures | None = None) -> Comparison:
    """Why ``mentor_b`` rather than ``mentor_c`` for ``mentee_id``, component by component."""
    b, c = explain_pairs(cohort, config, [(mentee_id, mentor_b), (mentee_id, mentor_c)],
                         features)
    differences = tuple(
        ComponentDifference(name=x.name, points_b=x.points, points_c=y.points,
                            difference=round(x.points - y.points, 1),
                            evidence_b=x.evidence, evidence_c=y.evidence)
        for x, y in zip(b.components, c.components, strict=True))
    return Comparison(mentee_id=mentee_id, b=b, c=c, differences=differences)


def top_candidates(cohort: Cohort, config: ProgramConfig, mentee_id: str, n: int = 5,
                   features: CohortFeatures | None = None) -> TopCandidates:
    """The ``n`` best eligible mentors for a mentee (ties: input order) and the rules' tally."""
    features = features if features is not None else build_features(cohort, config)
    i = _index(features.mentee_ids, mentee_id, "mentee")
    block = score_block(features, config, np.array([i]))
    eligible = np.flatnonzero(block.eligible[0])
    best = eligible[np.argsort(-block.total[0, eligible], kind="stable")][:max(n, 0)]
    candidates = explain_pairs(cohort, config,
                               [(mentee_id, features.mentor_ids[j]) for j in best], features)
    tally = {rule: int(mask[0].sum()) for rule, mask in block.violations.items() if mask[0].any()}
    return TopCandidates(mentee_id=mentee_id, candidates=tuple(candidates),
                         n_mentors=features.n_mentors, n_eligible=int(eligible.size),
                         ineligible_by_rule=tally,
                         rule_sentences={rule: rule_sentence(rule, config) for rule in tally})


__all__ = [
    "COMPONENTS", "NEUTRAL", "ComponentPoints", "PairExplanation", "ComponentDifference",
    "Comparison", "TopCandidates", "UnknownIdError", "explain_pairs", "compare",
    "top_candidates", "rounded_points",
]
