"""The whole `match` job in one call: cohort + config → scores → problem → solve → networks.

The command line (``cli/match.py``) and the rematch only call :func:`run_match`; the scorer
is reached in exactly one place, :func:`score_source`, so the solver never depends on how
scores are computed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

import numpy as np

from matcher.network import build_networks
from matcher.problem import SPECIALIST_ROLES, BlockScores, DenseScores, LockedPair, MatchProblem
from matcher.records import MatchOutcome
from matcher.solver import OBJECTIVES, SolveOptions, solve
from scoring.config import ProgramConfig
from scoring.errors import InputError
from scoring.features import CohortFeatures, build_features
from scoring.profiles import Cohort
from scoring.scorer import iter_score_blocks, score_block

#: Cohorts up to this many mentee × mentor pairs are scored in one dense block.
DENSE_PAIRS = 4_000_000
#: Mentee rows per scorer block for larger cohorts (bounded memory).
BLOCK_ROWS = 1000


def score_source(features: CohortFeatures, config: ProgramConfig) -> DenseScores | BlockScores:
    """Scores for the solver: one dense block for small cohorts, scorer blocks otherwise."""
    if features.n_mentees * features.n_mentors <= DENSE_PAIRS:
        block = score_block(features, config, slice(None))
        return DenseScores(block.total, block.eligible)

    def blocks() -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        for block in iter_score_blocks(features, config, BLOCK_ROWS):
            yield int(block.mentee_rows[0]), block.total, block.eligible
    return BlockScores(blocks)


def _specialties(features: CohortFeatures) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Labels (need areas, then coach / advisor) and who wants / offers each."""
    roles = [r for r in SPECIALIST_ROLES if r in features.roles]
    role_cols = [features.roles.index(r) for r in roles]
    wants = np.hstack([features.needs > 0, features.help_wanted[:, role_cols] > 0])
    offers = np.hstack([features.expertise > 0, features.mentor_roles[:, role_cols] > 0])
    return tuple(features.areas) + tuple(roles), wants, offers


def _pairs(kind: str, pairs: Iterable[tuple[str, str]], mentee_index: dict[str, int],
           mentor_index: dict[str, int]) -> list[tuple[int, int]]:
    out = []
    for mentee_id, mentor_id in pairs:
        if mentee_id not in mentee_index or mentor_id not in mentor_index:
            raise InputError(f"{kind} pair ({mentee_id}, {mentor_id}) names someone who is not "
                             f"in the intake files; remove it or fix the id.")
        out.append((mentee_index[mentee_id], mentor_index[mentor_id]))
    return out


def build_problem(cohort: Cohort, config: ProgramConfig, features: CohortFeatures, *,
                  network_size: int | None = None, locks: Iterable[tuple[str, str]] = (),
                  forbids: Iterable[tuple[str, str]] = ()) -> MatchProblem:
    """The solver's input for a cohort (scores from the scorer, limits from the records)."""
    solver_cfg = config.section("solver")
    labels, wants, offers = _specialties(features)
    sizes = np.array([network_size or m.network_size for m in cohort.mentees], np.int64)
    mentee_index, mentor_index = cohort.mentee_index(), cohort.mentor_index()
    lock_pairs = _pairs("Locked", locks, mentee_index, mentor_index)
    forbid_pairs = _pairs("Forbidden", forbids, mentee_index, mentor_index)
    return MatchProblem(
        mentee_ids=tuple(m.id for m in cohort.mentees),
        mentor_ids=tuple(m.id for m in cohort.mentors),
        scores=score_source(features, config),
        capacity=np.array([m.capacity for m in cohort.mentors], np.int64),
        network_size=np.maximum(sizes, 1),
        minimum=np.full(len(cohort.mentors), int(solver_cfg.get("minimum_load", 0) or 0)),
        labels=labels, wants=wants, offers=offers,
        locks=tuple(LockedPair(i, j) for i, j in lock_pairs),
        forbids=np.array(forbid_pairs, np.int64).reshape(-1, 2))


def ineligible_explainer(features: CohortFeatures, config: ProgramConfig):
    """A function telling, per mentee without any eligible mentor, which rules excluded how
    many mentors (from the scorer's rule violations)."""

    def explain(rows: np.ndarray) -> dict[int, str]:
        block = score_block(features, config, np.asarray(rows))
        out: dict[int, str] = {}
        for k, i in enumerate(rows):
            counts = {rule: int(broken[k].sum()) for rule, broken in block.violations.items()
                      if broken[k].any()}
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            out[int(i)] = "; ".join(f"rule {rule} excludes {n} mentor{'s' if n != 1 else ''}"
                                    for rule, n in ranked) or "every mentor is forbidden"
        return out
    return explain


def run_match(cohort: Cohort, config: ProgramConfig, *, objective: str | None = None,
              network_size: int | None = None, locks: Iterable[tuple[str, str]] = (),
              forbids: Iterable[tuple[str, str]] = (), progress: bool = True) -> MatchOutcome:
    """Score, solve and build one network per mentee (in ``cohort.mentees`` order)."""
    solver_cfg = config.section("solver")
    objective = objective or solver_cfg.get("objective", "total")
    if objective not in OBJECTIVES:
        raise InputError(f"[solver] objective = {objective!r} is not known; use one of "
                         f"{', '.join(OBJECTIVES)}.")

    def say(text: str) -> None:
        if progress:
            print(text, file=sys.stderr, flush=True)

    say(f"Scoring {len(cohort.mentees)} mentees × {len(cohort.mentors)} mentors ...")
    features = build_features(cohort, config)
    problem = build_problem(cohort, config, features, network_size=network_size, locks=locks,
                            forbids=forbids)
    say(f"Solving ({objective}) ...")
    options = SolveOptions(objective=objective,
                           time_limit=float(solver_cfg.get("time_limit_seconds", 60.0)))
    result = solve(problem, options, ineligible_explainer(features, config))
    say(f"Solved: {result.status}, {result.stats['placed']} placed, "
        f"{result.stats['unplaced']} unplaced, {result.wall_time:.1f} s ({result.engine}).")
    return MatchOutcome(cohort=cohort, config=config, objective=objective, result=result,
                        networks=build_networks(problem, result))
