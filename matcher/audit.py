"""Audit a finished run from its folder alone: "why did Dr. A get Dr. B and not Dr. C?".

Everything is read from the run folder through the one reader
(:func:`matcher.runfolder.reader.read_run`): the config from ``run.json``, the cohort from the
snapshot ``audit/cohort.json``, the networks from ``pairings.csv``, the rematch's held
mentees and keep bonus from ``rematch.json``, and the earlier cycles through ``run.json``
``previous_run`` (:func:`matcher.runfolder.reader.read_history`). Scores and breakdowns come from
:mod:`scoring.explain` on the snapshot, so they equal what ``explain`` prints from the intake
files.

"Why not C?" names every reason that applies, from the definitive to the quantitative:

* C is in the network too (nothing to explain);
* C is not eligible for the mentee: the rules broken, in their own sentences;
* the pair ended in an earlier cycle, so it is forbidden;
* C would only bring areas another network member already brings (one member per area);
* C was full (and with which mentees) or had room;
* in the ``stable`` objective (deferred acceptance, both sides ranking by score): C kept
  mentees it ranks higher, or the mentee ranks B above C;
* otherwise, the cost of insisting: the run's recorded problem (run.json ``solve``: every
  input of the solve, :mod:`matcher.solve_inputs`) is solved again with the pair locked
  (:func:`matcher.pipeline.resolve`) and compared with the run itself: mentees placed, lowest
  primary score (the ``fair`` objective) and total. Giving C lowers the total by exactly X,
  or places fewer mentees, or cannot be done at all; the changes listed are the fewest any
  matching with that forced optimum needs (a second, lexicographic solve).

An unplaced mentee is audited too: the solver's reason (run.json ``unplaced``), the mentors
who came closest, and "why not C" without a B.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from matcher.encoder import IdEncoder
from matcher.outcome import MatchOutcome
from matcher.pipeline import keeps_every_score, resolve, score_source, specialties
from matcher.placement import both_scores, only_rows
from matcher.runfolder.forked import usable_cores
from matcher.runfolder.layout import RUN_RECORD
from matcher.runfolder.reader import (
    RunHistory,
    RunPair,
    RunRecord,
    history_of,
    is_run_folder,
    read_run,
)
from matcher.solve_inputs import RECORD_KEY, SolveInputs
from matcher.solver.context import SolveOptions
from matcher.solver.problem import BlockScores, DenseScores
from scoring.config import ProgramConfig, config_from_dict
from scoring.errors import InputError
from scoring.explain import (
    Comparison,
    PairExplanation,
    TopCandidates,
    compare,
    explain_pairs,
    top_candidates,
)
from scoring.features import CohortFeatures, area_label, build_features
from scoring.intake.ids import IdResolver
from scoring.profiles import Cohort
from scoring.scorer import score_block

#: Cohorts of at least this many pairs (and runs solved by the MIP) print a line per solve
#: of "why not" (longer work).
PROGRESS_PAIRS = 1_000_000
#: Pairs of the forced solution listed as changes (the rest are counted).
CHANGES_SHOWN = 8

ReasonKind = Literal["in_network", "ineligible", "ended_earlier", "area_covered", "full",
                     "room", "forced_infeasible", "forced_fewer_placed", "forced_lower_fair",
                     "forced_lower_total", "forced_tie", "forced_better",
                     "stable_mentor_prefers", "stable_mentee_prefers", "stable_blocking"]


@dataclass(frozen=True)
class AuditRun:
    """A run folder as the audit needs it: the folder read back (:class:`RunRecord`), and
    what the audit derives from it: the config, the cohort snapshot and the history."""

    run: RunRecord
    config: ProgramConfig
    cohort: Cohort
    objective: str
    history: RunHistory | None
    warnings: tuple[str, ...] = ()

    @property
    def folder(self) -> Path:
        return self.run.folder

    @cached_property
    def encoder(self) -> IdEncoder:
        """Ids ↔ positions in the snapshot's cohort (the order the run was solved in)."""
        return IdEncoder.of(self.cohort)

    @property
    def pairs(self) -> tuple[RunPair, ...]:
        return self.run.pairs

    def network(self, mentee_id: str) -> tuple[RunPair, ...]:
        """The mentee's pairs, as pairings.csv lists them (primary first)."""
        return self.run.network(mentee_id)

    def mentees_of(self, mentor_id: str) -> tuple[RunPair, ...]:
        """The mentor's pairs in this run."""
        return self.run.mentees_of(mentor_id)


@dataclass(frozen=True)
class SolveSetup:
    """What the run's solver was given beyond the cohort: locks, forbidden pairs and, after
    a rematch, the keep bonus of the previous pairs left free."""

    locks: tuple[tuple[str, str], ...]
    forbids: tuple[tuple[str, str], ...]
    keep_bonus: tuple[tuple[str, str, float], ...] = ()


@dataclass(frozen=True)
class SolveFigures:
    """The lexicographic objective of one solution: placed first, then fairness, then total."""

    placed: int
    lowest_primary: float | None
    total: float
    status: str


@dataclass(frozen=True)
class PairChange:
    """A pair that the forced solution drops or adds, compared with the re-solved run."""

    change: Literal["dropped", "added"]
    mentee_id: str
    mentor_id: str
    score: float


@dataclass(frozen=True)
class ForcedSolve:
    """The run's problem solved again with (mentee, C) locked, against the same without."""

    feasible: bool
    message: str  # why the lock cannot hold, when not feasible
    base: SolveFigures | None
    forced: SolveFigures | None
    reproduces_run: bool  # the re-solve without the lock gives the run's pairs
    changes: tuple[PairChange, ...] = ()
    #: the changes are the fewest any matching with the forced optimum needs
    fewest: bool = True
    #: re-solves of the run's problem the answer took, and the solver's seconds in them
    solves: int = 0
    solver_seconds: float = 0.0

    @property
    def difference(self) -> float | None:
        """Total without the lock minus total with it (score points), when feasible."""
        if not self.feasible or self.base is None or self.forced is None:
            return None
        return self.base.total - self.forced.total


@dataclass(frozen=True)
class Reason:
    """One reason C is not in the mentee's network, as a plain sentence."""

    kind: ReasonKind
    sentence: str


@dataclass(frozen=True)
class WhyNot:
    """Why the mentee has B and not C: scores side by side and the solver's reasons."""

    mentee_id: str
    mentor_b: str | None  # None: the mentee was not placed in the run
    mentor_c: str
    comparison: Comparison | None  # None without B; then ``c_breakdown`` alone
    reasons: tuple[Reason, ...]
    forced: ForcedSolve | None
    b_in_network: bool
    c_load: int
    c_capacity: int
    c_breakdown: PairExplanation | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["comparison"] = self.comparison.to_dict() if self.comparison else None
        data["c_breakdown"] = self.c_breakdown.to_dict() if self.c_breakdown else None
        if self.forced is not None:
            data["forced"]["difference"] = self.forced.difference
        return data


@dataclass(frozen=True)
class Alternative:
    """A well-scoring mentor outside the network, with the one-line reason it is not in it."""

    explanation: PairExplanation
    load: int
    capacity: int
    ended_earlier: bool

    @property
    def status(self) -> str:
        if self.ended_earlier:
            return "pair ended in an earlier cycle"
        return "full" if self.load >= self.capacity else f"room ({self.load}/{self.capacity})"


@dataclass(frozen=True)
class RunAudit:
    """The answer of :func:`explain_from_run` (which parts are set depends on the question)."""

    run_dir: str
    mentee_id: str
    mentee_name: str
    objective: str
    network: tuple[RunPair, ...]
    breakdowns: tuple[PairExplanation, ...]  # the network's pairs, or the one asked about
    mentor_id: str | None = None
    in_network: bool = False
    why_not: WhyNot | None = None
    alternatives: tuple[Alternative, ...] = ()
    top: TopCandidates | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    unplaced_reason: str | None = None  # the solver's reason, for a mentee not placed

    def to_dict(self) -> dict:
        return {
            "run_dir": self.run_dir, "mentee_id": self.mentee_id,
            "mentee_name": self.mentee_name, "objective": self.objective,
            "network": [asdict(p) for p in self.network],
            "breakdowns": [b.to_dict() for b in self.breakdowns],
            "mentor_id": self.mentor_id, "in_network": self.in_network,
            "unplaced_reason": self.unplaced_reason,
            "why_not": self.why_not.to_dict() if self.why_not else None,
            "alternatives": [{"mentor_id": a.explanation.mentor_id,
                              "score": a.explanation.score, "status": a.status,
                              "load": a.load, "capacity": a.capacity,
                              "reasons": a.explanation.reasons(2)} for a in self.alternatives],
            "warnings": list(self.warnings),
        }


# ------------------------------------------------------------------------ reading a run

def load_run(run_dir: str | Path) -> AuditRun:
    """Read a run folder for auditing; InputError (with the fix) when it cannot be audited."""
    run = read_run(run_dir)
    if not isinstance(run.record.get("config"), dict):
        raise InputError(f"{run.folder / RUN_RECORD}: holds no program config, so it is not a "
                         "mentormatch run record. Pass an unchanged run folder.")
    cohort = run.cohort()
    config = config_from_dict(run.record["config"])
    warnings: list[str] = []
    history: RunHistory | None
    try:
        history = history_of(run)
        warnings.extend(history.warnings)
    except InputError as error:
        history = None
        warnings.append(f"Earlier cycles unreadable, so ended pairs are not checked: {error}")
    objective = str(run.record.get("objective") or config.solver.objective)
    return AuditRun(run=run, config=config, cohort=cohort, objective=objective,
                    history=history, warnings=tuple(warnings))


def solve_inputs(run: AuditRun) -> SolveInputs:
    """Every input of the run's solve: run.json ``solve`` as the run recorded it, or, for a
    folder written before it was recorded, what :func:`solve_setup` rebuilds."""
    recorded = run.run.record.get(RECORD_KEY)
    if recorded is not None:
        return SolveInputs.from_dict(recorded, str(run.folder / RUN_RECORD))
    setup = solve_setup(run)
    return SolveInputs(objective=run.objective, locks=setup.locks, forbids=setup.forbids,
                       keep_bonus=setup.keep_bonus)


def solve_setup(run: AuditRun) -> SolveSetup:
    """The locks and forbids of the run's solve, rebuilt from a folder that predates the
    ``solve`` record (run.json): a best effort, used only by :func:`solve_inputs`.

    Locks: the pairs pairings.csv marks locked (a rematch's continuing pairs), primary first.
    Forbids: every pair that ended in an earlier cycle (history), and, for mentees a rematch
    held for the coordinator, every mentor but their locked ones (rematch.json ``held``).
    Keep bonus: rematch.json ``keep_bonus``. The network-size override and a forbids sheet
    are not known, and the audit says when its re-solve differs from the run.
    """
    mentees, mentors = run.encoder.mentee_index, run.encoder.mentor_index
    locks = tuple((p.mentee_id, p.mentor_id) for p in run.pairs if p.locked)
    locked = set(locks)
    forbids = set()
    if run.history is not None:
        forbids = {key for key in run.history.ended_pairs()
                   if key[0] in mentees and key[1] in mentors and key not in locked}
    keep_bonus: list[tuple[str, str, float]] = []
    rematch = run.run.rematch
    if run.history is not None and rematch is not None:
        forbids.update((e, m.id) for e in rematch.held if e in mentees
                       for m in run.cohort.mentors if (e, m.id) not in locked)
        keep_bonus = [key for key in rematch.keep_bonus
                      if key[0] in mentees and key[1] in mentors]
    return SolveSetup(locks=locks, forbids=tuple(sorted(forbids)), keep_bonus=tuple(keep_bonus))


def resolve_run(run: AuditRun, *, locks: tuple[tuple[str, str], ...] = (),
                keep_bonus: dict[tuple[str, str], float] | None = None,
                features: CohortFeatures | None = None,
                scores: DenseScores | BlockScores | None = None,
                placement: DenseScores | BlockScores | None = None) -> MatchOutcome:
    """The run's own problem solved again (snapshot, config, every recorded solve input),
    with ``locks`` and ``keep_bonus`` added; with neither it reproduces the run.
    ``features`` / ``scores``: the snapshot's, when already computed."""
    return resolve(run.cohort, run.config, solve_inputs(run), locks=locks,
                   keep_bonus=keep_bonus, features=features, scores=scores,
                   placement=placement)


# ----------------------------------------------------------------------- the forced solve

#: The preference for keeping each of the run's pairs in the forced solve: one integer unit
#: of the engines' score scale, so it can only choose among matchings of equal score (the
#: forced optimum is checked, see :func:`forced_solve`).
KEEP_UNIT = 1.0 / SolveOptions().scale
#: Two totals closer than this are equal (the engines' grid is 1e-5 points).
SAME_TOTAL = 1e-6


def _figures(outcome: MatchOutcome) -> SolveFigures:
    result = outcome.result
    placed, lowest = result.stats["placed"], result.stats.get("lowest_primary_score")
    assert isinstance(placed, int) and (lowest is None or isinstance(lowest, (int, float)))
    return SolveFigures(placed=placed,
                        lowest_primary=None if lowest is None else float(lowest),
                        total=float(result.objective), status=result.status)


def _same_optimum(a: SolveFigures, b: SolveFigures, objective: str) -> bool:
    """Both reach the same lexicographic optimum: as many mentees placed, (``fair``) the
    same lowest primary score, and the same total."""
    if objective == "fair" and (a.lowest_primary is None) != (b.lowest_primary is None):
        return False
    same_floor = (objective != "fair" or a.lowest_primary is None or b.lowest_primary is None
                  or abs(a.lowest_primary - b.lowest_primary) <= SAME_TOTAL)
    return a.placed == b.placed and same_floor and abs(a.total - b.total) <= SAME_TOTAL


def recorded_figures(run: AuditRun) -> SolveFigures | None:
    """The run's own figures from run.json (None when not recorded)."""
    solver, counts = run.run.record.get("solver"), run.run.record.get("counts")
    if not isinstance(solver, dict) or not isinstance(counts, dict):
        return None
    try:
        lowest = counts.get("lowest_primary_score")
        return SolveFigures(placed=int(counts["placed"]),
                            lowest_primary=None if lowest is None else float(lowest),
                            total=float(solver["objective"]), status=str(solver["status"]))
    except (KeyError, TypeError, ValueError):
        return None


def _pair_scores(outcome: MatchOutcome) -> dict[tuple[str, str], float]:
    """(mentee id, mentor id) → score of every pair the outcome made, read from the solver's
    assignments (decoding whole networks costs more at 10,000 mentees)."""
    mentees, mentors = outcome.encoder.mentee_ids, outcome.encoder.mentor_ids
    return {(mentees[a.mentee], mentors[a.mentor]): a.score
            for a in outcome.result.assignments}


def _placed_mask(outcome: MatchOutcome) -> np.ndarray:
    """True per mentee (cohort order) the outcome placed."""
    placed = np.zeros(len(outcome.cohort.mentees), bool)
    placed[[a.mentee for a in outcome.result.assignments]] = True
    return placed


def _long_work(run: AuditRun) -> bool:
    """True when each re-solve may take seconds: a large cohort, or a run whose networks
    needed the MIP (the sample's take 2–10 s each on a shared 2-core machine)."""
    return (len(run.cohort.mentees) * len(run.cohort.mentors) >= PROGRESS_PAIRS
            or _solved_by_mip(run))


def _solved_by_mip(run: AuditRun) -> bool:
    """True when the run's networks needed the MIP (run.json's engine ``mip_highs``)."""
    solver = run.run.record.get("solver")
    engine = str(solver.get("engine", "")) if isinstance(solver, dict) else ""
    return engine.startswith("mip")


def _placement_staged(run: AuditRun) -> bool:
    """True when the run's solve chose its placed set in the extra placement stages
    (:mod:`matcher.placement`): capacity left placeable mentees waiting."""
    solver = run.run.record.get("solver")
    stats = solver.get("stats") if isinstance(solver, dict) else None
    return isinstance(stats, dict) and str(stats.get("placement", "")).startswith(
        "preference-neutral")


@dataclass
class _LockedSolves:
    """The re-solves of one :func:`forced_solve`: the run's problem with the pair locked,
    on scores computed once, each solve used counted with the solver's seconds."""

    run: AuditRun
    lock: tuple[tuple[str, str], ...]
    keep: dict[tuple[str, str], float]  # the keep bonus of the "closest" solves
    features: CohortFeatures
    scores: DenseScores | BlockScores
    placement: DenseScores | BlockScores | None
    say: Callable[[str], None]
    work: list[float] = field(default_factory=list)  # the solver's seconds per solve used

    def outcome(self, bonus: bool, only: np.ndarray | None = None) -> MatchOutcome:
        """One solve, not counted (``only``: exactly these mentees may be placed)."""
        scores, placement = self.scores, self.placement
        if only is not None:
            scores = only_rows(scores, only)
            placement = only_rows(placement, only) if placement is not None else None
        return resolve_run(self.run, locks=self.lock, keep_bonus=self.keep if bonus else None,
                           features=self.features, scores=scores, placement=placement)

    def used(self, outcome: MatchOutcome) -> MatchOutcome:
        """``outcome`` counted as one of the answer's solves."""
        self.work.append(float(outcome.result.wall_time))
        return outcome

    def solved(self, step: str, *, bonus: bool, only: np.ndarray | None = None
               ) -> MatchOutcome:
        """One solve, announced and counted."""
        self.say(step)
        return self.used(self.outcome(bonus, only))


def forced_solve(run: AuditRun, mentee_id: str, mentor_id: str,
                 features: CohortFeatures | None = None,
                 say: Callable[[str], None] | None = None) -> ForcedSolve:
    """The run's problem with (mentee, mentor) locked, against the run itself.

    Lexicographic: first the best matching that gives the pair (the forced optimum), then,
    among matchings with that optimum, the one that keeps most of the run's pairs, so the
    changes listed are the ones the swap needs. The "closest" solve adds one unit of the
    engines' scale per kept run pair to the forced problem; it is the answer when its
    optimum (mentees placed, total) is the forced optimum. In as few solves as that allows:

    * the closest solve first: when it reaches the run's own proven optimum, no matching
      with the pair can do better, so it *is* the forced optimum (one solve: a swap that
      costs nothing);
    * else the forced solve without the bonus, and the closest is checked equal to it
      (for a run whose networks needed the MIP, the forced solve runs beside the closest
      one on a second core: :func:`_first_solves`);
    * when the run chose its placed set in the placement stages (:mod:`matcher.placement`:
      three solves each), the forced solve comes first and the closest solve places exactly
      the forced optimum's mentees (one stage instead of three): the fewest changes among
      matchings that place the same mentees. The same when a closest solve placed others.

    If the checks fail, the forced optimum's own changes are listed and ``fewest`` is False.
    The base is the run as recorded when run.json holds every solve input, else the run
    re-solved. The snapshot is scored once for every solve; ``say`` gets a line per step.
    """
    features = features if features is not None else build_features(run.cohort, run.config)
    scores: DenseScores | BlockScores
    placement: DenseScores | BlockScores | None = None
    if keeps_every_score(features.n_mentees, features.n_mentors, run.config):  # one pass
        scores, placement = both_scores(features, run.config)
    else:
        scores = score_source(features, run.config)
    if say is None or not _long_work(run):
        say = lambda _line: None  # noqa: E731 - quick work needs no progress
    run_pairs = {(p.mentee_id, p.mentor_id): p.score for p in run.pairs}
    solves = _LockedSolves(run, ((mentee_id, mentor_id),), {key: KEEP_UNIT for key in run_pairs},
                           features, scores, placement, say)

    def answer(base: SolveFigures, forced: MatchOutcome, closest: MatchOutcome
               ) -> ForcedSolve:
        return replace(_forced_answer(base, forced, closest, run_pairs, reproduces),
                       solves=len(solves.work), solver_seconds=round(sum(solves.work), 3))

    base = recorded_figures(run) if run.run.record.get(RECORD_KEY) is not None else None
    reproduces = True
    if base is None:  # a folder without the solve record: compare with a re-solve
        say("Solving the run's problem again (no solve record in run.json) ...")
        again = solves.used(resolve_run(run, features=features, scores=scores,
                                        placement=placement))
        base = _figures(again)
        reproduces = set(_pair_scores(again)) == set(run_pairs)
    try:
        closest, forced = _first_solves(solves, base, _placement_staged(run))
    except InputError as error:
        return ForcedSolve(feasible=False, message=str(error), base=base,
                           forced=None, reproduces_run=reproduces, solves=len(solves.work) + 1,
                           solver_seconds=round(sum(solves.work), 3))
    if forced is None:
        assert closest is not None, "the closest solve answered"
        return answer(base, closest, closest)
    if closest is None or not _same_optimum(_figures(closest), _figures(forced),
                                                run.objective):
        closest = solves.solved("Solving again for the fewest changes at that optimum ...",
                                bonus=True, only=_placed_mask(forced))
    return answer(base, forced, closest)


def _first_solves(solves: _LockedSolves, base: SolveFigures, staged: bool
                  ) -> tuple[MatchOutcome | None, MatchOutcome | None]:
    """(closest, forced) of :func:`forced_solve`'s first steps: the closest solve unless
    ``staged``; forced None when the closest reaches ``base``'s proven optimum, else the
    forced solve. When the run's networks needed the MIP, its scores are kept and there
    are two cores, the forced solve runs beside the closest one: HiGHS, most of such a
    re-solve, releases the GIL (OR-Tools' min-cost flow does not, so a run the flow
    solved gains nothing from it), and the scores are shared, not copied. The same
    solves, the wall time of the longer; the forced one is counted only when it is used,
    and waited for either way (no solve is left running)."""
    run = solves.run
    closest_step = "Solving with the pair locked, keeping what it can of the run ..."
    forced_step = "Solving with the pair locked (the forced optimum) ..."
    ahead = not staged and isinstance(solves.scores, DenseScores) and \
        _solved_by_mip(run) and usable_cores() >= 2
    with ThreadPoolExecutor(1, thread_name_prefix="forced solve") if ahead else \
            nullcontext() as beside:
        pending = beside.submit(solves.outcome, False) if beside is not None else None
        closest = None if staged else solves.solved(closest_step, bonus=True)
        if closest is not None and base.status == "optimal" and \
                _same_optimum(_figures(closest), base, run.objective):
            return closest, None
        if pending is None:
            return closest, solves.solved(forced_step, bonus=False)
        solves.say(forced_step)
        return closest, solves.used(pending.result())


def _forced_answer(base: SolveFigures, forced: MatchOutcome, closest: MatchOutcome,
                   run_pairs: dict[tuple[str, str], float | None],
                   reproduces: bool) -> ForcedSolve:
    """The forced solve's figures and the changes of the closest matching at its optimum
    (of the forced optimum itself when the closest does not reach it)."""
    fewest = _same_optimum(_figures(closest), _figures(forced), forced.objective)
    chosen_pairs = _pair_scores(closest if fewest else forced)
    changes = [PairChange("dropped", e, m, score if score is not None else float("nan"))
               for (e, m), score in sorted(run_pairs.items())
               if (e, m) not in chosen_pairs]
    changes += [PairChange("added", e, m, s) for (e, m), s in sorted(chosen_pairs.items())
                if (e, m) not in run_pairs]
    return ForcedSolve(feasible=True, message="", base=base, forced=_figures(forced),
                       reproduces_run=reproduces,
                       changes=tuple(sorted(changes, key=lambda c: (c.mentee_id,
                                                                    c.change, c.mentor_id))),
                       fewest=fewest)


# ---------------------------------------------------------------------------- the reasons

def _label(cohort: Cohort, person_id: str, side: str) -> str:
    people = cohort.mentors if side == "mentor" else cohort.mentees
    name = next((p.name for p in people if p.id == person_id), "")
    return f"{person_id} ({name})" if name and name != person_id else person_id


def _area_reason(run: AuditRun, features: CohortFeatures, mentee_id: str, mentor_c: str
                 ) -> Reason | None:
    """C would bring only what another network member already brings (networks only)."""
    cohort = run.cohort
    i = run.encoder.mentee_index[mentee_id]
    network = [p for p in run.network(mentee_id) if p.mentor_id != mentor_c]
    if cohort.mentees[i].network_size <= 1 or not network:
        return None
    # The solver's own labels (need areas, then coach / advisor), so audit cannot drift.
    labels, wants_all, offers = specialties(features)
    wants = wants_all[i]
    index = run.encoder.mentor_index
    brings_c = wants & offers[index[mentor_c]]
    covered_by: dict[str, str] = {}
    for pair in network:
        for s in np.flatnonzero(wants & offers[index[pair.mentor_id]]):
            covered_by.setdefault(labels[s], pair.mentor_id)
    c_labels = [labels[s] for s in np.flatnonzero(brings_c)]
    if any(label not in covered_by for label in c_labels):
        return None
    c = _label(cohort, mentor_c, "mentor")
    if not c_labels:
        return Reason("area_covered",
                      f"{c} brings none of the areas or kinds of help the mentee asked for, so "
                      "could only be the primary, not an extra network member.")
    by = "; ".join(f"{area_label(label)} by {covered_by[label]}" for label in c_labels)
    return Reason("area_covered",
                  f"What {c} would bring to this network is already covered ({by}); a "
                  "network has one member per area, so C could join only in place of a "
                  "member.")


def _ended_reason(run: AuditRun, mentee_id: str, mentor_c: str) -> Reason | None:
    if run.history is None:
        return None
    for newer, older, boundary in zip(run.history.runs, run.history.runs[1:],
                                      run.history.cycles(), strict=False):
        for ended in boundary:
            if ended.key == (mentee_id, mentor_c):
                return Reason("ended_earlier",
                              f"The pair was made in the run {older.folder.name} and ended "
                              f"before {newer.folder.name} ({ended.reason}); a pair that "
                              "ended is never made again.")
    return None


def _forced_reasons(forced: ForcedSolve, mentee: str, b: str | None, c: str, full: bool,
                    objective: str) -> list[Reason]:
    if not forced.feasible:
        return [Reason("forced_infeasible", f"The mentee cannot be given {c} at all: "
                                            f"{forced.message}")]
    base, with_c = forced.base, forced.forced
    assert base is not None and with_c is not None
    x = forced.difference or 0.0
    totals = f"(total {base.total:.2f} → {with_c.total:.2f})"
    if with_c.placed < base.placed:
        n = base.placed - with_c.placed
        return [Reason("forced_fewer_placed",
                       f"Giving {mentee} {c} would leave {n} more mentee{'s' if n > 1 else ''} "
                       f"without any mentor ({with_c.placed} placed instead of {base.placed}); "
                       f"the solver places as many mentees as it can before it compares "
                       f"scores {totals}.")]
    if objective == "fair" and (base.lowest_primary or 0) > (with_c.lowest_primary or 0) + 1e-9:
        return [Reason("forced_lower_fair",
                       f"Giving {mentee} {c} would lower the lowest primary score from "
                       f"{base.lowest_primary:.2f} to {with_c.lowest_primary:.2f}; the fair "
                       f"objective raises that first {totals}.")]
    if x > 1e-6:
        if b is None:
            text = (f"Placing the mentee with {c} costs {x:.2f} points of the program's "
                    f"total, in the best matching that does so (the run solved again with "
                    f"the pair locked; total {base.total:.2f} → {with_c.total:.2f}).")
        elif full:
            text = (f"Making room for the mentee means reassigning some of them: the best "
                    f"matching that does so (the run solved again with the pair locked) has "
                    f"a total {x:.2f} points lower {totals}.")
        else:
            text = (f"The optimum preferred {b}: the run's total is {x:.2f} points higher "
                    f"than in the best matching that gives the mentee {c} (the run solved "
                    f"again with the pair locked) {totals}.")
        return [Reason("forced_lower_total", text)]
    if x < -1e-6:
        return [Reason("forced_better",
                       f"Solved again, a matching with {c} scores {-x:.2f} points more "
                       f"{totals}: the solve without the lock stopped short of a proven "
                       f"optimum ({base.status}; see [solver] time_limit_seconds).")]
    return [Reason("forced_tie",
                   f"The best matching that gives {mentee} {c} has the same total "
                   f"({base.total:.2f}): both are optimal, and ties are broken by id order.")]


def _stable_reason(run: AuditRun, features: CohortFeatures, mentee_id: str, mentor_c: str,
                   full: bool) -> Reason:
    """Stable mode: both sides rank by pair score (ties by id), so compare scores."""
    mentees, mentors = run.encoder.mentee_index, run.encoder.mentor_index
    held = [p.mentee_id for p in run.mentees_of(mentor_c)]
    network = run.network(mentee_id)
    rows = np.array([mentees[mentee_id], *(mentees[e] for e in held)])
    total = score_block(features, run.config, rows).total
    c = mentors[mentor_c]
    own_c = float(total[0, c])
    lowest = min((float(total[k + 1, c]) for k in range(len(held))), default=-1.0)
    if full and lowest >= own_c:
        return Reason("stable_mentor_prefers",
                      f"In stable mode a full mentor keeps the mentees it ranks higher: each "
                      f"of C's mentees scores at least {lowest:.2f} with C, this mentee "
                      f"{own_c:.2f}.")
    if network:
        primary = network[0].mentor_id
        own_p = float(total[0, mentors[primary]])
        if own_p >= own_c:
            return Reason("stable_mentee_prefers",
                          f"In stable mode each mentee gets the best mentor it can have in "
                          f"any stable matching, and this mentee ranks its mentor {primary} "
                          f"above C ({own_p:.2f} against {own_c:.2f}).")
    return Reason("stable_blocking",
                  "The mentee and C would both rather be matched to each other: the pair "
                  "blocks this matching (run.json counts blocking pairs).")


def why_not(run: AuditRun, features: CohortFeatures, mentee_id: str, mentor_b: str | None,
            mentor_c: str, *, solve: bool = True,
            say: Callable[[str], None] | None = None) -> WhyNot:
    """Why ``mentee_id`` has ``mentor_b`` and not ``mentor_c`` (see the module docstring);
    ``mentor_b`` None: why an unplaced mentee did not get ``mentor_c``.

    ``solve=False`` skips the forced re-solve (the cheap reasons only).
    """
    cohort = run.cohort
    comparison = (compare(cohort, run.config, mentee_id, mentor_b, mentor_c, features)
                  if mentor_b is not None else None)
    c_pair = (comparison.c if comparison is not None else
              explain_pairs(cohort, run.config, [(mentee_id, mentor_c)], features)[0])
    network = run.network(mentee_id)
    c_pairs = run.mentees_of(mentor_c)
    capacity = cohort.mentors[run.encoder.mentor_index[mentor_c]].capacity
    mentee, c = _label(cohort, mentee_id, "mentee"), _label(cohort, mentor_c, "mentor")
    b = _label(cohort, mentor_b, "mentor") if mentor_b is not None else None
    result = WhyNot(mentee_id=mentee_id, mentor_b=mentor_b, mentor_c=mentor_c,
                    comparison=comparison, reasons=(), forced=None,
                    b_in_network=any(p.mentor_id == mentor_b for p in network),
                    c_load=len(c_pairs), c_capacity=capacity,
                    c_breakdown=None if comparison is not None else c_pair)
    own = next((p for p in network if p.mentor_id == mentor_c), None)
    if own is not None:
        role = own.role + (f" for {area_label(own.covers)}" if own.covers else "")
        return replace(result, reasons=(Reason("in_network", f"{c} is in this mentee's network "
                                                             f"too ({role})."),))
    if not c_pair.eligible:
        rules = "; ".join(f"{rule}: {sentence}" for rule, sentence in
                          zip(c_pair.broken_rules, c_pair.rule_sentences,
                              strict=True))
        return replace(result, reasons=(Reason("ineligible", f"{c} is not eligible for "
                                                             f"{mentee}: breaks rule {rules}."),))
    ended = _ended_reason(run, mentee_id, mentor_c)
    if ended is not None:
        return replace(result, reasons=(ended,))
    reasons = []
    area = _area_reason(run, features, mentee_id, mentor_c)
    if area is not None:
        reasons.append(area)
    full = len(c_pairs) >= capacity
    if full:
        held = ", ".join(f"{p.mentee_id} ({p.score:.1f})" if p.score is not None
                         else p.mentee_id for p in c_pairs)
        reasons.append(Reason("full", f"{c} was full: capacity {capacity}, taken by {held}."))
    else:
        reasons.append(Reason("room", f"{c} had room: {len(c_pairs)} of {capacity} places "
                                      "taken."))
    forced = None
    if run.objective == "stable":
        reasons.append(_stable_reason(run, features, mentee_id, mentor_c, full))
    elif solve:
        forced = forced_solve(run, mentee_id, mentor_c, features, say)
        reasons.extend(_forced_reasons(forced, mentee, b, c, full, run.objective))
    return replace(result, reasons=tuple(reasons), forced=forced)


# ----------------------------------------------------------------------------- entry point

def unplaced_reason(run: AuditRun, mentee_id: str) -> str | None:
    """Why the run left the mentee without a mentor (run.json ``unplaced``); None when
    placed, or a folder that did not record it."""
    if run.network(mentee_id):
        return None
    recorded = run.run.record.get("unplaced")
    if isinstance(recorded, dict) and recorded.get(mentee_id):
        return str(recorded[mentee_id])
    return None


def check_run_id(run: AuditRun, wanted: str, side: str) -> str:
    """The run's id ``wanted`` means, as typed (any capitals, NFC, a unique name);
    UnknownIdError with the closest ids otherwise."""
    people = run.cohort.mentees if side == "mentee" else run.cohort.mentors
    return IdResolver.of(people, side).require(wanted, str(run.folder))


def alternatives(run: AuditRun, features: CohortFeatures, mentee_id: str, n: int
                 ) -> tuple[TopCandidates, tuple[Alternative, ...]]:
    """The mentee's best eligible mentors outside their network, with load and history."""
    in_network = {p.mentor_id for p in run.network(mentee_id)}
    top = top_candidates(run.cohort, run.config, mentee_id, n + len(in_network), features)
    ended = run.history.ended_pairs() if run.history is not None else set()
    load: dict[str, int] = {}
    for pair in run.pairs:
        load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
    index = run.encoder.mentor_index
    out = [Alternative(e, load.get(e.mentor_id, 0),
                       run.cohort.mentors[index[e.mentor_id]].capacity,
                       (mentee_id, e.mentor_id) in ended)
           for e in top.candidates if e.mentor_id not in in_network]
    return top, tuple(out[:n])


def explain_from_run(run_dir: str | Path, mentee_id: str, mentor_id: str | None = None,
                     vs: str | None = None, *, top: int = 5, solve: bool = True,
                     say: Callable[[str], None] | None = None) -> RunAudit:
    """Audit one mentee of a run folder.

    * no ``mentor_id``: the mentee's network with each pair's breakdown, and the ``top``
      best mentors outside it (with whether they were full);
    * ``mentor_id``: that pair's breakdown and whether it is in the network;
    * ``vs``: why ``mentor_id`` (default: the mentee's primary) and not ``vs`` — the score
      comparison and the solver's reasons (``solve=False`` skips the re-solve; ``say``
      receives a progress line per solve).
    """
    run = load_run(run_dir)
    mentee_id = check_run_id(run, mentee_id, "mentee")
    mentor_id = check_run_id(run, mentor_id, "mentor") if mentor_id else None
    vs = check_run_id(run, vs, "mentor") if vs else None
    network = run.network(mentee_id)
    unplaced_vs = bool(vs) and not mentor_id and not network
    if vs and not mentor_id and network:
        mentor_id = network[0].mentor_id
    features = build_features(run.cohort, run.config)
    mentee_name = run.cohort.mentees[run.encoder.mentee_index[mentee_id]].name
    audit = RunAudit(run_dir=str(run.folder), mentee_id=mentee_id, mentee_name=mentee_name,
                     objective=run.objective, network=network, breakdowns=(),
                     warnings=run.warnings, unplaced_reason=unplaced_reason(run, mentee_id))
    if unplaced_vs and vs:  # an unplaced mentee: why not C, without a B
        return replace(audit, why_not=why_not(run, features, mentee_id, None, vs, solve=solve,
                                              say=say))
    if mentor_id is None:
        pairs = [(mentee_id, p.mentor_id) for p in network]
        breakdowns = explain_pairs(run.cohort, run.config, pairs, features) if pairs else []
        ranked, others = alternatives(run, features, mentee_id, top)
        return replace(audit, breakdowns=tuple(breakdowns), alternatives=others, top=ranked)
    breakdown = explain_pairs(run.cohort, run.config, [(mentee_id, mentor_id)], features)[0]
    in_network = any(p.mentor_id == mentor_id for p in network)
    answer = (why_not(run, features, mentee_id, mentor_id, vs, solve=solve, say=say)
              if vs else None)
    return replace(audit, breakdowns=(breakdown,), mentor_id=mentor_id, in_network=in_network,
                   why_not=answer)


__all__ = ["AuditRun", "RunAudit", "WhyNot", "Reason", "ForcedSolve", "SolveSetup",
           "Alternative", "RunPair", "load_run", "is_run_folder", "solve_setup",
           "solve_inputs", "resolve_run", "forced_solve", "why_not", "explain_from_run",
           "alternatives"]
