"""``mentormatch explain``: audit compatibility scores ("why B and not C?").

Two forms, one command: ``explain MENTORS MENTEES`` scores the intake files;
``explain RUN_DIR`` audits a finished run from its folder alone. The work is
:func:`matcher.jobs.explain_job`; the lines printed come from :mod:`scoring.explain_text`
and :mod:`matcher.audit_text`, beside the explanations they format.
"""

from __future__ import annotations

import json

import click

from cli.common import JsonErrorsCommand, input_errors_exit_2
from matcher.jobs import ExplainResult, explain_job


def explain_lines(result: ExplainResult) -> list[str]:
    """The printed form of an explain answer."""
    # Imported here: the formatters name the score records, whose modules load the scorer;
    # the audit's only for a run folder, as it loads the solver too.
    from scoring.explain import Comparison, PairExplanation, TopCandidates
    from scoring.explain_text import format_breakdown, format_comparison, format_top

    answer = result.answer
    if isinstance(answer, Comparison):
        return format_comparison(answer)
    if isinstance(answer, PairExplanation):
        return format_breakdown(answer)
    if isinstance(answer, TopCandidates):
        return format_top(answer, result.mentee_name)
    from matcher.audit_text import format_audit

    return format_audit(answer, result.run_dir or answer.run_dir)


@click.command("explain", cls=JsonErrorsCommand)
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
    result = explain_job(inputs, mentee_id, mentor_id=mentor_id, other_id=other_id, top=top_n,
                         config=config_option)
    click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if as_json
               else "\n".join(explain_lines(result)))
