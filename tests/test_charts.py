"""The report's figures: bars that say the counts the tables say, as stable, valid SVG.

The charts are drawn as shapes (:mod:`matcher.outputs.charts`) and written by
``chart.svg.j2``: each test reads the SVG back with an XML parser, as a browser would, and
checks what a coordinator sees: a bar per count with its exact number in the tooltip,
heights in proportion, round integer axes, names escaped, the same bytes on a rerun.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import cast

import numpy as np
from factories import make_outcome
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.outputs.charts import Series, columns, histogram, integer_ticks, paired_bars
from matcher.outputs.report import render_report
from matcher.outputs.templating import Templates

SVG = "{http://www.w3.org/2000/svg}"


def svg(chart) -> ET.Element:
    text = Templates().render("chart.svg.j2", chart=chart)
    return ET.fromstring(text)


def bars(root: ET.Element) -> list[tuple[float, float, float, float, str]]:
    """(x, y, width, height, tooltip) of every rectangle with a tooltip (the bars)."""
    out = []
    for rect in root.iter(f"{SVG}rect"):
        tip = rect.find(f"{SVG}title")
        if tip is not None:
            x, y, width, height = (float(cast(str, rect.get(k)))
                                   for k in ("x", "y", "width", "height"))
            out.append((x, y, width, height, cast(str, tip.text)))
    return out


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 1e7, allow_nan=False))
def test_ticks_are_round_integers_from_zero_covering_the_largest_value(largest: float) -> None:
    ticks = integer_ticks(largest)
    assert ticks[0] == 0 and ticks[-1] >= largest and 2 <= len(ticks) <= 9
    step = ticks[1]
    assert all(b - a == step for a, b in zip(ticks, ticks[1:], strict=False))
    assert step / 10 ** math.floor(math.log10(step)) in (1, 2, 5)
    assert ticks[-1] - step < max(largest, 1)  # no empty tick interval at the top


def test_histogram_stacks_each_bins_counts_in_proportion() -> None:
    edges = list(range(0, 105, 5))
    primary = [0] * 20
    special = [0] * 20
    primary[12], primary[13], special[12] = 6, 3, 2
    root = svg(histogram(edges, [Series("primary mentor", "#111111", tuple(primary)),
                                 Series("specialist", "#222222", tuple(special))],
                         x_label="score", y_label="pairs", title="Pairs by score"))
    assert root.get("aria-label") == "Pairs by score"
    found = {tip: (x, y, w, h) for x, y, w, h, tip in bars(root)}
    assert set(found) == {"60–65: 6 primary mentor", "60–65: 2 specialist",
                          "65–70: 3 primary mentor"}
    px, py, _, ph = found["60–65: 6 primary mentor"]
    sx, sy, _, sh = found["60–65: 2 specialist"]
    assert px == sx and math.isclose(sy + sh, py, abs_tol=0.15)  # stacked on top
    assert math.isclose(ph / sh, 3, rel_tol=0.02)
    assert math.isclose(found["65–70: 3 primary mentor"][3] * 2, ph, rel_tol=0.02)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert {"0", "20", "40", "60", "80", "100", "score", "pairs", "primary mentor",
            "specialist"} <= set(labels)


def test_columns_write_every_value_even_zero() -> None:
    root = svg(columns(["none", "full"], [0, 60], ["#111111", "#222222"], y_label="mentors",
                       title="Load"))
    assert [tip for *_, tip in bars(root)] == ["full: 60"]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("0") >= 2 and "60" in texts and "none" in texts  # a zero bar says 0


def test_paired_bars_escape_names_and_shorten_long_ones() -> None:
    hostile = "<script>alert(1)</script> & a very long area name indeed"
    root = svg(paired_bars(["Research", hostile],
                           [Series("asking", "#111111", (4, 1)),
                            Series("offering", "#222222", (8, 0))],
                           x_label="people", title="Areas"))
    found = {tip: width for _, _, width, _, tip in bars(root)}
    assert set(found) == {"Research: 4 asking", "Research: 8 offering", f"{hostile}: 1 asking"}
    assert math.isclose(found["Research: 8 offering"], 2 * found["Research: 4 asking"],
                        rel_tol=0.02)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert hostile[:31] + "…" in texts
    assert not root.findall(f".//{SVG}script")


def test_the_report_inlines_three_figures_and_reruns_write_the_same_bytes() -> None:
    outcome, explanations = make_outcome()
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    first = render_report(outcome, by_pair, Templates())
    assert first == render_report(outcome, by_pair, Templates())
    figures = [first[first.index("<svg", start):first.index("</svg>", start) + 6]
               for start in [i for i in range(len(first)) if first.startswith("<svg", i)]]
    assert len(figures) == 3
    scores = ET.fromstring(figures[0])
    primary = [p.score for n in outcome.networks for p in n.pairings if p.role == "primary"]
    counted = sum(int(tip.split(": ")[1].split()[0]) for *_, tip in bars(scores)
                  if tip.endswith("primary mentor"))
    assert counted == len(primary) == np.histogram(primary, np.arange(0, 105, 5))[0].sum()
