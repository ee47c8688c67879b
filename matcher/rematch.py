"""Month-12 rematch: feedback + run history + updated intake → locks, forbids, flags, solver.

The rules a coordinator relies on (also in the README: "Rematch at month 12"):

* a pair whose feedback says **yes** is locked and counts against the mentor's capacity;
  so is an **unsure** pair when ``[rematch] unsure_policy = "keep"`` (the default);
* a pair whose feedback says **no**, and every pair that ended in any earlier cycle of the
  run chain, is forbidden;
* an **unsure** pair under ``unsure_policy = "rematch"``, and a pair with no feedback row,
  is free: the solver may keep or replace it, and keeping it is worth
  ``[rematch] disruption_penalty`` points, so a network changes only when a change gains
  more than that;
* a pair whose mentor or mentee left the program (missing from the updated intake) ends;
  the mentee keeps their network size, so a departed primary is replaced;
* new goals extend the mentee's goals text for scoring; each new area adds a need area and
  a network slot; a network larger than ``[defaults] max_network_size`` is capped and
  flagged (overcommitment);
* a mentee whose relationships ended by choice in each of the last
  ``[rematch] jumper_cycles`` cycles (this meeting included) is flagged; with
  ``hold_jumpers = true`` they get no new mentor (only pairs agreed to continue stay);
* locks beyond a mentor's capacity are an :class:`~scoring.errors.InputError` naming the
  mentor and the pairs, never a silent drop.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from matcher.encoder import IdEncoder
from matcher.outcome import MatchOutcome
from matcher.outputs.sheets import Table, csv_bytes
from matcher.pipeline import run_match
from matcher.runfolder import layout
from matcher.runfolder.claim import OutputClaim
from matcher.runfolder.hashing import sha256_of
from matcher.runfolder.reader import EndedPair, RunHistory
from matcher.runfolder.writer import write_run_folder
from scoring.config import ProgramConfig
from scoring.errors import InputError
from scoring.intake.feedback import FeedbackSheet
from scoring.profiles import Cohort, Mentee

FlagKind = Literal["jumper", "overcommitted"]


@dataclass(frozen=True)
class RematchFlag:
    """Something the coordinator should look at for one mentee."""

    mentee_id: str
    kind: FlagKind
    message: str


@dataclass(frozen=True)
class RematchSettings:
    """The ``[rematch]`` table, checked."""

    unsure_policy: str
    disruption_penalty: float
    jumper_cycles: int
    hold_jumpers: bool
    max_network_size: int


@dataclass(frozen=True)
class RematchPlan:
    """What the solver is asked to do, and why (every list in a stable, sorted order)."""

    cohort: Cohort  # updated intake with new goals, areas and network sizes applied
    locks: tuple[tuple[str, str], ...]  # (mentee id, mentor id) pairs that continue
    forbids: tuple[tuple[str, str], ...]  # pairs that must not be made
    keep_bonus: dict[tuple[str, str], float]  # free previous pairs → points for keeping them
    ended: tuple[EndedPair, ...]  # previous pairs ended before solving, with reasons
    held: tuple[str, ...]  # mentee ids held for the coordinator (no new mentors)
    flags: tuple[RematchFlag, ...]
    warnings: tuple[str, ...] = ()


def rematch_settings(config: ProgramConfig) -> RematchSettings:
    """The ``[rematch]`` settings (checked when the config was loaded)."""
    table = config.rematch  # checked when the config was loaded
    return RematchSettings(unsure_policy=table.unsure_policy,
                           disruption_penalty=float(table.disruption_penalty),
                           jumper_cycles=table.jumper_cycles, hold_jumpers=table.hold_jumpers,
                           max_network_size=config.defaults.max_network_size)


def plan_rematch(history: RunHistory, feedback: FeedbackSheet, cohort: Cohort,
                 config: ProgramConfig) -> RematchPlan:
    """Turn the previous run, its feedback and the updated intake into solver inputs."""
    settings = rematch_settings(config)
    encoder = IdEncoder.of(cohort)
    mentees, mentors = encoder.mentee_index, encoder.mentor_index
    decisions = feedback.decisions()
    # The solver makes a mentee's first lock the primary: list last year's primary first.
    previous = sorted(history.latest.pairs,
                      key=lambda p: (p.mentee_id, p.role != "primary", p.mentor_id))
    locks: list[tuple[str, str]] = []
    keep_bonus: dict[tuple[str, str], float] = {}
    ended: list[EndedPair] = []
    warnings: list[str] = []
    for pair in previous:
        key = pair.key
        decision = decisions.get(key)
        if pair.mentee_id not in mentees:
            ended.append(EndedPair(*key, "the mentee left the program", by_choice=False))
        elif pair.mentor_id not in mentors:
            ended.append(EndedPair(*key, "the mentor left the program", by_choice=False))
        elif decision == "no":
            ended.append(EndedPair(*key, "ended at the month-12 meeting"))
        elif decision == "yes" or settings.unsure_policy == "keep":
            locks.append(key)
        else:
            keep_bonus[key] = settings.disruption_penalty
        if decision is None and pair.mentee_id in mentees and pair.mentor_id in mentors:
            warnings.append(f"No feedback row for {key[0]} – {key[1]}; treated as unsure.")
    _check_capacity(locks, cohort, feedback)
    flags = _jumper_flags(history, ended, settings)
    held = tuple(sorted(f.mentee_id for f in flags
                        if settings.hold_jumpers and f.mentee_id in mentees))
    updated, overcommitted = _updated_mentees(cohort, feedback, locks, held, settings)
    forbids = {pair for pair in history.ended_pairs() | {e.key for e in ended if e.by_choice}
               if pair[0] in mentees and pair[1] in mentors}
    locked = set(locks)
    for mentee_id in held:
        forbids.update((mentee_id, m.id) for m in cohort.mentors
                       if (mentee_id, m.id) not in locked)
        for key in [k for k in keep_bonus if k[0] == mentee_id]:
            del keep_bonus[key]
    return RematchPlan(
        cohort=dataclasses.replace(cohort, mentees=updated),
        locks=tuple(locks), forbids=tuple(sorted(forbids)), keep_bonus=keep_bonus,
        ended=tuple(ended), held=held, flags=tuple(sorted(flags + overcommitted,
                                                          key=lambda f: (f.mentee_id, f.kind))),
        warnings=tuple(history.warnings) + tuple(warnings))


def _check_capacity(locks: list[tuple[str, str]], cohort: Cohort,
                    feedback: FeedbackSheet) -> None:
    """InputError naming each mentor whose continuing pairs exceed their new capacity."""
    capacity = {m.id: m.capacity for m in cohort.mentors}
    per_mentor: dict[str, list[str]] = defaultdict(list)
    for mentee_id, mentor_id in locks:
        per_mentor[mentor_id].append(mentee_id)
    over = {mentor: ids for mentor, ids in per_mentor.items() if len(ids) > capacity[mentor]}
    if not over:
        return
    lines = [f"  mentor {mentor} has capacity {capacity[mentor]} but {len(ids)} continuing "
             f"pairs: {', '.join(sorted(ids))}" for mentor, ids in sorted(over.items())]
    sources = cohort.sources.get("mentors", "the mentors file")
    raise InputError(
        "Continuing pairs alone exceed a mentor's capacity, so the rematch cannot keep them "
        "all:\n" + "\n".join(lines) + f"\nRaise the mentor's capacity in {sources}, or mark "
        f"one of those pairs 'no' in {feedback.path} (unsure pairs are kept while "
        "[rematch] unsure_policy is \"keep\").")


def _jumper_flags(history: RunHistory, ended_now: list[EndedPair],
                  settings: RematchSettings) -> list[RematchFlag]:
    """Mentees whose relationships ended by choice in each of the last N cycles."""
    boundaries = [tuple(ended_now), *history.cycles()]
    if len(boundaries) < settings.jumper_cycles:
        return []
    recent = boundaries[:settings.jumper_cycles]
    ended_each = [{e.mentee_id for e in boundary if e.by_choice} for boundary in recent]
    jumpers = set.intersection(*ended_each)
    n = settings.jumper_cycles
    action = ("held for you: no new mentor was assigned automatically"
              if settings.hold_jumpers else "matched as usual")
    return [RematchFlag(mentee_id, "jumper",
                        f"Relationships ended in each of the last {n} cycles (the pattern of "
                        f"jumping from mentor to mentor); {action}. Talk with them before "
                        "the next match.")
            for mentee_id in sorted(jumpers)]


def _updated_mentees(cohort: Cohort, feedback: FeedbackSheet,
                     locks: list[tuple[str, str]], held: tuple[str, ...],
                     settings: RematchSettings) -> tuple[list[Mentee], list[RematchFlag]]:
    """Mentees with new goals, areas and network sizes applied; overcommitment flags."""
    goals = feedback.new_goals()
    areas = feedback.new_areas()
    locked = Counter(mentee for mentee, _ in locks)
    flags: list[RematchFlag] = []
    updated = []
    for mentee in cohort.mentees:
        changes: dict[str, Any] = {}
        if mentee.id in goals:
            changes["goals"] = "\n".join(filter(None, (goals[mentee.id], mentee.goals)))
        added = tuple(a for a in areas.get(mentee.id, ()) if a not in mentee.need_areas)
        if added:
            changes["need_areas"] = mentee.need_areas + added
        asked = mentee.network_size + len(added)
        size = max(min(asked, settings.max_network_size), locked[mentee.id], 1)
        if asked > settings.max_network_size:
            flags.append(RematchFlag(
                mentee.id, "overcommitted",
                f"Asks for {asked} network members; the program allows "
                f"{settings.max_network_size}, so the network was capped at {size}. Agree with "
                "them which relationships matter most."))
        if mentee.id in held:
            size = max(locked[mentee.id], 1)
        if size != mentee.network_size:
            changes["network_size"] = size
        updated.append(dataclasses.replace(mentee, **changes) if changes else mentee)
    return updated, flags


@dataclass
class RematchOutcome:
    """A solved rematch: the match outcome plus what changed since the previous run."""

    outcome: MatchOutcome
    plan: RematchPlan
    ended: tuple[EndedPair, ...]  # every previous pair that does not continue, with reasons
    kept: tuple[tuple[str, str], ...]  # previous pairs present in the new networks

    def new_pairs(self) -> tuple[tuple[str, str], ...]:
        """Pairs of the new networks that were not pairs of the previous run."""
        kept = set(self.kept)
        return tuple(sorted((p.mentee_id, p.mentor_id) for n in self.outcome.networks
                            for p in n.pairings if (p.mentee_id, p.mentor_id) not in kept))


def run_rematch(history: RunHistory, feedback: FeedbackSheet, cohort: Cohort,
                config: ProgramConfig, *, progress: bool = True) -> RematchOutcome:
    """Plan the rematch, solve it with the same pipeline as `match`, and record the changes."""
    plan = plan_rematch(history, feedback, cohort, config)
    outcome = _solve(plan, config, progress)
    outcome = _with_held_reasons(outcome, plan)
    made = {(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings}
    decided = {e.key for e in plan.ended}
    replaced = tuple(EndedPair(*key, "unsure or no feedback at month 12; replaced")
                     for key in sorted(plan.keep_bonus) if key not in made)
    held_out = tuple(EndedPair(*key, "held for the coordinator (jumper guard rail)")
                     for key in sorted(history.latest.pair_keys())
                     if key[0] in plan.held and key not in made and key not in decided
                     and key not in plan.keep_bonus)
    kept = tuple(sorted(history.latest.pair_keys() & made))
    return RematchOutcome(outcome=outcome, plan=plan,
                          ended=tuple(sorted(plan.ended + replaced + held_out,
                                             key=lambda e: e.key)),
                          kept=kept)


def _solve(plan: RematchPlan, config: ProgramConfig, progress: bool) -> MatchOutcome:
    """Solve the plan with the `match` pipeline: continuing pairs locked, ended pairs
    forbidden, free previous pairs worth their keep bonus in the objective (never in the
    reported scores)."""
    return run_match(plan.cohort, config, locks=plan.locks, forbids=plan.forbids,
                     keep_bonus=plan.keep_bonus, progress=progress)


def _with_held_reasons(outcome: MatchOutcome, plan: RematchPlan) -> MatchOutcome:
    """The outcome with the hold reason on held mentees left without any mentor."""
    if not plan.held:
        return outcome
    reason = ("Held for the coordinator: relationships ended in each of the last cycles; "
              "not matched automatically ([rematch] hold_jumpers).")
    held = set(plan.held)
    index = outcome.encoder.mentee_index
    unplaced = dict(outcome.result.unplaced)
    unplaced.update({index[n.mentee_id]: reason for n in outcome.networks
                     if n.mentee_id in held and not n.pairings})
    # The networks are read from the result, so the reason is set in one place.
    return dataclasses.replace(outcome, result=dataclasses.replace(outcome.result,
                                                                   unplaced=unplaced))


def rematch_record(result: RematchOutcome, history: RunHistory, run_folder: Path,
                   feedback: FeedbackSheet) -> dict[str, object]:
    """The rematch.json record: previous run, decisions, ended pairs with reasons, flags.

    Feedback notes and ratings are deliberately absent: the record may be shared.
    """
    decisions = Counter(row.decision for row in feedback.rows)
    return {
        "format": layout.REMATCH_FORMAT,
        "previous_run": previous_run_entry(history, run_folder),
        "feedback": {"file": feedback.path.name, "sha256": sha256_of(feedback.path),
                     "rows": len(feedback.rows),
                     "decisions": {k: decisions.get(k, 0) for k in ("yes", "no", "unsure")}},
        "counts": {"kept": len(result.kept), "ended": len(result.ended),
                   "new": len(result.new_pairs()), "locked": len(result.plan.locks),
                   "forbidden": len(result.plan.forbids)},
        "ended": [dataclasses.asdict(e) for e in result.ended],
        "held": list(result.plan.held),
        # free previous pairs and the points keeping them was worth (the audit's re-solve
        # needs them to reproduce this run)
        "keep_bonus": [{"mentee_id": e, "mentor_id": m, "points": points}
                       for (e, m), points in sorted(result.plan.keep_bonus.items())],
        "flags": [dataclasses.asdict(f) for f in result.plan.flags],
        "warnings": list(result.plan.warnings),
    }


def previous_run_entry(history: RunHistory, run_folder: Path) -> dict[str, str]:
    """run.json's ``previous_run``: the previous folder relative to the new one, and the
    sha256 of its run.json (relative, so a whole runs/ folder can be moved or shared)."""
    previous = history.latest.folder.absolute()
    return {"path": os.path.relpath(previous, Path(run_folder).absolute()),
            "sha256": history.latest.run_json_sha256}


def write_rematch_folder(result: RematchOutcome, history: RunHistory, feedback: FeedbackSheet,
                         out_dir: Path, *, force: bool, inputs: dict[str, Path],
                         quiet: bool, claim: OutputClaim | None = None) -> Path:
    """Write the run folder as `match` does, plus the link to the previous run (run.json
    ``previous_run``), the feedback file's hash, rematch.json and rematch_flags.csv."""
    out_dir = Path(out_dir)
    chain = {run.folder.resolve() for run in history.runs}
    if out_dir.resolve() in chain:
        raise InputError(f"--out {out_dir} is a run folder of the history this rematch reads "
                         "(the previous run or one before it); replacing it would lose that "
                         "history. Choose a new --out folder, e.g. runs/<next year>.")
    flags = result.plan.flags
    names = {m.id: m.name for m in result.outcome.cohort.mentees}
    record = rematch_record(result, history, out_dir, feedback)
    # Everything goes through write_run_folder, so the folder is written all at once or not
    # at all, with the previous run linked in run.json and the flags shown in report.html.
    return write_run_folder(
        result.outcome, out_dir, force=force, inputs={**inputs, "feedback": feedback.path},
        quiet=quiet, previous_run=previous_run_entry(history, out_dir),
        extra_files={
            layout.REMATCH_RECORD: (json.dumps(record, indent=2, ensure_ascii=False)
                                    + "\n").encode(),
            layout.FLAGS_FILE: csv_bytes(Table("Flags", layout.FLAGS_COLUMNS,
                                               [(f.mentee_id, f.kind, f.message)
                                                for f in flags])),
        },
        report_sections=[Table("Rematch flags", ("Mentee", "Id", "Flag", "What to do"),
                               [(names.get(f.mentee_id, ""), f.mentee_id, f.kind, f.message)
                                for f in flags])],
        claim=claim)
