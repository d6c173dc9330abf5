"""The names package's ``Corpus`` protocol over a snapshot of the embedded engine.

Pinyin and sound keys of every vocabulary word were stored per segment when it
was written (``accel.sound_index``); frequencies are counted over live
documents; sample paragraphs come in article-id order (the same whatever the
segment layout).  Answers are cached per snapshot.
"""
from __future__ import annotations

import numpy as np

from ...postings import tokens
from ...query import Literal
from ...normalize import simplify


class SnapshotCorpus:
    def __init__(self, snap):
        self.snap = snap
        self._freq: dict[str, int] = {}
        self._docs: dict[str, np.ndarray] = {}

    def paragraph_count(self) -> int:
        return self.snap.nlive

    def _literal_docs(self, text: str) -> np.ndarray:
        k = simplify(text).lower()
        hit = self._docs.get(k)
        if hit is None:
            from ...match import Evaluator

            seq = tokens(text)
            hit = Evaluator(self.snap).literal(Literal(text, [seq], []))[0] if seq else np.zeros(0, np.int64)
            if len(self._docs) > 4096:
                self._docs.clear()
            self._docs[k] = hit
        return hit

    def word_freq(self, word: str) -> int:
        return int(len(self._literal_docs(word)))

    def _word_df(self, word: str) -> int:
        f = self._freq.get(word)
        if f is None:
            f = 0
            for v in self.snap.segments:
                a, b = v.accel.word_slice(word)
                if b > a:
                    d = np.asarray(v.accel.word_doc[a:b])
                    f += int(v.live[d].sum()) if v.deleted else b - a
            self._freq[word] = f
        return f

    def _words(self, kind: str, key: str) -> list[tuple[str, int]]:
        words = sorted({w for v in self.snap.segments for w in v.accel.words_with_key(kind, key)})
        return [(w, f) for w in words for f in [self._word_df(w)] if f > 0]

    def words_for_pinyin(self, key: str) -> list[tuple[str, int]]:
        return self._words("pinyin", key)

    def words_for_sound(self, key: str) -> list[tuple[str, int]]:
        return self._words("sound", key)

    def sample_paragraphs(self, text: str, limit: int = 50):
        docs = self._literal_docs(text)
        if not len(docs):
            return []
        s = self.snap
        order = np.lexsort((s.doc_n[docs], s.doc_article[docs]))[:limit]
        out = []
        for d in docs[order].tolist():
            f = s.stored(d)
            out.append((f["article"], int(f["n"]), f.get("date") or None, f["text"]))
        return out

    def vocabulary(self):
        from ...names.keys import HAN_RE

        words = set()
        for v in self.snap.segments:
            words.update(w for w in v.accel.word_vocab if len(w) >= 2 and all(HAN_RE.match(c) for c in w))
        return [(w, f) for w in sorted(words) for f in [self._word_df(w)] if f > 0]
