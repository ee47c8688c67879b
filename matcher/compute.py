"""Scoring as a map over mentee blocks and a reduce: in this process, on a local process
pool, or on the workers of a Dask distributed cluster.

The map is :func:`score_task`: one block of consecutive mentees scored against every
mentor (a pure function of the cohort's features, the config and the block's rows). The
reduce is the solver's one pass over the blocks, in mentee order, on this machine
(:func:`matcher.solver.score_cache.build_cache`, or the kept score matrix of a cohort that
fits in memory): it keeps the screening copy, each mentee's and mentor's best pairs and the
eligibility counts. For a streamed cohort the block's half of that reduce runs in the map
too (:func:`reduce_task`, :mod:`matcher.solver.block_reduce`): the worker sends back the
screening rows in the screen's dtype, the counts and the few pairs that may be kept, not
the float64 block, and this process only copies and merges. Where the map runs is
``[compute] scheduler``:

* ``"local"`` (the default): from :data:`POOL_PAIRS` pairs on, a pool of this machine's
  cores (each worker gets the features and config once); smaller cohorts are scored in
  this process, where a pool's start-up (a second or two) would cost more than it saves;
* ``"serial"``: always in this process;
* ``"dask://host:port"``: the workers of that Dask scheduler (the optional ``dask`` extra:
  ``pip install 'mentormatch[dask]'``); the features and config are sent to every worker
  once.

Every way yields the same blocks, computed by the same code in the same order, so the
pairings are the same byte for byte (tested on a two-worker ``LocalCluster``). At most
:data:`IN_FLIGHT` blocks per worker are computed ahead of the reduce, so memory stays
bounded however fast the workers are.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.solver.block_reduce import BlockReduce, ReducedBlock, ReducingScores, reduce_block
from matcher.solver.malloc import M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, mallopt
from matcher.solver.score_cache import ReducedRows
from scoring.config import ProgramConfig
from scoring.diagnostic_tally import BlockTally, TallyPlan, block_tally
from scoring.errors import InputError
from scoring.features import CohortFeatures
from scoring.scorer import (
    BlockValue,
    block_rows,
    block_total,
    one_blas_thread,
    score_block,
    score_pairs,
)

#: Cohorts from this many pairs on are scored on a local pool (scheduler "local").
POOL_PAIRS = 50_000_000
#: Blocks computed ahead of the reduce, per worker.
IN_FLIGHT = 2
#: Share of ``[solver] memory_gib`` one scoring block's temporaries may take.
BLOCK_SHARE = 0.05

Block = tuple[int, np.ndarray, np.ndarray]

# A local pool worker's copy of the features and config (sent once, by its initializer).
_FEATURES: CohortFeatures | None = None
_CONFIG: ProgramConfig | None = None


#: One task of the map: mentees ``start:stop``, or the mentees of an index array (then
#: ``start`` is its first).
Task = tuple[int, int, np.ndarray | None]
#: Each task's reduce (None: the block is sent back as scored), made when it is sent.
Reduce = Callable[[Task], BlockReduce] | None


def score_task(features: CohortFeatures, config: ProgramConfig, start: int, stop: int,
               value: BlockValue = block_total, rows: np.ndarray | None = None) -> Block:
    """The map: mentees ``start:stop`` (or the index array ``rows``) × every mentor as
    (start, value, eligible), the value being the block's totals unless ``value`` reads
    something else from it."""
    with one_blas_thread():
        block = score_block(features, config, slice(start, stop) if rows is None else rows)
    return start, value(block, config), block.eligible


def reduce_task(features: CohortFeatures, config: ProgramConfig, start: int, stop: int,
                value: BlockValue, rows: np.ndarray | None, plan: BlockReduce,
                tally: TallyPlan | None = None) -> ReducedBlock | Tallied:
    """The map with the block's half of the reduce: :func:`score_task`'s block reduced by
    :func:`matcher.solver.block_reduce.reduce_block` before it is sent back; with
    ``tally``, also the diagnostics' tally of the block
    (:func:`scoring.diagnostic_tally.block_tally`), from the same scored block."""
    with one_blas_thread():
        block = score_block(features, config, slice(start, stop) if rows is None else rows)
    reduced = reduce_block(_mentees(start, stop, rows), value(block, config), block.eligible,
                           plan)
    return reduced if tally is None else (reduced, block_tally(block, tally))


def _mentees(start: int, stop: int, rows: np.ndarray | None) -> np.ndarray:
    return np.arange(start, stop) if rows is None else rows


def rows_per_block(features: CohortFeatures, config: ProgramConfig) -> int:
    """Mentee rows per scoring block for this cohort: about 5 million pairs, within
    :data:`BLOCK_SHARE` of ``[solver] memory_gib`` (:func:`scoring.scorer.block_rows`)."""
    return block_rows(features.n_mentors, config.solver.memory_gib * 2**30 * BLOCK_SHARE)


#: A reduced block with the diagnostics' tally of the same block.
Tallied = tuple[ReducedBlock, BlockTally]


@dataclass
class TallySink:
    """The diagnostics' tallies of the blocks of a streamed score source's first reduced
    pass (:func:`streamed_scores`): the solver reads its scores once, and the diagnostics
    read the same pass (:func:`scoring.diagnostics.diagnose`'s ``tallies``) instead of
    scoring the cohort a second time. ``tallies`` is None until a whole pass is tallied."""

    plan: TallyPlan
    tallies: list[BlockTally] | None = None
    passes: int = 0  # reduced passes started (only the first is tallied)


def streamed_scores(features: CohortFeatures, config: ProgramConfig,
                    value: BlockValue = block_total,
                    sink: TallySink | None = None) -> ReducingScores:
    """A score source computed on demand: blocks from :func:`score_blocks`, and the exact
    values of given pairs from :func:`scoring.scorer.score_pairs` (never a pass over the
    cohort); ``value`` reads each block's totals, or something else (placement scores).
    With ``sink``, the first reduced pass also tallies each block for the diagnostics,
    where it is scored, into the sink."""
    rows = rows_per_block(features, config)

    def blocks() -> Iterator[Block]:
        return score_blocks(features, config, rows, value)

    def pairs(mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        return score_pairs(features, config, mentee, mentor, value)

    def reduced(plan: BlockReduce, floor: Callable[[], np.ndarray | None]
                ) -> Iterator[ReducedBlock]:
        if sink is None or sink.passes:
            return score_blocks(features, config, rows, value, _reduce(plan, floor))
        sink.passes += 1
        return _tallied(score_blocks(features, config, rows, value, _reduce(plan, floor),
                                     sink.plan), sink)
    return ReducingScores(blocks, pairs, reduced)


def _tallied(blocks: Iterator[Tallied], sink: TallySink) -> Iterator[ReducedBlock]:
    """The reduced blocks of a tallied pass, their tallies kept in ``sink`` (its
    ``tallies`` set once the pass has gone through every block)."""
    tallies = []
    for reduced, tally in blocks:
        tallies.append(tally)
        yield reduced
    sink.tallies = tallies


def _reduce(plan: BlockReduce, floor: Callable[[], np.ndarray | None]) -> Reduce:
    """Each task's reduce: ``plan`` with the task's forbidden pairs and the floor as it
    is when the task is sent."""
    return lambda task: plan.for_rows(_mentees(*task), floor())


def score_blocks(features: CohortFeatures, config: ProgramConfig, rows: int,
                 value: BlockValue = block_total, reduce: Reduce = None,
                 tally: TallyPlan | None = None) -> Iterator[Any]:
    """Every block of ``rows`` mentees, in order, computed where ``[compute] scheduler``
    says (see the module docstring); ``value`` as in :func:`score_task`; with ``reduce``,
    each block reduced where it is scored (:func:`reduce_task`), and with ``tally`` also
    tallied there for the diagnostics."""
    n = features.n_mentees
    tasks: list[Task] = [(start, min(start + rows, n), None)
                         for start in range(0, n, max(rows, 1))]
    return _run(features, config, tasks, n, value, reduce, tally)


def score_rows(features: CohortFeatures, config: ProgramConfig, mentees: np.ndarray,
               value: BlockValue = block_total
               ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(mentees, value, eligible) for the given mentees (sorted indices) × every mentor, in
    blocks of :func:`rows_per_block`, computed where :func:`score_blocks` computes: the same
    values as the cohort's blocks hold for those rows, for a share of a pass."""
    parts, tasks = _row_tasks(features, config, mentees)
    for part, (_, values, eligible) in zip(parts, _run(features, config, tasks, len(mentees),
                                                       value), strict=True):
        yield part, values, eligible


def reduced_rows(features: CohortFeatures, config: ProgramConfig, mentees: np.ndarray,
                 value: BlockValue = block_total) -> ReducedRows:
    """:func:`score_rows`'s blocks reduced where they are scored, as
    :meth:`matcher.solver.score_cache.ScoreCache.swap_rows` asks for them."""
    def reduced(plan: BlockReduce, floor: Callable[[], np.ndarray | None]
                ) -> Iterator[ReducedBlock]:
        _, tasks = _row_tasks(features, config, mentees)
        return _run(features, config, tasks, len(mentees), value, _reduce(plan, floor))
    return reduced


def _row_tasks(features: CohortFeatures, config: ProgramConfig, mentees: np.ndarray
               ) -> tuple[list[np.ndarray], list[Task]]:
    """The given mentees (sorted indices) in blocks of :func:`rows_per_block`, and their
    tasks."""
    mentees = np.asarray(mentees, np.int64)
    size = max(rows_per_block(features, config), 1)
    parts = [mentees[lo:lo + size] for lo in range(0, len(mentees), size)]
    return parts, [(int(part[0]), int(part[0]) + len(part), part) for part in parts]


def _run(features: CohortFeatures, config: ProgramConfig, tasks: list[Task], rows: int,
         value: BlockValue, reduce: Reduce = None, tally: TallyPlan | None = None
         ) -> Iterator[Any]:
    """The tasks' blocks (reduced with ``reduce``, tallied with ``tally``), in order, where
    ``[compute] scheduler`` says (``rows``: how many mentee rows they hold in all, which
    decides whether a local pool pays)."""
    def job(task: Task) -> Job:
        return task, value, None if reduce is None else reduce(task), tally
    scheduler = config.compute.scheduler
    if scheduler.startswith("dask://"):
        return _dask_blocks(features, config, tasks, scheduler, job)
    workers = os.cpu_count() or 1
    if scheduler == "local" and rows * features.n_mentors >= POOL_PAIRS and workers > 1 \
            and len(tasks) > 1:
        return _pool_blocks(features, config, tasks, workers, job)
    return (_task(features, config, *job(task)) for task in tasks)


#: What is sent for one task: the task, the value read from its block, its reduce, and
#: the diagnostics' tally plan (reduced blocks only).
Job = tuple[Task, BlockValue, BlockReduce | None, TallyPlan | None]


def _task(features: CohortFeatures, config: ProgramConfig, task: Task, value: BlockValue,
          plan: BlockReduce | None, tally: TallyPlan | None = None
          ) -> Block | ReducedBlock | Tallied:
    """One job, wherever it runs: the block as scored, or reduced (and tallied)."""
    if plan is None:
        return score_task(features, config, task[0], task[1], value, task[2])
    return reduce_task(features, config, task[0], task[1], value, task[2], plan, tally)


def _in_order(submit: Callable[[Task], Any], tasks: list[Task], ahead: int
              ) -> Iterator[Any]:
    """Results of ``submit`` (a future: concurrent or Dask) for each task, in order, with
    ``ahead`` blocks in flight."""
    pending: deque[Any] = deque()
    todo = iter(tasks)
    for task in todo:
        pending.append(submit(task))
        if len(pending) >= ahead:
            break
    try:
        while pending:
            result = pending.popleft().result()
            for task in todo:
                pending.append(submit(task))
                break
            yield result
    finally:  # a map left early (an error downstream): its blocks still queued are dropped
        for future in pending:
            future.cancel()


#: glibc ``mallopt`` parameters and the values a pool worker sets: arrays up to 1 GiB from
#: the heap, and freed memory kept up to 2 GiB, for the next block.
_MALLOPT = {M_MMAP_THRESHOLD: 2**30, M_TRIM_THRESHOLD: 2**31}


def keep_freed_memory() -> bool:
    """Let glibc keep the memory a block frees for the next block (whether it could).

    By default glibc returns large freed arrays to the system, and every block's fresh
    arrays are then zeroed and page-faulted in by the kernel again (a third of a block's
    cost). A pool worker only scores, so holding its peak memory is affordable; other
    processes keep glibc's defaults. Without glibc (macOS, musl) this does nothing."""
    return mallopt(_MALLOPT)


#: Linux ``prctl`` option: the signal a process gets when the thread that started it ends.
_PR_SET_PDEATHSIG = 1


def end_with_parent() -> bool:
    """Have the kernel end this process when the one that started it ends (Linux; whether
    it could). A pool worker otherwise outlives a killed ``match`` and waits for work
    forever; its parent's clean exit shuts the pool down as before."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() == 1:  # the parent ended before the request was made
        os._exit(1)
    return True


def _init_worker(features: CohortFeatures, config: ProgramConfig) -> None:
    global _FEATURES, _CONFIG
    end_with_parent()
    keep_freed_memory()
    _FEATURES, _CONFIG = features, config


def _pool_task(task: Task, value: BlockValue, plan: BlockReduce | None,
               tally: TallyPlan | None = None) -> Block | ReducedBlock | Tallied:
    assert _FEATURES is not None and _CONFIG is not None
    return _task(_FEATURES, _CONFIG, task, value, plan, tally)


@dataclass
class _SharedPool:
    """The pool every map over one cohort uses inside :func:`one_pool` (started when
    first needed)."""

    features: CohortFeatures
    config: ProgramConfig
    pool: ProcessPoolExecutor | None = None


_SHARED_POOL: ContextVar[_SharedPool | None] = ContextVar("mentormatch_shared_pool",
                                                          default=None)


@contextmanager
def one_pool(features: CohortFeatures, config: ProgramConfig) -> Iterator[None]:
    """Within this block, the maps over this cohort (these very ``features`` and
    ``config``) that run on a local pool share one pool, started when the first needs it
    and shut down on leaving; so a solve whose placement stages score rows again starts
    the workers (a second or two of imports and copies each) once, not once per map."""
    shared = _SharedPool(features, config)
    token = _SHARED_POOL.set(shared)
    try:
        yield
    finally:
        _SHARED_POOL.reset(token)
        if shared.pool is not None:
            shared.pool.shutdown(wait=True, cancel_futures=True)


def _new_pool(features: CohortFeatures, config: ProgramConfig, workers: int
              ) -> ProcessPoolExecutor:
    # Fresh interpreters ("spawn"), not forks: the caller may have threads running (the
    # run-folder writer is imported in one while scoring), and a fork copies their locks.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                               initargs=(features, config))


def _pool_blocks(features: CohortFeatures, config: ProgramConfig, tasks: list[Task],
                 workers: int, job: Callable[[Task], Job]) -> Iterator[Any]:
    shared = _SHARED_POOL.get()
    use: AbstractContextManager[ProcessPoolExecutor]
    if shared is not None and shared.features is features and shared.config is config:
        if shared.pool is None:
            shared.pool = _new_pool(features, config, workers)
        use = nullcontext(shared.pool)  # shut down by one_pool
    else:
        use = _new_pool(features, config, workers)
    with use as pool:
        yield from _in_order(lambda task: pool.submit(_pool_task, *job(task)), tasks,
                             IN_FLIGHT * workers)


def _dask_blocks(features: CohortFeatures, config: ProgramConfig, tasks: list[Task],
                 scheduler: str, job: Callable[[Task], Job]) -> Iterator[Any]:
    try:
        from distributed import Client
    except ImportError:
        raise InputError(f"[compute] scheduler = {scheduler!r} needs Dask distributed, which "
                         f"is not installed. Install it with pip install "
                         f"'mentormatch[dask]', or set scheduler = \"local\".") from None
    address = "tcp://" + scheduler.removeprefix("dask://")
    try:
        client = Client(address, timeout=30, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"[compute] scheduler = {scheduler!r}: cannot reach the Dask "
                         f"scheduler ({exc}). Start it (dask scheduler) and its workers, "
                         f"check the address, or set scheduler = \"local\".") from None
    try:
        shared: Any = client.scatter([features, config], broadcast=True)
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        yield from _in_order(
            lambda task: client.submit(_task, shared[0], shared[1], *job(task), pure=False),
            tasks, IN_FLIGHT * workers)
    finally:
        client.close()
