"""The report's charts in the service's pages: taken from the run folder's ``report.html``.

The product draws each chart once, when it writes the run folder (SVG inlined in its
report). The run page shows them as images served from that file — ``<img>`` needs no
script and no inline style in the page, so the page's Content-Security-Policy stays
strict, and what the page shows is what the report (and the run's zip) holds.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

#: A report section with a chart: ``<section id="..."> <h2>title</h2> … <div
#: class="figure"><svg …>…</svg>`` (the product's report.html.j2).
_SECTION = re.compile(r'<section id="(?P<id>[a-z0-9-]+)">\s*<h2>(?P<title>[^<]+)</h2>'
                      r'(?P<body>.*?)</section>', re.DOTALL)
_FIGURE = re.compile(r'<div class="figure">\s*(?P<svg><svg\b.*?</svg>)', re.DOTALL)


@dataclass(frozen=True)
class Chart:
    """One chart of a run's report: its section id (the URL name), title and SVG text."""

    name: str
    title: str
    svg: str


def report_charts(run_dir: Path) -> tuple[Chart, ...]:
    """The charts of the run's report, in the report's order (none without a report)."""
    report = run_dir / "report.html"
    if not report.is_file():
        return ()
    return _charts(str(report), report.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _charts(report: str, stamp: int) -> tuple[Chart, ...]:
    del stamp  # part of the key: a replaced report is read again
    text = Path(report).read_text(encoding="utf-8")
    found = []
    for section in _SECTION.finditer(text):
        figure = _FIGURE.search(section["body"])
        if figure is not None:
            found.append(Chart(section["id"], html.unescape(section["title"]).strip(),
                               figure["svg"]))
    return tuple(found)
