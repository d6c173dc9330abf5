"""Variants nobody wrote down: names of the index that sound alike and share their context.

A mainland article writes 施瓦布 and a Taiwanese one 史瓦布, with no English and no table entry.
Candidates are index words that

* are names, not words: >= 2 Han characters, not a jieba dictionary word with a non-name tag
  (a dish, a verb, a common place word never pulls in the articles where it is that word), made
  of characters usual in transliterations (``translit.looks_transliterated``);
* sound alike syllable by syllable (``pinyin.sound_similarity`` >= ``MIN_SOUND``: identical
  readings or near-homophones), have the same length and share at least one character;
* share context: the words around them (co-occurring words, titles) weighted by rarity, and the
  dates of their paragraphs (``context_similarity``);
* are not already known: a pair that the table puts in two different groups is never proposed.

``confident`` pairs (sound and context both above their thresholds) are used for expansion,
marked ``discovered`` (the page can switch them off); the others are only listed, with evidence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..normalize import simplify
from .keys import NAME_TAGS, jieba_dict, norm_key
from .pinyin import pinyin_key, sound_key, sound_similarity, syllables

MIN_SOUND = 0.75
MIN_CONTEXT = 0.25
SAMPLE = 40
MAX_CANDIDATES = 30


@dataclass
class Discovered:
    term: str
    other: str
    sound: float
    context: float
    confident: bool
    evidence: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"term": self.term, "other": self.other, "sound": round(self.sound, 3),
                "context": round(self.context, 3), "confident": self.confident, "evidence": self.evidence}


def name_like(word: str) -> bool:
    from .translit import looks_transliterated

    s = simplify(word)
    if len(s) > 6:
        return False
    e = jieba_dict().get(s)
    if e is not None and e[1] not in NAME_TAGS:
        return False  # a dictionary word
    return looks_transliterated(s) and syllables(s) is not None  # readings last: pypinyin loads slowly


def _context(corpus, word: str):
    from ..analysis import word_counts

    words, dates, where = {}, set(), []
    k = simplify(word)
    for aid, n, date, text in corpus.sample_paragraphs(word, SAMPLE):
        where.append([aid, n])
        if date:
            dates.add(date)
        for w in word_counts(text):
            if len(w) >= 2 and k not in w and w not in k:
                words[w] = words.get(w, 0) + 1
    return words, dates, where


def context_similarity(corpus, a: str, b: str):
    """(similarity in [0, 1], evidence): weighted overlap of the words around ``a`` and ``b``
    (each word weighted by its idf in the corpus), plus a bonus for shared dates."""
    wa, da, pa = _context(corpus, a)
    wb, db, pb = _context(corpus, b)
    if not wa or not wb:
        return 0.0, {}
    n = max(1, corpus.paragraph_count())

    def idf(w):
        return math.log(1 + n / (1 + corpus.word_freq(w)))

    shared = set(wa) & set(wb)
    small = wa if len(wa) <= len(wb) else wb
    num = sum(idf(w) for w in shared)
    den = sum(idf(w) for w in small) or 1.0
    sim = num / den
    if da and db and da & db:
        sim = min(1.0, sim + 0.1)
    top = sorted(shared, key=lambda w: -idf(w))[:8]
    return sim, {"shared_context": top, "shared_dates": sorted(da & db)[:5],
                 "paragraphs": {a: pa[:3], b: pb[:3]}}


def _known_apart(table, a: str, b: str) -> bool:
    ga, gb = table.lookup(a), table.lookup(b)
    return ga is not None and gb is not None


def candidates(term: str, table, corpus, limit: int = MAX_CANDIDATES) -> list[Discovered]:
    """Index words that may be unwritten variants of ``term``, best first."""
    if corpus is None or not name_like(term):
        return []
    k0 = norm_key(term)
    sk = sound_key(term)
    out = []
    seen = set()
    for w, f in corpus.words_for_sound(sk)[: limit * 4]:
        kw = norm_key(w)
        if kw == k0 or kw in seen or len(kw) != len(k0):
            continue
        seen.add(kw)
        if not set(kw) & set(k0) or not name_like(w) or _known_apart(table, term, w):
            continue
        snd = sound_similarity(term, w)
        if snd < MIN_SOUND:
            continue
        ctx, ev = context_similarity(corpus, term, w)
        ev = {"pinyin": [pinyin_key(term), pinyin_key(w)], "frequency": f, **ev}
        out.append(Discovered(term, w, snd, ctx, ctx >= MIN_CONTEXT, ev))
    out.sort(key=lambda d: (-d.confident, -(d.sound + d.context), d.other))
    return out[:limit]


def discover_all(table, corpus, limit: int = 200) -> list[Discovered]:
    """Every candidate pair of the index (each pair once), best first."""
    buckets: dict[str, list[str]] = {}
    for w, f in corpus.vocabulary():
        if name_like(w):
            buckets.setdefault(sound_key(w), []).append(w)
    out, done = [], set()
    for key in sorted(buckets):
        words = buckets[key]
        if len(words) < 2:
            continue
        for w in words:
            for d in candidates(w, table, corpus):
                pair = tuple(sorted((norm_key(d.term), norm_key(d.other))))
                if pair not in done:
                    done.add(pair)
                    out.append(d)
    out.sort(key=lambda d: (-d.confident, -(d.sound + d.context), d.term, d.other))
    return out[:limit]
