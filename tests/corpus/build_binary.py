"""Rebuild the corpus files that cannot be written by hand: encodings and workbooks.

Run ``python tests/corpus/build_binary.py`` from the repository root after changing it;
the files it writes are checked in, so the tests never run it.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
MENTOR_HEADERS = ["Email", "Name", "Career stage", "Areas", "How many mentees?", "Time zone",
                  "Do not match with"]
MENTEE_HEADERS = ["Email", "Name", "Career stage", "Areas", "Goals", "How many mentors?",
                  "Time zone", "Do not match with"]
MENTORS: list[Sequence[object]] = [
    ["ana@example.org", "Ana Ruiz", "Senior", "Research/Scholarship", 2.0,
     "America/Chicago", None],
    ["ben@example.org", "Ben Okafor", "mid career", "Leadership", 3, "UTC+1", None]]
MENTEES: list[Sequence[object]] = [
    ["cara@example.org", "Cara Lee", "Resident", "Research/Scholarship",
     "Publish my first paper", 1, "EST", None],
    ["dev@example.org", "Dev Patel", "student", "Clinical skills; Leadership",
     "Learn contouring", 2.0, "GMT+5:30", "ben@example.org"]]


def workbook(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]], *,
             hidden: tuple[str, ...] = (), merge: tuple[str, ...] = (),
             errors: tuple[str, ...] = (), chartsheet: str | None = None) -> None:
    """Save ``sheets`` as a workbook; ``hidden`` sheets are hidden, ``merge`` ranges (first
    sheet) merged, ``errors`` cells (first sheet) set to the #N/A error value."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    first = book.worksheets[0]
    for cells in merge:
        first.merge_cells(cells)
    for cell in errors:
        first[cell].value = "#N/A"
        first[cell].data_type = "e"
    if chartsheet:
        book.create_chartsheet(chartsheet)
    book.save(path)


def main() -> None:
    csv_text = ("Email,Name,Career stage,Areas,How many mentees?,Time zone,Do not match with\n"
                "jose@example.org,José Núñez,Senior,Research/Scholarship,2,UTC-6,\n"
                "zoe@example.org,Zoë Brontë,Senior,Leadership,2,CET,\n")
    (HERE / "bom_utf8.csv").write_bytes(b"\xef\xbb\xbf" + csv_text.encode("utf-8"))
    (HERE / "cp1252.csv").write_bytes(csv_text.encode("cp1252"))
    (HERE / "utf16.csv").write_bytes(csv_text.replace(",", "\t").encode("utf-16"))
    (HERE / "binary_garbage.csv").write_bytes(bytes(range(256)) * 4)
    # A zip that is no workbook, and a truncated real workbook.
    with zipfile.ZipFile(HERE / "corrupt_zip.xlsx", "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    workbook(HERE / "_full.xlsx", {"Mentors": [MENTOR_HEADERS, *MENTORS]})
    (HERE / "truncated.xlsx").write_bytes((HERE / "_full.xlsx").read_bytes()[:700])
    (HERE / "_full.xlsx").unlink()
    # Password-protected OOXML is an OLE compound file holding an EncryptedPackage stream.
    ole = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    ole += "EncryptedPackage".encode("utf-16-le") + bytes(1024)
    (HERE / "password_protected.xlsx").write_bytes(bytes(ole))
    (HERE / "old_excel_ole.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1528))
    workbook(HERE / "cohort.xlsx", {"MENTORS": [MENTOR_HEADERS, *MENTORS],
                                    "mentees ": [MENTEE_HEADERS, *MENTEES]})
    workbook(HERE / "wrong_sheet.xlsx", {"Volunteers": [MENTOR_HEADERS, *MENTORS],
                                         "Mentees": [MENTEE_HEADERS, *MENTEES]})
    stamp = dt.datetime(2026, 8, 3, 14, 5)
    workbook(HERE / "excel_types.xlsx", {"Form Responses 1": [
        ["Timestamp", *MENTOR_HEADERS],
        [stamp, *MENTORS[0]],
        [stamp.date(), *MENTORS[1]],
    ]})
    workbook(HERE / "empty_sheet.xlsx", {"Mentors": []})
    hostile_text_files()
    hostile_workbooks()
    invisible_and_control_characters()
    bounded_workbooks()


def _with_sheet_xml(path: Path, xml: str) -> None:
    """A mentors workbook whose first sheet's XML is ``xml`` (written as is)."""
    workbook(path, {"Mentors": [MENTOR_HEADERS, *MENTORS]})
    parts = {}
    with zipfile.ZipFile(path) as archive:
        parts = {item.filename: archive.read(item) for item in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def bounded_workbooks() -> None:
    """Small relatives of the hostile workbooks tests/test_hardening_limits.py builds large:
    a stray cell in column XFD under a lying dimension, and billion laughs."""
    head = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main">')
    rows = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{chr(65 + i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>'
                                   for i, v in enumerate(values)) + "</row>"
        for n, values in enumerate([MENTOR_HEADERS, *MENTORS], start=1))
    _with_sheet_xml(HERE / "stray_cell_xfd.xlsx",
                    head + '<dimension ref="A1:G3"/><sheetData>' + rows
                    + '<row r="4"><c r="XFD4" s="0"/></row></sheetData></worksheet>')
    laughs = ('<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY a{n} "{("&a" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
                        for n in range(1, 10)) + "]>")
    _with_sheet_xml(HERE / "billion_laughs.xlsx",
                    head.replace("<worksheet", laughs + "<worksheet", 1)
                    + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is>'
                    "</c></row></sheetData></worksheet>")


MENTOR_CSV_HEADER = ",".join(MENTOR_HEADERS)


def hostile_text_files() -> None:
    """Encodings, invisible characters and line endings that an editor would silently fix."""
    header = MENTOR_CSV_HEADER
    (HERE / "blank_lines_above_header.csv").write_bytes(
        f"\r\n\r\n{header}\r\nana@example.org,Ana Ruiz,Senior,Leadership,2,UTC,\r\n".encode())
    # The same e-mail three times: with a no-break space, with a tab, with capitals.
    (HERE / "duplicate_ids_spaces.csv").write_text(
        f"{header}\nana@example.org,Ana Ruiz,Senior,Leadership,2,UTC,\n"
        "ana@example.org\u00a0,Ana Ruiz,Senior,Leadership,2,UTC,\n"
        "\tANA@example.org,Ana R.,Senior,Leadership,2,UTC,\n", encoding="utf-8")
    (HERE / "cr_line_endings.csv").write_bytes(
        f"{header}\rana@example.org,Ana Ruiz,Senior,Leadership,2,UTC,\r"
        "ben@example.org,Ben Okafor,Senior,Leadership,2,CET,\r".encode())
    (HERE / "nul_bytes.csv").write_bytes(
        f"{header}\nana@example.org,Ana\x00Ruiz,Senior,Leadership,2,UTC,\n".encode())
    # Windows-1252 curly quotes and dashes in an answer intake does not know, so the
    # error message shows how the bytes were decoded.
    (HERE / "cp1252_smart_quotes.csv").write_bytes(
        f"{header}\nana@example.org,Ana Ruiz,Senior,\u201cMentoring\u201d \u2013 ideas,2,UTC,\n"
        .encode("cp1252"))
    (HERE / "utf16_be.csv").write_bytes(
        b"\xfe\xff" + (f"{header}\nana@example.org,Zo\u00eb Bront\u00eb,Senior,Leadership,2,CET,\n"
                        .replace(",", "\t").encode("utf-16-be")))
    # UTF-16 cut off in the middle of a character (found by tests/test_fuzz.py).
    (HERE / "utf16_cut_off.csv").write_bytes(
        f"{header}\nana@example.org,Ana Ruiz,Senior,Leadership,2,UTC,\n"
        .replace(",", "\t").encode("utf-16")[:-1])
    # What Excel writes for "CSV UTF-8" in a locale with decimal commas.
    (HERE / "bom_semicolon_crlf.csv").write_bytes(
        b"\xef\xbb\xbf" + (f"{header}\r\njos\u00e9@example.org,Jos\u00e9 N\u00fa\u00f1ez,Senior,"
                            "Leadership,2,UTC-6,\r\n").replace(",", ";").encode("utf-8"))


def hostile_workbooks() -> None:
    """Workbooks with hidden or misnamed sheets, merged cells, formulas and odd cell types."""
    rows: list[Sequence[object]] = [MENTOR_HEADERS, *MENTORS]
    workbook(HERE / "hidden_sheet_first.xlsx", {"Old responses": [["Junk"], ["x"]],
                                                "Mentors": rows}, hidden=("Old responses",))
    workbook(HERE / "hidden_sheet_fallback.xlsx", {"Sheet9": [["Junk"], ["x"]],
                                                   "Responses": rows}, hidden=("Sheet9",))
    workbook(HERE / "misnamed_sheets.xlsx", {"Form Responses 1": rows,
                                             "Form Responses 2": [["Email", "Name"]]})
    workbook(HERE / "cohort_hidden_sheets.xlsx", {
        "Read me": [["Instructions for the coordinator"]],
        "Mentors": rows, "Mentees": [MENTEE_HEADERS, *MENTEES]},
        hidden=("Mentors", "Mentees"))
    workbook(HERE / "merged_cells.xlsx", {"Mentors": [
        *rows, ["carl@example.org", "Carl Diaz", "Senior", "Leadership", 1, "UTC", None]]},
        merge=("C2:C3", "A4:G4"))
    # Formulas saved by a script (never opened in Excel) have no cached value.
    workbook(HERE / "formula_cells_no_cache.xlsx", {"Mentors": [
        MENTOR_HEADERS,
        ['=LOWER("ANA@EXAMPLE.ORG")', '=HYPERLINK("http://evil.example","Ana")', "Senior",
         "Leadership", "=1+1", "UTC", None], MENTORS[1]]})
    workbook(HERE / "date_cells_for_numbers.xlsx", {"Mentors": [
        MENTOR_HEADERS, [*MENTORS[0][:4], dt.datetime(2026, 3, 2), "UTC", None],
        [*MENTORS[1][:4], dt.time(3, 0), "UTC", None]]})
    workbook(HERE / "bool_cells.xlsx", {"Mentors": [
        MENTOR_HEADERS, ["ana@example.org", True, "Senior", "Leadership", False, "UTC", None],
        MENTORS[1]]})
    workbook(HERE / "error_cells.xlsx", {"Mentors": rows}, errors=("E2",))
    workbook(HERE / "float_ids.xlsx", {"Mentors": [["ID", "Email", "Name"],
                                                   [1001.0, "ana@example.org", "Ana Ruiz"],
                                                   [1002, "ben@example.org", "Ben Okafor"],
                                                   [1001, "ana2@example.org", "Ana again"]]})
    workbook(HERE / "chartsheet.xlsx", {"Data": rows}, chartsheet="Mentors")
    workbook(HERE / "longest_cell.xlsx", {"Mentors": [
        MENTOR_HEADERS, [MENTORS[0][0], "A" * 32767, *MENTORS[0][2:]], MENTORS[1]]})
    workbook(HERE / "workbook_named_csv.csv", {"Mentors": rows})


def invisible_and_control_characters() -> None:
    """Ids with invisible format characters, cells with terminal escape sequences, UTF-32."""
    header = MENTOR_CSV_HEADER
    # The same e-mail four times: plain, with a zero-width space, a byte-order mark and a
    # soft hyphen; Ben excludes Cara written with a word joiner (she is in good_mentees).
    (HERE / "duplicate_ids_invisible.csv").write_text(
        f"{header}\nana@example.org,Ana Ruiz,Senior,Leadership,2,UTC,\n"
        "ana@example.org\u200b,Ana Ruiz,Senior,Leadership,2,UTC,\n"
        "\ufeffana@example.org,Ana Ruiz,Senior,Leadership,2,UTC,\n"
        "an\u00ada@example.org,Ana Ruiz,Senior,Leadership,2,UTC,\n"
        "ben@example.org,Ben Okafor,Senior,Leadership,2,UTC,cara@\u2060example.org\n",
        encoding="utf-8")
    # ANSI colour, clear-screen, window-title (OSC) and a C1 CSI in answers validate shows.
    (HERE / "control_characters.csv").write_text(
        f"{header}\nana@example.org,Ana\x1b[2J Ruiz,Sen\x1b[31mior,"
        "Cook\x1b]0;pwned\x07ing,\u009b31m2,Ma\x1b[0mrs,\n"
        "ben@example.org,Ben Okafor,Senior,\"Lead\tership\",2,UTC,\n", encoding="utf-8")
    (HERE / "utf32.csv").write_bytes(
        f"{header}\njos\u00e9@example.org,Jos\u00e9 N\u00fa\u00f1ez,Senior,Leadership,2,CET,\n"
        .encode("utf-32"))


if __name__ == "__main__":
    main()
