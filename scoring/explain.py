"""Explanations of compatibility scores: each component's points and evidence in words.

The explainer never computes a component itself: it calls :func:`scoring.scorer.score_block`
on the mentee rows of the pairs asked about and reads the very arrays the score is summed
from, so an explanation cannot drift from the score. Points are 100·wₖ·cₖ/Σw, rounded to
0.1 with a largest-remainder correction so that the printed points add up exactly to the
printed score. Evidence (shared areas, shared TF-IDF terms, modes, hours apart, preferences)
is read from the same features the components were computed on (:mod:`scoring.explain_evidence`:
each sentence once per kind of pair, the shared terms of all pairs at once). The pairs are
scored in blocks; their points are rounded and their sentences written for all the pairs at
once, with array operations that give the very floats one pair's Python arithmetic gives.
Sensitive attributes
(``[sensitive] fields``) are never printed: only whether an opt-in preference was honoured,
"meeting modes in common (not named: sensitive)", and for a field withheld from scoring
(career stage, frequency, time zone: :mod:`scoring.sensitivity`) that it was not scored.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from operator import attrgetter

import numpy as np

from scoring.config import PREFERENCES, ProgramConfig
from scoring.errors import UnknownIdError
from scoring.explain_evidence import Worded, component_evidence, groups
from scoring.features import CohortFeatures, build_features
from scoring.profiles import Cohort
from scoring.rules import rule_sentence
from scoring.scorer import (
    COMPONENTS,
    NEUTRAL,
    component_names,
    component_weights,
    mentor_columns,
    one_blas_thread,
    preference_honoured,
    score_block,
)


@dataclass(frozen=True)
class ComponentPoints:
    """One score component of one pair: weight, value in [0, 1], points, evidence."""

    name: str
    weight: float
    value: float
    points: float  # 100 * weight * value / sum(weights), rounded so the points sum to the score
    evidence: str  # a plain sentence, e.g. "Covers 2 of 3 areas you asked for: research, ..."
    neutral: bool = False  # nothing to compare (blank answers): the value is the neutral default


#: A component's points (the key that ranks reasons).
_POINTS = attrgetter("points")


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
        ranked = [c for c in self.components if c.points > 0 and not c.neutral]
        ranked.sort(key=_POINTS, reverse=True)  # stable, reversed too: ties keep their order
        reasons = ([f"Not eligible: {sentence}" for sentence in self.rule_sentences]
                   if self.rule_sentences else [])
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
    the values that lost the most (ties: the earlier component). One pair's
    :func:`rounded_tenths`.
    """
    tenths = rounded_tenths(np.array([raw], dtype=np.float64).reshape(1, len(raw)),
                            np.array([score], dtype=np.float64))
    return (tenths[0] / 10.0).tolist()


def rounded_tenths(raw: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """:func:`rounded_points` of every row of ``raw`` (pairs × components, float64) at once,
    in tenths (float64 integers): each row sums to its score (``scores``, rounded to 0.1).

    The same float operations as one pair's arithmetic in Python: a tenth more for the
    ``missing`` values that lost the most (a stable sort, so ties go to the earlier
    component), or, when float noise at a .x5 boundary makes ``missing`` negative, a tenth
    less for the ones that lost the least among those above zero.
    """
    tenths = raw * 10.0
    floors = np.floor(tenths + 1e-9)
    missing = (np.rint(scores * 10.0) - floors.sum(axis=1))[:, None]
    order = np.argsort(-(tenths - floors), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(raw.shape[1])[None, :], axis=1)
    given = (missing > 0) & (rank < missing)
    # missing < 0: the order reversed, skipping the values already at zero
    backwards = order[:, ::-1]
    above_zero = np.take_along_axis(floors, backwards, axis=1) > 0
    taken_backwards = above_zero & (np.cumsum(above_zero, axis=1) <= -missing)
    taken = np.zeros_like(given)
    np.put_along_axis(taken, backwards, taken_backwards, axis=1)
    return floors + given - taken


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


#: Up to this many ids are looked up by scanning the ids (``tuple.index``), more through one
#: dict of every id: building it costs as much as a few hundred scans of 10,000 ids, and
#: ``explain --vs`` looks up three.
SCANNED_IDS = 64


def _finder(ids: Sequence[str], side: str, lookups: int) -> Callable[[str], int]:
    """A function from an id to its first position in ``ids`` that raises
    :class:`UnknownIdError` naming the closest ids for an unknown id."""
    positions = _positions(ids) if lookups > SCANNED_IDS else None

    def find(wanted: str) -> int:
        if positions is not None:
            position = positions.get(wanted)
            if position is not None:
                return position
        elif wanted in ids:
            return ids.index(wanted)
        raise UnknownIdError(f"No {side} has the id {wanted!r}. {suggest_ids(wanted, ids)} "
                             f"Ids are the values of the {side}s' id column.")
    return find


def explain_pairs(cohort: Cohort, config: ProgramConfig, pairs: Sequence[tuple[str, str]],
                  features: CohortFeatures | None = None) -> list[PairExplanation]:
    """Explain each (mentee_id, mentor_id) pair, in the order given.

    Raises :class:`UnknownIdError` (an InputError) naming the closest ids for an unknown id.
    Pass ``features`` to reuse those of an earlier :func:`build_features` call.

    Pairs are scored in blocks of :data:`EXPLAIN_BLOCK_ROWS` mentees against only the
    mentors those mentees are paired with (:func:`.scorer.mentor_columns`), so explaining a
    whole run's pairs costs about as much as scoring the pairs themselves, not the whole cohort;
    each block's numbers are read out for all its pairs at once. The mentees are put in
    blocks in the order of their first mentor, so that a block's mentees share mentors (at
    10,000 synthetic pairs a block has 54 mentors on average in this order, 274 in mentee
    order): the scorer's values do not depend on the block (:func:`.scorer.score_pairs`).
    """
    features = features if features is not None else build_features(cohort, config)
    mentee_at = _finder(features.mentee_ids, "mentee", len(pairs))
    mentor_at = _finder(features.mentor_ids, "mentor", len(pairs))
    indexed = [(mentee_at(e), mentor_at(m)) for e, m in pairs]
    by_row: dict[int, set[int]] = {}
    for i, j in indexed:
        by_row.setdefault(i, set()).add(j)
    rows = sorted(by_row, key=lambda i: (min(by_row[i]), i))  # mentees sharing mentors
    # The blocks are small (a few hundred mentees x mentors): extra BLAS threads only add
    # hand-over costs, which grow tenfold when another process keeps the other core busy.
    with one_blas_thread():
        found = _explain_blocks(cohort, config, features, rows, by_row)
    return [found[pair] for pair in indexed]


def _explain_blocks(cohort: Cohort, config: ProgramConfig, features: CohortFeatures,
                    rows: list[int], by_row: dict[int, set[int]]
                    ) -> dict[tuple[int, int], PairExplanation]:
    """The explanation of each pair (mentee row, mentor) of ``by_row``: the numbers scored
    block by block, then the points and sentences of all the pairs at once."""
    names = component_names(config)
    numbers = [_block_numbers(features, config, rows[start:start + EXPLAIN_BLOCK_ROWS], by_row)
               for start in range(0, len(rows), EXPLAIN_BLOCK_ROWS)]
    if not numbers:
        return {}
    pair_mentees = np.concatenate([block.mentees for block in numbers])
    pair_mentors = np.concatenate([block.mentors for block in numbers])
    values = np.concatenate([block.values for block in numbers]).astype(np.float64)
    scores = [round(total, 1) for block in numbers for total in block.totals.tolist()]
    weight_array = component_weights(config)
    raw = 100.0 * weight_array * values / float(weight_array.sum())
    points = rounded_tenths(raw, np.array(scores, dtype=np.float64)) / 10.0
    evidence = component_evidence(features, config, names, pair_mentees, pair_mentors,
                                  np.concatenate([block.honoured for block in numbers]))
    components = list(zip(*(
        _component_points(name, weight, values[:, k], points[:, k], evidence[k])
        for k, (name, weight) in enumerate(zip(names, weight_array.tolist(), strict=True))),
        strict=True))
    eligible = [flag for block in numbers for flag in block.eligible.tolist()]
    broken = [rules for block in numbers for rules in block.broken]
    sentences = _RuleSentences(config)
    areas, terms, modes = ([worded.evidences[k][2] for k in worded.of_pair.tolist()]
                           for worded in (evidence[names.index(name)] for name in
                                          ("need_coverage", "goal_text", "communication")))
    mentee_ids, mentor_ids = features.mentee_ids, features.mentor_ids
    mentees, mentors = cohort.mentees, cohort.mentors
    found = {}
    for i, j, score, ok, rules, parts, area, term, mode in zip(
            pair_mentees.tolist(), pair_mentors.tolist(), scores, eligible, broken, components,
            areas, terms, modes, strict=True):
        found[(i, j)] = PairExplanation(  # positionally, in the fields' order
            mentee_ids[i], mentor_ids[j], score, ok, rules, parts, area, term, mode,
            tuple(map(sentences.__getitem__, rules)) if rules else (),
            mentees[i].name, mentors[j].name)
    return found


def _component_points(name: str, weight: float, values: np.ndarray, points: np.ndarray,
                      evidence: Worded) -> list[ComponentPoints]:
    """Each pair's :class:`ComponentPoints` of one component (``values`` and ``points`` a
    float64 per pair): one record per distinct value, points and evidence, shared by the
    pairs alike in them (the records are frozen; a run's pairs are mostly alike)."""
    first, group = groups(len(values), (values, points, evidence.of_pair))
    value_list, point_list = values.tolist(), points.tolist()
    records = []
    for p in first.tolist():
        sentence, neutral, _ = evidence[p]
        records.append(ComponentPoints(name, weight, value_list[p], point_list[p], sentence,
                                       neutral))
    return list(map(records.__getitem__, group.tolist()))


@dataclass(frozen=True)
class _BlockNumbers:
    """A block's pairs as the scorer computed them: mentee rows and mentors (of the cohort's
    features), component values (pairs × components, float32), totals, eligibility, broken
    rules, and which opt-in preferences each pair honours (pairs × PREFERENCES)."""

    mentees: np.ndarray
    mentors: np.ndarray
    values: np.ndarray
    totals: np.ndarray
    eligible: np.ndarray
    broken: list[tuple[str, ...]]
    honoured: np.ndarray


def _block_numbers(features: CohortFeatures, config: ProgramConfig, chunk: list[int],
                   by_row: dict[int, set[int]]) -> _BlockNumbers:
    """The numbers of the pairs of the mentee rows ``chunk``, scored against only the mentors
    they are paired with, read out of the score block in one indexing per array."""
    columns = sorted(set().union(*(by_row[i] for i in chunk)))
    local = mentor_columns(features, np.array(columns, dtype=np.intp))
    if local is None:  # features this module cannot narrow: score every mentor
        local, columns = features, list(range(features.n_mentors))
    column_at = {j: c for c, j in enumerate(columns)}
    rows = np.array(chunk, dtype=np.intp)
    block = score_block(local, config, rows)
    chosen = [(k, i, j) for k, i in enumerate(chunk) for j in sorted(by_row[i])]
    k = np.array([k for k, _, _ in chosen], dtype=np.intp)
    c = np.array([column_at[j] for _, _, j in chosen], dtype=np.intp)
    values = np.stack([component[k, c] for component in block.components.values()], axis=1)
    broken = [rule for rule, mask in block.violations.items() if mask[k, c].any()]
    masks = {rule: block.violations[rule][k, c].tolist() for rule in broken}
    # in the violations' order; most blocks of a run's pairs break no rule at all
    rules: list[tuple[str, ...]] = (
        [tuple(rule for rule in broken if masks[rule][p]) for p in range(len(chosen))]
        if broken else [()] * len(chosen))
    asked = features.preferences[rows]
    honoured = np.zeros((len(chosen), len(PREFERENCES)), dtype=bool)
    for column, name in enumerate(PREFERENCES):
        if asked[:, column].any():
            honoured[:, column] = preference_honoured(local, rows, name)[k, c]
    return _BlockNumbers(mentees=rows[k], mentors=np.array([j for _, _, j in chosen],
                                                            dtype=np.intp),
                         values=values, totals=block.total[k, c], eligible=block.eligible[k, c],
                         broken=rules, honoured=honoured)


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
    i = _finder(features.mentee_ids, "mentee", 1)(mentee_id)
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
    "top_candidates", "rounded_points", "rounded_tenths",
]
