#!/usr/bin/env python3
"""Soak test of `lodestone serve` (issue #18): memory must stay flat under a steady load.

Starts the server on 127.0.0.1 (a free port, a fresh store in a temporary directory, a
token, the tiny fixture dataset as --data so runs take milliseconds), sends a mixed load
from a few client threads for --minutes (default 10), and samples the server's resident
memory (VmRSS, /proc) every --every seconds.

Passes (exit 0) when no response is a 5xx and, after a warm-up of --warmup seconds (the
dataset, the news store and SQLite's page cache are loaded on first use), every RSS
sample stays within +-10% of the first sample after the warm-up.

Then the kill test (the store is crash-safe): with an ensemble running and runs queued,
the server is killed with SIGKILL and started again on the same store; it must start,
keep every job, show none `queued` or `running` (those are `failed`, "interrupted"),
and still serve the summary of every finished run.

Loopback only; not in CI (it takes as long as it is told). Linux only (/proc).

    cargo build --release -p lodestone-cli
    python3 tools/soak.py                       # 10 minutes
    python3 tools/soak.py --minutes 1 --warmup 20   # a quick look
"""

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = os.path.join(ROOT, "crates/lodestone-engine/tests/fixtures/tiny")
TOKEN = "soak-token"
HORIZON = 'name = "soak"\n[horizon]\nstart = "2024-01"\nend = "2025-12"\n'
LATE = HORIZON + (
    '[[events]]\ntype = "disruption"\nfacility = "mine_cn"\n'
    'start = "2027-01"\nend = "2027-06"\nloss = 0.5\n'
)
BAD = HORIZON + '[[events]]\ntype = "disruption"\nfacility = "mt_weld"\nstart = "2025-01"\nloss = 1\n'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {TOKEN}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                payload = r.read()
                return r.status, payload
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt:
                    return 0, b""
        return 0, b""


def start_server(args, port, store):
    server = subprocess.Popen(
        [args.bin, "serve", "--addr", f"127.0.0.1:{port}", "--store", store, "--token", TOKEN,
         "--data", TINY, "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return server


def kill_test(args, port, store, server):
    """SIGKILL with work in flight, restart on the same store: nothing finished is lost."""
    c = Client(port)
    status, body = c.call("POST", "/api/ensembles", {"toml": HORIZON, "runs": 1000, "seed": 7,
                                                      "cache": False})
    assert status == 202, (status, body)
    for _ in range(5):
        c.call("POST", "/api/runs", {"toml": HORIZON, "cache": False})
    time.sleep(1.0)
    before = json.loads(c.call("GET", "/api/jobs?limit=500")[1])
    server.kill()
    server.wait()
    server = start_server(args, port, store)
    c = Client(port)
    after = json.loads(c.call("GET", "/api/jobs?limit=500")[1])
    states = Counter(j["state"] for j in after)
    lost = {j["id"] for j in before} - {j["id"] for j in after}
    unreadable = [j["id"] for j in after if j["state"] == "done" and j["kind"] == "run"
                  and c.call("GET", f"/api/runs/{j['id']}/summary")[0] != 200]
    in_flight = sum(1 for j in before if j["state"] in ("queued", "running"))
    ok = not lost and not unreadable and states["queued"] == 0 and states["running"] == 0
    print(f"kill test: the newest {len(before)} jobs before SIGKILL ({in_flight} queued or "
          f"running), {len(after)} after restart: {dict(states)}; lost {len(lost)}, "
          f"finished summaries unreadable {len(unreadable)} -> {'PASS' if ok else 'FAIL'}")
    return server, ok


def one_request(c, rnd, run_ids):
    """One request of the mix: reads, validations, runs, results, bad input."""
    k = rnd.random()
    if k < 0.25:
        return c.call("GET", rnd.choice(["/api/health", "/api/datasets", "/api/scenarios",
                                         "/api/openapi.json", "/api/jobs?limit=50", "/"]))
    if k < 0.40:
        return c.call("POST", "/api/validate", {"toml": rnd.choice([HORIZON, LATE]), "file": "soak.toml"})
    if k < 0.48:
        return c.call("POST", "/api/validate", {"toml": BAD})
    if k < 0.56:
        status, body = c.call("POST", "/api/runs", {"toml": LATE if rnd.random() < 0.5 else HORIZON,
                                                     "cache": rnd.random() < 0.7})
        if status in (200, 202):
            run_ids.append(json.loads(body)["id"])
            del run_ids[:-200]
        return status, body
    if k < 0.60:
        return c.call("POST", "/api/ensembles", {"toml": HORIZON, "runs": 3, "cache": True})
    if run_ids and k < 0.85:
        i = rnd.choice(run_ids)
        return c.call("GET", rnd.choice([f"/api/runs/{i}", f"/api/runs/{i}/summary",
                                         f"/api/runs/{i}/csv/production", f"/api/jobs/{i}",
                                         f"/api/compare?a={run_ids[0]}&b={i}"]))
    if k < 0.92:
        return c.call("GET", rnd.choice(["/api/news", "/api/news/search?q=rare%20earth",
                                         "/api/news/claims?limit=10"]))
    return c.call("GET", rnd.choice(["/api/runs/abc", "/api/nope", "/api/runs?limit=x",
                                     "/api/scenarios/baselin"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/lodestone"))
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=60.0, help="seconds before the baseline sample")
    ap.add_argument("--every", type=float, default=5.0, help="seconds between RSS samples")
    ap.add_argument("--clients", type=int, default=3)
    ap.add_argument("--tolerance", type=float, default=0.10)
    args = ap.parse_args()

    store = tempfile.mkdtemp(prefix="lodestone-soak-")
    port = free_port()
    server = start_server(args, port, store)
    try:
        statuses = Counter()
        lock = threading.Lock()
        stop = time.time() + args.minutes * 60
        run_ids = []

        def worker(seed):
            rnd = random.Random(seed)
            c = Client(port)
            while time.time() < stop:
                status, _ = one_request(c, rnd, run_ids)
                with lock:
                    statuses[status] += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
        t0 = time.time()
        for t in threads:
            t.start()
        samples = []
        while time.time() < stop:
            samples.append((time.time() - t0, rss_kib(server.pid)))
            time.sleep(args.every)
        for t in threads:
            t.join()
        samples.append((time.time() - t0, rss_kib(server.pid)))
        server, killed_ok = kill_test(args, port, store, server)
    finally:
        server.terminate()
        server.wait()

    after = [(t, r) for t, r in samples if t >= args.warmup]
    base = after[0][1] if after else samples[-1][1]
    lo, hi = min(r for _, r in after), max(r for _, r in after)
    total = sum(statuses.values())
    five = sum(n for s, n in statuses.items() if s >= 500 or s == 0)
    flat = lo >= base * (1 - args.tolerance) and hi <= base * (1 + args.tolerance)
    print(f"requests: {total} in {args.minutes:g} min ({total / (args.minutes * 60):.0f}/s), "
          f"statuses: {dict(sorted(statuses.items()))}")
    print(f"RSS MiB: start {samples[0][1] / 1024:.1f}, after warm-up ({args.warmup:g} s) "
          f"{base / 1024:.1f}, min {lo / 1024:.1f}, max {hi / 1024:.1f}, end {samples[-1][1] / 1024:.1f} "
          f"(±{(max(hi - base, base - lo)) / base * 100:.1f}% of the warm-up sample)")
    for t, r in samples[:: max(1, len(samples) // 12)]:
        print(f"  {t:6.0f} s  {r / 1024:7.1f} MiB")
    ok = five == 0 and flat and killed_ok
    print("PASS" if ok else f"FAIL: {five} 5xx or dropped connections, memory flat: {flat}, "
          f"kill test: {killed_ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
