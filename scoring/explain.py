"""Explanations of compatibility scores: each component's points and evidence in words.

Records only for now; the explainer reads the scorer's own component arrays (one code
path), so the points of a pair always sum to its score.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComponentPoints:
    """One score component of one pair: weight, value in [0, 1], points, evidence."""

    name: str
    weight: float
    value: float
    points: float  # 100 * weight * value / sum(weights)
    evidence: str  # e.g. "shared areas: grant writing, research"


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
