"""Scoring mapped over mentee blocks: a local pool and Dask give this process's pairings."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

import matcher.compute as compute
import matcher.pipeline as pipeline
from matcher.pipeline import run_match
from scoring.config import ConfigError, config_from_dict, load_config
from scoring.errors import InputError
from scoring.features import build_features
from scoring.intake.cohort import read_cohort

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def sample():
    config = load_config(SAMPLE / "program.toml")
    return read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config), config


def _with_scheduler(config, scheduler: str):
    return dataclasses.replace(config, compute=dataclasses.replace(config.compute,
                                                                   scheduler=scheduler))


def _pairs(outcome) -> list[tuple[str, str, str, float]]:
    return [(p.mentee_id, p.mentor_id, p.role, p.score)
            for n in outcome.networks for p in n.pairings]


def _blocks(features, config, rows):
    return [(start, total.tobytes(), eligible.tobytes())
            for start, total, eligible in compute.score_blocks(features, config, rows)]


def test_the_local_pool_yields_this_processs_blocks_in_order(sample, monkeypatch):
    cohort, config = sample
    features = build_features(cohort, config)
    serial = _blocks(features, _with_scheduler(config, "serial"), 16)
    monkeypatch.setattr(compute, "POOL_PAIRS", 0)  # the sample is small: pool it anyway
    monkeypatch.setattr(compute.os, "cpu_count", lambda: 2)
    pooled = _blocks(features, _with_scheduler(config, "local"), 16)
    assert [b[0] for b in serial] == list(range(0, features.n_mentees, 16))
    assert pooled == serial


def test_scheduler_is_a_checked_config_key():
    assert config_from_dict({}).compute.scheduler == "local"
    for bad in ("dask://", "tcp://h:1", "dask://host", "cluster"):
        with pytest.raises(ConfigError, match="scheduler"):
            config_from_dict({"compute": {"scheduler": bad}})


def test_an_unreachable_scheduler_is_an_input_error(sample, monkeypatch):
    cohort, config = sample
    pytest.importorskip("distributed")
    features = build_features(cohort, config)
    monkeypatch.setattr("distributed.Client", _refuse)
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        list(compute.score_blocks(features, _with_scheduler(config, "dask://127.0.0.1:9"), 50))


def _refuse(*args, **kwargs):
    raise OSError("connection refused")


@pytest.mark.parametrize("streamed", [False, True])
def test_dask_local_cluster_gives_the_same_pairings_byte_for_byte(sample, monkeypatch,
                                                                  streamed, dask_scheduler):
    cohort, config = sample
    local = run_match(cohort, _with_scheduler(config, "serial"), network_size=2,
                      progress=False)
    if streamed:
        monkeypatch.setattr(pipeline, "DENSE_SHARE", 1e-9)
    on_dask = run_match(cohort, _with_scheduler(config, f"dask://{dask_scheduler}"),
                        network_size=2, progress=False)
    assert _pairs(on_dask) == _pairs(local)
    assert np.array_equal([n.mentee_id for n in on_dask.networks],
                          [n.mentee_id for n in local.networks])
    assert on_dask.result.objective == local.result.objective


def test_the_scheduler_option_overrides_the_config_and_is_checked(tmp_path):
    from matcher.jobs import match_job
    from scoring.config import with_scheduler

    config = load_config(SAMPLE / "program.toml")
    assert with_scheduler(config, "dask://10.0.0.5:8786").compute.scheduler == \
        "dask://10.0.0.5:8786"
    with pytest.raises(ConfigError, match="--scheduler is 'bogus'"):
        match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), quiet=True,
                  out=str(tmp_path / "run"), scheduler="bogus")
    assert not (tmp_path / "run").exists()


def test_a_tight_match_starts_the_pool_once_for_all_its_stages(sample, monkeypatch):
    """Streamed scores and capacity for one mentee each: the score pass and the placement
    stages' rows scored again (without spare memory: stage 3 scores too) all run on the
    local pool, which starts once per match; the pairings are the serial ones."""
    from scoring.config import with_count_overrides

    cohort, config = sample
    tight = with_count_overrides(config, capacity=1)
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", tight)
    monkeypatch.setattr(pipeline, "DENSE_SHARE", 1e-9)  # stream the scores
    monkeypatch.setattr(pipeline, "spare_bytes", lambda *_: 0.0)
    monkeypatch.setattr(compute, "rows_per_block", lambda *_: 16)
    serial = run_match(cohort, _with_scheduler(tight, "serial"), progress=False)
    assert cast(str, serial.result.stats["placement"]).startswith("preference-neutral (placed set")
    monkeypatch.setattr(compute, "POOL_PAIRS", 0)
    monkeypatch.setattr(compute.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(compute, "rows_per_block", lambda *_: 16)  # several tasks a map
    started: list[int] = []
    maps: list[int] = []
    new_pool, pool_blocks = compute._new_pool, compute._pool_blocks

    def counted_new_pool(*a: Any) -> Any:
        started.append(1)
        return new_pool(*a)

    def counted_pool_blocks(*a: Any) -> Any:
        maps.append(1)
        return pool_blocks(*a)
    monkeypatch.setattr(compute, "_new_pool", counted_new_pool)
    monkeypatch.setattr(compute, "_pool_blocks", counted_pool_blocks)
    pooled = run_match(cohort, _with_scheduler(tight, "local"), progress=False)
    assert len(maps) >= 3  # the pass, stage 2's rows, stage 3's rows
    assert len(started) == 1
    assert _pairs(pooled) == _pairs(serial)
    assert pooled.result.unplaced == serial.result.unplaced


def test_pool_workers_end_with_the_process_that_started_them():
    """A killed match leaves no worker behind: the kernel ends each worker with its
    parent (checked on a real child that starts a pool, then is killed)."""
    import subprocess
    import sys
    import textwrap

    from processes import gone_within

    script = textwrap.dedent("""
        import concurrent.futures, multiprocessing, os, time
        import matcher.compute as compute
        def pid():
            return os.getpid()
        if __name__ == "__main__":
            ctx = multiprocessing.get_context("spawn")
            pool = concurrent.futures.ProcessPoolExecutor(
                1, mp_context=ctx, initializer=compute.end_with_parent)
            print(pool.submit(os.getpid).result(), flush=True)
            time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        assert child.stdout is not None
        worker = int(child.stdout.readline())
        assert Path(f"/proc/{worker}").exists()
    finally:
        child.kill()
        child.wait()
    assert gone_within(worker, 10.0)
