"""The pairings and explanations tables built a column at a time (issue 15, session 9: a
shared record's cells worked out once, numbers rounded once, a sentence screened only when
it names one of the run's withheld values) are the ones d5db890 built cell by cell
(tests/tables_reference.py), rows and CSV bytes, whatever the explanations hold: records
shared by several pairs or equal but distinct, 0.0 and -0.0, NaN, sentences naming a
sensitive value of the pair (shown as not shown), of another pair, or none; each branch
counted. The generated 1,000-pair match is compared in tests/test_tables_speed.py.
"""

from __future__ import annotations

import math
from collections import Counter

from factories import SENSITIVE_BACKGROUND, SENSITIVE_GENDER, make_outcome
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.outputs import tables
from matcher.outputs.privacy import NOT_SHOWN
from matcher.outputs.sheets import csv_bytes
from scoring.explain import ComponentPoints, PairExplanation
from tests import tables_reference as before

_NUMBER = st.sampled_from([0.0, -0.0, math.nan, 1 / 3, 12.25, 0.1 + 0.2, 1e-9, 2.675, 5.0])
_EVIDENCE = st.sampled_from(["Covers 2 of 3 areas", f"Same {SENSITIVE_GENDER} as you",
                             f"both from {SENSITIVE_BACKGROUND.lower()}", "", "=1+1",
                             "café — 李"])
_RECORD = st.builds(ComponentPoints, name=st.sampled_from(["need_coverage", "goal_text"]),
                    weight=_NUMBER, value=_NUMBER, points=_NUMBER, evidence=_EVIDENCE,
                    neutral=st.booleans())


def test_generated_explanations_give_the_cell_by_cell_tables() -> None:
    reached: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None)
    @given(st.lists(_RECORD, min_size=1, max_size=4), st.data())
    def check(records: list[ComponentPoints], data: st.DataObject) -> None:
        outcome, explanations = make_outcome()
        by_pair = {}
        for e in explanations:  # each pair's components drawn from one pool: some shared
            components = tuple(data.draw(st.lists(st.sampled_from(records), min_size=1,
                                                  max_size=5)))
            by_pair[(e.mentee_id, e.mentor_id)] = PairExplanation(
                e.mentee_id, e.mentor_id, e.score, e.eligible, e.broken_rules, components)
        new = tables.explanations_table(outcome, by_pair)
        old = before.explanations_table(outcome, by_pair)
        assert repr(new) == repr(old)  # repr: NaN cells compare, -0.0 shows its sign
        assert csv_bytes(new) == before.csv_bytes(old)
        new = tables.pairings_table(outcome, by_pair)
        assert repr(new) == repr(before.pairings_table(outcome, by_pair))
        held = [c for e in by_pair.values() for c in e.components]
        reached["a record shared"] += len({id(c) for c in held}) < len(held)
        reached["-0.0"] += any(math.copysign(1, c.value) < 0 and not c.value for c in held)
        reached["0.0"] += any(math.copysign(1, c.value) > 0 and not c.value for c in held)
        reached["nan"] += any(math.isnan(c.points) for c in held)
        reached["not shown"] += any(row[-1] == NOT_SHOWN for row in tables.explanations_table(
            outcome, by_pair).rows)
        reached["shown"] += any(row[-1] not in ("", NOT_SHOWN) for row in
                                tables.explanations_table(outcome, by_pair).rows)

    check()
    assert len(reached) == 6 and min(reached.values()) >= 30, reached
