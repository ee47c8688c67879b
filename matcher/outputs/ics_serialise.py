"""RFC 5545 line folding, byte for byte as icalendar folds, without its per-character loop.

icalendar (``Contentline.to_ical``) folds a content line by walking it one character at a
time; for the thousands of long DESCRIPTION lines of a large run folder that walk was most
of the calendars' cost. :func:`fold_content_line` computes the same break points from the
lines' cumulative UTF-8 lengths:

* a piece ends before the character that would bring it to 75 octets (so every piece is at
  most 74 octets, the 75th being the space that starts a continuation line);
* a piece never ends on a backslash or a caret (the start of a TEXT or RFC 6868 escape)
  unless that character is the piece's only one: the character moves to the next piece.

icalendar stays the library that defines the format: the calendar writer still lets it
encode every property, and the tests compare this function with ``Contentline.to_ical``
on arbitrary text and on every calendar of whole runs.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

#: A folded piece plus the next character reaches this many octets: fold before it.
LIMIT = 75
#: Characters a piece may not end on (they start an escape), as icalendar keeps them.
ESCAPE_STARTS = "\\^"
FOLD = "\r\n "


def fold_content_line(text: str) -> bytes:
    """``text`` (one unfolded content line) folded and encoded as icalendar does."""
    if text.isascii():
        octets = None  # one octet a character: positions are octet counts
    else:
        octets = [0, *accumulate(len(c.encode("utf-8")) for c in text)]
    pieces = []
    start, size = 0, len(text)
    while True:
        if octets is None:
            stop = start + LIMIT - 1
        else:  # the first character whose end reaches LIMIT octets from the piece's start
            stop = bisect_left(octets, octets[start] + LIMIT, lo=start + 1) - 1
        if stop >= size:
            pieces.append(text[start:])
            break
        stop = max(stop, start + 1)
        if stop - start > 1 and text[stop - 1] in ESCAPE_STARTS:
            stop -= 1
        pieces.append(text[start:stop])
        start = stop
    return FOLD.join(pieces).encode("utf-8")
