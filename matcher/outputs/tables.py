"""The run folder's tables: pairings, networks, explanations, unplaced, loads, problems.

Each function turns a match outcome into a :class:`matcher.outputs.sheets.Table` (header and rows in
a fixed order), so pairings.csv and the sheets of pairings.xlsx show the same figures.
Participants appear by id and name only; a sentence the program generated that names a
sensitive value is replaced by :data:`matcher.outputs.privacy.NOT_SHOWN` (plain words, never
``[withheld]`` inside the sentence, where the rest of it would give the value away).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain, compress, count, repeat
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, cast

from matcher.outcome import MatchOutcome, Pairing
from matcher.outputs.plans import Labels
from matcher.outputs.privacy import NOT_SHOWN, PairScreen, SensitiveValues, names_any
from matcher.outputs.sheet_xml import RowsOfColumns
from matcher.outputs.sheets import Cell, Table
from matcher.runfolder.layout import (
    EXPLANATIONS_COLUMNS,
    LOCKED_YES,
    MENTOR_LOAD_COLUMNS,
    NETWORKS_COLUMNS,
    PAIRINGS_COLUMNS,
    PROBLEMS_COLUMNS,
    REASONS_SHOWN,
    UNPLACED_COLUMNS,
)
from scoring.explain import ComponentPoints, PairExplanation
from scoring.profiles import Person

Explanations = Mapping[tuple[str, str], PairExplanation]


def _mentees(outcome: MatchOutcome) -> dict:
    return {m.id: m for m in outcome.cohort.mentees}


def _mentors(outcome: MatchOutcome) -> dict:
    return {m.id: m for m in outcome.cohort.mentors}


def _covers_label(labels: Labels, covers: str | None) -> str:
    if not covers:
        return ""
    return covers if covers in ("coach", "advisor") else labels("areas", covers)


def pairings_table(outcome: MatchOutcome, explanations: Explanations) -> Table:
    """A row per pair: who, which role it fills, its score and its top reasons.

    ``covers`` holds the canonical value (as the config spells it), so a later rematch can
    read the file back; the readable label is in the plans. Built a column at a time.
    """
    mentees, mentors = _mentees(outcome), _mentors(outcome)
    pairings = [p for network in outcome.networks for p in network.pairings]
    mentee_ids = list(map(_MENTEE_ID, pairings))
    mentor_ids = list(map(_MENTOR_ID, pairings))
    reasons = [explanations[pair].reasons(REASONS_SHOWN)
               for pair in zip(mentee_ids, mentor_ids, strict=True)]
    screened = _CoordinatorTexts(outcome, pairings, mentees, mentors)
    shown = [screened.column([r[k] if len(r) > k else "" for r in reasons],
                             range(len(pairings)))
             for k in range(REASONS_SHOWN)]
    columns: list[list[Any]] = [
        mentee_ids, [mentees[i].name for i in mentee_ids],
        mentor_ids, [mentors[i].name for i in mentor_ids],
        list(map(_ROLE, pairings)), [p.covers or "" for p in pairings],
        [round(float(p.score), 2) for p in pairings],
        [LOCKED_YES if p.locked else "" for p in pairings], *shown]
    return _table("Pairings", PAIRINGS_COLUMNS, columns)


_MENTEE_ID, _MENTOR_ID, _ROLE = attrgetter("mentee_id"), attrgetter("mentor_id"), attrgetter("role")
_NAME, _EVIDENCE = attrgetter("name"), attrgetter("evidence")
_POINTS, _VALUE, _WEIGHT = attrgetter("points"), attrgetter("value"), attrgetter("weight")


def _table(name: str, headers: tuple[str, ...], columns: list[list[Any]],
           number_format: str = "0.0") -> Table:
    """A table built a column at a time: its rows held as those columns (where it has rows:
    the writers read them a column at a time)."""
    rows: Sequence[Sequence[Cell]] = RowsOfColumns(columns) if columns[0] else []
    return Table(name, headers, rows, number_format)


def networks_table(outcome: MatchOutcome) -> Table:
    """A row per mentee of the cohort: primary, specialists, requested against got."""
    mentors = _mentors(outcome)
    labels = Labels.of(outcome.config)  # once: the config's tables are copied for each call
    networks = {n.mentee_id: n for n in outcome.networks}
    rows: list[list[Cell]] = []
    for mentee in outcome.cohort.mentees:
        network = networks.get(mentee.id)
        primary = network.primary if network is not None else None  # once: it searches
        if network is None or primary is None:
            reason = network.unplaced_reason if network else "not in the solver's result"
            rows.append([mentee.id, mentee.name, "unplaced", "", "", None, "",
                         network.requested if network else mentee.network_size, 0,
                         reason or ""])
            continue
        specialists = "; ".join(  # a network of one pairing has only its primary
            f"{mentors[s.mentor_id].name} <{s.mentor_id}> ({_covers_label(labels, s.covers)})"
            for s in network.specialists) if len(network.pairings) > 1 else ""
        status = "partial" if network.partial_reason else "placed"
        rows.append([mentee.id, mentee.name, status, primary.mentor_id,
                     mentors[primary.mentor_id].name, round(float(primary.score), 2),
                     specialists, network.requested, len(network.pairings),
                     network.partial_reason or ""])
    return Table("Networks", NETWORKS_COLUMNS, rows)


def explanations_table(outcome: MatchOutcome, explanations: Explanations) -> Table:
    """A row per pair and score component: points, value, weight and evidence.

    Built a column at a time: a component's cells are worked out once per record (the
    explainer shares one frozen :class:`~scoring.explain.ComponentPoints` among the pairs
    alike in it, so a run's 70,000 rows hold a few thousand distinct ones) and an evidence
    sentence is screened only where it names a withheld value of the run at all.
    """
    mentees, mentors = _mentees(outcome), _mentors(outcome)
    pairings = [p for network in outcome.networks for p in network.pairings]
    chosen = [explanations[(p.mentee_id, p.mentor_id)].components for p in pairings]
    records = list(chain.from_iterable(chosen))
    keys = list(map(id, records))  # by the record's identity: ``explanations`` holds them
    distinct = dict(zip(keys, records, strict=True))
    held = list(distinct.values())

    def column(cells: Iterable[Any]) -> list[Any]:
        """A column of the records' rows from its cell of each distinct record."""
        known = dict(zip(distinct, cells, strict=True))
        return list(map(known.__getitem__, keys))

    def rounded(field: Callable[[ComponentPoints], float], digits: int) -> list[float]:
        return column(map(round, map(float, map(field, held)), repeat(digits)))

    names = column(map(_NAME, held))
    points, values = rounded(_POINTS, 2), rounded(_VALUE, 3)
    weights = rounded(_WEIGHT, 3)
    evidence: list[str] = column(map(_EVIDENCE, held))
    counts = list(map(len, chosen))
    pair_of = list(chain.from_iterable(map(repeat, range(len(pairings)), counts)))

    def repeated(values: list[str]) -> list[str]:
        return list(chain.from_iterable(map(repeat, values, counts)))

    texts = _CoordinatorTexts(outcome, pairings, mentees, mentors).column(evidence, pair_of)
    columns: list[list[Any]] = [
        repeated(list(map(_MENTEE_ID, pairings))), repeated(list(map(_MENTOR_ID, pairings))),
        repeated(list(map(_ROLE, pairings))), names, points, values, weights, texts]
    return _table("Explanations", EXPLANATIONS_COLUMNS, columns, number_format="0.00")


class _CoordinatorTexts:
    """Texts of a run's pairs as a coordinator file shows them: a text that names a value
    withheld from its pair (:meth:`PairScreen.for_coordinator`) is not shown.

    Most texts name no withheld value of anyone in the cohort, and then of no pair (a
    pair's values are among the cohort's, and a whole-word search for more values finds
    at least what it found for fewer): each distinct text is looked at for the cohort's
    values once, and only a text found there is screened for its pair's values (worked
    out only for those pairs, once each)."""

    def __init__(self, outcome: MatchOutcome, pairings: Sequence[Pairing],
                 mentees: Mapping[str, Person], mentors: Mapping[str, Person]) -> None:
        self._screen = PairScreen(SensitiveValues.of(outcome.config))
        self._pairings, self._mentees, self._mentors = pairings, mentees, mentors
        self._everyone = _cohort_withheld(self._screen.values, outcome)
        self._naming: dict[str, bool] = {}
        self._withheld: dict[int, tuple[str, ...]] = {}

    def column(self, texts: list[str], pair_of: Sequence[int]) -> list[str]:
        """``texts`` as shown, ``texts[k]`` being a text of pair ``pairings[pair_of[k]]``."""
        naming = self._naming
        for text in set(texts) - naming.keys():
            naming[text] = names_any(text, self._everyone)
        flagged = list(compress(count(), map(naming.__getitem__, texts)))
        if not flagged:
            return texts
        shown = list(texts)
        for k in flagged:
            shown[k] = self._screen.for_coordinator(texts[k], self._pair_withheld(pair_of[k]))
        return shown

    def _pair_withheld(self, index: int) -> tuple[str, ...]:
        found = self._withheld.get(index)
        if found is None:
            pairing = self._pairings[index]
            found = self._withheld[index] = self._screen.withheld(
                self._mentees[pairing.mentee_id], self._mentors[pairing.mentor_id])
        return found


def _cohort_withheld(values: SensitiveValues, outcome: MatchOutcome) -> tuple[str, ...]:
    """``values.held_by`` of everyone in the cohort: what it reads of a person is each
    sensitive field's value (:meth:`SensitiveValues.values_of`), so it is read here once per
    field and distinct value, each through a stand-in holding that field alone."""
    people = [*outcome.cohort.mentees, *outcome.cohort.mentors]
    return values.held_by(cast(Person, SimpleNamespace(**{name: value}))
                          for name in values.fields
                          for value in {getattr(person, name, None) for person in people})


def explanations_sheet(explanations: Table, pairs: int, max_pairs: int) -> Table:
    """The Explanations sheet of pairings.xlsx: the table itself up to ``max_pairs`` pairs.

    A larger run's sheet is one note pointing to explanations.csv, which always holds the
    whole table: the workbook costs some 10 µs a cell, and a sheet of a row per pair and
    component was most of the time a large run folder took to write.
    """
    if pairs <= max_pairs:
        return explanations
    return Table(explanations.name, ("note",), [[
        f"This run has {pairs:,} pairs, more than the {max_pairs:,} this sheet holds: every "
        f"pair's points, values, weights and evidence are in explanations.csv, beside this "
        f"workbook (same columns as this sheet has in smaller runs)."]])


def unplaced_table(outcome: MatchOutcome) -> Table:
    """A row per mentee without any mentor, or with fewer mentors than asked."""
    mentees = _mentees(outcome)
    rows = [[n.mentee_id, mentees[n.mentee_id].name, "unplaced", n.unplaced_reason or ""]
            for n in outcome.networks if n.primary is None]
    rows += [[n.mentee_id, mentees[n.mentee_id].name,
              f"{len(n.pairings)} of {n.requested} mentors", n.partial_reason or ""]
             for n in outcome.networks if n.partial_reason and n.primary is not None]
    return Table("Unplaced", UNPLACED_COLUMNS, rows)


def mentor_load_table(outcome: MatchOutcome) -> Table:
    """A row per mentor of the cohort: capacity, assigned, free and who."""
    assigned: Counter[str] = Counter()
    who: dict[str, list[str]] = {}
    mentees = _mentees(outcome)
    for network in outcome.networks:
        for p in network.pairings:
            assigned[p.mentor_id] += 1
            who.setdefault(p.mentor_id, []).append(mentees[p.mentee_id].name)
    rows: list[list[Cell]] = []
    for mentor in outcome.cohort.mentors:
        count = assigned.get(mentor.id, 0)
        rows.append([mentor.id, mentor.name, ", ".join(mentor.roles), mentor.capacity, count,
                     mentor.capacity - count, "; ".join(who.get(mentor.id, []))])
    return Table("Mentor load", MENTOR_LOAD_COLUMNS, rows)


def problems_table(outcome: MatchOutcome) -> Table:
    """Intake problems; a problem with a sensitive column's value says that it is not shown,
    and its message and fix, when they repeat the value, are not shown either."""
    config = outcome.config
    sensitive = set(config.sensitive_fields)
    hidden_headers = {header for side in ("mentors", "mentees")
                      for header, field in config.columns(side).items() if field in sensitive}
    hidden_headers |= sensitive
    rows: list[list[Cell]] = []
    for problem in outcome.cohort.problems:
        value, message, fix = problem.value or "", problem.message, problem.fix
        if problem.column in hidden_headers and value:
            if names_any(message, (value,)):
                message = NOT_SHOWN
            if names_any(fix, (value,)):
                fix = NOT_SHOWN
            value = "(not shown: sensitive column)"
        rows.append([problem.severity, problem.file, problem.row, problem.column or "",
                     value, message, fix])
    return Table("Intake problems", PROBLEMS_COLUMNS, rows)
