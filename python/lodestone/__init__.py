"""Lodestone: an open simulator of the rare earth supply chain, from Python.

The same engine as the ``lodestone`` command (a Rust extension; no model logic here),
with results as pandas DataFrames::

    import lodestone
    base = lodestone.run("baseline")                       # the central case, monthly
    base.summary["annual"]["2030"]["shares"]["magnet"]     # the CLI's `run --json`, as a dict
    base.shares("magnet")                                  # years x countries
    what_if = lodestone.Scenario.load("baseline").with_events([
        {"type": "disruption", "facility": "mt_weld", "start": "2026-01",
         "end": "2026-06", "loss": 1.0}], name="mt-weld-outage")
    lodestone.compare(base, lodestone.run(what_if))        # what changed, B - A

Bad input raises :class:`ValidationError` with the located diagnostics.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import pandas as pd

from . import _lodestone as _lo
from ._lodestone import Dataset, Scenario
from .errors import Diagnostic, LodestoneError, ValidationError
from . import news  # lodestone.news.Store: the news layer

__all__ = [
    "Backtest",
    "Dataset",
    "Diagnostic",
    "LodestoneError",
    "Run",
    "Scenario",
    "ValidationError",
    "Calibration",
    "backtest",
    "calibrate",
    "compare",
    "datasets",
    "ensemble",
    "export_lp",
    "news",
    "report",
    "run",
    "scenarios",
    "sweep",
    "write_sweep",
]

__version__ = _lo.version()

ScenarioLike = Union[str, "os.PathLike[str]", Scenario]
"""A shipped scenario name (``"baseline"``), a path to a ``.toml`` file, or a :class:`Scenario`."""

TABLES = (
    "production", "flows", "consumption", "shortfall", "prices", "stocks",
    "production_by_stage", "shares", "demand", "surplus", "imports", "dependency",
    "independence", "platforms",
)
"""The tables of a run, as ``lodestone run --out`` writes them and the API serves them
(one table model, ``lodestone_engine::tables``): period, key columns, value, unit. The
first six have a row per period, the others a row per year."""


def datasets() -> List[str]:
    """The embedded datasets' names (``["rare-earths", ...]``)."""
    return list(_lo.datasets())


def scenarios() -> List[str]:
    """The shipped scenarios' names (``lodestone scenarios``)."""
    return list(_lo.scenarios())


def _scenario_arg(s: ScenarioLike) -> Union[str, Scenario]:
    return s if isinstance(s, Scenario) else os.fspath(s)


def _frame(raw: Tuple[List[str], List[Tuple[str, bytes]], List[str]]) -> pd.DataFrame:
    """Columns from the extension: text as codes into distinct values, numbers as f64."""
    names, columns, values = raw
    distinct = np.array(values, dtype=object)
    data: Dict[str, Any] = {}
    for name, (kind, buf) in zip(names, columns):
        if kind == "text":
            data[name] = distinct[np.frombuffer(buf, dtype="<u4")]
        else:
            data[name] = np.frombuffer(buf, dtype="<f8").copy()
    return pd.DataFrame(data, columns=names)


class Run:
    """One run of a scenario (:func:`run`): its summary and its tables as DataFrames.

    Tables (built on first use, then cached; every one of :data:`TABLES`), the columns
    and rows of ``lodestone run --out``'s files: period, keys, value, unit. One row per
    period and key:

    - ``production``: period, facility, country, material, value, unit (tonnes)
    - ``flows``: period, exporter, importer, material, value, unit (tonnes)
    - ``consumption`` and ``shortfall``: period, country, sector, material, value, unit
    - ``prices``: period, market, material, value, unit (usd_per_kg)
    - ``stocks``: period, market, holder (strategic | commercial), material, value, unit
    """

    def __init__(self, raw: "_lo.RawRun"):
        self._raw = raw
        self._summary: Optional[Dict[str, Any]] = None
        self._tables: Dict[str, pd.DataFrame] = {}

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return self._raw.scenario

    @property
    def warnings(self) -> List[str]:
        """What the command line warns about before this run (events after the horizon…)."""
        return list(self._raw.warnings)

    @property
    def summary(self) -> Dict[str, Any]:
        """The summary: the document ``lodestone run --json`` prints, as a dict."""
        if self._summary is None:
            self._summary = json.loads(self._raw.summary_json())
        return self._summary

    def summary_json(self) -> str:
        """The summary as the JSON text ``lodestone run --json`` prints."""
        return self._raw.summary_json()

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` (one of :data:`TABLES`) as a DataFrame."""
        if name not in self._tables:
            self._tables[name] = _frame(self._raw.table(name))
        return self._tables[name]

    def tables(self) -> Dict[str, pd.DataFrame]:
        """Every table, by name."""
        return {name: self.table(name) for name in TABLES}

    @property
    def production(self) -> pd.DataFrame:
        """Output per facility: period, facility, country, material, value, unit (tonnes)."""
        return self.table("production")

    @property
    def flows(self) -> pd.DataFrame:
        """Trade: period, exporter, importer, material, value, unit (tonnes)."""
        return self.table("flows")

    @property
    def consumption(self) -> pd.DataFrame:
        """Demand met: period, country, sector, material, value, unit (tonnes)."""
        return self.table("consumption")

    @property
    def shortfall(self) -> pd.DataFrame:
        """Demand not met: period, country, sector, material, value, unit (tonnes)."""
        return self.table("shortfall")

    @property
    def prices(self) -> pd.DataFrame:
        """Market prices: period, market, material, value, unit (usd_per_kg)."""
        return self.table("prices")

    @property
    def stocks(self) -> pd.DataFrame:
        """Stocks at the end of each period: period, market, holder, material, value, unit
        (tonnes)."""
        return self.table("stocks")

    def shares(self, stage: str) -> pd.DataFrame:
        """Shares of world output at ``stage`` (mining, separation, metal, magnet):
        years (rows) x countries (columns), fractions 0..1, from the summary.

        >>> lodestone.run("baseline", step="year").shares("magnet")["CN"].head(2)
        """
        annual = self.summary["annual"]
        rows = {int(y): a.get("shares", {}).get(stage, {}) for y, a in annual.items()}
        if not any(rows.values()):
            stages = sorted({s for a in annual.values() for s in a.get("shares", {})})
            raise KeyError(f"no shares for stage {stage!r}; stages: {', '.join(stages)}")
        df = pd.DataFrame.from_dict(rows, orient="index").fillna(0.0).sort_index()
        df.index.name = "year"
        df.columns.name = "country"
        return df[sorted(df.columns)]

    def prices_wide(self, material: str) -> pd.DataFrame:
        """Prices of ``material`` (USD/kg): periods (rows) x markets (columns)."""
        p = self.prices
        sel = p[p["material"] == material]
        if sel.empty:
            known = ", ".join(sorted(p["material"].unique()))
            raise KeyError(f"no prices for material {material!r}; materials: {known}")
        wide = sel.pivot(index="period", columns="market", values="value")
        wide.columns.name = "market"
        return wide

    def to_polars(self, name: str) -> Any:
        """Table ``name`` as a polars DataFrame (needs ``pip install polars``)."""
        import polars as pl  # optional dependency

        return pl.from_pandas(self.table(name))

    def backtest(self) -> "Backtest":
        """This run against its dataset's observations (``lodestone backtest``)."""
        return Backtest(json.loads(self._raw.backtest_json()))

    def export_lp(self, period: str) -> str:
        """The clearing problem of the period containing month ``period`` (``"2026-03"``)
        as MPS text (``lodestone export-lp``): solve it with HiGHS to compare."""
        return self._raw.export_lp(period)

    def __repr__(self) -> str:
        s = self.summary
        periods = s.get("periods", [])
        span = f"{periods[0]} → {periods[-1]}" if periods else "no periods"
        return f"<Run {s.get('scenario')!r} on {s.get('dataset')!r}: {span}, {len(periods)} periods>"


def run(scenario: ScenarioLike = "baseline", dataset: Optional[Dataset] = None,
        step: Optional[str] = None) -> Run:
    """Run a scenario, as ``lodestone run``: its summary and tables.

    ``dataset`` replaces the scenario's embedded dataset (``Dataset.load(folder)``);
    ``step`` (``"month"``, ``"quarter"``, ``"year"``) overrides its time step. The engine
    runs with the GIL released; the results are the CLI's for the same inputs.

    >>> base = lodestone.run("baseline", step="year")
    >>> base.summary["annual"]["2030"]["shares"]["magnet"]["CN"]
    """
    r = Run(_lo.run(_scenario_arg(scenario), dataset, step))
    for w in r.warnings:
        warnings.warn(w, stacklevel=2)
    return r


def _as_run(x: Union[Run, ScenarioLike], dataset: Optional[Dataset], step: Optional[str]) -> Run:
    return x if isinstance(x, Run) else run(x, dataset, step)


def _quantiles(summary: Dict[str, Any]) -> pd.DataFrame:
    rows = [
        (int(year), metric, q["p10"], q["p50"], q["p90"], q["mean"])
        for year, metrics in summary["annual"].items()
        for metric, q in metrics.items()
    ]
    return pd.DataFrame(rows, columns=["year", "metric", "p10", "p50", "p90", "mean"])


def ensemble(scenario: ScenarioLike, runs: int = 100, seed: int = 42,
             threads: Optional[int] = None, step: Optional[str] = None,
             dataset: Optional[Dataset] = None, progress: bool = True,
             replicates: bool = False) -> Any:
    """Monte Carlo ensemble of a scenario (its ``[[uncertainty]]``), as ``lodestone ensemble``.

    Returns the quantiles as a DataFrame (year, metric, p10, p50, p90, mean; ``metric`` is
    the summary path, ``prices.CN.dy_oxide``); ``df.attrs["summary"]`` holds the whole
    ensemble document (probabilities, sampled parameters, price episodes). With
    ``replicates=True`` returns ``(quantiles, replicates, parameters)``: per replicate,
    every annual metric (replicate, year, metric, value) and the sampled values
    (replicate, parameter, value).

    Same ``seed``, same results at any ``threads`` (default: every core). A progress bar
    (tqdm) shows in notebooks and terminals; Ctrl-C stops the replicates and raises
    ``KeyboardInterrupt``.

    >>> q = lodestone.ensemble("baseline", runs=20, seed=7, step="year")
    >>> q[q.metric == "prices.CN.dy_oxide"]
    """
    bar = None
    callback = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=runs, desc="replicates", unit="run")
        callback = lambda done, total: bar.update(done - bar.n)  # noqa: E731
    try:
        doc, rows, params = _lo.ensemble(_scenario_arg(scenario), runs, seed, threads, step,
                                         dataset, callback, replicates)
    finally:
        if bar is not None:
            bar.close()
    return _ensemble_result(doc, rows, params, replicates)


def _ensemble_result(doc: str, rows: Any, params: Any, replicates: bool) -> Any:
    """What :func:`ensemble` returns, from the extension's (summary JSON, rows, params);
    shared with :mod:`lodestone.ray`, so both build the same frames from the same bytes."""
    summary = json.loads(doc)
    q = _quantiles(summary)
    q.attrs["summary"] = summary
    if not replicates:
        return q
    rep = pd.DataFrame({"replicate": np.asarray(rows[0], dtype=np.int64),
                        "year": np.asarray(rows[1], dtype=np.int64),
                        "metric": rows[2], "value": np.asarray(rows[3], dtype=np.float64)})
    par = pd.DataFrame({"replicate": np.asarray(params[0], dtype=np.int64),
                        "parameter": params[1], "value": np.asarray(params[2], dtype=np.float64)})
    return q, rep, par


Grid = Union[Dict[str, List[float]], List[Dict[str, float]]]
"""A sweep's points: ``{path: [values]}`` (every combination, the last path varying
fastest) or ``[{path: value, ...}, ...]`` (the points as given)."""


def _grid_error(message: str, hint: Optional[str] = None) -> ValidationError:
    d = Diagnostic("<grid>", 0, 0, "E006", message, hint)
    return ValidationError(str(d), [d])


def _points(grid: Grid) -> List[List[Tuple[str, float]]]:
    """The points of a sweep grid, each as [(path, value)] in the grid's order."""
    import itertools
    import numbers

    def value(path: Any, v: Any) -> float:
        if not isinstance(path, str) or not path:
            raise _grid_error(f"parameter path {path!r} is not a non-empty string",
                              "paths as [[uncertainty]] writes them: \"settings.supply_slope\"")
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise _grid_error(f"`{path}`: value {v!r} is not a number")
        return float(v)

    if isinstance(grid, dict):
        if not grid:
            raise _grid_error("the grid is empty", "e.g. {\"settings.supply_slope\": [0.1, 0.2]}")
        paths = list(grid)
        axes = []
        for p in paths:
            vs = grid[p]
            if isinstance(vs, (str, bytes)) or not hasattr(vs, "__iter__"):
                raise _grid_error(f"`{p}`: expected a list of values, got {vs!r}")
            vs = [value(p, v) for v in vs]
            if not vs:
                raise _grid_error(f"`{p}` has no values")
            axes.append(vs)
        return [list(zip(paths, combo)) for combo in itertools.product(*axes)]
    if isinstance(grid, (list, tuple)):
        if not grid:
            raise _grid_error("the list of points is empty")
        out = []
        for k, pt in enumerate(grid):
            if not isinstance(pt, dict) or not pt:
                raise _grid_error(f"point {k} is not a non-empty dict of path -> value")
            out.append([(p, value(p, v)) for p, v in pt.items()])
        return out
    raise _grid_error(f"a grid is a dict of path -> list of values or a list of dicts, "
                      f"not {type(grid).__name__}")


def _at_grid(e: ValidationError) -> ValidationError:
    """A point's problems, located by the engine at a `--param PATH=V` argument (the check
    `calibrate` runs), relocated at the grid."""
    ds = [Diagnostic(d.file.replace("--param ", "<grid> ", 1), d.line, d.column, d.code,
                     d.message, d.hint) for d in e.diagnostics]
    return ValidationError(str(e).replace("--param ", "<grid> "), ds)


def _sweep_frame(points: List[List[Tuple[str, float]]], docs: List[str]) -> pd.DataFrame:
    """One frame of every point's quantiles: point, the point's parameters, then the
    columns of :func:`ensemble`'s frame; ``attrs["summaries"]`` holds each point's document."""
    params: List[str] = []
    for pt in points:
        for p, _ in pt:
            if p not in params:
                params.append(p)
    frames = []
    summaries = []
    for k, (pt, doc) in enumerate(zip(points, docs)):
        summary = json.loads(doc)
        summaries.append(summary)
        q = _quantiles(summary)
        values = dict(pt)
        head = {"point": np.full(len(q), k, dtype=np.int64)}
        for p in params:
            head[p] = np.full(len(q), values.get(p, np.nan), dtype=np.float64)
        frames.append(pd.concat([pd.DataFrame(head), q], axis=1))
    df = pd.concat(frames, ignore_index=True)
    df.attrs["summaries"] = summaries
    return df


SWEEP_FILES = ("sweep.csv", "points.csv", "summaries.json")
"""What :func:`write_sweep` writes into a folder (``sweep(..., out=DIR)``, ``python -m
lodestone.ray sweep --out DIR``)."""


def write_sweep(df: pd.DataFrame, out: Union[str, "os.PathLike[str]"]) -> List[str]:
    """Write a sweep's frame (:func:`sweep`, :func:`lodestone.ray.sweep`) into the folder
    ``out`` (created if missing) and return the paths written:

    - ``sweep.csv``: the frame — point, one column per parameter, year, metric, p10, p50,
      p90, mean — one row per point, year and metric;
    - ``points.csv``: one row per point: point, then its parameters' values;
    - ``summaries.json``: the list of every point's ensemble document (as
      ``lodestone ensemble --json``, parsed and written with two-space indents).

    The local and the Ray sweep of the same inputs write the same bytes.
    """
    os.makedirs(out, exist_ok=True)
    params = [c for c in df.columns[1:] if c not in ("year", "metric", "p10", "p50", "p90",
                                                     "mean")]
    paths = [os.path.join(os.fspath(out), name) for name in SWEEP_FILES]
    df.to_csv(paths[0], index=False, lineterminator="\n")
    points = df[["point", *params]].drop_duplicates("point").reset_index(drop=True)
    points.to_csv(paths[1], index=False, lineterminator="\n")
    with open(paths[2], "w", encoding="utf-8") as f:
        json.dump(df.attrs.get("summaries", []), f, indent=2, ensure_ascii=False)
        f.write("\n")
    return paths


def sweep(scenario: ScenarioLike, grid_or_samples: Grid, runs_per_point: int = 100,
          seed: int = 42, threads: Optional[int] = None, step: Optional[str] = None,
          dataset: Optional[Dataset] = None, progress: bool = True,
          out: Optional[Union[str, "os.PathLike[str]"]] = None) -> pd.DataFrame:
    """A parameter sweep: an :func:`ensemble` of ``runs_per_point`` replicates at each point.

    ``grid_or_samples`` is ``{path: [values]}`` (every combination, the last path varying
    fastest) or a list of points ``[{path: value}, ...]``. Paths are those of
    ``[[uncertainty]]`` and ``lodestone calibrate --param`` (``settings.supply_slope``,
    ``facilities.mt_weld.capacity`` — a multiplier, as a draw is —, ``demand.level``,
    ``events.<id>.<field>``…); each value is applied to the scenario and dataset as a
    calibration trial is, before the replicates are sampled. Every point uses the same
    master ``seed`` (common random numbers: points differ by their parameters, not their
    draws). Returns one frame: point, one column per parameter, then year, metric, p10,
    p50, p90, mean; ``attrs["summaries"]`` holds each point's ensemble document. With
    ``out``, the files of :func:`write_sweep` are written into that folder too.
    :func:`lodestone.ray.sweep` returns the same frame from a Ray cluster.

    >>> df = lodestone.sweep("soybean-trade-war", {"settings.supply_slope": [0.1, 0.3]},
    ...                      runs_per_point=20, step="year")
    """
    points = _points(grid_or_samples)
    if runs_per_point < 1:
        raise ValueError("runs_per_point must be at least 1")
    bar = None
    docs = []
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=runs_per_point * len(points), desc="replicates", unit="run")
    try:
        for pt in points:
            base = bar.n if bar is not None else 0
            cb = None
            if bar is not None:
                cb = lambda done, total, base=base: bar.update(base + done - bar.n)  # noqa: E731
            try:
                doc, _, _ = _lo.ensemble(_scenario_arg(scenario), runs_per_point, seed,
                                         threads, step, dataset, cb, False, pt)
            except ValidationError as e:
                raise _at_grid(e) from None
            docs.append(doc)
    finally:
        if bar is not None:
            bar.close()
    df = _sweep_frame(points, docs)
    if out is not None:
        write_sweep(df, out)
    return df


def compare(a: Union[Run, ScenarioLike], b: Union[Run, ScenarioLike], threshold: float = 0.5,
            dataset: Optional[Dataset] = None, step: Optional[str] = None,
            changed_only: bool = False, allow_different_datasets: bool = False) -> pd.DataFrame:
    """What changed from ``a`` to ``b`` (runs, or scenarios to run), as ``lodestone compare``.

    One row per compared number and common year: year, metric (share, shortfall, price,
    dependency, independence), its key columns (country, stage, market, material…), unit,
    a, b, diff (b - a), relative_change, score (pp for shares, % for tonnes and prices)
    and changed (score >= ``threshold``). ``changed_only`` keeps the changed rows,
    largest score first.
    """
    ra, rb = _as_run(a, dataset, step), _as_run(b, dataset, step)
    da, db = ra.summary.get("dataset"), rb.summary.get("dataset")
    if da != db and dataset is None and not allow_different_datasets:
        raise ValidationError(
            f"<argument>: error[E015]: `{rb.scenario}` uses dataset `{db}` but `{ra.scenario}` uses `{da}`"
            "\n  hint: compare scenarios on one dataset, or pass allow_different_datasets=True",
            [Diagnostic("<argument>", 0, 0, "E015",
                        f"`{rb.scenario}` uses dataset `{db}` but `{ra.scenario}` uses `{da}`",
                        "compare scenarios on one dataset, or pass allow_different_datasets=True")])
    rows = json.loads(_lo.compare_rows(ra._raw, rb._raw, threshold))
    df = pd.DataFrame.from_records(rows)
    if df.empty:
        return df
    df["year"] = df["year"].astype(int)
    head = ["year", "metric"]
    tail = ["unit", "a", "b", "diff", "relative_change", "score", "changed"]
    keys = [c for c in df.columns if c not in head and c not in tail]
    df = df[head + keys + tail]
    if changed_only:
        df = df[df["changed"]].sort_values("score", ascending=False, kind="stable")
        df = df.reset_index(drop=True)
    return df


class Backtest:
    """A run against its dataset's observations (``lodestone backtest --json``).

    ``points`` (each observation beside the simulated value), ``series`` (bias, RMS log
    error, hits per series), ``metrics`` (a score per metric) as DataFrames; ``overall``
    and ``not_comparable`` as in the JSON document ``data``.
    """

    def __init__(self, data: Dict[str, Any]):
        self.data = data
        self.points = pd.json_normalize(data.get("points", []))
        self.series = pd.json_normalize(data.get("series", []))
        self.metrics = pd.json_normalize(data.get("metrics", []))
        self.overall: Dict[str, Any] = data.get("overall", {})
        self.not_comparable = pd.json_normalize(data.get("not_comparable", []))

    def __repr__(self) -> str:
        return (f"<Backtest {self.data.get('scenario')!r}: {len(self.points)} points, "
                f"{len(self.series)} series>")


def backtest(scenario: ScenarioLike = "baseline", dataset: Optional[Dataset] = None,
             step: Optional[str] = None) -> Backtest:
    """Run a scenario and compare it with its dataset's observations (``lodestone backtest``)."""
    return run(scenario, dataset, step).backtest()


def report(a: Union[Run, ScenarioLike], b: Optional[Union[Run, ScenarioLike]] = None,
           path: Union[str, "os.PathLike[str]"] = "lodestone-report",
           ensemble: Optional[Union[pd.DataFrame, Dict[str, Any]]] = None,
           dataset: Optional[Dataset] = None) -> str:
    """Write the offline HTML report of ``a`` (or of ``b`` against ``a``), as ``lodestone
    report``; return the file's absolute path. ``path`` is a folder (the file is named
    after the scenarios) or a ``.html`` file; ``ensemble`` (from :func:`ensemble`) adds fan
    charts.
    """
    ra = _as_run(a, dataset, None)
    rb = None if b is None else _as_run(b, dataset, None)
    ens = None
    if ensemble is not None:
        doc = ensemble.attrs["summary"] if isinstance(ensemble, pd.DataFrame) else ensemble
        ens = json.dumps(doc)
    return _lo.report(ra._raw, None if rb is None else rb._raw, os.fspath(path), ens)


def export_lp(scenario: ScenarioLike, period: str,
              path: Optional[Union[str, "os.PathLike[str]"]] = None,
              dataset: Optional[Dataset] = None, step: Optional[str] = None) -> str:
    """Run a scenario and return the clearing problem of the period containing month
    ``period`` as MPS text (``lodestone export-lp``); also written to ``path`` if given."""
    mps = run(scenario, dataset, step).export_lp(period)
    if path is not None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(mps)
    return mps


class Calibration:
    """A fit of parameters to the observations (``lodestone calibrate --json``).

    ``parameters`` (path, low, high, start, fitted, at_bound) and ``residuals`` (target,
    weight, before, after) as DataFrames; ``converged``, ``runs``, ``objective_before``
    and ``objective_after`` from the document ``data``; ``fragment`` is the scenario
    fragment of the fitted values (what ``--write FILE`` writes).
    """

    def __init__(self, data: Dict[str, Any], fragment: str):
        self.data = data
        self.fragment = fragment
        self.parameters = pd.DataFrame(data.get("parameters", []))
        self.residuals = pd.DataFrame(data.get("residuals", []))
        self.converged: bool = bool(data.get("converged"))
        self.runs: int = int(data.get("runs", 0))
        self.objective_before: float = data.get("objective_before", float("nan"))
        self.objective_after: float = data.get("objective_after", float("nan"))

    def __repr__(self) -> str:
        return (f"<Calibration {self.data.get('scenario')!r}: {len(self.parameters)} parameters, "
                f"{self.runs} runs, objective {self.objective_before:.4g} -> {self.objective_after:.4g}>")


def calibrate(scenario: ScenarioLike, params: Union[Dict[str, Tuple[float, float]], List[str]],
              targets: Optional[List[str]] = None, seed: int = 42, max_runs: int = 200,
              threads: Optional[int] = None, step: Optional[str] = None,
              dataset: Optional[Dataset] = None, progress: bool = True) -> Calibration:
    """Fit parameters to the dataset's observations (``lodestone calibrate``).

    ``params``: ``{"settings.supply_slope": (0.05, 0.5)}`` or CLI-style strings
    (``"settings.supply_slope=0.05..0.5"``); ``targets``: ``metric[:country[:material]][=W]``
    (default: every observed metric). Deterministic for a ``seed`` at any ``threads``.
    Bad parameters or targets raise :class:`ValidationError` located at the argument.

    >>> fit = lodestone.calibrate("baseline", {"settings.supply_slope": (0.05, 0.5)},
    ...                           step="year", max_runs=20)
    >>> fit.parameters
    """
    if isinstance(params, dict):
        params = [f"{k}={lo}..{hi}" for k, (lo, hi) in params.items()]
    bar = None
    callback = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=max_runs, desc="model runs (at most)", unit="run")
        callback = lambda done, total: bar.update(done - bar.n)  # noqa: E731
    try:
        doc, fragment = _lo.calibrate(_scenario_arg(scenario), list(params), list(targets or []),
                                      seed, max_runs, threads, step, dataset, callback)
    finally:
        if bar is not None:
            bar.close()
    return Calibration(json.loads(doc), fragment)
