"""Score explanations as the lines ``mentormatch explain`` prints (no I/O, no click).

Beside :mod:`scoring.explain`, which computes the records: a breakdown of one pair, the best
candidates of a mentee, and "why B rather than C" side by side. The run-folder audit adds
its own lines around these (:mod:`matcher.audit_text`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the records only; formatting never computes a score
    from scoring.explain import Comparison, PairExplanation, TopCandidates


def label(person_id: str, name: str) -> str:
    """``id (name)``, or the id alone when the name is empty or the id itself."""
    return f"{person_id} ({name})" if name and name != person_id else person_id


def format_breakdown(pair: PairExplanation) -> list[str]:
    """The full score breakdown of one pair: a table of components and the total."""
    status = "eligible" if pair.eligible else "NOT ELIGIBLE"
    lines = [f"Mentee {label(pair.mentee_id, pair.mentee_name)} x mentor "
             f"{label(pair.mentor_id, pair.mentor_name)}: score {pair.score:.1f} / 100, "
             f"{status}"]
    for rule, sentence in zip(pair.broken_rules, pair.rule_sentences, strict=True):
        lines.append(f"  breaks rule {rule}: {sentence}")
    lines.append("")
    lines.append(f"{'component':<15} {'points':>6} {'value':>6} {'weight':>6}  evidence")
    for part in pair.components:
        lines.append(f"{part.name:<15} {part.points:>6.1f} {part.value:>6.2f} "
                     f"{part.weight:>6g}  {part.evidence}")
    lines.append(f"{'total':<15} {pair.score:>6.1f}")
    lines.append("")
    lines.append("points = 100 x weight x value / sum of weights, rounded so they add up to "
                 "the score.")
    return lines


def format_top(top: TopCandidates, mentee_name: str = "") -> list[str]:
    """The best eligible mentors with one-line reasons, and what ruled the others out."""
    lines = [f"Top {len(top.candidates)} eligible mentors for {label(top.mentee_id, mentee_name)}"
             f"; {top.n_eligible} of {top.n_mentors} mentors are eligible:"]
    width = max([len(c.mentor_id) for c in top.candidates] + [5])
    for rank, pair in enumerate(top.candidates, start=1):
        lines.append(f"{rank:>3}. {pair.mentor_id:<{width}} {pair.score:>5.1f}  "
                     + "; ".join(pair.reasons(2)))
    if not top.candidates:
        lines.append("  (no eligible mentor)")
    if top.ineligible_by_rule:
        lines.append(f"Ruled out ({top.n_mentors - top.n_eligible} mentors; one may break "
                     f"several rules):")
        for rule, count in sorted(top.ineligible_by_rule.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {count:>5} by {rule}: {top.rule_sentences[rule]}")
    return lines


def format_comparison(comparison: Comparison) -> list[str]:
    """Why B rather than C: both scores component by component, with the differences."""
    b, c = comparison.b, comparison.c
    lines = [f"Why B rather than C for mentee {label(comparison.mentee_id, b.mentee_name)}:",
             f"  B = {label(b.mentor_id, b.mentor_name)}",
             f"  C = {label(c.mentor_id, c.mentor_name)}", "",
             f"{'component':<15} {'B':>6} {'C':>6} {'B - C':>6}"]
    for diff in comparison.differences:
        lines.append(f"{diff.name:<15} {diff.points_b:>6.1f} {diff.points_c:>6.1f} "
                     f"{diff.difference:>+6.1f}")
    lines.append(f"{'total':<15} {b.score:>6.1f} {c.score:>6.1f} "
                 f"{comparison.score_difference:>+6.1f}")
    lines.append("")
    lines.extend(comparison.summary())
    return lines
