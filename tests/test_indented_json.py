"""The cohort snapshot's JSON writer: the very text ``json.dumps(..., sort_keys=True,
ensure_ascii=False, indent=1, allow_nan=False)`` writes, on arbitrary documents and on
whole snapshots (the snapshot's bytes must not change: run.json records their hash, and
audits read old and new run folders alike)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.runfolder.indented_json import dumps_indented
from matcher.runfolder.snapshot import read_snapshot, snapshot_bytes
from sample_data.generate import write as generate
from scoring.config import load_config
from scoring.intake.cohort import read_cohort

ROOT = Path(__file__).resolve().parent.parent


def _reference(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False)


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                max_size=12) | st.sampled_from(["", '"', "\\", "\n\t\x00\x1f\x7f", "é—😀"])
_SCALARS = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
            | st.floats(allow_nan=False, allow_infinity=False) | _TEXT)
_DOCUMENTS = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner,
                                                                           max_size=4),
    max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_DOCUMENTS)
def test_the_same_text_as_json_dumps(document):
    assert dumps_indented(document) == _reference(document)


def test_tuples_nested_empties_and_subclasses_as_json_writes_them():
    class Label(str):
        pass

    document = {"b": (1, [], {}), "a": [[[]], {"z": {}, "y": (True, False, None)}],
                Label("c"): [Label("x"), 2.5, -0.0, 1e300, 10**30]}
    assert dumps_indented(document) == _reference(document)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_as_json_refuses_them(bad):
    with pytest.raises(ValueError):
        _reference({"x": [bad]})
    with pytest.raises(ValueError):
        dumps_indented({"x": [bad]})


def test_what_json_cannot_write_is_refused():
    with pytest.raises(TypeError):
        dumps_indented({"x": {1, 2}})


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
    assert len(read_snapshot(data).mentees) == len(cohort.mentees)


_RECORD_VALUES = st.one_of(_TEXT, st.lists(_TEXT, max_size=4), st.integers(-5, 5), st.none(),
                           st.lists(_SCALARS, min_size=1, max_size=3), st.booleans(),
                           st.floats(allow_nan=False, allow_infinity=False))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(_TEXT, _RECORD_VALUES, max_size=6), max_size=3))
def test_records_values_written_inline_read_as_json_dumps(records):
    """A record's text, lists of text, whole numbers and nulls are written inline (a list
    holding anything but text, and any other value, through the general path): the same
    text as json.dumps, at the depth the snapshot's records sit."""
    document = {"mentors": records}
    assert dumps_indented(document) == _reference(document)
