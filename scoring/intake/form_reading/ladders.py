"""Career-stage ladders: put a form's stage answers in seniority order.

A form's stage question (career stage, training level, academic rank, grade, year of
study, role in the lab) is answered from one of a few common ladders. Each
:class:`Ladder` is a list of rungs, most junior first; each rung is recognised by word
patterns matched against the folded answer (:func:`scoring.text.fold`). The ladder that
recognises most of a column's answers orders them; answers it does not know, and columns
no ladder knows, are ordered by **evidence**: a stage held mostly by mentees is junior,
one held mostly by mentors senior. :func:`order_stages` says which of the two it did, so
the config and ``validate`` can tell the coordinator that a guessed order must be checked.
Numbered levels ("Level 3", "Band 5", "GS-12", "P4") are ordered by their number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scoring.text import fold


@dataclass(frozen=True)
class Rung:
    """One step of a ladder: its canonical key and the patterns that recognise it."""

    key: str
    patterns: tuple[str, ...]

    def matches(self, folded: str) -> bool:
        return any(re.search(pattern, folded) for pattern in self.patterns)


@dataclass(frozen=True)
class Ladder:
    """A known seniority scale, most junior rung first."""

    name: str
    rungs: tuple[Rung, ...]

    def rank(self, answer: str) -> int | None:
        """Position of ``answer`` on this ladder (the first rung whose pattern matches)."""
        folded = fold(answer)
        return next((i for i, rung in enumerate(self.rungs) if rung.matches(folded)), None)


def _ladder(name: str, *rungs: tuple[str, str]) -> Ladder:
    return Ladder(name, tuple(Rung(key, (pattern,)) for key, pattern in rungs))


#: The ladders init knows, checked in this order (an earlier ladder wins a tie). Patterns
#: are regular expressions on folded text; a more specific rung comes first in its ladder
#: where patterns overlap ("senior attending" before "attending").
LADDERS: tuple[Ladder, ...] = (
    _ladder(
        "medical training",
        ("medical_student", r"\b(medical|med) student|\bms ?[1-4]\b|^student$"),
        ("resident", r"\bresident|\bpgy|\bintern\b|\bregistrar|house officer|\bhouse staff"),
        ("fellow", r"\bfellow"),
        ("early_career_faculty", r"early[ -]?career|junior (faculty|attending|consultant)"
                                 r"|\b0 (to )?5 years|new attending|assistant professor"),
        ("mid_career_faculty", r"mid[ -]?career|\b6 (to )?15 years|associate professor"),
        ("senior_faculty", r"senior (attending|faculty|consultant)|more than 15 years"
                           r"|\b15\+? years|\bfull professor|^professor|department chair"
                           r"|\bchair\b|^senior$"),
    ),
    _ladder(
        "academic ranks",
        ("teaching_fellow", r"teaching (fellow|assistant)|graduate assistant"),
        ("instructor", r"\binstructor|\blecturer\b(?! senior)|^lecturer|adjunct"),
        ("senior_lecturer", r"senior lecturer|reader\b"),
        ("assistant_professor", r"assistant prof"),
        ("associate_professor", r"associate prof"),
        ("professor", r"^(full )?prof(essor)?\b(?!.*emerit)|\bfull prof|chair(ed)? prof"),
        ("distinguished_professor", r"distinguished|endowed|emerit|regius|university prof"),
    ),
    _ladder(
        "student years",
        ("first_year", r"first year|\b1st year|\byear 1\b|freshman|fresher"),
        ("second_year", r"second year|\b2nd year|\byear 2\b|sophomore"),
        ("third_year", r"third year|\b3rd year|\byear 3\b|^junior\b"),
        ("fourth_year", r"fourth year|\b4th year|\byear 4\b|final year|^senior\b"),
        ("masters", r"master|\bmsc\b|\bma\b|\bmba\b|\bmeng\b"),
        ("doctoral", r"\bphd|doctoral|doctorate"),
        ("alumni", r"alumn|graduate(d)?$"),
    ),
    _ladder(
        "research roles",
        ("undergraduate", r"undergrad|bachelor|licenciatura"),
        ("masters_student", r"master s student|\bmsc student|maestria|mestrado"),
        ("graduate_student", r"\bgrad(uate)? student|^grad$|\bphd (student|candidate)"
                             r"|doctoral (student|candidate)|estudiante de doctorado|doutorando"),
        ("postdoc", r"post ?doc"),
        ("research_staff", r"(research|staff) scientist|research associate"
                           r"|research fellow"),
        ("faculty", r"faculty|principal investigator|\bpi\b|group leader|lab head"),
    ),
    _ladder(
        "civil-service grades",
        ("aa", r"^aa$|administrative assistant"),
        ("ao", r"^ao$|administrative officer"),
        ("eo", r"^eo$|^executive officer"),
        ("heo", r"\bheo\b|higher executive"),
        ("seo", r"\bseo\b|senior executive officer"),
        ("grade_7", r"grade 7|\bg7\b"),
        ("grade_6", r"grade 6|\bg6\b"),
        ("scs", r"\bscs|senior civil service|deputy director|director general"),
    ),
    _ladder(
        "company grades",
        ("intern", r"\bintern|apprentice|trainee|graduate scheme"),
        ("junior", r"junior|^(?!senior).*associate$|^associate\b(?!.*director)|entry"
                   r"|analyst"),
        ("mid", r"^mid|intermediate|^(software |)engineer$|specialist|^senior associate"),
        ("senior", r"^senior(?! (manager|director|vice))|\bsenior (engineer|analyst|staff)"),
        ("lead", r"\blead\b|team lead|principal|staff engineer|^manager|supervisor"),
        ("senior_manager", r"senior manager|head of"),
        ("director", r"(?<!vice )\bdirector|\bdirector$"),
        ("executive", r"vice president|\bvp\b|chief|\bc[eotf]o\b|partner|executive"),
    ),
)

#: Numbered levels: a word for a level and its number ("Level 3", "Band 5", "GS-12",
#: "P4", "L5"); ordered by the number, higher more senior.
_NUMBERED = re.compile(r"^(?:level|band|grade|gs|pay grade|step|tier|l|p|g|m|ic)\s*(\d{1,2})"
                       r"(?:\s|$)")
#: A ladder must recognise at least this share of a column's distinct answers to order it.
MIN_LADDER_SHARE = 0.6


@dataclass(frozen=True)
class StageOrder:
    """The stage vocabulary init writes: canonical key → the form's spellings, in order."""

    table: dict[str, list[str]]
    ladder: str | None  # the known ladder used, or None
    guessed: tuple[str, ...]  # keys placed by evidence (mentors vs mentees), not a ladder

    @property
    def is_guessed(self) -> bool:
        return bool(self.guessed)


def numbered_level(answer: str) -> int | None:
    """The number of a numbered-level answer ("Band 5" → 5), else None."""
    found = _NUMBERED.match(fold(answer))
    return int(found.group(1)) if found else None


def best_ladder(answers: Sequence[str]) -> tuple[Ladder | None, float]:
    """The known ladder recognising most of ``answers``, and the share it recognises."""
    best: tuple[Ladder | None, float] = (None, 0.0)
    for ladder in LADDERS:
        share = sum(ladder.rank(a) is not None for a in answers) / max(len(answers), 1)
        if share > best[1]:
            best = (ladder, share)
    return best


def recognised_share(answers: Sequence[str]) -> float:
    """Share of ``answers`` a known ladder or a numbered level recognises."""
    ladder, share = best_ladder(answers)
    numbered = sum(numbered_level(a) is not None for a in answers) / max(len(answers), 1)
    return max(share, numbered)


def _slug(text: str) -> str:
    return fold(text).replace(" ", "_") or "stage"


def order_stages(mentor_counts: Mapping[str, int],
                 mentee_counts: Mapping[str, int]) -> StageOrder:
    """Order the stage answers of both sheets, most junior first.

    ``*_counts`` map each distinct answer (as first written) to how many people on that
    side gave it. Answers on a known ladder go to its rung (several spellings of one rung
    share its key); numbered levels go by number; the rest are placed by their mentor
    share among the ladder's rungs, and reported as guessed.
    """
    answers = list(dict.fromkeys([*mentor_counts, *mentee_counts]))
    ladder, share = best_ladder(answers)
    numbered_share = sum(numbered_level(a) is not None for a in answers) / max(len(answers), 1)
    position: dict[str, float] = {}  # answer -> position on the scale
    keys: dict[str, str] = {}  # answer -> canonical key
    name: str | None = None
    if ladder is not None and share >= MIN_LADDER_SHARE and share >= numbered_share:
        name = ladder.name
        for answer in answers:
            rank = ladder.rank(answer)
            if rank is not None:
                # "PGY-1" < "PGY-2" on one rung: the first number orders within it.
                step = re.search(r"\d+", answer)
                position[answer] = rank + (int(step[0]) / 1000 if step else 0.0)
                keys[answer] = ladder.rungs[rank].key
        _split_numbered_rungs(keys, position)
    elif numbered_share >= MIN_LADDER_SHARE:
        name = "numbered levels"
        for answer in answers:
            number = numbered_level(answer)
            if number is not None:
                position[answer] = float(number)
                keys[answer] = _slug(answer)
    guessed = [a for a in answers if a not in position]
    _place_by_evidence(guessed, position, mentor_counts, mentee_counts)
    for answer in guessed:
        keys[answer] = _slug(answer)
    table: dict[str, list[str]] = {}
    given = {a: mentor_counts.get(a, 0) + mentee_counts.get(a, 0) for a in answers}
    # Within a rung, the most given spelling first: it is the label plans show.
    for answer in sorted(answers, key=lambda a: (position[a], -given[a])):
        spellings = table.setdefault(keys[answer], [])
        if answer not in spellings:
            spellings.append(answer)
    guessed_keys = {keys[a] for a in guessed}
    return StageOrder(table=table, ladder=name,
                      guessed=tuple(k for k in table if k in guessed_keys))


def _split_numbered_rungs(keys: dict[str, str], position: dict[str, float]) -> None:
    """Give answers their own key where one rung holds several numbered steps ("PGY-1",
    "PGY-2"); where some answers of a rung have no number, they are one step."""
    by_key: dict[str, list[str]] = {}
    for answer, key in keys.items():
        by_key.setdefault(key, []).append(answer)
    for answers in by_key.values():
        numbered = all(re.search(r"\d", a) for a in answers)
        if numbered and len({position[a] for a in answers}) > 1:
            for answer in answers:
                keys[answer] = _slug(answer)
        else:
            for answer in answers:
                position[answer] = float(int(position[answer]))


def mentor_share(answer: str, mentor_counts: Mapping[str, int],
                 mentee_counts: Mapping[str, int]) -> float:
    """Share of the people giving ``answer`` who are mentors (0.5 when nobody did)."""
    mentors, mentees = mentor_counts.get(answer, 0), mentee_counts.get(answer, 0)
    return mentors / (mentors + mentees) if mentors + mentees else 0.5


def _place_by_evidence(guessed: Sequence[str], position: dict[str, float],
                       mentor_counts: Mapping[str, int],
                       mentee_counts: Mapping[str, int]) -> None:
    """Give each guessed answer a position: between the known stages whose mentor share
    brackets its own, or (with no known stages) by mentor share alone."""
    if not guessed:
        return
    share = {a: mentor_share(a, mentor_counts, mentee_counts) for a in guessed}
    if not position:
        for rank, answer in enumerate(sorted(guessed, key=lambda a: (share[a], a))):
            position[answer] = float(rank)
        return
    known = sorted(position, key=lambda a: position[a])
    known_share = {a: mentor_share(a, mentor_counts, mentee_counts) for a in known}
    for answer in guessed:
        below = [position[a] for a in known if known_share[a] <= share[answer]]
        position[answer] = (max(below) if below else min(position.values()) - 1) + 0.5
