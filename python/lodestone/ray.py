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
(bytes). The driver merges each shard, as soon as the ones before it are merged, in
replicate order with the engine's own aggregation (``EnsembleMerger``), so the result
depends only on the seed and the number of replicates — never on the shard size, the
number of workers, which worker ran what or in which order the tasks finished — and the
driver holds one shard at a time, not the whole run (a shard that finishes early waits
in Ray's object store; at most ``WINDOW_PER_CPU`` tasks per CPU are in flight). The scenario and
dataset go to the object store once (``ray.put``); a task that fails (a worker lost, a
node gone) is retried (``max_retries``) and reruns the same replicates to the same bytes.

Command line (no Python code needed; writes what ``lodestone ensemble --out`` writes)::

    python -m lodestone.ray ensemble baseline --runs 1000 --seed 7 --step year \\
        --address HEAD:6379 --out ens/
    python -m lodestone.ray sweep soybean-trade-war --grid settings.supply_slope=0.1,0.2 \\
        --runs-per-point 200 --seed 7 --step year --address HEAD:6379 --out sweep/

Ray is imported by this module only: ``import lodestone`` never needs it.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time
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

DELAY_FIRST_ENV = "LODESTONE_RAY_DELAY_FIRST"
"""Test hook: seconds. When set on the driver, the first shard's task sleeps that long
before it runs, so later shards finish first and wait for it: the in-order merge of shards
that arrive out of order is exercised."""

WINDOW_PER_CPU = 4
"""Tasks in flight (submitted, not yet merged) at most per CPU of the cluster: the bound on
the shards that can finish ahead of the next one to merge."""

last_run: Dict[str, int] = {}
"""How the last :func:`ensemble` or :func:`sweep` of this process went: ``shards``,
``window`` (tasks in flight at most), ``max_ahead`` (most shards finished ahead of the next
one to merge, waiting in Ray's object store), ``merged`` (shards merged)."""

Point = List[Tuple[str, float]]


@functools.lru_cache(maxsize=4)
def _embedded(name: str) -> Dataset:
    """An embedded dataset, parsed once per worker process."""
    return Dataset.embedded(name)


def _run_shard(scenario: Scenario, dataset: Optional[Dataset], start: int, end: int,
               seed: int, step: Optional[str], point: Optional[Point],
               fail_once: Optional[str], delay: float = 0.0) -> bytes:
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
    if delay > 0:
        time.sleep(delay)
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
    return max(1, math.ceil(runs / (4 * _cpus())))


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


def _cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _run(sc: Scenario, dataset: Optional[Dataset], runs: int, seed: int,
         step: Optional[str], points: Sequence[Optional[Point]], shard_size: Optional[int],
         progress: bool, max_retries: int, mergers: Sequence[Any],
         desc: str = "replicates") -> None:
    """Run every point's shards on Ray and merge each into its point's merger
    (``_lodestone.EnsembleMerger``) as soon as every shard before it is merged: replicate
    order, point after point, while the other tasks run.

    At most ``WINDOW_PER_CPU`` tasks per cluster CPU are in flight (submitted, not yet
    merged); a shard that finishes ahead of the next one to merge waits in Ray's object
    store (on the node that ran it) and is fetched when its turn comes, and a merged
    shard's object is released at once. So the driver holds one shard at a time, and the
    cluster at most the window's, whatever the number of replicates."""
    size = _shard_size(runs * len(points), shard_size)
    jobs = [(k, a, b) for k in range(len(points)) for a, b in _ranges(runs, size)]
    window = max(2, WINDOW_PER_CPU * _cpus())
    sc_ref = ray.put(sc)
    ds_ref = ray.put(dataset)
    fail_once = os.environ.get(FAIL_ONCE_ENV) or None
    delay = float(os.environ.get(DELAY_FIRST_ENV) or 0)
    task = ray.remote(num_cpus=1, max_retries=max_retries)(_run_shard)
    last_run.clear()
    last_run.update(shards=len(jobs), window=window, max_ahead=0, merged=0)
    in_flight: Dict[Any, int] = {}  # running task -> its job
    finished: Dict[int, Any] = {}  # job -> result, finished ahead of the next to merge
    submitted = merged = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=runs * len(points), desc=desc, unit="run")
    try:
        while merged < len(jobs):
            while submitted < len(jobs) and submitted - merged < window:
                k, a, b = jobs[submitted]
                first = submitted == 0
                ref = task.remote(sc_ref, ds_ref, a, b, seed, step, points[k],
                                  fail_once if first else None, delay if first else 0.0)
                in_flight[ref] = submitted
                submitted += 1
            # fetch_local=False: a finished shard stays where it was made until its turn
            ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0,
                                fetch_local=False)
            if ready:  # and whatever else has finished meanwhile
                ready, _ = ray.wait(list(in_flight), num_returns=len(in_flight), timeout=0,
                                    fetch_local=False)
            for ref in ready:
                j = in_flight.pop(ref)
                finished[j] = ref
                if bar is not None:
                    bar.update(jobs[j][2] - jobs[j][1])
            while merged in finished:
                ref = finished.pop(merged)
                mergers[jobs[merged][0]].push(ray.get(ref))
                del ref  # the shard's object is freed in the object store
                merged += 1
            last_run["max_ahead"] = max(last_run["max_ahead"], len(finished))
            last_run["merged"] = merged
    except BaseException:
        for ref in [*in_flight, *finished.values()]:
            ray.cancel(ref, force=True)
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
    merger = _lo.EnsembleMerger(replicates)
    _run(sc, dataset, runs, seed, step, [None], shard_size, progress, max_retries, [merger])
    doc, rows, params = merger.finish()
    return _ensemble_result(doc, rows, params, replicates)


def sweep(scenario: ScenarioLike, grid_or_samples: Grid, runs_per_point: int = 100,
          seed: int = 42, step: Optional[str] = None, shard_size: Optional[int] = None,
          dataset: Optional[Dataset] = None, progress: bool = True,
          max_retries: int = 3, out: Optional[str] = None) -> Any:
    """:func:`lodestone.sweep` on a Ray cluster: the same frame, byte for byte.

    ``grid_or_samples``: ``{path: [values]}`` (every combination, the last path varying
    fastest) or ``[{path: value}, ...]``; paths as ``[[uncertainty]]`` and ``calibrate
    --param`` write them. The points' shards run in one stream of tasks, point after
    point, each merged as it arrives. With ``out``, writes the files of
    :func:`lodestone.write_sweep` (``sweep.csv``, ``points.csv``, ``summaries.json``).

    >>> df = lodestone.ray.sweep("soybean-trade-war",
    ...                          {"settings.supply_slope": [0.1, 0.2, 0.3]},
    ...                          runs_per_point=20, seed=7, step="year")
    """
    points = _points(grid_or_samples)
    if runs_per_point < 1:
        raise ValueError("runs_per_point must be at least 1")
    _connect()
    sc = _inputs(scenario, dataset, step, points)
    mergers = [_lo.EnsembleMerger(False) for _ in points]
    _run(sc, dataset, runs_per_point, seed, step, points, shard_size, progress, max_retries,
         mergers)
    df = _sweep_frame(points, [m.finish()[0] for m in mergers])
    if out is not None:
        lodestone.write_sweep(df, out)
    return df


def _grid_arg(text: str) -> Tuple[str, List[float]]:
    """``--grid PATH=V1,V2,...`` as (path, values)."""
    path, eq, values = text.partition("=")
    if not eq or not path.strip() or not values.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: expected PATH=V1,V2,... "
                                         "(e.g. settings.supply_slope=0.1,0.2)")
    try:
        return path.strip(), [float(v) for v in values.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: the values must be numbers") from None


def _common(p: argparse.ArgumentParser) -> None:
    """Options shared by the subcommands."""
    p.add_argument("scenario", help="scenario name or .toml path")
    p.add_argument("--seed", type=int, default=42, help="master seed (42)")
    p.add_argument("--step", choices=["month", "quarter", "year"],
                   help="override the scenario's time step")
    p.add_argument("--data", help="dataset folder instead of the embedded dataset")
    p.add_argument("--address",
                   help="Ray cluster address (HOST:PORT, or 'auto'); default: a local "
                        "Ray instance on this machine's cores")
    p.add_argument("--shard-size", type=int,
                   help="replicates per Ray task (default: about 4 tasks per CPU)")
    p.add_argument("--max-retries", type=int, default=3, help="retries of a failed task (3)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m lodestone.ray ensemble|sweep SCENARIO ...``: see ``--help``."""
    p = argparse.ArgumentParser(
        prog="python -m lodestone.ray",
        description="Run a Lodestone ensemble or parameter sweep on a Ray cluster; the "
                    "same outputs as `lodestone ensemble` and `lodestone.sweep` for the "
                    "same seed and runs.")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("ensemble", help="Monte Carlo ensemble of a scenario on Ray",
                       description="Monte Carlo ensemble of a scenario on a Ray cluster.")
    _common(e)
    e.add_argument("--runs", type=int, default=100, help="number of replicates (100)")
    e.add_argument("--out", help="write ensemble.json, replicates.csv and parameters.csv "
                                 "into this folder (as `lodestone ensemble --out`)")
    e.add_argument("--json", action="store_true", help="print the ensemble summary as JSON")
    w = sub.add_parser(
        "sweep", help="parameter sweep of a scenario on Ray",
        description="Parameter sweep on a Ray cluster: an ensemble of --runs-per-point "
                    "replicates at each point of the grid (every combination of the --grid "
                    "values, the last --grid varying fastest, or the points of "
                    "--grid-file). Writes sweep.csv, points.csv and summaries.json, as "
                    "lodestone.sweep(..., out=DIR) does.")
    _common(w)
    w.add_argument("--grid", type=_grid_arg, action="append", default=[],
                   metavar="PATH=V1,V2,...",
                   help="a parameter and its values (paths as `lodestone calibrate --param`:"
                        " settings.supply_slope=0.1,0.2,0.3); repeat for more parameters")
    w.add_argument("--grid-file",
                   help="a JSON file: {\"PATH\": [values]} (every combination) or "
                        "[{\"PATH\": value, ...}, ...] (the points as given)")
    w.add_argument("--runs-per-point", type=int, default=100,
                   help="replicates per point (100)")
    w.add_argument("--out", required=True,
                   help="folder for sweep.csv, points.csv and summaries.json")
    a = p.parse_args(argv)
    if a.command == "sweep":
        return _sweep_main(p, a)
    if a.runs < 1:
        p.error("--runs must be at least 1")
    try:
        dataset = Dataset.load(a.data) if a.data else None
        _connect(a.address)
        sc = _inputs(a.scenario, dataset, a.step, [None])
        # with --out, replicates.csv and parameters.csv are written as the shards merge
        merger = _lo.EnsembleMerger(False, os.fspath(a.out) if a.out else None)
        _run(sc, dataset, a.runs, a.seed, a.step, [None], a.shard_size, not a.no_progress,
             a.max_retries, [merger])
        doc = merger.finish()[0]
        if a.out and not a.json:
            print(f"wrote ensemble.json, replicates.csv, parameters.csv to {a.out}",
                  file=sys.stderr)
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


def _sweep_main(p: argparse.ArgumentParser, a: argparse.Namespace) -> int:
    """``python -m lodestone.ray sweep``."""
    if a.runs_per_point < 1:
        p.error("--runs-per-point must be at least 1")
    if bool(a.grid) == bool(a.grid_file):
        p.error("give the points with --grid PATH=V1,V2,... (repeatable) or --grid-file FILE")
    if a.grid_file:
        try:
            with open(a.grid_file, encoding="utf-8") as f:
                grid: Any = json.load(f)
        except (OSError, ValueError) as err:
            print(f"{a.grid_file}: {err}", file=sys.stderr)
            return 2
    else:
        grid = {}
        for path, values in a.grid:
            if path in grid:
                p.error(f"--grid {path} given twice")
            grid[path] = values
    try:
        dataset = Dataset.load(a.data) if a.data else None
        _connect(a.address)
        df = sweep(a.scenario, grid, runs_per_point=a.runs_per_point, seed=a.seed,
                   step=a.step, shard_size=a.shard_size, dataset=dataset,
                   progress=not a.no_progress, max_retries=a.max_retries, out=a.out)
    except lodestone.LodestoneError as err:
        print(str(err), file=sys.stderr)
        return 2
    points = df["point"].nunique()
    print(f"wrote {', '.join(lodestone.SWEEP_FILES)} to {a.out} ({points} points x "
          f"{a.runs_per_point} replicates, seed {a.seed})", file=sys.stderr)
    unbalanced = sum(s.get("unbalanced_runs", 0) for s in df.attrs["summaries"])
    return 0 if unbalanced == 0 else 1


if __name__ == "__main__":
    # run as the imported module, so the tasks' functions are pickled by reference
    from lodestone.ray import main as _main

    sys.exit(_main())
