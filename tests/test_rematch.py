"""Rematch: continuing pairs survive, ended pairs never return, guard rails fire."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.history import EndedPair, PastPair, RunHistory, RunRecord
from matcher.rematch import plan_rematch
from scoring.config import config_from_dict
from scoring.errors import InputError
from scoring.feedback import FeedbackRow, FeedbackSheet
from scoring.profiles import Cohort, Mentee, Mentor

AREAS = {"research": [], "clinical": [], "career": []}


def config(**rematch: object):
    return config_from_dict({"program": {"id_field": "id"}, "rematch": rematch,
                             "vocabularies": {"areas": AREAS}})


def cohort(mentees: dict[str, int], mentors: dict[str, int]) -> Cohort:
    """Mentees id → network size, mentors id → capacity."""
    return Cohort(
        mentors=[Mentor(id=m, name=m, capacity=c, expertise_areas=("research",))
                 for m, c in mentors.items()],
        mentees=[Mentee(id=e, name=e, network_size=n, need_areas=("research",), goals="grow")
                 for e, n in mentees.items()])


def run(folder: str, pairs: list[tuple[str, str]], ended: list[EndedPair] | None = None,
        ) -> RunRecord:
    return RunRecord(folder=Path(folder), run_json_sha256=folder,
                     pairs=tuple(PastPair(e, m, "primary") for e, m in pairs),
                     ended=None if ended is None else tuple(ended))


def sheet(*rows: tuple[str, str, str], **extra: dict) -> FeedbackSheet:
    return FeedbackSheet(path=Path("feedback.csv"), rows=tuple(
        FeedbackRow(e, m, d, **extra.get(e, {})) for e, m, d in rows))


def test_decisions_become_locks_forbids_and_keep_bonus() -> None:
    history = RunHistory((run("r1", [("A", "X"), ("B", "Y"), ("C", "Z"), ("D", "Z")]),))
    feedback = sheet(("A", "X", "yes"), ("B", "Y", "no"), ("C", "Z", "unsure"))
    people = cohort({"A": 1, "B": 1, "C": 1, "D": 1}, {"X": 2, "Y": 2, "Z": 2})
    keep = plan_rematch(history, feedback, people, config())
    assert set(keep.locks) == {("A", "X"), ("C", "Z"), ("D", "Z")}  # no row counts as unsure
    assert keep.forbids == (("B", "Y"),)
    rematch = plan_rematch(history, feedback, people, config(unsure_policy="rematch",
                                                             disruption_penalty=7))
    assert set(rematch.locks) == {("A", "X")}
    assert rematch.keep_bonus == {("C", "Z"): 7.0, ("D", "Z"): 7.0}


def test_pairs_ended_in_any_earlier_cycle_stay_forbidden() -> None:
    first = run("r1", [("A", "X"), ("B", "Y")])
    second = run("r2", [("A", "Y"), ("B", "X")],
                 ended=[EndedPair("A", "X", "ended"), EndedPair("B", "Y", "ended")])
    history = RunHistory((second, first))
    plan = plan_rematch(history, sheet(("A", "Y", "no"), ("B", "X", "yes")),
                        cohort({"A": 1, "B": 1}, {"X": 2, "Y": 2}), config())
    assert set(plan.forbids) == {("A", "X"), ("B", "Y"), ("A", "Y")}


def test_departed_mentor_ends_pairs_without_forbidding_or_flagging() -> None:
    history = RunHistory((run("r1", [("A", "X"), ("B", "Y")]),))
    plan = plan_rematch(history, sheet(("A", "X", "yes"), ("B", "Y", "yes")),
                        cohort({"A": 1, "B": 1}, {"X": 2, "Z": 2}), config(jumper_cycles=1))
    assert plan.locks == (("A", "X"),)
    assert [(e.key, e.by_choice) for e in plan.ended] == [(("B", "Y"), False)]
    assert plan.forbids == () and plan.flags == ()


def test_jumper_flagged_after_endings_in_each_of_the_last_cycles() -> None:
    first = run("r1", [("A", "X"), ("B", "Y")])
    second = run("r2", [("A", "Y"), ("B", "Y")], ended=[EndedPair("A", "X", "ended")])
    history = RunHistory((second, first))
    feedback = sheet(("A", "Y", "no"), ("B", "Y", "no"))
    people = cohort({"A": 1, "B": 1}, {"X": 2, "Y": 2, "Z": 2})
    plan = plan_rematch(history, feedback, people, config())
    assert [(f.mentee_id, f.kind) for f in plan.flags] == [("A", "jumper")]  # B ended once
    assert plan.held == ()
    held = plan_rematch(history, feedback, people, config(hold_jumpers=True))
    assert held.held == ("A",)
    assert {m for e, m in held.forbids if e == "A"} == {"X", "Y", "Z"}
    three = plan_rematch(history, feedback, people, config(jumper_cycles=3))
    assert three.flags == ()  # only two cycles of history exist


def test_new_area_adds_need_and_slot_capped_and_flagged() -> None:
    history = RunHistory((run("r1", [("A", "X"), ("B", "Y")]),))
    feedback = sheet(("A", "X", "yes"), ("B", "Y", "yes"),
                     A={"new_areas": ("clinical",), "new_goals": "Run a clinic"},
                     B={"new_areas": ("clinical", "career")})
    people = cohort({"A": 1, "B": 2}, {"X": 2, "Y": 2})
    plan = plan_rematch(history, feedback, people, config())
    a, b = plan.cohort.mentees
    assert a.need_areas == ("research", "clinical") and a.network_size == 2
    assert a.goals.startswith("Run a clinic") and "grow" in a.goals
    assert b.network_size == 3  # 2 + 2 asked, program maximum 3
    assert [(f.mentee_id, f.kind) for f in plan.flags] == [("B", "overcommitted")]


def test_locks_beyond_capacity_name_the_mentor_and_pairs() -> None:
    history = RunHistory((run("r1", [("A", "X"), ("B", "X"), ("C", "X")]),))
    feedback = sheet(("A", "X", "yes"), ("B", "X", "yes"), ("C", "X", "unsure"))
    with pytest.raises(InputError, match=r"mentor X has capacity 2 but 3 continuing pairs: "
                                         r"A, B, C"):
        plan_rematch(history, feedback, cohort({"A": 1, "B": 1, "C": 1}, {"X": 2}), config())
