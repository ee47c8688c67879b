"""The run folder's tables, CSV bytes and marker manifest as d5db890 worked them out, cell
by cell (before issue 15's column-wise CSV, the sentences screened once per distinct text
and the manifest listed without a Path per file). Kept only as the oracle of
tests/test_tables_speed.py and tests/test_fast_paths.py; never imported by the program."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path

from matcher.outcome import MatchOutcome
from matcher.outputs.cell_safety import safe_cell, safe_row
from matcher.outputs.plans import Labels
from matcher.outputs.privacy import SensitiveValues, for_coordinator
from matcher.outputs.sheets import Table
from matcher.runfolder.hashing import sha256_of
from matcher.runfolder.layout import (
    EXPLANATIONS_COLUMNS,
    LOCKED_YES,
    NETWORKS_COLUMNS,
    PAIRINGS_COLUMNS,
    REASONS_SHOWN,
)
from matcher.runfolder.marker import MARKER
from scoring.explain import PairExplanation
from scoring.profiles import Person

Explanations = Mapping[tuple[str, str], PairExplanation]


def csv_bytes(table: Table) -> bytes:
    """Every cell guarded, rounded and written by the csv module, row by row."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(safe_row(table.headers))
    writer.writerows([_csv_value(safe_cell(v)) for v in row] for row in table.rows)
    return text.getvalue().encode("utf-8-sig")


def _csv_value(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else ""
    return value


def _reasons(screen: SensitiveValues, explanation: PairExplanation, mentee: Person,
             mentor: Person) -> list[str]:
    withheld = screen.held_by((mentee, mentor))
    reasons = [for_coordinator(r, withheld) for r in explanation.reasons(REASONS_SHOWN)]
    return reasons + [""] * (REASONS_SHOWN - len(reasons))


def _covers_label(outcome: MatchOutcome, covers: str | None) -> str:
    if not covers:
        return ""
    return covers if covers in ("coach", "advisor") else Labels.of(outcome.config)("areas", covers)


def pairings_table(outcome: MatchOutcome, explanations: Explanations) -> Table:
    mentees = {m.id: m for m in outcome.cohort.mentees}
    mentors = {m.id: m for m in outcome.cohort.mentors}
    screen = SensitiveValues.of(outcome.config)
    rows: list[list] = []
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
    mentors = {m.id: m for m in outcome.cohort.mentors}
    networks = {n.mentee_id: n for n in outcome.networks}
    rows: list[list] = []
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
            f"{mentors[s.mentor_id].name} <{s.mentor_id}> ({_covers_label(outcome, s.covers)})"
            for s in network.specialists)
        status = "partial" if network.partial_reason else "placed"
        rows.append([mentee.id, mentee.name, status, primary.mentor_id,
                     mentors[primary.mentor_id].name, round(float(primary.score), 2),
                     specialists, network.requested, len(network.pairings),
                     network.partial_reason or ""])
    return Table("Networks", NETWORKS_COLUMNS, rows)


def explanations_table(outcome: MatchOutcome, explanations: Explanations) -> Table:
    mentees = {m.id: m for m in outcome.cohort.mentees}
    mentors = {m.id: m for m in outcome.cohort.mentors}
    screen = SensitiveValues.of(outcome.config)
    rows: list[list] = []
    for network in outcome.networks:
        for p in network.pairings:
            explanation = explanations[(p.mentee_id, p.mentor_id)]
            withheld = screen.held_by((mentees[p.mentee_id], mentors[p.mentor_id]))
            for c in explanation.components:
                rows.append([p.mentee_id, p.mentor_id, p.role, c.name,
                             round(float(c.points), 2), round(float(c.value), 3),
                             round(float(c.weight), 3), for_coordinator(c.evidence, withheld)])
    return Table("Explanations", EXPLANATIONS_COLUMNS, rows, number_format="0.00")


def manifest(folder: Path, known: Mapping[str, str] | None = None) -> dict[str, str]:
    known = known or {}
    found: dict[str, str] = {}
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            relative = path.relative_to(folder).as_posix()
            if relative != MARKER:
                found[relative] = known.get(relative) or sha256_of(path)
    return found


def area_demand(outcome: MatchOutcome, labels: Labels) -> list[dict[str, object]]:
    """The report's need-area rows, each area counted over every person."""
    cohort = outcome.cohort
    mentors = {m.id: m for m in cohort.mentors}
    networks = {n.mentee_id: n for n in outcome.networks}
    areas = list(outcome.config.vocabulary("areas").values)
    seen = {a for m in cohort.mentees for a in m.need_areas}
    seen |= {a for m in cohort.mentors for a in m.expertise_areas}
    areas += sorted(seen - set(areas))
    rows = []
    for area in areas:
        askers = [m for m in cohort.mentees if area in m.need_areas]
        offered = sum(m.capacity for m in cohort.mentors if area in m.expertise_areas)
        if not askers and not offered:
            continue
        covered = sum(
            1 for m in askers
            if any(area in mentors[p.mentor_id].expertise_areas
                   for p in networks[m.id].pairings)) if networks else 0
        rows.append({"area": labels("areas", area), "asking": len(askers),
                     "capacity": offered, "covered": covered,
                     "short": len(askers) > offered})
    return rows
