"""Export of a search: every matching passage as CSV or JSON lines.

One row per matching paragraph: ``id, title, source, date, n, text, url`` (the
article's id, title, outlet, date, the paragraph number, its plain text and the
original article's URL), articles in the order of the results (best first, or by
date), paragraphs in article order.  At most ``MAX_ROWS`` rows; the caller is
told the total so that a cut can be stated.
"""
from __future__ import annotations

import csv
import io
import json

import numpy as np

from .search import find

MAX_ROWS = 5000
COLUMNS = ("id", "title", "source", "date", "n", "text", "url")
FORMATS = ("csv", "jsonl")
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl"}


def order(docs: np.ndarray, scores: np.ndarray, doc_article: np.ndarray, doc_n: np.ndarray,
          doc_date: np.ndarray, sort: str = "relevance") -> np.ndarray:
    """``docs`` grouped by article, articles ranked as the results rank them (by best
    paragraph, or by date), paragraphs in reading order within an article."""
    if not len(docs):
        return docs
    arts = doc_article[docs]
    best = np.full(int(arts.max()) + 1, -np.inf)
    np.maximum.at(best, arts, scores)
    art_score = best[arts]
    if sort == "relevance":
        keys = (doc_n[docs], arts, -art_score)
    else:
        d = doc_date[docs].astype(np.int64)
        keys = (doc_n[docs], arts, -art_score, -d if sort == "date" else d)
    return docs[np.lexsort(keys)]


def rows(s, params, variants=None, limit: int | None = None) -> tuple[list[dict], int]:
    """(rows, number of matching paragraphs) of a search on ``s`` (a ``Searcher``), at
    most ``limit`` (default ``MAX_ROWS``) rows."""
    limit = MAX_ROWS if limit is None else limit
    m = find(s, params, variants, with_facets=False)
    p = s.postings
    ordered = order(m.docs, m.scores, p.doc_article, p.doc_n, p.doc_date, params.sort)
    out = []
    for d in ordered[:limit].tolist():
        f = s.stored_fields(int(d))
        out.append({"id": f.get("article"), "title": f.get("title", ""), "source": f.get("source") or "",
                    "date": f.get("date") or "", "n": int(f.get("n")), "text": f.get("text", ""),
                    "url": f.get("url") or ""})
    return out, int(len(m.docs))


def encode(rows: list[dict], fmt: str) -> tuple[str, str]:
    """(body, mimetype); CSV starts with a byte-order mark so that spreadsheets read UTF-8."""
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "application/x-ndjson"
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue(), "text/csv"
