"""What the match *would* be, checked before solving: findings that make a result wrong.

:func:`diagnose` looks at a cohort the way a coordinator would after a bad match, from the
cohort, its features and the scorer's own component and rule arrays (scored block by
block, so memory stays bounded), and returns :class:`~scoring.profiles.Problem` records
with ``row`` None, each naming the file, column or config key and the fix:

* mentees with no eligible mentor, grouped by the rule that removes their last mentors
  ("18 mentees have no eligible mentor because of `mentor_more_senior` ...");
* a rule that removes most pairs;
* a score component that is the same for every pair, and why (a field blank on one side,
  a preference nobody can meet);
* **an error** when every pair scores the same: the match would be arbitrary;
* a mapped column holding one value on every row; an unmapped column that looks like a
  field no column gives;
* a career-stage order that puts most mentors below most mentees (and says when the order
  was guessed, ``[intake] guessed_order``); a guessed order is always named, whatever
  the match, until the coordinator has checked it and removed it from ``guessed_order``;
* an ``attr:`` column or ``[match_on]`` field holding a sensitive trait (gender,
  ethnicity, religion, disability, age ...) that ``[sensitive] fields`` does not list;
* an unread column whose header says it holds a grade, stage, level, rank or seniority;
* **errors**: a cohort where no one could be placed, or where a rule cuts the mentees who
  could be placed to fewer than half of those placeable with that rule off. "Placeable" is
  the most mentees that can each get one eligible mentor within the mentors' capacities
  (a maximum flow, OR-Tools' ``SimpleMaxFlow``): what the solver places at
  best. Above :data:`EXACT_PAIRS` pairs it is the cheaper upper bound "mentees with at
  least one eligible mentor who has capacity, capped at the total capacity".

:func:`~scoring.problem_groups.group_problems` (re-exported here) folds many problems of
one cause into one.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

# OR-Tools' max flow, not scipy.sparse.csgraph's: csgraph imports scipy.sparse.linalg (0.15 s
# of every validate and match), while the solver loads OR-Tools' graph module anyway.
from ortools.graph.python.max_flow import SimpleMaxFlow

from scoring.config import PREFERENCES, ProgramConfig
from scoring.diagnostic_tally import EXACT_PAIRS, BlockTally, TallyPlan, block_tally, plan_of
from scoring.features import CohortFeatures
from scoring.problem_groups import GROUP_AT, group_problems
from scoring.profiles import Cohort, Mentee, Mentor, Person, Problem, Severity
from scoring.scorer import (
    DEFAULT_BLOCK_SIZE,
    ScoreBlock,
    component_names,
    component_weights,
    iter_score_blocks,
)
from scoring.sensitivity import scored_cohort, withheld_findings
from scoring.text import fold

#: Threads scoring the blocks of the match's diagnostics pass (the one that keeps the
#: scores: :func:`diagnose`'s ``on_block``; :func:`scoring.scorer.iter_score_blocks`), at
#: most: two blocks at a time in two cores' time (more would hold more blocks in memory).
SCORING_THREADS = 2
#: A rule removing more than this share of all pairs is worth a warning.
MOST_PAIRS = 0.5
#: Placing fewer than this share of those placeable with a rule off is an error.
COLLAPSE_SHARE = 0.5
#: Rows a message lists before "... and N more".
LISTED = 10
#: Fields whose one value on every row of a side means a wrong column (not languages,
#: roles, time zone or institution: one value there is normal for many programs).
DISTINGUISHING_FIELDS = ("career_stage", "specialty", "need_areas", "expertise_areas",
                         "frequency")
#: At least this many people on a side before "one value on every row" means anything.
CONSTANT_COLUMN_MIN_ROWS = 5
#: Below this many pairs, a component the same for every pair is chance, not a cause.
CONSTANT_COMPONENT_MIN_PAIRS = 20
#: The fields each built-in component compares: (mentee fields, mentor fields).
COMPONENT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "need_coverage": (("need_areas",), ("expertise_areas",)),
    "goal_text": (("goals",), ("bio", "expertise_areas")),
    "role_fit": (("help_wanted",), ("roles",)),
    "stage_gap": (("career_stage",), ("career_stage",)),
    "communication": (("modes", "frequency"), ("modes", "frequency")),
    "time_zone": (("time_zone",), ("time_zone",)),
}
#: The attribute each opt-in preference compares on both sides.
PREFERENCE_FIELDS: dict[str, str] = {
    "same_gender": "gender", "shared_background": "background",
    "same_specialty": "specialty", "different_specialty": "specialty",
    "same_institution": "institution", "other_institution": "institution",
}
#: Rules that carry a participant's own wish: never "the rule is wrong".
PERSONAL_RULES = frozenset({"not_same_person", "not_excluded"})
#: Words (on folded text) naming a trait a program may use only with care: on a
#: column's header or an ``attr:`` name, they ask for the field in ``[sensitive]``.
SENSITIVE_TRAIT = re.compile(
    r"\b(gender|sex|sexual|sexuality|orientation|lgbt\w*|pronouns?|ethnic\w*|race|racial"
    r"|religio\w*|faith|caste|disabilit\w*|disabled|impairment|neurodiver\w*|age|birth"
    r"|date of birth|dob|nationality|citizenship|immigration|marital|pregnan\w*"
    r"|health condition|veteran)\b")
#: Trait words that belong in the built-in `gender` field (the rest go to `background`).
GENDER_WORDS = frozenset({"gender", "sex", "sexual", "sexuality", "orientation", "pronoun",
                          "pronouns"})
#: Header words of a column that holds seniority: unread, it is worth a word.
SENIORITY_WORDS = re.compile(r"\b(grade|stage|level|rank|seniority|band)\b")


@dataclass
class _Tally:
    """What :func:`_tally` gathers over all score blocks."""

    pairs: int = 0
    low: dict[str, float] = field(default_factory=dict)  # component → min over pairs
    high: dict[str, float] = field(default_factory=dict)
    broken: Counter[str] = field(default_factory=Counter)  # rule → pairs it blocks
    reachable: list[np.ndarray] = field(default_factory=list)  # per block: has a mentor
    without: dict[str, list[np.ndarray]] = field(default_factory=dict)  # rule off: has one
    # Eligible pairs as (mentee rows, mentor columns), with every rule and with one off;
    # None above EXACT_PAIRS.
    edges: list[tuple[np.ndarray, np.ndarray]] | None = field(default_factory=list)
    edges_without: dict[str, list[tuple[np.ndarray, np.ndarray]]] = field(
        default_factory=dict)

    def add(self, block: BlockTally) -> None:
        """Take the next block's tally (blocks in mentee order)."""
        self.pairs += block.pairs
        for name, value in block.low.items():
            self.low[name] = min(self.low.get(name, np.inf), value)
        for name, value in block.high.items():
            self.high[name] = max(self.high.get(name, -np.inf), value)
        for rule, pairs in block.broken.items():
            self.broken[rule] += pairs
        self.reachable.append(block.reachable)
        if block.edges is None:
            self.edges = None
        elif self.edges is not None:
            self.edges.append(block.edges)
        for rule, reach in block.without.items():
            self.without.setdefault(rule, []).append(reach)
        for rule, pairs_off in (block.edges_without or {}).items():
            self.edges_without.setdefault(rule, []).append(pairs_off)

    def has_mentor(self) -> np.ndarray:
        return np.concatenate(self.reachable) if self.reachable else np.zeros(0, bool)

    def has_mentor_without(self, rule: str) -> np.ndarray:
        return np.concatenate(self.without[rule]) if self.without.get(rule) \
            else np.zeros(0, bool)


def _tally(features: CohortFeatures, config: ProgramConfig, open_mentor: np.ndarray,
           on_block: Callable[[ScoreBlock], None] | None, block_size: int,
           tallies: Iterable[BlockTally] | None = None) -> _Tally:
    """The tally of every block: scored here, or ``tallies`` (every block's, in mentee
    order) when a scoring pass made for the solver tallied them where it scored them."""
    tally = _Tally()
    if features.n_mentees * features.n_mentors > EXACT_PAIRS:
        tally.edges = None
    if tallies is None:
        plan = plan_of(features, config, open_mentor)
        # the match's pass (it keeps the scores) on threads, blocks of half the size: about
        # the memory of one block at a time (its caller has the threads share malloc
        # arenas: :func:`matcher.pipeline.score_keeper`); validate's pass as it was
        threads = min(SCORING_THREADS, os.cpu_count() or 1) if on_block is not None else 1
        tallies = (block_tally(block, plan) for block in _called(
            iter_score_blocks(features, config, max(block_size // threads, 1), threads),
            on_block))
    for block in tallies:
        tally.add(block)
    return tally


def _called(blocks: Iterable[ScoreBlock], on_block: Callable[[ScoreBlock], None] | None
            ) -> Iterable[ScoreBlock]:
    for block in blocks:
        if on_block is not None:
            on_block(block)
        yield block


def _placeable(edges: list[tuple[np.ndarray, np.ndarray]] | None, reachable: np.ndarray,
               capacity: np.ndarray) -> int:
    """The most mentees that can each get one eligible mentor within capacities."""
    if edges is None:
        return min(int(reachable.sum()), int(capacity.sum()))
    mentees, mentors = len(reachable), len(capacity)
    rows = np.concatenate([e[0] for e in edges]) if edges else np.zeros(0, np.int64)
    columns = np.concatenate([e[1] for e in edges]) if edges else np.zeros(0, np.int64)
    source, sink = 0, mentees + mentors + 1
    tails = np.concatenate([np.zeros(mentees, np.int64), 1 + rows,
                            1 + mentees + np.arange(mentors)])
    heads = np.concatenate([1 + np.arange(mentees), 1 + mentees + columns,
                            np.full(mentors, sink)])
    capacities = np.concatenate([np.ones(mentees + len(rows), np.int64),
                                 np.minimum(capacity, mentees).astype(np.int64)])
    flow = SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails, heads, capacities)
    if flow.solve(source, sink) != SimpleMaxFlow.OPTIMAL:  # only on overflow: not with counts
        raise RuntimeError("maximum flow of the placeable mentees failed")
    return int(flow.optimal_flow())


def diagnose(cohort: Cohort, features: CohortFeatures, config: ProgramConfig, *,
             on_block: Callable[[ScoreBlock], None] | None = None,
             block_size: int = DEFAULT_BLOCK_SIZE,
             tallies: Iterable[BlockTally] | None = None) -> list[Problem]:
    """Every finding about ``cohort`` under ``config`` (see the module docstring), errors
    first.

    The cohort is scored in blocks of ``block_size`` mentees; ``on_block`` receives each
    block as it is scored, so that ``match`` keeps the scores it solves on from this pass
    instead of scoring the cohort a second time (it is not called for a cohort without
    mentees or mentors). ``tallies``: every block's :func:`block_tally` under
    :func:`tally_plan`, in mentee order, from a pass that scored the cohort for the solver
    (streamed scores): then nothing is scored here, and the findings are the same.
    """
    found: list[Problem] = []
    where = _config_name(config)
    cohort = scored_cohort(cohort, config)  # what the scorer saw: no withheld sensitive field
    found += withheld_findings(config, where)
    if cohort.mentees and cohort.mentors:
        capacity = np.array([m.capacity for m in cohort.mentors], dtype=np.int64)
        tally = _tally(features, config, capacity > 0, on_block, block_size, tallies)
        found += _placement(cohort, config, tally, int(capacity.sum()), where)
        found += _greedy_rules(config, tally, where)
        components, fixable = _constant_components(cohort, config, tally, where,
                                                   features.goal_vectors.shape[1] == 0)
        found += _arbitrary(tally, components, fixable, where) + components
    found += _unmeetable_preferences(cohort, where)
    found += _constant_columns(cohort)
    found += _unmapped_fields(cohort, config)
    found += _stage_order(features, config, where)
    found += _guessed_orders(config, where)
    found += _unguarded_traits(cohort, config, where)
    return sorted(found, key=lambda p: p.severity != "error")


# ------------------------------------------------------------------------- placement

def _placement(cohort: Cohort, config: ProgramConfig, tally: _Tally, capacity: int,
               where: str) -> list[Problem]:
    """No one placeable, and mentees left without an eligible mentor, grouped by rule."""
    mentees = len(cohort.mentees)
    capacities = np.array([m.capacity for m in cohort.mentors], dtype=np.int64)
    if capacity == 0:
        return [Problem("error", cohort.sources.get("mentors", "mentors"), None, None, None,
                        f"Every one of the {len(cohort.mentors)} mentors has capacity 0, so "
                        "match would place no one.",
                        "Set [defaults] capacity (or pass --capacity N to match) when the "
                        "form did not ask, or check the column mapped to capacity.",
                        key="[defaults] capacity", code="capacity_zero")]
    reachable = tally.has_mentor()
    placeable = _placeable(tally.edges, reachable, capacities)
    found: list[Problem] = []
    stranded = ~reachable
    claimed = np.zeros(mentees, dtype=bool)
    for rule in sorted(tally.without, key=lambda r: -int(
            (tally.has_mentor_without(r) & stranded).sum())):
        group = tally.has_mentor_without(rule) & stranded & ~claimed
        # The count with the rule off matters only when it could be over twice the placeable
        # count (a collapse, printed with it); its upper bound decides that for most rules
        # without a maximum flow. A person's own "not with them" is never the config's
        # mistake: a warning at most.
        with_rule_off = min(int(tally.has_mentor_without(rule).sum()),
                            int(np.minimum(capacities, mentees).sum()))
        if rule not in PERSONAL_RULES and placeable < COLLAPSE_SHARE * with_rule_off:
            with_rule_off = _placeable(
                None if tally.edges is None else tally.edges_without[rule],
                tally.has_mentor_without(rule), capacities)
        collapse = placeable < COLLAPSE_SHARE * with_rule_off and rule not in PERSONAL_RULES
        if not group.any() and not collapse:
            continue
        claimed |= group
        found.append(_stranded_problem(cohort, config, rule, np.flatnonzero(group),
                                       placeable, with_rule_off, collapse, where))
    rest = np.flatnonzero(stranded & ~claimed)
    if len(rest):
        worst = ", ".join(f"`{r}` ({share:.0%} of pairs)" for r, share in _shares(tally)[:3])
        found.append(Problem(
            "error" if placeable == 0 else "warning", where, None, None, None,
            f"{_people(len(rest), 'mentee')} {_have(len(rest))} no eligible mentor, and no "
            f"single rule is the cause: several rules together remove every mentor "
            f"({_describe(cohort.mentees, rest)}). Rules removing the most pairs: {worst}.",
            "Check those rules' settings and the columns they read; `mentormatch explain "
            "MENTORS MENTEES --mentee ID` shows the rules each pair breaks.",
            key="[rules]", code="no_eligible_mentor"))
    if placeable == 0 and not any(p.severity == "error" for p in found):
        found.append(Problem("error", where, None, None, None,
                             "match would place no one: no mentee has an eligible mentor "
                             "with capacity.", "See the findings below.",
                             code="nothing_placeable"))
    return found


def _stranded_problem(cohort: Cohort, config: ProgramConfig, rule: str, rows: np.ndarray,
                      placeable: int, with_rule_off: int, collapse: bool,
                      where: str) -> Problem:
    severity: Severity = "error" if collapse or (
        placeable == 0 and rule not in PERSONAL_RULES) else "warning"
    if len(rows):
        cause = (f"{_people(len(rows), 'mentee')} {_have(len(rows))} no eligible mentor "
                 f"because of `{rule}` ({_describe(cohort.mentees, rows)}).")
    else:  # every mentee keeps a mentor, but too few mentors for them all
        cause = (f"`{rule}` leaves too few eligible mentors: the mentees it allows crowd onto "
                 "the same few mentors.")
    if severity == "error":
        cause += (f" match could place at most {placeable} of {len(cohort.mentees)} mentees "
                  f"with it, {with_rule_off} without it.")
    fix = (_seniority_fix(cohort, config, rows) if rule == "mentor_more_senior"
           else _rule_fix(rule, config))
    return Problem(severity, where, None, None, None, cause, fix,
                   key=_rule_key(rule, config), code="no_eligible_mentor")


def _seniority_fix(cohort: Cohort, config: ProgramConfig, rows: np.ndarray) -> str:
    """What to check when mentees have no more senior mentor: the order when they rank
    above every mentor (mentees are normally junior to all mentors), more senior mentors
    when they share the top mentors' stage."""
    scale = config.vocabulary("career_stage").values
    rank = {stage: i for i, stage in enumerate(scale)}
    ranks = [rank[m.career_stage] for m in cohort.mentors if m.career_stage in rank]
    top = max(ranks, default=-1)
    stages = {cohort.mentees[i].career_stage for i in rows} - {None}
    above = sorted((s for s in stages if s is not None and rank.get(s, -1) > top),
                   key=lambda s: rank[s])
    level = [s for s in stages if s is not None and rank.get(s, -1) == top]
    parts = []
    if "career_stage" in config.intake.guessed_order:
        parts.append("The career-stage order was guessed from the file ([intake] "
                     "guessed_order): check it first.")
    if above or not level:
        shown = ", ".join(repr(s) for s in above) or "theirs"
        parts.append(f"Is your career-stage order right? No mentor is at stage {shown} or "
                     "later, and mentees are normally junior to every mentor. "
                     "[vocabularies.career_stage] must list stages from most junior to most "
                     f"senior (now: {', '.join(scale)}).")
    if level:
        parts.append(f"Mentees at {', '.join(repr(s) for s in sorted(level))}, the most "
                     "senior mentors' stage, have no one more senior: recruit more senior "
                     "mentors, or set [rules] mentor_more_senior = false and add a "
                     "[match_on] require_gap rule with gap = [0, 5] to allow peers.")
    return " ".join(parts)


def _rule_key(rule: str, config: ProgramConfig) -> str:
    if any(m.name == rule for m in config.match_on):
        return f"[match_on.{rule}]"
    if any(r.name == rule for r in config.rules.custom):
        return f"[[rules.custom]] {rule}"
    return f"[rules] {rule}"


def _rule_fix(rule: str, config: ProgramConfig) -> str:
    """What to check when ``rule`` strands mentees."""
    guessed = ("It was guessed from the file ([intake] guessed_order), so check it first. "
               if "career_stage" in config.intake.guessed_order else "")
    stages = ", ".join(config.vocabulary("career_stage").values)
    fixes = {
        "mentor_more_senior": (f"Is your career-stage order right? {guessed}"
                               "[vocabularies.career_stage] must list stages from most junior "
                               f"to most senior (now: {stages}). Fix the order, or set [rules] "
                               "mentor_more_senior = false for a peer program."),
        "shared_language": ("Check the languages columns on both sides (a blank cell counts as "
                            f"[defaults] languages = {list(config.defaults.languages)}), or set "
                            "[rules] shared_language = false if language does not matter."),
        "time_zone_gap": ("Raise [rules] max_time_zone_gap_hours, or set it to 0 (no limit)."),
        "cross_institution": ("Set [rules] cross_institution = false, or check "
                              "[vocabularies.institutions]."),
        "not_excluded": ("Their exclusions name every mentor who could take them; check their "
                         "'do not match me with' answers."),
        "not_same_person": "Every mentor who could take them is the same person (same id or "
                           "e-mail) on both sides; check the id columns.",
    }
    if rule in fixes:
        return fixes[rule]
    for match in config.match_on:
        if match.name == rule:
            return (f"Check [match_on.{rule}] ({match.requirement()}) and the columns mapped "
                    f"to {match.field!r} on both sides, or delete the table.")
    return f"Check the [[rules.custom]] rule {rule!r}, or delete it."


def _shares(tally: _Tally) -> list[tuple[str, float]]:
    pairs = max(tally.pairs, 1)
    return sorted(((r, n / pairs) for r, n in tally.broken.items()), key=lambda x: -x[1])


def _greedy_rules(config: ProgramConfig, tally: _Tally, where: str) -> list[Problem]:
    """A rule (not a person's own wish) that removes most pairs."""
    return [Problem("warning", where, None, None, None,
                    f"`{rule}` removes {share:.0%} of all mentor-mentee pairs "
                    f"({tally.broken[rule]:,} of {tally.pairs:,}).",
                    _rule_fix(rule, config), key=_rule_key(rule, config),
                    code="rule_removes_most_pairs")
            for rule, share in _shares(tally)
            if share > MOST_PAIRS and rule not in PERSONAL_RULES]


# ------------------------------------------------------------------------ components

def _blank(value: object) -> bool:
    return value is None or value == "" or value == ()


def _all_blank(people: Sequence[Person], name: str) -> bool:
    if name.startswith("attr:"):
        return all(not p.attributes.get(name[5:]) for p in people)
    return all(_blank(getattr(p, name, None)) for p in people)


def _side_reason(cohort: Cohort, side: str, names: Iterable[str]) -> str | None:
    """Why a side gives a component nothing: its fields are blank on every row."""
    people: Sequence[Person] = cohort.mentors if side == "mentors" else cohort.mentees
    blank = [n for n in names if _all_blank(people, n)]
    if not blank or len(blank) < len(list(names)):
        return None
    mapped = [h for n in blank for h, t in cohort.columns.get(side, {}).items() if t == n]
    how = (f"column {', '.join(repr(h) for h in mapped)} is mapped but blank on every row"
           if mapped else "no column is mapped to it")
    label = " / ".join(n.removeprefix("attr:").replace("_", " ") for n in blank)
    return (f"the {side}' {label} is blank on every row ({how}); map the {side}' question "
            f"under [columns.{side}]")


def _mapped(cohort: Cohort, side: str, names: Iterable[str]) -> bool:
    """Whether a column of ``side`` gives one of ``names`` (count: columns give help_wanted)."""
    targets = set(cohort.columns.get(side, {}).values())
    if any(t.startswith("count:") for t in targets):
        targets.add("help_wanted")
    return any(n in targets for n in names)


def _constant_components(cohort: Cohort, config: ProgramConfig, tally: _Tally,
                         where: str, features_without_texts: bool
                         ) -> tuple[list[Problem], bool]:
    """The components the same for every pair, and whether a side's missing question is
    the cause of any of them."""
    weights = dict(zip(component_names(config), component_weights(config), strict=True))
    fields_of = {**COMPONENT_FIELDS,
                 **{m.name: ((f"attr:{m.field}" if m.is_attribute else m.field,),) * 2
                    for m in config.rewards}}
    found = []
    fixable = False
    for name, weight in weights.items():
        if weight <= 0 or name not in tally.low or tally.high[name] - tally.low[name] > 1e-6:
            continue
        read = set(fields_of[name][0]) if name in fields_of else set()
        if read and read <= set(config.sensitive.unscored):
            continue  # withheld from scoring: withheld_findings says so, with the cause
        if name == "preferences" and not any(m.preferences for m in cohort.mentees):
            continue  # nobody asked: 1.0 for all by design (README "The seven components")
        sides = list(zip(("mentees", "mentors"), fields_of.get(name, ()), strict=False))
        mapped = [side for side, names in sides if _mapped(cohort, side, names)]
        if sides and not mapped:
            continue  # the form asked neither side: the component is switched off in effect
        if name == "goal_text" and features_without_texts and len(mapped) == len(sides):
            continue  # not computed here: only a side without texts is certain
        if len(mapped) == len(sides) and tally.pairs < CONSTANT_COMPONENT_MIN_PAIRS:
            continue
        reasons = [r for side, names in sides if (r := _side_reason(cohort, side, names))]
        key = f"[match_on.{name}]" if name not in COMPONENT_FIELDS and name != "preferences" \
            else f"[weights] {name}"
        fixable = fixable or bool(reasons)
        if reasons:
            why = "; ".join(reasons)
            fix = (f"Map the missing question, or set the {key} weight to 0 so the other "
                   "components share its points.")
        else:
            why = "the answers on both sides give every pair the same value"
            fix = (f"If that is expected, set the {key} weight to 0 so the other components "
                   "share its points; if not, check the columns mapped to it.")
        found.append(Problem(
            "warning", where, None, None, None,
            f"Score component `{name}` is {tally.low[name]:.2f} for every pair, so its "
            f"{weight:g} weight decides nothing: {why}.", fix, key=key,
            code="constant_component"))
    return found, fixable


def _arbitrary(tally: _Tally, constant: list[Problem], fixable: bool,
               where: str) -> list[Problem]:
    """Every pair with the same score: the solver would choose at random. An error when a
    mapping is the cause (a question missing on a side, or none the components read); a
    warning when the answers themselves are all alike (nothing in the config to fix)."""
    if tally.pairs < CONSTANT_COMPONENT_MIN_PAIRS or "total" not in tally.low \
            or tally.high["total"] - tally.low["total"] > 1e-6:
        return []
    names = ", ".join(f"`{p.key}`" for p in constant) or "every component"
    return [Problem(
        "error" if fixable or not constant else "warning", where, None, None, None,
        f"Every mentor-mentee pair scores {tally.low['total']:.1f}, so the match would be "
        f"arbitrary: no score component tells the pairs apart ({names}).",
        "Map the questions the components compare (see the warnings on each component), "
        "or weight a component the forms do answer.", key="[weights]",
        code="arbitrary_match")]


def _unmeetable_preferences(cohort: Cohort, where: str) -> list[Problem]:
    """A preference some mentees asked for that no pair can honour."""
    found = []
    for preference in PREFERENCES:
        askers = [m for m in cohort.mentees if preference in m.preferences]
        attribute = PREFERENCE_FIELDS[preference]
        if not askers or not cohort.mentors:
            continue
        blank_side = ("mentors" if _all_blank(cohort.mentors, attribute)
                      else "mentees" if _all_blank(askers, attribute) else None)
        if blank_side is None:
            continue
        found.append(Problem(
            "warning", where, None, None, None,
            f"{_people(len(askers), 'mentee')} asked for {preference.replace('_', ' ')}, but "
            f"the {blank_side}' {attribute} is blank on every row, so no pair can honour it.",
            f"Map the {blank_side}' {attribute} question under [columns.{blank_side}], or "
            "tell these mentees the preference cannot be met.",
            key=f"[columns.{blank_side}]", code="unmeetable_preference"))
    return found


# ---------------------------------------------------------------------------- columns

def _constant_columns(cohort: Cohort) -> list[Problem]:
    """A mapped column that holds one value on every row of its side."""
    found = []
    for side, people in (("mentors", cohort.mentors), ("mentees", cohort.mentees)):
        if len(people) < CONSTANT_COLUMN_MIN_ROWS:
            continue
        for header, target in cohort.columns.get(side, {}).items():
            if target.startswith("attr:"):
                values = [p.attributes.get(target[5:], "") for p in people]
            elif target in DISTINGUISHING_FIELDS:
                values = [getattr(p, target) for p in people]
            else:
                continue
            distinct = set(values)
            if len(distinct) == 1 and not _blank(next(iter(distinct))):
                value = next(iter(distinct))
                shown = ", ".join(value) if isinstance(value, tuple) else str(value)
                found.append(Problem(
                    "warning", cohort.sources.get(side, side), None, header, shown,
                    f"Every one of the {len(people)} {side} has the same {target} here, so "
                    "this column cannot tell them apart.",
                    f"Check that {header!r} is the right question for {target}; if not, map "
                    f'the right one and write "{header}" = "ignore" under [columns.{side}].',
                    code="constant_column"))
    return found


def _unmapped_fields(cohort: Cohort, config: ProgramConfig) -> list[Problem]:
    """An unmapped column that looks like a field no column of its side gives."""
    from scoring.intake.cohort import SIDE_FIELDS
    from scoring.intake.starter_config import suggest_mapping

    found = []
    for side in ("mentors", "mentees"):
        columns = cohort.columns.get(side, {})
        ignored = {fold(h) for h, t in config.columns(side).items() if t == "ignore"}
        people: Sequence[Person] = cohort.mentors if side == "mentors" else cohort.mentees
        headers = [h for h in (people[0].extra if people else {}) if fold(h) not in ignored]
        mapped = {*columns.values(), *config.defaults.for_everyone}
        missing = [f for f in SIDE_FIELDS[side] if f not in mapped]
        suggested = suggest_mapping(headers, missing)
        for header, target in suggested.items():
            found.append(Problem(
                "warning", cohort.sources.get(side, side), None, header, None,
                f"This column is not read, but it looks like {target}, which no column of "
                f"the {side} file gives.",
                f'Map it under [columns.{side}] ("{header}" = "{target}"), or write '
                f'"{header}" = "ignore" if it is something else.', code="unmapped_field_column"))
        stage_from = [h for h, t in columns.items() if t == "career_stage"]
        for header in headers:
            if header not in suggested and SENIORITY_WORDS.search(fold(header)):
                found.append(_unread_seniority(cohort, side, header, stage_from))
    return found


def _unread_seniority(cohort: Cohort, side: str, header: str,
                      stage_from: Sequence[str]) -> Problem:
    """An unread column whose header says grade / stage / level / rank / seniority."""
    now = (f"career_stage is read from {stage_from[0]!r}" if stage_from
           else "no column gives career_stage")
    return Problem(
        "warning", cohort.sources.get(side, side), None, header, None,
        f"This column is not read, but its header says it holds a grade, stage, level or "
        f"rank, and {now}: seniority rules and the stage-gap score may read the wrong "
        "question.",
        f'If it is the seniority, map it under [columns.{side}] ("{header}" = '
        f'"career_stage"{", instead of " + repr(stage_from[0]) if stage_from else ""}) '
        f"and list its answers, most junior first, under [vocabularies.career_stage]; "
        f'if not, write "{header}" = "ignore".', code="unread_seniority_column")


# ------------------------------------------------------------------------------ stages

def _stage_order(features: CohortFeatures, config: ProgramConfig,
                 where: str) -> list[Problem]:
    """Most mentors below most mentees on the career-stage scale."""
    mentee = np.sort(features.mentee_stage[features.mentee_stage >= 0])
    mentor = features.mentor_stage[features.mentor_stage >= 0]
    if not len(mentee) or not len(mentor):
        return []
    # Share of (mentor, mentee) pairs where the mentor ranks higher.
    above = np.searchsorted(mentee, mentor, side="left").sum() / (len(mentee) * len(mentor))
    if above >= 0.5 or np.median(mentor) >= np.median(mentee):
        return []
    guessed = (" The order was guessed from the file ([intake] guessed_order)."
               if "career_stage" in config.intake.guessed_order else "")
    stages = ", ".join(config.vocabulary("career_stage").values)
    return [Problem(
        "warning", where, None, None, None,
        f"Most mentors rank below most mentees on the career-stage scale: the mentor is at "
        f"a later stage in only {above:.0%} of mentor-mentee pairs.{guessed}",
        f"The stages must go from most junior to most senior (now: {stages}); reverse or "
        "reorder them under [vocabularies.career_stage].",
        key="[vocabularies.career_stage]", code="stage_order_inverted")]


def _guessed_orders(config: ProgramConfig, where: str) -> list[Problem]:
    """A scale whose order a tool guessed (``[intake] guessed_order``) is named every time,
    not only when it strands mentees: a wrong order can also quietly pick worse mentors."""
    found = []
    for name in config.intake.guessed_order:
        values = ", ".join(config.vocabulary(name).values)
        found.append(Problem(
            "warning", where, None, None, None,
            f"The order of [vocabularies.{name}] was guessed from the file (by how many of "
            f"each value's people are mentors), not read from a known ladder: now {values}, "
            "most junior first. The seniority rule and the stage-gap score read this order.",
            f"Put [vocabularies.{name}] in your program's order, most junior first, then "
            f'remove "{name}" from [intake] guessed_order.',
            key=f"[vocabularies.{name}]", code="guessed_order"))
    return found


# ----------------------------------------------------------------------- sensitive

def _unguarded_traits(cohort: Cohort, config: ProgramConfig, where: str) -> list[Problem]:
    """An ``attr:`` column or a ``[match_on]`` field holding a sensitive trait that
    ``[sensitive] fields`` does not list (its values could be printed and matched on)."""
    listed = set(config.sensitive_fields)
    found = []
    for side in ("mentors", "mentees"):
        for header, target in config.columns(side).items():
            name = target.removeprefix("attr:")
            if not target.startswith("attr:") or name in listed:
                continue
            trait = SENSITIVE_TRAIT.search(fold(header)) or \
                SENSITIVE_TRAIT.search(name.replace("_", " "))
            if trait:
                listed.add(name)  # once per attribute, whichever side names it first
                found.append(_trait_problem(cohort.sources.get(side, side), header, name,
                                            trait.group(0), config))
    for match in config.match_on:
        trait = SENSITIVE_TRAIT.search(match.field.replace("_", " "))
        if trait and match.field not in listed:
            listed.add(match.field)
            found.append(_trait_problem(where, None, match.field, trait.group(0), config))
    return found


def _trait_problem(source: str, header: str | None, name: str, trait: str,
                   config: ProgramConfig) -> Problem:
    uses = [m.name for m in config.match_on if m.field == name]
    used = (f"[match_on.{uses[0]}] matches people on it" if uses
            else "nothing marks it as private")
    # Only the built-in fields can be withheld ([sensitive] fields refuses other names):
    # the trait moves into the one that fits, and is used only where a participant asks.
    builtin, preference = (("gender", "same_gender") if trait in GENDER_WORDS
                           else ("background", "shared_background"))
    fields = ", ".join(f'"{f}"' for f in dict.fromkeys((*config.sensitive_fields, builtin)))
    return Problem(
        "warning", source, None, header, None,
        f"`{name}` holds a sensitive trait ({trait}) and {used}, but nothing withholds it: "
        "an `attr:` column is printed in explanations and kept in the audit snapshot as "
        "written.",
        f"Map the column to the built-in field \"{builtin}\" instead of \"attr:{name}\" and "
        f"list it: [sensitive] fields = [{fields}] (the value is then pseudonymised and never "
        f"printed); use it only where a participant asks for it (a yes/no question mapped to "
        f"\"pref:{preference}\"), never as a [match_on] rule for everyone; if the program does "
        "not need it, map the column to \"ignore\".",
        key="[sensitive] fields", code="unguarded_sensitive_trait")


# ----------------------------------------------------------------------------- words

def _people(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _have(count: int) -> str:
    return "has" if count == 1 else "have"


def _describe(people: Sequence[Mentee] | Sequence[Mentor], rows: np.ndarray) -> str:
    """Who they are: their common career stage, if any, and their rows."""
    chosen = [people[i] for i in rows]
    stages = Counter(p.career_stage or "no stage" for p in chosen)
    if set(stages) == {"no stage"}:
        stage = ""
    elif len(stages) == 1:
        stage = f"all career stage {next(iter(stages))!r}; "
    else:
        stage = "career stages " + ", ".join(f"{s} ×{n}" for s, n in stages.most_common(3)) \
            + "; "
    listed = ", ".join(str(p.source_row) for p in chosen[:LISTED])
    more = f" and {len(chosen) - LISTED} more" if len(chosen) > LISTED else ""
    return f"{stage}rows {listed}{more}"


def _config_name(config: ProgramConfig) -> str:
    return str(config.path) if config.path else "the config"


__all__ = ["GROUP_AT", "BlockTally", "TallyPlan", "block_tally", "diagnose",
           "group_problems"]
