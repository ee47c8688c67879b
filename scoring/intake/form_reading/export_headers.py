"""Form tools whose exports carry more than one header row: read them as one header.

**SurveyMonkey** writes two header rows: the question on row 1 (written once, over the
first of its columns, the cells to its right left blank) and, on row 2, "Response" /
"Open-Ended Response" under a one-column question and each option's label under the
columns of a checkbox or matrix question. A checkbox question has one column per option,
holding the label when ticked and nothing otherwise. **Qualtrics** writes three: short ids
(``Q3``, ``Q5_1``), the question text (``"Which areas ...? - Selected Choice"``), and a row
of ``{"ImportId":"QID5"}`` records; a variant leaves the question row out.

:func:`join_header_rows` turns either into a one-header table: the question text becomes
the header (the form's wording, which ``init`` reads and the config names); a checkbox
question's option columns become one column whose cells list the ticked labels, one per
line (line breaks always separate answers); any other option column (a matrix row, the
typed "Other (please specify)") is headed "question - option"; the metadata rows are left
out. Rows keep their spreadsheet numbers, so every message names the row the coordinator
sees (the first person of a SurveyMonkey export is row 3, of a Qualtrics one row 4).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, cast

from scoring.errors import IntakeError
from scoring.text import clean_cell, fold


class _Sheet(Protocol):
    """What is read of a :class:`scoring.intake.spreadsheet.SheetText` (a dataclass; not
    imported, since :mod:`~scoring.intake.spreadsheet` calls this module)."""

    @property
    def label(self) -> str: ...

    @property
    def headers(self) -> list[str]: ...

    @property
    def rows(self) -> list[tuple[int, list[str]]]: ...


SheetText = TypeVar("SheetText", bound=_Sheet)

#: SurveyMonkey's row-2 words under a question answered in one column (folded).
#: (English, and the words of its Spanish, French, German and Portuguese exports).
ONE_COLUMN_MARKERS = frozenset({"response", "open ended response", "respuesta",
                                "respuesta abierta", "reponse", "reponse ouverte", "antwort",
                                "offene antwort", "resposta", "resposta aberta"})
#: A Qualtrics metadata cell: ``{"ImportId":"QID5"}`` (with other keys at times).
_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:')
#: Qualtrics' suffix on the question text of a choice question's answer column.
_SELECTED_CHOICE = re.compile(r"\s*-\s*Selected Choice\s*$", re.IGNORECASE)
#: The name :func:`scoring.intake.spreadsheet.read_table` gives a column with no header.
_NO_HEADER = re.compile(r"^Column (\d+)$")


def join_header_rows(table: SheetText) -> SheetText:
    """``table`` with a SurveyMonkey or Qualtrics multi-row header read as one (see the
    module docstring); any other table unchanged."""
    rows = table.rows
    if len(rows) >= 2 and rows[0][0] == 2 and rows[1][0] == 3 and _is_import_row(rows[1][1]):
        headers = [_question(text) or own for own, text in zip(table.headers, rows[0][1],
                                                                 strict=True)]
        return _replace(table, _unique(headers, table.headers), rows[2:])
    if rows and rows[0][0] == 2 and _is_import_row(rows[0][1]):
        return _replace(table, table.headers, rows[1:])
    if rows and rows[0][0] == 2 and _is_option_row(table.headers, rows):
        return _surveymonkey(table)
    return table


def _replace(table: SheetText, headers: list[str],
             rows: list[tuple[int, list[str]]]) -> SheetText:
    if not rows:  # as for a one-row header with nobody below it (never an empty cohort)
        raise IntakeError(f"{table.label}: the file has its form tool's header rows but no "
                          "rows of answers. Export it again once people have signed up.")
    return cast(SheetText, dataclasses.replace(cast(Any, table), headers=headers, rows=rows))


def _is_import_row(cells: Sequence[str]) -> bool:
    filled = [c.strip() for c in cells if c.strip()]
    return bool(filled) and sum(bool(_IMPORT_ID.match(c)) for c in filled) >= 0.5 * len(filled)


def _is_option_row(headers: Sequence[str], rows: Sequence[tuple[int, list[str]]]) -> bool:
    """Whether row 2 is SurveyMonkey's option row: a "Response" marker somewhere, and
    under every question that has one column only a marker, nothing, or the label of a
    lone checkbox (every answer below it is that label or blank). A person's row holds
    their answers there, so it is never taken for the option row."""
    cells = rows[0][1]
    if not any(fold(c) in ONE_COLUMN_MARKERS for c in cells):
        return False
    for position, cell in enumerate(cells):
        alone = position + 1 >= len(headers) or not _is_blank_header(headers[position + 1],
                                                                      position + 1)
        if alone and not _is_blank_header(headers[position], position) and cell.strip() \
                and fold(cell) not in ONE_COLUMN_MARKERS \
                and not _is_tick_column(rows[1:], position, cell):
            return False
    return True


def _question(text: str) -> str:
    return _SELECTED_CHOICE.sub("", clean_cell(text))


def _is_blank_header(header: str, position: int) -> bool:
    found = _NO_HEADER.match(header)
    return found is not None and int(found.group(1)) == position + 1


def _surveymonkey(table: SheetText) -> SheetText:
    options = [clean_cell(c) for c in table.rows[0][1]]
    people = table.rows[1:]
    groups: list[list[int]] = []  # column positions under one question
    for position, header in enumerate(table.headers):
        if groups and _is_blank_header(header, position):
            groups[-1].append(position)
        else:
            groups.append([position])
    headers: list[str] = []
    builders: list[list[int] | int] = []  # a list: ticked columns joined; an int: one column
    for group in groups:
        question = table.headers[group[0]]
        ticked = [i for i in group if options[i] and fold(options[i]) not in ONE_COLUMN_MARKERS
                  and _is_tick_column(people, i, options[i])]
        for i in group:
            if i in ticked:
                if i == ticked[0]:
                    headers.append(question)
                    builders.append(ticked)
                continue
            label = options[i]
            shown = question if not label or fold(label) in ONE_COLUMN_MARKERS \
                else f"{question} - {label}"
            headers.append(shown)
            builders.append(i)
    rows = [(number, [_cell(cells, how, options) for how in builders])
            for number, cells in people]
    return _replace(table, _unique(headers, headers), rows)


def _is_tick_column(people: Sequence[tuple[int, list[str]]], position: int, label: str) -> bool:
    """Every cell is blank or the option's own label: a ticked checkbox."""
    wanted = fold(label)
    return all(not cells[position].strip() or fold(cells[position]) == wanted
               for _, cells in people)


def _cell(cells: Sequence[str], how: list[int] | int, options: Sequence[str]) -> str:
    if isinstance(how, int):
        return cells[how]
    return "\n".join(options[i] for i in how if cells[i].strip())


def _unique(headers: Sequence[str], ids: Sequence[str]) -> list[str]:
    """Headers made unique: a repeated one gets its column's id (or its position)."""
    counts = Counter(fold(h) for h in headers)
    unique = []
    for position, (header, own) in enumerate(zip(headers, ids, strict=True)):
        if counts[fold(header)] > 1:
            tag = own if own != header else str(position + 1)
            header = f"{header} [{tag}]"
        unique.append(header)
    return unique
