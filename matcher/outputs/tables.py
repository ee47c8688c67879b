"""The run folder's tables: pairings, networks, explanations, unplaced, loads, problems.

Each function turns a match outcome into a :class:`matcher.outputs.sheets.Table` (header and rows in
a fixed order), so pairings.csv and the sheets of pairings.xlsx show the same figures.
Participants appear by id and name only; a sentence the program generated that names a
sensitive value is replaced by :data:`matcher.outputs.privacy.NOT_SHOWN` (plain words, never
``[withheld]`` inside the sentence, where the rest of it would give the value away).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import chain, repeat

from matcher.outcome import MatchOutcome
from matcher.outputs.plans import Labels
from matcher.outputs.privacy import NOT_SHOWN, PairScreen, SensitiveValues, names_any
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
from scoring.explain import PairExplanation

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
    read the file back; the readable label is in the plans.
    """
    mentees, mentors = _mentees(outcome), _mentors(outcome)
    screen = PairScreen(SensitiveValues.of(outcome.config))
    pairings = [p for network in outcome.networks for p in network.pairings]
    held = [screen.withheld(mentees[p.mentee_id], mentors[p.mentor_id]) for p in pairings]
    naming = _Naming(held)
    shown: dict[tuple[str, ...], _Screened] = {}
    rows: list[list[Cell]] = []
    for p, withheld in zip(pairings, held, strict=True):
        reasons = explanations[(p.mentee_id, p.mentor_id)].reasons(REASONS_SHOWN)
        if withheld:
            screened = shown.get(withheld)
            if screened is None:
                screened = shown[withheld] = _Screened(screen, withheld, naming)
            reasons = list(map(screened.__getitem__, reasons))
        rows.append([
            p.mentee_id, mentees[p.mentee_id].name, p.mentor_id, mentors[p.mentor_id].name,
            p.role, p.covers or "", round(float(p.score), 2), LOCKED_YES if p.locked else "",
            *reasons, *[""] * (REASONS_SHOWN - len(reasons)),
        ])
    return Table("Pairings", PAIRINGS_COLUMNS, rows)


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
    sentence is screened once per set of withheld values; the rows are then zipped.
    """
    mentees, mentors = _mentees(outcome), _mentors(outcome)
    screen = PairScreen(SensitiveValues.of(outcome.config))
    pairings = [p for network in outcome.networks for p in network.pairings]
    chosen = [explanations[(p.mentee_id, p.mentor_id)].components for p in pairings]
    records = list(chain.from_iterable(chosen))
    # by the record's identity: ``explanations`` holds every record meanwhile
    cells: dict[int, tuple[str, float, float, float, str]] = {}
    rounded = _Rounded()
    for c in records:
        if id(c) not in cells:
            cells[id(c)] = (c.name, rounded(c.points, 2), rounded(c.value, 3),
                            rounded(c.weight, 3), c.evidence)
    names, points, values, weights, evidence = (
        zip(*map(cells.__getitem__, map(id, records)), strict=True) if records
        else ((),) * 5)
    mentee_ids: list[str] = []
    mentor_ids: list[str] = []
    roles: list[str] = []
    texts: list[str] = []
    held = [screen.withheld(mentees[p.mentee_id], mentors[p.mentor_id]) for p in pairings]
    naming = _Naming(held)
    shown: dict[tuple[str, ...], _Screened] = {}
    start = 0
    for p, components, withheld in zip(pairings, chosen, held, strict=True):
        count = len(components)
        mentee_ids.extend(repeat(p.mentee_id, count))
        mentor_ids.extend(repeat(p.mentor_id, count))
        roles.extend(repeat(p.role, count))
        pair_evidence = evidence[start:start + count]
        start += count
        if not withheld:
            texts.extend(pair_evidence)
            continue
        screened = shown.get(withheld)
        if screened is None:
            screened = shown[withheld] = _Screened(screen, withheld, naming)
        texts.extend(map(screened.__getitem__, pair_evidence))
    rows: list[list[Cell]] = list(map(list, zip(mentee_ids, mentor_ids, roles, names, points,
                                                values, weights, texts, strict=True)))
    return Table("Explanations", EXPLANATIONS_COLUMNS, rows, number_format="0.00")


class _Naming(dict[str, bool]):
    """Whether a text names any value withheld from any of a run's pairs, worked out when
    first asked for. A text that names none of them names none of one pair's (a pair's
    values are among the run's, and a whole-word search for more values finds at least
    what it found for fewer): most sentences are then screened once, not once per set of
    values (a run's pairs hold hundreds of sets)."""

    def __init__(self, held: Sequence[tuple[str, ...]]) -> None:
        super().__init__()
        self._every = tuple(sorted(set(chain.from_iterable(held)), key=lambda v: (-len(v), v)))

    def __missing__(self, text: str) -> bool:
        found = self[text] = names_any(text, self._every)
        return found


class _Screened(dict[str, str]):
    """Each evidence sentence as a coordinator file shows it for one set of withheld
    values (:meth:`PairScreen.for_coordinator`), worked out when first asked for (only
    for a sentence that names one of the run's withheld values at all)."""

    def __init__(self, screen: PairScreen, withheld: tuple[str, ...], naming: _Naming) -> None:
        super().__init__()
        self._screen, self._withheld, self._naming = screen, withheld, naming

    def __missing__(self, text: str) -> str:
        shown = self[text] = (self._screen.for_coordinator(text, self._withheld)
                              if self._naming[text] else text)
        return shown


class _Rounded:
    """``round(float(value), digits)``, worked out once per value and digits (a run's
    70,000 points, values and weights are a few thousand numbers)."""

    def __init__(self) -> None:
        self._known: dict[tuple[float, int], float] = {}

    def __call__(self, value: float, digits: int) -> float:
        if not value:  # 0.0 and -0.0 are one key of a dict, not one cell of a CSV file
            return round(float(value), digits)
        key = (value, digits)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = round(float(value), digits)
        return found


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
             for n in outcome.networks if n.primary is not None and n.partial_reason]
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
