"""Plain CSV files are read without pandas (issue 15, part 5: pandas' import alone cost a
``match`` 0.2-0.4 s). The standard library's reader must give pandas' grid
exactly, or step aside: these tests compare the two on generated files and on every CSV of
the repository, counting the files each reader takes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.errors import IntakeError
from scoring.intake.spreadsheet import _decode, _delimiter, _pandas_grid, _plain_grid

ROOT = Path(__file__).resolve().parent.parent
# Cells as form exports write them, and the characters that make CSV hard.
WORDS = ["Ana", "  ", "", "Zoë Kay", "a,b", "x;y", "tab\there", 'say "hi"', "two\nlines",
         "cr\r\nlf", "=1+1", "-", "é", " lead", "trail "]


def _cell(word: str, delimiter: str, quote: bool) -> str:
    if quote or any(c in word for c in (delimiter, '"', "\n", "\r")):
        return '"' + word.replace('"', '""') + '"'
    return word


@st.composite
def csv_texts(draw: st.DrawFn) -> tuple[str, str]:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    width = draw(st.integers(1, 5))
    lines = []
    for row in range(draw(st.integers(1, 8))):
        if row and draw(st.integers(0, 6)) == 0:
            lines.append("")  # a blank line inside the sheet
            continue
        cells = draw(st.integers(1 if row else width, width + (draw(st.integers(0, 8)) == 0)))
        lines.append(delimiter.join(
            _cell(draw(st.sampled_from(WORDS)), delimiter, draw(st.booleans()))
            for _ in range(cells)))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    if draw(st.integers(0, 7)) == 0:  # damage: a stray quote, a NUL or a blank first line
        spot = draw(st.integers(0, len(text)))
        text = text[:spot] + draw(st.sampled_from(['"', "\x00", '"x"y', "\n"])) + text[spot:]
    return text, delimiter


def _pandas_outcome(text: str, delimiter: str) -> tuple[str, object]:
    try:
        return "grid", _pandas_grid(text, delimiter, "x.csv")
    except IntakeError as error:
        return "error", str(error)


def test_generated_files_give_pandas_grid_or_go_to_pandas() -> None:
    reached: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(csv_texts())
    def check(case: tuple[str, str]) -> None:
        text, delimiter = case
        fast = _plain_grid(text, delimiter)
        if fast is None:
            reached["pandas " + _pandas_outcome(text, delimiter)[0]] += 1
            return
        assert ("grid", fast) == _pandas_outcome(text, delimiter)
        reached["csv"] += 1
        reached["csv with blank or short rows"] += any(
            not any(row) or row[-1] == "" for row in fast[1:])
        reached["csv with quoted newlines"] += any("\n" in cell for row in fast for cell in row)

    check()
    assert reached["csv"] >= 200, reached
    assert reached["csv with blank or short rows"] >= 50, reached
    assert reached["csv with quoted newlines"] >= 50, reached
    assert reached["pandas grid"] + reached["pandas error"] >= 20, reached


CSV_FILES = sorted(p for p in ROOT.glob("**/*.csv")
                   if not {".venv", ".git", "runs", "node_modules"} & set(p.parts))


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_csv_of_the_repository_reads_the_same(path: Path) -> None:
    text = _decode(path.read_bytes())
    if not text.strip():
        return
    delimiter = _delimiter(text)
    fast = _plain_grid(text, delimiter)
    if fast is not None:
        assert ("grid", fast) == _pandas_outcome(text, delimiter)
