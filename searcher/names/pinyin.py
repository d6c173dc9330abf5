"""Mandarin readings of index words, for pinyin queries and for names that sound alike.

``pinyin_key(word)``  toneless pinyin of a word of >= 2 Han characters, syllables joined, ü as u
                      (拜登 -> "baideng", 烏克蘭 -> "wukelan"); None for anything else.
``sound_key(word)``   a coarser key that near-homophones share: each syllable's initial and final
                      folded into a class (施 shi / 斯 si / 茨 ci, 登 deng / 頓 dun / 坦 tan ...).
``typed_key(text)``   the key of what a reader typed ("Xi Jinping", "wu ke lan", "BaiDeng"), or
                      None when it is not a run of >= 2 pinyin syllables.

Readings come from pypinyin (its default reading of each character in context); both functions
are pure and cached, since the engine calls them for every new vocabulary word at index time.
"""
from __future__ import annotations

import functools
import re

from ..normalize import simplify
from .keys import HAN_RE

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x",
             "r", "z", "c", "s", "y", "w")
# initial classes: sounds that transliterations of one foreign sound use interchangeably
_INITIAL_CLASS = {"b": "b", "p": "b", "d": "d", "t": "d", "g": "g", "k": "g", "h": "h", "f": "h",
                  "j": "z", "q": "z", "x": "z", "z": "z", "c": "z", "s": "z", "zh": "z", "ch": "z",
                  "sh": "z", "l": "l", "n": "l", "r": "l", "m": "m", "y": "", "w": "", "": ""}


def _final_class(f: str) -> str:
    f = f.replace("v", "u")
    if f.endswith("ng"):
        f = f[:-1]
    if f.endswith("n"):
        return "an" if "a" in f else "en"
    f = re.sub(r"^[iu](?=[aeo])", "", f)  # medials: ia -> a, uo -> o, ie -> e
    if f in ("o", "e", "er"):
        return "e"
    if f in ("i", "u"):
        return f
    return f


def _split(syl: str) -> tuple[str, str]:
    for ini in _INITIALS:
        if syl.startswith(ini) and len(syl) > len(ini):
            return ini, syl[len(ini):]
    return "", syl


@functools.lru_cache(maxsize=1 << 16)
def syllables(word: str) -> tuple[str, ...] | None:
    """Toneless pinyin syllables of an all-Han word of >= 2 characters, else None."""
    s = simplify(word.strip())
    if len(s) < 2 or not all(HAN_RE.match(c) for c in s):
        return None
    from pypinyin import lazy_pinyin

    out = tuple(p.replace("v", "u").replace("ü", "u") for p in lazy_pinyin(s))
    if len(out) != len(s) or not all(p.isascii() and p.isalpha() for p in out):
        return None
    return out


def pinyin_key(word: str) -> str | None:
    syl = syllables(word)
    return "".join(syl) if syl else None


def syllable_class(syl: str) -> str:
    ini, fin = _split(syl)
    return _INITIAL_CLASS.get(ini, ini) + _final_class(fin)


def sound_key(word: str) -> str | None:
    syl = syllables(word)
    return "-".join(syllable_class(s) for s in syl) if syl else None


def sound_similarity(a: str, b: str) -> float:
    """Syllable by syllable: 1 for the same reading, 0.75 for the same sound class, 0.5 for the
    same final class alone, else 0; averaged.  0 when the syllable counts differ."""
    sa, sb = syllables(a), syllables(b)
    if not sa or not sb or len(sa) != len(sb):
        return 0.0
    total = 0.0
    for x, y in zip(sa, sb):
        if x == y:
            total += 1.0
        elif syllable_class(x) == syllable_class(y):
            total += 0.75
        elif _final_class(_split(x)[1]) == _final_class(_split(y)[1]):
            total += 0.5
    return total / len(sa)


@functools.lru_cache(maxsize=1)
def _syllable_set() -> frozenset:
    from pypinyin import lazy_pinyin

    chars = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
    return frozenset(p.replace("v", "u").replace("ü", "u") for p in lazy_pinyin(chars) if p.isascii())


_TYPED_RE = re.compile(r"[A-Za-zÜüVv' ]+")


def typed_key(text: str) -> str | None:
    """The pinyin key of a typed string, if it splits into >= 2 pinyin syllables."""
    t = text.strip()
    if not t or not _TYPED_RE.fullmatch(t):
        return None
    k = re.sub(r"[ ']", "", t.lower()).replace("ü", "u").replace("v", "u")
    if len(k) < 3:
        return None
    ok = _syllable_set()
    # fewest syllables covering the string (dynamic programming); >= 2 needed
    best = [0] + [None] * len(k)
    for i in range(1, len(k) + 1):
        for j in range(max(0, i - 6), i):
            if best[j] is not None and k[j:i] in ok:
                n = best[j] + 1
                if best[i] is None or n < best[i]:
                    best[i] = n
    if best[len(k)] is None or best[len(k)] < 2:
        return None
    return k
