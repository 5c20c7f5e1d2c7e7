#!/usr/bin/env python3
"""Derive the rare-earths dataset's magnet rows from their few parameters.

One place computes every number that depends on the magnet fabrication cost and on the
high-coercivity grade's Dy/Tb content, so they cannot drift apart again:

- facilities.csv: unit_cost of every magnet plant (China = FAB, elsewhere = FAB + 800);
- compositions.csv: ndfeb_high_dy (Dy, Tb), scrap_ndfeb_high_dy (its REO shares);
- process_flows.csv: magnet_ndfeb_high_dy (metal inputs, scrap output) and
  recycle_scrap_high_dy (oxide yields);
- materials.csv: ref_price of ndfeb_std and ndfeb_high_dy (d_ref_prices: RE metal inputs at
  their reference prices + FAB - the scrap credit, i.e. the scrap's recovered oxides at
  their reference prices less the recycling cost).

Parameters (NOTES.md section 9; sources.csv a_magnet_fabrication_cost, a_grade_high,
a_gbd_factor, cal_2024_prices):
  --fab USD/t        magnet fabrication and non-RE materials cost, China (ex-China + 800 USD/t)
  --dy-factor F      Dy content of the high grade as a share of the no-GBD 3.5%  (0.3-1.0)
  --tb-factor F      Tb content of the high grade as a share of the no-GBD 1.0%  (0.3-1.0)

Usage: tools/magnet_data.py [--data data/rare-earths] [--fab 8000] [--dy-factor 1]
       [--tb-factor 1] [--check]   (--check: print what would change, write nothing)
"""
import argparse
import csv
import io
import os
import sys

# Fixed inputs (sources.csv ids in brackets).
NDPR_STD, DY_STD = 0.30, 0.006  # a_grade_std
NDPR_HIGH, DY_HIGH_NOGBD, TB_HIGH_NOGBD = 0.27, 0.035, 0.010  # a_grade_high (no GBD)
SCRAP = 0.28  # a_scrap_ratio
ALLOY_YIELD = 0.98  # a_alloy_yield
METAL_YIELD = 0.97  # a_metal_yield
RECYCLING = 0.90  # a_recycling_recovery
RECYCLING_COST = 3.0  # a_cost_separation, recycling, USD/kg scrap REO
EX_CHINA_PREMIUM = 800.0  # a_magnet_fabrication_cost: ex-China plants + 800 USD/t (the former 8,800 - 8,000)
ND_SHARE = 0.75  # NdPr 75:25 (d_ndpr_ratio)


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    with open(path, "w", newline="") as f:
        f.write(buf.getvalue())


def fmt(x, digits=6):
    s = f"{round(x, digits):.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def derive(data, fab_usd_t, dy_factor, tb_factor):
    """Every derived figure, from the parameters and the dataset's own constants."""
    _, erows = read(os.path.join(data, "elements.csv"))
    mpo = {r[0]: float(r[4]) for r in erows}  # metal per oxide
    _, mrows = read(os.path.join(data, "materials.csv"))
    ref = {r[0]: float(r[7]) for r in mrows if r[7]}
    ndpr_mpo = ND_SHARE * mpo["Nd"] + (1 - ND_SHARE) * mpo["Pr"]
    dy, tb = DY_HIGH_NOGBD * dy_factor, TB_HIGH_NOGBD * tb_factor
    gross = (1 + SCRAP) / ALLOY_YIELD
    out = {"dy": dy, "tb": tb}
    # high grade: metal inputs, scrap REO and its shares
    reo = {"NdPr": NDPR_HIGH / ndpr_mpo, "Dy": dy / mpo["Dy"], "Tb": tb / mpo["Tb"]}
    tot = sum(reo.values())
    out["high_in"] = {"ndpr_metal": NDPR_HIGH * gross, "dy_metal": dy * gross, "tb_metal": tb * gross}
    out["high_scrap"] = SCRAP * tot
    out["high_scrap_comp"] = {
        "Dy": reo["Dy"] / tot,
        "Nd": ND_SHARE * reo["NdPr"] / tot,
        "Pr": (1 - ND_SHARE) * reo["NdPr"] / tot,
        "Tb": reo["Tb"] / tot,
    }
    out["high_recycle"] = {
        "ndpr_oxide": RECYCLING * reo["NdPr"] / tot,
        "tb_oxide": RECYCLING * reo["Tb"] / tot,
        "dy_oxide": RECYCLING * reo["Dy"] / tot,
    }
    # standard grade (unchanged contents) for its reference price
    reo_s = {"NdPr": NDPR_STD / ndpr_mpo, "Dy": DY_STD / mpo["Dy"]}
    tot_s = sum(reo_s.values())
    std_in = {"ndpr_metal": NDPR_STD * gross, "dy_metal": DY_STD * gross}
    std_recycle = {"ndpr_oxide": RECYCLING * reo_s["NdPr"] / tot_s, "dy_oxide": RECYCLING * reo_s["Dy"] / tot_s}
    fab = fab_usd_t / 1000.0

    def ref_price(inputs, scrap, recycle):
        metals = sum(q * ref[m] for m, q in inputs.items())
        scrap_value = sum(y * ref[o] for o, y in recycle.items()) - RECYCLING_COST
        return metals + fab - scrap * scrap_value, metals, scrap * scrap_value

    out["ref_std"] = ref_price(std_in, SCRAP * tot_s, std_recycle)
    out["ref_high"] = ref_price(out["high_in"], out["high_scrap"], out["high_recycle"])
    out["fab"] = fab_usd_t
    return out


def apply(data, d, check):
    changes = []

    def edit(name, fn):
        path = os.path.join(data, name)
        header, rows = read(path)
        new = [fn(header, list(r)) for r in rows]
        for a, b in zip(rows, new):
            if a != b:
                changes.append(f"{name}: {','.join(a[:3])}: {a} -> {b}")
        if not check:
            write(path, header, new)

    def facilities(h, r):
        if r[h.index("stage")] == "magnet":
            cn = r[h.index("country")] == "CN"
            r[h.index("unit_cost")] = fmt(d["fab"] + (0 if cn else EX_CHINA_PREMIUM), 0)
        return r

    def compositions(h, r):
        if r[0] == "ndfeb_high_dy" and r[1] in ("Dy", "Tb"):
            r[2] = fmt(d["dy"] if r[1] == "Dy" else d["tb"])
        if r[0] == "scrap_ndfeb_high_dy":
            r[2] = fmt(d["high_scrap_comp"][r[1]])
        return r

    def flows(h, r):
        if r[0] == "magnet_ndfeb_high_dy":
            if r[1] == "in":
                r[3] = fmt(d["high_in"][r[2]])
            elif r[2] == "scrap_ndfeb_high_dy":
                r[3] = fmt(d["high_scrap"])
        if r[0] == "recycle_scrap_high_dy" and r[1] == "out":
            r[3] = fmt(d["high_recycle"][r[2]])
        return r

    def materials(h, r):
        if r[0] == "ndfeb_std":
            r[7] = fmt(d["ref_std"][0], 1)
        if r[0] == "ndfeb_high_dy":
            r[7] = fmt(d["ref_high"][0], 1)
        return r

    edit("facilities.csv", facilities)
    edit("compositions.csv", compositions)
    edit("process_flows.csv", flows)
    edit("materials.csv", materials)
    return changes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data/rare-earths")
    ap.add_argument("--fab", type=float, default=8000.0)
    ap.add_argument("--dy-factor", type=float, default=1.0)
    ap.add_argument("--tb-factor", type=float, default=1.0)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    for name, v in (("--dy-factor", a.dy_factor), ("--tb-factor", a.tb_factor)):
        if not 0.3 <= v <= 1.0:
            sys.exit(f"{name} {v} outside the GBD range 0.3-1.0 (dynamics.md H01-H04)")
    d = derive(a.data, a.fab, a.dy_factor, a.tb_factor)
    for c in apply(a.data, d, a.check):
        print(c)
    for k in ("ref_std", "ref_high"):
        p, metals, credit = d[k]
        print(f"{k}: {p:.2f} USD/kg = RE metals {metals:.2f} + fabrication {a.fab / 1000:.2f} - scrap credit {credit:.2f}")


if __name__ == "__main__":
    main()
