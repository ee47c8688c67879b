"""Turn the answers people really type into canonical values (pure functions).

Each parser takes one cell's text and returns the canonical value plus a list of
:class:`Issue` (an error or warning without a location); :mod:`scoring.intake.cohort` adds the
file, row and column and turns them into :class:`~scoring.profiles.Problem`.

Rules a coordinator can rely on (also in the README: "How answers are read"):

* blanks: an empty cell, ``N/A``, ``n/a``, ``NA``, ``none``, ``-`` count as blank;
* counts (capacity, network size): ``2``, ``2.0``, ``two`` → 2; a range ``2-3``, ``2 to 3``
  or ``2 or 3`` → the **lower** bound, so a mentor is never given more mentees than they
  surely agreed to; ``up to 3`` → 3; ``unlimited``, ``any``, ``as many as needed`` → the
  config maximum; above the maximum → capped, with a warning; anything else is an error;
* time zones → UTC offset in hours on the program's reference date (``UTC-5``,
  ``GMT+5:30``, ``-05:00``, ``America/Chicago``, ``EST``, ``New York``); abbreviations
  name a region, so ``EST`` and ``EDT`` both mean New York's offset on that date;
* ids: Excel's ``1001.0`` → ``1001``; emails trimmed and lower-cased; invisible format
  characters (zero-width space, byte-order mark, soft hyphen ...) removed, so an id pasted
  with one still matches;
* multi-select cells are split in time linear in the cell's length, however many answers
  it holds; an unknown answer repeated in one cell is reported once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from scoring.config import Vocabulary
from scoring.profiles import Severity
from scoring.text import clean_cell, fold, quote, without_format_characters

#: Reference date for time-zone offsets when the config has no ``program.start_date``:
#: a fixed mid-January day, so results never depend on when the program is run.
DEFAULT_REFERENCE_DATE = dt.date(2026, 1, 15)

#: Cell texts that mean "no answer" (compared after trimming and case folding).
BLANK_MARKERS = frozenset({"", "n/a", "na", "n.a.", "n/a.", "none", "nil", "null", "-", "--",
                           "—", "–", "?", "#n/a"})

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
#: Answers meaning "no limit"; they become the config's maximum.
UNLIMITED_ANSWERS = frozenset({
    "unlimited", "any", "no limit", "as many as needed", "as many as you need",
    "as many as necessary", "as many as possible", "as many as you like", "no maximum",
})

#: Common time-zone abbreviations and names → an IANA zone (zoneinfo has no abbreviation
#: lookup). Ambiguous ones follow the most common use among our programs: CST is US
#: Central, IST is India.
ZONE_ALIASES: dict[str, str] = {
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "eastern": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "central": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
    "mountain": "America/Denver", "arizona": "America/Phoenix",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "akst": "America/Anchorage", "akdt": "America/Anchorage", "alaska": "America/Anchorage",
    "hst": "Pacific/Honolulu", "hawaii": "Pacific/Honolulu",
    "ast": "America/Halifax", "adt": "America/Halifax", "atlantic": "America/Halifax",
    "nst": "America/St_Johns", "newfoundland": "America/St_Johns",
    "utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC", "coordinated universal": "UTC",
    "bst": "Europe/London", "uk": "Europe/London", "british": "Europe/London",
    "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "western european": "Europe/Lisbon",
    "cet": "Europe/Paris", "cest": "Europe/Paris", "central european": "Europe/Paris",
    "eet": "Europe/Athens", "eest": "Europe/Athens", "eastern european": "Europe/Athens",
    "msk": "Europe/Moscow", "moscow": "Europe/Moscow",
    "ist": "Asia/Kolkata", "india": "Asia/Kolkata", "pkt": "Asia/Karachi",
    "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong", "china": "Asia/Shanghai",
    "jst": "Asia/Tokyo", "japan": "Asia/Tokyo", "kst": "Asia/Seoul", "korea": "Asia/Seoul",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "australian eastern": "Australia/Sydney", "acst": "Australia/Adelaide",
    "acdt": "Australia/Adelaide", "awst": "Australia/Perth",
    "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland", "new zealand": "Pacific/Auckland",
    "sast": "Africa/Johannesburg", "south africa": "Africa/Johannesburg",
    "wat": "Africa/Lagos", "cat": "Africa/Maputo", "eat": "Africa/Nairobi",
    "brt": "America/Sao_Paulo", "brasilia": "America/Sao_Paulo",
    "art": "America/Argentina/Buenos_Aires",
}
# Words people add around a zone name that do not change which zone they mean.
_ZONE_FILLER = frozenset({"time", "standard", "daylight", "summer", "zone", "tz", "us", "usa",
                          "and", "canada", "the"})
# An offset: sign, hours (whole or decimal: 5.5, 5,75) and optional minutes (05:30, 0530).
_HOURS = r"(\d{1,2}(?:[.,]\d{1,2})?)"
_OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*([+\-\u2212])\s*" + _HOURS + r"(?::?(\d{2}))?$")
_OFFSET_ANYWHERE = re.compile(r"(?:utc|gmt)\s*([+\-\u2212])\s*" + _HOURS
                              + r"(?::(\d{2}))?(?![\d.,:])")
# A bare number of hours: "8", "0", "5.5", "-5.0" (forms asking "your UTC offset").
_BARE_OFFSET = re.compile(r"^()([+\-\u2212]?\d{1,2}(?:[.,]\d{1,2})?)()$")
_EXCEL_WHOLE_NUMBER = re.compile(r"^[+-]?\d+\.0+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Issue:
    """Something wrong with one cell, before intake knows its file, row and column."""

    severity: Severity
    message: str
    fix: str


# --------------------------------------------------------------------------- cells


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a coordinator sees in Excel.

    Whole-number floats lose their ``.0`` (Excel stores every number as a float), dates
    become ISO dates (``2026-09-01``), date-times keep minutes, ``None``/NaN become ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN from pandas
            return ""
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


#: The longest blank marker: a longer ASCII answer (spaces around it aside) is never blank.
_LONGEST_BLANK = max(len(marker) for marker in BLANK_MARKERS)


def is_blank(text: str) -> bool:
    """Whether a cell means "no answer" (empty, ``N/A``, ``none``, ``-`` ...)."""
    # No marker holds a space, so an ASCII cell longer than every marker once trimmed is
    # an answer whatever its inner spaces: most cells, answered without cleaning them.
    if isinstance(text, str) and text.isascii() and len(text.strip()) > _LONGEST_BLANK:
        return False
    return clean_cell(text).casefold() in BLANK_MARKERS


#: Answers to "who should you not be matched with?" that name nobody.
NOBODY_ANSWERS = frozenset({"no", "nobody", "no one", "noone", "none", "nope", "not really",
                            "no preference", "nothing", "na", "n a", "not applicable", "nil"})


def means_nobody(text: str) -> bool:
    """Whether an exclusion answer means "nobody" ("no", "none", "n/a", "-" ...)."""
    return is_blank(text) or fold(text) in NOBODY_ANSWERS


def clean_text(text: str) -> str:
    """Free text (goals, bio): trimmed, runs of spaces collapsed, line breaks kept,
    blank markers → ``""``."""
    if is_blank(text):
        return ""
    lines = (clean_cell(line) for line in str(text).replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------- ids


def normalise_email(text: str) -> str:
    """An email address trimmed, without ``mailto:``, lower-cased (addresses are matched
    case-insensitively in practice); blank markers → ``""``."""
    if is_blank(text):
        return ""
    address = unicodedata.normalize("NFC", "".join(without_format_characters(str(text)).split()))
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:"):]
    return address.casefold()


def looks_like_email(text: str) -> bool:
    """Whether ``text`` has the shape ``name@domain.tld``."""
    return bool(_EMAIL.match(text))


def normalise_id(text: str) -> str:
    """A participant id: trimmed, Excel's ``1001.0`` → ``1001``, emails lower-cased,
    invisible format characters (Unicode category Cf) removed.

    Other ids keep their case (``M-01`` and ``m-01`` are different codes).
    """
    if is_blank(text):
        return ""
    # NFC: an "é" typed as one character or as e + accent is one person.
    ident = unicodedata.normalize("NFC", clean_cell(without_format_characters(str(text))))
    if "@" in ident:
        return normalise_email(ident)
    if _EXCEL_WHOLE_NUMBER.match(ident):
        return ident.split(".")[0]
    return ident


# --------------------------------------------------------------------------- lists


def split_values(text: str, separators: tuple[str, ...],
                 known: Vocabulary | None = None) -> list[str]:
    """Split a multi-select cell into its answers.

    Cells are split on the config separators and on line breaks. When ``known`` is given,
    neighbouring pieces are joined again if together they spell a known value, so an
    option that itself contains a separator ("Research, scholarship") survives. Only as
    many pieces are tried together as the longest known value has words, which keeps a
    cell with thousands of answers linear in its length. Blank pieces are dropped.
    """
    if is_blank(text):
        return []
    splitters = sorted({*separators, "\n"}, key=len, reverse=True)
    parts = re.split("(" + "|".join(re.escape(s) for s in splitters) + ")", str(text))
    pieces, seps = _inside_brackets_joined(parts[0::2], parts[1::2])
    window = known.longest_spelling if known is not None else 1
    values: list[str] = []
    start = 0
    while start < len(pieces):
        end = start + 1
        for stop in range(min(len(pieces), start + window), start + 1, -1):
            if known is not None and known.lookup(_joined(pieces, seps, start, stop)) \
                    is not None:
                end = stop
                break
        joined = _joined(pieces, seps, start, end)
        if not is_blank(joined):
            values.append(clean_cell(joined))
        start = end
    return values


def _inside_brackets_joined(pieces: list[str], seps: list[str]
                            ) -> tuple[list[str], list[str]]:
    """Glue back pieces split inside brackets: "Chat (e.g., Slack, WhatsApp)" is one answer
    whatever the vocabulary knows. Unbalanced brackets leave the pieces as they were."""
    if not any(b in piece for piece in pieces for b in "([{"):
        return pieces, seps
    glued, glued_seps = [pieces[0]], []
    depth = _depth(pieces[0])
    for sep, piece in zip(seps, pieces[1:], strict=True):
        if depth > 0 and sep != "\n":
            glued[-1] += sep + piece
        else:
            glued_seps.append(sep)
            glued.append(piece)
            depth = 0
        depth += _depth(piece)
    if depth > 0:  # a bracket never closed: not a label, split as usual
        return pieces, seps
    return glued, glued_seps


def _depth(text: str) -> int:
    return sum(text.count(b) for b in "([{") - sum(text.count(b) for b in ")]}")


def _joined(pieces: list[str], seps: list[str], start: int, stop: int) -> str:
    """Pieces ``start`` to ``stop`` (exclusive) with the separators that stood between."""
    return pieces[start] + "".join(seps[k] + pieces[k + 1] for k in range(start, stop - 1))


@dataclass(frozen=True)
class RememberedVocabulary(Vocabulary):
    """A :class:`Vocabulary` whose lookups are remembered, for one sheet's reading: its
    multi-select cells hold the same few answers in thousands of combinations, and a cell
    is split by looking up runs of its pieces (:func:`split_values`), each folded first.
    The same answers as the vocabulary's own :meth:`~Vocabulary.lookup`."""

    found: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, vocabulary: Vocabulary) -> RememberedVocabulary:
        return cls(name=vocabulary.name, values=vocabulary.values,
                   synonyms=vocabulary.synonyms)

    def lookup(self, text: str) -> str | None:
        try:
            return self.found[text]
        except KeyError:
            canonical = self.found[text] = super().lookup(text)
            return canonical


def lookup_values(text: str, vocabulary: Vocabulary,
                  separators: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """Canonical values of a multi-select cell (in order, without repeats) and the answers
    that match no synonym in ``vocabulary`` (each once, as first written)."""
    canonical: list[str] = []
    unknown: dict[str, str] = {}
    for answer in split_values(text, separators, vocabulary):
        value = vocabulary.lookup(answer)
        if value is None:
            unknown.setdefault(fold(answer), answer)
        elif value not in canonical:
            canonical.append(value)
    return tuple(canonical), list(unknown.values())


def unknown_value_issue(answer: str, vocabulary: Vocabulary) -> Issue:
    """The error for an answer missing from a vocabulary, suggesting the closest value."""
    close = difflib.get_close_matches(fold(answer), [fold(v) for v in vocabulary.values], n=1)
    hint = f" (closest: {vocabulary.lookup(close[0])!r})" if close else ""
    known = ", ".join(vocabulary.values) or "none yet"
    return Issue("error", f"{quote(answer)} is not a known {vocabulary.name} value{hint}; known "
                 f"values: {known}.",
                 f"Add it as a synonym of the value it means under "
                 f"[vocabularies.{vocabulary.name}] in the config (the whole answer as the "
                 "form's option reads), or correct the cell.")


# --------------------------------------------------------------------------- counts


def _number(word: str) -> int | None:
    if re.fullmatch(r"\d+", word):
        return int(word)
    if _EXCEL_WHOLE_NUMBER.match(word):
        return int(float(word))
    return NUMBER_WORDS.get(word)


_COUNT_NOUNS = r"(?:\s+(?:mentees?|mentors?|people|persons?|students?|residents?|trainees?" \
               r"|max|maximum|total|at a time|per (?:year|cycle|term)))*"
_COUNT = re.compile(
    r"^(?P<prefix>up to|upto|max|maximum|at most|no more than)?\s*(?P<low>[\w.]+)"
    r"(?:\s*(?:-|–|—|to|or)\s*(?P<high>[\w.]+))?" + _COUNT_NOUNS + r"$")


def parse_count(text: str, *, default: int, maximum: int, what: str,
                warn_blank: bool = True, minimum: int = 0) -> tuple[int, list[Issue]]:
    """A head count from free text (capacity, network size); see the module docstring.

    Blank → ``default`` (a warning when ``warn_blank``); ``unlimited`` → ``maximum``;
    ``2-3`` → 2 (the lower bound respects the person's time); above ``maximum`` → capped
    with a warning; below ``minimum`` or unreadable → ``default`` with an error.
    """
    if is_blank(text):
        issues = [Issue("warning", f"No {what} given; using the default, {default}.",
                        f"Fill in the {what} if {default} is not right.")] if warn_blank else []
        return default, issues
    answer = " ".join(clean_cell(text).casefold().replace("–", "-").split())
    if answer.rstrip(".!") in UNLIMITED_ANSWERS or answer.startswith("as many as"):
        return maximum, [_read_as(what, text, f"the program maximum, {maximum}")]
    match = _COUNT.match(answer)
    low = _number(match["low"]) if match else None
    high = _number(match["high"]) if match and match["high"] else None
    if low is None or (match and match["high"] and high is None):
        return default, [Issue("error", f"{what.capitalize()} {quote(clean_cell(text))} is "
                               "not a whole number.",
                               "Write a whole number like 2, a range like 2-3 (the lower bound "
                               "is used), or 'unlimited'.")]
    count = low  # "up to 3" means 3; for "2-3" the lower bound is the safe promise
    if count < minimum:
        return default, [Issue("error", f"{what.capitalize()} {count} is below {minimum}.",
                               f"Write a whole number of at least {minimum}.")]
    if count > maximum:
        return maximum, [Issue("warning", f"{what.capitalize()} {count} is above the "
                               f"program maximum; capped at {maximum}.",
                               "Raise the maximum under [defaults] in the config if this "
                               "person really means it.")]
    if not (re.fullmatch(r"\d+", answer) or _EXCEL_WHOLE_NUMBER.match(answer)):
        # "two", "2-3", "up to 3": correct readings, but a coordinator should see them.
        return count, [_read_as(what, text, str(count))]
    return count, []


def _read_as(what: str, text: str, reading: str) -> Issue:
    """A warning that a free-text answer was interpreted, and how."""
    return Issue("warning", f"{what.capitalize()} {quote(clean_cell(text))} was read as {reading}.",
                 "Correct the cell if that is not what the person meant.")


# --------------------------------------------------------------------------- time zones


def reference_date(start_date: dt.date | None) -> dt.date:
    """The date time-zone offsets are taken at: the program start date (``[program]
    start_date``, parsed by the config), else :data:`DEFAULT_REFERENCE_DATE`."""
    return start_date or DEFAULT_REFERENCE_DATE


# Last parts of legacy IANA names that are ordinary words, not places: "North Hospital" or
# "East campus" must not be read as Australia/North or Brazil/East.
_NOT_PLACES = frozenset({"north", "south", "east", "west", "general", "continental",
                         "factory", "localtime", "act", "victoria"})


@functools.lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Folded IANA names and unambiguous city names → IANA name (``new york`` →
    ``America/New_York``)."""
    names: dict[str, str] = {}
    cities: dict[str, list[str]] = {}
    for name in zoneinfo.available_timezones():
        names[fold(name)] = name
        cities.setdefault(fold(name.rsplit("/", 1)[-1]), []).append(name)
    for city, zones in cities.items():
        if len(zones) == 1 and city not in _NOT_PLACES:
            names.setdefault(city, zones[0])
    return names


def _offset_hours(zone_name: str, on: dt.date) -> float:
    moment = dt.datetime(on.year, on.month, on.day, 12, tzinfo=zoneinfo.ZoneInfo(zone_name))
    offset = moment.utcoffset() or dt.timedelta(0)
    return offset.total_seconds() / 3600


def _offset_from_match(match: re.Match[str]) -> float | None:
    """Hours east of UTC from an offset match; None when out of range (above 14 hours,
    60 minutes or more, or decimal hours together with minutes)."""
    text = match[2].replace(",", ".").replace("\u2212", "-")
    sign = -1 if (match[1] and match[1] in "-\u2212") or text.startswith("-") else 1
    hours = abs(float(text))
    minutes = int(match[3] or 0)
    if hours > 14 or minutes >= 60 or (minutes and not hours.is_integer()):
        return None
    return sign * (hours + minutes / 60) + 0.0  # + 0.0: -0.0 shows as 0


def parse_time_zone(text: str, on: dt.date = DEFAULT_REFERENCE_DATE
                    ) -> tuple[float | None, list[Issue]]:
    """A time zone as a UTC offset in hours (``UTC-5`` → -5.0, ``GMT+5:30`` → 5.5).

    IANA names and the abbreviations in :data:`ZONE_ALIASES` are resolved with
    :mod:`zoneinfo` at date ``on``, so daylight saving follows the program's calendar.
    Unrecognised text → None with a warning; blank → None.
    """
    if is_blank(text):
        return None, []
    answer = clean_cell(text).casefold()
    match = _OFFSET.match(answer) or _BARE_OFFSET.match(answer) \
        or _OFFSET_ANYWHERE.search(answer)
    if match:
        offset = _offset_from_match(match)
        if offset is not None:
            return offset, []
        return None, [_unreadable_zone(text)]
    folded = fold(answer)
    words = " ".join(w for w in folded.split() if w not in _ZONE_FILLER)
    zone = (ZONE_ALIASES.get(folded) or ZONE_ALIASES.get(words) or _zone_names().get(folded)
            or _zone_names().get(words) or _zone_of_words(answer))
    if zone:
        offset = _offset_hours(zone, on)
        if fold(zone) in (folded, words):
            return offset, []
        # An abbreviation or a city is a guess at a region; say which one was taken.
        return offset, [Issue("warning", f"Time zone {quote(clean_cell(text))} was read as {zone} "
                              f"(UTC{offset:+g} on {on.isoformat()}).",
                              "Write a zone name like America/Chicago if that is wrong.")]
    return None, [_unreadable_zone(text)]


def _unreadable_zone(text: str) -> Issue:
    return Issue("warning", f"Time zone {quote(clean_cell(text))} is not recognised; it is "
                 "left blank.", "Write it as an offset like UTC-5 or UTC+5:30 or a zone name "
                 "like America/Chicago.")


def _zone_of_words(answer: str) -> str | None:
    """The one zone the words of ``CET/CEST`` or ``Central European (Paris)`` name, when
    every word that names a zone names the same one; None otherwise."""
    words = [fold(w) for w in re.split(r"[\s/,;()]+", answer) if w]
    zones = {ZONE_ALIASES.get(w) or _zone_names().get(w) for w in words if len(w) > 1}
    zones.discard(None)
    return zones.pop() if len(zones) == 1 else None
