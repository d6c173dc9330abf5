"""Evaluate a compiled query on the posting arrays: which paragraphs match, and their scores.

Matching is exact and set-based (numpy arrays of sorted document numbers):

* a literal is a phrase of gram tokens at relative positions: start from the
  rarest token's positions and keep those where every other token sits at its
  offset (binary search in its sorted positions), then map positions to
  paragraphs; its spellings are unioned;
* AND intersects, OR unions, NOT subtracts.

Ranking is BM25 (``ranking``) summed over fields, each with its own length
normalisation: for ``op=and`` every positive literal counts as one term (its
occurrences, its document frequency) plus its jieba words; for ``op=or`` every
jieba word and bigram of the question is a term, and a word's other spellings
one more.
"""
from __future__ import annotations

import numpy as np

from .postings import Postings, han_key, runs_of
from .query import AllOf, AnyOf, Compiled, Literal, Match, Ranked, Without
from .ranking import B, K1, OR_MAX_DF, UNIGRAM_WEIGHT, idf

_EMPTY = np.zeros(0, np.int64)


class Evaluator:
    def __init__(self, postings: Postings):
        self.p = postings
        self.n = postings.ndocs
        self._lits: dict[int, tuple] = {}

    # ------------------------------------------------------------ matching

    def chunk(self, chunk) -> tuple[np.ndarray, np.ndarray]:
        """(documents, occurrences) of one phrase: [(term, relative position), ...]."""
        arrays = []
        for term, rel in chunk:
            a = self.p.gram_positions(term)
            if len(a) == 0:
                return _EMPTY, _EMPTY
            arrays.append((a, rel, term))
        arrays.sort(key=lambda x: len(x[0]))
        first, r0, term0 = arrays[0]
        if len(arrays) == 1:
            return self.p.gram_docs(term0)
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
        return runs_of(self.p.docs_of_positions(cand))

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
                out = np.arange(self.n)
            for d in neg:
                out = np.setdiff1d(out, d, assume_unique=True)
            return out
        if isinstance(plan, AnyOf):
            out = _EMPTY
            for k in plan.children:
                out = np.union1d(out, self.docs(k))
            return out
        if isinstance(plan, Without):
            return np.setdiff1d(np.arange(self.n), self.docs(plan.child), assume_unique=True)
        raise TypeError(f"not a plan node: {plan!r}")

    # ------------------------------------------------------------ scoring

    def _bm25(self, score, docs, tf, df, lengths, avg, weight=1.0):
        if not len(docs):
            return
        w = idf(df, self.n) * weight
        tf = np.asarray(tf, np.float32)
        norm = K1 * (1 - B + B * lengths[docs] / avg)
        score[docs] += w * tf * (K1 + 1) / (tf + norm)

    def word(self, score, term, weight=1.0):
        docs, tf = self.p.word_docs(term)
        self._bm25(score, docs, tf, len(docs), self.p.word_len, self.p.avg["word"], weight)

    def gram(self, score, term, weight=1.0, max_df=None):
        """Add a gram term's BM25 (unless it is in more than ``max_df`` paragraphs)."""
        if max_df is not None and self.p.gram_df(term) > max_df:
            return
        docs, tf = self.p.gram_docs(term)
        uni = len(term) == 1 and han_key(term) is not None
        lengths, avg = (self.p.uni_len, self.p.avg["uni"]) if uni else (self.p.gram_len, self.p.avg["gram"])
        self._bm25(score, docs, tf, len(docs), lengths, avg, weight)

    def phrase(self, score, lit: Literal):
        docs, counts = self.literal(lit)
        self._bm25(score, docs, counts, len(docs), self.p.gram_len, self.p.avg["gram"])

    def ranked_scores(self, plan: Ranked) -> np.ndarray:
        """BM25 of every paragraph for an op=or plan (0: no match).  Gram terms in
        more than OR_MAX_DF of the paragraphs weigh little and cost most; they are
        left out beside rarer ones (a query of only common terms keeps them all)."""
        score = np.zeros(self.n, np.float32)
        for t in plan.words:
            self.word(score, t)
        grams = [(t, 1.0) for t in plan.grams]
        if UNIGRAM_WEIGHT:
            grams += [(t, UNIGRAM_WEIGHT) for t in plan.unigrams]
        limit = OR_MAX_DF * self.n
        if all(self.p.gram_df(t) > limit for t, _ in grams):
            limit = None
        for t, weight in grams:
            self.gram(score, t, weight, max_df=limit)
        for lit in plan.synonyms:
            alt = Literal(lit.text, lit.sequences[1:], [])
            self.phrase(score, alt)
        for lit in plan.exclude:
            score[self.literal(lit)[0]] = 0
        return score

    def run(self, compiled: Compiled) -> tuple[np.ndarray, np.ndarray]:
        """(matching documents, their scores)."""
        plan = compiled.plan
        if isinstance(plan, Ranked):
            score = self.ranked_scores(plan)
            docs = np.flatnonzero(score)
            return docs, score[docs]
        docs = self.docs(plan)
        if not len(docs):
            return docs, np.zeros(0, np.float32)
        score = np.zeros(self.n, np.float32)
        for lit in compiled.literals:
            self.phrase(score, lit)
            for w in dict.fromkeys(lit.words):
                self.word(score, w)
        return docs, score[docs]


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
