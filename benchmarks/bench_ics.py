"""Calendar benchmark: every pair's .ics bytes, folded by ics_serialise vs by icalendar.

    .venv/bin/python benchmarks/bench_ics.py            # 10,000 pairs
    .venv/bin/python benchmarks/bench_ics.py --quick    # 1,000 pairs
    .venv/bin/python benchmarks/bench_ics.py --pairs 5000

The made-up match of ``bench_outputs.py`` (a generated cohort, one primary per mentee, a
specialist for every tenth) gets its plans built once; then the calendars of every pair
are serialised twice in this run, best of ``--repeats``: by the calendar writer as it ships
(long lines folded by :mod:`matcher.outputs.ics_serialise`) and, as the baseline, by the
same writer with icalendar's own folding (``Contentline.to_ical``). Both must give the same
bytes (checked here too). No file is written: this is the serialisation alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from icalendar.parser import Contentline  # noqa: E402

import matcher.outputs.calendar_files as calendar_files  # noqa: E402
from benchmarks.bench_outputs import synthetic_outcome  # noqa: E402
from benchmarks.report_table import ResultTable  # noqa: E402
from matcher.outputs.plans import build_plans  # noqa: E402
from matcher.outputs.schedule import start_date  # noqa: E402
from scoring.explain import explain_pairs  # noqa: E402


def serialise_all(plans, start) -> list[bytes]:
    writer = calendar_files.CalendarWriter(start)
    return [writer.calendar(plan) for plan in plans]


class IcalendarFoldedLine:
    """The baseline of a line's shared start and a pair's rest: folded whole by icalendar."""

    def __init__(self, start: str) -> None:
        self.start = start

    @classmethod
    def of(cls, start: str) -> IcalendarFoldedLine:
        return cls(start)

    def fold(self, rest: bytes) -> bytes:
        return Contentline(self.start + rest.decode("utf-8")).to_ical()


def best(fn, repeats: int) -> tuple[object, float]:
    out, fastest = None, float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        out = fn()
        fastest = min(fastest, time.perf_counter() - started)
    return out, fastest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 pairs")
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    n_pairs = 1_000 if args.quick else args.pairs
    print(f"load before: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        outcome, _ = synthetic_outcome(Path(tmp), n_pairs)
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    explanations = explain_pairs(outcome.cohort, outcome.config, pairs)
    plans = build_plans(outcome, {(e.mentee_id, e.mentor_id): e for e in explanations})
    start = start_date(outcome.config)
    fast, t_fast = best(lambda: serialise_all(plans, start), args.repeats)
    shipped = calendar_files.fold_content_line, calendar_files.FoldedStart
    calendar_files.fold_content_line = lambda text: Contentline(text).to_ical()
    # a stand-in class for icalendar's folding, on purpose (then the shipped one back)
    calendar_files.FoldedStart = IcalendarFoldedLine  # type: ignore[misc, assignment]
    try:
        slow, t_slow = best(lambda: serialise_all(plans, start), args.repeats)
    finally:
        calendar_files.fold_content_line, calendar_files.FoldedStart = shipped  # type: ignore[misc]
    if fast != slow:
        print("calendars differ from icalendar's folding", file=sys.stderr)
        return 1
    table = ResultTable()
    table.row("calendars", f"{len(plans):,} .ics serialised (same bytes)", f"{t_fast:.2f} s",
              f"{t_slow:.2f} s (icalendar folding)", f"{t_fast / t_slow:.2f}x")
    table.print()
    print(f"\nload average after (1/5/15 min): "
          f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
