"""The month-12 feedback sheet: mapping, decisions, and errors that name file, row, column."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.config import config_from_dict
from scoring.intake.feedback import FeedbackError, read_feedback
from scoring.intake.normalise import normalise_email, normalise_id
from tests import reader_reference as before

AREAS = {"research": ["Research/Scholarship"], "clinical": [], "career": ["career planning"]}
CONFIG = config_from_dict({"program": {"id_field": "id"}, "vocabularies": {"areas": AREAS}})
PREVIOUS = {("E1", "M1"), ("E1", "M2"), ("E2", "M1"), ("E3", "M3")}
HEADERS = ["Mentee ID", "Mentor ID", "Continue?", "Mentee rating", "Mentor rating", "Notes",
           "New goals", "Wants a new network member in area"]


def write_sheet(tmp_path: Path, rows: list[list[str]], headers: list[str] = HEADERS) -> Path:
    path = tmp_path / "feedback.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([headers, *rows])
    return path


def test_reads_decisions_ratings_goals_and_areas(tmp_path: Path) -> None:
    path = write_sheet(tmp_path, [
        ["E1", "M1", "Yes", "5", "4", "Private: going through a divorce", "", ""],
        ["E1", "M2", "no", "2", "", "", "Lead a research group", "Research/Scholarship"],
        ["E2", "M1", "", "", "", "", "", ""],
        ["E3", "M3", "Maybe", "3.5", "4", "", "", "clinical; career planning"],
    ])
    sheet = read_feedback(path, CONFIG, previous_pairs=PREVIOUS)
    assert sheet.decisions() == {("E1", "M1"): "yes", ("E1", "M2"): "no",
                                 ("E2", "M1"): "unsure", ("E3", "M3"): "unsure"}
    assert sheet.rows[0].mentee_rating == 5 and sheet.rows[0].mentor_rating == 4
    assert sheet.rows[3].mentee_rating == 3.5
    assert sheet.new_goals() == {"E1": "Lead a research group"}
    assert sheet.new_areas() == {"E1": ("research",), "E3": ("clinical", "career")}
    assert "divorce" not in repr(sheet)  # notes are dropped on reading, never carried on


def test_headers_map_through_config_columns(tmp_path: Path) -> None:
    config = config_from_dict({"program": {"id_field": "id"}, "columns": {"feedback": {
        "Trainee": "mentee_id", "Faculty": "mentor_id", "Keep going": "continue"}}})
    path = write_sheet(tmp_path, [["E3", "M3", "y"]], ["Trainee", "Faculty", "Keep going"])
    assert read_feedback(path, config, previous_pairs=PREVIOUS).decisions() == {
        ("E3", "M3"): "yes"}


def test_every_error_names_file_row_and_column(tmp_path: Path) -> None:
    path = write_sheet(tmp_path, [
        ["E1", "M1", "perhaps later", "", "", "", "", ""],   # row 2: unknown continue value
        ["E9", "M1", "yes", "", "", "", "", ""],             # row 3: mentee never in the run
        ["E2", "M3", "yes", "", "", "", "", ""],             # row 4: ids known, never a pair
        ["E3", "M3", "yes", "", "", "", "", ""],             # row 5: fine
        ["E3", "M3", "no", "", "", "", "", ""],              # row 6: duplicate of row 5
        ["E1", "M2", "no", "7", "", "", "", ""],             # row 7: rating out of range
        ["E2", "M1", "no", "", "", "", "", "astrology"],     # row 8: unknown area
    ])
    with pytest.raises(FeedbackError) as caught:
        read_feedback(path, CONFIG, previous_pairs=PREVIOUS)
    where = {(p.row, p.column) for p in caught.value.problems}
    assert where == {(2, "Continue?"), (3, "Mentee ID"), (4, "Mentor ID"), (6, "Mentor ID"),
                     (7, "Mentee rating"), (8, "Wants a new network member in area")}
    assert all(p.file == str(path) for p in caught.value.problems)
    message = str(caught.value)
    assert "row 6" in message and "already given on row 5" in message
    assert "'perhaps later'" in message and "outside the scale 1 to 5" in message


def test_missing_required_column_is_one_clear_error(tmp_path: Path) -> None:
    path = write_sheet(tmp_path, [["E1", "M1"]], ["Mentee ID", "Mentor ID"])
    with pytest.raises(FeedbackError, match=r"no column for 'continue'.*\[columns.feedback\]"):
        read_feedback(path, CONFIG, previous_pairs=PREVIOUS)


# ------------------------------------------------------------------ same as the per-cell reader
# The feedback reader works column by column (issue 15: a million rows in seconds). A
# coordinator relies on the same records and the same problems (file, row, column, message,
# fix) as the per-cell reader it replaced, kept verbatim in tests/reader_reference.py.

# Previous pairs with ids as a run may hold them: upper- and lower-case e-mails that
# normalise alike, a number, an accent, a code whose capitals matter.
PAST_IDS = ["a@x.org", "A@x.org", "b@x.org", "1001", "Zoë", "M-01", "m-01", "M-02", "r@y.org",
            "s@y.org"]
PAST_PAIRS = {("a@x.org", "M-01"), ("a@x.org", "m-01"), ("A@x.org", "M-02"), ("b@x.org", "M-01"),
              ("b@x.org", "M-02"), ("1001", "m-01"), ("Zoë", "M-01"), ("Zoë", "M-02"),
              ("a@x.org", "r@y.org"), ("b@x.org", "s@y.org"), ("1001", "r@y.org"),
              ("Zoë", "s@y.org"), ("A@x.org", "s@y.org")}
# How people write those ids back, and cells that are problems.
ID_CELLS = PAST_IDS + ["B@X.ORG", " mailto:b@x.org ", "1001.0", "Zoe\u0308", "b@x.org\u200b",
                       "", " ", "n/a", "N/A", "-", "E9", "m-02", "zoë", "a @x.org"]
CONTINUE_CELLS = ["yes", "No", "Y", "maybe", "", " N/A ", "perhaps later", "Not sure"]
RATING_CELLS = ["", "1", "5", "3,5", " 4 ", "7", "0", "x", "nan", "-"]
AREA_CELLS = ["", "research", "Research/Scholarship", "clinical; career planning", "astrology",
              "astrology, astrology; clinical"]
GOAL_CELLS = ["", "Lead  a group ", "n/a", "line one\nline two"]
OPTIONAL = [("Mentee rating", RATING_CELLS), ("Mentor rating", RATING_CELLS),
            ("Notes", ["", "private"]), ("New goals", GOAL_CELLS),
            ("Wants a new network member in area", AREA_CELLS)]


def past_pairs(id_field: str) -> set[tuple[str, str]]:
    """The previous pairs a run can hold together with ``id_field``: intake normalises
    "A@x.org" to "a@x.org" (and, with e-mail ids, "M-01" to "m-01"), so ids the normaliser
    changes are left out. Ids that differ only in capitals are a deliberate change from
    the per-cell reader (a cell naming one exactly is that one; one naming neither exactly
    is ambiguous), tested on its own below."""
    normal = normalise_email if id_field == "email" else normalise_id
    return {pair for pair in PAST_PAIRS if all(normal(ident) == ident for ident in pair)}


@st.composite
def feedback_sheets(draw, id_field: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a feedback sheet: known pairs (some repeated), ids written other
    ways, problem cells, optional columns present or not, in any order."""
    normal = normalise_email if id_field == "email" else normalise_id
    # Half the sheets have problem cells (in ratings and areas too: those columns are
    # there) and may repeat a pair (ids mostly right, so that pairs repeat); the others
    # give each pair once and write only answers that read (ids in any of the ways that
    # resolve), with optional columns present or not.
    clean = draw(st.booleans())
    columns = [("Mentee ID", ID_CELLS), ("Mentor ID", ID_CELLS), ("Continue?", CONTINUE_CELLS)]
    columns += (draw(st.lists(st.sampled_from(OPTIONAL), unique_by=lambda c: c[0])) if clean
                else OPTIONAL)
    order = draw(st.permutations(range(len(columns))))
    columns = [columns[k] for k in order]
    pairs = list(draw(st.permutations(sorted(past_pairs(id_field)))))
    pairs = pairs[:draw(st.integers(1, 10))]
    if not clean:
        pairs = [draw(st.sampled_from(pairs)) for _ in range(draw(st.integers(1, 10)))]
    rows = []
    for mentee, mentor in pairs:
        row = []
        for header, pool in columns:
            if header == "Mentee ID" and (clean or draw(st.integers(0, 3))):
                row.append(draw(st.sampled_from([mentee] + [
                    cell for cell in _WRITTEN.get(mentee, []) if normal(cell) == mentee])))
            elif header == "Mentor ID" and (clean or draw(st.integers(0, 3))):
                row.append(mentor)
            else:
                pool = pool if not clean else [c for c in pool if c not in _PROBLEM_CELLS]
                row.append(draw(st.sampled_from(pool)))
        rows.append(row)
    return [header for header, _ in columns], rows


#: Ids of the previous run as people write them back (each resolves to that id).
_WRITTEN = {"b@x.org": ["B@X.ORG", " mailto:b@x.org ", "b@x.org\u200b"],
            "1001": ["1001.0"], "Zoë": ["Zoe\u0308"]}
_PROBLEM_CELLS = {"perhaps later", "7", "0", "x", "nan", "astrology",
                  "astrology, astrology; clinical"}


def _feedback_outcome(read) -> tuple:
    try:
        return ("sheet", read())
    except FeedbackError as error:
        return ("error", str(error), error.problems)


@pytest.mark.parametrize("id_field", ["id", "email"])
def test_generated_feedback_sheets_give_the_same_records_and_problems(
        tmp_path: Path, id_field: str) -> None:
    config = config_from_dict({"program": {"id_field": id_field},
                               "vocabularies": {"areas": AREAS}})
    reached: Counter[str] = Counter()
    previous = past_pairs(id_field)

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(feedback_sheets(id_field))
    def check(sheet: tuple[list[str], list[list[str]]]) -> None:
        path = write_sheet(tmp_path, sheet[1], sheet[0])
        new = _feedback_outcome(lambda: read_feedback(path, config,
                                                      previous_pairs=previous))
        old = _feedback_outcome(lambda: before.read_feedback(path, config,
                                                             previous_pairs=previous))
        assert new == old
        reached[new[0]] += 1
        if new[0] == "sheet":
            written = {cell for row in sheet[1] for cell in row[:2]}
            reached["sheet, ids written another way"] += bool(written - set(PAST_IDS))
            reached["sheet, repeated mentee"] += len({r.mentee_id for r in new[1].rows}) < len(
                new[1].rows)
        for problem in new[2] if new[0] == "error" else ():
            reached[next(kind for kind, words in PROBLEM_KINDS.items()
                         if words in problem.message)] += 1

    check()
    # Sheets that read and sheets with each kind of problem were compared.
    assert reached["sheet"] >= 40 and reached["error"] >= 25, reached
    assert reached["sheet, ids written another way"] >= 10, reached
    assert reached["sheet, repeated mentee"] >= 10, reached
    for kind in PROBLEM_KINDS:
        assert reached[kind] >= 5, (kind, reached)


#: Each kind of problem a feedback row can have, by words of its message.
PROBLEM_KINDS = {"unknown id": "has no pairing", "blank id": "has no",
                 "not a pair": "were not paired", "pair given twice": "already given on row",
                 "continue": "is not yes, no or unsure", "rating not a number": "not a number",
                 "rating off the scale": "outside the scale",
                 "unknown area": "is not a known areas value"}


# The feedback reader takes a cell for the id it holds, without calling the normaliser, when
# one pattern matches it; the pattern must never match a cell the normaliser would change.
ID_CHARACTERS = "aZ09@.-+_:/? \t\u00a0\u200béÉ"
id_cells = st.one_of(
    st.text(alphabet=ID_CHARACTERS, max_size=8),
    st.sampled_from(["mailto:", "MAILTO:", "n/a", "N/A", "na", "-", "--", "?", "#N/A", "none",
                     "1001", "+7", "-3"]).flatmap(
        lambda start: st.text(alphabet=ID_CHARACTERS, max_size=4).map(lambda rest: start + rest)),
    st.from_regex(r"[+-]?\d{1,3}\.0{1,2}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._-]{1,6}(@[a-zA-Z]{1,4}\.org)?", fullmatch=True))


@pytest.mark.parametrize("emails", [True, False])
def test_a_cell_taken_as_is_is_one_the_normaliser_keeps(emails: bool) -> None:
    from scoring.intake.feedback import _KEPT_AS_IS

    normalise = normalise_email if emails else normalise_id
    reached: Counter[str] = Counter()

    @settings(max_examples=600, deadline=None, database=None)
    @given(id_cells)
    def check(text: str) -> None:
        taken = _KEPT_AS_IS[emails].fullmatch(text) is not None
        if taken:
            assert normalise(text) == text
        reached[f"taken {taken}, {'changed' if normalise(text) != text else 'kept'}"] += 1

    check()
    # Cells taken as they are, and cells left to the normaliser both when it changes them
    # and when it keeps them (the pattern may be cautious, never wrong).
    assert reached["taken True, kept"] >= 60, reached
    assert reached["taken False, changed"] >= 150, reached


def test_ids_that_differ_only_in_capitals_are_never_booked_to_the_other_person(
        tmp_path: Path) -> None:
    """A previous run whose ids differ only in capitals (hand-edited pairings, or ids read
    by an older version): a cell naming one exactly is that one, and a cell naming neither
    exactly is an error naming both, never a silent booking to one of them."""
    previous = {("A@x.org", "M1"), ("a@x.org", "M2")}
    path = write_sheet(tmp_path, [["A@x.org", "M1", "yes"], ["a@x.org", "M2", "no"]],
                       HEADERS[:3])
    assert read_feedback(path, CONFIG, previous_pairs=previous).decisions() == {
        ("A@x.org", "M1"): "yes", ("a@x.org", "M2"): "no"}
    path = write_sheet(tmp_path, [["A@X.org", "M1", "yes"]], HEADERS[:3])
    with pytest.raises(FeedbackError) as caught:
        read_feedback(path, CONFIG, previous_pairs=previous)
    message = str(caught.value)
    assert "row 2" in message and "Mentee ID" in message
    assert "A@x.org" in message and "a@x.org" in message
