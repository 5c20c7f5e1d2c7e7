"""Ensembles and parameter sweeps on a Ray cluster (``pip install 'lodestone[ray]'``).

The same results as :func:`lodestone.ensemble` and :func:`lodestone.sweep`, byte for byte,
with the replicates spread over a Ray cluster (a laptop's cores with ``ray.init()``, or a
multi-node cluster)::

    import ray, lodestone.ray
    ray.init()                                   # or ray.init(address="HEAD:6379")
    q = lodestone.ray.ensemble("baseline", runs=1000, seed=7, step="year")
    df = lodestone.ray.sweep("soybean-trade-war", {"settings.supply_slope": [0.1, 0.2, 0.3]},
                             runs_per_point=200, seed=7, step="year")

How: the replicates ``0..runs`` are cut into shards of ``shard_size`` consecutive
replicates; each shard is one Ray task that runs its range in the Rust engine (GIL
released, one CPU) and returns the replicates' aggregated values as a compact shard
(bytes). The driver merges the shards in replicate order with the engine's own
aggregation, so the result depends only on the seed and the number of replicates — never
on the shard size, the number of workers or which worker ran what. The scenario and
dataset go to the object store once (``ray.put``); a task that fails (a worker lost, a
node gone) is retried (``max_retries``) and reruns the same replicates to the same bytes.

Command line (no Python code needed; writes what ``lodestone ensemble --out`` writes)::

    python -m lodestone.ray ensemble baseline --runs 1000 --seed 7 --step year \\
        --address HEAD:6379 --out ens/

Ray is imported by this module only: ``import lodestone`` never needs it.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

try:
    import ray
except ImportError as e:  # pragma: no cover - exercised only without ray
    raise ImportError(
        "lodestone.ray needs Ray: pip install 'lodestone[ray]' (or pip install ray)"
    ) from e

import lodestone
from . import _lodestone as _lo
from . import Dataset, Scenario, ScenarioLike, _ensemble_result, _points, _sweep_frame, Grid

__all__ = ["ensemble", "sweep", "main"]

FAIL_ONCE_ENV = "LODESTONE_RAY_FAIL_ONCE"
"""Test hook: a folder. When set on the driver, the first shard's task kills its worker
process once (a marker file in the folder records it), so Ray's retry is exercised."""

Point = List[Tuple[str, float]]


@functools.lru_cache(maxsize=4)
def _embedded(name: str) -> Dataset:
    """An embedded dataset, parsed once per worker process."""
    return Dataset.embedded(name)


def _run_shard(scenario: Scenario, dataset: Optional[Dataset], start: int, end: int,
               seed: int, step: Optional[str], point: Optional[Point],
               fail_once: Optional[str]) -> bytes:
    """A Ray task's work: replicates ``start..end`` as a shard (the engine, GIL released)."""
    if fail_once and start == 0:
        marker = os.path.join(fail_once, "failed-once")
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.close(fd)
            os._exit(1)  # a lost worker, as when a node dies: Ray retries the task
    if dataset is None:
        dataset = _embedded(scenario.dataset)
    return _lo.ensemble_shard(scenario, start, end, seed, 1, step, dataset, point)


def _connect(address: Optional[str] = None) -> None:
    if not ray.is_initialized():
        ray.init(address=address)


def _shard_size(runs: int, shard_size: Optional[int]) -> int:
    if shard_size is not None:
        if int(shard_size) < 1:
            raise ValueError("shard_size must be at least 1")
        return int(shard_size)
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return max(1, math.ceil(runs / (4 * cpus)))


def _ranges(runs: int, size: int) -> List[Tuple[int, int]]:
    return [(a, min(a + size, runs)) for a in range(0, runs, size)]


def _inputs(scenario: ScenarioLike, dataset: Optional[Dataset], step: Optional[str],
            points: Sequence[Optional[Point]]) -> Scenario:
    """The scenario as an object (a name or path read here, on the driver), checked with
    each point before any task starts: bad input raises here, located."""
    sc = scenario if isinstance(scenario, Scenario) else Scenario.load(os.fspath(scenario))
    for pt in points:
        try:
            _lo.ensemble_check(sc, step, dataset, pt)
        except lodestone.ValidationError as e:
            raise lodestone._at_grid(e) from None
    return sc


def _run(sc: Scenario, dataset: Optional[Dataset], runs: int, seed: int,
         step: Optional[str], points: Sequence[Optional[Point]], shard_size: Optional[int],
         progress: bool, max_retries: int, desc: str = "replicates") -> List[List[bytes]]:
    """Every point's shards, in replicate order (tasks submitted at once, progress as
    they finish)."""
    size = _shard_size(runs * len(points), shard_size)
    ranges = _ranges(runs, size)
    sc_ref = ray.put(sc)
    ds_ref = ray.put(dataset)
    fail_once = os.environ.get(FAIL_ONCE_ENV) or None
    task = ray.remote(num_cpus=1, max_retries=max_retries)(_run_shard)
    refs: List[List[Any]] = []
    sizes: Dict[Any, int] = {}
    for k, pt in enumerate(points):
        row = []
        for a, b in ranges:
            ref = task.remote(sc_ref, ds_ref, a, b, seed, step, pt,
                              fail_once if k == 0 else None)
            sizes[ref] = b - a
            row.append(ref)
        refs.append(row)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=runs * len(points), desc=desc, unit="run")
    try:
        pending = [r for row in refs for r in row]
        while pending:
            done, pending = ray.wait(pending, num_returns=1, timeout=1.0)
            if bar is not None:
                bar.update(sum(sizes[r] for r in done))
        return [ray.get(row) for row in refs]
    except KeyboardInterrupt:
        for row in refs:
            for r in row:
                ray.cancel(r, force=True)
        raise
    finally:
        if bar is not None:
            bar.close()


def ensemble(scenario: ScenarioLike, runs: int = 100, seed: int = 42,
             step: Optional[str] = None, shard_size: Optional[int] = None,
             dataset: Optional[Dataset] = None, progress: bool = True,
             replicates: bool = False, max_retries: int = 3) -> Any:
    """:func:`lodestone.ensemble` on a Ray cluster: the same frames, byte for byte.

    The replicates are cut into shards of ``shard_size`` (default: about four shards per
    CPU of the cluster), one Ray task each. ``max_retries``: how often a failed task is
    run again. Connects with ``ray.init()`` if Ray is not initialised yet.

    >>> ray.init(num_cpus=2)
    >>> q = lodestone.ray.ensemble("soybean-trade-war", runs=100, seed=7, step="year")
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    _connect()
    sc = _inputs(scenario, dataset, step, [None])
    shards = _run(sc, dataset, runs, seed, step, [None], shard_size, progress, max_retries)[0]
    doc, rows, params = _lo.ensemble_merge(shards, replicates)
    return _ensemble_result(doc, rows, params, replicates)


def sweep(scenario: ScenarioLike, grid_or_samples: Grid, runs_per_point: int = 100,
          seed: int = 42, step: Optional[str] = None, shard_size: Optional[int] = None,
          dataset: Optional[Dataset] = None, progress: bool = True,
          max_retries: int = 3) -> Any:
    """:func:`lodestone.sweep` on a Ray cluster: the same frame, byte for byte.

    ``grid_or_samples``: ``{path: [values]}`` (every combination, the last path varying
    fastest) or ``[{path: value}, ...]``; paths as ``[[uncertainty]]`` and ``calibrate
    --param`` write them. Every point's shards are submitted at once.

    >>> df = lodestone.ray.sweep("soybean-trade-war",
    ...                          {"settings.supply_slope": [0.1, 0.2, 0.3]},
    ...                          runs_per_point=20, seed=7, step="year")
    """
    points = _points(grid_or_samples)
    if runs_per_point < 1:
        raise ValueError("runs_per_point must be at least 1")
    _connect()
    sc = _inputs(scenario, dataset, step, points)
    shards = _run(sc, dataset, runs_per_point, seed, step, points, shard_size, progress,
                  max_retries)
    docs = [_lo.ensemble_merge(s, False)[0] for s in shards]
    return _sweep_frame(points, docs)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m lodestone.ray ensemble SCENARIO ...``: see ``--help``."""
    p = argparse.ArgumentParser(
        prog="python -m lodestone.ray",
        description="Run a Lodestone ensemble on a Ray cluster; the same outputs as "
                    "`lodestone ensemble` for the same seed and runs.")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("ensemble", help="Monte Carlo ensemble of a scenario on Ray",
                       description="Monte Carlo ensemble of a scenario on a Ray cluster.")
    e.add_argument("scenario", help="scenario name or .toml path")
    e.add_argument("--runs", type=int, default=100, help="number of replicates (100)")
    e.add_argument("--seed", type=int, default=42, help="master seed (42)")
    e.add_argument("--step", choices=["month", "quarter", "year"],
                   help="override the scenario's time step")
    e.add_argument("--data", help="dataset folder instead of the embedded dataset")
    e.add_argument("--address",
                   help="Ray cluster address (HOST:PORT, or 'auto'); default: a local "
                        "Ray instance on this machine's cores")
    e.add_argument("--shard-size", type=int,
                   help="replicates per Ray task (default: about 4 tasks per CPU)")
    e.add_argument("--max-retries", type=int, default=3, help="retries of a failed task (3)")
    e.add_argument("--out", help="write ensemble.json, replicates.csv and parameters.csv "
                                 "into this folder (as `lodestone ensemble --out`)")
    e.add_argument("--json", action="store_true", help="print the ensemble summary as JSON")
    e.add_argument("--no-progress", action="store_true", help="no progress bar")
    a = p.parse_args(argv)
    if a.runs < 1:
        p.error("--runs must be at least 1")
    try:
        dataset = Dataset.load(a.data) if a.data else None
        _connect(a.address)
        sc = _inputs(a.scenario, dataset, a.step, [None])
        shards = _run(sc, dataset, a.runs, a.seed, a.step, [None], a.shard_size,
                      not a.no_progress, a.max_retries)[0]
        if a.out:
            doc = _lo.ensemble_write(shards, os.fspath(a.out))
            if not a.json:
                print(f"wrote ensemble.json, replicates.csv, parameters.csv to {a.out}",
                      file=sys.stderr)
        else:
            doc = _lo.ensemble_merge(shards, False)[0]
    except lodestone.LodestoneError as err:
        print(str(err), file=sys.stderr)
        return 2
    summary = json.loads(doc)
    if a.json:
        print(doc)
    else:
        q = lodestone._quantiles(summary)
        print(f"Lodestone ensemble on Ray · scenario `{summary['scenario']}` · "
              f"{summary['runs']} replicates · seed {summary['seed']}")
        print(q.to_string(max_rows=30))
    return 0 if summary.get("unbalanced_runs", 0) == 0 else 1


if __name__ == "__main__":
    # run as the imported module, so the tasks' functions are pickled by reference
    from lodestone.ray import main as _main

    sys.exit(_main())
