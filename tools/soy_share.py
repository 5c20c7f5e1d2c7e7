"""US share of China's soybean imports, simulated vs GACC, by year and by month.
Usage: python3 tools/soy_share.py DIR   (DIR from `lodestone run soybean-trade-war --out DIR`)"""
import csv, sys
from collections import defaultdict
OBS = {2016: .406, 2017: .344, 2018: .189, 2019: .191, 2020: .258, 2021: .335,
       2022: .324, 2023: .243, 2024: .211, 2025: .150}
# GACC monthly US arrivals (facts-trade A1b), Mt
OBS_M = {"2017-11": 4.7, "2017-12": 6.19, "2018-10": .067, "2018-11": 0, "2018-12": .069,
         "2019-12": 3.09, "2021-03": 7.18, "2024-07": .475, "2024-09": 1.71, "2024-10": .541,
         "2024-11": 2.79, "2024-12": 4.255, "2025-09": 0, "2025-10": 0, "2025-11": 0, "2025-12": 0}
d = sys.argv[1]
by = defaultdict(float)
for r in csv.DictReader(open(f"{d}/flows.csv")):
    f, t = r["exporter"], r["importer"]
    if t != "CN":
        continue
    by[(r["period"], f)] += float(r["value"])
yr = defaultdict(lambda: defaultdict(float))
for (p, f), v in by.items():
    yr[int(p[:4])][f] += v
errs = []
print("year  sim_US%  obs_US%  err_pp   US_Mt  BR_Mt  AR_Mt  tot_Mt")
for y in sorted(yr):
    t = sum(yr[y].values()); s = yr[y]["US"] / t
    e = (s - OBS[y]) * 100
    if y <= 2024: errs.append(abs(e))
    print(f"{y}  {s*100:6.1f}  {OBS[y]*100:6.1f}  {e:+6.1f}  {yr[y]['US']/1e6:6.2f} {yr[y]['BR']/1e6:6.2f} {yr[y]['AR']/1e6:6.2f} {t/1e6:6.2f}")
print(f"MAE 2017-2024: {sum(errs)/len(errs):.1f} pp; max {max(errs):.1f}")
print("month    sim_US_Mt obs_US_Mt")
for m, o in OBS_M.items():
    print(f"{m}  {by.get((m,'US'),0)/1e6:8.2f} {o:8.2f}")
if len(sys.argv) > 2:
    for y in sorted(yr):
        print(y, " ".join(f"{by.get((f'{y}-{m:02d}','US'),0)/1e6:5.1f}" for m in range(1, 13)))
