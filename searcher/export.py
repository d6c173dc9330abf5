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

from .search import prepare

MAX_ROWS = 5000
COLUMNS = ("id", "title", "source", "date", "n", "text", "url")
FORMATS = ("csv", "jsonl")
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl"}


def rows(reader, params, limit: int | None = None) -> tuple[list[dict], int]:
    """(rows, number of matching paragraphs) of a search on an engine reader, at most
    ``limit`` (default ``MAX_ROWS``) rows."""
    limit = MAX_ROWS if limit is None else limit
    p = prepare(reader, params)
    refs, total = reader.export(p.compiled, p.filters, params.sort, limit)
    out = []
    for r in refs:
        f = reader.paragraph(r)
        out.append({"id": f.article, "title": f.title, "source": f.source or "", "date": f.date or "",
                    "n": f.n, "text": f.text, "url": f.url or ""})
    return out, total


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
