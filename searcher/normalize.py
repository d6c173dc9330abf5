"""Script and width normalisation that keeps every character in place.

``simplify(text)`` folds full-width ASCII to half-width and converts Traditional
(Taiwan and Hong Kong variant characters included) to Simplified Chinese with
OpenCC's own character tables (shipped by opencc-python-reimplemented).  The
mapping is character for character, so the result has exactly the length of the
input: offset ``i`` in the simplified text is offset ``i`` in the original.  That
is what lets the analyzer segment Simplified text while highlights point into the
article's own characters.

It is deliberately context-free: OpenCC's phrase tables convert a character
differently depending on its neighbours (彷彿 -> 仿佛 but 彷 alone stays), which
would make a substring of a paragraph normalise differently from the paragraph
and break find-in-page.  A per-character function applied to both sides cannot.
We use OpenCC's data but not its converter (which returns no alignment and walks
the text in pure Python): ``str.translate`` is one C call.
"""
from __future__ import annotations

import os
import threading

# Character tables applied in order, as in OpenCC's hk2s / tw2s chains: variant
# forms first, then Traditional -> Simplified.  Only one-to-one entries are used.
_CHAINS = ("HKVariantsRev.txt", "TWVariantsRev.txt", "TSCharacters.txt")

_lock = threading.Lock()
_table = None


def _dict_dir() -> str:
    import opencc  # opencc-python-reimplemented ships the OpenCC text dictionaries

    return os.path.join(os.path.dirname(opencc.__file__), "dictionary")


def _read(name: str) -> dict[str, str]:
    out = {}
    with open(os.path.join(_dict_dir(), name), encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            first = value.split(" ")[0]
            if len(key) == 1 and len(first) == 1:
                out[key] = first
    return out


def _build():
    chars: dict[str, str] = {}
    for name in reversed(_CHAINS):  # compose: earlier tables feed later ones
        later = dict(chars)
        for k, v in _read(name).items():
            chars[k] = later.get(v, v)
    # Width folding: full-width ASCII forms and the ideographic space.
    for cp in range(0xFF01, 0xFF5F):
        chars[chr(cp)] = chr(cp - 0xFEE0)
    chars["\u3000"] = " "
    return str.maketrans({k: v for k, v in chars.items() if k != v})


def _get():
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = _build()
    return _table


_inverse = None


def sources_of(ch: str) -> str:
    """Every character ``simplify`` turns into ``ch`` (``ch`` itself when it stays), sorted:
    how to find a normalised string in text that was never normalised."""
    global _inverse
    if _inverse is None:
        inv: dict[str, set] = {}
        for k, v in _get().items():
            inv.setdefault(v if isinstance(v, str) else chr(v), set()).add(chr(k))
        _inverse = {k: frozenset(v) for k, v in inv.items()}
    out = set(_inverse.get(ch, ()))
    if simplify(ch) == ch:
        out.add(ch)
    return "".join(sorted(out))


def simplify(text: str) -> str:
    """Width-fold and convert to Simplified Chinese; ``len(result) == len(text)``."""
    return text.translate(_get())


def is_han(ch: str) -> bool:
    """True for CJK ideographs (the characters jieba and the bigram index work on)."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x3134F
        or 0xF900 <= o <= 0xFAFF
        or o == 0x3007
    )


HAN_RANGES = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
