"""Repeat signatures of a batch of paragraphs, computed once when they are indexed.

Every paragraph gets its *class*: a 64-bit hash of its normalised text
(``normal.normalise``), so exact copies share a class.  Every distinct class of
at least ``MIN_CHARS`` characters also gets what near and partial repeats are
found with, stored beside the segment and never recomputed:

* a MinHash signature (``NUM_PERM`` permutations of 32-bit hashes of character
  ``SHINGLE``-grams) and its LSH band keys (``BANDS`` bands of ``ROWS`` rows);
* its sorted, distinct shingle hashes (the exact Jaccard check);
* the 64-bit hashes and lengths of its sentences (partial repeats).

See ``near`` for how pairs are found and ``groups`` for what is shown.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.store import Ragged, hash64, load_array, save_arrays
from . import normal

SHINGLE = 4
NUM_PERM = 64
BANDS, ROWS = 21, 3
MIN_CHARS = 8  # shorter paragraphs are only ever exact repeats
PARTIAL_MIN_SENTENCE = 8
_CHUNK_CHARS = 1 << 21  # shingles are hashed ~2M characters at a time
_SEED = 20240611


@dataclass
class ClassTable:
    """The distinct classes of a batch (rows sorted by hash) and their signatures."""

    hash: np.ndarray  # uint64, sorted
    length: np.ndarray  # int32: normalised characters
    sig: np.ndarray  # (rows, NUM_PERM) uint32; zeros for classes shorter than MIN_CHARS
    band_key: np.ndarray  # uint64, sorted: every band key of every class of >= MIN_CHARS
    band_row: np.ndarray  # int32: the class row of each band key
    shingles: Ragged  # uint32 sorted distinct shingle hashes per row
    sents: Ragged  # uint64 sentence hashes per row (sorted)
    sent_len: Ragged  # int32 their lengths (same offsets)
    sent_key: np.ndarray  # uint64 sorted: every (sentence) of every row
    sent_row: np.ndarray  # int32: its row

    def __len__(self):
        return len(self.hash)

    def row_of(self, hashes: np.ndarray) -> np.ndarray:
        """Rows of the given class hashes (-1 where absent)."""
        if not len(self.hash):
            return np.full(len(hashes), -1, np.int64)
        i = np.minimum(np.searchsorted(self.hash, hashes), len(self.hash) - 1)
        return np.where(self.hash[i] == hashes, i, -1)

    NAMES = ("hash", "length", "sig", "band_key", "band_row", "sent_key", "sent_row")

    def save(self, folder: str, prefix: str = "cls") -> None:
        save_arrays(folder, {f"{prefix}.{n}": getattr(self, n) for n in self.NAMES})
        self.shingles.save(folder, f"{prefix}.shingles")
        self.sents.save(folder, f"{prefix}.sents")
        self.sent_len.save(folder, f"{prefix}.sent_len")

    @classmethod
    def load(cls, folder: str, prefix: str = "cls") -> "ClassTable":
        arrays = {n: load_array(folder, f"{prefix}.{n}") for n in cls.NAMES}
        return cls(shingles=Ragged.load(folder, f"{prefix}.shingles"), sents=Ragged.load(folder, f"{prefix}.sents"),
                   sent_len=Ragged.load(folder, f"{prefix}.sent_len"), **arrays)


def paragraph_classes(texts) -> tuple[np.ndarray, np.ndarray, dict]:
    """(class hash per paragraph, normalised length per paragraph, {hash: marked text}
    of the first paragraph of each class).  An empty normalised text has class 0."""
    hashes = np.zeros(len(texts), np.uint64)
    lengths = np.zeros(len(texts), np.int32)
    first: dict[int, str] = {}
    for i, t in enumerate(texts):
        m = normal.marked(t)
        norm = normal.strip_terminators(m)
        if not norm:
            continue
        h = hash64(norm) or 1
        hashes[i] = h
        lengths[i] = len(norm)
        if h not in first:
            first[h] = m
    return hashes, lengths, first


def class_table(first: dict) -> ClassTable:
    """Signatures of the classes ``{hash: marked text}``."""
    hs = np.array(sorted(first), np.uint64)
    marks = [first[int(h)] for h in hs]
    norms = [normal.strip_terminators(m) for m in marks]
    length = np.fromiter((len(n) for n in norms), np.int32, len(norms))
    unit = np.flatnonzero(length >= MIN_CHARS)
    sig = np.zeros((len(hs), NUM_PERM), np.uint32)
    shingle_rows = [np.zeros(0, np.uint32)] * len(hs)
    if len(unit):
        texts = [norms[i] for i in unit]
        hashes, starts = _shingle_hashes(texts)
        sig[unit] = _minhash(hashes, starts, len(texts))
        ends = np.append(starts[1:], len(hashes))
        for k, i in enumerate(unit.tolist()):
            shingle_rows[i] = np.unique(hashes[starts[k]:ends[k]])
    bkeys = band_keys(sig[unit]) if len(unit) else np.zeros((0, BANDS), np.uint64)
    band_key = bkeys.ravel()
    band_row = np.repeat(unit.astype(np.int32), BANDS)
    order = np.argsort(band_key, kind="stable")
    sent_rows, len_rows = [], []
    for i, m in enumerate(marks):
        ss = normal.sentences(m, PARTIAL_MIN_SENTENCE) if length[i] >= MIN_CHARS else []
        pairs = sorted((hash64(s), len(s)) for s in ss)
        sent_rows.append([p[0] for p in pairs])
        len_rows.append([p[1] for p in pairs])
    sents = Ragged.from_rows(sent_rows, np.uint64)
    sent_len = Ragged.from_rows(len_rows, np.int32)
    srow = np.repeat(np.arange(len(hs), dtype=np.int32), np.diff(sents.off))
    sorder = np.argsort(sents.data, kind="stable")
    return ClassTable(hs, length, sig, band_key[order], band_row[order], Ragged.from_rows(shingle_rows, np.uint32),
                      sents, sent_len, sents.data[sorder], srow[sorder])


def band_keys(sig: np.ndarray) -> np.ndarray:
    """(rows, BANDS) uint64: each band's rows hashed together with the band number."""
    out = np.zeros((sig.shape[0], BANDS), np.uint64)
    for band in range(BANDS):
        key = np.full(sig.shape[0], ((band + 1) * 0x9E3779B97F4A7C15) % (1 << 64), np.uint64)
        for col in sig[:, band * ROWS:(band + 1) * ROWS].T:
            key ^= col.astype(np.uint64)
            key *= np.uint64(0x9E3779B97F4A7C15)
            key ^= key >> np.uint64(29)
        out[:, band] = key
    return out


def _shingle_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of all character SHINGLE-grams of ``texts`` (each at least SHINGLE
    characters long) concatenated, and the offset where each text's hashes start."""
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lens)
    count = codes.size - SHINGLE + 1
    h = np.zeros(count, dtype=np.uint64)
    for j in range(SHINGLE):  # FNV-style combine, then a splitmix64 finaliser
        h ^= codes[j: j + count]
        h *= np.uint64(0x100000001B3)
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    keep = np.ones(count, dtype=bool)
    straddle = (ends[:, None] - np.arange(1, SHINGLE)[None, :]).ravel()  # windows crossing a text end
    keep[straddle[straddle < count]] = False
    starts = ends - lens - (SHINGLE - 1) * np.arange(len(texts))
    return (h[keep] >> np.uint64(32)).astype(np.uint32), starts


def _permutations():
    rng = np.random.default_rng(_SEED)
    mul = (rng.integers(0, 1 << 32, NUM_PERM, dtype=np.uint64) | np.uint64(1)).astype(np.uint32)
    add = rng.integers(0, 1 << 32, NUM_PERM, dtype=np.uint64).astype(np.uint32)
    return mul, add


def _minhash(hashes: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    mul, add = _permutations()
    sig = np.empty((n, NUM_PERM), dtype=np.uint32)
    ends = np.append(starts[1:], len(hashes))
    lo = 0
    while lo < n:  # ~2M shingles at a time
        hi = lo + 1
        while hi < n and ends[hi] - starts[lo] < _CHUNK_CHARS:
            hi += 1
        part = hashes[starts[lo]:ends[hi - 1]]
        local = starts[lo:hi] - starts[lo]
        tmp = np.empty_like(part)
        for k in range(NUM_PERM):
            np.multiply(part, mul[k], out=tmp)
            tmp += add[k]
            sig[lo:hi, k] = np.minimum.reduceat(tmp, local)
        lo = hi
    return sig
