"""Small cohorts feel instant (issue 15, part 5): what ``match`` no longer does twice or loads
without need, checked so that the gain cannot silently go, and with the same results."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

from scoring.diagnostics import _placeable

#: Run in a fresh interpreter: ``match`` on the sample's CSV files, recording which module
#: first imported each watched package, then every module loaded, as JSON on stdout.
IMPORT_PROBE = """
import importlib.abc, json, sys
WATCH = {watch!r}
first_importer = {{}}

class Who(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name in WATCH and name not in first_importer:
            frame = sys._getframe(1)
            while frame is not None and frame.f_globals.get("__name__", "").startswith(
                    ("importlib", "_frozen_importlib")):
                frame = frame.f_back
            first_importer[name] = frame.f_globals.get("__name__") if frame else None
        return None

sys.meta_path.insert(0, Who())
from cli.main import cli
try:
    cli({argv!r})
except SystemExit as exit:
    assert not exit.code, exit.code
print(json.dumps({{"importers": first_importer, "modules": sorted(sys.modules)}}))
"""

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
PLACEABLE_EXAMPLES = 200


def imports_of_a_run(argv: list[str], watch: set[str]) -> tuple[dict[str, str], set[str]]:
    """(watched package → the module that imported it first, every module loaded) after
    ``mentormatch ARGV`` in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", IMPORT_PROBE.format(watch=watch, argv=argv)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.splitlines()[-1])
    return found["importers"], set(found["modules"])


def test_a_csv_match_loads_no_library_it_does_not_use(tmp_path: Path) -> None:
    """The start-up a small cohort waits for: no pandas through OR-Tools' model_builder
    (the MIP model is built on its C++ helper), no scipy.sparse.linalg through csgraph (the
    diagnostics' max flow is OR-Tools'), no workbook reader for CSV sheets (openpyxl loads
    for the run folder's pairings.xlsx only), no scikit-learn, no matplotlib, and no pandas:
    a small CSV is read by the standard library's reader (large ones by pandas)."""
    argv = ["match", str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), "--quiet",
            "--out", str(tmp_path / "run")]
    importers, modules = imports_of_a_run(argv, {"pandas", "openpyxl"})
    assert (tmp_path / "run" / "report.html").is_file()  # it did match and write
    assert "pandas" not in importers, importers
    assert importers["openpyxl"] == "matcher.outputs.sheets", importers
    unwanted = ("ortools.linear_solver.python.model_builder", "scipy.sparse.linalg",
                "scipy.sparse.csgraph", "sklearn", "matplotlib")
    below = tuple(f"{package}." for package in unwanted)
    assert not {m for m in modules if m in unwanted or m.startswith(below)}


def reference_placeable(rows: np.ndarray, columns: np.ndarray, mentees: int,
                        capacity: np.ndarray) -> int:
    """The placeable count as the diagnostics computed it before (scipy's csgraph)."""
    mentors = len(capacity)
    source, sink = 0, mentees + mentors + 1
    tails = np.concatenate([np.zeros(mentees, np.int64), 1 + rows,
                            1 + mentees + np.arange(mentors)])
    heads = np.concatenate([1 + np.arange(mentees), 1 + mentees + columns,
                            np.full(mentors, sink)])
    capacities = np.concatenate([np.ones(mentees + len(rows), np.int32),
                                 np.minimum(capacity, mentees).astype(np.int32)])
    graph = sparse.csr_array((capacities, (tails, heads)), shape=(sink + 1, sink + 1))
    return int(maximum_flow(graph, source, sink).flow_value)


@st.composite
def eligible_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    mentees = draw(st.integers(1, 14))
    mentors = draw(st.integers(1, 8))
    density = draw(st.sampled_from([0.1, 0.3, 0.6]))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    rows, columns = np.nonzero(rng.random((mentees, mentors)) < density)
    capacity = rng.integers(0, 4, mentors)
    return rows.astype(np.int64), columns.astype(np.int64), mentees, capacity


def test_placeable_mentees_are_the_maximum_flow_scipy_computed() -> None:
    """OR-Tools' max flow (no scipy.sparse.linalg import) gives csgraph's count; the
    examples include cohorts where the flow is below both simple bounds (a real matching
    question, not a count of mentees with a mentor or of seats)."""
    reached: Counter[str] = Counter()

    @settings(max_examples=PLACEABLE_EXAMPLES, deadline=None)
    @given(eligible_pairs())
    def check(case: tuple[np.ndarray, np.ndarray, int, np.ndarray]) -> None:
        rows, columns, mentees, capacity = case
        reachable = np.zeros(mentees, bool)
        reachable[rows] = True
        expected = reference_placeable(rows, columns, mentees, capacity)
        assert _placeable([(rows, columns)], reachable, capacity) == expected
        simple = min(int(reachable.sum()), int(np.minimum(capacity, mentees).sum()))
        reached["below the simple bound" if expected < simple else "at the simple bound"] += 1

    check()
    assert reached["below the simple bound"] >= PLACEABLE_EXAMPLES // 10, reached


# ------------------------------------------------------------------ the cohort scored once

def sample_cohort(memory_gib: float | None = None):
    from scoring.config import load_config
    from scoring.features import build_features
    from scoring.intake.cohort import read_valid_cohort

    program = load_config(SAMPLE / "program.toml")
    if memory_gib is not None:  # below the config's floor, to get many small blocks
        program = dataclasses.replace(
            program, solver=dataclasses.replace(program.solver, memory_gib=memory_gib))
    cohort = read_valid_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", program,
                               action="matched")
    return cohort, program, build_features(cohort, program)


@pytest.mark.parametrize("memory_gib", [None, 0.0006])
def test_the_diagnostics_pass_keeps_exactly_the_scores_the_solver_would_compute(
        memory_gib: float | None) -> None:
    from matcher.compute import rows_per_block
    from matcher.jobs import diagnostics_of
    from matcher.pipeline import score_keeper, score_source
    from matcher.solver.problem import DenseScores

    cohort, program, features = sample_cohort(memory_gib)
    blocks = -(-features.n_mentees // rows_per_block(features, program))
    assert (blocks == 1) == (memory_gib is None)
    keeper = score_keeper(features, program)
    assert keeper is not None
    diagnostics_of(cohort, program, features, keeper)
    kept, computed = keeper.scores(), score_source(features, program)
    assert kept is not None and isinstance(computed, DenseScores)
    assert np.array_equal(kept.total, computed.total)  # bit for bit
    assert np.array_equal(kept.eligible, computed.eligible)


def test_match_scores_the_cohort_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Diagnostics and solve share one scoring pass over every mentee; up to the run folder,
    only the unplaced mentees' rows may be scored again (to name the rules that exclude
    their mentors). What the run folder's writer scores is its own business."""
    import sys

    import matcher.runfolder.writer
    import scoring.scorer
    from matcher.jobs import match_job

    scored: Counter[int] = Counter()
    before_writer: Counter[int] = Counter()
    original = scoring.scorer.score_block

    def counting(features, config, mentee_rows):
        block = original(features, config, mentee_rows)
        scored.update(block.mentee_rows.tolist())
        return block

    for module in list(sys.modules.values()):  # every module that bound the scorer's function
        if getattr(module, "score_block", None) is original:
            monkeypatch.setattr(module, "score_block", counting)
    write = matcher.runfolder.writer.write_run_folder

    def writing(*args, **kwargs):
        before_writer.update(scored)
        return write(*args, **kwargs)

    monkeypatch.setattr(matcher.runfolder.writer, "write_run_folder", writing)
    result = match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"),
                       out=str(tmp_path / "run"), quiet=True)
    mentees = len(result.outcome.cohort.mentees)
    unplaced = len(result.outcome.result.unplaced)
    assert 0 < unplaced < mentees and (tmp_path / "run" / "report.html").is_file()
    assert set(before_writer) == set(range(mentees))
    # before: a second full pass (the diagnostics' and the solver's), 303 rows on the sample
    assert mentees <= sum(before_writer.values()) <= mentees + unplaced


def test_the_diagnostics_run_one_maximum_flow_when_no_rule_can_halve_the_placements(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The placeable count with a rule switched off is computed exactly only when its upper
    bound could be twice the placeable count (a collapse); on the sample no rule can, so one
    flow runs, where there was one per rule. The findings are those of validate."""
    import scoring.diagnostics
    from scoring.diagnostics import diagnose

    cohort, program, features = sample_cohort()
    flows: list[int] = []
    original = scoring.diagnostics._placeable

    def counting(*args):
        flows.append(1)
        return original(*args)

    monkeypatch.setattr(scoring.diagnostics, "_placeable", counting)
    found = diagnose(cohort, features, program)
    assert len(flows) == 1
    stranded = [p for p in found if p.code == "no_eligible_mentor"]
    assert len(stranded) == 2 and all(p.severity == "warning" for p in stranded)
