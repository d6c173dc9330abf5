"""Evaluate a compiled query on a snapshot's posting arrays: which paragraphs match, and their scores.

Matching is exact and set-based, segment by segment (numpy arrays of sorted
document numbers, made global by adding each segment's base, deleted documents
dropped):

* a literal is a phrase of gram tokens at relative positions: start from the
  rarest token's positions and keep those where every other token sits at its
  offset (binary search in its sorted positions), then map positions to
  paragraphs; its spellings are unioned;
* AND intersects, OR unions, NOT subtracts.

Ranking is BM25 (``ranking``) summed over fields, each with its own length
normalisation, with statistics over the live documents only (so an index
changed by adds and deletes scores exactly as a fresh build of the same
articles): for ``op=and`` every positive literal counts as one term (its
occurrences, its document frequency) plus its jieba words; for ``op=or`` every
jieba word and bigram of the question is a term, and a word's other spellings
one more.  For ``op=or`` the best paragraphs are then re-scored: the article's
title as a second field of the bigram and character terms (BM25F, ``titles``),
and their best window of the question's characters (``proximity``).
"""
from __future__ import annotations

import numpy as np

from .engine.embedded.accel import title_key
from .postings import han_key, runs_of
from .query import AllOf, AnyOf, Compiled, Literal, Match, Ranked, Without
from .ranking import (B, K1, OR_MAX_DF, PROXIMITY_CANDIDATES, PROXIMITY_WEIGHT, PROXIMITY_WINDOW,
                      TITLE_CANDIDATES, TITLE_WEIGHT, UNIGRAM_WEIGHT, idf)

_EMPTY = np.zeros(0, np.int64)


class Evaluator:
    def __init__(self, snapshot):
        self.s = snapshot
        self.n = snapshot.nlive
        self._lits: dict[int, tuple] = {}
        self._grams: dict[str, tuple] = {}
        self._df: dict[str, int] = {}
        self._arrays: dict = {}

    # ------------------------------------------------------------ postings
    def _gram_parts(self, term: str):
        """Per segment: (view, first posting, end, term row) of a gram term."""
        hit = self._grams.get(term)
        if hit is None:
            k = han_key(term)
            hit = []
            for v in self.s.segments:
                a, b, row = v.accel.gram_slice(term, k)
                if b > a:
                    hit.append((v, a, b, row))
            self._grams[term] = hit
        return hit

    def gram_docs(self, term: str):
        """(documents, frequency in each) of a gram term, live documents only."""
        docs, tfs = [], []
        for v, _, _, row in self._gram_parts(term):
            da, db = v.accel.gram_doc_slice(row)
            _global(v, v.accel.gram_ddoc[da:db], v.accel.gram_dtf[da:db], docs, tfs)
        return _cat(docs, tfs)

    def gram_df(self, term: str) -> int:
        df = self._df.get(term)
        if df is not None:
            return df
        df = 0
        for v, _, _, row in self._gram_parts(term):
            da, db = v.accel.gram_doc_slice(row)
            df += int(v.live[np.asarray(v.accel.gram_ddoc[da:db])].sum()) if v.deleted else db - da
        self._df[term] = df
        return df

    def _titles(self, v):
        """A segment's title postings and the article of each document, as plain arrays."""
        hit = self._arrays.get(("title", id(v)))
        if hit is None:
            a = v.accel
            hit = self._arrays[("title", id(v))] = (
                np.asarray(a.title_keys), np.asarray(a.title_offsets), np.asarray(a.title_art),
                np.asarray(a.title_tf), np.asarray(a.doc_art))
        return hit

    def word_docs(self, term: str):
        docs, tfs = [], []
        for v in self.s.segments:
            a, b = v.accel.word_slice(term)
            if b > a:
                _global(v, v.accel.word_doc[a:b], v.accel.word_tf[a:b], docs, tfs)
        return _cat(docs, tfs)

    # ------------------------------------------------------------ matching
    def chunk(self, chunk) -> tuple[np.ndarray, np.ndarray]:
        """(documents, occurrences) of one phrase: [(term, relative position), ...]."""
        parts = [(term, rel, {id(p[0]): p for p in self._gram_parts(term)}) for term, rel in chunk]
        if any(not p for _, _, p in parts):
            return _EMPTY, _EMPTY
        docs, counts = [], []
        for v in self.s.segments:
            arrays = []
            for term, rel, by_view in parts:
                hit = by_view.get(id(v))
                if hit is None:
                    break
                arrays.append((v.accel.gram_pos[hit[1]:hit[2]], rel, hit))
            else:
                d, c = self._phrase_in(v, arrays)
                if len(d):
                    docs.append(d)
                    counts.append(c)
        return _cat(docs, counts)

    def _phrase_in(self, v, arrays):
        arrays.sort(key=lambda x: len(x[0]))
        first, r0, hit0 = arrays[0]
        if len(arrays) == 1:
            da, db = v.accel.gram_doc_slice(hit0[3])
            d, c = np.asarray(v.accel.gram_ddoc[da:db]), np.asarray(v.accel.gram_dtf[da:db])
        else:
            cand = np.asarray(first, dtype=np.int64) - r0
            if r0:
                cand = cand[cand >= 0]
            for a, rel, _ in arrays[1:]:
                if not len(cand):
                    break
                target = (cand + rel).astype(a.dtype)
                i = np.searchsorted(a, target)
                np.minimum(i, len(a) - 1, out=i)
                cand = cand[a[i] == target]
            if not len(cand):
                return _EMPTY, _EMPTY
            d, c = runs_of(np.searchsorted(v.accel.first_pos, cand, side="right") - 1)
        if v.deleted:
            keep = v.live[d]
            d, c = d[keep], c[keep]
        return d.astype(np.int64) + v.base, c

    def literal(self, lit: Literal) -> tuple[np.ndarray, np.ndarray]:
        """(documents, occurrences) of a literal, any spelling."""
        key = id(lit)
        hit = self._lits.get(key)
        if hit is not None and hit[0] is lit:
            return hit[1]
        found = []
        for chunks in lit.sequences:
            docs, counts = self.chunk(chunks[0])
            for c in chunks[1:]:
                if not len(docs):
                    break
                d2, c2 = self.chunk(c)
                keep = np.isin(docs, d2, assume_unique=True)
                docs, counts = docs[keep], np.minimum(counts[keep], c2[np.isin(d2, docs, assume_unique=True)])
            if len(docs):
                found.append((docs, counts))
        out = _sum_by_doc(found)
        self._lits[key] = (lit, out)
        return out

    def all_docs(self) -> np.ndarray:
        return np.flatnonzero(self.s.live)

    def docs(self, plan) -> np.ndarray:
        """Sorted document numbers matching a boolean plan."""
        if isinstance(plan, Match):
            return self.literal(plan.literal)[0]
        if isinstance(plan, AllOf):
            pos = [self.docs(k) for k in plan.children if not isinstance(k, Without)]
            neg = [self.docs(k.child) for k in plan.children if isinstance(k, Without)]
            if pos:
                pos.sort(key=len)
                out = pos[0]
                for d in pos[1:]:
                    out = np.intersect1d(out, d, assume_unique=True)
            else:
                out = self.all_docs()
            for d in neg:
                out = np.setdiff1d(out, d, assume_unique=True)
            return out
        if isinstance(plan, AnyOf):
            out = _EMPTY
            for k in plan.children:
                out = np.union1d(out, self.docs(k))
            return out
        if isinstance(plan, Without):
            return np.setdiff1d(self.all_docs(), self.docs(plan.child), assume_unique=True)
        raise TypeError(f"not a plan node: {plan!r}")

    # ------------------------------------------------------------ scoring
    def _bm25(self, score, docs, tf, df, kind: str, weight=1.0):
        """Add BM25 of one term (documents, frequencies, document frequency); ``kind``: the
        lengths that normalise it ("uni", "gram" or "word", ``Snapshot.norm``)."""
        if not len(docs):
            return
        w = idf(df, self.n) * weight
        tf = np.asarray(tf, np.float32)
        norm = self.s.norm(kind)[docs]
        score[docs] += w * tf * (K1 + 1) / (tf + norm)

    def word(self, score, term, weight=1.0):
        docs, tf = self.word_docs(term)
        self._bm25(score, docs, tf, len(docs), "word", weight)

    def gram(self, score, term, weight=1.0, max_df=None):
        """Add a gram term's BM25 (unless it is in more than ``max_df`` paragraphs);
        returns its (documents, frequencies) where it was scored."""
        if max_df is not None and self.gram_df(term) > max_df:
            return _EMPTY, _EMPTY
        docs, tf = self.gram_docs(term)
        self._bm25(score, docs, tf, len(docs), "uni" if _unigram(term) else "gram", weight)
        return docs, tf

    def _lengths(self, term: str, title: bool = False):
        """The paragraph (or title) lengths and their average that normalise a gram term."""
        uni = _unigram(term)
        if title:
            return (self.s.title_uni_len, self.s.avg["title_uni"]) if uni else \
                (self.s.title_gram_len, self.s.avg["title_gram"])
        return (self.s.uni_len, self.s.avg["uni"]) if uni else (self.s.gram_len, self.s.avg["gram"])

    # ------------------------------------------------------------ titles
    def title_tf(self, term: str, cand: np.ndarray, parts=None) -> np.ndarray:
        """How often a gram term is in the title of each document's article (sorted ``cand``);
        ``parts``: ``title_parts(cand)``, when already worked out."""
        out = np.zeros(len(cand), np.float32)
        key = np.uint64(title_key(term))
        for (keys, offsets, arts, tf), lo, hi, mine in (parts if parts is not None else self.title_parts(cand)):
            i = int(keys.searchsorted(key))
            if i == len(keys) or keys[i] != key:
                continue
            a, b = int(offsets[i]), int(offsets[i + 1])
            j = np.minimum(arts[a:b].searchsorted(mine), b - a - 1)
            out[lo:hi] = np.where(arts[a + j] == mine, tf[a + j], 0)
        return out

    def title_parts(self, cand: np.ndarray) -> list:
        """Per segment holding some of the sorted documents ``cand``: (its title postings,
        the slice of ``cand`` in it, their articles in the segment)."""
        out = []
        bounds = np.searchsorted(cand, self.s.bases)
        for k, v in enumerate(self.s.segments):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            if hi > lo:
                keys, offsets, arts, tf, doc_art = self._titles(v)
                out.append(((keys, offsets, arts, tf), lo, hi, doc_art[cand[lo:hi] - v.base]))
        return out

    def titles(self, score, scored, nonzero=None):
        """BM25F over the paragraph and its article's title (Robertson, Zaragoza & Taylor
        2004) for the best paragraphs: a scored gram term's length-normalised frequency
        in the title, times TITLE_WEIGHT, joins its frequency in the paragraph before
        saturation.  ``scored``: (term, weight, documents, frequencies) of the BM25 pass."""
        cand = self.candidates(score, TITLE_CANDIDATES, nonzero)
        if not len(cand):
            return
        parts = self.title_parts(cand)
        for term, weight, docs, tf in scored:
            tt = self.title_tf(term, cand, parts)
            has = np.flatnonzero(tt)
            if not len(has):
                continue
            c = cand[has]
            tl, tavg = self._lengths(term, title=True)
            lengths, avg = self._lengths(term)
            ptf = np.zeros(len(c), np.float32)
            if len(docs):
                i = np.minimum(np.searchsorted(docs, c), len(docs) - 1)
                hit = docs[i] == c
                ptf[hit] = tf[i[hit]]
            score[c] += title_gain(ptf, lengths[c], avg, tt[has], tl[c], tavg, idf(len(docs), self.n) * weight)

    # ------------------------------------------------------------ proximity
    def candidates(self, score, k: int, nonzero=None) -> np.ndarray:
        """The sorted documents of the ``k`` best scores and every document tied with
        the k-th (so the set does not depend on document numbers); ``nonzero``: the
        documents with a score, when known (a scan of every document less)."""
        return top_docs(score, k, nonzero)

    def occurrences(self, terms, cand):
        """(key, term index) of every posting of the gram ``terms`` in the sorted documents
        ``cand``, by key: ``document << 32 | position in the document``."""
        keys, tids = [], []
        parts = [self._gram_parts(t) for t in terms]
        for v in self.s.segments:
            lo, hi = np.searchsorted(cand, (v.base, v.base + v.ndocs))
            rows = [(ti, p[1], p[2]) for ti, ps in enumerate(parts) for p in ps if p[0] is v]
            if hi == lo or not rows:
                continue
            pos_of, first_pos = self._plain(v)
            local = cand[lo:hi] - v.base
            bounds = np.concatenate([first_pos[local], first_pos[local + 1]]).astype(pos_of.dtype)
            k = len(local)
            first = np.empty((len(rows), k), np.int64)
            count = np.empty((len(rows), k), np.int64)
            for r, (_, a, b) in enumerate(rows):
                se = np.searchsorted(pos_of[a:b], bounds)
                first[r] = se[:k] + a
                count[r] = se[k:] - se[:k]
            first, count = first.ravel(), count.ravel()
            idx = np.repeat(first - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
            shift = np.tile((cand[lo:hi] << 32) - first_pos[local].astype(np.int64), len(rows))
            keys.append(pos_of[idx].astype(np.int64) + np.repeat(shift, count))
            tids.append(np.repeat(np.array([ti for ti, _, _ in rows], np.int64), count.reshape(len(rows), k).sum(1)))
        if not keys:
            return _EMPTY, _EMPTY
        key, tid = np.concatenate(keys), np.concatenate(tids)
        order = np.argsort(key, kind="stable")
        return key[order], tid[order]

    def _plain(self, v):
        """A segment's gram positions and its documents' first positions (with the end after
        the last), as plain arrays (slicing a memory map costs more than the lookups)."""
        hit = self._arrays.get(id(v))
        if hit is None:
            a = v.accel
            pos = np.asarray(a.gram_pos)
            end = np.iinfo(pos.dtype).max if pos.dtype.kind in "ui" else np.inf  # after every position
            hit = self._arrays[id(v)] = (pos, np.append(np.asarray(a.first_pos, np.int64), np.int64(min(end, 2 ** 62))))
        return hit

    def proximity(self, score, terms, nonzero=None):
        """Add the question's best window in each of the best documents: the idf of the
        distinct ``terms`` (single characters and other tokens, positional) found within
        PROXIMITY_WINDOW positions of one another, times PROXIMITY_WEIGHT.  A passage
        that says what the question asks holds its words close together; one that
        only shares them, scattered, does not."""
        cand = self.candidates(score, PROXIMITY_CANDIDATES, nonzero)
        if len(terms) < 2 or not len(cand):
            return
        key, tid = self.occurrences(terms, cand)
        if not len(key):
            return
        w = np.array([idf(self.gram_df(t), self.n) for t in terms])
        docs, best = best_windows(key, tid, w)
        score[docs] += best

    def phrase(self, score, lit: Literal):
        docs, counts = self.literal(lit)
        self._bm25(score, docs, counts, len(docs), "gram")

    def ranked_scores(self, plan: Ranked) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of every paragraph for an op=or plan (0: no match).  Gram terms in
        more than OR_MAX_DF of the paragraphs weigh little and cost most; they are
        left out beside rarer ones (a query of only common terms keeps them all).
        The best paragraphs are then re-scored with their titles and the proximity of
        the question's characters (which only reorder: a paragraph matches by its text).
        Returns the scores and the matching documents."""
        score = np.zeros(self.s.ndocs, np.float32)
        for t in plan.words:
            self.word(score, t)
        grams = [(t, 1.0) for t in plan.grams]
        if UNIGRAM_WEIGHT:
            grams += [(t, UNIGRAM_WEIGHT) for t in plan.unigrams]
        limit = OR_MAX_DF * self.n
        if all(self.gram_df(t) > limit for t, _ in grams):
            limit = None
        scored = []
        for t, weight in grams:
            docs, tf = self.gram(score, t, weight, max_df=limit)
            scored.append((t, weight, docs, tf))
        for lit in plan.synonyms:
            alt = Literal(lit.text, lit.sequences[1:], [])
            self.phrase(score, alt)
        nonzero = np.flatnonzero(score)  # re-scoring below only raises scores already above 0
        if TITLE_WEIGHT:
            self.titles(score, [x for x in scored if len(x[2])], nonzero)
        if PROXIMITY_WEIGHT:
            units = plan.unigrams + [t for t in plan.grams if han_key(t) is None]
            self.proximity(score, list(dict.fromkeys(units)), nonzero)
        for lit in plan.exclude:
            score[self.literal(lit)[0]] = 0
        if plan.exclude:
            nonzero = nonzero[score[nonzero] != 0]
        return score, nonzero

    def run(self, compiled: Compiled) -> tuple[np.ndarray, np.ndarray]:
        """(matching documents, their scores)."""
        plan = compiled.plan
        if isinstance(plan, Ranked):
            score, docs = self.ranked_scores(plan)
            return docs, score[docs]
        docs = self.docs(plan)
        if not len(docs):
            return docs, np.zeros(0, np.float32)
        score = np.zeros(self.s.ndocs, np.float32)
        for lit in compiled.literals:
            self.phrase(score, lit)
            for w in dict.fromkeys(lit.words):
                self.word(score, w)
        return docs, score[docs]


def _unigram(term: str) -> bool:
    return len(term) == 1 and han_key(term) is not None


def top_docs(score, k: int, nonzero=None) -> np.ndarray:
    """The sorted documents of the ``k`` best scores and every document tied with the k-th;
    ``nonzero``: the documents with a score, when known."""
    docs = np.flatnonzero(score) if nonzero is None else nonzero
    if len(docs) > k:
        vals = score[docs]
        docs = docs[vals >= np.partition(vals, len(vals) - k)[len(vals) - k]]
    return docs


def title_gain(tf, length, avg, title_tf, title_len, title_avg, w: float) -> np.ndarray:
    """BM25F: what a term's frequency in the article's title adds to a paragraph's score
    (float32), given its frequency ``tf`` in the paragraph (float32 arrays; lengths float32)."""
    tt = TITLE_WEIGHT * title_tf / (1 - B + B * title_len / title_avg)
    tb = np.zeros(len(tf), np.float32)
    hit = tf > 0
    tb[hit] = tf[hit] / (1 - B + B * length[hit] / avg)
    return (w * ((tb + tt) * (K1 + 1) / (tb + tt + K1) - tb * (K1 + 1) / (tb + K1))).astype(np.float32)


def best_windows(key: np.ndarray, tid: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(documents, float32 proximity bonus) from the occurrences of a question's terms, sorted
    by ``key`` = ``document << 32 | position`` with ``tid`` the term of each and ``w`` the
    terms' idfs: the best window's idf sum of each document, times PROXIMITY_WEIGHT.  Both
    engines score proximity here (the cluster engine on the paragraphs it fetched)."""
    doc = key >> 32
    first = np.flatnonzero(np.concatenate(([True], doc[1:] != doc[:-1])))
    # A window starts at every occurrence; per term, its next occurrence at or after
    # that start (a reverse running minimum), in blocks of whole documents.
    best = np.empty(len(key))
    block = max(1, (1 << 21) // len(w))
    cuts = np.unique(np.append(first[np.searchsorted(first, np.arange(0, len(key), block))], len(key)))
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        nxt = np.full((len(w), b - a), np.iinfo(np.int64).max, np.int64)
        nxt[tid[a:b], np.arange(b - a)] = key[a:b]
        nxt = np.minimum.accumulate(nxt[:, ::-1], axis=1)[:, ::-1]
        best[a:b] = w @ (nxt - key[a:b] < PROXIMITY_WINDOW)
    return doc[first], (PROXIMITY_WEIGHT * np.maximum.reduceat(best, first)).astype(np.float32)


def _global(v, local_docs, values, docs: list, vals: list) -> None:
    """Append a segment's postings (local documents, one value each) as global documents,
    deleted ones dropped."""
    d, c = np.asarray(local_docs), np.asarray(values)
    if v.deleted:
        keep = v.live[d]
        d, c = d[keep], c[keep]
    docs.append(d.astype(np.int64) + v.base)
    vals.append(c)


def _cat(docs, vals):
    if not docs:
        return _EMPTY, _EMPTY
    if len(docs) == 1:
        return docs[0], vals[0]
    return np.concatenate(docs), np.concatenate(vals)


def _sum_by_doc(found):
    if not found:
        return _EMPTY, _EMPTY
    if len(found) == 1:
        return found[0]
    docs = np.concatenate([d for d, _ in found])
    counts = np.concatenate([c for _, c in found])
    order = np.argsort(docs, kind="stable")
    docs, counts = docs[order], counts[order]
    u, n = runs_of(docs)
    sums = np.add.reduceat(counts, np.concatenate([[0], np.cumsum(n)[:-1]]))
    return u, sums
