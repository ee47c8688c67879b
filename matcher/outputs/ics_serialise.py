"""RFC 5545 line folding and TEXT escaping, byte for byte as icalendar does them, faster.

icalendar (``Contentline.to_ical``) folds a content line by walking it one character at a
time; for the thousands of long DESCRIPTION lines of a large run folder that walk was most
of the calendars' cost. :func:`fold_content_line` computes the same break points from the
lines' UTF-8 octets:

* a piece ends before the character that would bring it to 75 octets (so every piece is at
  most 74 octets, the 75th being the space that starts a continuation line);
* a piece never ends on a backslash or a caret (the start of a TEXT or RFC 6868 escape)
  unless that character is the piece's only one: the character moves to the next piece.

:class:`FoldedStart` folds once the start many lines share (a meeting's description before
the pair's own sentences): the pieces that lie wholly in it, decided by its octets alone,
are the same whatever follows, so each line folds only its rest.

:func:`escape_text` is icalendar's TEXT escaping (``vText(value).to_ical()``) without
building a ``vText`` (and its parameter dictionary) per value, which was most of the cost of
a calendar's SUMMARY and DESCRIPTION lines; :func:`escapes_as_icalendar` checks, once per
process, that the installed icalendar escapes the same way (the writer uses icalendar's
own ``vText`` otherwise).

icalendar stays the library that defines the format: the calendar writer still lets it
encode every other property, and the tests compare these functions with icalendar on
arbitrary text and on every calendar of whole runs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import icalendar

#: A folded piece plus the next character reaches this many octets: fold before it.
LIMIT = 75
#: Characters a piece may not end on (they start an escape), as icalendar keeps them.
ESCAPE_STARTS = b"\\^"
FOLD = b"\r\n "


def fold_content_line(text: str) -> bytes:
    """``text`` (one unfolded content line) folded and encoded as icalendar does.

    Works on the UTF-8 octets: a piece starting at octet ``start`` ends before the character
    holding octet ``start + LIMIT - 1`` (found by stepping back over continuation octets,
    ``0b10xxxxxx``), or one character earlier when it would end on an escape start.
    """
    return _folded_from(text.encode("utf-8"), 0)


def _piece_end(data: bytes, start: int) -> int:
    """Where the piece starting at octet ``start`` of a line too long to end there stops:
    decided by ``data[start:start + LIMIT]`` alone."""
    stop = start + LIMIT - 1
    while data[stop] & 0xC0 == 0x80:  # inside a multi-octet character: its first octet
        stop -= 1
    if stop - 1 > start and data[stop - 1] in ESCAPE_STARTS:
        stop -= 1
    return stop


def _folded_from(data: bytes, start: int) -> bytes:
    """The pieces of ``data`` from octet ``start`` (a piece's start), joined by folds."""
    pieces = []
    size = len(data)
    while size - start > LIMIT - 1:
        stop = _piece_end(data, start)
        pieces.append(data[start:stop])
        start = stop
    pieces.append(data[start:])
    return FOLD.join(pieces)


@dataclass(frozen=True)
class FoldedStart:
    """The start of content lines many lines share (a meeting's DESCRIPTION before the
    pair's own sentences), folded once: :meth:`fold` folds a line made of it and any rest
    as :func:`fold_content_line` folds the whole line."""

    pieces: bytes  # the start's pieces that no rest can change, each followed by a fold
    tail: bytes  # its octets after them (the start of the next piece)

    @classmethod
    def of(cls, start: str) -> FoldedStart:
        """``start`` (the first characters of lines) with its pieces decided once: each
        piece whose :func:`_piece_end` reads only octets of ``start``."""
        data = start.encode("utf-8")
        pieces, begin = [], 0
        while begin + LIMIT - 1 < len(data):
            stop = _piece_end(data, begin)
            pieces.append(data[begin:stop] + FOLD)
            begin = stop
        return cls(b"".join(pieces), data[begin:])

    def fold(self, rest: bytes) -> bytes:
        """The line ``start`` + ``rest`` (UTF-8 octets), folded."""
        if len(self.tail) + len(rest) < LIMIT:  # the last piece: nothing to fold
            return self.pieces + self.tail + rest
        return self.pieces + _folded_from(self.tail + rest, 0)


#: icalendar's TEXT escapes (RFC 5545 3.3.11), in the order it applies them: ``\\N`` is read
#: as a line break first, so that an escaped capital N is not escaped twice.
TEXT_ESCAPES = (("\\N", "\n"), ("\\", "\\\\"), (";", "\\;"), (",", "\\,"),
                ("\r\n", "\\n"), ("\n", "\\n"), ("\r", "\\n"))
#: A character that TEXT escaping changes (most names and titles have none).
_TEXT_SPECIAL = re.compile(r"[\\;,\r\n]")
#: Text holding every escape in turn (and a ``\\N``), for :func:`escapes_as_icalendar`.
_ESCAPE_PROBE = "a\\Nb\\c;d,e\r\nf\ng\rh\\\\i;,\n—é"


def escape_text(value: str) -> str:
    """``value`` as an iCalendar TEXT value: ``icalendar.vText(value).to_ical()``, decoded."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    for special, escaped in TEXT_ESCAPES:
        value = value.replace(special, escaped)
    return value


@functools.cache
def escapes_as_icalendar() -> bool:
    """Whether the installed icalendar escapes TEXT as :func:`escape_text` does."""
    return escape_text(_ESCAPE_PROBE) == icalendar.vText(_ESCAPE_PROBE).to_ical().decode()
