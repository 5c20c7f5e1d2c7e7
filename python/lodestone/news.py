"""The news layer: reports read into a local store, searched in Chinese and English, their
quantitative claims extracted (units normalised), checked against the embedded datasets and
turned into scenario event proposals — what ``lodestone news …`` does, as DataFrames::

    from lodestone.news import Store
    store = Store("news-store")                    # a folder, created if missing
    store.ingest("seed_page.txt")                  # files or folders (all or nothing)
    store.search("稀土产业")                        # hits: id, score, title, snippet, ...
    claims = store.claims()                        # one row per claim, normalised units
    claims[["metric", "subject", "value", "unit", "norm_value", "norm_unit"]]
    store.check()                                  # verdicts against the datasets
    print(store.propose())                         # [[events]] TOML to review, never applied

Every method calls the same Rust code as the command line (crate ``lodestone-news``; no
news logic here) and builds its frame from the document ``lodestone news … --json``
prints for the same store, so results are the CLI's. A malformed file, query or argument
raises :class:`lodestone.ValidationError` (located at ``FILE:LINE[:COLUMN]``); a store that
cannot be opened or written raises :class:`lodestone.LodestoneError`.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Union

import pandas as pd

from . import _lodestone as _lo

__all__ = ["Store"]

PathLike = Union[str, "os.PathLike[str]"]

HIT_COLUMNS = ["id", "score", "title", "source", "date", "snippet"]
CLAIM_COLUMNS = ["id", "doc_id", "metric", "subject", "subject_kind", "partner", "material",
                 "period", "text", "value", "unit", "dimension", "qualifier", "norm_value",
                 "norm_unit", "norm_note", "title", "source", "date", "file", "line",
                 "passage", "sentence"]
CHECK_COLUMNS = ["group", "subject", "partner", "material", "metric", "time", "claim",
                 "doc_id", "text", "norm_value", "norm_unit", "verdict", "reason"]
DOCUMENT_COLUMNS = ["id", "title", "source", "date", "format", "file", "line", "position"]


def _id(entity: Optional[Dict[str, Any]]) -> Optional[str]:
    return entity["id"] if entity else None


def _period(p: Any) -> Optional[str]:
    """A period as text: ``2025``, ``2025-10``, or the JSON of other shapes."""
    if p is None:
        return None
    if isinstance(p, dict) and set(p) == {"year"}:
        return str(p["year"])
    return p if isinstance(p, str) else json.dumps(p, ensure_ascii=False, sort_keys=True)


def _claim_row(c: Dict[str, Any]) -> List[Any]:
    q = c["quantity"]
    norm = q.get("normalized") or {}
    o = c["origin"]
    subject = c.get("subject")
    return [c["id"], o["doc_id"], c["metric"], _id(subject),
            subject["kind"] if subject else None, _id(c.get("partner")),
            _id(c.get("material")), _period(c.get("period")), q["text"], q["value"], q["unit"],
            q.get("dimension"), q.get("qualifier"), norm.get("value"), norm.get("unit"),
            norm.get("note"), o["title"], o["source"], o.get("date"), o["file"], o["line"],
            o.get("passage"), o.get("sentence")]


class Store:
    """A news store: a folder holding ``news.sqlite3`` and the search index, created if it
    does not exist (the folder ``lodestone news --store DIR`` uses).

    >>> store = Store("news-store")
    >>> store.ingest(["reports/"])["total"]
    >>> store.search("rare earth", since="2025-10").head()
    """

    def __init__(self, path: PathLike):
        self._raw = _lo.NewsStore(os.fspath(path))

    @property
    def path(self) -> str:
        """The store folder."""
        return os.fspath(self._raw.path)

    def __len__(self) -> int:
        return self._raw.count()

    def __repr__(self) -> str:
        return f"lodestone.news.Store({self.path!r})"

    def ingest(self, paths: Union[PathLike, Sequence[PathLike]],
               format: Optional[str] = None) -> Dict[str, Any]:
        """Read files and folders (a folder: its ``.txt``, ``.md``, ``.html``, ``.jsonl``
        … files) into the store, as ``lodestone news ingest``. All or nothing: a malformed
        file raises :class:`~lodestone.ValidationError` at ``FILE:LINE`` and stores nothing.
        A document already stored (same content) is not stored again.

        ``format``: ``"seed"`` (a search page), ``"text"``, ``"markdown"``, ``"html"`` or
        ``"jsonl"`` instead of detecting it. Returns the report as a dict: ``added`` and
        ``duplicates`` (documents: id, title, source, date, provenance) and ``total``.

        >>> Store("news-store").ingest("seed_page.txt")["total"]
        """
        if isinstance(paths, (str, bytes, os.PathLike)):
            paths = [paths]
        return json.loads(self._raw.ingest([os.fspath(p) for p in paths], format))

    def documents(self) -> pd.DataFrame:
        """The stored documents, newest first (``lodestone news list``): id, title, source,
        date, format, file, line, position."""
        docs = json.loads(self._raw.documents())
        rows = [[d["id"], d["title"], d["source"], d.get("date"), d.get("format"),
                 d["provenance"]["file"], d["provenance"]["line"],
                 d["provenance"]["position"]] for d in docs]
        return pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)

    def search(self, query: str, since: Optional[str] = None, source: Optional[str] = None,
               limit: int = 10) -> pd.DataFrame:
        """Full-text search in Chinese (jieba words) and English, ranked (BM25), as
        ``lodestone news search``: one row per hit, best first — id, score, title, source,
        date, snippet. ``since``: only documents dated on or after ``YYYY-MM[-DD]``;
        ``source``: only documents whose source contains these words; ``"…"`` in the query
        for a phrase. ``df.attrs["hits"]`` holds the hits as the CLI's ``--json`` (with the
        highlighted ranges).

        >>> store.search("稀土产业")[["title", "score"]]
        """
        hits = json.loads(self._raw.search(query, since, source, int(limit)))
        df = pd.DataFrame([[h.get(c) for c in HIT_COLUMNS] for h in hits], columns=HIT_COLUMNS)
        df.attrs["hits"] = hits
        return df

    def claims(self, doc: Optional[str] = None) -> pd.DataFrame:
        """The quantitative claims of every stored document (or of ``doc``, an id or id
        prefix), as ``lodestone news claims``: one row per claim — id, doc_id, metric,
        subject (entity id), subject_kind, partner, material, period; the quantity as
        written (text, value, unit, dimension, qualifier) and normalised (``norm_value``,
        ``norm_unit``: fraction ``share``, ``t``, ``USD``, ``months``; ``norm_note`` the
        rate used); then provenance (title, source, date, file, line, passage, sentence).
        ``df.attrs["claims"]`` holds the claims as the CLI's ``--json``.

        >>> c = store.claims()
        >>> c[c.metric == "investment"][["subject", "text", "norm_value", "norm_unit"]]
        """
        claims = json.loads(self._raw.claims(doc))
        df = pd.DataFrame([_claim_row(c) for c in claims], columns=CLAIM_COLUMNS)
        df.attrs["claims"] = claims
        return df

    def check(self) -> pd.DataFrame:
        """Claims side by side (``lodestone news check``): grouped by subject, partner,
        material, metric and time; one row per claim with its verdict against the datasets
        (``supported``, ``contradicted``, ``unverifiable``) and the reason.
        ``df.attrs["report"]`` holds the whole report as the CLI's ``--json`` (summary
        counts, conflicts between documents, evidence, tolerances).

        >>> chk = store.check()
        >>> chk.attrs["report"]["summary"]
        >>> chk[chk.verdict == "contradicted"]
        """
        report = json.loads(self._raw.check())
        rows = []
        for k, g in enumerate(report["groups"]):
            key = g["key"]
            for entry in g["claims"]:
                c = entry["claim"]
                norm = c["quantity"].get("normalized") or {}
                rows.append([k, _id(key.get("subject")), _id(key.get("partner")),
                             _id(key.get("material")), key.get("metric"), key.get("time"),
                             c["id"], c["origin"]["doc_id"], c["quantity"]["text"],
                             norm.get("value"), norm.get("unit"), entry.get("verdict"),
                             entry.get("reason")])
        df = pd.DataFrame(rows, columns=CHECK_COLUMNS)
        df.attrs["report"] = report
        return df

    def proposals(self) -> Dict[str, Any]:
        """Scenario event proposals as ``lodestone news propose --json``: ``proposals``
        (kind, fields, the claims they come from, provenance), ``skipped`` (claims not
        proposed, with the reason) and ``toml`` (the text :meth:`propose` returns)."""
        return json.loads(self._raw.propose())

    def propose(self, out: Optional[PathLike] = None) -> str:
        """Scenario ``[[events]]`` proposed from announced projects and policies, as TOML
        with provenance comments (``lodestone news propose``). Nothing is applied: review
        them, then add them to a scenario. With ``out``, also writes the TOML to that file,
        which must not exist yet.

        >>> print(store.propose())
        """
        text = self.proposals()["toml"]
        if out is not None:
            with open(os.fspath(out), "x", encoding="utf-8") as f:
                f.write(text)
        return text
