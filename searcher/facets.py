"""Facets of a result set: matching articles counted by outlet, by date, by spelling.

Pure functions over arrays, so that they do not depend on how the engine stores
them: outlets and dates of the matching articles, and for spellings the
per-paragraph arrays of the posting layer:

- ``docs``: the matching paragraphs (document numbers, any order),
- ``doc_article``: article ordinal of each document,
- ``doc_date``: YYYYMMDD of each document's article (0 = undated),
- ``doc_source``: outlet ordinal of each document's article, names in
  ``source_names`` (ordinal 0 is "no outlet").

Counts are of matching *articles*, not paragraphs.  Keys: outlets by name; dates
``YYYY-MM`` when the dated matches span more than ``DAY_SPAN_DAYS`` days, else
``YYYY-MM-DD``, the buckets with matches only (an archive's decades of mostly empty
months would be most of a response); ``with_gaps`` puts the empty ones back for a
histogram with a true time axis.
"""
from __future__ import annotations

import datetime as _dt
import functools

import numpy as np

DAY_SPAN_DAYS = 62  # up to about two months: one bar a day; longer: one a month
MAX_BUCKETS = 2400  # 200 years of months (an archive from 1900 on keeps its newest months)


def articles_of(arts: np.ndarray) -> np.ndarray:
    """The distinct article ordinals (sorted) of the matching paragraphs' ``arts``."""
    if not len(arts):
        return np.zeros(0, np.int64)
    seen = np.zeros(int(arts.max()) + 1, bool)
    seen[arts] = True
    return np.flatnonzero(seen)


def first_docs(docs: np.ndarray, doc_article: np.ndarray) -> np.ndarray:
    """One document per matching article (for reading per-article values), in article
    order; linear in the matches (no sort)."""
    if not len(docs):
        return docs
    arts = doc_article[docs]
    first = np.full(int(arts.max()) + 1, -1, np.int64)
    first[arts[::-1]] = docs[::-1]  # the last write wins: each article's first document
    return first[first >= 0]


def source_counts(outlets: np.ndarray, source_names) -> list[dict]:
    """[{"key": outlet, "count": articles}] most first (then by name), no-outlet left out;
    ``outlets``: the outlet ordinal of each matching article."""
    counts = np.bincount(outlets, minlength=len(source_names)) if len(outlets) else []
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


@functools.lru_cache(maxsize=256)
def bucket_keys(lo: int, hi: int, unit: str) -> list[str]:
    """Every bucket key from YYYYMMDD ``lo`` to ``hi`` inclusive (callers must not change it)."""
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


def _bucket_index(dates: np.ndarray, lo: int, unit: str) -> np.ndarray:
    """Index of each YYYYMMDD date (all > 0) among the buckets from ``lo`` (vectorised)."""
    y, m, d = dates // 10000, dates // 100 % 100, dates % 100
    if unit == "day":
        day = ((y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)).astype("datetime64[D]") + (d - 1)
        ly, lm, ld = lo // 10000, lo // 100 % 100, lo % 100
        first = (np.datetime64(f"{ly:04d}-{lm:02d}", "M").astype("datetime64[D]") + (ld - 1))
        return (day - first).astype(np.int64)
    return (y * 12 + m - 1) - ((lo // 10000) * 12 + lo // 100 % 100 - 1)


def _bucket_count(lo: int, hi: int, unit: str) -> int:
    """How many buckets ``bucket_keys(lo, hi, unit)`` lists, without listing them."""
    if unit == "day":
        n = (_day(hi) - _day(lo)).days + 1
    else:
        n = (hi // 10000 * 12 + hi // 100 % 100) - (lo // 10000 * 12 + lo // 100 % 100) + 1
    return max(0, min(n, MAX_BUCKETS))


def _key_at(lo: int, i: int, unit: str) -> str:
    """``bucket_keys(lo, ...)[i]``."""
    if unit == "day":
        return (_day(lo) + _dt.timedelta(days=i)).isoformat()
    y, m = divmod(lo // 10000 * 12 + lo // 100 % 100 - 1 + i, 12)
    return f"{y:04d}-{m + 1:02d}"


def _counts_by_bucket(dates: np.ndarray, lo: int, hi: int, unit: str) -> list[tuple[str, int]]:
    """(bucket key, count) of the buckets from ``lo`` to ``hi`` that hold dates, oldest first
    (the keys of the others are never written: decades of months are a thousand strings)."""
    n = _bucket_count(lo, hi, unit)
    idx = _bucket_index(dates, lo, unit)
    counts = np.bincount(idx[(idx >= 0) & (idx < n)], minlength=n)
    filled = np.flatnonzero(counts)
    return [(_key_at(lo, i, unit), c) for i, c in zip(filled.tolist(), counts[filled].tolist())]


def date_counts(dates: np.ndarray, unit: str | None = None) -> tuple[str, list[dict], int]:
    """(unit, [{"key", "count"}] oldest first, undated articles); ``dates``: the YYYYMMDD
    of each matching article (0: none)."""
    dates = np.asarray(dates, np.int64)
    undated = int((dates <= 0).sum())
    dated = dates[dates > 0]
    unit = unit or granularity(dated)
    if not len(dated):
        return unit, [], undated
    return unit, [{"key": k, "count": c} for k, c in _counts_by_bucket(dated, int(dated.min()), int(dated.max()),
                                                                        unit)], undated


def with_gaps(buckets: list[dict], unit: str) -> list[dict]:
    """``date_counts``' buckets with the empty ones between them put back (count 0), for a
    histogram with a true time axis."""
    if not buckets:
        return []
    def number(key):  # YYYYMMDD of a bucket's first day
        return int(key.replace("-", "") + ("" if unit == "day" else "01"))

    counts = {b["key"]: b["count"] for b in buckets}
    return [{"key": k, "count": counts.get(k, 0)}
            for k in bucket_keys(number(buckets[0]["key"]), number(buckets[-1]["key"]), unit)]


def spelling_counts(docs, spelling_docs: list[tuple[str, np.ndarray]], doc_article, doc_source,
                    source_names, doc_date=None, unit: str = "month") -> list[dict]:
    """For each spelling, the matching articles in which it occurs (in a matching paragraph):
    [{"key", "count", "by_source": {outlet: count}, "by_date": {bucket: count},
    "span_by_source": {outlet: [first day, last day]}}] in the
    order given.  ``spelling_docs``: (spelling, documents containing it).  Linear in the
    matches: no sorting, no Python loop over articles."""
    out = []
    matching = np.zeros(len(doc_article), bool)
    matching[docs] = True
    for spelling, sdocs in spelling_docs:
        sdocs = np.asarray(sdocs, np.int64)
        mine = sdocs[matching[sdocs]] if len(sdocs) else sdocs
        one = first_docs(mine, doc_article)
        src = doc_source[one] if len(one) else np.zeros(0, np.int32)
        counts = np.bincount(src, minlength=len(source_names)) if len(one) else np.zeros(len(source_names), int)
        by_source = {source_names[i]: int(c) for i, c in enumerate(counts) if c and source_names[i]}
        entry = {"key": spelling, "count": int(len(one)), "by_source": by_source}
        if doc_date is not None:
            dates = doc_date[one].astype(np.int64) if len(one) else np.zeros(0, np.int64)
            dated = dates > 0
            by_date: dict[str, int] = {}
            span: dict[str, list[str]] = {}  # outlet -> [first, last] date it used this spelling
            if dated.any():
                d = dates[dated]
                by_date = dict(_counts_by_bucket(d, int(d.min()), int(d.max()), unit))
                s = src[dated]
                lo = np.full(len(source_names), np.iinfo(np.int64).max)
                hi = np.zeros(len(source_names), np.int64)
                np.minimum.at(lo, s, d)
                np.maximum.at(hi, s, d)
                for i in np.flatnonzero(hi).tolist():
                    if source_names[i]:
                        span[source_names[i]] = [key_of(int(lo[i]), "day"), key_of(int(hi[i]), "day")]
            entry["by_date"] = by_date
            entry["span_by_source"] = span
        out.append(entry)
    return out


def first_use(entry: dict) -> str | None:
    """The earliest bucket in which a spelling occurs (for "when an outlet switched")."""
    keys = sorted(entry.get("by_date") or {})
    return keys[0] if keys else None
