"""The embedded engine's scores, computed exactly for a window of paragraphs from the cluster.

OpenSearch's BM25 differs from ours in ways that move results around: a phrase's idf is
the sum of its terms' idfs (ours: the phrase's own document frequency), field lengths are
stored in one lossy byte, the grams field counts characters where we count bigrams, and
statistics include removed documents until they are merged away.  So the cluster finds the
matching paragraphs and orders a first window of them, and this module scores that window
as ``match.Evaluator`` scores every paragraph: same terms, same statistics over the
visible paragraphs (document frequencies counted by the cluster, ``Stats``), the same
float32 arithmetic in the same order.  Term frequencies come from the paragraph itself:
phrase occurrences from its gram tokens (``postings.index_tokens``), word frequencies from
its ``words`` field.

When the window holds every matching paragraph (``reader``'s default window covers most
queries of the test corpus) the ranking is the embedded engine's to the last bit.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from ...analysis import _RUNS, simplified
from ...match import best_windows, title_gain, top_docs
from ...postings import han_key, index_tokens, title_tokens
from ...query import Literal, Ranked
from ...ranking import (B, K1, OR_MAX_DF, PROXIMITY_CANDIDATES, PROXIMITY_WEIGHT, TITLE_CANDIDATES, TITLE_WEIGHT,
                        UNIGRAM_WEIGHT, idf)
from .docs import token


class DocTerms:
    """What scoring reads of one paragraph: gram positions and word counts, worked out only
    as far as a query needs them.  A chunk of Han characters (a run's bigrams at consecutive
    positions) occurs wherever its characters stand together in the normalised text, so it
    is counted there directly; any other chunk (letters, holes) on the paragraph's tokens."""

    __slots__ = ("text", "_words", "_s", "_pos", "_latin")

    def __init__(self, text: str, words: str):
        self.text, self._words, self._s, self._pos, self._latin = text, words, None, None, None

    @property
    def s(self) -> str:
        if self._s is None:
            self._s = simplified(self.text)
        return self._s

    @property
    def pos(self) -> dict:
        if self._pos is None:
            pos: dict[str, list[int]] = {}
            for t, p in index_tokens(self.text):
                pos.setdefault(t, []).append(p)
            self._pos = pos
        return self._pos

    def chunk_count(self, chunk, run: str | None = None) -> int:
        """Start positions where every (term, relative position) of the chunk sits; ``run``:
        the chunk's Han string if it is one (``_han_run``)."""
        if run is not None:
            return _overlapping(self.s, run)
        if len(chunk) == 1:  # one token: a letter/digit run
            return self.gram_tf(chunk[0][0])
        pos = self.pos
        best = None
        for t, rel in chunk:
            hit = pos.get(t)
            if hit is None:
                return 0
            if best is None or len(hit) < len(best[1]):
                best = (rel, hit)
        r0, first = best
        sets = {t: set(pos[t]) for t, _ in chunk}
        return sum(1 for p in first if all((p - r0 + rel) in sets[t] for t, rel in chunk))

    def literal_count(self, plan) -> int:
        """Occurrences of a literal (``literal_plan``): per spelling the fewest of its chunks',
        summed over spellings."""
        total = 0
        for chunks in plan:
            least = None
            for chunk, run in chunks:
                c = self.chunk_count(chunk, run)
                least = c if least is None else min(least, c)
                if not least:
                    break
            if least:
                total += least
        return total


    def gram_tf(self, term: str) -> int:
        if han_key(term) is not None:
            return _overlapping(self.s, term)
        if self._latin is None:  # letter/digit runs, lowercased (the other gram tokens)
            self._latin = Counter(m.group().lower() for m in _RUNS.finditer(self.s) if m.lastgroup != "han")
        return self._latin.get(term, 0)

    def word_tf(self, word: str) -> int:
        if isinstance(self._words, str):
            self._words = Counter(self._words.split()) if self._words else Counter()
        return self._words.get(token(word), 0)


def literal_plan(lit: Literal) -> list:
    """A literal's spellings as [[(chunk, its Han string or None)]], worked out once."""
    return [[(c, _han_run(c)) for c in chunks] for chunks in lit.sequences]


def _han_run(chunk):
    """The Han string a chunk of one run stands for (its bigrams at positions 0, 1, 2 ... or
    a single character), or None."""
    if len(chunk) == 1:
        t, rel = chunk[0]
        return t if rel == 0 and han_key(t) is not None else None
    out = ""
    for i, (t, rel) in enumerate(chunk):
        if rel != i or len(t) != 2 or han_key(t) is None or (out and out[-1] != t[0]):
            return None
        out = t if not out else out + t[1]
    return out


def _overlapping(s: str, sub: str) -> int:
    n, i = 0, s.find(sub)
    while i >= 0:
        n += 1
        i = s.find(sub, i + 1)
    return n


class Stats:
    """Collection statistics of one visible generation: paragraphs, average lengths, and
    document frequencies (asked of the cluster in batches, cached)."""

    def __init__(self, n: int, avg: dict, df_of):
        self.n = n
        self.avg = avg
        self._df_of = df_of  # [(kind, key, query)] -> [df]

    def dfs(self, wanted: list) -> dict:
        return self._df_of(wanted)


class Window:
    """Paragraphs fetched from the cluster, scored exactly."""

    def __init__(self, sources: list[dict]):
        self.sources = sources
        self.terms = [DocTerms(s.get("text") or "", s.get("words") or "") for s in sources]
        self.uni_len = np.array([s.get("uni_len", 0) for s in sources], np.float32)
        self.gram_len = np.array([s.get("gram_len", 0) for s in sources], np.float32)
        self.word_len = np.array([s.get("word_len", 0) for s in sources], np.float32)
        self.title_uni_len = np.array([s.get("title_uni_len", 0) for s in sources], np.float32)
        self.title_gram_len = np.array([s.get("title_gram_len", 0) for s in sources], np.float32)
        self._titles: dict[int, dict] = {}

    def title_tf(self, i: int, term: str) -> int:
        t = self._titles.get(i)
        if t is None:
            t = self._titles[i] = title_tokens(self.sources[i].get("title") or "")[0]
        return t.get(term, 0)


def df_requests(compiled) -> list:
    """The document frequencies a query's scores need: ('word', w), ('lit', literal),
    ('gram', t)."""
    plan = compiled.plan
    out = []
    if isinstance(plan, Ranked):
        out += [("word", w) for w in plan.words]
        out += [("gram", t) for t in plan.grams]
        if UNIGRAM_WEIGHT:
            out += [("gram", t) for t in plan.unigrams]
        for lit in plan.synonyms:
            out.append(("lit", Literal(lit.text, lit.sequences[1:], [])))
        return out
    for lit in compiled.literals:
        out.append(("lit", lit))
        out += [("word", w) for w in dict.fromkeys(lit.words)]
    return out


def kept_grams(plan: Ranked, dfs: dict, n: int) -> tuple[list, float | None]:
    """op=or: (the gram terms that count, with their weights), as ``ranked_scores`` decides."""
    grams = [(t, 1.0) for t in plan.grams]
    if UNIGRAM_WEIGHT:
        grams += [(t, UNIGRAM_WEIGHT) for t in plan.unigrams]
    limit = OR_MAX_DF * n
    if all(dfs[("gram", t)] > limit for t, _ in grams):
        limit = None
    return [(t, w) for t, w in grams if limit is None or dfs[("gram", t)] <= limit], limit


def scores(compiled, window: Window, stats: Stats, dfs: dict) -> np.ndarray:
    """float32 scores of the window's paragraphs, as ``match.Evaluator.run`` gives them."""
    score = np.zeros(len(window.sources), np.float32)
    n = stats.n

    def bm25(tf: np.ndarray, df: int, lengths, avg: float, weight: float = 1.0):
        docs = np.flatnonzero(tf)
        if not len(docs):
            return
        w = idf(df, n) * weight
        t = tf[docs].astype(np.float32)
        norm = K1 * (1 - B + B * lengths[docs] / avg)
        score[docs] += w * t * (K1 + 1) / (t + norm)

    def word(w):
        bm25(np.array([d.word_tf(w) for d in window.terms], np.int64), dfs[("word", w)], window.word_len,
             stats.avg["word"])

    def literal(lit):
        plan_ = literal_plan(lit)
        bm25(np.array([d.literal_count(plan_) for d in window.terms], np.int64), dfs[("lit", lit.text, _lkey(lit))],
             window.gram_len, stats.avg["gram"])

    plan = compiled.plan
    if isinstance(plan, Ranked):
        for w in plan.words:
            word(w)
        kept, _ = kept_grams(plan, dfs, n)
        scored = []
        for t, weight in kept:
            tf = np.array([d.gram_tf(t) for d in window.terms], np.int64)
            lengths, avg = _lengths(t, window, stats)
            bm25(tf, dfs[("gram", t)], lengths, avg, weight)
            if dfs[("gram", t)]:
                scored.append((t, weight, tf))
        for lit in plan.synonyms:
            literal(Literal(lit.text, lit.sequences[1:], []))
        nonzero = np.flatnonzero(score)
        if TITLE_WEIGHT:
            _titles(score, window, stats, dfs, scored, nonzero)
        if PROXIMITY_WEIGHT:
            units = plan.unigrams + [t for t in plan.grams if han_key(t) is None]
            _proximity(score, window, list(dict.fromkeys(units)), dfs, n, nonzero)
        return score
    for lit in compiled.literals:
        literal(lit)
        for w in dict.fromkeys(lit.words):
            word(w)
    return score


def _lengths(term: str, window: Window, stats: Stats, title: bool = False):
    """The window's paragraph (or title) lengths and the collection's average for a gram term
    (as ``match.Evaluator._lengths``)."""
    uni = len(term) == 1 and han_key(term) is not None
    if title:
        return (window.title_uni_len, stats.avg["title_uni"]) if uni else \
            (window.title_gram_len, stats.avg["title_gram"])
    return (window.uni_len, stats.avg["uni"]) if uni else (window.gram_len, stats.avg["gram"])


def _titles(score, window: Window, stats: Stats, dfs: dict, scored: list, nonzero) -> None:
    """``match.Evaluator.titles`` on the window: the title field re-scores its best paragraphs."""
    cand = top_docs(score, TITLE_CANDIDATES, nonzero)
    if not len(cand):
        return
    for term, weight, tf in scored:
        tt = np.array([window.title_tf(int(i), term) for i in cand], np.float32)
        has = np.flatnonzero(tt)
        if not len(has):
            continue
        c = cand[has]
        tl, tavg = _lengths(term, window, stats, title=True)
        lengths, avg = _lengths(term, window, stats)
        w = idf(dfs[("gram", term)], stats.n) * weight
        score[c] += title_gain(tf[c].astype(np.float32), lengths[c], avg, tt[has], tl[c], tavg, w)


def _proximity(score, window: Window, terms: list, dfs: dict, n: int, nonzero) -> None:
    """``match.Evaluator.proximity`` on the window, from each paragraph's own gram positions."""
    cand = top_docs(score, PROXIMITY_CANDIDATES, nonzero)
    if len(terms) < 2 or not len(cand):
        return
    keys, tids = [], []
    for i in cand.tolist():
        pos = window.terms[i].pos
        for ti, t in enumerate(terms):
            for p in pos.get(t, ()):
                keys.append((i << 32) | p)
                tids.append(ti)
    if not keys:
        return
    key, tid = np.array(keys, np.int64), np.array(tids, np.int64)
    order = np.argsort(key, kind="stable")
    w = np.array([idf(dfs[("gram", t)], n) for t in terms])
    docs, best = best_windows(key[order], tid[order], w)
    score[docs] += best


def _lkey(lit: Literal) -> str:
    return repr(lit.sequences)


def df_key(kind: str, key) -> tuple:
    """The cache key of a document frequency request."""
    if kind == "lit":
        return ("lit", key.text, _lkey(key))
    return (kind, key)
