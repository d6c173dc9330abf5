"""Near repeats: pairs of classes whose texts differ by a few characters.

A pair is a *candidate* when the two classes share at least one LSH band key
(``signatures.BANDS`` bands of ``ROWS`` MinHash rows: a pair at Jaccard 0.6
becomes a candidate with probability 1 - (1 - 0.6^3)^21 = 0.994, 0.94 at 0.5).
Every candidate pair is considered — no cap on bucket sizes — so the pairs
found depend only on the two texts, never on what else is in the index or in
which order it came: an index built by adds, replacements and deletes finds
exactly the pairs a full build finds.  A candidate whose MinHash estimate is
below ``NEAR_THRESHOLD - ESTIMATE_MARGIN`` (3.3 standard deviations) is
dropped; the rest are verified by the exact Jaccard similarity of their
shingle-hash sets and accepted at ``NEAR_THRESHOLD`` (0.6).

Why 0.6: each isolated changed character breaks 4 shingles on each side, so 0.6
allows about one changed character in 16.  Measured: a two-character word
replaced in a 43-character paragraph 0.78, in a 97-character one 0.90;
【綜合報道】 in front of a 15-character line 0.80; three names transliterated
differently in a 97-character paragraph 0.75.  On the Taiwan laws corpus, pairs
at 0.6-0.7 are almost all the same provision with another body name, article
number or date; below 0.5 they drift into provisions that merely share a formula.

Edges are computed when a class first becomes live (against every live class)
and stored with the segment that brought it; see ``groups`` for how they are read.
"""
from __future__ import annotations

import numpy as np

from ..arrays import unique
from .signatures import ClassTable, MIN_CHARS

NEAR_THRESHOLD = 0.6
ESTIMATE_MARGIN = 0.2
_PAIR_CHUNK = 1 << 18
_ELEMENT_CHUNK = 1 << 23


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, index): every index in [lo[k], hi[k]) with its k."""
    counts = (hi - lo).astype(np.int64)
    total = int(counts.sum())
    if not total:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    owner = np.repeat(np.arange(len(lo), dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    idx = np.arange(total, dtype=np.int64) - np.repeat(first, counts) + np.repeat(lo.astype(np.int64), counts)
    return owner, idx


def candidate_pairs(new: ClassTable, rows: np.ndarray, pool: ClassTable,
                    pool_ok: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(row in ``new``, row in ``pool``) of every distinct pair sharing a band key, for
    the given rows of ``new``; ``pool_ok`` masks pool rows that may be paired."""
    if not len(rows) or not len(pool.band_key):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    want = np.zeros(len(new), bool)
    want[rows] = True
    sel = np.flatnonzero(want[new.band_row])
    q, qrow = new.band_key[sel], new.band_row[sel].astype(np.int64)
    lo = np.searchsorted(pool.band_key, q, "left")
    hi = np.searchsorted(pool.band_key, q, "right")
    owner, idx = expand_ranges(lo, hi)
    a, b = qrow[owner], pool.band_row[idx].astype(np.int64)
    keep = new.hash[a] != pool.hash[b]
    if pool_ok is not None:
        keep &= pool_ok[b]
    a, b = a[keep], b[keep]
    if not len(a):
        return a, b
    code = unique(a * len(pool) + b)
    return code // len(pool), code % len(pool)


def verified(new: ClassTable, a: np.ndarray, pool: ClassTable, b: np.ndarray):
    """The candidate pairs that pass the estimate and the exact check: (a, b, similarity)."""
    keep_a, keep_b, sims = [], [], []
    for lo in range(0, len(a), _PAIR_CHUNK):
        pa, pb = a[lo:lo + _PAIR_CHUNK], b[lo:lo + _PAIR_CHUNK]
        est = (np.asarray(new.sig)[pa] == np.asarray(pool.sig)[pb]).mean(axis=1)
        ok = est >= NEAR_THRESHOLD - ESTIMATE_MARGIN
        pa, pb = pa[ok], pb[ok]
        if not len(pa):
            continue
        j = pair_jaccard(new.shingles, pa, pool.shingles, pb)
        ok = j >= NEAR_THRESHOLD
        keep_a.append(pa[ok])
        keep_b.append(pb[ok])
        sims.append(j[ok].astype(np.float32))
    if not keep_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(keep_a), np.concatenate(keep_b), np.concatenate(sims)


def pair_jaccard(A, ai: np.ndarray, B, bj: np.ndarray) -> np.ndarray:
    """Exact Jaccard similarity of the sets A.row(ai[k]) and B.row(bj[k]) (sorted,
    distinct uint32 values), vectorised in chunks."""
    aoff, boff = np.asarray(A.off), np.asarray(B.off)
    la = (aoff[ai + 1] - aoff[ai]).astype(np.int64)
    lb = (boff[bj + 1] - boff[bj]).astype(np.int64)
    out = np.zeros(len(ai), np.float64)
    k = 0
    while k < len(ai):
        end, size = k, 0
        while end < len(ai) and (size < _ELEMENT_CHUNK or end == k):
            size += int(la[end] + lb[end])
            end += 1
        sl = slice(k, end)
        n = end - k
        ea = _gather(A.data, aoff[ai[sl]], la[sl])
        eb = _gather(B.data, boff[bj[sl]], lb[sl])
        owner = np.concatenate([np.repeat(np.arange(n, dtype=np.uint64), la[sl]),
                                np.repeat(np.arange(n, dtype=np.uint64), lb[sl])])
        keys = (owner << np.uint64(32)) | np.concatenate([ea, eb]).astype(np.uint64)
        keys.sort()
        dup = np.flatnonzero(keys[1:] == keys[:-1])
        inter = np.bincount((keys[dup] >> np.uint64(32)).astype(np.int64), minlength=n)
        union = la[sl] + lb[sl] - inter
        out[sl] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        k = end
    return out


def _gather(data, starts, lens) -> np.ndarray:
    total = int(lens.sum())
    if not total:
        return np.zeros(0, np.uint32)
    first = np.cumsum(lens) - lens
    idx = np.arange(total, dtype=np.int64) - np.repeat(first, lens) + np.repeat(starts.astype(np.int64), lens)
    return np.asarray(data)[idx]


def unit_rows(table: ClassTable) -> np.ndarray:
    return np.flatnonzero(np.asarray(table.length) >= MIN_CHARS)


def edges_within(table: ClassTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Near edges among the classes of one table: (hash a, hash b, similarity), a < b."""
    a, b = candidate_pairs(table, unit_rows(table), table)
    keep = a < b
    a, b, s = verified(table, a[keep], table, b[keep])
    return _canonical(table.hash[a], table.hash[b], s)


def edges_between(new: ClassTable, rows: np.ndarray, pool: ClassTable, pool_ok: np.ndarray):
    """Near edges between the given rows of ``new`` and the rows of ``pool`` allowed by
    ``pool_ok``: (hash a, hash b, similarity), a < b."""
    a, b = candidate_pairs(new, rows, pool, pool_ok)
    a, b, s = verified(new, a, pool, b)
    return _canonical(new.hash[a], pool.hash[b], s)


def _canonical(ha, hb, s):
    lo, hi = np.minimum(ha, hb), np.maximum(ha, hb)
    return lo.astype(np.uint64), hi.astype(np.uint64), s.astype(np.float32)


def dedupe_edges(a, b, s):
    """One row per (a, b), sorted."""
    if not len(a):
        return a, b, s
    order = np.lexsort((b, a))
    a, b, s = a[order], b[order], s[order]
    keep = np.ones(len(a), bool)
    keep[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[keep], b[keep], s[keep]
