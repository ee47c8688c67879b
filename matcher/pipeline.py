"""The whole `match` job in one call: cohort + config → scores → problem → solve → networks.

The command line (``cli/match.py``), the rematch and the audit only call :func:`run_match`;
the scorer is reached in exactly one place, :func:`score_source`, so the solver never
depends on how scores are computed. Scores are computed once per run: into one float64
matrix when it fits the memory budget, else read once by the solver block by block, with
exact scores of the few pairs it looks up later computed for those pairs only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.compute import (
    TallySink,
    one_pool,
    rows_per_block,
    score_blocks,
    streamed_scores,
)
from matcher.encoder import IdEncoder
from matcher.outcome import MatchOutcome, requested_sizes
from matcher.placement import (
    KeptWithPlacement,
    RowScorer,
    differing_rows,
    placement_in_place,
    placement_scores,
    placement_total,
    solve_neutral,
)
from matcher.solve_inputs import SolveInputs, make_inputs
from matcher.solver.dispatch import OBJECTIVES, SolveOptions
from matcher.solver.malloc import one_malloc_arena, release_free_memory
from matcher.solver.problem import (
    SPECIALIST_ROLES,
    BlockScores,
    DenseScores,
    LockedPair,
    MatchProblem,
    ProblemError,
)
from scoring.config import ProgramConfig
from scoring.diagnostic_tally import tally_plan
from scoring.errors import InputError
from scoring.features import CohortFeatures, build_features
from scoring.huge_pages import small_page_matrix
from scoring.profiles import Cohort
from scoring.scorer import ScoreBlock, score_block
from scoring.text import fold

#: A lock: (mentee id, mentor id), optionally with the role ("primary" / "specialist")
#: and, for a specialist, the need area or role it covers.
Lock = tuple[str, str] | tuple[str, str, str] | tuple[str, str, str, str]
LOCK_ROLES = ("primary", "specialist")

#: Bytes a pair takes when every score is kept: float64 score and bool eligibility (9), plus
#: the solver's float32 screening copy (4, :mod:`matcher.solver.score_cache`).
DENSE_BYTES_PER_PAIR = 13
#: Share of ``[solver] memory_gib`` the kept scores may take (the rest: features, the
#: solver's candidates and models, the outputs).
DENSE_SHARE = 0.25
#: Share of ``[solver] memory_gib`` the solver's screening copy of streamed scores may take,
#: and the bytes a pair takes in it, narrowest last.
SCREEN_SHARE = 0.6
SCREEN_BYTES = {"float32": 4, "float16": 2}


def keeps_every_score(n: int, m: int, config: ProgramConfig) -> bool:
    """True when every score of an n × m cohort is kept in memory (see :func:`score_source`)."""
    return n * m * DENSE_BYTES_PER_PAIR <= config.solver.memory_gib * 2**30 * DENSE_SHARE


def screen_dtype(n: int, m: int, config: ProgramConfig) -> str:
    """The solver's screening copy for an n × m cohort: float32, or float16 when float32
    would not fit ``[solver] memory_gib``; a cohort for which neither fits is refused before
    any work, naming the setting to raise."""
    budget = config.solver.memory_gib * 2**30 * SCREEN_SHARE
    if keeps_every_score(n, m, config):
        return "float32"
    for dtype, size in SCREEN_BYTES.items():
        if n * m * size <= budget:
            return dtype
    needed = n * m * min(SCREEN_BYTES.values()) / SCREEN_SHARE / 2**30
    raise InputError(
        f"{n:,} mentees × {m:,} mentors need [solver] memory_gib of at least {needed:.1f} "
        f"for the solver's scores; the config gives {config.solver.memory_gib:g}. Raise "
        f"memory_gib in the config to what this machine can give (it must have that much "
        f"free memory), or split the cohort into smaller programs.")


def spare_bytes(n: int, m: int, dtype: str, config: ProgramConfig) -> float:
    """The screening copy's share of ``[solver] memory_gib`` that its ``dtype`` leaves free
    (:data:`SCREEN_SHARE`), which the placement stages may use to keep rows aside."""
    copy = n * m * SCREEN_BYTES.get(dtype, 4)
    return max(config.solver.memory_gib * 2**30 * SCREEN_SHARE - copy, 0.0)


@dataclass
class ScoreKeeper:
    """The match's kept scores, filled block by block from a scoring pass made for another
    purpose (the diagnostics', :func:`scoring.diagnostics.diagnose`): the same blocks of
    the same scorer :func:`score_source` would compute, so the cohort is scored once.
    With ``askers`` (:func:`matcher.placement.differing_rows`), their placement rows are
    kept too, from the same blocks (:class:`~matcher.placement.KeptWithPlacement`)."""

    total: np.ndarray
    eligible: np.ndarray
    config: ProgramConfig | None = None
    askers: np.ndarray | None = None
    placement: np.ndarray | None = None
    filled: int = 0

    def __call__(self, block: ScoreBlock) -> None:
        self.total[block.mentee_rows] = block.total
        self.eligible[block.mentee_rows] = block.eligible
        self.filled += len(block.mentee_rows)
        if self.askers is not None and self.placement is not None and self.config is not None:
            lo, hi = np.searchsorted(self.askers, [block.mentee_rows[0],
                                                   block.mentee_rows[-1] + 1])
            local = np.searchsorted(block.mentee_rows, self.askers[lo:hi])
            if len(local):
                self.placement[lo:hi] = placement_total(block, self.config, local)

    def scores(self) -> DenseScores | None:
        """The kept scores, or None when the pass did not reach every mentee."""
        if self.filled != len(self.total):
            return None
        # handed over: freed with the match's problem, not kept while the caller holds
        # the keeper (the run folder is written after the match)
        placement, self.placement = self.placement, None
        return KeptWithPlacement(self.total, self.eligible, askers=self.askers,
                                 placement=placement)


def score_keeper(features: CohortFeatures, config: ProgramConfig,
                 objective: str | None = None) -> ScoreKeeper | None:
    """A :class:`ScoreKeeper` for the cohort when its scores are kept in memory and computed
    in this process (None when they are streamed, or when ``[compute] scheduler`` sends
    scoring to a Dask cluster: then :func:`score_source` scores there). ``objective`` (the
    config's when None): the stable objective has no placement stages, so no placement
    rows are kept for it."""
    n, m = features.n_mentees, features.n_mentors
    if not keeps_every_score(n, m, config) or config.compute.scheduler.startswith("dask://"):
        return None
    # The pass that fills it scores on threads (scoring.diagnostics.SCORING_THREADS): with
    # a malloc arena each, they kept their blocks' freed memory (+110 MiB at 10k × 2k).
    one_malloc_arena()
    total, eligible = small_page_matrix((n, m), np.float64), small_page_matrix((n, m), bool)
    if (objective or config.solver.objective) == "stable":
        return ScoreKeeper(total, eligible, config)
    askers = differing_rows(features)
    # the askers' placement rows, for stage 2 of the placement (matcher.placement): in its
    # place, placement_in_place would set aside as many pair rows while scoring them again
    return ScoreKeeper(total, eligible, config, askers,
                       small_page_matrix((len(askers), m), np.float64))


def tally_sink(cohort: Cohort, features: CohortFeatures, config: ProgramConfig
               ) -> TallySink | None:
    """A :class:`~matcher.compute.TallySink` for the cohort when its scores are streamed
    (None when they are kept: then a :class:`ScoreKeeper` keeps them from the diagnostics'
    pass): the solver's one read of the scores tallies each block for the diagnostics
    where it is scored, and the diagnostics read the tallies (``run_match``'s
    ``scores_read``), so the cohort is scored once."""
    if keeps_every_score(features.n_mentees, features.n_mentors, config):
        return None
    return TallySink(tally_plan(cohort, features, config))


def score_source(features: CohortFeatures, config: ProgramConfig,
                 sink: TallySink | None = None) -> DenseScores | BlockScores:
    """Scores for the solver, computed once (``sink``: see :func:`tally_sink`).

    When every score fits a quarter of ``[solver] memory_gib`` (13 bytes a pair: 10,000 ×
    2,000 is 260 MB), one float64 matrix is filled block by block; otherwise the solver
    reads scorer blocks once into its screening copy, keeping the exact scores of each
    mentee's and mentor's best pairs, and any other pair it looks up later is scored alone
    (:func:`scoring.scorer.score_pairs`). Blocks hold about 5 million pairs
    (:func:`scoring.scorer.block_rows`).
    """
    n, m = features.n_mentees, features.n_mentors
    if keeps_every_score(n, m, config):
        rows = rows_per_block(features, config)
        total = small_page_matrix((n, m), np.float64)
        eligible = small_page_matrix((n, m), bool)
        for start, block_total, block_eligible in score_blocks(features, config, rows):
            total[start:start + len(block_total)] = block_total
            eligible[start:start + len(block_total)] = block_eligible
        return DenseScores(total, eligible)
    screen_dtype(n, m, config)  # refuse now what the solver could not hold
    return streamed_scores(features, config, sink=sink)


def specialties(features: CohortFeatures) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Labels (need areas, then coach / advisor) and who wants / offers each."""
    roles = [r for r in SPECIALIST_ROLES if r in features.roles]
    role_cols = [features.roles.index(r) for r in roles]
    wants = np.hstack([features.needs > 0, features.help_wanted[:, role_cols] > 0])
    offers = np.hstack([features.expertise > 0, features.mentor_roles[:, role_cols] > 0])
    return tuple(features.areas) + tuple(roles), wants, offers


def _locks(locks: Iterable[Lock], encoder: IdEncoder,
           labels: tuple[str, ...]) -> tuple[LockedPair, ...]:
    """Locks with their optional role and covered specialty, checked."""
    locks = list(locks)
    out = []
    for lock, (i, j) in zip(locks, encoder.pairs("Locked", locks), strict=True):
        role = lock[2] if len(lock) > 2 and lock[2] else None
        covers = lock[3] if len(lock) > 3 and lock[3] else None
        if role is not None and role not in LOCK_ROLES:
            raise InputError(f"Locked pair ({lock[0]}, {lock[1]}) has role {role!r}; use "
                             f"'primary', 'specialist' or leave the role blank.")
        if covers is not None:  # the area as written, matched like every other value
            covers = next((label for label in labels if fold(label) == fold(covers)), covers)
        if covers is not None and (role != "specialist" or covers not in labels):
            raise InputError(f"Locked pair ({lock[0]}, {lock[1]}) covers {covers!r}: only a "
                             f"specialist covers something, and it must be one of "
                             f"{', '.join(labels) or 'no specialty in this cohort'}.")
        out.append(LockedPair(i, j, role, covers))
    return tuple(out)


def _keep_bonus(keep_bonus: Mapping[tuple[str, str], float], encoder: IdEncoder) -> np.ndarray:
    rows = []
    for (mentee_id, mentor_id), points in sorted(keep_bonus.items()):
        (i, j), = encoder.pairs("Keep-bonus", [(mentee_id, mentor_id)])
        if not np.isfinite(points) or points < 0:
            raise InputError(f"Keep bonus for ({mentee_id}, {mentor_id}) is {points}; it must "
                             f"be a number of points, 0 or more.")
        rows.append((i, j, float(points)))
    return np.array(rows, np.float64).reshape(-1, 3)


def build_problem(cohort: Cohort, config: ProgramConfig, features: CohortFeatures, *,
                  network_size: int | None = None, locks: Iterable[Lock] = (),
                  forbids: Iterable[tuple[str, str]] = (),
                  keep_bonus: Mapping[tuple[str, str], float] | None = None,
                  scores: DenseScores | BlockScores | None = None,
                  sink: TallySink | None = None) -> MatchProblem:
    """The solver's input for a cohort (scores from the scorer, limits from the records;
    ``scores``: the cohort's scores when already computed, e.g. by an audit's first solve;
    ``sink``: see :func:`tally_sink`)."""
    labels, wants, offers = specialties(features)
    encoder = IdEncoder.of(cohort)
    lock_pairs = _locks(locks, encoder, labels)
    forbid_pairs = encoder.pairs("Forbidden", forbids)
    bonus = _keep_bonus(keep_bonus or {}, encoder)
    return MatchProblem(
        mentee_ids=encoder.mentee_ids,
        mentor_ids=encoder.mentor_ids,
        scores=scores if scores is not None else score_source(features, config, sink),
        capacity=np.array([m.capacity for m in cohort.mentors], np.int64),
        network_size=np.array(requested_sizes(cohort, network_size), np.int64),
        minimum=np.full(len(cohort.mentors), config.solver.minimum_load),
        labels=labels, wants=wants, offers=offers,
        locks=lock_pairs, forbids=np.array(forbid_pairs, np.int64).reshape(-1, 2),
        keep_bonus=bonus)


def ineligible_explainer(features: CohortFeatures, config: ProgramConfig):
    """A function telling, per mentee without any eligible mentor, which rules excluded how
    many mentors (from the scorer's rule violations)."""

    def explain(rows: np.ndarray) -> dict[int, str]:
        out: dict[int, str] = {}
        rows = np.asarray(rows)
        size = rows_per_block(features, config)  # a block at a time: bounded memory
        for lo in range(0, len(rows), size):
            block = score_block(features, config, rows[lo:lo + size])
            for k, i in enumerate(rows[lo:lo + size]):
                counts = {rule: int(broken[k].sum())
                          for rule, broken in block.violations.items() if broken[k].any()}
                ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                out[int(i)] = "; ".join(
                    f"rule {rule} excludes {n} mentor{'s' if n != 1 else ''}"
                    for rule, n in ranked) or "every mentor is forbidden"
        return out
    return explain


def run_match(cohort: Cohort, config: ProgramConfig, *, objective: str | None = None,
              network_size: int | None = None, locks: Iterable[Lock] = (),
              forbids: Iterable[tuple[str, str]] = (),
              keep_bonus: Mapping[tuple[str, str], float] | None = None,
              progress: bool = True, sources: Mapping[str, object] | None = None,
              features: CohortFeatures | None = None,
              scores: DenseScores | BlockScores | None = None,
              placement: DenseScores | BlockScores | None = None,
              explain_unplaced: bool = True, sink: TallySink | None = None,
              scores_read: Callable[[], None] | None = None) -> MatchOutcome:
    """Score, solve and build one network per mentee (in ``cohort.mentees`` order).

    ``locks``: (mentee id, mentor id) pairs, optionally with a third item, the role
    ("primary" or "specialist"), and a fourth, the need area or role a specialist covers;
    a mentee's first lock without a role is its primary. ``keep_bonus``: points added to
    the objective when a (mentee id, mentor id) pair is made (e.g. a rematch's preference
    for keeping a relationship); they never appear in the reported scores or objective.
    ``result.stats`` holds ``scoring_seconds`` and ``solver_seconds``. ``sources`` (where
    the locks and forbids came from) is recorded with them in ``outcome.solve_inputs``.
    ``features`` / ``scores`` / ``placement`` (placement scores, :mod:`matcher.placement`):
    the cohort's, when the caller computed them already (an audit solving the same cohort
    several times scores it once). ``explain_unplaced=False`` skips naming the rules that
    leave a mentee without any eligible mentor (an audit's re-solves do not print them).
    ``sink`` (:func:`tally_sink`) tallies the solver's first read of streamed scores for
    the diagnostics, and ``scores_read()`` is called after that read, before anything is
    solved (``match`` runs its diagnostics there: an error stops it before the solve).
    Later reads are not tallied, and when the solve has no such read (kept scores, the
    stable objective) ``scores_read()`` comes first and the sink stays empty.
    """
    objective = objective or config.solver.objective
    locks, forbids = list(locks), list(forbids)
    if objective not in OBJECTIVES:
        raise InputError(f"[solver] objective = {objective!r} is not known; use one of "
                         f"{', '.join(OBJECTIVES)}.")

    if objective == "stable" and network_size is not None and network_size > 1:
        raise InputError(f"--network-size {network_size} asks for networks, but the stable "
                         "mode assigns primary mentors only (deferred acceptance gives each "
                         "mentee one mentor). Use --objective total or fair for networks, or "
                         "drop --network-size.")

    def say(text: str) -> None:
        if progress:
            print(text, file=sys.stderr, flush=True)

    say(f"Scoring {len(cohort.mentees)} mentees × {len(cohort.mentors)} mentors ...")
    # what the threads of an earlier pass freed (the diagnostics', kept scores) lies among
    # kept arrays, where the solve's arrays cannot reuse it: back to the system first
    # (ru_maxrss of match at 10,000 × 2,000: 600 MiB without, 520 MiB with)
    release_free_memory()
    started = time.perf_counter()
    features = features if features is not None else build_features(cohort, config)
    problem = build_problem(cohort, config, features, network_size=network_size, locks=locks,
                            forbids=forbids, keep_bonus=keep_bonus, scores=scores, sink=sink)
    scoring_seconds = time.perf_counter() - started
    free = len(problem.keep_bonus)
    say(f"Solving ({objective}{f', {free} pairs free to keep' if free else ''}) ...")
    dtype = screen_dtype(problem.n_mentees, problem.n_mentors, config)
    options = SolveOptions(objective=objective,
                           time_limit=float(config.solver.time_limit_seconds),
                           screen_dtype=dtype, spare_bytes=spare_bytes(
                               problem.n_mentees, problem.n_mentors, dtype, config))

    def read() -> None:
        if sink is not None:
            sink.passes += 1  # whatever reads the scores next is not tallied
        if scores_read is not None:
            scores_read()

    try:
        explainer = ineligible_explainer(features, config) if explain_unplaced else None
        kept = problem.scores if isinstance(problem.scores, DenseScores) else None
        with one_pool(features, config):  # the stages' maps start the workers once
            result = solve_neutral(
                problem, options, explainer,
                lambda: placement if placement is not None else placement_scores(
                    features, config, False) if kept is None else placement_in_place(
                    features, config, kept),
                None if placement is not None else RowScorer(features, config), read)
    except ProblemError as exc:  # a lock or option the coordinator must fix: exit status 2
        raise InputError(str(exc)) from None
    result.stats.update(scoring_seconds=round(scoring_seconds, 3),
                        solver_seconds=round(result.wall_time, 3))
    say(f"Solved: {result.status}, {result.stats['placed']} placed, "
        f"{result.stats['unplaced']} unplaced, {result.wall_time:.1f} s ({result.engine}).")
    inputs = make_inputs(objective, network_size, locks, forbids, keep_bonus, sources)
    return MatchOutcome(cohort=cohort, config=config, objective=objective, result=result,
                        network_size=network_size, solve_inputs=inputs, features=features)


def resolve(cohort: Cohort, config: ProgramConfig, inputs: SolveInputs, *,
            locks: Iterable[Lock] = (), keep_bonus: Mapping[tuple[str, str], float] | None = None,
            features: CohortFeatures | None = None,
            scores: DenseScores | BlockScores | None = None,
            placement: DenseScores | BlockScores | None = None) -> MatchOutcome:
    """Solve a recorded problem again (an audit): the same cohort, config and solve inputs,
    with ``locks`` added and ``keep_bonus`` added to the recorded keep bonus."""
    bonus = inputs.keep_bonus_map()
    for key, points in (keep_bonus or {}).items():
        bonus[key] = bonus.get(key, 0.0) + points
    every_lock: list[Any] = [*inputs.locks, *locks]  # recorded locks hold 2 to 4 ids
    return run_match(cohort, config, objective=inputs.objective,
                     network_size=inputs.network_size, locks=every_lock,
                     forbids=inputs.forbids, keep_bonus=bonus, progress=False,
                     sources=inputs.sources, features=features, scores=scores,
                     placement=placement, explain_unplaced=False)
