"""The jieba ``words`` field: its segmenter dictionary and its Whoosh analyzer.

``word_analyzer(dictionary)`` works over the *simplified* text
(``normalize.simplify``: width folding + OpenCC Traditional->Simplified, length
preserving) with character offsets into the *original* text: jieba words
(through rjieba), Latin/digit runs as words, lowercased, Chinese particles
stopped.  Positions are ordinals.

The segmenter's user dictionary belongs to an index: a ``Dictionary`` is the
list of words (variant names of the shipped tables) an index was created with.
It is pickled with the Whoosh schema (inside the tokenizer), so the index
segments the same way in every process, whatever ran before, and a user who
opens the index with Whoosh's own API gets the same analyzer.  Segmenters are
cached by the dictionary's digest (content-addressed: no process state changes
results).

The character unigrams and bigrams that make phrase search exact are built over
the same simplified text in ``postings``.
"""
from __future__ import annotations

import hashlib
import re
import threading
import zlib
from collections import OrderedDict

from whoosh.analysis import LowercaseFilter, StopFilter, Token, Tokenizer

from .normalize import HAN_RANGES, simplify

# Chinese particles and function words (Simplified, as tokens are normalised).
STOP_WORDS = frozenset(
    """的 地 得 了 着 过 吗 呢 吧 啊 呀 嘛 么 之 与 及 和 或 而 也 在 是 就 都 被 把 将 对 于 以 其 这 那 个 们
    为 并 且 则 即 但 又 还 已 该 此 从 向 由 让 给 所 等 啦 哦 喔 哈 嗯 呗 罢 矣 乎 兮 焉 哉 者 也""".split()
)

_RUNS = re.compile(rf"(?P<han>[{HAN_RANGES}]+)|(?P<word>(?:(?![{HAN_RANGES}])[^\W_])+)")
_ALL_HAN = re.compile(rf"[{HAN_RANGES}]{{2,}}")


class Dictionary:
    """The user words of one index's segmenter (Simplified, sorted, de-duplicated)."""

    def __init__(self, words=()):
        clean = set()
        for w in words:
            s = simplify(w).strip().lower()
            if _ALL_HAN.fullmatch(s):
                clean.add(s)
        self.words = tuple(sorted(clean))
        self.digest = hashlib.sha256("\n".join(self.words).encode("utf-8")).hexdigest()[:16]

    def __eq__(self, other):
        return isinstance(other, Dictionary) and other.digest == self.digest

    def __hash__(self):
        return hash(self.digest)

    def __len__(self):
        return len(self.words)

    # Pickled compactly inside the Whoosh schema.
    def __getstate__(self):
        return {"z": zlib.compress("\n".join(self.words).encode("utf-8"), 9), "digest": self.digest}

    def __setstate__(self, state):
        raw = zlib.decompress(state["z"]).decode("utf-8")
        self.words = tuple(raw.split("\n")) if raw else ()
        self.digest = state["digest"]

    def segmenter(self):
        """jieba's algorithm and dictionary (rjieba, jieba-rs) with these words added.

        The same words as ``jieba.Tokenizer().cut(text, HMM=True)`` for the same
        dictionary (tests/test_analysis.py compares them) at a tenth of the cost."""
        return _segmenter(self)

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        return self.segmenter().cut(text, hmm)


EMPTY = Dictionary()

_seg_lock = threading.Lock()
_segmenters: "OrderedDict[str, object]" = OrderedDict()
_MAX_SEGMENTERS = 4


def _segmenter(d: Dictionary):
    seg = _segmenters.get(d.digest)
    if seg is not None:
        return seg
    with _seg_lock:
        seg = _segmenters.get(d.digest)
        if seg is None:
            import rjieba

            seg = rjieba.Jieba()
            for w in d.words:  # sorted: add_word's suggested frequency depends on earlier words
                seg.add_word(w, None, None)
            _segmenters[d.digest] = seg
            while len(_segmenters) > _MAX_SEGMENTERS:
                _segmenters.popitem(last=False)
        return seg


_cache = threading.local()


def simplified(value: str) -> str:
    """``simplify`` with a one-entry cache per thread: a query word is simplified by
    both its gram tokens (``postings.tokens``) and its jieba words, once."""
    last = getattr(_cache, "last", None)
    if last is not None and last[0] is value:
        return last[1]
    s = simplify(value)
    _cache.last = (value, s)
    return s


def runs(s: str):
    """(is_han, start, end) for each Han run and each other letter/digit run."""
    for m in _RUNS.finditer(s):
        yield m.lastgroup == "han", m.start(), m.end()


class _BaseTokenizer(Tokenizer):
    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.__dict__ == self.__dict__

    def _pieces(self, s: str):
        """(text, start, end, step): step is how far the token's position advances."""
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        s = simplified(value)
        pos = start_pos - 1
        for text, start, end, step in self._pieces(s):
            pos += step
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class WordTokenizer(_BaseTokenizer):
    """jieba words over simplified text (with the index's dictionary); Latin and
    digit runs as single words."""

    def __init__(self, dictionary: Dictionary | None = None, hmm: bool = True):
        self.dictionary = dictionary or EMPTY
        self.hmm = hmm

    def __setstate__(self, state):  # schemas pickled before dictionaries belonged to indexes
        self.__dict__.update(state)
        self.__dict__.setdefault("dictionary", EMPTY)

    def _pieces(self, s):
        cut = self.dictionary.segmenter().cut
        hmm = self.hmm
        for is_han, a, b in runs(s):
            if not is_han:
                yield s[a:b], a, b, 1
                continue
            i = a
            for w in cut(s[a:b], hmm):
                j = i + len(w)
                yield w, i, j, 1
                i = j


def word_analyzer(dictionary: Dictionary | None = None):
    return WordTokenizer(dictionary) | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1)


# ---------------------------------------------------------------- fast indexing path
#
# Whoosh turns every token into a Token object and runs it through the filter chain;
# at index time we only need the terms with their counts.  This computes exactly what
# ``word_analyzer()`` produces (tests/test_analysis.py checks they agree) in a few list
# operations per run.

def word_counts(value: str, dictionary: Dictionary | None = None) -> dict[str, int]:
    """term -> frequency, as the words field would index ``value``."""
    s = simplified(value)
    cut = (dictionary or EMPTY).segmenter().cut
    counts: dict[str, int] = {}
    for m in _RUNS.finditer(s):
        if m.lastgroup == "han":
            words = cut(m.group(), True)
        else:
            words = (m.group().lower(),)
        for w in words:
            if w not in STOP_WORDS:
                counts[w] = counts.get(w, 0) + 1
    return counts


def word_list(value: str, dictionary: Dictionary | None = None) -> list[str]:
    """The words of ``value`` in order (a query word's terms for ranking)."""
    s = simplified(value)
    cut = (dictionary or EMPTY).segmenter().cut
    out = []
    for m in _RUNS.finditer(s):
        words = cut(m.group(), True) if m.lastgroup == "han" else (m.group().lower(),)
        out.extend(w for w in words if w not in STOP_WORDS)
    return out
