"""A Lagrangian bound on the network model: mentor places priced, each mentee alone.

Relax every mentor's capacity with a price ``γ_j ≥ 0`` and the "place at least P mentees"
row with a reward ``π ≥ 0``. Every solution is then worth at most

    L(γ, π) = Σ_j γ_j c_j − π P + Σ_i max(0, best network of i at prices γ, π)

whatever the prices are (weak duality; the capacity and placement rows are the only ones
relaxed), and a mentee's best network at given prices is a small problem: the network rule
only sees which of the mentee's wanted specialties a mentor brings, so mentors fall into at
most ``2^k`` *classes* (k wanted specialties), only the best-priced mentor of each class can
be in a best network, and a network is a primary's class plus specialists' classes, each
specialist's holding a specialty no other member's class holds
(:func:`network_combos`). All mentees are evaluated at once per shape, vectorised.

The prices are searched by projected subgradient steps (Polyak's step towards a known
solution's value) on a pool of pairs: each mentee's best pair per class and role at every
prices evaluated so far over every pair. The bound itself is always computed over every
eligible pair (:meth:`PricedModel.bound`), from the screening copy of the
scores rounded up, so it is a true bound on every solution. Where a mentee wants more
specialties than the enumeration takes (:data:`MAX_COMBOS`), its best network is bounded
from above instead (its best primary plus its best specialists, the rule ignored): still a
bound. Locked members' specialties and banned pairs are ignored the same way.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from functools import cache

import numpy as np

from matcher.solver.context import Context

#: class combinations enumerated per mentee shape at most; above, the rule is relaxed
MAX_COMBOS = 400_000


@cache
def network_combos(k: int, t: int) -> np.ndarray | None:
    """Every valid network of a mentee wanting ``k`` specialties with up to ``t``
    specialists, as rows ``(primary class, specialist class, ...)`` (classes: bit sets of
    the k specialties; ``2**k`` marks "no specialist"). Valid: each specialist's class holds
    a specialty no other member's class holds (so specialists' classes are non-empty and
    all classes distinct). None when there would be more than :data:`MAX_COMBOS`."""
    n_classes = 1 << k
    none = n_classes
    rows: list[np.ndarray] = [np.c_[np.arange(n_classes), np.full((n_classes, t), none)]]
    c0 = np.arange(n_classes)
    for size in range(1, t + 1):
        picks = list(itertools.combinations(range(1, n_classes), size))
        if n_classes * len(picks) > MAX_COMBOS:
            return None
        if not picks:
            continue
        spec = np.array(picks, np.int64)  # (S, size)
        prim = np.repeat(c0, len(spec))
        spec = np.tile(spec, (n_classes, 1))
        ok = np.ones(len(prim), bool)
        for a in range(size):
            others = prim.copy()
            for b in range(size):
                if b != a:
                    others |= spec[:, b]
            ok &= (spec[:, a] & ~others) != 0
        block = np.full((int(ok.sum()), 1 + t), none)
        block[:, 0] = prim[ok]
        block[:, 1:1 + size] = spec[ok]
        rows.append(block)
    return np.concatenate(rows)


@dataclass
class _Shape:
    """Mentees needing a primary with the same number ``k`` of wanted specialties their
    eligible mentors bring and the same ``t`` specialist places (``k = 0`` when ``t = 0``:
    one class, the primary alone)."""

    k: int
    t: int
    mentees: np.ndarray  # (G,)
    bits: np.ndarray  # (G, k) label index of each class bit, per mentee
    combos: np.ndarray | None  # see :func:`network_combos`


@dataclass
class Prices:
    """Mentor prices and the placement reward, and the bound they give (inf: not known)."""

    mentor: np.ndarray  # (M,) γ ≥ 0
    placed: float  # π ≥ 0
    bound: float = np.inf


@dataclass
class MenteeBest:
    """Each mentee's best network at given prices: its value with π (0: unplaced) and its
    members (primary first; empty: unplaced)."""

    value: np.ndarray  # (N,) ≥ 0
    members: list[np.ndarray]


def _shapes(ctx: Context) -> list[_Shape]:
    r = ctx.residual
    wants = r.wants & ctx.cache.eligible_labels
    k = wants.sum(axis=1)
    t = np.minimum(r.slots, k)
    k = np.where(t > 0, k, 0)
    open_ = r.needs_primary & (ctx.cache.eligible_count > 0)
    shapes = []
    for kk, tt in sorted(set(zip(k[open_].tolist(), t[open_].tolist(), strict=True))):
        mentees = np.nonzero(open_ & (k == kk) & (t == tt))[0]
        bits = np.nonzero(wants[mentees])[1].reshape(len(mentees), kk) if kk else \
            np.zeros((len(mentees), 0), np.int64)
        shapes.append(_Shape(kk, tt, mentees, bits, network_combos(kk, tt)))
    return shapes


def _upper(approx: np.ndarray, rounding: float, scale: int) -> np.ndarray:
    """The screening copy rounded up to at least the exact objective on the solver's grid."""
    x = approx.astype(np.float32, copy=False)
    with np.errstate(invalid="ignore"):  # -inf (ineligible) stays -inf
        up = x + np.abs(x) * np.float32(rounding) + np.float32(0.5 / scale + 1e-6)
    return np.where(np.isfinite(x), up, np.float32(-np.inf))


def _class_codes(offers: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """(G, M) class of every mentor for each mentee (bit b set: brings ``bits[:, b]``)."""
    code = np.zeros((bits.shape[0], offers.shape[0]), np.int64)
    for b in range(bits.shape[1]):
        code |= offers[:, bits[:, b]].T.astype(np.int64) << b
    return code


@dataclass
class _Pairs:
    """Pairs of one shape's mentees, flat: mentee position in the shape, class, mentor,
    objective score rounded up, and whether the pair may be the primary."""

    row: np.ndarray
    cls: np.ndarray
    mentor: np.ndarray
    score: np.ndarray
    may_lead: np.ndarray


def _merge(a: _Pairs, b: _Pairs) -> _Pairs:
    """The pairs of ``a`` and ``b``, each once."""
    joined = _Pairs(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in _FIELDS))
    _, first = np.unique(joined.row * (1 << 32) + joined.mentor, return_index=True)
    return _Pairs(*(getattr(joined, f)[first] for f in _FIELDS))


_FIELDS = ("row", "cls", "mentor", "score", "may_lead")


def _class_best(shape: _Shape, pairs: _Pairs, price: np.ndarray, values: np.ndarray,
                mentors: np.ndarray) -> None:
    """Fill ``values`` / ``mentors`` (2, G, 2^k): per mentee and class the best priced
    pair as primary (0) and as specialist (1), -inf / -1 where none."""
    n_classes = 1 << shape.k
    key = pairs.row * n_classes + pairs.cls
    reduced = pairs.score.astype(np.float64) - price[pairs.mentor]
    for role, usable in ((0, pairs.may_lead), (1, None)):
        amount = reduced if usable is None else np.where(usable, reduced, -np.inf)
        flat = values[role].reshape(-1)
        np.maximum.at(flat, key, amount)
        hit = np.isfinite(amount) & (amount == flat[key])
        mentors[role].reshape(-1)[key[hit]] = pairs.mentor[hit]


def _networks(shape: _Shape, values: np.ndarray, mentors: np.ndarray
              ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each mentee's best network value (before π) and members from its classes' best
    pairs: over every valid combination of classes (:func:`network_combos`), or, when
    there are too many, its best primary plus its best specialists (a bound; members: the
    primary alone, a network that keeps the rule)."""
    prim, spec = values
    g = prim.shape[0]
    if shape.combos is None:
        top = -np.sort(-np.maximum(spec[:, 1:], 0.0), axis=1)[:, :shape.t]
        arg = np.argmax(prim, axis=1)
        best = prim[np.arange(g), arg] + top.sum(axis=1)
        return best, [np.array([mentors[0, a, arg[a]]]) for a in range(g)]
    combos = shape.combos
    spec_none = np.c_[spec, np.zeros(g)]
    value = prim[:, combos[:, 0]]
    for a in range(1, combos.shape[1]):
        value = value + spec_none[:, combos[:, a]]
    pick = np.argmax(value, axis=1)
    best = value[np.arange(g), pick]
    chosen = combos[pick]  # (G, 1 + t)
    team = np.full(chosen.shape, -1)
    team[:, 0] = mentors[0][np.arange(g), chosen[:, 0]]
    for a in range(1, chosen.shape[1]):
        real = chosen[:, a] < prim.shape[1]
        cls = np.minimum(chosen[:, a], prim.shape[1] - 1)
        team[:, a] = np.where(real, mentors[1][np.arange(g), cls], -1)
    return best, [row[row >= 0] for row in team]


class PricedModel:
    """The network model prepared for pricing: mentees by shape, each mentor's class per
    network mentee, and a growing pool of pairs for the price search (each mentee's best
    pairs per class at every prices evaluated over every pair)."""

    def __init__(self, ctx: Context, threshold: int | None) -> None:
        self.ctx = ctx
        self.floor = None if threshold is None else np.float32(threshold / ctx.options.scale)
        self.shapes = _shapes(ctx)
        self.codes = [self._codes(s) if s.k else None for s in self.shapes]
        empty = _Pairs(*(np.zeros(0, t) for t in (np.int64, np.int64, np.int64,
                                                   np.float64, bool)))
        self.pool: list[_Pairs] = [empty] * len(self.shapes)
        self.best(Prices(np.zeros(ctx.problem.n_mentors), 0.0))  # fills the pool

    def _codes(self, shape: _Shape) -> np.ndarray:
        """Every mentor's class for each of the shape's mentees, one byte each where the
        classes fit (built a block of mentees at a time)."""
        offers = self.ctx.problem.offers
        out = np.empty((len(shape.mentees), offers.shape[0]),
                       np.uint8 if shape.k <= 8 else np.uint32)
        for lo in range(0, len(shape.mentees), 1024):
            out[lo:lo + 1024] = _class_codes(offers, shape.bits[lo:lo + 1024])
        return out

    def _class_best_dense(self, index: int, price: np.ndarray, values: np.ndarray,
                          mentors: np.ndarray, keep: np.ndarray) -> None:
        """:func:`_class_best` over every eligible pair of the shape's ``keep`` mentees."""
        shape, code = self.shapes[index], self.codes[index]
        positions = np.nonzero(keep)[0]
        chunk = max(1, 2_000_000 // max(self.ctx.problem.n_mentors, 1))
        for lo in range(0, len(positions), chunk):
            at = positions[lo:lo + chunk]
            upper = _upper(self.ctx.cache.approx[shape.mentees[at]], self.ctx.cache.rounding,
                           self.ctx.options.scale)
            lead = None if self.floor is None else upper >= self.floor
            reduced = upper - price[None, :].astype(np.float32)
            if code is None:  # one class: the best primary
                amount = reduced if lead is None else np.where(lead, reduced, -np.inf)
                arg = np.argmax(amount, axis=1)
                values[0, at, 0] = amount[np.arange(len(at)), arg]
                mentors[0, at, 0] = arg
                continue
            g, m = reduced.shape
            pairs = _Pairs(np.repeat(at, m), code[at].ravel().astype(np.int64),
                           np.tile(np.arange(m), g), upper.ravel(),
                           np.ones(g * m, bool) if lead is None else lead.ravel())
            _class_best(shape, pairs, price, values, mentors)

    def _grow_pool(self, index: int, mentors: np.ndarray) -> None:
        """Add each mentee's best pair per class and role to the search pool."""
        shape = self.shapes[index]
        role, row, cls = np.nonzero(mentors >= 0)
        mentor = mentors[role, row, cls]
        score = _upper(self.ctx.cache.approx[shape.mentees[row], mentor],
                       self.ctx.cache.rounding, self.ctx.options.scale).astype(np.float64)
        lead = np.ones(len(row), bool) if self.floor is None else score >= self.floor
        self.pool[index] = _merge(self.pool[index], _Pairs(row, cls, mentor, score, lead))

    def best(self, prices: Prices, every_pair: bool = True, room: np.ndarray | None = None,
             mentees: np.ndarray | None = None) -> MenteeBest:
        """Every mentee's best network at ``prices``: over every eligible pair (a bound's
        terms; the search pool grows by its best pairs) or over the pool only; with
        mentors that have ``room`` only, and for ``mentees`` only (the others unplaced)
        when given."""
        n = self.ctx.problem.n_mentees
        room = self.ctx.residual.capacity if room is None else room
        price = np.where(room > 0, prices.mentor, np.inf)
        value = np.zeros(n)
        members = [np.zeros(0, np.int64)] * n
        asked = None if mentees is None else np.isin(np.arange(n), mentees)
        for index, shape in enumerate(self.shapes):
            keep = np.ones(len(shape.mentees), bool) if asked is None else \
                asked[shape.mentees]
            if not keep.any():
                continue
            values = np.full((2, len(shape.mentees), 1 << shape.k), -np.inf)
            mentors = np.full(values.shape, -1)
            if every_pair:
                self._class_best_dense(index, price, values, mentors, keep)
                self._grow_pool(index, mentors)
            else:
                _class_best(shape, self.pool[index], price, values, mentors)
            best, teams = _networks(shape, values, mentors)
            best = best + prices.placed
            for a in np.nonzero(keep & (best > 0))[0].tolist():
                value[shape.mentees[a]] = best[a]
                members[shape.mentees[a]] = teams[a]
        return MenteeBest(value, members)

    def bound(self, prices: Prices, placed: int) -> float:
        """L(γ, π) over every eligible pair: a bound on every solution placing ``placed``."""
        cap = self.ctx.residual.capacity.astype(np.float64)
        return float(prices.mentor @ cap - prices.placed * placed +
                     self.best(prices).value.sum())

    def networks(self, prices: Prices) -> list[np.ndarray]:
        """A solution guided by ``prices``: in rounds, every undecided mentee's best network
        at the prices among mentors with room left; networks taken best value first while
        every member has room, the others asked again next round. Members per mentee
        (primary first; empty: unplaced)."""
        n = self.ctx.problem.n_mentees
        room = self.ctx.residual.capacity.copy()
        chosen: list[np.ndarray] = [np.zeros(0, np.int64)] * n
        open_ = np.concatenate([s.mentees for s in self.shapes]) if self.shapes else \
            np.zeros(0, np.int64)
        while len(open_):
            nets = self.best(prices, room=room, mentees=open_)
            order = open_[np.argsort(-nets.value[open_], kind="stable")]
            left = []
            for i in order.tolist():
                team = nets.members[i]
                if not len(team):
                    continue  # nothing worth taking at these prices with the room left
                if (room[team] > 0).all():
                    room[team] -= 1
                    chosen[i] = team
                else:
                    left.append(i)
            open_ = np.array(left, np.int64)
        return chosen

    def search_prices(self, placed: int, target: float, seconds: float,
                      start: Prices | None = None, iterations: int = 300) -> Prices:
        """Prices by projected subgradient steps on the search pairs, Polyak's step towards
        ``target`` (a known solution's value), within ``seconds``; the best-bounding ones
        (their ``bound`` over the search pairs only)."""
        m = self.ctx.problem.n_mentors
        cap = self.ctx.residual.capacity.astype(np.float64)
        prices = start or Prices(np.zeros(m), 0.0)
        best = Prices(prices.mentor.copy(), prices.placed)
        theta, stale = 1.0, 0
        stop = time.perf_counter() + seconds
        for _ in range(iterations):
            if time.perf_counter() > stop:
                break
            nets = self.best(prices, every_pair=False)
            load = np.zeros(m)
            teams = [t for t in nets.members if len(t)]
            if teams:
                np.add.at(load, np.concatenate(teams), 1.0)
            bound = float(prices.mentor @ cap - prices.placed * placed + nets.value.sum())
            if bound < best.bound - 1e-6:
                best = Prices(prices.mentor.copy(), prices.placed, bound)
                stale = 0
            else:
                stale += 1
                if stale >= 10:
                    theta, stale = theta / 2, 0
            g_mentor = cap - load
            g_placed = len(teams) - placed
            norm = float(g_mentor @ g_mentor + g_placed ** 2)
            if norm == 0:
                break
            aim = target if np.isfinite(target) else 0.0  # no solution known yet
            step = theta * max(bound - aim, 1e-6) / norm
            prices = Prices(np.maximum(prices.mentor - step * g_mentor, 0.0),
                            max(prices.placed - step * g_placed, 0.0))
        return best
