"""lodestone.news.Store: the news layer from Python equals `lodestone news` (issue #20).

The seed page (a search results page in Chinese and English, the news crate's fixture) is
ingested into a store in a temporary folder; search, claims, check and propose are then
compared with the CLI's `--json` documents for the same store.
"""

import json
import pathlib
import subprocess

import pytest

import lodestone
from lodestone.news import Store

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED_PAGE = ROOT / "crates" / "lodestone-news" / "tests" / "fixtures" / "seed_page.txt"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A store with the seed page ingested, and the ingest report."""
    store = Store(tmp_path_factory.mktemp("news") / "store")
    return store, store.ingest(SEED_PAGE)


def cli_json(cli, store, *args):
    out = subprocess.run([cli, "news", "--store", store.path, *args, "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_ingest_the_seed_page_once(seeded):
    store, report = seeded
    assert len(report["added"]) >= 5, report
    assert report["total"] == len(report["added"]) == len(store)
    assert all(d["provenance"]["file"] == str(SEED_PAGE) for d in report["added"])
    again = store.ingest([SEED_PAGE])  # same content: stored once
    assert again["added"] == [] and len(again["duplicates"]) == report["total"]
    docs = store.documents()
    assert len(docs) == report["total"]
    assert set(docs.format) == {"seed_page"}


def test_chinese_search_returns_hits(seeded):
    store, _ = seeded
    hits = store.search("稀土产业")
    assert list(hits.columns) == ["id", "score", "title", "source", "date", "snippet"]
    assert len(hits) >= 3
    assert hits.score.is_monotonic_decreasing and (hits.score > 0).all()
    assert hits.title.str.contains("稀土").any()
    assert len(store.search("稀土", limit=2)) == 2
    later = store.search("稀土", since="2025-10-25")
    assert len(later) and (later.date >= "2025-10-25").all()
    assert store.search("zzzqqq").empty


def test_claims_carry_normalised_units(seeded):
    store, _ = seeded
    claims = store.claims()
    assert len(claims) >= 10
    # 700 billion rubles, normalised to USD at the dated rate the CLI states
    rub = claims[(claims.unit == "RUB") & (claims.metric == "investment")]
    assert len(rub) >= 1
    r = rub.iloc[0]
    assert r.value == 700e9 and r.norm_unit == "USD"
    assert r.norm_value == pytest.approx(700e9 * 0.0124, rel=0.01)
    assert "RUB" in r.norm_note
    # percentages become fractions
    pct = claims[claims.unit == "%"]
    assert len(pct) >= 1
    assert (pct.norm_unit == "share").all()
    assert pct.norm_value.to_numpy() == pytest.approx(pct.value.to_numpy() / 100)
    # provenance: the seed page, a line, the sentence
    assert (claims.file == str(SEED_PAGE)).all() and (claims.line > 0).all()
    one = store.claims(doc=r.doc_id)
    assert set(one.doc_id) == {r.doc_id}


def test_results_equal_the_cli(seeded, cli):
    store, _ = seeded
    assert store.search("稀土产业").attrs["hits"] == cli_json(cli, store, "search", "稀土产业")
    assert store.search("rare earth", limit=3).attrs["hits"] == \
        cli_json(cli, store, "search", "rare earth", "--limit", "3")
    assert store.claims().attrs["claims"] == cli_json(cli, store, "claims")
    report = store.check()
    assert report.attrs["report"] == cli_json(cli, store, "check")
    assert len(report) == report.attrs["report"]["summary"]["claims"]
    assert set(report.verdict) <= {"supported", "contradicted", "unverifiable"}
    assert store.proposals() == cli_json(cli, store, "propose")
    assert "[[events]]" in store.propose()


def test_bad_input_is_a_located_validation_error(tmp_path):
    store = Store(tmp_path / "store")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "A", "source": "S", "date": "2025-10-01", "text": "x 5%."}\n'
                   '{"title": "B", "source"\n', encoding="utf-8")
    with pytest.raises(lodestone.ValidationError) as e:
        store.ingest(bad)
    assert e.value.file == str(bad) and e.value.line == 2 and e.value.column > 0
    assert len(store) == 0  # all or nothing: the good first line was not stored
    with pytest.raises(lodestone.ValidationError):
        store.search("x", limit=0)
    with pytest.raises(lodestone.ValidationError, match="since"):
        store.search("x", since="yesterday")
    with pytest.raises(lodestone.ValidationError, match="format"):
        store.ingest(bad, format="pdf")
    with pytest.raises(lodestone.ValidationError, match="no stored document"):
        store.claims(doc="ffff")
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(lodestone.LodestoneError):
        Store(tmp_path / "file")
