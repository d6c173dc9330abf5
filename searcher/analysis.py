"""The Whoosh analyzer of the jieba ``words`` field (for indexing and querying).

``word_analyzer()`` works over the *simplified* text (``normalize.simplify``:
width folding + OpenCC Traditional->Simplified, length preserving) with
character offsets into the *original* text: jieba words (through rjieba, a
private segmenter so that variant names can be registered), Latin/digit runs as
words, lowercased, Chinese particles stopped.  Positions are ordinals.

The character unigrams and bigrams that make phrase search exact are built over
the same simplified text in ``postings``.

The tokenizer follows Whoosh's contract (``positions``, ``chars``, ``start_pos``,
``start_char``, ``mode``, ``removestops``, ``tokenize``) and are composed with
filters by ``|``.  They hold only configuration: jieba is built lazily per
process, because Whoosh pickles the schema.
"""
from __future__ import annotations

import re
import threading

from whoosh.analysis import LowercaseFilter, StopFilter, Token, Tokenizer

from .normalize import HAN_RANGES, simplify

# Chinese particles and function words (Simplified, as tokens are normalised).
STOP_WORDS = frozenset(
    """的 地 得 了 着 过 吗 呢 吧 啊 呀 嘛 么 之 与 及 和 或 而 也 在 是 就 都 被 把 将 对 于 以 其 这 那 个 们
    为 并 且 则 即 但 又 还 已 该 此 从 向 由 让 给 所 等 啦 哦 喔 哈 嗯 呗 罢 矣 乎 兮 焉 哉 者 也""".split()
)

_RUNS = re.compile(rf"(?P<han>[{HAN_RANGES}]+)|(?P<word>(?:(?![{HAN_RANGES}])[^\W_])+)")

_seg_lock = threading.Lock()
_segmenter = None
_registered: set[str] = set()


def segmenter():
    """The process's word segmenter (built on first use).

    jieba's algorithm and dictionary through rjieba (jieba-rs): the same words as
    ``jieba.Tokenizer().cut(text, HMM=True)`` (tests/test_analysis.py compares them
    on real text) at about a tenth of the cost, which is most of indexing time."""
    global _segmenter
    if _segmenter is None:
        with _seg_lock:
            if _segmenter is None:
                import rjieba

                _segmenter = rjieba.Jieba()
    return _segmenter


def register_words(words) -> int:
    """Make jieba keep these multi-character words whole (e.g. every variant name).

    Words are given in any script; they are registered in Simplified form, as
    jieba sees simplified text.  Returns how many were new."""
    seg = segmenter()
    new = 0
    with _seg_lock:
        for w in words:
            s = simplify(w).strip().lower()
            if len(s) < 2 or s in _registered or not _RUNS.fullmatch(s):
                continue
            _registered.add(s)
            seg.add_word(s, None, None)
            new += 1
    return new


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
    """jieba words over simplified text; Latin and digit runs as single words."""

    def __init__(self, hmm: bool = True):
        self.hmm = hmm

    def _pieces(self, s):
        cut = segmenter().cut
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


def word_analyzer():
    return WordTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1)


# ---------------------------------------------------------------- fast indexing path
#
# Whoosh turns every token into a Token object and runs it through the filter chain;
# at index time we only need the terms with their counts.  This computes exactly what
# ``word_analyzer()`` produces (tests/test_analysis.py checks they agree) in a few list
# operations per run.

def word_counts(value: str) -> dict[str, int]:
    """term -> frequency, as the words field would index ``value``."""
    s = simplified(value)
    cut = segmenter().cut
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
