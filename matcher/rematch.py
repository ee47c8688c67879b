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

The new cycle is a real next year (:func:`next_cycle_start`): its start date is
``--start-date``, else the config's when it is later than the previous run's, else twelve
months after the previous run's; plans and calendars are dated in it. Continuing pairs get a
year-2 plan and a "your mentoring continues" e-mail, new pairs an introduction, and each side
of an ended pair a thank-you and closure note (:func:`cycle_context`); the report opens with
the kept / ended / new / flagged counts and their reasons (:func:`change_reasons`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dateutil.relativedelta import relativedelta

from matcher.encoder import IdEncoder
from matcher.outcome import MatchOutcome
from matcher.outputs.cycle import Closure, CycleContext
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
                config: ProgramConfig, *, progress: bool = True,
                start_date: dt.date | None = None) -> RematchOutcome:
    """Plan the rematch, solve it with the same pipeline as `match`, and record the changes.

    The outcome's config starts the new cycle (:func:`cycle_config`; ``start_date`` is
    ``--start-date``)."""
    config = cycle_config(history, config, start_date)
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
    sources = {"locks": "rematch: pairs continuing by the month-12 feedback",
               "forbids": "rematch: pairs ended in earlier cycles, and every other mentor "
                          "of mentees held for the coordinator",
               "keep_bonus": "rematch: free previous pairs ([rematch] disruption_penalty)"}
    return run_match(plan.cohort, config, locks=plan.locks, forbids=plan.forbids,
                     keep_bonus=plan.keep_bonus, progress=progress, sources=sources)


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
    """The rematch.json record: previous run, decisions, counts and their reasons (the
    report's opening table, :func:`change_reasons`), ended pairs with reasons, flags.

    Feedback notes and ratings are deliberately absent: the record may be shared.
    """
    decisions = Counter(row.decision for row in feedback.rows)
    changes = change_reasons(result, history, feedback)
    return {
        "format": layout.REMATCH_FORMAT,
        "previous_run": previous_run_entry(history, run_folder),
        "feedback": {"file": feedback.path.name, "sha256": sha256_of(feedback.path),
                     "rows": len(feedback.rows),
                     "decisions": {k: decisions.get(k, 0) for k in ("yes", "no", "unsure")}},
        "counts": {"kept": len(result.kept), "ended": len(result.ended),
                   "new": len(result.new_pairs()), "locked": len(result.plan.locks),
                   "forbidden": len(result.plan.forbids),
                   "flagged": len(result.plan.flags)},
        # kept / ended / new / flagged by reason, most frequent first (each sums to its count)
        "reasons": changes.to_dict(),
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
    changes = change_reasons(result, history, feedback)
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
        report_opening=[Table("Since the previous cycle", ("Change", "Count", "Reasons"),
                              changes.rows())],
        cycle=cycle_context(result, history, feedback),
        claim=claim)


# --------------------------------------------------------------- the new cycle (year 2)

#: How far the next cycle starts after the previous one, by default.
CYCLE_LENGTH = relativedelta(months=12)


def previous_start(history: RunHistory) -> dt.date | None:
    """The start date the previous run's config recorded (None when it had none)."""
    program = history.latest.record.get("config", {}).get("program", {})
    value = program.get("start_date") or ""
    try:
        return dt.date.fromisoformat(str(value).strip()) if str(value).strip() else None
    except ValueError:
        return None


def next_cycle_start(history: RunHistory, config: ProgramConfig,
                     start_date: dt.date | None = None) -> dt.date | None:
    """The new cycle's start: ``start_date`` (``--start-date``); else the config's
    ``[program] start_date`` when it is later than the previous run's; else twelve months
    after the previous run's start. InputError for a ``start_date`` not after the previous
    start (the plans would be dated in the year that is ending)."""
    before = previous_start(history)
    if start_date is not None:
        if before is not None and start_date <= before:
            raise InputError(
                f"--start-date {start_date.isoformat()} is not after the start of the cycle "
                f"that is ending ({before.isoformat()}, in {history.latest.folder}/run.json), "
                "so the new plans and calendars would repeat last year's dates. Give the new "
                f"cycle's first day, e.g. --start-date {(before + CYCLE_LENGTH).isoformat()}.")
        return start_date
    configured = config.program.start_date
    if before is None:
        return configured
    if configured is not None and configured > before:
        return configured
    return before + CYCLE_LENGTH


def cycle_config(history: RunHistory, config: ProgramConfig,
                 start_date: dt.date | None = None) -> ProgramConfig:
    """``config`` with the new cycle's start date (:func:`next_cycle_start`)."""
    start = next_cycle_start(history, config, start_date)
    if start is None or start == config.program.start_date:
        return config
    return config.with_start_date(start)


#: What each side of an ended pair is told, by the reason the rematch recorded.
_CLOSURE_WORDS: dict[str, tuple[str, str]] = {  # reason → (to the mentee, to the mentor)
    "ended at the month-12 meeting": ("as agreed at the month-12 meeting",
                                      "as agreed at the month-12 meeting"),
    "the mentee left the program": ("", "{mentee} has left the program"),
    "the mentor left the program": ("{mentor} has left the program", ""),
    "unsure or no feedback at month 12; replaced": (
        "the program has found you a new network member for the year ahead", ""),
}


def cycle_context(result: RematchOutcome, history: RunHistory,
                  feedback: FeedbackSheet) -> CycleContext:
    """What the new run's plans and messages need: the cycle's number, the continuing
    pairs, last year's and the new goals, and a closure note to each side of an ended pair
    (names and e-mails from the previous run's snapshot, else this year's intake)."""
    people = _people_by_id(history, result.outcome.cohort)
    previous = _previous_goals(history)
    closures = []
    for ended in result.ended:
        mentee, mentor = people.get(ended.mentee_id), people.get(ended.mentor_id)
        mentee_name = mentee[0] if mentee else ended.mentee_id
        mentor_name = mentor[0] if mentor else ended.mentor_id
        to_mentee, to_mentor = _CLOSURE_WORDS.get(ended.reason, ("", ""))
        for side, person_id, person, other, words in (
                ("mentee", ended.mentee_id, mentee, mentor_name, to_mentee),
                ("mentor", ended.mentor_id, mentor, mentee_name, to_mentor)):
            closures.append(Closure(
                mentee_id=ended.mentee_id, mentor_id=ended.mentor_id, side=side,
                name=person[0] if person else person_id, email=person[1] if person else "",
                other_name=other,
                because=words.format(mentee=mentee_name, mentor=mentor_name)))
    return CycleContext(year=len(history.runs) + 1, continuing=frozenset(result.kept),
                        previous_goals=previous, new_goals=feedback.new_goals(),
                        closures=tuple(closures))


def _people_by_id(history: RunHistory, cohort: Cohort) -> dict[str, tuple[str, str]]:
    """Id → (name, e-mail) of everyone in this year's intake and last year's run."""
    people = {p.id: (p.name, p.email) for p in (*cohort.mentees, *cohort.mentors)}
    try:
        before = history.latest.cohort()
    except InputError:  # an old run folder without its snapshot: this year's intake only
        return people
    for person in (*before.mentees, *before.mentors):
        people.setdefault(person.id, (person.name, person.email))
    return people


def _previous_goals(history: RunHistory) -> dict[str, str]:
    """Mentee id → the goals last year's run matched on (its snapshot), for the review."""
    try:
        return {m.id: m.goals for m in history.latest.cohort().mentees}
    except InputError:
        return {}


@dataclass(frozen=True)
class ChangeReasons:
    """Kept / ended / new pairs and flagged mentees since the previous run, each counted by
    reason (reason → pairs), for the report's opening table and the terminal."""

    kept: Counter[str]
    ended: Counter[str]
    new: Counter[str]
    flagged: Counter[str]

    def to_dict(self) -> dict[str, dict[str, int]]:
        """{"kept": {reason: pairs}, "ended": ..., "new": ..., "flagged": {reason: flags}},
        most frequent reason first (rematch.json ``reasons``)."""
        return {name: dict(counter.most_common()) for name, counter in
                (("kept", self.kept), ("ended", self.ended), ("new", self.new),
                 ("flagged", self.flagged))}

    def rows(self) -> list[tuple[str, int, str]]:
        """(change, count, "reason: n; reason: n") rows, most frequent reason first."""
        return [(name, sum(counter.values()),
                 "; ".join(f"{reason}: {n}" for reason, n in counter.most_common()) or "–")
                for name, counter in (("Kept", self.kept), ("Ended", self.ended),
                                      ("New", self.new), ("Flagged", self.flagged))]


def change_reasons(result: RematchOutcome, history: RunHistory,
                   feedback: FeedbackSheet) -> ChangeReasons:
    """Why each pair was kept, ended or made, and why mentees were flagged."""
    decisions = feedback.decisions()
    locked = set(result.plan.locks)
    kept: Counter[str] = Counter()
    for key in result.kept:
        decision = decisions.get(key)
        if decision == "yes":
            kept["yes at the month-12 meeting"] += 1
        elif decision is None:
            kept["no feedback row (treated as unsure)"] += 1
        elif key in locked:
            kept['unsure, kept ([rematch] unsure_policy = "keep")'] += 1
        else:
            kept["unsure, kept: no one better by the disruption penalty"] += 1
    before = {p.mentee_id for p in history.latest.pairs}
    ended_mentees = {e.mentee_id for e in result.ended}
    areas = feedback.new_areas()
    covers = {(p.mentee_id, p.mentor_id): p.covers for n in result.outcome.networks
              for p in n.pairings}
    new: Counter[str] = Counter()
    for mentee_id, mentor_id in result.new_pairs():
        if mentee_id not in before:
            new["new mentee"] += 1
        elif covers.get((mentee_id, mentor_id)) in areas.get(mentee_id, ()):
            new["new area asked for at month 12"] += 1
        elif mentee_id in ended_mentees:
            new["replaces a pair that ended"] += 1
        else:
            new["a free place in the mentee's network"] += 1
    words = {"jumper": "relationships ended in each of the last cycles",
             "overcommitted": "asks for more network members than the program allows"}
    flagged = Counter(words.get(f.kind, f.kind) for f in result.plan.flags)
    return ChangeReasons(kept=kept, ended=Counter(e.reason for e in result.ended), new=new,
                         flagged=flagged)
