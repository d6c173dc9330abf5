"""How much a string looks like a transliterated name: character scores learnt from the shipped
lexicon's names against jieba's dictionary, and jieba's POS tagger (used by mining and by the
sources that derive members).
"""
from __future__ import annotations

import math
import threading
from collections import Counter

from ..normalize import simplify
from .keys import COMMON_FREQ, HAN_RE, LEXICON_PATH, common_word_freq, jieba_dict, read_table

_lock = threading.Lock()
_pos_tokenizer = None
_char_score: dict[str, float] | None = None


def pos_tagger():
    global _pos_tokenizer
    if _pos_tokenizer is None:
        with _lock:
            if _pos_tokenizer is None:
                import logging

                import jieba
                import jieba.posseg as pseg

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                # POSTokenizer(tk) would parse dict.txt a second time for the tags; they are
                # in jieba_dict() already (the same file, read once per process).
                pt = pseg.POSTokenizer.__new__(pseg.POSTokenizer)
                pt.tokenizer = tk
                pt.word_tag_tab = {w: tag for w, (_, tag) in jieba_dict().items()}
                _pos_tokenizer = pt
    return _pos_tokenizer


def _lexicon_names() -> list[str]:
    out = []
    try:
        for row in read_table(LEXICON_PATH):
            if row.get("kind") in ("person", "place"):
                out += [x for x in row.get("zh", "").split("|") if x]
    except OSError:
        pass
    return out


def char_scores() -> dict[str, float]:
    """log-odds of a character being used in a transliterated name (the lexicon's person and
    place forms) rather than in ordinary words (jieba's non-name dictionary, by frequency)."""
    global _char_score
    if _char_score is None:
        with _lock:
            if _char_score is None:
                names = Counter()
                for form in set(simplify(x) for x in _lexicon_names()):
                    for c in form:
                        if HAN_RE.match(c):
                            names[c] += 1
                general = Counter(jieba_dict().char_freq())  # compiled with the dictionary
                n1 = sum(names.values()) or 1
                n2 = sum(general.values()) or 1
                chars = set(names) | set(general)
                _char_score = {
                    c: math.log((names[c] + 0.5) / n1) - math.log((general[c] + 100) / n2) for c in chars
                }
    return _char_score


def char_score(c: str) -> float:
    return char_scores().get(c, 0.0)


def looks_transliterated(zh: str) -> bool:
    """Every character is usual in transliterations (none is a clearly ordinary one)."""
    s = [char_score(c) for c in simplify(zh) if HAN_RE.match(c)]
    return bool(s) and min(s) > -1.0 and sum(s) / len(s) > 1.0


def has_common_word(zh: str) -> bool:
    """True if ``zh`` is not a plain transliteration: it contains an ordinary word or character."""
    s = simplify(zh)
    for w, _ in pos_tagger().cut(s):
        if len(w) >= 2 and common_word_freq(w) >= COMMON_FREQ:
            return True
    return not looks_transliterated(s)


