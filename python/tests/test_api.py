"""The Python package against the command line: same summaries, same tables, located
errors, deterministic ensembles, Ctrl-C."""

import json
import os
import subprocess
import time

import numpy as np
import pandas as pd
import pytest

import lodestone

WHAT_IF = [{"type": "disruption", "facility": "mt_weld", "start": "2026-01",
            "end": "2026-06", "loss": 1.0}]
WHAT_IF_TOML = """name = "mt-weld-outage"
extends = "baseline"

[[events]]
type = "disruption"
facility = "mt_weld"
start = "2026-01"
end = "2026-06"
loss = 1.0
"""


def masked(summary):
    """The summary without the wall-clock time (the one figure the golden test masks)."""
    s = json.loads(json.dumps(summary))
    s["stats"]["solver_seconds"] = 0
    return s


def cli_json(cli, *args):
    out = subprocess.run([cli, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.fixture(scope="module")
def baseline():
    return lodestone.run("baseline")


def test_baseline_summary_is_the_cli_json(cli, baseline):
    assert masked(baseline.summary) == masked(cli_json(cli, "run", "baseline", "--json"))
    assert baseline.summary["stats"]["periods"] == 144


def test_tables_are_the_cli_out_files(cli, tmp_path):
    r = lodestone.run("baseline", step="year")
    subprocess.run([cli, "run", "baseline", "--step", "year", "--out", str(tmp_path)],
                   check=True, capture_output=True)
    files = sorted(p.stem for p in tmp_path.glob("*.csv"))
    assert files == sorted(lodestone.TABLES)
    for name in lodestone.TABLES:
        df = r.table(name)
        csv = pd.read_csv(tmp_path / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(df.columns) == list(csv.columns), name
        assert len(df) == len(csv), name
        assert list(df.columns[-2:]) == ["value", "unit"], name
        for col in df.columns[:-2].tolist() + ["unit"]:
            assert list(df[col]) == list(csv[col]), (name, col)
        assert np.array_equal(df["value"].to_numpy(), csv["value"].astype(float).to_numpy()), name
    assert r.production["country"].isin(["CN", "US", "AU"]).any()
    assert (r.prices["unit"] == "usd_per_kg").all()


def test_what_if_in_python_equals_the_toml_file(tmp_path):
    path = tmp_path / "mt-weld-outage.toml"
    path.write_text(WHAT_IF_TOML)
    from_file = lodestone.run(str(path), step="year")
    built = lodestone.Scenario.load("baseline").with_events(WHAT_IF, name="mt-weld-outage")
    in_code = lodestone.run(built, step="year")
    assert masked(in_code.summary) == masked(from_file.summary)
    pd.testing.assert_frame_equal(in_code.flows, from_file.flows, check_exact=True)
    base = lodestone.run("baseline", step="year")
    assert masked(base.summary) != masked(in_code.summary)
    assert built.event_count == lodestone.Scenario.load("baseline").event_count + 1


def test_from_dict_and_to_toml_round_trip():
    d = {"name": "mt-weld-outage", "extends": "baseline", "events": WHAT_IF}
    a = lodestone.Scenario.from_dict(d)
    b = lodestone.Scenario.from_toml(WHAT_IF_TOML)
    c = lodestone.Scenario.from_toml(a.to_toml())
    assert (a.name, a.event_count, a.horizon) == (b.name, b.event_count, b.horizon)
    assert c.to_toml() == a.to_toml()


def test_malformed_scenario_is_located():
    text = WHAT_IF_TOML.replace("loss = 1.0", 'loss = "total"')
    with pytest.raises(lodestone.ValidationError) as e:
        lodestone.Scenario.from_toml(text, name="what-if.toml")
    err = e.value
    assert (err.file, err.line, err.column, err.code) == ("what-if.toml", 9, 8, "E016")
    assert "what-if.toml:9:8: error[E016]" in str(err)
    assert isinstance(err, ValueError) and len(err.diagnostics) == 1


def test_unknown_facility_is_located_at_run_with_a_hint():
    sc = lodestone.Scenario.from_toml(WHAT_IF_TOML.replace('"mt_weld"', '"mt_wled"'), name="w.toml")
    with pytest.raises(lodestone.ValidationError) as e:
        lodestone.run(sc, step="year")
    d = e.value.diagnostics[0]
    assert (d.file, d.line, d.column, d.code) == ("w.toml", 6, 12, "E008")
    assert "mt_weld" in d.hint


def test_unknown_names_and_steps_are_bad_input():
    with pytest.raises(lodestone.ValidationError, match="did you mean `baseline`"):
        lodestone.run("basline")
    with pytest.raises(lodestone.ValidationError, match="unknown dataset"):
        lodestone.Dataset.embedded("rare-earth")
    with pytest.raises(lodestone.ValidationError) as e:
        lodestone.run("baseline", step="week")
    assert e.value.code == "E007"
    assert "baseline" in lodestone.scenarios() and "rare-earths" in lodestone.datasets()


def test_ensemble_is_the_same_at_one_and_two_threads():
    args = dict(runs=4, seed=11, step="year", progress=False, replicates=True)
    one = lodestone.ensemble("baseline", threads=1, **args)
    two = lodestone.ensemble("baseline", threads=2, **args)
    for x, y in zip(one, two):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    q = one[0]
    assert q.attrs["summary"] == two[0].attrs["summary"]
    assert q.attrs["summary"]["runs"] == 4
    row = q[(q.metric == "prices.CN.dy_oxide") & (q.year == 2030)].iloc[0]
    assert row.p10 <= row.p50 <= row.p90
    assert one[1]["replicate"].nunique() == 4


def test_an_interrupt_stops_an_ensemble():
    # Ctrl-C reaches the driver as the KeyboardInterrupt that Python's signal handler
    # raises in its periodic check; a progress callback raising it takes the same path
    # (cancel flag, the engine's hook unwinds, the worker is joined) without depending on
    # how the test process inherited SIGINT (a CI job started in the background of a
    # non-interactive shell may have it ignored).
    from lodestone import _lodestone as _lo

    def interrupt(done, total):
        if done >= 1:
            raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _lo.ensemble("baseline", 500, 1, 1, "year", None, interrupt, False)
    assert time.monotonic() - started < 30


def test_compare_and_report(tmp_path):
    a = lodestone.run("baseline", step="year")
    b = lodestone.run(lodestone.Scenario.load("baseline").with_events(WHAT_IF), step="year")
    df = lodestone.compare(a, b)
    both = df.dropna(subset=["a", "b"])
    assert np.allclose(both["diff"], both["b"] - both["a"])
    changed = lodestone.compare(a, b, changed_only=True)
    assert len(changed) > 0 and changed["changed"].all()
    assert {"year", "metric", "country", "unit", "score"} <= set(df.columns)
    path = lodestone.report(a, b, path=tmp_path)
    assert path.endswith(".html") and os.path.getsize(path) > 10_000


def test_backtest_scores_the_observations():
    bt = lodestone.backtest("baseline", step="year")
    assert len(bt.points) > 0 and {"observed", "simulated"} <= set(bt.points.columns)
    assert len(bt.series) > 0


def test_calibrate_fits_and_locates_bad_parameters():
    fit = lodestone.calibrate("baseline", {"settings.supply_slope": (0.05, 0.5)},
                              targets=["production"], step="year", max_runs=4,
                              progress=False)
    assert fit.runs <= 4 and list(fit.parameters["path"]) == ["settings.supply_slope"]
    assert fit.objective_after <= fit.objective_before
    assert "supply_slope" in fit.fragment
    with pytest.raises(lodestone.ValidationError) as e:
        lodestone.calibrate("baseline", ["settings.supply_slop=0.05..0.5"], step="year",
                            max_runs=4, progress=False)
    err = e.value
    assert (err.line, err.column, err.code) == (1, 10, "E008")
    assert err.file == "--param settings.supply_slop=0.05..0.5" and "supply_slope" in err.hint


def test_export_lp_writes_the_period_problem(tmp_path):
    mps = lodestone.export_lp("baseline", "2026-03", path=tmp_path / "p.mps", step="year")
    assert "NAME baseline_2026" in mps and "ROWS" in mps and (tmp_path / "p.mps").read_text() == mps
    with pytest.raises(lodestone.ValidationError, match="outside the run"):
        lodestone.run("baseline", step="year").export_lp("2040-01")
