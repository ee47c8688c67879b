"""Compare two run folders: which mentee–mentor pairs were kept, ended, or are new.

Pairs are compared by (mentee id, mentor id); a kept pair whose role changed (a specialist
who became the primary after the primary left) is listed as kept, with both roles.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from matcher.runfolder.reader import RunPair, RunRecord, read_run


@dataclass(frozen=True)
class ComparedPair:
    """One pair in the comparison, with its role (and score) in each run it appears in."""

    mentee_id: str
    mentor_id: str
    role_before: str | None
    role_after: str | None
    score_before: float | None
    score_after: float | None


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
        """Plain-text lines for the terminal."""
        out = [f"{self.before} → {self.after}: {len(self.kept)} kept, {len(self.ended)} ended, "
               f"{len(self.new)} new."]
        for title, changes in (("Kept", self.kept), ("Ended", self.ended), ("New", self.new)):
            if changes:
                out.append(f"{title}:")
                out.extend(f"  {c.mentee_id} – {c.mentor_id}  ({_roles(c)})" for c in changes)
        return out


def _roles(change: ComparedPair) -> str:
    if change.role_before and change.role_after and change.role_before != change.role_after:
        return f"{change.role_before} → {change.role_after}"
    return change.role_after or change.role_before or ""


def diff_records(before: RunRecord, after: RunRecord) -> RunDiff:
    """Compare the pairs of two read runs."""
    old = {p.key: p for p in before.pairs}
    new = {p.key: p for p in after.pairs}

    def change(key: tuple[str, str]) -> ComparedPair:
        a: RunPair | None = old.get(key)
        b: RunPair | None = new.get(key)
        return ComparedPair(key[0], key[1], a.role if a else None, b.role if b else None,
                          a.score if a else None, b.score if b else None)

    return RunDiff(before=str(before.folder), after=str(after.folder),
                   kept=tuple(change(k) for k in sorted(old.keys() & new.keys())),
                   ended=tuple(change(k) for k in sorted(old.keys() - new.keys())),
                   new=tuple(change(k) for k in sorted(new.keys() - old.keys())))


def diff_runs(before: str | Path, after: str | Path) -> RunDiff:
    """Compare the run folders ``before`` and ``after`` (InputError if one is not a run)."""
    return diff_records(read_run(before), read_run(after))
