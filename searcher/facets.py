"""Facets of a result set: matching articles counted by outlet, by date, by spelling.

Pure functions over the per-paragraph arrays of the posting layer, so that they
do not depend on how the engine stores them:

- ``docs``: the matching paragraphs (document numbers, any order),
- ``doc_article``: article ordinal of each document,
- ``doc_date``: YYYYMMDD of each document's article (0 = undated),
- ``doc_source``: outlet ordinal of each document's article, names in
  ``source_names`` (ordinal 0 is "no outlet").

Counts are of matching *articles*, not paragraphs.  Keys: outlets by name; dates
``YYYY-MM`` when the dated matches span more than ``DAY_SPAN_DAYS`` days, else
``YYYY-MM-DD`` (every bucket from the first to the last, empty ones with 0, so
the histogram has a true time axis).
"""
from __future__ import annotations

import datetime as _dt

import numpy as np

DAY_SPAN_DAYS = 62  # up to about two months: one bar a day; longer: one a month
MAX_BUCKETS = 600  # 50 years of months


def articles_of(docs: np.ndarray, doc_article: np.ndarray) -> np.ndarray:
    """Distinct article ordinals of ``docs`` (sorted)."""
    return np.unique(doc_article[docs]) if len(docs) else np.zeros(0, np.int64)


def first_docs(docs: np.ndarray, doc_article: np.ndarray) -> np.ndarray:
    """One document per matching article (for reading per-article values)."""
    if not len(docs):
        return docs
    _, first = np.unique(doc_article[docs], return_index=True)
    return docs[first]


def source_counts(docs, doc_article, doc_source, source_names) -> list[dict]:
    """[{"key": outlet, "count": articles}] most first (then by name); no-outlet left out."""
    one = first_docs(docs, doc_article)
    counts = np.bincount(doc_source[one], minlength=len(source_names)) if len(one) else []
    out = [{"key": source_names[i], "count": int(c)} for i, c in enumerate(counts) if c and source_names[i]]
    out.sort(key=lambda x: (-x["count"], x["key"]))
    return out


def granularity(dates: np.ndarray) -> str:
    """"day" or "month" for a set of YYYYMMDD numbers (0s ignored)."""
    dated = dates[dates > 0]
    if not len(dated):
        return "month"
    lo, hi = _day(int(dated.min())), _day(int(dated.max()))
    return "day" if (hi - lo).days <= DAY_SPAN_DAYS else "month"


def _day(n: int) -> _dt.date:
    return _dt.date(n // 10000, n // 100 % 100, n % 100)


def bucket_keys(lo: int, hi: int, unit: str) -> list[str]:
    """Every bucket key from YYYYMMDD ``lo`` to ``hi`` inclusive."""
    out = []
    if unit == "day":
        d, end = _day(lo), _day(hi)
        while d <= end and len(out) < MAX_BUCKETS:
            out.append(d.isoformat())
            d += _dt.timedelta(days=1)
        return out
    y, m = lo // 10000, lo // 100 % 100
    while (y, m) <= (hi // 10000, hi // 100 % 100) and len(out) < MAX_BUCKETS:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def key_of(n: int, unit: str) -> str:
    s = f"{n:08d}"
    return f"{s[:4]}-{s[4:6]}-{s[6:]}" if unit == "day" else f"{s[:4]}-{s[4:6]}"


def date_counts(docs, doc_article, doc_date, unit: str | None = None) -> tuple[str, list[dict], int]:
    """(unit, [{"key", "count"}] oldest first, undated articles) of the matching articles."""
    one = first_docs(docs, doc_article)
    dates = doc_date[one].astype(np.int64) if len(one) else np.zeros(0, np.int64)
    undated = int((dates <= 0).sum())
    dated = dates[dates > 0]
    unit = unit or granularity(dated)
    if not len(dated):
        return unit, [], undated
    keys = bucket_keys(int(dated.min()), int(dated.max()), unit)
    counts = dict.fromkeys(keys, 0)
    for n, c in zip(*np.unique(dated, return_counts=True)):
        k = key_of(int(n), unit)
        if k in counts:
            counts[k] += int(c)
    return unit, [{"key": k, "count": c} for k, c in counts.items()], undated


def spelling_counts(docs, spelling_docs: list[tuple[str, np.ndarray]], doc_article, doc_source,
                    source_names, doc_date=None, unit: str = "month") -> list[dict]:
    """For each spelling, the matching articles in which it occurs (in a matching paragraph):
    [{"key", "count", "by_source": {outlet: count}, "by_date": {bucket: count},
    "span_by_source": {outlet: [first day, last day]}}] in the
    order given.  ``spelling_docs``: (spelling, documents containing it)."""
    out = []
    for spelling, sdocs in spelling_docs:
        mine = np.intersect1d(docs, sdocs) if len(docs) and len(sdocs) else np.zeros(0, np.int64)
        one = first_docs(mine, doc_article)
        by_source: dict[str, int] = {}
        for i, c in zip(*np.unique(doc_source[one], return_counts=True)) if len(one) else ():
            name = source_names[int(i)]
            if name:
                by_source[name] = int(c)
        entry = {"key": spelling, "count": int(len(one)), "by_source": by_source}
        if doc_date is not None:
            by_date: dict[str, int] = {}
            for n in doc_date[one].tolist():
                if n > 0:
                    k = key_of(int(n), unit)
                    by_date[k] = by_date.get(k, 0) + 1
            entry["by_date"] = dict(sorted(by_date.items()))
            span: dict[str, list[str]] = {}  # outlet -> [first, last] date it used this spelling
            for i, n in zip(doc_source[one].tolist(), doc_date[one].tolist()):
                if n > 0 and source_names[i]:
                    d = key_of(int(n), "day")
                    lo_hi = span.setdefault(source_names[i], [d, d])
                    lo_hi[0], lo_hi[1] = min(lo_hi[0], d), max(lo_hi[1], d)
            entry["span_by_source"] = span
        out.append(entry)
    return out


def first_use(entry: dict) -> str | None:
    """The earliest bucket in which a spelling occurs (for "when an outlet switched")."""
    keys = sorted(entry.get("by_date") or {})
    return keys[0] if keys else None
