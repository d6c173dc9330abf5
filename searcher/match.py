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
from .arrays import at_least_kth, kth_best
from .engine.store import hash64_many
from .postings import han_key, runs_of
from .query import AllOf, AnyOf, Compiled, Literal, Match, Ranked, Without
from .ranking import (B, K1, OR_MAX_DF, PROXIMITY_CANDIDATES, PROXIMITY_WEIGHT, PROXIMITY_WINDOW,
                      TITLE_CANDIDATES, TITLE_WEIGHT, UNIGRAM_WEIGHT, idf)

_EMPTY = np.zeros(0, np.int64)
_EMPTY_F = np.zeros(0, np.float32)


class Evaluator:
    def __init__(self, snapshot):
        self.s = snapshot
        self.n = snapshot.nlive
        self._lits: dict[int, tuple] = {}
        self._chunks: dict[tuple, tuple] = {}
        self._grams: dict[str, list] = {}
        self._words: dict[str, list] = {}
        self._df: dict[str, int] = {}

    # ------------------------------------------------------------ postings
    def prefetch(self, terms) -> None:
        """Look gram terms up in every segment: one binary search per segment for all the
        Han terms of a query (a question has dozens of terms, an index dozens of segments),
        the others (keys from each segment's vocabulary) one by one."""
        todo = [t for t in dict.fromkeys(terms) if t not in self._grams]
        if not todo:
            return
        keys = [han_key(t) for t in todo]
        han = [t for t, k in zip(todo, keys) if k is not None]
        other = [t for t, k in zip(todo, keys) if k is None]
        han_keys = np.array([k for k in keys if k is not None], np.uint64)
        found = {t: [] for t in todo}
        for v in self.s.segments:
            a = v.accel
            rows = dict(zip(han, a.gram_rows(han_keys).tolist())) if han else {}
            rows.update((t, a.gram_slice(t)[2]) for t in other)
            rows = [(t, r) for t, r in rows.items() if r >= 0]
            if not rows:
                continue
            r = np.array([r for _, r in rows], np.int64)
            bounds = zip(a.gram_offsets[r].tolist(), a.gram_offsets[r + 1].tolist(),
                         a.gram_doffsets[r].tolist(), a.gram_doffsets[r + 1].tolist())
            for (t, row), (pa, pb, da, db) in zip(rows, bounds):
                if pb > pa:
                    found[t].append((v, pa, pb, row, da, db))
        self._grams.update(found)

    def _gram_parts(self, term: str):
        """Per segment: (view, first posting, end, term row, first document posting, end)
        of a gram term."""
        hit = self._grams.get(term)
        if hit is None:
            self.prefetch([term])
            hit = self._grams[term]
        return hit

    def gram_postings(self, term: str) -> list:
        """Per segment: (view, local documents, frequencies) of a gram term."""
        return [(v, v.accel.gram_ddoc[da:db], v.accel.gram_dtf[da:db]) for v, _, _, _, da, db in self._gram_parts(term)]

    def gram_df(self, term: str) -> int:
        df = self._df.get(term)
        if df is not None:
            return df
        df = 0
        for v, _, _, _, da, db in self._gram_parts(term):
            df += int(v.live[np.asarray(v.accel.gram_ddoc[da:db])].sum()) if v.deleted else db - da
        self._df[term] = df
        return df

    def prefetch_words(self, terms) -> None:
        """Look jieba words up in every segment (one hash search per segment for all)."""
        todo = [t for t in dict.fromkeys(terms) if t not in self._words]
        if not todo:
            return
        hashes = hash64_many(todo)
        found = {t: [] for t in todo}
        for v in self.s.segments:
            a = v.accel
            rows = [(t, r) for t, r in zip(todo, a.word_rows(todo, hashes)) if r >= 0]
            if not rows:
                continue
            r = np.array([r for _, r in rows], np.int64)
            for (t, _), lo, hi in zip(rows, a.word_offsets[r].tolist(), a.word_offsets[r + 1].tolist()):
                if hi > lo:
                    found[t].append((v, lo, hi))
        self._words.update(found)

    def _word_parts(self, term: str):
        """Per segment: (view, first posting, end) of a jieba word."""
        if term not in self._words:
            self.prefetch_words([term])
        return self._words[term]

    def word_postings(self, term: str) -> list:
        """Per segment: (view, local documents, frequencies) of a jieba word."""
        return [(v, v.accel.word_doc[a:b], v.accel.word_tf[a:b]) for v, a, b in self._word_parts(term)]

    def word_docs(self, term: str):
        """(documents, float32 frequency in each) of a jieba word, live documents only."""
        return self._gather(self.word_postings(term))

    def _gather(self, pieces):
        """Global documents (int64) and float32 values of segments' postings [(view, local
        documents, values)], in one pass each into arrays made once; deleted documents
        dropped."""
        if not pieces:
            return _EMPTY, _EMPTY_F
        docs = np.empty(sum(len(d) for _, d, _ in pieces), np.int64)
        vals = np.empty(len(docs), np.float32)
        at = 0
        for v, d, c in pieces:
            np.add(d, v.base, out=docs[at:at + len(d)], dtype=np.int64)
            vals[at:at + len(d)] = c
            at += len(d)
        if self.n < self.s.ndocs:
            keep = self.s.live[docs]
            docs, vals = docs[keep], vals[keep]
        return docs, vals

    # ------------------------------------------------------------ matching
    def chunk(self, chunk) -> tuple[np.ndarray, np.ndarray]:
        """(documents, occurrences) of one phrase: [(term, relative position), ...] (kept for
        the evaluator's later queries: a name's spellings are matched by the query, then one
        by one for the spelling facet)."""
        key = tuple(chunk)
        hit = self._chunks.get(key)
        if hit is None:
            hit = self._chunks[key] = self._chunk(chunk)
        return hit

    def _chunk(self, chunk) -> tuple[np.ndarray, np.ndarray]:
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
        ddoc, dtf = v.accel.gram_ddoc[hit0[4]:hit0[5]], v.accel.gram_dtf[hit0[4]:hit0[5]]
        if len(arrays) == 1:
            d, c = ddoc, dtf
        else:
            cand = np.asarray(first, dtype=np.int64) - r0
            # The document of each of the rarest token's positions, from its document
            # postings (no search in the documents' first positions): a phrase's tokens
            # are at consecutive positions, never across the gap between paragraphs.
            docs = np.repeat(ddoc, dtf)
            if r0:
                keep = cand >= 0
                cand, docs = cand[keep], docs[keep]
            for a, rel, _ in arrays[1:]:
                if not len(cand):
                    break
                target = (cand + rel).astype(a.dtype)
                i = np.searchsorted(a, target)
                np.minimum(i, len(a) - 1, out=i)
                keep = a[i] == target
                cand, docs = cand[keep], docs[keep]
            if not len(cand):
                return _EMPTY, _EMPTY
            d, c = runs_of(docs)
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
        self.prefetch(_terms(lit))
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
        # w * tf * (K1 + 1) / (tf + norm), the same float32 operations in the same order,
        # with two temporaries; ``np.add.at`` adds faster than ``score[docs] +=`` (numpy 2)
        part = tf * w
        part *= K1 + 1
        den = self.s.norm(kind)[docs]
        den += tf
        part /= den
        np.add.at(score, docs, part)

    def word(self, score, term, weight=1.0):
        docs, tf = self.word_docs(term)
        self._bm25(score, docs, tf, len(docs), "word", weight)

    def word_df(self, term: str) -> int:
        """Live documents with the jieba word."""
        return sum(int(v.live[v.accel.word_doc[a:b]].sum()) if v.deleted else b - a
                   for v, a, b in self._word_parts(term))

    def bm25_by_segment(self, score, terms) -> dict:
        """Add the BM25 of many terms [(kind, document frequency, weight, postings)] as
        ``_bm25`` adds each (the same float32 operations, a document's terms added in the
        order given), but a segment at a time: its scores and lengths stay in the CPU cache
        while all its postings are added, where a pass per term over every document misses
        it on most postings.  Returns the live postings added, per segment index: (local
        documents, frequencies, term index of each run of them, where the runs start)."""
        w = np.array([idf(df, self.n) * weight for _, df, weight, _ in terms], np.float32)
        runs = []  # [kind, first term, end]: the lengths that normalise the terms
        for i, (kind, _, _, _) in enumerate(terms):
            if runs and runs[-1][0] == kind:
                runs[-1][2] = i + 1
            else:
                runs.append([kind, i, i + 1])
        pieces: dict[int, list] = {}
        for ti, (_, _, _, postings) in enumerate(terms):
            for v, d, tf in postings:
                pieces.setdefault(id(v), []).append((ti, d, tf))
        out = {}
        for k, v in enumerate(self.s.segments):
            mine = pieces.get(id(v))
            if not mine:
                continue
            ids = np.array([p[0] for p in mine], np.intp)
            starts = np.zeros(len(mine) + 1, np.intp)
            np.cumsum([len(p[1]) for p in mine], out=starts[1:])
            d = np.concatenate([p[1] for p in mine], dtype=np.intp)
            tf = np.concatenate([p[2] for p in mine], dtype=np.float32)
            if v.deleted:
                keep = v.live[d]
                starts = np.append(0, np.cumsum(keep))[starts]
                d, tf = d[keep], tf[keep]
            seg = slice(v.base, v.base + v.ndocs)
            part = np.repeat(w[ids], np.diff(starts))
            part *= tf
            part *= K1 + 1
            den = np.empty(len(d), np.float32)
            for kind, first, end in runs:
                a, b = starts[np.searchsorted(ids, (first, end))]
                np.take(self.s.norm(kind)[seg], d[a:b], out=den[a:b], mode="clip")  # (no copy; d is in range)
            den += tf
            part /= den
            np.add.at(score[seg], d, part)
            out[k] = (d, tf, ids, starts)
        return out

    def frequencies(self, postings: dict, terms: list, cand: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """The frequency (float32) of ``terms`` (term indexes of ``bm25_by_segment``'s
        ``postings``) in the sorted documents ``cand``, a row per term, where ``wanted``
        (a bool matrix of that shape; 0 elsewhere)."""
        out = np.zeros(wanted.shape, np.float32)
        bounds = np.searchsorted(cand, self.s.bases)
        for k, (d, tf, ids, starts) in postings.items():
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            if hi == lo:
                continue
            local = cand[lo:hi] - self.s.bases[k]
            for r in np.flatnonzero(wanted[:, lo:hi].any(1)).tolist():
                p = int(np.searchsorted(ids, terms[r]))
                if p == len(ids) or ids[p] != terms[r] or starts[p + 1] == starts[p]:
                    continue
                a, b = int(starts[p]), int(starts[p + 1])
                j = np.minimum(d[a:b].searchsorted(local), b - a - 1) + a
                out[r, lo:hi] = np.where(d[j] == local, tf[j], 0)
        return out

    def _lengths(self, term: str, title: bool = False):
        """The paragraph (or title) lengths and their average that normalise a gram term."""
        uni = _unigram(term)
        if title:
            return (self.s.title_uni_len, self.s.avg["title_uni"]) if uni else \
                (self.s.title_gram_len, self.s.avg["title_gram"])
        return (self.s.uni_len, self.s.avg["uni"]) if uni else (self.s.gram_len, self.s.avg["gram"])

    # ------------------------------------------------------------ titles
    def title_tfs(self, terms, cand: np.ndarray) -> np.ndarray:
        """How often each gram term is in the title of each document's article (sorted
        ``cand``): float32, a row per term; one search per segment for all of them."""
        out = np.zeros((len(terms), len(cand)), np.float32)
        want = np.array([title_key(t) for t in terms], np.uint64)
        bounds = np.searchsorted(cand, self.s.bases)
        for k, v in enumerate(self.s.segments):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            if hi > lo:
                out[:, lo:hi] = v.accel.title_tfs(want, v.accel.doc_art[cand[lo:hi] - v.base])
        return out

    def titles(self, score, scored, postings, cand):
        """BM25F over the paragraph and its article's title (Robertson, Zaragoza & Taylor
        2004) for the best paragraphs ``cand`` (sorted): a scored gram term's
        length-normalised frequency in the title, times TITLE_WEIGHT, joins its frequency
        in the paragraph before saturation.  ``scored``: (term index, term, weight,
        document frequency) of gram terms of the BM25 pass, which gave ``postings``."""
        if not len(cand) or not scored:
            return
        tts = self.title_tfs([term for _, term, _, _ in scored], cand)
        tfs = self.frequencies(postings, [i for i, _, _, _ in scored], cand, tts > 0)
        for (_, term, weight, df), tt, tf in zip(scored, tts, tfs):
            has = np.flatnonzero(tt)
            if not len(has):
                continue
            c = cand[has]
            tl, tavg = self._lengths(term, title=True)
            lengths, avg = self._lengths(term)
            score[c] += title_gain(tf[has], lengths[c], avg, tt[has], tl[c], tavg, idf(df, self.n) * weight)

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
        by_view: dict[int, list] = {}
        for ti, t in enumerate(terms):
            for p in self._gram_parts(t):
                by_view.setdefault(id(p[0]), []).append((ti, p[1], p[2]))
        bounds = np.searchsorted(cand, self.s.bases)
        for k, v in enumerate(self.s.segments):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            rows = by_view.get(id(v))
            if hi == lo or not rows:
                continue
            pos_of, first_pos = v.accel.gram_pos, v.accel.first_pos
            local = cand[lo:hi] - v.base
            last = local + 1 == len(first_pos)  # its positions run to the end
            ends = np.where(last, np.iinfo(pos_of.dtype).max, first_pos[np.where(last, 0, local + 1)])
            n = len(local)
            target = np.concatenate([first_pos[local], ends]).astype(pos_of.dtype)
            se = np.array([np.searchsorted(pos_of[a:b], target) + a for _, a, b in rows])
            first, count = se[:, :n].ravel(), (se[:, n:] - se[:, :n]).ravel()
            idx = np.repeat(first - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
            shift = np.tile((cand[lo:hi] << 32) - first_pos[local].astype(np.int64), len(rows))
            keys.append(pos_of[idx].astype(np.int64) + np.repeat(shift, count))
            tids.append(np.repeat(np.array([ti for ti, _, _ in rows], np.int64), count.reshape(len(rows), n).sum(1)))
        if not keys:
            return _EMPTY, _EMPTY
        key, tid = np.concatenate(keys), np.concatenate(tids)
        order = np.argsort(key, kind="stable")
        return key[order], tid[order]

    def proximity(self, score, terms, within):
        """Add the question's best window in each of the best documents (among the sorted
        ``within``, which holds them): the idf of the distinct ``terms`` (single characters
        and other tokens, positional) found within PROXIMITY_WINDOW positions of one
        another, times PROXIMITY_WEIGHT.  A passage that says what the question asks holds
        its words close together; one that only shares them, scattered, does not."""
        cand = self.candidates(score, PROXIMITY_CANDIDATES, within)
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
        self.prefetch_words(plan.words)
        terms = [("word", self.word_df(t), 1.0, self.word_postings(t)) for t in plan.words]
        grams = [(t, 1.0) for t in plan.grams]
        if UNIGRAM_WEIGHT:
            grams += [(t, UNIGRAM_WEIGHT) for t in plan.unigrams]
        self.prefetch(plan.grams + plan.unigrams + [t for lit in plan.synonyms for t in _terms(lit)])
        limit = OR_MAX_DF * self.n
        if all(self.gram_df(t) > limit for t, _ in grams):
            limit = None
        grams = [(t, weight) for t, weight in grams if limit is None or self.gram_df(t) <= limit]
        terms += [("uni" if _unigram(t) else "gram", self.gram_df(t), weight, self.gram_postings(t))
                  for t, weight in grams]
        postings = self.bm25_by_segment(score, terms)
        for lit in plan.synonyms:
            alt = Literal(lit.text, lit.sequences[1:], [])
            self.phrase(score, alt)
        nonzero = np.flatnonzero(score != 0)  # re-scoring below only raises scores already above 0
        within = nonzero
        if TITLE_WEIGHT:
            cand = self.candidates(score, TITLE_CANDIDATES)
            before = score[cand]
            first = len(plan.words)  # the gram terms' indexes in ``terms``
            scored = [(first + j, t, weight, terms[first + j][1]) for j, (t, weight) in enumerate(grams)
                      if terms[first + j][1]]
            self.titles(score, scored, postings, cand)
            if PROXIMITY_CANDIDATES <= TITLE_CANDIDATES and (score[cand] >= before).all():
                # Only these scores changed and none fell: the best documents now are
                # still among them (the rest stay below the k-th best they held).
                within = cand
        if PROXIMITY_WEIGHT:
            units = plan.unigrams + [t for t in plan.grams if han_key(t) is None]
            self.proximity(score, list(dict.fromkeys(units)), within)
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
        self.prefetch(t for lit in compiled.literals for t in _terms(lit))
        docs = self.docs(plan)
        if not len(docs):
            return docs, np.zeros(0, np.float32)
        score = np.zeros(self.s.ndocs, np.float32)
        self.prefetch_words(w for lit in compiled.literals for w in lit.words)
        for lit in compiled.literals:
            self.phrase(score, lit)
            for w in dict.fromkeys(lit.words):
                self.word(score, w)
        return docs, score[docs]


def _terms(lit: Literal):
    """The gram terms of a literal's spellings."""
    return (term for chunks in lit.sequences for chunk in chunks for term, _ in chunk)


def _unigram(term: str) -> bool:
    return len(term) == 1 and han_key(term) is not None


def top_docs(score, k: int, nonzero=None) -> np.ndarray:
    """The sorted documents of the ``k`` best scores and every document tied with the k-th;
    ``nonzero``: the documents with a score, when known."""
    docs = nonzero
    if docs is None:
        # The k-th best of every 16th score is no better than the k-th best of all: when it
        # is above 0, only the documents scoring as much are looked at.
        floor = kth_best(score[::16], k) if len(score) > 64 * k else 0
        docs = np.flatnonzero(score >= floor) if floor > 0 else np.flatnonzero(score != 0)  # (bool scans)
    return docs[at_least_kth(score[docs], k)] if len(docs) > k else docs


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
