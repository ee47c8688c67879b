"""The result table every benchmark prints: a figure, its same-run baseline and the ratio."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
HEADER = ("benchmark", "figure", "value", "baseline", "ratio")


class ResultTable:
    """Rows of (benchmark, figure, value, baseline, ratio), echoed to stderr as they come."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def row(self, bench: str, figure: str, value: object, baseline: object, ratio: str) -> None:
        """Record one figure and show progress on stderr."""
        self.rows.append((bench, figure, str(value), str(baseline), ratio))
        print(f"  {bench}: {figure} = {value} (baseline {baseline}, {ratio})", file=sys.stderr,
              flush=True)

    def print(self) -> None:
        """Print the table as Markdown-friendly columns on stdout."""
        widths = [max(len(r[k]) for r in [*self.rows, HEADER]) for k in range(len(HEADER))]
        for line in [HEADER, tuple("-" * w for w in widths), *self.rows]:
            print(" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))


def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    """Call ``fn`` and return its result with the wall time in seconds."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start
