"""Hypothesis strategies for the solver: tiny instances that force each engine's path.

An instance is the tuple ``(score, eligible, capacity, size, wants, offers, minimum)`` of
arrays (``minimum`` may be None); :func:`make_problem` turns it into a problem. Which engine
solves it (see ``matcher.solver.dispatch.ENGINES``) depends on its shape, so each strategy
below plants what its engine needs instead of hoping a random draw gets there:

- :func:`instances`: anything (networks, several specialties per mentor, minimum loads);
- :func:`flow_instances`: the min-cost-flow engine (``total``: no mentor brings two
  specialties; ``fair``: no networks);
- :func:`multi_specialty_instances`: the network engine (a network mentee with an eligible
  mentor who brings two of its wanted specialties; ``fair`` then goes to the MIP);
- :func:`conflicting_instances`: the relaxed flow surely breaks a rule, so ``total`` needs
  the MIP, or the greedy fallback when the MIP is out of reach (``mip_max_pairs=0``);
- :func:`stable_instances`: one mentor per mentee, for deferred acceptance.

Sizes stay tiny (at most 5 × 4) so :mod:`solver_reference`'s brute force can check them.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from matcher.solver.problem import MatchProblem, problem_from_arrays

LABELS = ("research", "career", "coach")

Instance = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                 np.ndarray | None]


@st.composite
def instances(draw: st.DrawFn, max_mentees: int = 4, max_mentors: int = 4,
              networks: bool = True, multi_label: bool = True, minimums: bool = True
              ) -> Instance:
    """A random instance: scores with far-apart values and ties, some ineligible pairs,
    capacities 0–2, network sizes 1–3 (``networks``), up to two specialties per mentor
    (``multi_label``, else at most one), and sometimes minimum loads (``minimums``)."""
    n = draw(st.integers(1, max_mentees))
    m = draw(st.integers(1, max_mentors))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # far-apart values (so placing more can cost total score) and repeats (ties)
    score = rng.choice(np.r_[rng.uniform(0, 100, 4), 1.0, 50.0, 50.0, 99.0], size=(n, m))
    eligible = rng.random((n, m)) < draw(st.floats(0.4, 1.0))
    capacity = rng.integers(0, 3, m)
    size = rng.integers(1, 4, n) if networks else np.ones(n, int)
    wants = rng.random((n, len(LABELS))) < 0.6
    offers = np.zeros((m, len(LABELS)), bool)
    for j in range(m):
        k = rng.integers(0, 3 if multi_label else 2)
        offers[j, rng.choice(len(LABELS), k, replace=False)] = True
    minimum = rng.integers(0, 2, m) if minimums and draw(st.booleans()) else None
    return score, eligible, capacity, size, wants, offers, minimum


def flow_instances(fair: bool = False, max_mentees: int = 4,
                   max_mentors: int = 4) -> st.SearchStrategy[Instance]:
    """Instances the min-cost-flow engine solves: for ``total`` no mentor brings two
    specialties (networks allowed); for ``fair`` nobody asks for a network."""
    if fair:
        return instances(max_mentees, max_mentors, networks=False)
    return instances(max_mentees, max_mentors, multi_label=False)


@st.composite
def multi_specialty_instances(draw: st.DrawFn, max_mentees: int = 4, max_mentors: int = 4,
                              minimums: bool = True) -> Instance:
    """Instances the network engine solves: mentee 0 asks for a network of 2–3 and wants
    two specialties that its eligible mentor 0 both brings."""
    score, eligible, capacity, size, wants, offers, minimum = draw(
        instances(max_mentees, max_mentors, minimums=minimums))
    size[0] = draw(st.integers(2, 3))
    first, second = draw(st.permutations(range(len(LABELS))))[:2]
    wants[0, [first, second]] = True
    offers[0, [first, second]] = True
    eligible[0, 0] = True
    capacity[0] = max(int(capacity[0]), 1)
    return score, eligible, capacity, size, wants, offers, minimum


@st.composite
def conflicting_instances(draw: st.DrawFn, max_mentees: int = 4, max_mentors: int = 4,
                          minimums: bool = True) -> Instance:
    """Instances whose relaxed flow surely breaks the network rule: mentee 0 (network of 3,
    wanting two specialties) may only have mentor 0, who brings both, scores 99 with it
    and has room to spare, so the relaxation (one arc per specialty) uses mentor 0 twice
    for mentee 0, as primary and as a specialist."""
    score, eligible, capacity, size, wants, offers, minimum = draw(
        instances(max_mentees, max_mentors, minimums=minimums))
    first, second = draw(st.permutations(range(len(LABELS))))[:2]
    size[0] = 3
    wants[0, [first, second]] = True
    offers[0, [first, second]] = True
    eligible[0, :] = False
    eligible[:, 0] = False
    eligible[0, 0] = True
    score[0, 0] = 99.0
    capacity[0] = 3
    return score, eligible, capacity, size, wants, offers, minimum


def stable_instances(max_mentees: int = 6, max_mentors: int = 4
                     ) -> st.SearchStrategy[Instance]:
    """Instances for the stable engine (one mentor per mentee)."""
    return instances(max_mentees, max_mentors, networks=False)


def make_problem(inst: Instance, **extra: object) -> MatchProblem:
    """The problem of an instance (``extra``: more :func:`problem_from_arrays` keywords)."""
    score, eligible, capacity, size, wants, offers, minimum = inst
    return problem_from_arrays(score, eligible, capacity=capacity, network_size=size,
                               minimum=minimum, labels=LABELS, wants=wants, offers=offers,
                               **extra)  # type: ignore[arg-type]
