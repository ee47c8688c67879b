"""The setup wizard's calls into the product: answers read as the product reads them, and
the live preview of rules and weights.

This is :mod:`service.actions`' door for the wizard's later steps (kept apart so the two
files can change independently): :mod:`service.wizard` imports nothing of ``scoring`` or
``matcher`` and comes here instead. Every function reads the sheets with the product's own
code (:func:`~scoring.intake.normalise.split_values`, :class:`~scoring.config.Vocabulary`,
:func:`~scoring.intake.cohort.read_cohort`, :func:`~scoring.scorer.score_block`,
:func:`~scoring.diagnostics.diagnose`), so what the wizard shows is what a match will do.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scoring.config import DEFAULTS, FIELD_VOCABULARY, MULTI_VALUE_FIELDS, Vocabulary
from scoring.config.matching import ORDERED_FIELDS
from scoring.errors import InputError
from scoring.intake.form_reading.vocabularies import CLOSED_VOCABULARIES, value_key
from scoring.intake.normalise import split_values
from scoring.text import fold

#: Vocabularies whose keys are a scale (their order matters): a ladder in the wizard.
ORDERED_VOCABULARIES: tuple[str, ...] = tuple(FIELD_VOCABULARY[f] for f in ORDERED_FIELDS)
#: The field → vocabulary its answers are read against (institution: an optional lookup).
ANSWER_VOCABULARY: dict[str, str] = {**FIELD_VOCABULARY, "institution": "institutions"}


def built_in(name: str) -> dict[str, list[str]]:
    """The product's own table of vocabulary ``name`` (empty for the program's own lists)."""
    return copy.deepcopy(DEFAULTS["vocabularies"].get(name, {}))


def is_closed(name: str) -> bool:
    """True when the scorer knows only the built-in values (a new value would be an error)."""
    return name in CLOSED_VOCABULARIES


def new_key(label: str, taken: Sequence[str]) -> str:
    """A key for a new value labelled ``label`` that no key in ``taken`` has."""
    key = value_key(label)
    stem, number = key, 2
    while key in taken:
        key, number = f"{stem}_{number}", number + 1
    return key


def same_answer(a: str, b: str) -> bool:
    """Whether two answers are the same once case, accents and punctuation are folded."""
    return fold(a) == fold(b)


@dataclass(frozen=True)
class AnswerCount:
    """One distinct answer of a vocabulary's columns: who gave it and the value it means
    (``key`` None: the product does not recognise it, an error at validate)."""

    answer: str
    mentors: int
    mentees: int
    key: str | None


def count_answers(columns: Sequence[tuple[str, str, Sequence[str]]], name: str,
                  table: dict[str, list[str]], separators: Sequence[str]
                  ) -> list[AnswerCount]:
    """Every distinct answer in ``columns`` ((side, field, filled cells)), most given first.

    Checkbox cells are split exactly as a match splits them (with the vocabulary, so a
    label holding a comma stays whole); answers are the same when they fold alike."""
    vocabulary = Vocabulary.from_table(name, table)
    seps = tuple(separators)
    counts: dict[str, dict[str, int]] = {}
    spelling: dict[str, str] = {}
    for side, field, cells in columns:
        for cell in cells:
            answers = split_values(cell, seps, vocabulary) if field in MULTI_VALUE_FIELDS \
                else [cell]
            for answer in dict.fromkeys(fold(a) for a in answers if a.strip()):
                spelling.setdefault(answer, next(a for a in answers if fold(a) == answer))
                side_counts = counts.setdefault(answer, {"mentors": 0, "mentees": 0})
                side_counts[side] += 1
    rows = [AnswerCount(spelling[a], c["mentors"], c["mentees"],
                        vocabulary.lookup(spelling[a])) for a, c in counts.items()]
    return sorted(rows, key=lambda r: (-(r.mentors + r.mentees), fold(r.answer)))


def key_of(name: str, table: dict[str, list[str]], answer: str) -> str | None:
    """The value ``answer`` means in vocabulary ``table``, or None."""
    return Vocabulary.from_table(name, table).lookup(answer)


def config_problem(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """An uploaded program.toml checked as the CLI checks it: (tables, None) when it is a
    config, else (None, the message naming the key at fault and the fix)."""
    from scoring.config import config_from_dict

    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, f"program.toml is not valid TOML: {error}."
    try:
        config_from_dict(tables, Path("program.toml"))
    except InputError as error:
        return None, str(error)
    return tables, None


# ---------------------------------------------------------------------- live preview

@dataclass(frozen=True)
class RuleEffect:
    """One switched-on rule: how many mentee-mentor pairs it alone removes."""

    rule: str
    sentence: str
    pairs_removed: int


@dataclass(frozen=True)
class Preview:
    """What the config would do to this cohort, before any match is solved."""

    mentees: int
    mentors: int
    pairs: int
    eligible_pairs: int
    rules: list[RuleEffect]
    without_eligible_mentor: list[str]  # mentee names (ids when nameless)
    score_spread: dict[str, float]  # over eligible pairs: lowest, p10, median, p90, highest
    lowest_best_score: float | None  # the worst-off mentee's best eligible score
    row_errors: int
    diagnostics: list[dict[str, Any]]


#: Score bins of the preview's spread (0.1 point wide): percentiles to the printed precision
#: without keeping every pair's score (a 10,000 × 2,000 cohort has 2 × 10⁷ pairs).
SPREAD_BINS = np.linspace(0.0, 100.0, 1001)


def _quantile(histogram: np.ndarray, share: float) -> float:
    """The lower edge of the bin holding the ``share`` quantile of the histogram."""
    position = np.searchsorted(np.cumsum(histogram), share * histogram.sum(), side="left")
    return float(SPREAD_BINS[min(int(position), len(SPREAD_BINS) - 2)])


def preview(mentors: Path, mentees: Path, tables: dict[str, Any]) -> Preview:
    """Read the sheets with ``tables`` as config and look at the eligibility and scores of
    every pair (one blockwise scoring pass, bounded memory, no solve), with ``validate``'s
    diagnostics.

    InputError when the tables are not a valid config (its message names the key)."""
    from scoring.config import config_from_dict
    from scoring.diagnostics import diagnose
    from scoring.features import build_features
    from scoring.intake.cohort import read_cohort
    from scoring.rules import rule_sentence
    from scoring.scorer import block_rows, iter_score_blocks

    config = config_from_dict(tables)
    cohort = read_cohort(mentors, mentees, config)
    features = build_features(cohort, config)
    n_mentees, n_mentors = len(cohort.mentees), len(cohort.mentors)
    open_mentor = np.array([m.capacity > 0 for m in cohort.mentors], dtype=bool)
    removed: dict[str, int] = {}
    histogram = np.zeros(len(SPREAD_BINS) - 1, dtype=np.int64)
    best = np.full(n_mentees, -np.inf)
    low, high = np.inf, -np.inf
    if n_mentors:
        for block in iter_score_blocks(features, config, block_rows(n_mentors)):
            eligible = block.eligible & open_mentor[None, :]
            for rule, broken in block.violations.items():
                removed[rule] = removed.get(rule, 0) + int(broken.sum())
            scores = block.total[eligible]
            histogram += np.histogram(scores, bins=SPREAD_BINS)[0]
            if scores.size:
                low, high = min(low, float(scores.min())), max(high, float(scores.max()))
            best[block.mentee_rows] = np.where(eligible, block.total, -np.inf).max(axis=1)
    eligible_pairs = int(histogram.sum())
    spread = {"lowest": round(low, 1),
              **{name: round(_quantile(histogram, share), 1) for name, share in
                 (("p10", 0.1), ("median", 0.5), ("p90", 0.9))},
              "highest": round(high, 1)} if eligible_pairs else {}
    placed = best[np.isfinite(best)]
    effects = [RuleEffect(rule, rule_sentence(rule, config), count)
               for rule, count in removed.items()]
    stranded = np.flatnonzero(~np.isfinite(best))
    found = [asdict(p) for p in diagnose(cohort, features, config)]
    return Preview(n_mentees, n_mentors, n_mentees * n_mentors, eligible_pairs, effects,
                   [cohort.mentees[i].name or cohort.mentees[i].id for i in stranded],
                   spread, round(float(placed.min()), 1) if placed.size else None,
                   len(cohort.errors), found)


#: The rules the wizard switches (``[rules]``), with their defaults.
RULE_SWITCHES: tuple[str, ...] = ("mentor_more_senior", "shared_language", "not_excluded",
                                  "not_same_person", "cross_institution")


def effective_settings(tables: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The weights and rules ``tables`` give (their own values over the defaults)."""
    from scoring.config.schema import OPTIONAL

    weights = {**DEFAULTS["weights"], **tables.get("weights", {})}
    rules = {**OPTIONAL["rules"], **DEFAULTS["rules"], **tables.get("rules", {})}
    return {"weights": {k: float(v) for k, v in weights.items()},
            "rules": {k: rules[k] for k in (*RULE_SWITCHES, "max_time_zone_gap_hours")}}


# ------------------------------------------------------------------- year 2: the rematch

@dataclass(frozen=True)
class PairChange:
    """One pair of the previous run in the year-2 plan, and why it goes where it goes."""

    mentee_id: str
    mentee: str
    mentor_id: str
    mentor: str
    reason: str


@dataclass(frozen=True)
class CyclePreview:
    """What the month-12 rematch will do before it is solved (:func:`plan_rematch`)."""

    previous_pairs: int
    kept: list[PairChange]
    ended: list[PairChange]
    open: list[PairChange]  # unsure: kept unless someone is better by the disruption penalty
    held: list[str]  # mentees held for the coordinator: no new mentor this cycle
    flagged: list[tuple[str, str]]  # (mentee, why)
    new_mentees: list[str]  # in this year's intake, not in the previous run
    warnings: list[str]


def cycle_preview(mentors: Path, mentees: Path, config_path: Path, previous: Path,
                  feedback: Path) -> CyclePreview:
    """Year 2's plan from the previous run folder (hashes checked), the feedback sheet and
    this year's intake: pairs kept and why, pairs ended and why, mentees held or flagged.

    InputError (naming file, row and column) when the feedback or the intake is wrong."""
    from matcher.rematch import plan_rematch
    from matcher.runfolder.reader import read_history
    from scoring.config import load_config
    from scoring.intake.cohort import read_valid_cohort
    from scoring.intake.feedback import read_feedback

    config = load_config(config_path)
    history = read_history(previous)
    sheet = read_feedback(feedback, config, previous_pairs=history.latest.pair_keys())
    cohort = read_valid_cohort(mentors, mentees, config, action="rematched")
    plan = plan_rematch(history, sheet, cohort, config)
    names = {p.id: p.name for p in (*cohort.mentors, *cohort.mentees)}
    decisions = sheet.decisions()

    def change(mentee_id: str, mentor_id: str, reason: str) -> PairChange:
        return PairChange(mentee_id, names.get(mentee_id, mentee_id), mentor_id,
                          names.get(mentor_id, mentor_id), reason)

    kept_words = {"yes": "yes at the month-12 meeting", None: "no feedback row (unsure)"}
    kept = [change(*key, kept_words.get(decisions.get(key),
                                        "unsure, kept ([rematch] unsure_policy)"))
            for key in plan.locks]
    ended = [change(e.mentee_id, e.mentor_id, e.reason) for e in plan.ended]
    open_pairs = [change(*key, "unsure: kept unless another mentor scores better by more "
                               "than the disruption penalty") for key in plan.keep_bonus]
    before = {p.mentee_id for p in history.latest.pairs}
    return CyclePreview(
        len(history.latest.pairs), kept, ended, open_pairs,
        [names.get(m, m) for m in plan.held],
        [(names.get(f.mentee_id, f.mentee_id), f.message) for f in plan.flags],
        [m.name for m in cohort.mentees if m.id not in before],
        [*(w.message for w in sheet.warnings), *plan.warnings])
