"""Many problems of one cause shown as one: 1,000 "unknown grade" cells are one message.

:func:`group_problems` folds the problems sharing severity, file, column and fix (the same
cause) into one once there are :data:`GROUP_AT` of them, listing the distinct values with
their counts and rows; the others stay as they are. Used where problems are shown to a
person (``validate``, ``match``); ``--json`` keeps every cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from scoring.profiles import Problem

#: Problems of one cause from this many cells on are shown as one.
GROUP_AT = 5
#: Distinct values a grouped message lists before "and N more values".
LISTED = 10
#: Rows listed per value.
ROWS_PER_VALUE = 5


def group_problems(problems: Sequence[Problem]) -> list[Problem]:
    """Problems of one cause (same severity, file, column and fix) from :data:`GROUP_AT`
    cells on become one, listing the distinct values with counts and rows; others stay."""
    causes: dict[tuple, list[Problem]] = {}
    for problem in problems:
        key = (problem.severity, problem.file, problem.column, problem.fix)
        causes.setdefault(key, []).append(problem)
    out: list[Problem] = []
    emitted: set[tuple] = set()
    for problem in problems:
        key = (problem.severity, problem.file, problem.column, problem.fix)
        group = causes[key]
        if len(group) < GROUP_AT or problem.row is None:
            out.append(problem)
            continue
        if key in emitted:
            continue
        emitted.add(key)
        out.append(_grouped(group))
    return out


def _grouped(group: list[Problem]) -> Problem:
    rows: dict[str, list[int]] = {}
    for problem in group:
        rows.setdefault(problem.value or "(blank)", []).append(problem.row or 0)
    ranked = sorted(rows.items(), key=lambda item: -len(item[1]))
    listed = "; ".join(
        f"{value!r} ×{len(at)} (rows {', '.join(map(str, at[:ROWS_PER_VALUE]))}"
        f"{' ...' if len(at) > ROWS_PER_VALUE else ''})" for value, at in ranked[:LISTED])
    more = f"; and {len(ranked) - LISTED} more values" if len(ranked) > LISTED else ""
    first = group[0]
    return Problem(first.severity, first.file, None, first.column, None,
                   f"{len(group)} cells, {len(rows)} distinct values: {listed}{more}. The "
                   f"first: {first.message}", first.fix, first.key, first.code or "grouped")
