"""report.html as cda3d91 (the start of session 9) rendered it: matcher/outputs/report.py and
summary.summarise verbatim, rendered with that revision's report.html.j2 (kept beside this
module in tests/report_reference_templates/, which Jinja's own code renders: a template
folder). Kept only as the oracle of tests/test_report_previous.py (the page must keep its
bytes); never imported by the program."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from matcher.outcome import MatchOutcome
from matcher.outputs.charts import (
    ACCENT,
    MUTED,
    SECOND,
    Chart,
    Series,
    columns,
    histogram,
    paired_bars,
)
from matcher.outputs.plans import Labels
from matcher.outputs.privacy import SensitiveValues, for_coordinator
from matcher.outputs.sheets import Table
from matcher.outputs.summary import MatchSummary
from matcher.outputs.templating import Templates, repeated_names
from scoring.config import FIELD_VOCABULARY
from scoring.explain import PairExplanation

#: Rows of the "lowest-scored pairs" and "full mentors" tables.
TABLE_ROWS = 15
#: Rows of the networks and per-mentor tables (larger runs: pairings.xlsx has them all).
PEOPLE_ROWS = 2_000
#: Bins of the score histogram: 0–5, 5–10, … 95–100.
SCORE_BINS = np.arange(0, 105, 5)


@dataclass(frozen=True)
class GroupRow:
    """One row of a fairness table: a group and its mentees' outcome."""

    group: str
    mentees: int
    placed: int
    mean_score: float | None
    lowest_score: float | None


@dataclass(frozen=True)
class AuditTable:
    """The fairness table of one audited field."""

    field: str
    label: str
    rows: tuple[GroupRow, ...]
    suppressed_groups: int
    suppressed_mentees: int


def render_report(outcome: MatchOutcome, explanations: Mapping[tuple[str, str], PairExplanation],
                  templates: Templates, notes: tuple[str, ...] = (),
                  sections: Sequence[Table] = (), opening: Sequence[Table] = ()) -> str:
    """The complete report.html text for one match outcome.

    ``sections`` are tables a caller adds at the end of the page, each under its name
    (a rematch adds "Rematch flags"), ``opening`` tables before the summary (a rematch's
    changes since the previous cycle); their cells are escaped like everything else.
    """
    cohort, config = outcome.cohort, outcome.config
    mentees = {m.id: m for m in cohort.mentees}
    mentors = {m.id: m for m in cohort.mentors}
    labels = Labels.of(config)
    pairings = [p for n in outcome.networks for p in n.pairings]
    audit_fields, min_group = config.report.audit_fields, config.report.min_group_size

    lowest = []
    screen = SensitiveValues.of(config)
    for pairing in sorted(pairings, key=lambda p: (p.score, p.mentee_id, p.mentor_id))[:TABLE_ROWS]:
        explanation = explanations[(pairing.mentee_id, pairing.mentor_id)]
        withheld = screen.held_by((mentees[pairing.mentee_id], mentors[pairing.mentor_id]))
        weakest = _weakest_component(explanation)
        lowest.append({
            "pairing": pairing, "mentee": mentees[pairing.mentee_id].name,
            "mentor": mentors[pairing.mentor_id].name,
            "mentee_person": mentees[pairing.mentee_id],
            "mentor_person": mentors[pairing.mentor_id],
            "reason": for_coordinator(next(iter(explanation.reasons(1)), ""), withheld),
            "weakest": for_coordinator(weakest, withheld),
        })

    assigned = Counter(p.mentor_id for p in pairings)
    loads = [(m, assigned.get(m.id, 0)) for m in cohort.mentors]
    full = [{"mentor": m, "assigned": a, "over": a > m.capacity}
            for m, a in sorted(loads, key=lambda x: (x[0].capacity - x[1], x[0].id))
            if a >= m.capacity]
    demand = _area_demand(outcome, labels)
    unplaced = [{"mentee": mentees[n.mentee_id], "reason": n.unplaced_reason or "",
                 "status": "unplaced"} for n in outcome.networks if n.primary is None]
    unplaced += [{"mentee": mentees[n.mentee_id], "reason": n.partial_reason or "",
                  "status": f"{len(n.pairings)} of {n.requested} mentors"}
                 for n in outcome.networks if n.primary is not None and n.partial_reason]

    scores = np.array([p.score for p in pairings], dtype=float)
    return templates.render(
        "report.html.j2",
        program=config.program.name,
        summary=summarise(outcome),
        time_limit=config.solver.time_limit_seconds,
        notes=notes,
        messages=outcome.result.messages,
        problems=len(cohort.problems),
        score_plot=_svg(templates, _score_histogram(outcome)),
        score_quartiles=(np.percentile(scores, [25, 50, 75]).round(1).tolist()
                         if scores.size else None),
        lowest=lowest,
        load_plot=_svg(templates, _load_plot(loads)),
        load_counts=_load_counts(loads),
        full=full[:TABLE_ROWS], full_more=max(0, len(full) - TABLE_ROWS),
        overloaded=sum(1 for row in full if row["over"]),
        demand=demand,
        demand_plot=_svg(templates, _demand_plot(demand) if demand else None),
        unplaced=unplaced,
        audits=[_opt_in_audit(outcome, min_group),
                *(_audit(outcome, f, labels, min_group) for f in audit_fields)],
        min_group=min_group,
        sections=tuple(sections),
        opening=tuple(opening),
        repeated=repeated_names((*cohort.mentees, *cohort.mentors)),
        networks=_network_rows(outcome, labels, PEOPLE_ROWS),
        mentor_rows=_mentor_rows(outcome, labels, PEOPLE_ROWS),
        people_rows=PEOPLE_ROWS,
    )


def _network_rows(outcome: MatchOutcome, labels: Labels, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` mentees' networks: primary mentor and score, specialists, got /
    requested (the page shows no more)."""
    mentees = {m.id: m for m in outcome.cohort.mentees}
    mentors = {m.id: m for m in outcome.cohort.mentors}
    rows = []
    for network in outcome.networks[:limit]:
        primary = network.primary
        rows.append({
            "mentee": mentees[network.mentee_id],
            "primary": mentors[primary.mentor_id] if primary else None,
            "score": primary.score if primary else None,
            "specialists": [(mentors[p.mentor_id], _covers(p.covers, labels))
                            for p in network.specialists],
            "got": len(network.pairings), "requested": network.requested,
            "status": ("unplaced" if primary is None else
                       "smaller than asked" if network.partial_reason else "complete"),
        })
    return rows


def _mentor_rows(outcome: MatchOutcome, labels: Labels, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` mentors: capacity, load, the mentees they have (and in which
    role), areas (the page shows no more)."""
    mentees = {m.id: m for m in outcome.cohort.mentees}
    theirs: dict[str, list[tuple[Any, str]]] = {}
    for network in outcome.networks:
        for pairing in network.pairings:
            role = "primary" if pairing.role == "primary" else _covers(pairing.covers, labels)
            theirs.setdefault(pairing.mentor_id, []).append((mentees[pairing.mentee_id], role))
    return [{"mentor": mentor, "capacity": mentor.capacity,
             "assigned": len(theirs.get(mentor.id, [])), "mentees": theirs.get(mentor.id, []),
             "areas": [labels("areas", a) for a in mentor.expertise_areas]}
            for mentor in outcome.cohort.mentors[:limit]]


def _covers(covers: str | None, labels: Labels) -> str:
    if covers in ("coach", "advisor"):
        return covers
    return labels("areas", covers) if covers else "specialist"


def _weakest_component(explanation: PairExplanation) -> str:
    weighted = [c for c in explanation.components if c.weight > 0]
    if not weighted:
        return ""
    weakest = min(weighted, key=lambda c: (c.value, c.name))
    full_points = 100.0 * weakest.weight / sum(c.weight for c in weighted)
    return (f"{weakest.name.replace('_', ' ')}: {weakest.points:.1f} of {full_points:.1f} "
            f"points ({weakest.evidence})")


def _area_demand(outcome: MatchOutcome, labels: Labels) -> list[dict[str, object]]:
    """Per need area: mentees asking, mentor capacity offering it, askers whose network has it."""
    cohort = outcome.cohort
    mentors = {m.id: m for m in cohort.mentors}
    networks = {n.mentee_id: n for n in outcome.networks}
    areas = list(outcome.config.vocabulary("areas").values)
    seen = {a for m in cohort.mentees for a in m.need_areas}
    seen |= {a for m in cohort.mentors for a in m.expertise_areas}
    areas += sorted(seen - set(areas))
    # one pass over each side (not one per area): each person counted once per area listed
    asking: dict[str, list[Any]] = {}
    for mentee in cohort.mentees:
        for area in dict.fromkeys(mentee.need_areas):
            asking.setdefault(area, []).append(mentee)
    places: Counter[str] = Counter()
    for mentor in cohort.mentors:
        for area in dict.fromkeys(mentor.expertise_areas):
            places[area] += mentor.capacity
    rows = []
    for area in areas:
        askers = asking.get(area, [])
        offered = places.get(area, 0)
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


def _audit(outcome: MatchOutcome, field: str, labels: Labels, min_group: int) -> AuditTable:
    """Mentees grouped by ``field``: count, placed, mean and lowest primary score."""
    primary = {n.mentee_id: (n.primary.score if n.primary else None) for n in outcome.networks}
    groups: dict[str, list[float | None]] = {}
    for mentee in outcome.cohort.mentees:
        value = getattr(mentee, field, None)
        if value is None:
            value = mentee.extra.get(field, "")
        vocabulary = "institutions" if field == "institution" else FIELD_VOCABULARY.get(field)
        if isinstance(value, tuple):
            value = ", ".join(labels(vocabulary, v) if vocabulary else v for v in value)
        elif vocabulary and value:
            value = labels(vocabulary, value)
        groups.setdefault(str(value).strip() or "(not given)", []).append(primary.get(mentee.id))
    rows, hidden_groups, hidden_mentees = [], 0, 0
    for group in sorted(groups, key=lambda g: (-len(groups[g]), g)):
        members = groups[group]
        if len(members) < min_group:
            hidden_groups += 1
            hidden_mentees += len(members)
            continue
        placed = np.array([s for s in members if s is not None], dtype=float)
        rows.append(GroupRow(group=group, mentees=len(members), placed=int(placed.size),
                             mean_score=round(float(placed.mean()), 1) if placed.size else None,
                             lowest_score=round(float(placed.min()), 1) if placed.size else None))
    return AuditTable(field=field, label=field.replace("_", " ").capitalize(), rows=tuple(rows),
                      suppressed_groups=hidden_groups, suppressed_mentees=hidden_mentees)


def _opt_in_audit(outcome: MatchOutcome, min_group: int) -> AuditTable:
    """Placement by whether the mentee stated an opt-in preference: asking must not cost
    a place (matcher/placement.py), and this table shows it did not."""
    primary = {n.mentee_id: (n.primary.score if n.primary else None) for n in outcome.networks}
    groups: dict[str, list[float | None]] = {"opted in to a preference": [],
                                             "no preference stated": []}
    for mentee in outcome.cohort.mentees:
        key = "opted in to a preference" if mentee.preferences else "no preference stated"
        groups[key].append(primary.get(mentee.id))
    rows, hidden_groups, hidden_mentees, rates = [], 0, 0, []
    for group, members in groups.items():
        placed = np.array([s for s in members if s is not None], dtype=float)
        if len(members) < min_group:
            hidden_groups += int(bool(members))
            hidden_mentees += len(members)
            continue
        rates.append(f"{group} {100 * placed.size / len(members):.0f} %")
        rows.append(GroupRow(group=group, mentees=len(members), placed=int(placed.size),
                             mean_score=round(float(placed.mean()), 1) if placed.size else None,
                             lowest_score=round(float(placed.min()), 1) if placed.size else None))
    label = "Opt-in preferences" + (f" (placed: {', '.join(rates)})" if rates else "")
    return AuditTable(field="preferences", label=label, rows=tuple(rows),
                      suppressed_groups=hidden_groups, suppressed_mentees=hidden_mentees)


def _load_counts(loads: list) -> list[tuple[str, int]]:
    """Mentors by how full they are, in the order of the load plot."""
    buckets = Counter(_load_bucket(m.capacity, a) for m, a in loads)
    return [(name, buckets.get(name, 0)) for name in _LOAD_BUCKETS]


_LOAD_BUCKETS = ("no mentee", "under half", "half or more", "full", "over capacity")


def _load_bucket(capacity: int, assigned: int) -> str:
    if assigned == 0:
        return "no mentee"
    if assigned > capacity:
        return "over capacity"
    if assigned == capacity:
        return "full"
    return "half or more" if 2 * assigned >= capacity else "under half"


# --- plots ---------------------------------------------------------------------------------

def _svg(templates: Templates, chart: Chart | None) -> str | None:
    """The chart as SVG text for inlining (None stays None: the page says why)."""
    return templates.render("chart.svg.j2", chart=chart) if chart is not None else None


def _score_histogram(outcome: MatchOutcome) -> Chart | None:
    primary = [p.score for n in outcome.networks for p in n.pairings if p.role == "primary"]
    special = [p.score for n in outcome.networks for p in n.pairings if p.role == "specialist"]
    if not primary and not special:
        return None
    series = [Series(name, colour, tuple(int(c) for c in np.histogram(values, SCORE_BINS)[0]))
              for values, colour, name in ((primary, ACCENT, "primary mentor"),
                                           (special, SECOND, "specialist")) if values]
    return histogram(SCORE_BINS.tolist(), series, x_label="compatibility score (0-100)",
                     y_label="pairs", title="Pairs by compatibility score, in bins of 5 points")


def _load_plot(loads: list) -> Chart | None:
    if not loads:
        return None
    counts = _load_counts(loads)
    return columns([name for name, _ in counts], [value for _, value in counts],
                   [MUTED, "#7fb3d5", "#4a90c2", ACCENT, "#c0392b"], y_label="mentors",
                   title="Mentors by how much of their capacity the match uses")


def _demand_plot(demand: list[dict[str, object]]) -> Chart:
    return paired_bars(
        [str(row["area"]) for row in demand],
        [Series("mentees asking", SECOND, tuple(cast(int, row["asking"]) for row in demand)),
         Series("mentor places offering it", ACCENT,
                tuple(cast(int, row["capacity"]) for row in demand))],
        x_label="people", title="Per need area: mentees asking and mentor places offering it")


def summarise(outcome: MatchOutcome) -> MatchSummary:
    """Compute the headline figures from a match outcome."""
    result = outcome.result
    scores = np.array([p.score for n in outcome.networks for p in n.pairings], dtype=float)
    primaries = np.array([n.primary.score for n in outcome.networks if n.primary is not None],
                         dtype=float)
    certified = result.stats.get("certified")
    return MatchSummary(
        mentors=len(outcome.cohort.mentors),
        mentees=len(outcome.cohort.mentees),
        placed=sum(1 for n in outcome.networks if n.primary is not None),
        unplaced=sum(1 for n in outcome.networks if n.primary is None),
        partial=sum(1 for n in outcome.networks if n.partial_reason),
        pairs=int(scores.size),
        mean_score=round(float(scores.mean()), 2) if scores.size else None,
        lowest_primary_score=round(float(primaries.min()), 2) if primaries.size else None,
        objective=outcome.objective,
        status=result.status,
        objective_value=round(float(result.objective), 4),
        bound=round(float(result.bound), 4),
        gap=round(float(result.gap), 6),
        engine=result.engine,
        wall_time=round(float(result.wall_time), 3),
        certified=None if certified is None else bool(certified),
        blocking_pairs=(int(result.stats["blocking_pairs"])  # type: ignore[call-overload]
                        if outcome.objective == "stable" and "blocking_pairs" in result.stats
                        else None),
    )
