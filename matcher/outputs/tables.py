"""The run folder's tables: pairings, networks, explanations, unplaced, loads, problems.

Each function turns a match outcome into a :class:`matcher.outputs.sheets.Table` (header and rows in
a fixed order), so pairings.csv and the sheets of pairings.xlsx show the same figures.
Participants appear by id and name only; a sentence the program generated that names a
sensitive value is replaced by :data:`matcher.outputs.privacy.NOT_SHOWN` (plain words, never
``[withheld]`` inside the sentence, where the rest of it would give the value away).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

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
from scoring.profiles import Person

Explanations = Mapping[tuple[str, str], PairExplanation]


def _reasons(screen: PairScreen, explanation: PairExplanation, mentee: Person,
             mentor: Person) -> list[str]:
    withheld = screen.withheld(mentee, mentor)
    reasons = [screen.for_coordinator(r, withheld) for r in explanation.reasons(REASONS_SHOWN)]
    return reasons + [""] * (REASONS_SHOWN - len(reasons))


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
    rows: list[list[Cell]] = []
    for network in outcome.networks:
        for p in network.pairings:
            rows.append([
                p.mentee_id, mentees[p.mentee_id].name, p.mentor_id, mentors[p.mentor_id].name,
                p.role, p.covers or "", round(float(p.score), 2),
                LOCKED_YES if p.locked else "",
                *_reasons(screen, explanations[(p.mentee_id, p.mentor_id)],
                          mentees[p.mentee_id], mentors[p.mentor_id]),
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
        if network is None or network.primary is None:
            reason = network.unplaced_reason if network else "not in the solver's result"
            rows.append([mentee.id, mentee.name, "unplaced", "", "", None, "",
                         network.requested if network else mentee.network_size, 0,
                         reason or ""])
            continue
        primary = network.primary
        specialists = "; ".join(
            f"{mentors[s.mentor_id].name} <{s.mentor_id}> ({_covers_label(labels, s.covers)})"
            for s in network.specialists)
        status = "partial" if network.partial_reason else "placed"
        rows.append([mentee.id, mentee.name, status, primary.mentor_id,
                     mentors[primary.mentor_id].name, round(float(primary.score), 2),
                     specialists, network.requested, len(network.pairings),
                     network.partial_reason or ""])
    return Table("Networks", NETWORKS_COLUMNS, rows)


def explanations_table(outcome: MatchOutcome, explanations: Explanations) -> Table:
    """A row per pair and score component: points, value, weight and evidence.

    A component's cells are worked out once per record and set of withheld values: the
    explainer shares one :class:`~scoring.explain.ComponentPoints` among the pairs alike
    in it (frozen), so most of a run's 70,000 rows repeat a few thousand cell runs.
    """
    mentees, mentors = _mentees(outcome), _mentors(outcome)
    screen = PairScreen(SensitiveValues.of(outcome.config))
    rows: list[list[Cell]] = []
    append = rows.append
    # each record's cells by its identity (``explanations`` holds every record meanwhile),
    # and each evidence as shown, per set of withheld values
    cells: dict[int, tuple[str, float, float, float, str]] = {}
    shown: dict[tuple[str, ...], dict[str, str]] = {}
    rounded = _Rounded()
    for network in outcome.networks:
        for p in network.pairings:
            explanation = explanations[(p.mentee_id, p.mentor_id)]
            withheld = screen.withheld(mentees[p.mentee_id], mentors[p.mentor_id])
            screened = shown.get(withheld)
            if screened is None:
                screened = shown[withheld] = {}
            for c in explanation.components:
                known = cells.get(id(c))
                if known is None:
                    known = cells[id(c)] = (c.name, rounded(c.points, 2), rounded(c.value, 3),
                                            rounded(c.weight, 3), c.evidence)
                name, points, value, weight, evidence = known
                text = screened.get(evidence)
                if text is None:
                    text = screened[evidence] = screen.for_coordinator(evidence, withheld)
                append([p.mentee_id, p.mentor_id, p.role, name, points, value, weight, text])
    return Table("Explanations", EXPLANATIONS_COLUMNS, rows, number_format="0.00")


class _Rounded:
    """``round(float(value), digits)``, worked out once per value and digits (a run's
    70,000 points, values and weights are a few thousand numbers)."""

    def __init__(self) -> None:
        self._known: dict[tuple[float, int], float] = {}

    def __call__(self, value: float, digits: int) -> float:
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
