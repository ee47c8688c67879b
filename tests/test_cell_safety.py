"""The quick checks of cell_safety never let through a cell the full guard would change."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.outputs import cell_safety
from matcher.outputs.cell_safety import clean_text, safe_cell

_CHARACTERS = st.sampled_from(list("ab =+-@,;|'\n\t\r\x00\x01\x1b\x7f\x85\x9f\xa0é😀\u2028"))


def _full_guard(text: str) -> str:
    """safe_cell without its quick check (the guard as it was written first)."""
    guarded = text.startswith(cell_safety.FORMULA_STARTS)
    text = clean_text(text)
    if guarded or text.startswith(cell_safety.FORMULA_STARTS):
        text = "'" + text
    return cell_safety._INNER_FORMULA.sub(" ", text)


@settings(max_examples=2_000, deadline=None)
@given(st.lists(_CHARACTERS, max_size=10).map("".join) | st.text(max_size=40))
def test_the_quick_check_agrees_with_the_full_guard(text):
    assert safe_cell(text) == _full_guard(text)
    if cell_safety._plain_cell(text):
        assert _full_guard(text) == text


def test_both_sides_of_the_quick_check_are_reached():
    texts = ["Elena López", "mid-career", "a@b.org", "x;=1", "=1", "\x01=1", "a\nb", "\xa0"]
    assert [cell_safety._plain_cell(t) for t in texts] == [True] * 3 + [False] * 5
    assert [safe_cell(t) for t in texts[3:]] == ["x; =1", "'=1", "'=1", "a\nb", "\xa0"]
