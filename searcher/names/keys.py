"""Spelling keys and the small predicates every other module of the names package uses.

``norm_key`` is how two spellings are compared: ``simplify`` (width + script), lower case,
accents dropped, whitespace collapsed, every dash as '-', every middle dot as '·' (no spaces
around either).  So a lookup works in any script, width and case.

Nothing here depends on another module of the package.
"""
from __future__ import annotations

import difflib
import os
import re
import unicodedata

from ..normalize import HAN_RANGES, simplify

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
LEXICON_PATH = os.path.join(DATA_DIR, "lexicon.tsv")
CURATED_PATH = os.path.join(DATA_DIR, "curated.tsv")

COMMON_FREQ = 20  # jieba frequency from which a non-name dictionary word is a common word
LATIN_SIMILAR = 0.75

HAN_RE = re.compile(f"[{HAN_RANGES}]")
NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz", "nrf"})
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\uff0d\u2212\ufe63\ufe58-"
DOTS = "\u00b7\u2027\u30fb\u2022\u2219\u22c5\uff65"
_DASH_RE = re.compile(rf"\s*[{DASHES}]+\s*")
_DOT_RE = re.compile(rf"\s*[{DOTS}]\s*")
_WS_RE = re.compile(r"\s+")

# Wire services and picture agencies: a bracket holding one of these is a credit, never a name.
CREDITS = frozenset(
    {
        "reuters", "reuter", "ap", "afp", "epa", "epa-efe", "getty", "getty images", "bloomberg",
        "xinhua", "kyodo", "yonhap", "tass", "ria novosti", "dpa", "ansa", "efe", "upi", "aap", "pti",
        "anadolu agency", "nurphoto", "sopa images",
        "zuma press", "zuma wire", "shutterstock", "imaginechina", "alamy", "ap photo", "afp photo",
    }
)


def norm_key(s: str) -> str:
    """Lookup key of a spelling: script, width, case, accents, spacing, dashes and dots folded."""
    s = simplify(s.strip())
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = unicodedata.normalize("NFC", s).lower()
    s = _DASH_RE.sub("-", s)
    s = _DOT_RE.sub("·", s)
    s = _WS_RE.sub(" ", s).strip()
    return s


def han_len(s: str) -> int:
    return len(HAN_RE.findall(s))


def is_chinese(s: str) -> bool:
    return bool(HAN_RE.search(s))


def all_han(s: str) -> bool:
    return bool(s) and all(HAN_RE.match(c) for c in s)


def latin_letters(s: str) -> int:
    return sum(1 for c in s if c.isalpha() and not HAN_RE.match(c))


_ACRONYM_RE = re.compile(r"[A-Z][A-Z0-9&\-]{1,9}|[A-Z0-9]*[A-Z][A-Z0-9]*")
NAME_PARTICLES = frozenset(
    "de da das del della der den des di do dos du el la le les van von ter ten bin ibn al el y e "
    "of and the for und et zu op".split()
)


def is_acronym(s: str) -> bool:
    s = s.strip()
    return 2 <= len(s) <= 10 and bool(_ACRONYM_RE.fullmatch(s)) and any(c.isalpha() for c in s)


def looks_like_name_latin(s: str) -> bool:
    """A Latin proper name: capitalised words (particles and later lower-case words allowed),
    letters/apostrophes/hyphens/periods only, at most 7 words; or an acronym."""
    s = s.strip()
    if not s or len(s) > 80:
        return False
    if is_acronym(s):
        return True
    plain = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    plain = _DASH_RE.sub("-", plain)
    words = plain.split()
    if not 1 <= len(words) <= 7:
        return False
    for w in words:
        if not re.fullmatch(r"[A-Za-z][A-Za-z'’.\-]*|[A-Z0-9][A-Z0-9.\-]*", w):
            return False
    return words[0][0].isupper() or (words[0].lower() in NAME_PARTICLES and len(words) > 1)


def is_nickname_form(s: str) -> bool:
    """A press short form of a Latin initial (or two) and Chinese characters: C羅, C朗, J羅."""
    k = s.strip()
    return bool(re.fullmatch(rf"[A-Za-z]{{1,2}}[{HAN_RANGES}]{{1,3}}", k))


def jieba_dict():
    """jieba's bundled dictionary: word -> (frequency, POS tag), a read-only mapping
    (``get``, ``in``, ``items``) memory-mapped from its compiled copy (``jieba_words``)."""
    from .jieba_words import jieba_words

    return jieba_words()


def common_word_freq(s: str) -> int:
    """Frequency of ``s`` (any script) as a non-name jieba word; 0 if it is not one."""
    e = jieba_dict().get(simplify(s))
    if e and e[1] not in NAME_TAGS:
        return e[0]
    return 0


def word_freq(s: str) -> int:
    """jieba frequency of ``s`` (any script), whatever its tag; 0 if it is not a word."""
    e = jieba_dict().get(simplify(s))
    return e[0] if e else 0


def latin_compatible(a: str, b: str) -> bool:
    """Two normalised multi-word Latin names can name the same thing: similar last words
    (Zelensky / Zelenskyy) or one's words contain the other's (Fox News / Fox News Channel)."""
    wa, wb = a.replace(".", " ").split(), b.replace(".", " ").split()
    if len(wa) < 2 or len(wb) < 2:
        return True
    if set(wa) <= set(wb) or set(wb) <= set(wa):
        return True
    la, lb = wa[-1], wb[-1]
    return difflib.SequenceMatcher(None, la, lb).ratio() >= LATIN_SIMILAR


def read_table(path: str):
    """Rows of a tab-separated file with '#' comments and a header line, as dicts."""
    with open(path, encoding="utf-8") as f:
        header = None
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            yield dict(zip(header, cols))
