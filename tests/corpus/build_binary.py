"""Rebuild the corpus files that cannot be written by hand: encodings and workbooks.

Run ``python tests/corpus/build_binary.py`` from the repository root after changing it;
the files it writes are checked in, so the tests never run it.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
MENTOR_HEADERS = ["Email", "Name", "Career stage", "Areas", "How many mentees?", "Time zone",
                  "Do not match with"]
MENTEE_HEADERS = ["Email", "Name", "Career stage", "Areas", "Goals", "How many mentors?",
                  "Time zone", "Do not match with"]
MENTORS = [["ana@example.org", "Ana Ruiz", "Senior", "Research/Scholarship", 2.0,
            "America/Chicago", None],
           ["ben@example.org", "Ben Okafor", "mid career", "Leadership", 3, "UTC+1", None]]
MENTEES = [["cara@example.org", "Cara Lee", "Resident", "Research/Scholarship",
            "Publish my first paper", 1, "EST", None],
           ["dev@example.org", "Dev Patel", "student", "Clinical skills; Leadership",
            "Learn contouring", 2.0, "GMT+5:30", "ben@example.org"]]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
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


if __name__ == "__main__":
    main()
