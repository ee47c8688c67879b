"""``mentormatch explain``: audit compatibility scores ("why B and not C?").

Two forms, one command: ``explain MENTORS MENTEES`` scores the intake files;
``explain RUN_DIR`` audits a finished run from its folder alone (:mod:`matcher.audit`), adding
the run's networks and the solver's reasons. Loading is kept apart from printing
(``format_*``), so both forms share the printers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from cli.common import config_path_for, input_errors_exit_2
from matcher.audit import (
    CHANGES_SHOWN,
    PairChange,
    RunAudit,
    explain_from_run,
    is_run_folder,
)
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
    from scoring.intake.cohort import read_valid_cohort

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


def _network_line(pair) -> str:
    covers = f" for {pair.covers.replace('_', ' ')}" if pair.covers else ""
    score = f"{pair.score:5.1f}" if pair.score is not None else "    ?"
    locked = "  (locked)" if pair.locked else ""
    return f"  {pair.role + covers:<28} {pair.mentor_id}  {score}{locked}"


def _moves(changes: Sequence[PairChange]) -> list[str]:
    """One line per mentee whose network changes: "mentee: old (score) → new (score)"."""
    by_mentee: dict[str, dict[str, list[str]]] = {}
    for change in changes:
        sides = by_mentee.setdefault(change.mentee_id, {"dropped": [], "added": []})
        sides[change.change].append(f"{change.mentor_id} ({change.score:.1f})")
    return [f"{mentee}: {', '.join(sides['dropped']) or 'nobody'} → "
            f"{', '.join(sides['added']) or 'nobody'}" for mentee, sides in by_mentee.items()]


def format_audit(audit: RunAudit, run_dir: str) -> list[str]:
    """An audit of one mentee of a run folder (network, one pair, or why B and not C)."""
    mentee = _label(audit.mentee_id, audit.mentee_name)
    lines = [f"Run {run_dir} (objective {audit.objective}), mentee {mentee}"]
    lines += [f"Warning: {w}" for w in audit.warnings]
    if audit.why_not is not None:
        why = audit.why_not
        lines += [""] + format_comparison(why.comparison)
        if not why.b_in_network:
            lines.append(f"Note: {why.mentor_b} is not in this mentee's network in this run.")
        lines += ["", "Why the run did not give C:"]
        lines += [f"  - {reason.sentence}" for reason in why.reasons]
        forced = why.forced
        if forced is not None and forced.changes:
            moves = _moves(forced.changes)
            lines.append(f"  Networks that change in that matching ({len(moves)}):")
            lines += [f"    {move}" for move in moves[:CHANGES_SHOWN]]
            if len(moves) > CHANGES_SHOWN:
                lines.append(f"    ... and {len(moves) - CHANGES_SHOWN} more (--json lists "
                             "every pair)")
        if forced is not None and not forced.reproduces_run:
            lines.append("  Note: solved again without the lock, the run's problem gives "
                         "other pairs than pairings.csv (an equal-total optimum, or the run "
                         "was not proven optimal); figures compare the two re-solves.")
        return lines
    if audit.mentor_id is not None:
        pair = audit.breakdowns[0]
        lines += [""] + format_breakdown(pair)
        own = next((p for p in audit.network if p.mentor_id == audit.mentor_id), None)
        if own is not None:
            covers = f" for {own.covers.replace('_', ' ')}" if own.covers else ""
            lines.append(f"In this mentee's network as {own.role}{covers}.")
        else:
            lines.append(f"Not in this mentee's network. Why not: mentormatch explain "
                         f"{run_dir} --mentee {audit.mentee_id} --vs {audit.mentor_id}")
        return lines
    lines.append("")
    if audit.network:
        lines.append(f"Network ({len(audit.network)} mentor"
                     f"{'s' if len(audit.network) != 1 else ''}):")
        lines += [_network_line(p) for p in audit.network]
    else:
        lines.append("Not placed in this run (report.html lists why).")
    for pair in audit.breakdowns:
        lines += [""] + format_breakdown(pair)[:-2]
    lines += ["", "Best-scoring eligible mentors outside the network:"]
    width = max([len(a.explanation.mentor_id) for a in audit.alternatives] + [5])
    for rank, alt in enumerate(audit.alternatives, start=1):
        lines.append(f"{rank:>3}. {alt.explanation.mentor_id:<{width}} "
                     f"{alt.explanation.score:>5.1f}  {alt.status}")
    if not audit.alternatives:
        lines.append("  (none)")
    else:
        first = audit.alternatives[0].explanation.mentor_id
        lines.append(f"Why not one of them: mentormatch explain {run_dir} --mentee "
                     f"{audit.mentee_id} --vs {first}")
    return lines


@click.command("explain")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(),
                metavar="RUN_DIR | MENTORS MENTEES")
@click.option("--mentee", "mentee_id", required=True, help="The mentee's id.")
@click.option("--mentor", "mentor_id", help="Show the full score breakdown for this mentor.")
@click.option("--vs", "other_id", help="Compare with this mentor: why B (--mentor; in a run "
              "folder, default: the mentee's primary) and not this one.")
@click.option("--top", "top_n", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="Without --mentor: how many of the best mentors to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
@click.option("--config", "config_option", type=click.Path(dir_okay=False),
              help="Intake form only: program config (TOML). Default: program.toml beside "
                   "MENTORS. A run folder uses the config recorded in its run.json.")
@input_errors_exit_2
def explain_command(inputs: tuple[str, ...], mentee_id: str, mentor_id: str | None,
                    other_id: str | None, top_n: int, as_json: bool,
                    config_option: str | None) -> None:
    """Explain compatibility scores for one mentee, from a run folder or the intake files.

    \b
    From a run folder (what `match` or `rematch` wrote; no intake files needed):
      mentormatch explain runs/2027 --mentee ana@uni.edu          network, breakdowns,
                                                                  best alternatives
      mentormatch explain runs/2027 --mentee ana@uni.edu --mentor bo@x.org
      mentormatch explain runs/2027 --mentee ana@uni.edu --vs cy@y.org
          why her mentor (or --mentor B) and not cy: scores side by side, and the
          solver's reason: a rule, a pair ended earlier, an area already covered,
          cy full or not, and what giving cy would cost (the run solved again)

    \b
    From the intake files (scores only, no run needed):
      mentormatch explain mentors.csv mentees.csv --mentee ana@uni.edu           top 5
      mentormatch explain mentors.csv mentees.csv --mentee ana@uni.edu --mentor bo@x.org
      mentormatch explain mentors.csv mentees.csv --mentee ana@uni.edu \\
          --mentor bo@x.org --vs cy@y.org                                why bo, not cy

    Each pair's points add up to its score; ineligible pairs show the rules they break.
    """
    if len(inputs) == 1:
        run_dir = inputs[0]
        if not is_run_folder(run_dir):
            raise InputError(f"{run_dir}: not a run folder (no run.json in it). Give a folder "
                             "`mentormatch match` wrote, or both intake files: "
                             "mentormatch explain MENTORS MENTEES --mentee ID.")
        if config_option:
            raise InputError("--config is for the intake-file form; a run folder is audited "
                             "with the config recorded in its run.json. Drop --config.")
        audit = explain_from_run(run_dir, mentee_id, mentor_id, other_id, top=top_n)
        click.echo(json.dumps(audit.to_dict(), indent=2, ensure_ascii=False) if as_json
                   else "\n".join(format_audit(audit, run_dir)))
        return
    if len(inputs) != 2:
        raise InputError(f"explain takes a run folder or two intake files (MENTORS MENTEES); "
                         f"got {len(inputs)} arguments.")
    mentors, mentees = inputs
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
