"""Turn a :class:`~matcher.outcome.SolverResult` (indices) into one Network per mentee (ids)."""

from __future__ import annotations

from matcher.outcome import Network, Pairing
from matcher.solver.problem import MatchProblem
from matcher.solver.result import SolverResult


def build_networks(problem: MatchProblem, result: SolverResult) -> list[Network]:
    """Networks in mentee order: primary first, then specialists in the order they cover."""
    by_mentee: dict[int, list[Pairing]] = {}
    for a in result.assignments:
        by_mentee.setdefault(a.mentee, []).append(Pairing(
            mentee_id=problem.mentee_ids[a.mentee], mentor_id=problem.mentor_ids[a.mentor],
            role=a.role, covers=a.covers, score=a.score, locked=a.locked))
    networks = []
    for i, mentee_id in enumerate(problem.mentee_ids):
        pairings = sorted(by_mentee.get(i, []),
                          key=lambda p: (p.role != "primary", p.covers or "", p.mentor_id))
        networks.append(Network(mentee_id=mentee_id, requested=int(problem.network_size[i]),
                                pairings=tuple(pairings),
                                unplaced_reason=result.unplaced.get(i),
                                partial_reason=result.partial.get(i)))
    return networks
