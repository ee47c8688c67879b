"""The quick checks of cell_safety never let through a cell the full guard would change."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.outputs import cell_safety
from matcher.outputs.cell_safety import clean_text, safe_cell

#: The guard's substitution as first written: a space inserted at each place a separator
#: precedes a formula character (a look-behind, tried at every position of the text).
INNER_FORMULA = re.compile(r"(?<=[,;\n|])(?=[=+\-@])")

_CHARACTERS = st.sampled_from(list("ab =+-@,;|'\n\t\r\x00\x01\x1b\x7f\x85\x9f\xa0é😀\u2028"))


def _full_guard(text: str) -> str:
    """safe_cell without its quick check (the guard as it was written first)."""
    guarded = text.startswith(cell_safety.FORMULA_STARTS)
    text = clean_text(text)
    if guarded or text.startswith(cell_safety.FORMULA_STARTS):
        text = "'" + text
    return INNER_FORMULA.sub(" ", text)


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


def test_spacing_inner_formulas_reads_as_the_look_behind_substitution():
    """safe_cell spaces inner formulas by matching each separator before a formula
    character: the text reads as the look-behind substitution makes it (runs such as
    ``,;=``, ``\\n-+``, ``|@,-`` included); texts with one, several and no such place are
    each reached."""
    reached = {"one place": 0, "several places": 0, "no place": 0}

    @settings(max_examples=1_500, deadline=None)
    @given(st.lists(st.sampled_from(list(",;|\n=+-@ a—é")), max_size=30).map("".join))
    def check(text: str) -> None:
        expected = INNER_FORMULA.sub(" ", text)
        assert cell_safety._BEFORE_INNER_FORMULA.sub(cell_safety._spaced, text) == expected
        places = len(INNER_FORMULA.findall(text))
        reached["several places" if places > 1 else "one place" if places else "no place"] += 1

    check()
    assert min(reached.values()) >= 100, reached


def test_a_column_checked_at_once_is_guarded_as_each_text_alone():
    """safe_texts (a column's texts looked at as one text first) gives each text's own
    safe_cell, whatever the texts hold (a formula start at the first text or a later one,
    a separator ending one text before a formula character starting the next, control
    characters, a no-break space, line breaks); both of its paths reached."""
    from collections import Counter
    reached: Counter[str] = Counter()

    @settings(max_examples=1_000, deadline=None)
    @given(st.lists(st.lists(_CHARACTERS, max_size=6).map("".join)
                    | st.sampled_from(["Ada Lovelace", "Mary-Jane", "x@y.org", "Dr.\xa0Ng",
                                       "a+b", "", "line\nbreak", "semi; colon"]),
                    max_size=6))
    def check(texts: list[str]) -> None:
        guarded = cell_safety.safe_texts(texts)
        assert guarded == [_full_guard(text) for text in texts]
        if guarded != texts:
            reached["changed"] += 1
            return
        assert guarded is texts  # nothing to change: found by the one look
        reached["unchanged"] += 1
        reached["unchanged, not printable"] += not "".join(texts).isprintable()

    check()
    assert min(reached.values()) >= 100 and len(reached) == 3, reached
