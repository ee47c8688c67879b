"""First-meeting plans: what each pair needs to start well, as records ready for templates.

A plan says who the two are (never their sensitive attributes), why they were matched (the
explanation's top reasons), the mentee's goals in their own words, the agenda of the first
meeting, talking points from the areas and terms they share, preparation for each side,
logistics (modes, the working hours their time zones share, a suggested frequency) and the
rest of the year. A specialist gets a shorter series focused on the area they cover.
Rendering to Markdown / HTML lives in :mod:`matcher.outputs.templating`; this module only decides
the content.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from matcher.outcome import MatchOutcome, Network, Pairing
from matcher.outputs.privacy import redact, sensitive_values, visible_fields
from matcher.outputs.schedule import Meeting, check_ins, primary_schedule, specialist_schedule
from matcher.outputs.schedule import working_hours as program_working_hours
from matcher.runfolder.layout import REASONS_SHOWN
from scoring.config import ProgramConfig, Vocabulary
from scoring.explain import PairExplanation
from scoring.profiles import Mentee, Mentor, Person

_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class PersonCard:
    """What a plan shows of one participant: only the fields the program allows."""

    id: str
    name: str
    email: str
    role: str  # "Mentee", "Mentor", "Coach", "Advisor" ...
    details: tuple[tuple[str, str], ...]  # (label, value) for career stage, specialty ...
    time_zone: str  # "UTC+5:30", or "not given"


@dataclass(frozen=True)
class SharedHours:
    """Working hours both sides share on a working day, in each side's local time."""

    hours: float
    mentee_local: str  # "09:00-11:30"
    mentor_local: str


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

    @classmethod
    def of(cls, config: ProgramConfig) -> Labels:
        return cls(config.vocabulary_tables())

    def __call__(self, vocabulary: str, value: str) -> str:
        """The first synonym when written for people (it has capitals, like the label on
        the sign-up form), else the canonical value made readable."""
        table = self.tables.get(vocabulary, {})
        if value not in table:
            # The explainer names values as text ("grant writing"): find their canonical key.
            value = next((key for key in table if key.replace("_", " ") == value), value)
        synonyms = table.get(value) or []
        first = str(synonyms[0]) if synonyms else ""
        return first if first != first.lower() else readable(value)


def time_zone_label(offset: float | None) -> str:
    """A UTC offset in hours as ``UTC+5:30`` / ``UTC-3`` / ``UTC``, or ``not given``."""
    if offset is None:
        return "not given"
    if offset == 0:
        return "UTC"
    sign = "+" if offset > 0 else "-"
    minutes = round(abs(offset) * 60)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


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

    stems = {pair: _not_a_device(f"{safe(pair[0])}__{safe(pair[1])}") for pair in pairs}
    # Compared ignoring case: macOS and Windows would make Ann__x and ann__x one file.
    seen: dict[str, int] = {}
    for stem in stems.values():
        seen[stem.casefold()] = seen.get(stem.casefold(), 0) + 1
    for pair, stem in stems.items():
        if seen[stem.casefold()] > 1 or stem.lower() in {"all_plans"}:
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
    """What every plan of a run shares, worked out once (schedules, labels, scales)."""

    config: ProgramConfig
    name: str
    day: tuple[float, float]
    labels: Labels
    shown: tuple[str, ...]
    frequency_scale: Vocabulary
    check_ins: str
    primary: tuple[Meeting, ...]
    specialist: dict[str, tuple[Meeting, ...]]  # by the covered area's label

    @classmethod
    def of(cls, config: ProgramConfig) -> _Program:
        return cls(config=config, name=config.program.name,
                   day=program_working_hours(config), labels=Labels.of(config),
                   shown=visible_fields(config.sensitive_fields),
                   frequency_scale=config.vocabulary("frequency"), check_ins=check_ins(config),
                   primary=primary_schedule(config), specialist={})

    def specialist_meetings(self, area_label: str) -> tuple[Meeting, ...]:
        if area_label not in self.specialist:
            self.specialist[area_label] = specialist_schedule(self.config, area_label)
        return self.specialist[area_label]


def build_plans(outcome: MatchOutcome,
                explanations: Mapping[tuple[str, str], PairExplanation]) -> list[PairPlan]:
    """A plan for every pairing of every network, in network order (primary first)."""
    cohort = outcome.cohort
    mentees = {m.id: m for m in cohort.mentees}
    mentors = {m.id: m for m in cohort.mentors}
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    stems = file_stems(pairs)
    program = _Program.of(outcome.config)
    plans = []
    for network in outcome.networks:
        for pairing in network.pairings:
            key = (pairing.mentee_id, pairing.mentor_id)
            plans.append(_plan(program, network, pairing, mentees[key[0]], mentors[key[1]],
                               explanations[key], stems[key], mentors))
    return plans


def _plan(program: _Program, network: Network, pairing: Pairing, mentee: Mentee,
          mentor: Mentor, explanation: PairExplanation, stem: str,
          mentors: Mapping[str, Mentor]) -> PairPlan:
    config, labels = program.config, program.labels
    withheld = sensitive_values((mentee, mentor), config.sensitive_fields)
    specialist = pairing.role == "specialist"
    covers_label = _covers_label(pairing.covers, labels)
    if specialist:
        meetings = program.specialist_meetings(covers_label or "the area they cover")
    else:
        meetings = program.primary
    shared_areas = tuple(labels("areas", a) for a in explanation.shared_areas)
    shared_terms = tuple(explanation.shared_terms)
    modes, modes_note = _modes(mentee, mentor, explanation, labels)
    hours, hours_note = _hours(mentee, mentor, program.day)
    return PairPlan(
        program=program.name,
        file_stem=stem,
        role=pairing.role,
        covers=pairing.covers,
        covers_label=covers_label,
        score=pairing.score,
        mentee=_card(mentee, "Mentee", program.shown, labels),
        mentor=_card(mentor, _mentor_role(pairing, covers_label), program.shown, labels),
        reasons=tuple(redact(r, withheld) for r in explanation.reasons(REASONS_SHOWN)),
        goals=mentee.goals.strip(),
        need_areas=tuple(labels("areas", a) for a in mentee.need_areas),
        agenda=meetings[0].agenda,
        shared_areas=shared_areas,
        shared_terms=shared_terms,
        talking_points=_talking_points(shared_areas, shared_terms, covers_label, specialist),
        mentee_preparation=_mentee_preparation(mentee, mentor, covers_label, specialist),
        mentor_preparation=_mentor_preparation(mentee, covers_label, specialist),
        modes=modes,
        modes_note=modes_note,
        shared_hours=hours,
        hours_note=hours_note,
        frequency=_frequency(program.frequency_scale, mentee, mentor, len(meetings),
                             specialist, labels),
        meetings=meetings,
        check_ins="" if specialist else program.check_ins,
        network=_network_phrases(network, pairing, mentors, labels),
    )


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
        time_zone=time_zone_label(person.time_zone),
    )


def _mentor_role(pairing: Pairing, covers_label: str | None) -> str:
    if pairing.role == "primary":
        return "Primary mentor"
    if pairing.covers in ("coach", "advisor"):
        return readable(pairing.covers)
    return f"Specialist mentor for {covers_label}" if covers_label else "Specialist mentor"


def _talking_points(shared_areas: tuple[str, ...], shared_terms: tuple[str, ...],
                    covers_label: str | None, specialist: bool) -> tuple[str, ...]:
    points = []
    if specialist and covers_label:
        points.append(f"{covers_label}: where the mentee stands today and the one thing "
                      f"that would help most in the next few months.")
    for area in shared_areas:
        if area != covers_label:
            points.append(f"{area}: how the mentor got where they are in it, and what the "
                          f"mentee wants to do next.")
    if shared_terms:
        quoted = ", ".join(f"\u201c{term}\u201d" for term in shared_terms)
        points.append(f"You both wrote about {quoted}: compare what each of you means by it.")
    if not points:
        points.append("You have no area in common on paper: ask what drew each of you to "
                      "the program, and what the mentee hopes an outside view brings.")
    return tuple(points)


def _mentee_preparation(mentee: Mentee, mentor: Mentor, covers_label: str | None,
                        specialist: bool) -> tuple[str, ...]:
    steps = [
        "Draft your own goals before the meeting: two or three for this year, and one "
        "for the next five. Write them down and bring them.",
        "Note your strengths, the challenges you face, and what you want from "
        f"{mentor.name}.",
        "Decide how often you would like to meet and how you prefer to be contacted.",
    ]
    if specialist and covers_label:
        steps[0] = (f"Write down what you want to achieve in {covers_label} over the next "
                    f"few months, and one concrete question to start with.")
    if not mentee.goals.strip():
        steps.append("You did not write goals on the sign-up form: please send them to your "
                     "mentor a few days before the meeting.")
    return tuple(steps)


def _mentor_preparation(mentee: Mentee, covers_label: str | None,
                        specialist: bool) -> tuple[str, ...]:
    steps = [
        f"Read {mentee.name}'s profile and goals below.",
        "Think of one experience of your own that speaks to those goals, and one contact "
        "or resource you could share later in the year.",
        "Decide how much time you can give this year, and say so at the first meeting.",
    ]
    if specialist and covers_label:
        steps[1] = (f"Think of one concrete exercise or resource in {covers_label} that fits "
                    f"the mentee's goals.")
        steps[2] = "Agree the number of sessions up front: a few, over a few months."
    return tuple(steps)


def _modes(mentee: Mentee, mentor: Mentor, explanation: PairExplanation,
           labels: Labels) -> tuple[tuple[str, ...], str]:
    shared = explanation.shared_modes or tuple(m for m in mentee.modes if m in mentor.modes)
    if shared:
        return tuple(labels("modes", m) for m in shared), ""
    if not mentee.modes or not mentor.modes:
        return (), "One of you did not say how you prefer to meet: agree a mode when you first " \
                   "write to each other."
    return (), (f"You chose different ways to meet ({mentee.name}: "
                f"{', '.join(labels('modes', m) for m in mentee.modes)}; {mentor.name}: "
                f"{', '.join(labels('modes', m) for m in mentor.modes)}): agree one together.")


def _hours(mentee: Mentee, mentor: Mentor,
           day: tuple[float, float]) -> tuple[SharedHours | None, str]:
    span = f"{_clock(day[0])}-{_clock(day[1])}"
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
               specialist: bool, labels: Labels) -> str:
    if specialist:
        return f"{meetings} focused sessions, as listed below; messages in between as needed."
    stated = [f for f in (mentee.frequency, mentor.frequency) if f in scale.values]
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
