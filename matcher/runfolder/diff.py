"""Compare two run folders: which mentee–mentor pairs were kept, ended, or are new, and why.

Pairs are compared by (mentee id, mentor id); a kept pair whose role changed (a specialist
who became the primary after the primary left) is listed as kept, with both roles. Each
pair carries the names pairings.csv shows and a reason: for an ended pair the one the
rematch recorded in rematch.json (said no at month 12, a participant left, replaced ...);
for a kept pair whether it was locked (agreed to continue) or kept by the solver; for a new
pair whether the mentee is new, replaces a pair that ended, or fills a free place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from matcher.runfolder.reader import RunPair, RunRecord, read_run


@dataclass(frozen=True)
class ComparedPair:
    """One pair in the comparison, with its role (and score) in each run it appears in,
    the names of the two people and why it is kept, ended or new."""

    mentee_id: str
    mentor_id: str
    role_before: str | None
    role_after: str | None
    score_before: float | None
    score_after: float | None
    mentee_name: str = ""
    mentor_name: str = ""
    covers: str = ""
    reason: str = ""


@dataclass(frozen=True)
class RunDiff:
    """Pairs kept, ended and new between run ``before`` and run ``after``."""

    before: str
    after: str
    kept: tuple[ComparedPair, ...]
    ended: tuple[ComparedPair, ...]
    new: tuple[ComparedPair, ...]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (counts first, then the three lists)."""
        return {"before": self.before, "after": self.after,
                "counts": {"kept": len(self.kept), "ended": len(self.ended),
                           "new": len(self.new)},
                "kept": [asdict(c) for c in self.kept], "ended": [asdict(c) for c in self.ended],
                "new": [asdict(c) for c in self.new]}

    def lines(self) -> list[str]:
        """Plain-text lines for the terminal: a pair per line, names beside ids."""
        out = [f"{self.before} → {self.after}: {len(self.kept)} kept, {len(self.ended)} ended, "
               f"{len(self.new)} new."]
        for title, changes in (("Kept", self.kept), ("Ended", self.ended), ("New", self.new)):
            if changes:
                out.append(f"{title}:")
                out.extend(f"  {_person(c.mentee_name, c.mentee_id)} – "
                           f"{_person(c.mentor_name, c.mentor_id)}  ({_roles(c)}; {c.reason})"
                           for c in changes)
        return out


def _person(name: str, identifier: str) -> str:
    return f"{name} <{identifier}>" if name and name != identifier else identifier


def _roles(change: ComparedPair) -> str:
    """``primary``, ``specialist for research``, ``coach``, ``specialist → primary``."""
    if change.covers in ("coach", "advisor"):
        return change.covers
    covers = f" for {change.covers}" if change.covers else ""
    if change.role_before and change.role_after and change.role_before != change.role_after:
        return f"{change.role_before} → {change.role_after}{covers}"
    return f"{change.role_after or change.role_before or ''}{covers}"


def diff_records(before: RunRecord, after: RunRecord) -> RunDiff:
    """Compare the pairs of two read runs."""
    old = {p.key: p for p in before.pairs}
    new = {p.key: p for p in after.pairs}
    reasons = _Reasons(before, after)

    def change(key: tuple[str, str], reason: str) -> ComparedPair:
        a: RunPair | None = old.get(key)
        b: RunPair | None = new.get(key)
        either = b or a
        assert either is not None
        return ComparedPair(key[0], key[1], a.role if a else None, b.role if b else None,
                            a.score if a else None, b.score if b else None,
                            mentee_name=(b and b.mentee_name) or (a and a.mentee_name) or "",
                            mentor_name=(b and b.mentor_name) or (a and a.mentor_name) or "",
                            covers=either.covers, reason=reason)

    return RunDiff(before=str(before.folder), after=str(after.folder),
                   kept=tuple(change(k, reasons.kept(new[k]))
                              for k in sorted(old.keys() & new.keys())),
                   ended=tuple(change(k, reasons.ended(k))
                               for k in sorted(old.keys() - new.keys())),
                   new=tuple(change(k, reasons.new(k)) for k in sorted(new.keys() - old.keys())))


class _Reasons:
    """Why a pair is kept, ended or new between two runs."""

    def __init__(self, before: RunRecord, after: RunRecord) -> None:
        self.recorded = {e.key: e.reason for e in after.ended or ()}
        ended_pair = after.record.get("ended_pair")  # a run made by `end-pair`
        if isinstance(ended_pair, dict):
            self.recorded[(str(ended_pair.get("mentee_id")), str(ended_pair.get(
                "mentor_id")))] = "ended mid-cycle (end-pair)"
        self.rematch = after.rematch is not None
        self.mentees_before = {p.mentee_id for p in before.pairs}
        gone = before.pair_keys() - after.pair_keys()
        self.lost_a_pair = {mentee for mentee, _ in gone}

    def kept(self, pair: RunPair) -> str:
        if pair.locked:
            return "continues: locked at month 12" if self.rematch else "locked"
        return "kept by the solver" if self.rematch else "in both runs"

    def ended(self, key: tuple[str, str]) -> str:
        return self.recorded.get(key, "not in the later run")

    def new(self, key: tuple[str, str]) -> str:
        if key[0] not in self.mentees_before:
            return "new mentee"
        if key[0] in self.lost_a_pair:
            return "replaces a pair that ended"
        return "a free place in the mentee's network"


def diff_runs(before: str | Path, after: str | Path) -> RunDiff:
    """Compare the run folders ``before`` and ``after`` (InputError if one is not a run)."""
    return diff_records(read_run(before), read_run(after))
