"""How much converting a monthly baseline run's tables to DataFrames adds to the run.

    python python/benches/tables.py [REPEATS]

Prints, per repeat, the run's time and the time to build all six tables as DataFrames
(wall and CPU time of this process), and the ratio of the medians.
"""

import statistics
import sys
import time

import lodestone


def timed(f):
    w, c = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - w, time.process_time() - c


def main(repeats: int) -> None:
    runs, tables = [], []
    for i in range(repeats):
        r, wall, cpu = timed(lambda: lodestone.run("baseline"))
        frames, twall, tcpu = timed(r.tables)
        rows = sum(len(df) for df in frames.values())
        runs.append((wall, cpu))
        tables.append((twall, tcpu))
        print(f"repeat {i + 1}: run {wall:.2f} s wall / {cpu:.2f} s CPU; "
              f"6 tables, {rows} rows: {twall * 1000:.0f} ms wall / {tcpu * 1000:.0f} ms CPU")
    for k, what in enumerate(("wall", "CPU")):
        run_m = statistics.median(x[k] for x in runs)
        tab_m = statistics.median(x[k] for x in tables)
        print(f"median {what}: run {run_m:.2f} s, tables {tab_m * 1000:.0f} ms = "
              f"{100 * tab_m / run_m:.1f}% of the run")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
