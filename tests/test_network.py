"""Ids ↔ indices: the encoder, and networks by id (one per mentee in cohort order, primary
first, reasons carried over)."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.encoder import IdEncoder
from matcher.outcome import decode_networks
from matcher.solver.dispatch import solve
from matcher.solver.problem import problem_from_arrays
from scoring.errors import InputError

LABELS = ("research", "career", "coach")


def test_one_network_per_mentee_in_order_with_primary_first_and_reasons():
    score = np.array([[90.0, 80.0, 70.0], [60.0, 50.0, 40.0], [10.0, 10.0, 10.0]])
    eligible = np.array([[True, True, True], [True, True, True], [False, False, False]])
    offers = np.array([[True, False, False], [False, True, False], [False, False, True]])
    wants = np.array([[True, True, False], [True, False, False], [True, False, False]])
    problem = problem_from_arrays(score, eligible, capacity=np.array([1, 1, 1]),
                                  network_size=np.array([2, 1, 1]),
                                  labels=LABELS, wants=wants, offers=offers,
                                  mentee_ids=("ann", "bob", "cy"),
                                  mentor_ids=("m-a", "m-b", "m-c"))
    encoder = IdEncoder(problem.mentee_ids, problem.mentor_ids)
    networks = decode_networks(encoder, problem.network_size.tolist(), solve(problem))
    assert [n.mentee_id for n in networks] == ["ann", "bob", "cy"]
    ann, bob, cy = networks
    assert ann.requested == 2 and len(ann.pairings) == 2
    assert ann.pairings[0].role == "primary" and ann.primary is ann.pairings[0]
    assert ann.specialists[0].covers in ("research", "career")
    assert {p.mentor_id for p in ann.pairings} | {p.mentor_id for p in bob.pairings} <= {
        "m-a", "m-b", "m-c"}
    assert cy.pairings == () and cy.unplaced_reason is not None
    assert cy.unplaced_reason.startswith("no eligible mentor")
    assert bob.unplaced_reason is None and ann.partial_reason is None


def test_the_encoder_translates_both_ways_and_names_unknown_ids():
    encoder = IdEncoder(("ann", "bob"), ("m-a", "m-b", "m-c"))
    assert encoder.pairs("Locked", [("bob", "m-c", "primary"), ("ann", "m-a")]) == [(1, 2),
                                                                                    (0, 0)]
    assert encoder.ids(1, 2) == ("bob", "m-c")
    with pytest.raises(InputError, match=r"Forbidden pair \(ann, m-x\) names someone"):
        encoder.pairs("Forbidden", [("ann", "m-x")])
