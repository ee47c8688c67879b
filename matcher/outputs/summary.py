"""The short summary of a match: what the CLI prints, `--json` emits and the report opens with."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from matcher.outcome import MatchOutcome


@dataclass(frozen=True)
class MatchSummary:
    """Headline figures of one match run."""

    mentors: int
    mentees: int
    placed: int
    unplaced: int
    partial: int
    pairs: int
    mean_score: float | None
    lowest_primary_score: float | None
    objective: str
    status: str
    objective_value: float
    bound: float
    gap: float
    engine: str
    wall_time: float
    certified: bool | None
    blocking_pairs: int | None = None  # the stable mode's checked count (else None)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def lines(self) -> list[str]:
        """Plain-text lines for the terminal."""
        proof = {"optimal": "proven optimal", "feasible": f"feasible, gap {self.gap:.2%}",
                 "infeasible": "infeasible", "stable": "stable (no blocking pair)"
                 }.get(self.status, self.status)
        if self.certified is False:
            proof += " (pruned model; not certified equal to the full one)"
        lines = [
            f"Placed {self.placed} of {self.mentees} mentees with {self.pairs} pairings "
            f"({self.mentors} mentors); {self.unplaced} unplaced, "
            f"{self.partial} with a smaller network than asked.",
        ]
        if self.mean_score is not None:
            lines.append(f"Score: mean {self.mean_score:.1f}, lowest primary "
                         f"{self.lowest_primary_score:.1f} (0-100).")
        if self.blocking_pairs is not None:  # the stable mode: no bound, pairs checked
            lines.append(f"Objective '{self.objective}': {proof}; {self.blocking_pairs} "
                         f"blocking pairs (checked); total score {self.objective_value:.2f}; "
                         f"{self.engine}, {self.wall_time:.2f} s.")
            return lines
        lines.append(f"Objective '{self.objective}': {proof}; value {self.objective_value:.2f}, "
                     f"bound {self.bound:.2f}; {self.engine}, {self.wall_time:.2f} s.")
        return lines


def summarise(outcome: MatchOutcome) -> MatchSummary:
    """Compute the headline figures from a match outcome."""
    result = outcome.result
    scores = np.array([p.score for n in outcome.networks for p in n.pairings], dtype=float)
    found = [n.primary for n in outcome.networks]  # once: the property searches
    primaries = np.array([p.score for p in found if p is not None], dtype=float)
    certified = result.stats.get("certified")
    return MatchSummary(
        mentors=len(outcome.cohort.mentors),
        mentees=len(outcome.cohort.mentees),
        placed=int(primaries.size),
        unplaced=len(found) - int(primaries.size),
        partial=sum(1 for n in outcome.networks if n.partial_reason),
        pairs=int(scores.size),
        mean_score=round(float(scores.mean()), 2) if scores.size else None,
        lowest_primary_score=round(float(primaries.min()), 2) if primaries.size else None,
        objective=outcome.objective,
        status=result.status,
        objective_value=round(float(result.objective), 4),
        bound=round(float(result.bound), 4),
        gap=round(float(result.gap), 6),
        engine=result.engine,
        wall_time=round(float(result.wall_time), 3),
        certified=None if certified is None else bool(certified),
        blocking_pairs=(int(result.stats["blocking_pairs"])  # type: ignore[call-overload]
                        if outcome.objective == "stable" and "blocking_pairs" in result.stats
                        else None),
    )
