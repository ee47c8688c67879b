"""A run-folder audit (:class:`matcher.audit.RunAudit`) as the lines ``explain RUN_DIR`` prints.

Beside :mod:`matcher.audit`, which reads the run and answers; the score tables inside come
from :mod:`scoring.explain_text`, so both forms of ``explain`` print them alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matcher.audit import CHANGES_SHOWN
from scoring.explain_text import format_breakdown, format_comparison, label

if TYPE_CHECKING:  # the records only
    from matcher.audit import PairChange, RunAudit, RunPair


def _network_line(pair: RunPair) -> str:
    covers = f" for {pair.covers.replace('_', ' ')}" if pair.covers else ""
    score = f"{pair.score:5.1f}" if pair.score is not None else "    ?"
    locked = "  (locked)" if pair.locked else ""
    return f"  {pair.role + covers:<28} {pair.mentor_id}  {score}{locked}"


def _moves(changes: Sequence[PairChange]) -> list[str]:
    """One line per mentee whose network changes: "mentee: old (score) → new (score)"."""
    by_mentee: dict[str, dict[str, list[str]]] = {}
    for change in changes:
        sides = by_mentee.setdefault(change.mentee_id, {"dropped": [], "added": []})
        sides[change.change].append(f"{change.mentor_id} ({change.score:.1f})")
    return [f"{mentee}: {', '.join(sides['dropped']) or 'nobody'} → "
            f"{', '.join(sides['added']) or 'nobody'}" for mentee, sides in by_mentee.items()]


def _why_not_lines(audit: RunAudit) -> list[str]:
    """Why B and not C: the scores side by side, the solver's reasons, the forced solve."""
    why = audit.why_not
    assert why is not None
    if why.comparison is not None:
        lines = [""] + format_comparison(why.comparison)
    else:
        assert why.c_breakdown is not None
        lines = ["", "Not placed in this run" + (f": {audit.unplaced_reason}"
                                                 if audit.unplaced_reason else ".")]
        lines += [""] + format_breakdown(why.c_breakdown)
    if why.mentor_b is not None and not why.b_in_network:
        lines.append(f"Note: {why.mentor_b} is not in this mentee's network in this run.")
    lines += ["", "Why the run did not give C:"]
    lines += [f"  - {reason.sentence}" for reason in why.reasons]
    forced = why.forced
    if forced is not None and forced.changes:
        moves = _moves(forced.changes)
        fewest = "the fewest changes it needs" if forced.fewest else "one optimum's changes"
        lines.append(f"  Networks that change in that matching ({len(moves)}; {fewest}):")
        lines += [f"    {move}" for move in moves[:CHANGES_SHOWN]]
        if len(moves) > CHANGES_SHOWN:
            lines.append(f"    ... and {len(moves) - CHANGES_SHOWN} more (--json lists "
                         "every pair)")
    if forced is not None and not forced.reproduces_run:
        lines.append("  Note: solved again without the lock, the run's problem gives "
                     "other pairs than pairings.csv (an equal-total optimum, or the run "
                     "was not proven optimal); figures compare the two re-solves.")
    return lines


def _pair_lines(audit: RunAudit, run_dir: str) -> list[str]:
    """One pair's breakdown and whether it is in the mentee's network."""
    lines = [""] + format_breakdown(audit.breakdowns[0])
    own = next((p for p in audit.network if p.mentor_id == audit.mentor_id), None)
    if own is not None:
        covers = f" for {own.covers.replace('_', ' ')}" if own.covers else ""
        lines.append(f"In this mentee's network as {own.role}{covers}.")
    else:
        lines.append(f"Not in this mentee's network. Why not: mentormatch explain "
                     f"{run_dir} --mentee {audit.mentee_id} --vs {audit.mentor_id}")
    return lines


def _network_lines(audit: RunAudit, run_dir: str) -> list[str]:
    """The mentee's network with each pair's breakdown, and the best mentors outside it."""
    lines = [""]
    if audit.network:
        lines.append(f"Network ({len(audit.network)} mentor"
                     f"{'s' if len(audit.network) != 1 else ''}):")
        lines += [_network_line(p) for p in audit.network]
    elif audit.unplaced_reason:
        lines.append(f"Not placed in this run: {audit.unplaced_reason}")
    else:
        lines.append("Not placed in this run (report.html lists why).")
    for pair in audit.breakdowns:
        lines += [""] + format_breakdown(pair)[:-2]
    lines += ["", "Best-scoring eligible mentors outside the network:"]
    width = max([len(a.explanation.mentor_id) for a in audit.alternatives] + [5])
    for rank, alt in enumerate(audit.alternatives, start=1):
        lines.append(f"{rank:>3}. {alt.explanation.mentor_id:<{width}} "
                     f"{alt.explanation.score:>5.1f}  {alt.status}")
    if not audit.alternatives:
        lines.append("  (none)")
    else:
        first = audit.alternatives[0].explanation.mentor_id
        lines.append(f"Why not one of them: mentormatch explain {run_dir} --mentee "
                     f"{audit.mentee_id} --vs {first}")
    return lines


def format_audit(audit: RunAudit, run_dir: str) -> list[str]:
    """An audit of one mentee of a run folder (network, one pair, or why B and not C)."""
    lines = [f"Run {run_dir} (objective {audit.objective}), "
             f"mentee {label(audit.mentee_id, audit.mentee_name)}"]
    lines += [f"Warning: {w}" for w in audit.warnings]
    if audit.why_not is not None:
        return lines + _why_not_lines(audit)
    if audit.mentor_id is not None:
        return lines + _pair_lines(audit, run_dir)
    return lines + _network_lines(audit, run_dir)
