"""Driver peak RSS of lodestone.ray.ensemble (docs/ray.md, "Memory cost").

Usage: python ray_driver_rss.py RUNS SHARD_SIZE [SCENARIO]; RAYMOD=module to measure
another copy of lodestone.ray (e.g. an older one); NODE_IP (default 127.0.0.2, loopback).
Prints one JSON line: RSS before, peak and growth (MB), wall time, lodestone.ray.last_run.
"""
import json, os, resource, sys, threading, time
os.environ["RAY_AUTH_MODE"] = "disabled"
os.environ.setdefault("RAY_worker_niceness", "0")
import psutil, ray
import importlib, lodestone; lr = importlib.import_module(os.environ.get("RAYMOD", "lodestone.ray"))
runs, shard = int(sys.argv[1]), int(sys.argv[2])
sc = sys.argv[3] if len(sys.argv) > 3 else "china-2025-04-licensing"
ray.init(num_cpus=2, _node_ip_address=os.environ.get("NODE_IP", "127.0.0.2"), include_dashboard=False,
         configure_logging=False, log_to_driver=False)
lr.ensemble(sc, runs=2, seed=1, step="year", shard_size=1, progress=False)  # warm up
proc = psutil.Process()
base = proc.memory_info().rss
peak = [base]
stop = []
def watch():
    while not stop:
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.02)
t = threading.Thread(target=watch, daemon=True); t.start()
t0 = time.time()
q = lr.ensemble(sc, runs=runs, seed=7, step="year", shard_size=shard, progress=False)
wall = time.time() - t0
stop.append(1); t.join()
print(json.dumps(dict(scenario=sc, runs=runs, shard_size=shard, wall_s=round(wall, 1),
                      rss_before_mb=round(base / 1e6, 1), peak_mb=round(peak[0] / 1e6, 1),
                      growth_mb=round((peak[0] - base) / 1e6, 1),
                      ru_maxrss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1),
                      last_run=getattr(lr, "last_run", None), rows=len(q))))
ray.shutdown()
