"""The run folder's JSON writer (:mod:`matcher.runfolder.indented_json`): the very text
``json.dumps`` writes with the same arguments, on generated documents, on records held
column by column and on whole snapshots; and the cohort snapshot built a column at a time
has the bytes the person-by-person code path wrote (tests/snapshot_reference.py). The
snapshot's bytes must not change: run.json records their hash, and audits read old and new
run folders alike. Each property counts the examples that reached each path it claims."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.runfolder import indented_json
from matcher.runfolder.indented_json import Records, dumps_indented, dumps_lines
from matcher.runfolder.snapshot import read_snapshot, snapshot_bytes
from sample_data.generate import write as generate
from scoring.config import config_from_dict, load_config
from scoring.config.sections import SENSITIVE_CAPABLE_FIELDS
from scoring.intake.cohort import read_cohort
from scoring.profiles import Cohort, Mentee, Mentor
from tests import snapshot_reference

ROOT = Path(__file__).resolve().parent.parent


def _reference(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False)


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                max_size=12) | st.sampled_from(["", '"', "\\", "\n\t\x00\x1f\x7f", "é—😀",
                                                "{x}", "a, b", "]\x00[", '"]'])
_FLOATS = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([-0.0, 1e16,
                                                                               5e-324])
_WHOLE = st.integers(-10**20, 10**20) | st.sampled_from([2**64, -(10**30)])
_SCALARS = (st.none() | st.booleans() | _WHOLE | _FLOATS | _TEXT)
_DOCUMENTS = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner,
                                                                           max_size=4),
    max_leaves=30)


def _outcome(call: Callable[[], str]) -> tuple[str, Any]:
    """A call's text, or the kind of error it raised (json's refusals must be ours too)."""
    try:
        return "text", call()
    except (TypeError, ValueError) as error:
        return "error", type(error)


@contextmanager
def _paths_taken(reached: Counter[str]) -> Iterator[None]:
    """Count, once per example, the writer's paths each call took."""
    taken: set[str] = set()
    real_flat, real_lists, real_values = (indented_json._flat, indented_json._text_lists,
                                          indented_json._values)

    def flat(value: Any, *args: Any) -> bool:
        done = real_flat(value, *args)
        taken.add(("a container of scalars in one C call" if done
                   else "a container item by item") + (" (dict)" if isinstance(value, dict)
                                                       else " (list)"))
        return done

    def text_lists(*args: Any) -> list[str] | None:
        texts = real_lists(*args)
        taken.add("a column of lists of text, joined" if texts is not None
                  else "a column of lists holding more than text")
        return texts

    def values(column: Any, *args: Any) -> list[str]:
        taken.add("a column value by value")
        return real_values(column, *args)

    indented_json._flat = flat  # type: ignore[assignment]
    indented_json._text_lists = text_lists  # type: ignore[assignment]
    indented_json._values = values  # type: ignore[assignment]
    try:
        yield
    finally:
        indented_json._flat, indented_json._text_lists, indented_json._values = (
            real_flat, real_lists, real_values)
        reached.update(taken)


def _texts_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts_in(key)
            yield from _texts_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts_in(item)


def _numbers_in(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers_in(key)
            yield from _numbers_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _numbers_in(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def _what_it_holds(document: Any) -> set[str]:
    """The kinds of content an example holds (counted next to the paths taken)."""
    texts, numbers = list(_texts_in(document)), list(_numbers_in(document))
    held = set()
    if any(c in t for t in texts for c in '"\\\x00\n\x1f'):
        held.add("text json escapes")
    if any(not t.isascii() for t in texts):
        held.add("text beyond ASCII")
    if any(isinstance(n, float) and math.copysign(1.0, n) < 0 and n == 0 for n in numbers):
        held.add("-0.0")
    if any(isinstance(n, int) and abs(n) > 2**63 for n in numbers):
        held.add("a whole number past 64 bits")
    return held


_ARGUMENTS = st.fixed_dictionaries({"indent": st.sampled_from([0, 1, 2]),
                                    "sort_keys": st.booleans(),
                                    "ensure_ascii": st.booleans(),
                                    "allow_nan": st.booleans()})
_ODD_KEYS = st.one_of(st.integers(-3, 3), st.sampled_from([1.5, -0.0, math.nan]),
                      st.booleans(), st.none())


def test_documents_are_json_dumps_text_with_each_argument():
    """Nested dicts and lists, empties, every kind of scalar, keys that need escapes and keys
    json turns into text (numbers, booleans, null; refused unsorted alike), non-finite
    numbers (written or refused as json does), under each indent, sort_keys, ensure_ascii
    and allow_nan: the same text, or the same kind of error."""
    reached: Counter[str] = Counter()
    non_finite = st.sampled_from([math.nan, math.inf, -math.inf])
    documents = st.recursive(
        _SCALARS | non_finite | st.just(-0.0),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            _TEXT | _ODD_KEYS, inner, max_size=4) | st.dictionaries(
            _TEXT, _SCALARS | non_finite, min_size=1, max_size=4) | st.just([]) | st.just({}),
        max_leaves=30)

    @settings(max_examples=800, deadline=None)
    @given(documents, _ARGUMENTS)
    def check(document: Any, arguments: dict[str, Any]) -> None:
        with _paths_taken(reached):
            ours = _outcome(lambda: dumps_indented(document, **arguments))
        assert ours == _outcome(lambda: json.dumps(document, **arguments))
        reached.update(_what_it_holds(document))
        if ours[0] == "error":
            reached["refused as json refuses"] += 1
        elif any(isinstance(n, float) and not math.isfinite(n) for n in _numbers_in(document)):
            reached["non-finite numbers written"] += 1
        if any(not isinstance(k, str) for k in _keys_in(document)) and ours[0] == "text":
            reached["keys json turns into text"] += 1

    check()
    assert len(reached) == 11 and min(reached.values()) >= 10, sorted(reached.items())


def _keys_in(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        yield from value
        for item in value.values():
            yield from _keys_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _keys_in(item)


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS)
def test_the_snapshots_arguments_give_json_dumps_text(document):
    assert dumps_indented(document) == _reference(document)


def test_tuples_nested_empties_and_subclasses_as_json_writes_them():
    class Label(str):
        pass

    class Count(int):
        pass

    document = {"b": (1, [], {}), "a": [[[]], {"z": {}, "y": (True, False, None)}],
                Label("c"): [Label("x"), 2.5, -0.0, 1e300, 10**30, Count(3)],
                "d": {"k": Label("v"), "n": Count(-1)}}
    assert dumps_indented(document) == _reference(document)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_as_json_refuses_them(bad):
    with pytest.raises(ValueError):
        _reference({"x": [bad]})
    with pytest.raises(ValueError):
        dumps_indented({"x": [bad]})
    with pytest.raises(ValueError):
        dumps_indented({"x": [bad, [1]]})


def test_what_json_cannot_write_is_refused_or_given_to_default():
    with pytest.raises(TypeError):
        dumps_indented({"x": {1, 2}})
    document = {"x": {3, 1}, "p": [Path("a/b")]}

    def default(value: Any) -> Any:
        return sorted(value) if isinstance(value, set) else str(value)

    assert dumps_indented(document, indent=2, default=default) == json.dumps(
        document, indent=2, sort_keys=True, ensure_ascii=False, default=default)


# Columns of every kind a record's field may hold, each drawn whole (a column of one kind):
_COLUMN_KINDS: dict[str, Callable[[int], st.SearchStrategy[list[Any]]]] = {
    "text": lambda n: st.lists(_TEXT, min_size=n, max_size=n),
    "whole numbers": lambda n: st.lists(_WHOLE, min_size=n, max_size=n),
    "scalars of mixed kinds": lambda n: st.lists(_SCALARS | st.just(math.nan), min_size=n,
                                                 max_size=n),
    "tuples of text": lambda n: st.lists(st.lists(st.sampled_from(["a", "é", '"', "\x01"]),
                                                  max_size=3).map(tuple),
                                         min_size=n, max_size=n),
    "lists of text": lambda n: st.lists(st.lists(_TEXT, max_size=3), min_size=n, max_size=n),
    "lists of scalars": lambda n: st.lists(st.lists(_SCALARS, min_size=1, max_size=3),
                                           min_size=n, max_size=n),
    "empty dicts": lambda n: st.just([{} for _ in range(n)]),
    "dicts of text": lambda n: st.lists(st.dictionaries(_TEXT, _TEXT, max_size=3), min_size=n,
                                        max_size=n),
    "anything": lambda n: st.lists(_DOCUMENTS, min_size=n, max_size=n),
    "values json cannot write": lambda n: st.lists(
        st.sampled_from([Path("a/b"), frozenset({1}), b"x"]), min_size=n, max_size=n),
}


@st.composite
def _records(draw: st.DrawFn) -> tuple[dict[str, list[Any]], list[str]]:
    rows = draw(st.integers(0, 5))
    kinds = draw(st.lists(st.sampled_from(sorted(_COLUMN_KINDS)), min_size=1, max_size=4))
    names = draw(st.lists(_TEXT | st.sampled_from(["{}", "a{0}b", "}"]), min_size=len(kinds),
                          max_size=len(kinds), unique=True))
    return ({name: draw(_COLUMN_KINDS[kind](rows)) for name, kind in zip(names, kinds,
                                                                          strict=True)},
            kinds)


def test_records_held_column_by_column_are_their_rows_as_json_writes_them():
    """A list of records given column by column, in an indented document and as one
    compact line per record (the snapshot's key), columns of every kind, then the same
    records with one column replaced (Records.derived reuses the others' text): the text of
    json.dumps over the rows, or the same kind of error."""
    reached: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None)
    @given(_records(), _ARGUMENTS, st.data())
    def check(drawn: tuple[dict[str, list[Any]], list[str]], arguments: dict[str, Any],
              data: st.DataObject) -> None:
        columns, kinds = drawn
        records = Records(columns)
        rows = records.rows()
        lines = {k: v for k, v in arguments.items() if k != "indent"}
        with _paths_taken(reached):
            ours = _outcome(lambda: dumps_lines(records, default=repr, **lines))
            theirs = _outcome(lambda: "".join(json.dumps(row, default=repr, **lines) + "\n"
                                              for row in rows))
            assert ours == theirs
            document = {"records": records, "after": [1]}
            indented = _outcome(lambda: dumps_indented(document, **arguments))
            assert indented == _outcome(
                lambda: json.dumps({"records": rows, "after": [1]}, **arguments))
            name = data.draw(st.sampled_from(sorted(columns)))
            kind = data.draw(st.sampled_from(sorted(_COLUMN_KINDS)))
            changed = records.derived(columns | {name: data.draw(
                _COLUMN_KINDS[kind](len(records)))})
            assert _outcome(lambda: dumps_indented(changed, **arguments)) == _outcome(
                lambda: json.dumps(changed.rows(), **arguments))
        if rows:
            reached.update(f"a column of {kind}" for kind in kinds)
        if ours[0] == "error" or indented[0] == "error":
            reached["refused as json refuses"] += 1

    check()
    assert len(reached) == 18 and min(reached.values()) >= 10, reached


@pytest.mark.parametrize("size", ["sample", 1_000])
def test_whole_snapshots_are_json_dumps_text(tmp_path, size):
    config = load_config(ROOT / "sample_data" / "program.toml")
    if size == "sample":
        folder = ROOT / "sample_data"
    else:
        folder = tmp_path
        generate(folder, size, size // 3, seed=5)
    cohort = read_cohort(folder / "mentors.csv", folder / "mentees.csv", config)
    data = snapshot_bytes(cohort, config)
    document = json.loads(data)
    assert len(document["mentees"]) == len(cohort.mentees) > 100
    assert data == (_reference(document) + "\n").encode("utf-8")
    assert data == snapshot_reference.snapshot_bytes(cohort, config)
    assert len(read_snapshot(data).mentees) == len(cohort.mentees)


_VALUES = st.sampled_from(["", "Woman", " woman", "MAN", "é", "Fenwick; Glimmer", "a, b;",
                           '"q"', "\\", "x\x00\ny", "{}", "Ünï 😀", "St. Mary's"]) | _TEXT
_LISTS = st.lists(_VALUES, max_size=3).map(tuple)
_PREFERENCES = st.lists(st.sampled_from(["same_gender", "shared_background", "same_language",
                                         "other"]), max_size=3, unique=True).map(tuple)
_EXTRA = st.dictionaries(_TEXT, _TEXT, max_size=2)
#: Values many people share (a cohort's genders, backgrounds): pseudonyms worked out once.
_FEW = st.sampled_from(["", "Woman", "woman ", "MAN", "Fenwick; Glimmerdale"])


def _person_fields() -> dict[str, st.SearchStrategy[Any]]:
    return {"id": _TEXT, "name": _VALUES, "email": _VALUES,
            "career_stage": st.none() | _VALUES, "specialty": _VALUES,
            "institution": _VALUES, "modes": _LISTS, "frequency": st.none() | _VALUES,
            "time_zone": st.none() | st.floats(-12, 14), "languages": _LISTS,
            "exclude": _LISTS, "gender": _FEW | _VALUES, "background": _FEW | _VALUES,
            "source_row": st.integers(0, 10**6), "extra": _EXTRA, "attributes": _EXTRA}


_MENTORS = st.builds(Mentor, **_person_fields(), expertise_areas=_LISTS, bio=_VALUES,
                     roles=_LISTS, capacity=st.integers(0, 9))
_MENTEES = st.builds(Mentee, **_person_fields(), need_areas=_LISTS, goals=_VALUES,
                     help_wanted=_LISTS, network_size=st.integers(1, 3),
                     preferences=_PREFERENCES)


def test_snapshots_built_column_by_column_are_the_person_by_person_bytes():
    """Generated cohorts (repeated and blank values, text json escapes, missing stages and
    time zones, extras) under generated [sensitive] fields and default languages: the bytes
    of the person-by-person code path, whatever each sensitive value went through."""
    reached: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None)
    @given(st.lists(_MENTORS, max_size=4), st.lists(_MENTEES, min_size=1, max_size=5),
           st.lists(st.sampled_from(SENSITIVE_CAPABLE_FIELDS), unique=True, max_size=5)
           | st.just(["gender", "background", "languages", "modes", "institution"]),
           st.lists(st.sampled_from(["english", "Español", "fr"]), min_size=1, max_size=2,
                    unique=True))
    def check(mentors: list[Mentor], mentees: list[Mentee], sensitive: list[str],
              languages: list[str]) -> None:
        config = config_from_dict({"sensitive": {"fields": sensitive},
                                   "defaults": {"languages": languages}})
        cohort = Cohort(mentors=mentors, mentees=mentees,
                        sources={"mentors": "/x/mentors.csv", "mentees": "in/mentees.xlsx"})
        assert snapshot_bytes(cohort, config) == snapshot_reference.snapshot_bytes(cohort,
                                                                                    config)
        reached.update(_sensitive_paths(cohort, sensitive))

    check()
    assert len(reached) == 8 and min(reached.values()) >= 10, reached


def _sensitive_paths(cohort: Cohort, sensitive: list[str]) -> set[str]:
    """Which of the snapshot's pseudonymising paths an example's cohort went through."""
    people = [*cohort.mentors, *cohort.mentees]
    taken = set()
    if not cohort.mentors or not cohort.mentees:
        taken.add("a side with nobody")
    if any(name in ("career_stage", "frequency", "time_zone") for name in sensitive):
        taken.add("a field withheld from scoring (null)")
    if "languages" in sensitive and any(not p.languages for p in people):
        taken.add("blank languages stored as the defaults' pseudonyms")
    for name, opt_in in (("gender", "same_gender"), ("background", "shared_background")):
        if name in sensitive and any(getattr(m, name) and opt_in not in m.preferences
                                     for m in cohort.mentees):
            taken.add("a mentee's value never read, left blank")
        if name in sensitive and any(getattr(m, name) and opt_in in m.preferences
                                     for m in cohort.mentees):
            taken.add("a mentee's opted-into value pseudonymised")
    if any(name in ("modes", "languages") and any(getattr(p, name) for p in people)
           for name in sensitive):
        taken.add("a list pseudonymised item by item")
    if any(name in ("background", "institution", "specialty") and any(getattr(p, name)
                                                                     for p in people)
           for name in sensitive):
        taken.add("text pseudonymised by its compared keys")
    for name in set(sensitive) - {"career_stage", "frequency", "time_zone"}:
        values = [getattr(p, name) for p in people if getattr(p, name)]
        if len(set(values)) < len(values):
            taken.add("a value repeated (its pseudonyms worked out once)")
    return taken


def test_without_the_c_encoder_every_path_writes_the_same_text(monkeypatch):
    """An interpreter without json's C accelerator: the containers of scalars, the columns
    of scalars and the compact lines go value by value, with the same text."""
    monkeypatch.setattr(indented_json, "c_make_encoder", None)
    indented_json._c_encoder.cache_clear()
    try:
        columns: dict[str, list[Any]] = {
            "n": [1, None, 2.5], "t": ["a", "é", '"'], "l": [("x",), (), ("y", "z")],
            "d": [{"k": 1}, {}, {"z": [None]}], "s": [{"b": "c"}, {}, {}]}
        records = Records(columns)
        document = {"records": records, "flat": {"b": 1, "a": [True, -0.0, "\x00"]}}
        plain = {"records": records.rows(), "flat": document["flat"]}
        assert dumps_indented(document) == _reference(plain)
        assert dumps_lines(records, default=str) == "".join(
            json.dumps(row, sort_keys=True, ensure_ascii=False, default=str) + "\n"
            for row in records.rows())
    finally:
        indented_json._c_encoder.cache_clear()
