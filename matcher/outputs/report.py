"""report.html: one self-contained page a coordinator reads after a match.

Sections (stable ids): any table a caller puts first (a rematch's changes since the
previous cycle), ``summary``, ``score-distribution``, ``lowest-scores``, ``mentor-load``,
``need-coverage``, ``unplaced``, ``networks`` (every mentee's network, sortable by any
column with a few lines of inline script), ``mentors`` (every mentor's load, mentees and
areas, sortable too) and ``fairness``, then any table a caller adds (a rematch's
``rematch-flags``). Wherever a name is carried by more than one person, the id is shown
beside it. The figures are SVG inlined in the page (:mod:`.charts` computes the
bars, ``templates/chart.svg.j2`` writes them), so the page has no external resource and a
rerun writes the same bytes. The wall-clock solve time is left out for the
same reason (the CLI prints it; run.json holds the run's time).

Fairness is audited across the groups a program chooses (``[report] audit_fields``, default
career stage and institution). Sensitive fields may be audited, but only in aggregate, and
any group smaller than ``[report] min_group_size`` (default 5) is not shown on its own, so
nobody can be recognised from a row of the table.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import Any, cast

import markupsafe
import numpy as np

from matcher.outcome import MatchOutcome, Pairing
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
from matcher.outputs.summary import summarise
from matcher.outputs.templating import Templates, printable, repeated_names
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
    primaries = [n.primary for n in outcome.networks]  # once: the property searches
    primary_scores = {n.mentee_id: (primary.score if primary else None)
                      for n, primary in zip(outcome.networks, primaries, strict=True)}
    # (the same as _primary_scores, from the primaries found once)

    repeated = repeated_names((*cohort.mentees, *cohort.mentors))
    who = Who(repeated)  # each person named once, on every row the page shows them
    lowest = []
    screen = SensitiveValues.of(config)
    for pairing in explained_pairings(pairings):
        explanation = explanations[(pairing.mentee_id, pairing.mentor_id)]
        withheld = screen.held_by((mentees[pairing.mentee_id], mentors[pairing.mentor_id]))
        weakest = _weakest_component(explanation)
        lowest.append(Row(
            pairing=pairing, mentee=mentees[pairing.mentee_id].name,
            mentor=mentors[pairing.mentor_id].name,
            mentee_person=mentees[pairing.mentee_id],
            mentor_person=mentors[pairing.mentor_id],
            reason=for_coordinator(next(iter(explanation.reasons(1)), ""), withheld),
            weakest=for_coordinator(weakest, withheld),
        ))

    assigned = Counter(p.mentor_id for p in pairings)
    loads = [(m, assigned.get(m.id, 0)) for m in cohort.mentors]
    full = [Row(mentor=m, assigned=a, over=a > m.capacity)
            for m, a in sorted(loads, key=lambda x: (x[0].capacity - x[1], x[0].id))
            if a >= m.capacity]
    demand = _area_demand(outcome, labels)
    unplaced = [Row(mentee=mentees[n.mentee_id], reason=n.unplaced_reason or "",
                    status="unplaced")
                for n, primary in zip(outcome.networks, primaries, strict=True)
                if primary is None]
    unplaced += [Row(mentee=mentees[n.mentee_id], reason=n.partial_reason or "",
                     status=f"{len(n.pairings)} of {n.requested} mentors")
                 for n, primary in zip(outcome.networks, primaries, strict=True)
                 if primary is not None and n.partial_reason]

    scores = np.array([p.score for p in pairings], dtype=float)
    for row in lowest:
        row.update(mentee_who=who(row.mentee_person), mentor_who=who(row.mentor_person))
    for row in full:
        row.update(mentor_who=who(row.mentor))
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
        audits=[_opt_in_audit(outcome, min_group, primary_scores),
                *(_audit(outcome, f, labels, min_group, primary_scores) for f in audit_fields)],
        min_group=min_group,
        sections=tuple(sections),
        opening=tuple(opening),
        repeated=repeated,
        who=who,
        networks=_network_rows(outcome, labels, PEOPLE_ROWS, who),
        mentor_rows=_mentor_rows(outcome, labels, PEOPLE_ROWS, who),
        people_rows=PEOPLE_ROWS,
    )


def explained_pairings(pairings: Iterable[Pairing]) -> list[Pairing]:
    """The pairs whose explanations the report reads: the lowest scores it lists
    (``sorted(...)[:TABLE_ROWS]``). Of pairings taken in parts, these are among the union of
    each part's own."""
    return heapq.nsmallest(TABLE_ROWS, pairings,
                           key=lambda p: (p.score, p.mentee_id, p.mentor_id))


class Row(dict[str, Any]):
    """A row of one of the page's tables: a dict (as callers read it) whose keys the page
    reads as attributes (``row.mentee``), as Jinja reads a dict's keys. The built-in
    templates' compiled code (:class:`~matcher.outputs.template_code.TrustedCode`) reads
    ``a.b`` as Python's attribute access; a plain dict would send the whole page to Jinja's
    slower code (and compile it a second time). A key named like a dict method is read as
    the method, as Jinja reads it."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Who:
    """A person as the report names them: the name, and beside it the id where another id
    carries the same name, printed as the page prints any value (control characters
    removed, escaped). Each person is worked out once per page (a mentor is named on every
    row of their mentees); the rows carry it (``*_who``), and a template may call
    ``who(person)``."""

    def __init__(self, repeated: frozenset[str]) -> None:
        self._repeated = repeated
        self._known: dict[int, tuple[Any, markupsafe.Markup]] = {}  # id(person) -> html

    def __call__(self, person: Any) -> markupsafe.Markup:
        known = self._known.get(id(person))
        if known is not None and known[0] is person:
            return known[1]
        html = _printed(person.name)
        if person.name in self._repeated:
            html = markupsafe.Markup(f'{html} <span class="id">{_printed(person.id)}</span>')
        self._known[id(person)] = (person, html)
        return html


def _printed(value: Any) -> markupsafe.Markup:
    """``{{ value }}`` of the page: control characters removed from text, escaped."""
    return markupsafe.escape(printable(value))


def _network_rows(outcome: MatchOutcome, labels: Labels, limit: int,
                  who: Who | None = None) -> list[Row]:
    """The first ``limit`` mentees' networks: primary mentor and score, specialists, got /
    requested (the page shows no more); each person also as the page names them
    (``*_who``, :class:`Who`)."""
    who = who if who is not None else _who(outcome)
    mentees = {m.id: m for m in outcome.cohort.mentees}
    mentors = {m.id: m for m in outcome.cohort.mentors}
    rows = []
    for network in outcome.networks[:limit]:
        primary = network.primary
        specialists = [(mentors[p.mentor_id], _covers(p.covers, labels))
                       for p in network.specialists]
        rows.append(Row(
            mentee=mentees[network.mentee_id], mentee_who=who(mentees[network.mentee_id]),
            primary=mentors[primary.mentor_id] if primary else None,
            primary_who=who(mentors[primary.mentor_id]) if primary else None,
            score=primary.score if primary else None,
            specialists=specialists,
            specialists_who=[(who(mentor), covers) for mentor, covers in specialists],
            got=len(network.pairings), requested=network.requested,
            status=("unplaced" if primary is None else
                    "smaller than asked" if network.partial_reason else "complete"),
        ))
    return rows


def _mentor_rows(outcome: MatchOutcome, labels: Labels, limit: int,
                 who: Who | None = None) -> list[Row]:
    """The first ``limit`` mentors: capacity, load, the mentees they have (and in which
    role), areas (the page shows no more); each person also as the page names them
    (``*_who``, :class:`Who`)."""
    who = who if who is not None else _who(outcome)
    mentees = {m.id: m for m in outcome.cohort.mentees}
    theirs: dict[str, list[tuple[Any, str]]] = {}
    for network in outcome.networks:
        for pairing in network.pairings:
            role = "primary" if pairing.role == "primary" else _covers(pairing.covers, labels)
            theirs.setdefault(pairing.mentor_id, []).append((mentees[pairing.mentee_id], role))
    return [Row(mentor=mentor, mentor_who=who(mentor), capacity=mentor.capacity,
                assigned=len(theirs.get(mentor.id, [])), mentees=theirs.get(mentor.id, []),
                mentees_who=[(who(mentee), role) for mentee, role in theirs.get(mentor.id, [])],
                areas=[labels("areas", a) for a in mentor.expertise_areas])
            for mentor in outcome.cohort.mentors[:limit]]


def _who(outcome: MatchOutcome) -> Who:
    """:class:`Who` of a run's people."""
    return Who(repeated_names((*outcome.cohort.mentees, *outcome.cohort.mentors)))


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


def _area_demand(outcome: MatchOutcome, labels: Labels) -> list[Row]:
    """Per need area: mentees asking, mentor capacity offering it, askers whose network has it."""
    cohort = outcome.cohort
    held_by = {m.id: frozenset(m.expertise_areas) for m in cohort.mentors}
    networks = {n.mentee_id: n for n in outcome.networks}
    areas = list(outcome.config.vocabulary("areas").values)
    seen = set(chain.from_iterable(map(_NEED_AREAS, cohort.mentees)))
    seen.update(chain.from_iterable(m.expertise_areas for m in cohort.mentors))
    areas += sorted(seen - set(areas))
    # one pass over each side (not one per area): each person counted once per area listed,
    # and an asker once more where their network's mentors hold the area
    asking = Counter(chain.from_iterable(map(dict.fromkeys, map(_NEED_AREAS, cohort.mentees))))

    def held(pairings: Sequence[Pairing]) -> frozenset[str]:
        return (held_by[pairings[0].mentor_id] if len(pairings) == 1 else
                frozenset().union(*(held_by[p.mentor_id] for p in pairings)))

    covered = Counter(chain.from_iterable(
        held(networks[m.id].pairings).intersection(m.need_areas)
        for m in cohort.mentees if m.need_areas and networks))
    places: Counter[str] = Counter()
    for mentor in cohort.mentors:
        for area in dict.fromkeys(mentor.expertise_areas):
            places[area] += mentor.capacity
    rows = []
    for area in areas:
        askers = asking.get(area, 0)
        offered = places.get(area, 0)
        if not askers and not offered:
            continue
        rows.append(Row(area=labels("areas", area), asking=askers, capacity=offered,
                        covered=covered.get(area, 0), short=askers > offered))
    return rows


_NEED_AREAS = attrgetter("need_areas")


def _primary_scores(outcome: MatchOutcome) -> dict[str, float | None]:
    """Each mentee's primary score (None: unplaced), by mentee id."""
    return {n.mentee_id: (n.primary.score if n.primary else None) for n in outcome.networks}


def _audit(outcome: MatchOutcome, field: str, labels: Labels, min_group: int,
           primary: Mapping[str, float | None] | None = None) -> AuditTable:
    """Mentees grouped by ``field``: count, placed, mean and lowest primary score
    (``primary``: :func:`_primary_scores`, when the caller has it)."""
    primary = primary if primary is not None else _primary_scores(outcome)
    groups: dict[str, list[float | None]] = {}
    vocabulary = "institutions" if field == "institution" else FIELD_VOCABULARY.get(field)
    named: dict[object, str] = {}  # each distinct value's group, worked out once
    for mentee in outcome.cohort.mentees:
        value = getattr(mentee, field, None)
        if value is None:
            value = mentee.extra.get(field, "")
        group = named.get(value) if isinstance(value, (str, tuple)) else None
        if group is None:
            group = _group_of(value, vocabulary, labels)
            if isinstance(value, (str, tuple)):
                named[value] = group
        groups.setdefault(group, []).append(primary.get(mentee.id))
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


def _group_of(value: object, vocabulary: str | None, labels: Labels) -> str:
    """The fairness group a mentee's value of an audited field puts them in."""
    if isinstance(value, tuple):
        value = ", ".join(labels(vocabulary, v) if vocabulary else v for v in value)
    elif vocabulary and value:
        value = labels(vocabulary, cast(str, value))
    return str(value).strip() or "(not given)"


def _opt_in_audit(outcome: MatchOutcome, min_group: int,
                  primary: Mapping[str, float | None] | None = None) -> AuditTable:
    """Placement by whether the mentee stated an opt-in preference: asking must not cost
    a place (matcher/placement.py), and this table shows it did not (``primary``:
    :func:`_primary_scores`, when the caller has it)."""
    primary = primary if primary is not None else _primary_scores(outcome)
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


def _demand_plot(demand: list[Row]) -> Chart:
    return paired_bars(
        [str(row["area"]) for row in demand],
        [Series("mentees asking", SECOND, tuple(cast(int, row["asking"]) for row in demand)),
         Series("mentor places offering it", ACCENT,
                tuple(cast(int, row["capacity"]) for row in demand))],
        x_label="people", title="Per need area: mentees asking and mentor places offering it")
