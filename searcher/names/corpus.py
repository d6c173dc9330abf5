"""What the expander may ask of the indexed corpus (pinyin queries, summit compounds, ambiguous
forms, discovered variants), and an in-memory implementation over a list of paragraphs.

The engine implements the same protocol over its index: per segment it stores, for every
vocabulary word of >= 2 Han characters, ``pinyin.pinyin_key(word)`` and ``pinyin.sound_key(word)``.
Words are in Simplified form (as the index holds them); every method is deterministic.
"""
from __future__ import annotations

import collections
from typing import Iterable, Protocol

from ..normalize import simplify
from .keys import HAN_RE
from .pinyin import pinyin_key, sound_key


class Corpus(Protocol):
    def word_freq(self, word: str) -> int:
        """Paragraphs containing ``word`` (any script; matched as the index matches a word)."""

    def words_for_pinyin(self, key: str) -> list[tuple[str, int]]:
        """(word, paragraph frequency) of index words whose ``pinyin_key`` is ``key``."""

    def words_for_sound(self, key: str) -> list[tuple[str, int]]:
        """(word, paragraph frequency) of index words whose ``sound_key`` is ``key``."""

    def sample_paragraphs(self, text: str, limit: int) -> list[tuple[str, int, str | None, str]]:
        """(article id, paragraph number, date, paragraph text) of up to ``limit`` paragraphs
        containing the literal string ``text`` (any script), in index order."""

    def vocabulary(self) -> Iterable[tuple[str, int]]:
        """(word, paragraph frequency) of every index word of >= 2 Han characters."""

    def paragraph_count(self) -> int:
        """Paragraphs in the index."""


class MemoryCorpus:
    """The protocol over paragraphs held in memory: (article id, n, text) or (id, n, date, text)."""

    def __init__(self, paragraphs: Iterable[tuple]):
        from ..analysis import word_counts

        self.paras: list[tuple[str, int, str | None, str]] = []
        for p in paragraphs:
            aid, n, date, text = (p[0], p[1], None, p[2]) if len(p) == 3 else p
            self.paras.append((aid, int(n), date, text))
        self._simp = [simplify(t).lower() for *_, t in self.paras]
        df: collections.Counter = collections.Counter()
        for s in self._simp:
            df.update(w for w in word_counts(s) if len(w) >= 2 and all(HAN_RE.match(c) for c in w))
        self._df = df
        self._freq: dict[str, int] = {}
        self._by_pinyin: dict[str, list] = collections.defaultdict(list)
        self._by_sound: dict[str, list] = collections.defaultdict(list)
        for w, f in sorted(df.items()):
            k = pinyin_key(w)
            if k:
                self._by_pinyin[k].append((w, f))
                self._by_sound[sound_key(w)].append((w, f))

    def word_freq(self, word: str) -> int:
        k = simplify(word).lower()
        if not k:
            return 0
        f = self._freq.get(k)
        if f is None:
            f = self._freq[k] = sum(1 for s in self._simp if k in s)
        return f

    def paragraph_count(self) -> int:
        return len(self.paras)

    def words_for_pinyin(self, key: str) -> list[tuple[str, int]]:
        return list(self._by_pinyin.get(key, ()))

    def words_for_sound(self, key: str) -> list[tuple[str, int]]:
        return list(self._by_sound.get(key, ()))

    def sample_paragraphs(self, text: str, limit: int = 50):
        k = simplify(text).lower()
        out = []
        for p, s in zip(self.paras, self._simp):
            if k and k in s:
                out.append(p)
                if len(out) >= limit:
                    break
        return out

    def vocabulary(self):
        return sorted(self._df.items())
