"""``mentormatch explain``: audit compatibility scores ("why B and not C?").

Loading the cohort (:func:`load_cohort`) is kept apart from printing (``format_*``) so a
run folder can feed the same printers later.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from cli.common import config_path_for, input_errors_exit_2
from scoring.config import ProgramConfig, load_config
from scoring.errors import InputError
from scoring.explain import (
    Comparison,
    PairExplanation,
    TopCandidates,
    compare,
    explain_pairs,
    suggest_ids,
    top_candidates,
)
from scoring.features import build_features
from scoring.profiles import Cohort


def load_cohort(mentors: str, mentees: str, config_option: str | None
                ) -> tuple[Cohort, ProgramConfig]:
    """Read the config and both intake files; refuse a cohort with intake errors."""
    from scoring.intake import read_valid_cohort

    config = load_config(config_path_for(mentors, config_option))
    cohort = read_valid_cohort(mentors, mentees, config, action="explained")
    return cohort, config


def check_id(wanted: str, known: Sequence[str], side: str, path: str) -> None:
    """Raise an InputError suggesting the closest ids when ``wanted`` is not in ``known``."""
    if wanted not in set(known):
        raise InputError(f"{path}: no {side} has the id {wanted!r}. {suggest_ids(wanted, known)} "
                         f"Use the value of the {side}s' id column exactly as written there.")


def _label(person_id: str, name: str) -> str:
    return f"{person_id} ({name})" if name and name != person_id else person_id


def format_breakdown(pair: PairExplanation) -> list[str]:
    """The full score breakdown of one pair: a table of components and the total."""
    status = "eligible" if pair.eligible else "NOT ELIGIBLE"
    lines = [f"Mentee {_label(pair.mentee_id, pair.mentee_name)} x mentor "
             f"{_label(pair.mentor_id, pair.mentor_name)}: score {pair.score:.1f} / 100, "
             f"{status}"]
    for rule, sentence in zip(pair.broken_rules, pair.rule_sentences, strict=True):
        lines.append(f"  breaks rule {rule}: {sentence}")
    lines.append("")
    lines.append(f"{'component':<15} {'points':>6} {'value':>6} {'weight':>6}  evidence")
    for part in pair.components:
        lines.append(f"{part.name:<15} {part.points:>6.1f} {part.value:>6.2f} "
                     f"{part.weight:>6g}  {part.evidence}")
    lines.append(f"{'total':<15} {pair.score:>6.1f}")
    lines.append("")
    lines.append("points = 100 x weight x value / sum of weights, rounded so they add up to "
                 "the score.")
    return lines


def format_top(top: TopCandidates, mentee_name: str = "") -> list[str]:
    """The best eligible mentors with one-line reasons, and what ruled the others out."""
    lines = [f"Top {len(top.candidates)} eligible mentors for {_label(top.mentee_id, mentee_name)}"
             f"; {top.n_eligible} of {top.n_mentors} mentors are eligible:"]
    width = max([len(c.mentor_id) for c in top.candidates] + [5])
    for rank, pair in enumerate(top.candidates, start=1):
        lines.append(f"{rank:>3}. {pair.mentor_id:<{width}} {pair.score:>5.1f}  "
                     + "; ".join(pair.reasons(2)))
    if not top.candidates:
        lines.append("  (no eligible mentor)")
    if top.ineligible_by_rule:
        lines.append(f"Ruled out ({top.n_mentors - top.n_eligible} mentors; one may break "
                     f"several rules):")
        for rule, count in sorted(top.ineligible_by_rule.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {count:>5} by {rule}: {top.rule_sentences[rule]}")
    return lines


def format_comparison(comparison: Comparison) -> list[str]:
    """Why B rather than C: both scores component by component, with the differences."""
    b, c = comparison.b, comparison.c
    lines = [f"Why B rather than C for mentee {_label(comparison.mentee_id, b.mentee_name)}:",
             f"  B = {_label(b.mentor_id, b.mentor_name)}",
             f"  C = {_label(c.mentor_id, c.mentor_name)}", "",
             f"{'component':<15} {'B':>6} {'C':>6} {'B - C':>6}"]
    for diff in comparison.differences:
        lines.append(f"{diff.name:<15} {diff.points_b:>6.1f} {diff.points_c:>6.1f} "
                     f"{diff.difference:>+6.1f}")
    lines.append(f"{'total':<15} {b.score:>6.1f} {c.score:>6.1f} "
                 f"{comparison.score_difference:>+6.1f}")
    lines.append("")
    lines.extend(comparison.summary())
    return lines


@click.command("explain")
@click.argument("mentors", type=click.Path(dir_okay=False))
@click.argument("mentees", type=click.Path(dir_okay=False))
@click.option("--mentee", "mentee_id", required=True, help="The mentee's id.")
@click.option("--mentor", "mentor_id", help="Show the full score breakdown for this mentor.")
@click.option("--vs", "other_id", help="With --mentor: compare with this mentor (why B, not C).")
@click.option("--top", "top_n", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="Without --mentor: how many of the best eligible mentors to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
@click.option("--config", "config_option", type=click.Path(dir_okay=False),
              help="Program config (TOML). Default: program.toml beside MENTORS.")
@input_errors_exit_2
def explain_command(mentors: str, mentees: str, mentee_id: str, mentor_id: str | None,
                    other_id: str | None, top_n: int, as_json: bool,
                    config_option: str | None) -> None:
    """Explain compatibility scores for one mentee.

    \b
    Examples:
      mentormatch explain mentors.csv mentees.csv --mentee ana@uni.edu           top 5
      mentormatch explain mentors.csv mentees.csv --mentee ana@uni.edu --mentor bo@x.org
      mentormatch explain mentors.csv mentees.csv --mentee ana@uni.edu \\
          --mentor bo@x.org --vs cy@y.org                                why bo, not cy

    Each pair's points add up to its score; ineligible pairs show the rules they break.
    """
    if other_id and not mentor_id:
        raise InputError("--vs compares two mentors: give the first with --mentor, e.g. "
                         "--mentor B --vs C.")
    cohort, config = load_cohort(mentors, mentees, config_option)
    check_id(mentee_id, [m.id for m in cohort.mentees], "mentee", mentees)
    for wanted in (mentor_id, other_id):
        if wanted:
            check_id(wanted, [m.id for m in cohort.mentors], "mentor", mentors)
    features = build_features(cohort, config)
    if mentor_id and other_id:
        comparison = compare(cohort, config, mentee_id, mentor_id, other_id, features)
        data, lines = comparison.to_dict(), format_comparison(comparison)
    elif mentor_id:
        pair = explain_pairs(cohort, config, [(mentee_id, mentor_id)], features)[0]
        data, lines = pair.to_dict(), format_breakdown(pair)
    else:
        top = top_candidates(cohort, config, mentee_id, top_n, features)
        mentee_name = cohort.mentees[cohort.mentee_index()[mentee_id]].name
        data, lines = top.to_dict(), format_top(top, mentee_name)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else "\n".join(lines))
