"""lodestone.ray: ensembles and sweeps on Ray equal the local ones byte for byte.

Every Ray connection stays on loopback (issue #21): Ray rewrites 127.0.0.1 to the
machine's outward address but keeps other loopback addresses, so the local cluster runs
on 127.0.0.2 and the two-process cluster on 127.0.0.2 (head) and 127.0.0.3 (worker), with
RAY_AUTH_MODE=disabled in every process; the two-process test checks that no socket of a
Ray process goes to a non-loopback address. Small runs on the fast `soybean-trade-war`
scenario at a yearly step keep the module well under a minute.
"""

import ipaddress
import json
import os
import pathlib
import socket
import subprocess
import sys

import pandas as pd
import pytest

ray = pytest.importorskip(
    "ray", reason="Ray is not installed (pip install 'lodestone[ray]'): lodestone.ray not tested")

import lodestone  # noqa: E402
import lodestone._lodestone as _lo  # noqa: E402
import lodestone.ray as lray  # noqa: E402

os.environ["RAY_AUTH_MODE"] = "disabled"  # the driver, and the processes it starts
# Ray starts workers at nice 15: on a machine shared with builds they would starve
os.environ.setdefault("RAY_worker_niceness", "0")

SCENARIO = "soybean-trade-war"
SEED = 11
RUNS = 7
GRID = {"settings.supply_slope": [0.1, 0.2, 0.3]}


def frames_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same columns, dtypes and values, bit for bit (NaN equal to NaN)."""
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for col in a.columns:
        if a[col].dtype.kind == "f":
            assert a[col].to_numpy().tobytes() == b[col].to_numpy().tobytes(), col


@pytest.fixture(scope="module")
def local_reference():
    """The local ensemble (summary JSON text and frames) the Ray runs must equal."""
    doc, _, _ = _lo.ensemble(SCENARIO, RUNS, SEED, None, "year", None, None, False)
    frames = lodestone.ensemble(SCENARIO, runs=RUNS, seed=SEED, step="year",
                                progress=False, replicates=True)
    return doc, frames


def loopback(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def ray_sockets():
    """(process, local, remote) of every inet socket of a Ray process on this machine."""
    import psutil

    out = []
    for c in psutil.net_connections(kind="inet"):
        if c.pid is None:
            continue
        try:
            p = psutil.Process(c.pid)
            name = " ".join(p.cmdline()) or p.name()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "ray" not in name and c.pid != os.getpid():
            continue
        out.append((name[:80], c.laddr, c.raddr))
    return out


def assert_loopback_only():
    socks = ray_sockets()
    assert socks, "no Ray socket found: the check would prove nothing"
    bad = [s for s in socks if s[2] and not loopback(s[2].ip)]
    assert not bad, f"Ray sockets to non-loopback addresses: {bad}"
    # bound sockets: a loopback address, or the wildcard (a listener, no traffic)
    bound = [s for s in socks if s[1] and not (loopback(s[1].ip) or s[1].ip in ("0.0.0.0", "::"))]
    assert not bound, f"Ray sockets bound to non-loopback addresses: {bound}"


@pytest.fixture(scope="class")
def local_cluster():
    """A local Ray instance on 127.0.0.2, for one class of tests."""
    ray.init(num_cpus=2, _node_ip_address="127.0.0.2", include_dashboard=False,
             configure_logging=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.usefixtures("local_cluster")
class TestLocalCluster:
    """A local Ray instance: `ray.init(num_cpus=2, _node_ip_address="127.0.0.2")`."""

    @pytest.mark.parametrize("shards", [1, 2, 7])
    def test_ensemble_equals_local_byte_for_byte(self, local_reference, shards):
        doc, (q, rep, par) = local_reference
        size = -(-RUNS // shards)  # ceil: 7, 4, 1 replicates per shard
        assert len(range(0, RUNS, size)) == shards
        q2, rep2, par2 = lray.ensemble(SCENARIO, runs=RUNS, seed=SEED, step="year",
                                       shard_size=size, progress=False, replicates=True)
        frames_identical(q, q2)
        frames_identical(rep, rep2)
        frames_identical(par, par2)
        assert json.dumps(q.attrs["summary"]) == json.dumps(q2.attrs["summary"])
        # and the merged summary's JSON text is the local one's
        refs = [lray._run_shard(lodestone.Scenario.load(SCENARIO), None, a, min(a + size, RUNS),
                                SEED, "year", None, None) for a in range(0, RUNS, size)]
        assert _lo.ensemble_merge(refs, False)[0] == doc

    def test_sweep_equals_local(self):
        local = lodestone.sweep(SCENARIO, GRID, runs_per_point=20, seed=SEED, step="year",
                                progress=False)
        remote = lray.sweep(SCENARIO, GRID, runs_per_point=20, seed=SEED, step="year",
                            progress=False)
        frames_identical(local, remote)
        assert list(local.columns[:2]) == ["point", "settings.supply_slope"]
        assert sorted(local["settings.supply_slope"].unique()) == [0.1, 0.2, 0.3]
        assert [s["runs"] for s in remote.attrs["summaries"]] == [20, 20, 20]
        # the points differ (the setting reaches the engine)
        p = local[local.metric.str.startswith("prices.")]
        by_point = [p[p.point == k].p50.to_numpy() for k in range(3)]
        assert any((by_point[0] != b).any() for b in by_point[1:])

    def test_a_failed_task_is_retried_and_the_result_unchanged(self, local_reference, tmp_path,
                                                               monkeypatch):
        monkeypatch.setenv(lray.FAIL_ONCE_ENV, str(tmp_path))
        q, rep, par = lray.ensemble(SCENARIO, runs=RUNS, seed=SEED, step="year", shard_size=3,
                                    progress=False, replicates=True, max_retries=2)
        assert (tmp_path / "failed-once").exists(), "the injected failure did not happen"
        frames_identical(q, local_reference[1][0])
        frames_identical(rep, local_reference[1][1])

    def test_shards_finishing_out_of_order_merge_to_the_same_result(self, local_reference,
                                                                     monkeypatch):
        # the first shard sleeps: the six after it finish first and wait for it
        monkeypatch.setenv(lray.DELAY_FIRST_ENV, "3")
        q, rep, par = lray.ensemble(SCENARIO, runs=RUNS, seed=SEED, step="year", shard_size=1,
                                    progress=False, replicates=True)
        assert lray.last_run["merged"] == lray.last_run["shards"] == RUNS
        assert lray.last_run["max_ahead"] >= 1, lray.last_run
        for ours, theirs in zip((q, rep, par), local_reference[1]):
            frames_identical(ours, theirs)

    def test_the_tasks_in_flight_are_bounded(self, local_reference, monkeypatch):
        # one task per CPU in flight (window 2 on 2 CPUs): at most one shard waits
        monkeypatch.setenv(lray.DELAY_FIRST_ENV, "3")
        monkeypatch.setattr(lray, "WINDOW_PER_CPU", 1)
        q = lray.ensemble(SCENARIO, runs=RUNS, seed=SEED, step="year", shard_size=1,
                          progress=False)
        assert lray.last_run["window"] == 2
        assert lray.last_run["max_ahead"] == 1, lray.last_run
        frames_identical(q, local_reference[1][0])

    def test_a_dataset_folder_travels_to_the_workers(self):
        ds = lodestone.Dataset.load(pathlib.Path(__file__).resolve().parents[2] / "data" / "soybeans")
        local = lodestone.ensemble(SCENARIO, runs=3, seed=SEED, step="year", dataset=ds,
                                   progress=False)
        remote = lray.ensemble(SCENARIO, runs=3, seed=SEED, step="year", dataset=ds,
                               shard_size=2, progress=False)
        frames_identical(local, remote)

    def test_bad_input_raises_located_on_the_driver(self):
        with pytest.raises(lodestone.ValidationError) as e:
            lray.sweep(SCENARIO, {"settings.no_such_setting": [1.0]}, runs_per_point=2,
                       step="year", progress=False)
        assert e.value.code == "E008"
        assert e.value.file == "<grid> settings.no_such_setting=1", e.value.file
        with pytest.raises(lodestone.ValidationError) as local:
            lodestone.sweep(SCENARIO, {"settings.no_such_setting": [1.0]}, runs_per_point=2,
                            step="year", progress=False)
        assert str(local.value) == str(e.value)
        with pytest.raises(lodestone.ValidationError):
            lray.sweep(SCENARIO, {"settings.supply_slope": ["high"]}, runs_per_point=2)
        with pytest.raises(lodestone.ValidationError):
            lray.ensemble("no-such-scenario", runs=2, progress=False)

    def test_shards_must_cover_the_runs_in_order(self):
        sc = lodestone.Scenario.load(SCENARIO)
        a = _lo.ensemble_shard(sc, 0, 2, SEED, 1, "year")
        b = _lo.ensemble_shard(sc, 2, 3, SEED, 1, "year")
        with pytest.raises(lodestone.LodestoneError, match="starts at replicate 2, expected 0"):
            _lo.ensemble_merge([b, a])
        with pytest.raises(lodestone.LodestoneError, match="not a Lodestone ensemble shard"):
            _lo.ensemble_merge([a[:-3]])


def test_merger_takes_shards_one_at_a_time(local_reference, tmp_path):
    """EnsembleMerger (what the Ray driver merges with) equals the merge of the whole list:
    summary, rows and the files of `lodestone ensemble --out`; a shard ahead of its turn is
    refused and leaves the merger usable."""
    doc = local_reference[0]
    sc = lodestone.Scenario.load(SCENARIO)
    shards = [_lo.ensemble_shard(sc, a, min(a + 3, RUNS), SEED, 1, "year")
              for a in range(0, RUNS, 3)]
    m = _lo.EnsembleMerger(True)
    with pytest.raises(lodestone.LodestoneError, match="starts at replicate 3, expected 0"):
        m.push(shards[1])
    for k, sh in enumerate(shards):
        assert m.count == 3 * k and m.shards == k
        m.push(sh)
    got = m.finish()
    assert got[0] == doc
    assert got == _lo.ensemble_merge(shards, True)
    with pytest.raises(lodestone.LodestoneError, match="finished"):
        m.push(shards[0])
    w = _lo.EnsembleMerger(False, str(tmp_path / "one"))
    for sh in shards:
        w.push(sh)
    assert w.finish()[0] == doc
    _lo.ensemble_write(shards, str(tmp_path / "all"))
    for name in ("ensemble.json", "replicates.csv", "parameters.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "all" / name).read_bytes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="class")
def address():
    """A head (127.0.0.2) and a worker node (127.0.0.3) started by `ray start`, stopped by
    `ray stop`; the driver connected to the head. Yields the head's address."""
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    env = dict(os.environ, RAY_AUTH_MODE="disabled")  # RAY_worker_niceness=0 too, as above
    port = free_port()
    address = f"127.0.0.2:{port}"
    common = ["--num-cpus", "1", "--disable-usage-stats"]
    try:
        subprocess.run([ray_bin, "start", "--head", "--port", str(port),
                        "--node-ip-address", "127.0.0.2", "--include-dashboard=false",
                        *common], env=env, check=True, capture_output=True, timeout=120)
        subprocess.run([ray_bin, "start", "--address", address,
                        "--node-ip-address", "127.0.0.3", *common],
                       env=env, check=True, capture_output=True, timeout=120)
        ray.init(address=address, _node_ip_address="127.0.0.2", configure_logging=False,
                 log_to_driver=False)
        yield address
    finally:
        ray.shutdown()
        subprocess.run([ray_bin, "stop"], env=env, capture_output=True, timeout=120)


class TestTwoProcessCluster:
    """`ray start --head` on 127.0.0.2 and a worker node on 127.0.0.3, started and stopped
    by the test; the driver connects to the head."""

    def test_sweep_on_two_nodes_equals_local_and_stays_on_loopback(self, address):
        nodes = [n for n in ray.nodes() if n["Alive"]]
        assert sorted(n["NodeManagerAddress"] for n in nodes) == ["127.0.0.2", "127.0.0.3"]
        local = lodestone.sweep(SCENARIO, GRID, runs_per_point=20, seed=SEED, step="year",
                                progress=False)
        remote = lray.sweep(SCENARIO, GRID, runs_per_point=20, seed=SEED, step="year",
                            shard_size=5, progress=False)
        frames_identical(local, remote)
        assert_loopback_only()

    def test_command_line_writes_what_the_cli_writes(self, address, cli, tmp_path):
        env = dict(os.environ, RAY_AUTH_MODE="disabled")
        args = [SCENARIO, "--runs", str(RUNS), "--seed", str(SEED), "--step", "year"]
        ours = subprocess.run([sys.executable, "-m", "lodestone.ray", "ensemble", *args,
                               "--address", address, "--shard-size", "3", "--no-progress",
                               "--out", str(tmp_path / "ray")],
                              env=env, capture_output=True, text=True, timeout=300)
        assert ours.returncode == 0, ours.stderr
        theirs = subprocess.run([cli, "ensemble", *args, "--threads", "1",
                                 "--out", str(tmp_path / "cli")],
                                capture_output=True, text=True, timeout=300)
        assert theirs.returncode == 0, theirs.stderr
        for name in ("ensemble.json", "quantiles.csv", "replicates.csv", "parameters.csv"):
            assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
        assert_loopback_only()

    def test_command_line_sweep_writes_what_the_local_sweep_writes(self, address, tmp_path):
        env = dict(os.environ, RAY_AUTH_MODE="disabled")
        out = subprocess.run([sys.executable, "-m", "lodestone.ray", "sweep", SCENARIO,
                              "--grid", "settings.supply_slope=0.1,0.2,0.3",
                              "--runs-per-point", "20", "--seed", str(SEED), "--step", "year",
                              "--address", address, "--shard-size", "7", "--no-progress",
                              "--out", str(tmp_path / "ray")],
                             env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        local = lodestone.sweep(SCENARIO, GRID, runs_per_point=20, seed=SEED, step="year",
                                progress=False, out=tmp_path / "local")
        for name in lodestone.SWEEP_FILES:
            assert (tmp_path / "ray" / name).read_bytes() == \
                (tmp_path / "local" / name).read_bytes(), name
        back = pd.read_csv(tmp_path / "ray" / "sweep.csv")
        assert len(back) == len(local) and list(back.columns) == list(local.columns)
        points = pd.read_csv(tmp_path / "ray" / "points.csv")
        assert points.to_dict("list") == {"point": [0, 1, 2],
                                          "settings.supply_slope": [0.1, 0.2, 0.3]}
        summaries = json.loads((tmp_path / "ray" / "summaries.json").read_text())
        assert [s["runs"] for s in summaries] == [20, 20, 20]
        # a grid the calibration refuses: exit 2, located at the grid, before any task
        bad = subprocess.run([sys.executable, "-m", "lodestone.ray", "sweep", SCENARIO,
                              "--grid", "settings.no_such_setting=1", "--runs-per-point", "2",
                              "--address", address, "--no-progress",
                              "--out", str(tmp_path / "bad")],
                             env=env, capture_output=True, text=True, timeout=300)
        assert bad.returncode == 2 and "<grid> settings.no_such_setting=1" in bad.stderr, \
            bad.stderr
        assert_loopback_only()
