"""First-meeting plans: what each pair needs to start well, as records ready for templates.

A plan says who the two are (never their sensitive attributes, nor a reason that would
reveal one), why they were matched (the explanation's top reasons), the mentee's goals in
their own words, the agenda of the first meeting, talking points from the areas they share
and the words they share that few others in the cohort wrote (:mod:`.talking_terms`),
preparation for each side, logistics (modes, the working hours their time zones share, a
suggested frequency) and the rest of the year, on working days. A specialist gets a shorter
series on what they cover, worded for the role: an area specialist on the area, a coach on
the skill the mentee wants to build, an advisor on the question the mentee brings. In a
rematch (:mod:`.cycle`), a continuing pair's plan is a year-2 plan: last year's goals to
review, the new goals from the month-12 feedback, and this year's meetings.
Rendering to Markdown / HTML lives in :mod:`matcher.outputs.templating`; this module only decides
the content.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from operator import attrgetter

import numpy as np

from matcher.outcome import MatchOutcome, Network, Pairing
from matcher.outputs.cycle import CycleContext
from matcher.outputs.privacy import (
    PairScreen,
    SensitiveValues,
    reads_sensitive,
    time_zone_label,
    visible_fields,
)
from matcher.outputs.schedule import (
    Meeting,
    check_ins,
    primary_schedule,
    specialist_schedule,
    working_day,
)
from matcher.outputs.schedule import working_hours as program_working_hours
from matcher.outputs.talking_terms import DistinctiveTerms
from matcher.runfolder.layout import REASONS_SHOWN
from scoring.config import ProgramConfig, Vocabulary
from scoring.explain import ComponentPoints, PairExplanation
from scoring.profiles import Mentee, Mentor, Person

_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_points = attrgetter("points")


@dataclass(frozen=True)
class PersonCard:
    """What a plan shows of one participant: only the fields the program allows."""

    id: str
    name: str
    email: str
    role: str  # "Mentee", "Mentor", "Coach", "Advisor" ...
    details: tuple[tuple[str, str], ...]  # (label, value) for career stage, specialty ...
    time_zone: str  # "UTC+5:30", "not given", or "" when the program marks it sensitive


@dataclass(frozen=True)
class SharedHours:
    """Working hours both sides share on a working day, in each side's local time.

    ``utc_start`` is the start in hours after 00:00 UTC of the mentee's local day (may be
    negative or above 24); ``mentor_day`` is the mentor's calendar day relative to the
    mentee's (-1, 0 or 1) during those hours.
    """

    hours: float
    mentee_local: str  # "09:00-11:30"
    mentor_local: str
    utc_start: float = 0.0
    mentor_day: int = 0


@dataclass(frozen=True)
class PairPlan:
    """Everything the plan templates, calendars and introduction e-mails show for one pair."""

    program: str
    file_stem: str
    role: str  # "primary" or "specialist"
    covers: str | None
    covers_label: str | None
    score: float
    mentee: PersonCard
    mentor: PersonCard
    reasons: tuple[str, ...]
    goals: str
    need_areas: tuple[str, ...]
    agenda: tuple[str, ...]
    shared_areas: tuple[str, ...]
    shared_terms: tuple[str, ...]
    talking_points: tuple[str, ...]
    mentee_preparation: tuple[str, ...]
    mentor_preparation: tuple[str, ...]
    modes: tuple[str, ...]
    modes_note: str
    shared_hours: SharedHours | None
    hours_note: str
    frequency: str
    meetings: tuple[Meeting, ...]
    check_ins: str
    network: tuple[str, ...]  # the mentee's other network members, as short phrases
    #: What a specialist's sessions are about: the area, the coach's skill, the advisor's
    #: question area (None for a primary mentor).
    focus: str | None = None
    #: The plan's heading ("First-meeting plan", "Coaching on Grant writing", "Year-2 plan").
    title: str = "First-meeting plan"
    year: int = 1
    continuing: bool = False  # the pair continues from last year (a rematch)
    previous_goals: str = ""  # last year's goals, to review (continuing pairs)
    new_goals: str = ""  # the goals written at the month-12 meeting

    @property
    def first_meeting(self) -> Meeting:
        return self.meetings[0]

    @property
    def later_meetings(self) -> tuple[Meeting, ...]:
        return self.meetings[1:]


def readable(value: str) -> str:
    """A canonical vocabulary value as people read it: ``grant_writing`` → ``Grant writing``."""
    text = value.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Labels:
    """Readable labels of a program's vocabulary values, as its config writes them."""

    tables: Mapping[str, Mapping[str, list[str]]]
    #: Labels already worked out, by (vocabulary, value): a run asks for the same few
    #: thousands of times (each plan's areas, modes, stages ...).
    _known: dict[tuple[str, str], str] = field(default_factory=dict, compare=False,
                                               repr=False)

    @classmethod
    def of(cls, config: ProgramConfig) -> Labels:
        return cls(config.vocabulary_tables())

    def __call__(self, vocabulary: str, value: str) -> str:
        """The first synonym when written for people (it has capitals, like the label on
        the sign-up form), else the canonical value made readable."""
        key = (vocabulary, value)
        label = self._known.get(key)
        if label is None:
            label = self._known[key] = self._label(vocabulary, value)
        return label

    def _label(self, vocabulary: str, value: str) -> str:
        table = self.tables.get(vocabulary, {})
        if value not in table:
            # The explainer names values as text ("grant writing"): find their canonical key.
            value = next((key for key in table if key.replace("_", " ") == value), value)
        synonyms = table.get(value) or []
        first = str(synonyms[0]) if synonyms else ""
        return first if first != first.lower() else readable(value)


def shared_working_hours(mentee_offset: float, mentor_offset: float,
                         day: tuple[float, float] = (9.0, 17.0)) -> SharedHours | None:
    """The longest stretch of the working ``day`` both sides share, or None when none.

    Each side works ``day`` in its own local time (offsets in hours from UTC); the windows
    are compared in UTC, also across midnight (a Sydney morning is a Los Angeles afternoon
    of the day before).
    """
    begin, end = day
    mentee_utc = (begin - mentee_offset, end - mentee_offset)
    best: tuple[float, float, float] | None = None  # (start utc, end utc, shift)
    for shift in (-24.0, 0.0, 24.0):
        mentor_utc = (begin - mentor_offset + shift, end - mentor_offset + shift)
        start, stop = max(mentee_utc[0], mentor_utc[0]), min(mentee_utc[1], mentor_utc[1])
        if stop > start and (best is None or stop - start > best[1] - best[0]):
            best = (start, stop, shift)
    if best is None:
        return None
    start, stop, shift = best
    return SharedHours(
        hours=stop - start,
        mentee_local=f"{_clock(start + mentee_offset)}-{_clock(stop + mentee_offset)}",
        mentor_local=f"{_clock(start + mentor_offset - shift)}-"
                     f"{_clock(stop + mentor_offset - shift)}",
        utc_start=start,
        mentor_day=round(shift / 24),
    )


def _clock(hour: float) -> str:
    minutes = round(hour * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def file_stems(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A filename-safe, unique ``<mentee-id>__<mentor-id>`` stem for each pair of ids.

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``; when two
    different ids would give the same stem, each gets a short hash of its real id.
    """
    pairs = list(dict.fromkeys(pairs))

    def safe(identifier: str) -> str:
        return _UNSAFE_IN_FILENAME.sub("_", identifier).strip("._")[:60] or "id"

    # Each id made safe once (a mentor is in many pairs).
    safe_ids = {identifier: safe(identifier)
                for identifier in {i for pair in pairs for i in pair}}
    stems = {pair: _not_a_device(f"{safe_ids[pair[0]]}__{safe_ids[pair[1]]}")
             for pair in pairs}
    # Compared ignoring case: macOS and Windows would make Ann__x and ann__x one file.
    folded = {pair: stem.casefold() for pair, stem in stems.items()}
    seen = Counter(folded.values())
    for pair, stem in stems.items():
        if seen[folded[pair]] > 1 or stem.lower() in {"all_plans"}:
            digest = hashlib.sha256("\x1f".join(pair).encode()).hexdigest()[:8]
            stems[pair] = f"{stem}-{digest}"
    return stems


#: Names Windows reserves for devices, whatever follows the first dot (aux.md, com1.x.ics).
_DEVICE_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                           *(f"lpt{i}" for i in range(10))})


def _not_a_device(stem: str) -> str:
    """``stem`` with a leading ``_`` when Windows would take it for a device name."""
    return f"_{stem}" if stem.split(".")[0].casefold() in _DEVICE_NAMES else stem


@dataclass
class _Program:
    """What every plan of a run shares, worked out once (schedules, labels, scales), and
    what many plans repeat, remembered the first time, keyed by all it depends on: each
    person's card (a mentor is in many pairs), the withheld spellings of each pair of
    sensitive values and whether each reason names one, each pair of time zones' shared
    hours, the meetings moved for a mentor a day apart, each pair of frequency wishes'
    sentence, each component's screening, each tuple of areas' labels."""

    config: ProgramConfig
    name: str
    day: tuple[float, float]
    labels: Labels
    shown: tuple[str, ...]
    frequency_scale: Vocabulary
    check_ins: str
    primary: tuple[Meeting, ...]
    specialist: dict[str, tuple[Meeting, ...]]  # by the covered area's label
    screen: PairScreen  # the withheld spellings of each pair, and which texts name them
    terms: DistinctiveTerms | None = None
    cycle: CycleContext | None = None
    # What many plans repeat, by what it depends on (see the methods below).
    _cards: dict[tuple[str, str, str], PersonCard] = field(default_factory=dict)
    _hours: dict[tuple[float, float], tuple[SharedHours | None, str]] = field(
        default_factory=dict)
    _moved: dict[tuple[tuple[Meeting, ...], int], tuple[Meeting, ...]] = field(
        default_factory=dict)
    _frequency: dict[tuple[object, ...], str] = field(default_factory=dict)
    _screened: dict[tuple[str, tuple[str, ...]], bool] = field(default_factory=dict)
    _areas: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, config: ProgramConfig) -> _Program:
        return cls(config=config, name=config.program.name,
                   day=program_working_hours(config), labels=Labels.of(config),
                   shown=visible_fields(config.sensitive_fields),
                   frequency_scale=config.vocabulary("frequency"), check_ins=check_ins(config),
                   primary=primary_schedule(config), specialist={},
                   screen=PairScreen(SensitiveValues.of(config)))

    def specialist_meetings(self, area_label: str) -> tuple[Meeting, ...]:
        if area_label not in self.specialist:
            self.specialist[area_label] = specialist_schedule(self.config, area_label)
        return self.specialist[area_label]

    def card(self, side: str, person: Person, role: str) -> PersonCard:
        """A participant's card, once per person and role."""
        key = (side, person.id, role)
        known = self._cards.get(key)
        if known is None:
            known = self._cards[key] = _card(person, role, self.shown, self.labels)
        return known

    def hours(self, mentee: Mentee, mentor: Mentor) -> tuple[SharedHours | None, str]:
        """:func:`_hours` of the pair, once per pair of time zones (when the note names
        nobody: both zones given and shown)."""
        if "time_zone" not in self.shown or mentee.time_zone is None \
                or mentor.time_zone is None:
            return _hours(mentee, mentor, self.day, self.shown)
        key = (mentee.time_zone, mentor.time_zone)
        known = self._hours.get(key)
        if known is None:
            known = self._hours[key] = _hours(mentee, mentor, self.day, self.shown)
        return known

    def moved(self, meetings: tuple[Meeting, ...], mentor_day: int) -> tuple[Meeting, ...]:
        """``meetings`` on days that are working days for the mentee and, ``mentor_day``
        days apart, for the mentor."""
        key = (meetings, mentor_day)
        if key not in self._moved:
            holidays = frozenset(self.config.schedule.holidays)
            self._moved[key] = tuple(
                dataclasses.replace(m, date=working_day(m.date, holidays, (mentor_day,)))
                if m.date else m for m in meetings)
        return self._moved[key]

    def frequency(self, mentee: Mentee, mentor: Mentor, meetings: int,
                  specialist: bool) -> str:
        """:func:`_frequency` of the pair, once per pair of wishes."""
        key = (mentee.frequency, mentor.frequency, meetings, specialist)
        known = self._frequency.get(key)
        if known is None:
            known = self._frequency[key] = _frequency(
                self.frequency_scale, mentee, mentor, meetings, specialist, self.labels,
                "frequency" in self.shown)
        return known

    def area_labels(self, areas: tuple[str, ...]) -> tuple[str, ...]:
        """The labels of canonical areas, once per tuple of areas."""
        known = self._areas.get(areas)
        if known is None:
            known = self._areas[areas] = tuple(self.labels("areas", a) for a in areas)
        return known

    def screened(self, component: ComponentPoints, mentee: Mentee) -> bool:
        """:func:`reads_sensitive`, once per component and mentee's opt-ins."""
        key = (component.name, mentee.preferences if component.name == "preferences" else ())
        known = self._screened.get(key)
        if known is None:
            known = self._screened[key] = reads_sensitive(component, mentee, self.config)
        return known


def build_plans(outcome: MatchOutcome,
                explanations: Mapping[tuple[str, str], PairExplanation],
                cycle: CycleContext | None = None) -> list[PairPlan]:
    """A plan for every pairing of every network, in network order (primary first);
    ``cycle`` (a rematch) makes continuing pairs' plans year-2 plans."""
    return PlanBuilder(outcome, cycle).plans(outcome.networks, explanations)


class PlanBuilder:
    """Builds the plans of a run's networks, any part of them at a time: what every plan
    shares (file names, which need every pair, the schedules, the cohort's distinctive
    terms) is worked out once, here, so that parts built apart (by a forked process
    writing half a run folder) are exactly the plans :func:`build_plans` builds."""

    def __init__(self, outcome: MatchOutcome, cycle: CycleContext | None = None) -> None:
        cohort = outcome.cohort
        self._mentees = {m.id: m for m in cohort.mentees}
        self._mentors = {m.id: m for m in cohort.mentors}
        pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
        self._stems = file_stems(pairs)
        self._program = dataclasses.replace(_Program.of(outcome.config), cycle=cycle)
        if pairs:
            self._program.terms = DistinctiveTerms.of(cohort, outcome.features)
        self._rows = (outcome.encoder.mentee_index, outcome.encoder.mentor_index)

    def plans(self, networks: Iterable[Network],
              explanations: Mapping[tuple[str, str], PairExplanation]) -> list[PairPlan]:
        """A plan for every pairing of ``networks`` (networks of the builder's outcome), in
        their order; ``explanations`` must hold each of those pairs."""
        program, mentees, mentors = self._program, self._mentees, self._mentors
        pairs = [(network, pairing) for network in networks for pairing in network.pairings]
        terms: list[tuple[str, ...]] = [()] * len(pairs)
        if program.terms is not None and pairs:
            terms = program.terms.shared_by_pairs(
                np.array([self._rows[0][p.mentee_id] for _, p in pairs], dtype=np.intp),
                np.array([self._rows[1][p.mentor_id] for _, p in pairs], dtype=np.intp),
                [mentees[p.mentee_id].goals for _, p in pairs])
        return [_plan(program, network, pairing, mentees[pairing.mentee_id],
                      mentors[pairing.mentor_id],
                      explanations[(pairing.mentee_id, pairing.mentor_id)],
                      self._stems[(pairing.mentee_id, pairing.mentor_id)], mentors, shared)
                for (network, pairing), shared in zip(pairs, terms, strict=True)]


def _plan(program: _Program, network: Network, pairing: Pairing, mentee: Mentee,
          mentor: Mentor, explanation: PairExplanation, stem: str,
          mentors: Mapping[str, Mentor], shared_terms: tuple[str, ...]) -> PairPlan:
    labels = program.labels
    withheld = program.screen.withheld(mentee, mentor)
    names_withheld = partial(program.screen.named, withheld=withheld)
    shared_terms = tuple(term for term in shared_terms if not names_withheld(term))
    specialist = pairing.role == "specialist"
    covers_label = _covers_label(pairing.covers, labels)
    shared_areas = program.area_labels(explanation.shared_areas)
    focus = _focus(pairing, mentee, covers_label, shared_areas, labels) if specialist else None
    if specialist:
        meetings = program.specialist_meetings(focus or "the area they cover")
    else:
        meetings = program.primary
    modes, modes_note = _modes(mentee, mentor, explanation, labels, program.shown)
    hours, hours_note = program.hours(mentee, mentor)
    if hours is not None and hours.mentor_day:
        # The mentor's calendar day differs from the mentee's: both must be working days.
        meetings = program.moved(meetings, hours.mentor_day)
    year = program.cycle.year if program.cycle else 1
    continuing = program.cycle is not None and (mentee.id, mentor.id) in program.cycle.continuing
    previous_goals = program.cycle.previous_goals.get(mentee.id, "").strip() \
        if program.cycle else ""
    new_goals = program.cycle.new_goals.get(mentee.id, "").strip() if program.cycle else ""
    if continuing:
        meetings = (_year_two_opening(meetings[0], mentee, focus, bool(new_goals)),
                    *meetings[1:])
    return PairPlan(
        program=program.name,
        file_stem=stem,
        role=pairing.role,
        covers=pairing.covers,
        covers_label=covers_label,
        score=pairing.score,
        mentee=program.card("mentee", mentee, "Mentee"),
        mentor=program.card("mentor", mentor, _mentor_role(pairing, covers_label)),
        reasons=_reasons(explanation, mentee, program, names_withheld),
        goals=mentee.goals.strip(),
        need_areas=program.area_labels(mentee.need_areas),
        agenda=meetings[0].agenda,
        shared_areas=shared_areas,
        shared_terms=shared_terms,
        talking_points=_talking_points(shared_areas, shared_terms, pairing, focus, mentee),
        mentee_preparation=_mentee_preparation(mentee, mentor, pairing, focus, continuing),
        mentor_preparation=_mentor_preparation(mentee, pairing, focus, continuing),
        modes=modes,
        modes_note=modes_note,
        shared_hours=hours,
        hours_note=hours_note,
        frequency=program.frequency(mentee, mentor, len(meetings), specialist),
        meetings=meetings,
        check_ins="" if specialist else program.check_ins,
        network=_network_phrases(network, pairing, mentors, labels),
        focus=focus,
        title=_title(pairing, focus, year, continuing),
        year=year,
        continuing=continuing,
        previous_goals=previous_goals if continuing else "",
        new_goals=new_goals,
    )


def _reasons(explanation: PairExplanation, mentee: Mentee, program: _Program,
             names_withheld: Callable[[str], bool]) -> tuple[str, ...]:
    """The explanation's top reasons, leaving out silently any that would tell a sensitive
    attribute: one resting on a sensitive field (the time zones' hours apart, the modes both
    use, a same-gender preference honoured: each tells one side the other's value), and one
    naming a sensitive value. Screened in rank order, until enough are kept."""
    # Highest points first, ties in the explanation's order (a stable sort; points > 0
    # leaves no NaN to compare).
    scored = sorted((c for c in explanation.components if c.points > 0 and not c.neutral),
                    key=_points, reverse=True)
    ranked = chain((f"Not eligible: {sentence}" for sentence in explanation.rule_sentences),
                   (c.evidence for c in scored if not program.screened(c, mentee)))
    return tuple(islice((r for r in ranked if not names_withheld(r)), REASONS_SHOWN))


def _focus(pairing: Pairing, mentee: Mentee, covers_label: str | None,
           shared_areas: tuple[str, ...], labels: Labels) -> str:
    """What a specialist's sessions are about: the area an area specialist covers; for a
    coach the skill (an area both share, else the mentee's first need); for an advisor the
    area of the mentee's question."""
    if pairing.covers not in ("coach", "advisor"):
        return covers_label or "the area they cover"
    needs = tuple(labels("areas", a) for a in mentee.need_areas)
    subject = next(iter(shared_areas or needs), "")
    if pairing.covers == "coach":
        return subject or "the skill the mentee wants to build"
    return subject or "the mentee's career direction"


def _title(pairing: Pairing, focus: str | None, year: int, continuing: bool) -> str:
    """The plan's heading, fitted to the role (and to a continuing pair's year)."""
    if pairing.role == "primary":
        return f"Year-{year} plan" if continuing else "First-meeting plan"
    if pairing.covers == "coach":
        kind = f"Coaching on {focus}"
    elif pairing.covers == "advisor":
        kind = f"Advice on {focus}"
    else:
        kind = f"{focus} sessions"
    return f"{kind}, year {year}" if continuing else kind


def _year_two_opening(first: Meeting, mentee: Mentee, focus: str | None,
                      has_new_goals: bool) -> Meeting:
    """Meeting 1 of a continuing pair: review last year, set this year's goals."""
    goals_item = ("Go through the new goals written at the month-12 meeting (above) and make "
                  "them specific: what, by when, and how you will both know."
                  if has_new_goals else
                  "Set this year's goals together: two or three for the year, written down.")
    agenda = (
        "Review last year's goals (above): what was reached, what changed, what still "
        "matters.",
        goals_item,
        "What worked in how you met last year, and what to change: mode, frequency, time "
        "each of you can give.",
        *((f"Decide whether the focused sessions on {focus} continue, or hand back to the "
           "primary mentor.",) if focus else ()),
        "Put the month-3 check-in in both calendars.",
    )
    return dataclasses.replace(
        first, title="Year review and new goals",
        purpose=f"Review the year behind you and set {mentee.name}'s goals for the year ahead.",
        agenda=agenda)


def _covers_label(covers: str | None, labels: Labels) -> str | None:
    if not covers:
        return None
    if covers in ("coach", "advisor"):
        return readable(covers)
    return labels("areas", covers)


def _card(person: Person, role: str, shown: tuple[str, ...], labels: Labels) -> PersonCard:
    details: list[tuple[str, str]] = []
    if "career_stage" in shown and person.career_stage:
        details.append(("Career stage", labels("career_stage", person.career_stage)))
    if "specialty" in shown and person.specialty:
        details.append(("Specialty", person.specialty))
    if "institution" in shown and person.institution:
        details.append(("Institution", labels("institutions", person.institution)))
    return PersonCard(
        id=person.id,
        name=person.name if "name" in shown else person.id,
        email=person.email if "email" in shown else "",
        role=role,
        details=tuple(details),
        time_zone=time_zone_label(person.time_zone) if "time_zone" in shown else "",
    )


def _mentor_role(pairing: Pairing, covers_label: str | None) -> str:
    if pairing.role == "primary":
        return "Primary mentor"
    if pairing.covers in ("coach", "advisor"):
        return readable(pairing.covers)
    return f"Specialist mentor for {covers_label}" if covers_label else "Specialist mentor"


def _talking_points(shared_areas: tuple[str, ...], shared_terms: tuple[str, ...],
                    pairing: Pairing, focus: str | None, mentee: Mentee) -> tuple[str, ...]:
    points = []
    if pairing.covers == "coach":
        points.append(f"{focus}: what {mentee.name} can do today, one exercise to practise "
                      "before the next session, and how you will both see progress.")
    elif pairing.covers == "advisor":
        points.append(f"The question {mentee.name} brings about {focus}: the options, what "
                      "the advisor would weigh, and who else could help.")
    elif focus:
        points.append(f"{focus}: where the mentee stands today and the one thing "
                      f"that would help most in the next few months.")
    for area in shared_areas:
        if area != focus:
            points.append(f"{area}: how the mentor got where they are in it, and what the "
                          f"mentee wants to do next.")
    if shared_terms:
        quoted = ", ".join(f"\u201c{term}\u201d" for term in shared_terms)
        points.append(f"You both wrote about {quoted}: compare what each of you means by it.")
    if not points:
        points.append("You have no area in common on paper: ask what drew each of you to "
                      "the program, and what the mentee hopes an outside view brings.")
    return tuple(points)


def _mentee_preparation(mentee: Mentee, mentor: Mentor, pairing: Pairing, focus: str | None,
                        continuing: bool) -> tuple[str, ...]:
    steps = [
        "Draft your own goals before the meeting: two or three for this year, and one "
        "for the next five. Write them down and bring them.",
        "Note your strengths, the challenges you face, and what you want from "
        f"{mentor.name}.",
        "Decide how often you would like to meet and how you prefer to be contacted.",
    ]
    if pairing.covers == "coach":
        steps[0] = (f"Pick one situation this term where {focus} matters to you, and bring "
                    "it: what you tried, and what you want to do better.")
    elif pairing.covers == "advisor":
        steps[0] = ("Write your question in one or two sentences, with the options you have "
                    "already considered and the decision date, if there is one.")
    elif focus:
        steps[0] = (f"Write down what you want to achieve in {focus} over the next "
                    f"few months, and one concrete question to start with.")
    if continuing:
        steps[0] = ("Read last year's goals again (above): note what you reached, what "
                    "changed, and two or three goals for this year.")
    if not mentee.goals.strip():
        steps.append("You did not write goals on the sign-up form: please send them to your "
                     "mentor a few days before the meeting.")
    return tuple(steps)


def _mentor_preparation(mentee: Mentee, pairing: Pairing, focus: str | None,
                        continuing: bool) -> tuple[str, ...]:
    steps = [
        f"Read {mentee.name}'s profile and goals above.",
        "Think of one experience of your own that speaks to those goals, and one contact "
        "or resource you could share later in the year.",
        "Decide how much time you can give this year, and say so at the first meeting.",
    ]
    if pairing.covers == "coach":
        steps[1] = (f"Prepare one exercise in {focus} the mentee can practise between "
                    "sessions, and how you will give feedback on it.")
    elif pairing.covers == "advisor":
        steps[1] = ("Note the options you see for the mentee's question, what you would weigh, "
                    "and one person or resource who could help further.")
    elif focus:
        steps[1] = (f"Think of one concrete exercise or resource in {focus} that fits "
                    f"the mentee's goals.")
    if focus:
        steps[2] = "Agree the number of sessions up front: a few, over a few months."
    if continuing:
        steps[1] = ("Look back on the year: one thing that went well between you, and one you "
                    "would change.")
    return tuple(steps)


def _modes(mentee: Mentee, mentor: Mentor, explanation: PairExplanation,
           labels: Labels, shown: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    if "modes" not in shown:  # sensitive: neither side learns the other's
        return (), "Agree how you will meet when you first write to each other."
    shared = explanation.shared_modes or tuple(m for m in mentee.modes if m in mentor.modes)
    if shared:
        return tuple(labels("modes", m) for m in shared), ""
    if not mentee.modes or not mentor.modes:
        return (), "One of you did not say how you prefer to meet: agree a mode when you first " \
                   "write to each other."
    return (), (f"You chose different ways to meet ({mentee.name}: "
                f"{', '.join(labels('modes', m) for m in mentee.modes)}; {mentor.name}: "
                f"{', '.join(labels('modes', m) for m in mentor.modes)}): agree one together.")


def _hours(mentee: Mentee, mentor: Mentor, day: tuple[float, float],
           shown: tuple[str, ...]) -> tuple[SharedHours | None, str]:
    span = f"{_clock(day[0])}-{_clock(day[1])}"
    if "time_zone" not in shown:  # sensitive: shared hours would tell each side the other's
        return None, "Agree a time that suits you both when you first write to each other."
    if mentee.time_zone is None or mentor.time_zone is None:
        missing = " and ".join(p.name for p in (mentee, mentor) if p.time_zone is None)
        return None, (f"Unknown: {missing} did not give a time zone. Agree a time when you "
                      f"first write to each other.")
    hours = shared_working_hours(mentee.time_zone, mentor.time_zone, day)
    if hours is None:
        return None, (f"Your working days ({span} local time) do not overlap: one of you will "
                      f"meet outside working hours, or use messages.")
    plural = "" if hours.hours == 1 else "s"
    return hours, f"{hours.hours:g} hour{plural} of a {span} working day."


def _frequency(scale: Vocabulary, mentee: Mentee, mentor: Mentor, meetings: int,
               specialist: bool, labels: Labels, shown: bool = True) -> str:
    if specialist:
        return f"{meetings} focused sessions, as listed below; messages in between as needed."
    stated = [f for f in (mentee.frequency, mentor.frequency) if f in scale.values and shown]
    if not stated:
        return (f"The {meetings} meetings below, with monthly check-ins by message if you "
                f"both find them useful.")
    # The less frequent of the two wishes: it respects the mentor's limited time, and the
    # mentee can always ask for an extra meeting before a major decision.
    chosen = max(stated, key=scale.rank)
    both = len(set(stated)) == 1 and len(stated) == 2
    why = "you both asked for it" if both else "the less frequent of your two wishes"
    return f"{labels('frequency', chosen)} contact ({why}), around the {meetings} meetings below."


def _network_phrases(network: Network, current: Pairing, mentors: Mapping[str, Mentor],
                     labels: Labels) -> tuple[str, ...]:
    phrases = []
    for other in network.pairings:
        if other.mentor_id == current.mentor_id:
            continue
        name = mentors[other.mentor_id].name
        if other.role == "primary":
            phrases.append(f"{name} (primary mentor)")
        else:
            phrases.append(f"{name} ({_covers_label(other.covers, labels) or 'specialist'})")
    return tuple(phrases)
