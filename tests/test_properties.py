"""Property tests of the whole `match` pipeline on random small cohorts, through the CLI.

Each example draws a cohort from sample_data/generate.py (random seed and size), random
mentor capacities (0–3), random "do not match" exclusions and an objective, runs
`mentormatch match` twice on the same files and once on the same rows shuffled, and checks
what a coordinator relies on: every mentee is accounted for exactly once (placed, or
unplaced with a reason), every mentor appears once in Mentor load, no capacity is exceeded,
no ineligible or excluded pair is made, reruns are byte-identical (except run.json's
created_at) and the row order of the sign-up sheets does not change the pairings.

12 examples by default (about 20 s); set MENTORMATCH_PROPERTY_EXAMPLES to run more locally.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import cli
from matcher.runfolder.marker import MARKER
from sample_data import generate
from scoring.config import load_config
from scoring.intake.cohort import read_cohort
from scoring.scorer import score_cohort

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "sample_data" / "program.toml"
EXAMPLES = int(os.environ.get("MENTORMATCH_PROPERTY_EXAMPLES", "12"))


@st.composite
def cohorts(draw) -> dict:
    """A generated cohort with random capacities and exclusions, as two DataFrames."""
    n_mentees = draw(st.integers(1, 14))
    n_mentors = draw(st.integers(1, 7))
    mentors, mentees = generate.generate(n_mentees, n_mentors, draw(st.integers(0, 10_000)))
    capacities = draw(st.lists(st.integers(0, 3), min_size=n_mentors, max_size=n_mentors))
    mentors[generate.CAPACITY] = [str(c) for c in capacities]
    excluded = draw(st.sets(st.tuples(st.integers(0, n_mentees - 1),
                                      st.integers(0, n_mentors - 1)), max_size=6))
    for i, j in sorted(excluded):
        cell = mentees.at[i, generate.EXCLUDE]
        mentor_email = mentors.at[j, generate.EMAIL]
        mentees.at[i, generate.EXCLUDE] = f"{cell}, {mentor_email}" if cell else mentor_email
    order = draw(st.permutations(range(n_mentees)))
    mentor_order = draw(st.permutations(range(n_mentors)))
    return {"mentors": mentors, "mentees": mentees, "capacities": capacities,
            "order": list(order), "mentor_order": list(mentor_order),
            "objective": draw(st.sampled_from(["total", "fair", "stable"]))}


def _write(folder: Path, mentors: pd.DataFrame, mentees: pd.DataFrame) -> tuple[Path, Path]:
    folder.mkdir(parents=True)
    paths = folder / "mentors.csv", folder / "mentees.csv"
    for frame, path in zip((mentors, mentees), paths, strict=True):
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return paths


def _match(paths: tuple[Path, Path], out: Path, objective: str) -> Path:
    # Random cohorts include hopeless ones (every capacity 0, one mentor no one may have),
    # which match refuses by default (issue 12); these tests check that even then, when
    # the coordinator insists, everyone is accounted for.
    result = CliRunner().invoke(cli, ["match", str(paths[0]), str(paths[1]), "--config",
                                      str(CONFIG), "--out", str(out), "--objective", objective,
                                      "--quiet", "--accept-diagnostics"])
    assert result.exit_code == 0, result.output
    return out


def _email(text: str) -> str:
    return text.strip().lower()


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _sheet(book: Path, name: str) -> list[dict[str, object]]:
    rows = list(openpyxl.load_workbook(book, read_only=True)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _excluded_pairs(mentors: pd.DataFrame, mentees: pd.DataFrame) -> set[tuple[str, str]]:
    """(mentee, mentor) pairs either side asked never to be matched, read from the sheets."""
    def names(cell: str) -> set[str]:
        return {_email(p) for p in str(cell).replace(";", ",").split(",") if p.strip()}

    pairs = {(_email(e), m) for e, cell in zip(mentees[generate.EMAIL],
                                               mentees[generate.EXCLUDE], strict=True)
             for m in names(cell)}
    pairs |= {(m, _email(e)) for e, cell in zip(mentors[generate.EMAIL],
                                                mentors[generate.EXCLUDE], strict=True)
              for m in names(cell)}
    return pairs


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _pair_set(folder: Path) -> set[tuple[str, str, str]]:
    return {(r["mentee_id"], r["mentor_id"], r["role"]) for r in _csv(folder / "pairings.csv")}


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=cohorts())
def test_match_accounts_for_everyone_and_respects_every_limit(case, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prop")
    mentors, mentees = case["mentors"], case["mentees"]
    paths = _write(tmp / "in", mentors, mentees)
    first = _match(paths, tmp / "run1", case["objective"])

    mentee_ids = [_email(e) for e in mentees[generate.EMAIL]]
    mentor_ids = [_email(e) for e in mentors[generate.EMAIL]]
    capacity = dict(zip(mentor_ids, case["capacities"], strict=True))
    book = first / "pairings.xlsx"
    pairs = _csv(first / "pairings.csv")

    # Every mentee once in Networks, in sheet order; placed xor unplaced-with-a-reason.
    networks = _sheet(book, "Networks")
    assert [r["mentee_id"] for r in networks] == mentee_ids
    placed = {r["mentee_id"] for r in pairs}
    unplaced_rows = _sheet(book, "Unplaced")
    unplaced_ids = [r["mentee_id"] for r in unplaced_rows]
    assert len(unplaced_ids) == len(set(unplaced_ids)) and set(unplaced_ids) <= set(mentee_ids)
    unplaced = {r["mentee_id"]: r for r in unplaced_rows}
    for row in networks:
        mentee = row["mentee_id"]
        if row["status"] == "unplaced":
            assert mentee not in placed
            assert unplaced[mentee]["outcome"] == "unplaced"
            assert str(unplaced[mentee]["reason"] or "").strip(), mentee
            assert str(row["note"] or "").strip(), mentee
        else:
            assert mentee in placed
            assert row["got"] == sum(1 for r in pairs if r["mentee_id"] == mentee) >= 1
            if row["status"] == "partial":
                assert str(unplaced[mentee]["reason"] or "").strip(), mentee

    # Every mentor once in Mentor load; nobody above their stated capacity.
    load = _sheet(book, "Mentor load")
    assert [r["mentor_id"] for r in load] == mentor_ids
    per_mentor = Counter(r["mentor_id"] for r in pairs)
    for row in load:
        mentor_id = row["mentor_id"]
        assert isinstance(mentor_id, str)  # the ids listed equal mentor_ids, above
        assert row["assigned"] == per_mentor[mentor_id]
        assert per_mentor[mentor_id] <= capacity[mentor_id]

    # No pair twice, nobody with themselves, no excluded pair, no pair the rules forbid.
    keys = [(r["mentee_id"], r["mentor_id"]) for r in pairs]
    assert len(keys) == len(set(keys))
    assert all(mentee != mentor for mentee, mentor in keys)
    assert not set(keys) & _excluded_pairs(mentors, mentees)
    config = load_config(CONFIG)
    cohort = read_cohort(paths[0], paths[1], config)
    eligible = score_cohort(cohort, config).eligible
    row_of, col_of = cohort.mentee_index(), cohort.mentor_index()
    assert all(eligible[row_of[a], col_of[b]] for a, b in keys)
    primaries = Counter(r["mentee_id"] for r in pairs if r["role"] == "primary")
    assert set(primaries) == placed and set(primaries.values()) <= {1}

    # A rerun writes the same bytes, except run.json's created_at.
    second = _match(paths, tmp / "run2", case["objective"])
    a, b = _files(first), _files(second)
    assert a.keys() == b.keys()
    for name in a:
        if name == MARKER:  # the run's own token, and run.json's hash
            continue
        if name == "run.json":
            record_a, record_b = json.loads(a[name]), json.loads(b[name])
            record_a.pop("created_at"), record_b.pop("created_at")
            assert record_a == record_b
        else:
            assert a[name] == b[name], name

    # The order of the rows in the sign-up sheets does not change who is paired with whom.
    shuffled = _write(tmp / "shuffled",
                      mentors.iloc[case["mentor_order"]].reset_index(drop=True),
                      mentees.iloc[case["order"]].reset_index(drop=True))
    third = _match(shuffled, tmp / "run3", case["objective"])
    assert _pair_set(third) == _pair_set(first)


def test_generated_cohorts_can_place_nobody_and_still_account_for_everyone(tmp_path):
    """The edge the random draws rarely reach: every mentor has capacity 0."""
    mentors, mentees = generate.generate(5, 3, 7)
    mentors[generate.CAPACITY] = "0"
    paths = _write(tmp_path / "in", mentors, mentees)
    refused = CliRunner().invoke(cli, ["match", *map(str, paths), "--config", str(CONFIG),
                                       "--out", str(tmp_path / "no"), "--quiet"])
    assert refused.exit_code == 2 and "capacity 0" in refused.output
    assert not (tmp_path / "no").exists()
    out = _match(paths, tmp_path / "run", "total")
    assert _csv(out / "pairings.csv") == []
    networks = _sheet(out / "pairings.xlsx", "Networks")
    assert [r["status"] for r in networks] == ["unplaced"] * 5
    assert all(str(r["note"]).strip() for r in networks)
    assert all(r["assigned"] == 0 for r in _sheet(out / "pairings.xlsx", "Mentor load"))
