"""Every input of one solve beyond the cohort and the config, as the run folder records it.

``match`` and ``rematch`` both end in :func:`matcher.pipeline.run_match`; what they pass it
(objective, network-size override, locks, forbidden pairs, keep bonus) is gathered here once,
written to run.json (``solve``) and read back by the audit, so that re-solving a run's own
problem from its folder reproduces the run's objective exactly. ``sources`` says where the
locks and forbids came from (a sheet with its sha256, or the rematch that derived them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.errors import InputError

#: run.json key holding :meth:`SolveInputs.to_dict`.
RECORD_KEY = "solve"


@dataclass(frozen=True)
class SolveInputs:
    """What the solver was given besides the cohort and the config (ids, not indices)."""

    objective: str
    network_size: int | None = None
    #: (mentee id, mentor id[, role[, covers]]) as passed to the pipeline
    locks: tuple[tuple[str, ...], ...] = ()
    forbids: tuple[tuple[str, str], ...] = ()
    keep_bonus: tuple[tuple[str, str, float], ...] = ()
    #: "locks" / "forbids" → where they came from (file name and sha256, or a sentence)
    sources: Mapping[str, Any] = field(default_factory=dict)

    def keep_bonus_map(self) -> dict[tuple[str, str], float]:
        """The keep bonus as run_match takes it."""
        return {(e, m): points for e, m, points in self.keep_bonus}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (run.json ``solve``); floats keep every digit."""
        return {"objective": self.objective, "network_size": self.network_size,
                "locks": [list(lock) for lock in self.locks],
                "forbids": [list(pair) for pair in self.forbids],
                "keep_bonus": [[e, m, points] for e, m, points in self.keep_bonus],
                "sources": dict(self.sources)}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> SolveInputs:
        """Read :meth:`to_dict` back; InputError naming ``where`` when it is damaged."""
        try:
            size = data["network_size"]
            return cls(
                objective=str(data["objective"]),
                network_size=None if size is None else int(size),
                locks=tuple(tuple(str(part) for part in lock) for lock in data["locks"]),
                forbids=tuple((str(e), str(m)) for e, m in data["forbids"]),
                keep_bonus=tuple((str(e), str(m), float(points))
                                 for e, m, points in data["keep_bonus"]),
                sources=dict(data.get("sources") or {}))
        except (TypeError, KeyError, ValueError, AttributeError):
            raise InputError(f"{where}: the '{RECORD_KEY}' record (the solve's locks, forbids "
                             "and options) is damaged; restore the run folder as mentormatch "
                             "wrote it.") from None


def make_inputs(objective: str, network_size: int | None, locks: Any, forbids: Any,
                keep_bonus: Mapping[tuple[str, str], float] | None,
                sources: Mapping[str, Any] | None = None) -> SolveInputs:
    """A :class:`SolveInputs` from run_match's own arguments (sorted where order is free)."""
    return SolveInputs(
        objective=objective, network_size=network_size,
        locks=tuple(tuple(lock) for lock in locks),
        forbids=tuple(sorted((str(p[0]), str(p[1])) for p in forbids)),
        keep_bonus=tuple((e, m, float(points))
                         for (e, m), points in sorted((keep_bonus or {}).items())),
        sources=dict(sources or {}))
