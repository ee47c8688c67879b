"""What the scorer may read of a sensitive field (``[sensitive] fields``).

A sensitive field the scorer compares only for equality (gender, background, specialty,
institution, modes, languages) is scored as usual: the audit snapshot keeps keyed
pseudonyms of its values, which compare exactly like the values themselves. A field compared
by rank or distance (career stage, meeting frequency, time zone) cannot be pseudonymised
without giving the value away (a stage's rank on the program's own ladder *is* the stage), so
when it is sensitive it is withheld from scoring and from the rules: :func:`scored_cohort`
blanks it before features are built, in the run and in every later audit alike, and the
explanations say so in plain words (:func:`withheld_note`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from scoring.config import ProgramConfig
from scoring.profiles import Cohort, Person, Problem

P = TypeVar("P", bound=Person)

#: What reads each field that is withheld when sensitive: (score components, rule switches).
_READERS = {"career_stage": (("stage_gap",), ("mentor_more_senior",)),
            "frequency": (("communication",), ()),
            "time_zone": (("time_zone",), ("max_time_zone_gap_hours",))}

#: A field as a sentence names it.
FIELD_WORDS = {"career_stage": "career stage", "frequency": "meeting frequency",
               "time_zone": "time zone", "modes": "meeting modes", "languages": "languages",
               "specialty": "specialty", "institution": "institution", "gender": "gender",
               "background": "background"}


def field_words(name: str) -> str:
    """``career_stage`` → ``career stage``."""
    return FIELD_WORDS.get(name, name.replace("_", " "))


def withheld_note(names: tuple[str, ...] | list[str]) -> str:
    """The plain-words note of a score part that reads withheld sensitive fields."""
    listed = " and ".join(field_words(n) for n in names)
    verb = "is" if len(names) == 1 else "are"
    return f"not scored: {listed} {verb} sensitive ([sensitive] fields)"


def scored_cohort(cohort: Cohort, config: ProgramConfig) -> Cohort:
    """``cohort`` as the scorer and the rules see it: the sensitive fields compared by rank
    or distance blank on everyone (the cohort itself when none is listed)."""
    unscored = config.sensitive.unscored
    if not unscored:
        return cohort
    blank: dict[str, Any] = {name: None for name in unscored}

    def hide(person: P) -> P:
        return dataclasses.replace(person, **blank)

    return dataclasses.replace(cohort, mentors=[hide(m) for m in cohort.mentors],
                               mentees=[hide(m) for m in cohort.mentees])


def withheld_findings(config: ProgramConfig, where: str) -> list[Problem]:
    """A warning for each sensitive field withheld from scoring that a weighted component or
    a switched-on rule would read: its points are the same for every pair, its rule blocks
    nobody, and the coordinator should know why."""
    weights = config.weights.as_dict()
    rules = config.rules
    found = []
    for name in config.sensitive.unscored:
        components, switches = _READERS[name]
        weighted = [c for c in components if weights.get(c, 0) > 0]
        active = [r for r in switches if getattr(rules, r)]
        if not weighted and not active:
            continue
        effects = [f"the frequency half of `{c}` ({weights[c] / 2:g} of its {weights[c]:g} "
                   "points)" if name == "frequency" else f"`{c}` ({weights[c]:g} points)"
                   for c in weighted]
        effects = [f"{effect} gives every pair the same value" for effect in effects]
        effects += [f"the rule `{r}` blocks no pair" for r in active]
        silence = [f"[weights] {c} = 0" for c in weighted if name != "frequency"]
        silence += [f"[rules] {r} = " + ("false" if r == "mentor_more_senior" else "0")
                    for r in active]
        fix = (f"To match on {field_words(name)}, remove {name!r} from [sensitive] fields (it is "
               "then shown in plans and files)"
               + (f"; to keep it private, set {' and '.join(silence)}." if silence else "."))
        found.append(Problem(
            "warning", where, None, None, None,
            f"[sensitive] fields lists {name!r}: {field_words(name)} is compared by rank or "
            "distance, which no pseudonym in the audit snapshot keeps, so it is withheld from "
            f"scoring: {'; '.join(effects)}.", fix, key="[sensitive] fields",
            code="sensitive_unscored"))
    return found


__all__ = ["FIELD_WORDS", "field_words", "withheld_note", "scored_cohort", "withheld_findings"]
