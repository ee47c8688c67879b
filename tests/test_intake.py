"""Reading intake files into a Cohort: encodings, workbooks, header mapping, row problems."""

from __future__ import annotations

import codecs
import datetime as dt
import tomllib
from pathlib import Path

import openpyxl
import pytest

from scoring.config import ConfigError, ProgramConfig, config_from_dict, load_config
from scoring.errors import IntakeError
from scoring.intake.cohort import closest_header, read_cohort
from scoring.intake.spreadsheet import read_table, sheet_names

CORPUS = Path(__file__).parent / "corpus"
CONFIG = load_config(CORPUS / "corpus.toml")
GOOD_MENTEES = CORPUS / "good_mentees.csv"
GOOD_MENTORS = CORPUS / "good_mentors.csv"


def corpus_config(**overrides: dict) -> ProgramConfig:
    """The corpus config with some tables replaced (for one test)."""
    data = tomllib.loads((CORPUS / "corpus.toml").read_text(encoding="utf-8"))
    for table, values in overrides.items():
        data[table] = {**data.get(table, {}), **values}
    return config_from_dict(data)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_good_pair_reads_into_canonical_records():
    cohort = read_cohort(GOOD_MENTORS, GOOD_MENTEES, CONFIG)
    assert cohort.problems == []
    ana, ben = cohort.mentors
    assert (ana.id, ana.email, ana.name) == ("ana@example.org", "ana@example.org", "Ana Ruiz")
    assert ana.expertise_areas == ("research", "clinical")
    assert ana.career_stage == "senior" and ben.career_stage == "mid_career"
    assert (ana.capacity, ben.capacity) == (2, 3)
    # start_date 2026-09-01: Chicago is on daylight time.
    assert (ana.time_zone, ben.time_zone) == (-5.0, 1.0)
    assert ana.languages == ("english",)  # default for a column the form did not have
    cara, dev = cohort.mentees
    assert cara.time_zone == -4.0  # New York's offset on 2026-09-01 (daylight time)
    assert dev.need_areas == ("clinical", "leadership")
    assert dev.network_size == 2 and dev.goals == "Learn contouring"
    assert (cara.source_row, dev.source_row) == (2, 3)
    assert cohort.sources == {"mentors": str(GOOD_MENTORS), "mentees": str(GOOD_MENTEES)}


@pytest.mark.parametrize("name", ["bom_utf8.csv", "cp1252.csv", "utf16.csv"])
def test_encodings_decode_names_exactly(name):
    cohort = read_cohort(CORPUS / name, GOOD_MENTEES, CONFIG)
    assert [m.name for m in cohort.mentors] == ["José Núñez", "Zoë Brontë"]
    assert cohort.mentors[0].id == "jose@example.org"  # BOM not glued to the first header


def test_semicolon_csv_keeps_commas_inside_quoted_answers():
    cohort = read_cohort(CORPUS / "semicolon.csv", GOOD_MENTEES, CONFIG)
    assert cohort.mentors[0].expertise_areas == ("research", "clinical")
    assert cohort.mentors[1].name == "Okafor, Ben"


def test_multiline_answer_is_one_row_and_keeps_its_line_break():
    cohort = read_cohort(GOOD_MENTORS, CORPUS / "multiline_quoted.csv", CONFIG)
    cara, dev = cohort.mentees
    assert cara.goals == "First, publish a paper.\nSecond, present at the annual meeting."
    assert dev.source_row == 3
    assert [(p.row, p.column, p.value) for p in cohort.errors] == [
        (3, "How many mentors?", "many")]


def test_emoji_and_right_to_left_names_survive():
    cohort = read_cohort(CORPUS / "emoji_rtl.csv", GOOD_MENTEES, CONFIG)
    assert [m.name for m in cohort.mentors] == ["🙂 Sam Quinn 🚀", "مريم الحسيني"]
    assert cohort.mentors[1].time_zone == 4.0  # Asia/Dubai


def test_excel_cell_types_are_read_as_text_first():
    cohort = read_cohort(CORPUS / "excel_types.xlsx", GOOD_MENTEES, CONFIG)
    ana, ben = cohort.mentors
    assert (ana.capacity, ben.capacity) == (2, 3)  # stored as 2.0 and 3
    assert ana.extra["Timestamp"] == "2026-08-03 14:05"
    assert ben.extra["Timestamp"] == "2026-08-03"


def test_one_workbook_with_a_sheet_per_side_equals_the_same_data_as_csv(tmp_path):
    book = openpyxl.load_workbook(CORPUS / "cohort.xlsx")
    for sheet, name in ((book["MENTORS"], "m.csv"), (book["mentees "], "e.csv")):
        lines = [",".join("" if v is None else f'"{v}"' for v in row)
                 for row in sheet.iter_rows(values_only=True)]
        write(tmp_path / name, "\n".join(lines) + "\n")
    from_workbook = read_cohort(CORPUS / "cohort.xlsx", CORPUS / "cohort.xlsx", CONFIG)
    from_csv = read_cohort(tmp_path / "m.csv", tmp_path / "e.csv", CONFIG)
    assert from_workbook.mentors == from_csv.mentors
    assert from_workbook.mentees == from_csv.mentees
    assert from_workbook.mentees[1].exclude == ("ben@example.org",)


def test_wrong_sheet_name_lists_the_sheets_that_exist():
    with pytest.raises(IntakeError, match=r"no sheet called 'Mentors'.*'Volunteers', 'Mentees'"):
        read_cohort(CORPUS / "wrong_sheet.xlsx", CORPUS / "wrong_sheet.xlsx", CONFIG)


def test_separate_workbook_with_several_sheets_falls_back_to_the_first_with_a_warning():
    table = read_table(CORPUS / "wrong_sheet.xlsx", "Mentors")
    assert table.headers[0] == "Email" and len(table.rows) == 2
    assert "read the first sheet, 'Volunteers'" in table.notes[0].message


def test_duplicate_ids_after_normalisation_keep_the_first_row():
    cohort = read_cohort(CORPUS / "duplicate_ids_case.csv", GOOD_MENTEES, CONFIG)
    assert [m.name for m in cohort.mentors] == ["Ana Ruiz", "Ben Okafor"]
    (problem,) = cohort.errors
    assert (problem.file, problem.row, problem.column) == (
        str(CORPUS / "duplicate_ids_case.csv"), 4, "Email")
    assert "row 2" in problem.message


def test_rows_with_errors_are_returned_and_rows_without_id_are_not():
    cohort = read_cohort(CORPUS / "capacity_lots.csv", GOOD_MENTEES, CONFIG)
    assert [m.id for m in cohort.mentors] == ["ana@example.org", "ben@example.org"]
    assert cohort.mentors[0].capacity == 2  # the default stands in for "lots"
    assert cohort.mentors[1].capacity == 2  # "2-3": the lower bound
    missing = read_cohort(CORPUS / "missing_id_value.csv", GOOD_MENTEES, CONFIG)
    assert [m.id for m in missing.mentors] == ["ana@example.org"]
    assert [(p.row, p.column) for p in missing.errors] == [(3, "Email")]


def test_unknown_vocabulary_problem_names_file_row_column_and_value():
    cohort = read_cohort(CORPUS / "unknown_vocabulary.csv", GOOD_MENTEES, CONFIG)
    areas, stage = cohort.errors
    assert (areas.row, areas.column, areas.value) == (2, "Areas", "Research/Scholarship, Cooking")
    assert "'Cooking'" in areas.message and "[vocabularies.areas]" in areas.fix
    assert (stage.row, stage.column, stage.value) == (3, "Career stage", "Astronaut")
    assert cohort.mentors[0].expertise_areas == ("research",)  # the known value is kept
    assert cohort.mentors[1].career_stage is None


def test_missing_required_column_names_the_field_headers_and_closest_header():
    cohort = read_cohort(CORPUS / "missing_id_column.csv", GOOD_MENTEES, CONFIG)
    (problem,) = cohort.errors
    assert problem.row is None and problem.severity == "error"
    assert "'email'" in problem.message and "'E-mail adress'" in problem.message
    assert cohort.mentors == []


def test_headers_match_despite_case_and_spaces_and_extra_columns_are_kept(tmp_path):
    path = write(tmp_path / "m.csv", "  EMAIL ,NAME,Favourite colour\na@x.org,Ann,teal\n")
    cohort = read_cohort(path, GOOD_MENTEES, CONFIG)
    assert cohort.mentors[0].extra == {"Favourite colour": "teal"}
    assert cohort.mentors[0].name == "Ann"


def test_canonical_field_names_map_without_config_and_several_goal_columns_join(tmp_path):
    config = config_from_dict({"columns": {"mentees": {
        "Short-term goals": "goals", "Long-term goals": "goals"}}})
    mentors = write(tmp_path / "m.csv", "email,name,capacity,career stage\nA@x.org,Ann,3,fellow\n")
    mentees = write(tmp_path / "e.csv", "email,name,Short-term goals,Long-term goals\n"
                                        "b@x.org,Bo,Publish,Lead a lab\n")
    cohort = read_cohort(mentors, mentees, config)
    assert cohort.problems == []
    assert (cohort.mentors[0].capacity, cohort.mentors[0].career_stage) == (3, "fellow")
    assert cohort.mentees[0].goals == "Publish\nLead a lab"


def test_same_person_may_be_mentor_and_mentee(tmp_path):
    mentors = write(tmp_path / "m.csv", "Email,Name\nann@x.org,Ann\n")
    mentees = write(tmp_path / "e.csv", "Email,Name\nANN@x.org,Ann\n")
    cohort = read_cohort(mentors, mentees, CONFIG)
    assert cohort.errors == []
    assert cohort.mentors[0].id == cohort.mentees[0].id == "ann@x.org"


def test_exclusions_by_id_or_email_become_ids():
    config = load_config(CORPUS / "program_ids.toml")
    cohort = read_cohort(CORPUS / "ids_excel_float_mentors.csv",
                         CORPUS / "ids_excel_float_mentees.csv", config)
    assert [m.id for m in cohort.mentors] == ["1001", "1002"]
    assert cohort.mentors[1].exclude == ("2001",)
    assert [m.exclude for m in cohort.mentees] == [("1001",), ("1001",)]  # by id, by email
    assert cohort.mentors[0].email == "ana@example.org"


def test_unknown_exclusion_is_an_error_on_the_listing_row():
    cohort = read_cohort(GOOD_MENTORS, CORPUS / "exclude_unknown.csv", CONFIG)
    (problem,) = cohort.errors
    assert (problem.row, problem.column, problem.value) == (
        2, "Do not match with", "ghost@example.org")
    assert cohort.mentees[0].exclude == ()


def test_start_date_sets_the_day_time_zones_are_read_at(tmp_path):
    mentors = write(tmp_path / "m.csv", "Email,Name,Time zone\na@x.org,Ann,America/Chicago\n")
    winter = corpus_config(program={"start_date": dt.date(2027, 1, 11)})
    assert read_cohort(mentors, GOOD_MENTEES, winter).mentors[0].time_zone == -6.0
    with pytest.raises(ConfigError, match="start_date"):
        read_cohort(mentors, GOOD_MENTEES, corpus_config(program={"start_date": "soon"}))


def test_interpreted_answers_are_warnings_on_their_cells(tmp_path):
    mentors = write(tmp_path / "m.csv", "Email,Name,How many mentees?,Time zone\n"
                                        "a@x.org,Ann,two,EST\n"
                                        "b@x.org,Bo,2-3,New York\n"
                                        "c@x.org,Cy,as many as needed,utc -5\n")
    cohort = read_cohort(mentors, GOOD_MENTEES, CONFIG)
    assert [m.capacity for m in cohort.mentors] == [2, 2, 5]
    assert [m.time_zone for m in cohort.mentors] == [-4.0, -4.0, -5.0]
    assert cohort.errors == []
    assert [(p.row, p.column, p.value) for p in cohort.warnings] == [
        (2, "How many mentees?", "two"), (2, "Time zone", "EST"),
        (3, "How many mentees?", "2-3"), (3, "Time zone", "New York"),
        (4, "How many mentees?", "as many as needed")]  # "utc -5" states its offset
    assert all("was read as" in p.message for p in cohort.warnings)
    assert "America/New_York" in cohort.warnings[1].message
    assert "program maximum, 5" in cohort.warnings[4].message


def test_na_warns_where_a_value_is_expected_and_tidying_is_silent(tmp_path):
    mentors = write(tmp_path / "m.csv", "Email,Name,Career stage,How many mentees?,Time zone\n"
                                        "a@x.org,N/A,Senior,N/A,UTC-6\n"
                                        " B@X.org ,  Bo Li  ,SENIOR , 3 , america/chicago \n")
    cohort = read_cohort(mentors, GOOD_MENTEES, CONFIG)
    ann, bo = cohort.mentors
    # "N/A" as a name or a capacity leaves a gap the program fills in: say so.
    assert [(p.severity, p.row, p.column) for p in cohort.problems] == [
        ("warning", 2, "Name"), ("warning", 2, "How many mentees?")]
    assert (ann.name, ann.capacity) == ("a@x.org", 2)
    # Spaces and case are tidied, not interpreted: row 3 reads cleanly and silently.
    assert (bo.id, bo.name, bo.career_stage, bo.capacity, bo.time_zone) == (
        "b@x.org", "Bo Li", "senior", 3, -5.0)


def test_blank_capacity_and_no_capacity_column_are_warnings(tmp_path):
    mentors = write(tmp_path / "m.csv", "Email,Name\na@x.org,Ann\n")
    cohort = read_cohort(mentors, GOOD_MENTEES, CONFIG)
    assert cohort.mentors[0].capacity == 2
    assert [p.severity for p in cohort.problems] == ["warning"]
    assert "No capacity column" in cohort.problems[0].message


@pytest.mark.parametrize(("name", "fragment"), [
    ("empty.csv", "is empty"),
    ("header_only.csv", "no rows of answers"),
    ("html_as_csv.csv", "web page"),
    ("password_protected.xlsx", "password-protected"),
    ("corrupt_zip.xlsx", "cannot be opened"),
    ("no_such.csv", "file not found"),
])
def test_unreadable_files_raise_one_sentence_naming_the_file(name, fragment):
    with pytest.raises(IntakeError) as caught:
        read_cohort(CORPUS / name, GOOD_MENTEES, CONFIG)
    message = str(caught.value)
    assert message.startswith(str(CORPUS / name)) and fragment in message
    assert "\n" not in message


def test_csv_renamed_xlsx_reads_like_the_csv():
    renamed = read_cohort(CORPUS / "csv_named_xlsx.xlsx", GOOD_MENTEES, CONFIG)
    original = read_cohort(GOOD_MENTORS, GOOD_MENTEES, CONFIG)
    assert renamed.mentors == original.mentors
    assert [p.severity for p in renamed.problems] == ["warning"]


# --- fixes after the hardening pass -------------------------------------------------------


def test_missing_column_suggests_only_a_header_that_is_alike():
    cohort = read_cohort(CORPUS / "missing_name_column.csv", GOOD_MENTEES, CONFIG)
    (problem,) = cohort.errors
    # 'Areas' shares letters with 'name' but is no name column: list the headers instead.
    assert "closest header" not in problem.message
    assert "headers found: 'Email', 'Career stage', 'Areas'" in problem.message
    assert '"Your header" = "name"' in problem.fix


@pytest.mark.parametrize(("field", "headers", "closest"), [
    ("email", ["E-mail adress", "Name"], "E-mail adress"),
    ("name", ["E-mail address", "Your full name", "Stage"], "Your full name"),
    ("career_stage", ["Email", "Career-stage?"], "Career-stage?"),
    ("name", ["Email", "Career stage", "Areas", "How many mentees?"], None),
    ("email", ["Timestamp", "Areas"], None),
])
def test_closest_header_needs_a_real_likeness(field, headers, closest):
    assert closest_header(field, headers) == closest


@pytest.mark.parametrize("first_line", ["sep=;\n", "sep=;\r\n", '"sep=;"\n', "SEP=;\n"])
def test_excel_sep_line_sets_the_separator_and_is_not_a_row(tmp_path, first_line):
    path = tmp_path / "m.csv"
    path.write_bytes((first_line + "Email;Name;How many mentees?\n"
                      "a@x.org;Ann, PhD;lots\n").encode())
    table = read_table(path)
    assert table.headers == ["Email", "Name", "How many mentees?"]
    cohort = read_cohort(path, GOOD_MENTEES, CONFIG)
    assert cohort.mentors[0].name == "Ann, PhD"
    # Excel hides the sep= line, so the person's row is row 2 there and here.
    assert [(p.row, p.value) for p in cohort.errors] == [(2, "lots")]


def test_unclosed_quote_names_the_row_where_it_opens(tmp_path):
    path = write(tmp_path / "m.csv", 'Email,Name,Goals\n'
                                     'a@x.org,Ann,"two\nlines"\n'
                                     'b@x.org,"Bo,Publish\n'
                                     'c@x.org,Cy,Lead\n')
    with pytest.raises(IntakeError) as caught:
        read_table(path)
    message = str(caught.value)
    assert "a double quote (\") opens a cell on row 3" in message  # row 2 spans two lines
    assert "never closed" in message and "more cells" not in message


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("utf-32"),
    lambda text: codecs.BOM_UTF32_BE + text.encode("utf-32-be"),
])
def test_utf32_files_are_decoded(tmp_path, encode):
    path = tmp_path / "m.csv"
    path.write_bytes(encode("Email\tName\nzoe@x.org\tZoë Brontë\n"))
    cohort = read_cohort(path, GOOD_MENTEES, CONFIG)
    assert [(m.id, m.name) for m in cohort.mentors] == [("zoe@x.org", "Zoë Brontë")]


def test_chart_sheets_are_skipped_and_named_when_asked_for(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Mentors"
    for row in (["Email", "Name"], ["a@x.org", "Ann"]):
        book.active.append(row)
    book.create_chartsheet("Mentees")
    book.save(tmp_path / "cohort.xlsx")
    assert sheet_names(tmp_path / "cohort.xlsx") == ["Mentors"]
    with pytest.raises(IntakeError, match=r"no sheet called 'Mentees' \('Mentees' is a chart"):
        read_cohort(tmp_path / "cohort.xlsx", tmp_path / "cohort.xlsx", CONFIG)


def test_workbook_saved_as_csv_reads_like_the_workbook(tmp_path):
    renamed = read_cohort(CORPUS / "workbook_named_csv.csv", GOOD_MENTEES, CONFIG)
    assert [(m.id, m.capacity) for m in renamed.mentors] == [
        ("ana@example.org", 2), ("ben@example.org", 3)]
    assert [p.message for p in renamed.problems] == [
        "The file is named .csv but holds an Excel workbook; it was read as a workbook."]


def test_invisible_characters_in_ids_and_exclusions_are_ignored():
    cohort = read_cohort(CORPUS / "duplicate_ids_invisible.csv", GOOD_MENTEES, CONFIG)
    assert [m.id for m in cohort.mentors] == ["ana@example.org", "ben@example.org"]
    assert [(p.row, p.column) for p in cohort.errors] == [(3, "Email"), (4, "Email"),
                                                          (5, "Email")]
    assert cohort.mentors[1].exclude == ("cara@example.org",)


def test_a_cell_with_ten_thousand_answers_is_read_with_one_error_per_unknown_answer(tmp_path):
    cell = "; ".join(["Leadership", "Cooking", "Research/Scholarship", "Clinical skills"] * 2500)
    path = write(tmp_path / "m.csv", f'Email,Name,Areas\na@x.org,Ann,"{cell}"\n')
    cohort = read_cohort(path, GOOD_MENTEES, CONFIG)
    assert cohort.mentors[0].expertise_areas == ("leadership", "research", "clinical")
    (error,) = cohort.errors
    assert (error.row, error.column, error.value) == (2, "Areas", cell)
    assert "'Cooking' is not a known areas value" in error.message
    shown = str(error)
    assert "(value '" + cell[:80] + "…')" in shown and len(shown) < 500


def test_a_cell_full_of_unknown_answers_gives_ten_errors_and_a_count(tmp_path):
    areas = ";".join(f"Area {i}" for i in range(25))
    exclusions = ";".join(f"ghost{i}@x.org" for i in range(12))
    path = write(tmp_path / "m.csv", "Email,Name,Areas,Do not match with\n"
                                     f"a@x.org,Ann,{areas},{exclusions}\n")
    cohort = read_cohort(path, GOOD_MENTEES, CONFIG)
    by_column: dict[str | None, list[str]] = {}
    for problem in cohort.errors:
        by_column.setdefault(problem.column, []).append(problem.message)
    assert len(by_column["Areas"]) == 11
    assert "'Area 9' is not a known areas value" in by_column["Areas"][9]
    assert by_column["Areas"][10].startswith("... and 15 more answers in this cell")
    assert len(by_column["Do not match with"]) == 11
    assert by_column["Do not match with"][10].startswith("... and 2 more excluded people")
