"""The CLI benchmark's step-by-step figures name every step ``match`` takes.

``benchmarks/bench_cli.py`` tells a match's steps apart by wrapping the functions
:func:`matcher.jobs.match_job` calls (its ``STEPS``) as their modules are imported. If the
job stops calling one of them (a rename, a step merged into another), the benchmark would
quietly fold that step's time into "after ..." rows; this test fails instead.
"""

from __future__ import annotations

from benchmarks.bench_cli import SAMPLE, STEPS, match_phases, versions


def test_match_steps_name_every_step_the_job_takes() -> None:
    this_checkout = versions([])[0]
    segments = match_phases(this_checkout, SAMPLE)
    labels = [label for label, _, _ in segments]
    assert labels[0] == "import the command (cli.match)"
    for _, _, label in STEPS:
        assert labels.count(label) == 1, (label, labels)
    # The steps come in the order match takes them.
    steps = [label for label in labels if label in {step[2] for step in STEPS}]
    assert steps == [step[2] for step in STEPS]
    assert all(wall >= 0 and cpu >= 0 for _, wall, cpu in segments)
