"""Mine name aliases from the corpus: 中文名（English Name）, （Vladimir Putin，又譯普丁或蒲亭）.

``mine_pairs(paragraphs)`` reads (article_id, paragraph_number, text) triples and returns
``MinedPair(zh, alias, id, n)``: ``zh`` is the Chinese name exactly as written in the text,
``alias`` the Latin name / acronym in the bracket (whitespace collapsed) or another Chinese form
the bracket gives with 又譯 / 又稱 / 或譯 ...

How a bracket becomes pairs
---------------------------
1. The bracket's parts (split at ，,、;；) are read: a Latin part that looks like a name (first
   word capitalised, letters only, <= 7 words; or an acronym such as G20, APEC) is the alias;
   a part starting with 又譯/又稱/或譯/亦譯/又名/簡稱... gives Chinese aliases (split at 或/、);
   a position (左, 右二, 中), a year, a language label ("英語：") is ignored.
2. Credits are rejected: a wire service / picture agency (Reuters, AP, Getty ...), or any
   bracket that follows sentence-final punctuation or starts the paragraph - nothing before
   it can be a name (.。（Reuters）, （影片截圖） has no Latin and no 又譯 anyway).
3. The Chinese name's boundary.  If a quoted term ends right before the bracket
   (「戰爭研究所」（ISW）), the name is the quoted text.  Otherwise the simplified text before
   the bracket (back to punctuation, Latin or digits) is segmented with jieba (POS tags) and
   read right to left:
     a. head nouns at the end (聯合基地, 新聞台, 導彈) belong to the name when the Latin has
        several words (Joint Base ..., Fox News); a one-word Latin name (Donetsk) does not
        cover them, so they are dropped (頓涅茨克州 -> 頓涅茨克 with the rule in d.).  A
        person noun at the end (領導人) is never part of a name.
     b. then name material: jieba words tagged as names (nr/ns/nt/nz...), words jieba does not
        know (its HMM's guesses: transliterations), single characters that are typical of
        transliterations (a score learnt from the shipped lexicon's names against jieba's
        dictionary, so 特, 森, 克 go on and 和, 在, 軍, 總 stop), dashes and dots between them.
        Title and role words (總統, 外長, 國務卿, 特使) and function words stop the name, which
        is how 烏克蘭總統澤連斯基 gives 澤連斯基.  A function character glued to the front of a
        guessed word (和泽|连斯基) is cut off.
        A one-word Latin name leaves out at most one such word, and then what remains must be a
        transliteration (so not 俄羅斯 from 俄羅斯天然氣工業公司（Gazprom）).
     c. a run of names may hold several: known dictionary names to the left
        (美國|阿拉斯加州, 阿拉斯加|安克拉治, 德國漢堡|二十國集團) are cut off; which cut is kept
        is decided by the syllables of the Latin (Anchorage ~ 4 characters) or, for acronyms and
        organisations, by cutting every leading place name.
     d. a one-word Latin place name does not transliterate an administrative suffix
        (阿拉斯加州 -> 阿拉斯加) when >= 2 characters remain.
4. The name must have >= 2 Han characters and not be a common word.
No list of names is involved: everything comes from jieba's dictionary, the bracket and the
lexicon's character statistics.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ..normalize import simplify
from .keys import (
    COMMON_FREQ,
    CREDITS,
    HAN_RE,
    NAME_TAGS,
    common_word_freq,
    han_len,
    is_acronym,
    jieba_dict,
    looks_like_name_latin,
    norm_key,
)
from .translit import pos_tagger, char_score, looks_transliterated


@dataclass(frozen=True)
class MinedPair:
    zh: str
    alias: str
    id: str
    n: int
    surname: str | None = None  # the derived Latin surname, when computed where it was mined ("" = none)
    zh_problem: str | None = None  # sources.member_problem(zh, "mined"), likewise ("" = none)
    alias_problem: str | None = None  # sources.member_problem(alias, "mined"), likewise


BRACKET_RE = re.compile(r"[（(]([^（）()]{1,160})[）)]")
PART_SPLIT_RE = re.compile(r"[，,、;；]")
LANG_LABEL_RE = re.compile(r"^\s*(?:[^\s：:，,]{1,8}?[語语文])\s*[：:]\s*")
POSITION_RE = re.compile(r"^(?:左|右|中|前|後|后|上|下)(?:[一二三四五六七八九十\d]|起)*(?:[起至].{0,4})?$|^(?:圖|图)(?:左|右|中)")
ALSO_RE = re.compile(r"^(?:又译|又称|或译|亦译|又名|亦称|一译|另译|或称|也译|也称|简称|港译|台译|陆译|旧译|通译|亦作|又作)(?:为|作|成)?")
ALT_SPLIT_RE = re.compile(r"或者|或|、|/|及|和")
QUOTES = {"」": "「", "』": "『", "”": "“", "》": "《", "〉": "〈", '"': '"'}
SENTENCE_END = set("。！？!?；;…")
FUNCTION_CHARS = set("和与及跟同对在给向的是将把被让如或为由从到至令叫请称说指见访问即则而并但又也都就还曾已再才仅只前副原该此其这那于以之等及")
ROLE_END_CHARS = set("人长员统理席使卿官者家帅相王师生手士督委")
ADMIN_SUFFIX = set("州市省县郡区镇村")
NUMERAL_CHARS = set("一二三四五六七八九十百千万两零〇")
DASH_CHARS = set("-‐‑‒–—―－")
DOT_CHARS = set("·‧・•")
REGION_MAX = 24
CUT_FREQ = 100  # a dictionary name this frequent (德國, 漢堡, 阿拉斯加) is an entity of its own
# (and so is a place name, tag ns, from COMMON_FREQ on: 阿拉斯加州)


# -- parsing brackets ------------------------------------------------------------------------


def _clean_latin(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip().strip(".,;:")
    return s


def parse_bracket(content: str) -> tuple[str | None, list[str]]:
    """(Latin alias or None, Chinese aliases) of a bracket's content."""
    latin = None
    chinese: list[str] = []
    for raw in PART_SPLIT_RE.split(content):
        part = raw.strip()
        if not part:
            continue
        part = LANG_LABEL_RE.sub("", part).strip()
        simp = simplify(part)
        m = ALSO_RE.match(simp)
        if m:
            rest = part[m.end():]
            for alt in ALT_SPLIT_RE.split(rest):
                alt = alt.strip().strip("「」『』“”\"'")
                if alt and all(HAN_RE.match(c) for c in alt) and han_len(alt) >= 2:
                    chinese.append(alt)
                elif alt and latin is None and looks_like_name_latin(alt):
                    latin = _clean_latin(alt)
            continue
        if POSITION_RE.match(simp):
            continue
        if latin is None and not HAN_RE.search(part) and looks_like_name_latin(part):
            cand = _clean_latin(part)
            if norm_key(cand) in CREDITS:
                return None, []
            latin = cand
    return latin, chinese


# -- boundary --------------------------------------------------------------------------------


def _region_start(simp: str, end: int) -> int:
    i = end
    while i > 0 and end - i < REGION_MAX:
        c = simp[i - 1]
        if HAN_RE.match(c):
            i -= 1
            continue
        if (c in DASH_CHARS or c in DOT_CHARS) and i >= 2 and i < end and HAN_RE.match(simp[i - 2]) \
                and HAN_RE.match(simp[i]):
            i -= 1
            continue
        break
    return i


def _syllables(word: str) -> float:
    """Rough number of Chinese characters a transliteration of ``word`` takes: one per vowel
    group, plus one per consonant that has no vowel after it (Dmitriev: de-mi-te-rie-fu), except
    a nasal coda (an, en) and the 'h' of a digraph (ch, sh, zh)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    w = re.sub(r"([csztkgp])h", r"\1", w)
    n = len(re.findall(r"[aeiouy]+", w))
    for i, c in enumerate(w):
        if c in "aeiouy":
            continue
        nxt = w[i + 1] if i + 1 < len(w) else ""
        prev = w[i - 1] if i > 0 else ""
        if nxt and nxt in "aeiouy":
            continue
        if c in "nm" and prev and prev in "aeiouy":
            continue
        if c == "w" and prev and prev in "aeiou":
            continue
        n += 1
    return max(1.0, float(n))


def _is_function_token(w: str, t: str) -> bool:
    return t[:1] in ("p", "c", "u", "r", "d", "y", "e", "o", "f", "q", "t") and t not in NAME_TAGS


def _is_role(w: str) -> bool:
    return len(w) >= 2 and w[-1] in ROLE_END_CHARS and common_word_freq(w) > 0


def _classify(w: str, t: str) -> str:
    """'name' | 'head' (an ordinary noun that may end an organisation's name) | 'verb' | 'stop'."""
    D = jieba_dict()
    if all(c in DASH_CHARS or c in DOT_CHARS for c in w):
        return "joint"
    if len(w) == 1:
        if w in FUNCTION_CHARS:
            return "stop"
        if t == "m" and w in NUMERAL_CHARS:
            return "num"
        if t in NAME_TAGS:
            return "name"
        return "name" if char_score(w) > 0 else "stop"
    entry = D.get(w)
    if entry is not None and w[-1] in ROLE_END_CHARS and any(
            common_word_freq(w[-k:]) > 0 for k in range(2, len(w) + 1)):
        return "role"  # 总统, 发言人, and 德国总理 (tagged nr in jieba's dictionary)
    if t in NAME_TAGS or t == "eng":
        return "name"
    if entry is None:  # jieba's HMM guess: not a dictionary word
        if w[-1] in ROLE_END_CHARS:
            return "role"  # 防长
        return "name"
    if _is_role(w):
        return "role"
    if entry[0] < COMMON_FREQ and sum(char_score(c) for c in w) > 0:
        return "name"  # a rare dictionary entry made of transliteration characters (基辅/n, 鲁比/j)
    if t.startswith("n") or t in ("vn", "an", "j", "l", "i", "b", "s"):
        return "head"
    if t.startswith("v"):
        return "verb"
    if t == "m" and all(c in NUMERAL_CHARS for c in w):
        return "num"
    return "stop"


def find_name(simp: str, end: int, latin: str | None) -> tuple[int, int] | None:
    """Span [start, end) of the name that ends at ``end`` in the simplified text."""
    if end <= 0:
        return None
    # quoted term right before the bracket
    q = simp[end - 1]
    if q in QUOTES:
        opener = QUOTES[q]
        j = simp.rfind(opener, max(0, end - 40), end - 1)
        if j >= 0:
            inner = simp[j + 1:end - 1]
            if 2 <= han_len(inner) and len(inner) <= 30 and all(
                    HAN_RE.match(c) or c in DASH_CHARS or c in DOT_CHARS for c in inner):
                return j + 1, end - 1
        return None
    start = _region_start(simp, end)
    region = simp[start:end]
    if han_len(region) < 2:
        return None
    toks = [(w, t) for w, t in pos_tagger().cut(region)]
    spans = []
    pos = start
    for w, t in toks:
        spans.append((pos, pos + len(w), w, t))
        pos += len(w)
    words = (latin or "").split()
    multi = len(words) >= 2 or (latin is not None and is_acronym(latin))
    cls = [_classify(w, t) for _, _, w, t in spans]
    i = len(spans) - 1
    # the character right before the bracket belongs to what the bracket glosses, unless it is
    # a function or person word (扎波罗|热 is a name even though 热 is a common character)
    last = spans[i][2]
    if len(last) == 1 and cls[i] == "stop" and last not in FUNCTION_CHARS and last not in ROLE_END_CHARS:
        cls[i] = "name"
    # a. trailing head nouns (and person nouns, which are never part of the name)
    tail_end = end
    while i >= 0 and cls[i] == "role":
        tail_end = spans[i][0]
        i -= 1
    tail = []
    while i >= 0 and cls[i] in ("head", "verb"):
        if cls[i] == "verb":
            left = cls[i - 1] if i > 0 else "stop"
            lw = spans[i - 1][2] if i > 0 else ""
            if not (tail and left == "name" and (jieba_dict().get(lw) or (0,))[0] < 500):
                break
        tail.append(i)
        i -= 1
    dropped_head = False
    if not multi:
        if tail:
            if len(tail) > 1:
                return None  # 天然氣工業公司（Gazprom）: more than a generic word the Latin leaves out
            tail_end = spans[tail[-1]][0]
            dropped_head = True
        tail = []
    # b. name material
    name_idx = []
    glued = None  # start of a name inside a token whose first character is a function word
    while i >= 0:
        c = cls[i]
        if c == "name":
            w = spans[i][2]
            if len(w) >= 2 and w[0] in FUNCTION_CHARS and w not in jieba_dict() and name_idx:
                glued = spans[i][0] + 1  # 和泽|连斯基: the name starts after 和
                name_idx.append(i)
                break
            name_idx.append(i)
            i -= 1
            continue
        if c == "joint" and name_idx and i > 0 and cls[i - 1] == "name":
            name_idx.append(i)
            i -= 1
            continue
        if c == "num" and (name_idx or tail) and (spans[i + 1][2][0] in NUMERAL_CHARS):
            name_idx.append(i)
            i -= 1
            continue
        break
    if not name_idx and not tail:
        return None
    if name_idx:
        lo = spans[name_idx[-1]][0]
        first = spans[name_idx[-1]]
        if glued is not None:
            lo = glued
        elif first[2][0] in FUNCTION_CHARS and first[2] not in jieba_dict() and len(first[2]) >= 2:
            lo += 1  # a function character glued to the front of a guessed word
    else:
        if len(tail) < 2:
            return None  # one ordinary noun alone is not a name
        lo = spans[tail[-1]][0]
    hi = tail_end
    # c. several names in one run: cut known names off the left
    cuts = [lo]
    for k in reversed(name_idx[1:]):
        s0, e0, w, t = spans[k]
        f = (jieba_dict().get(w) or (0, ""))[0]
        joined = simp[e0] in DASH_CHARS or simp[e0] in DOT_CHARS
        known = (f >= CUT_FREQ and t in NAME_TAGS) or (f >= COMMON_FREQ and t == "ns")
        if len(w) >= 2 and known and not joined and s0 >= lo \
                and han_len(simp[e0:hi]) >= 2:
            cuts.append(e0)
    if len(cuts) > 1:
        if latin is None:
            lo = cuts[0]
        elif multi and (is_acronym(latin) or tail):
            lo = cuts[-1]
        else:
            target = _syllables(words[-1] if words else latin)
            lo = min(cuts, key=lambda c: (abs(han_len(simp[c:hi]) - target), c))
    # d. administrative suffix not covered by a one-word Latin name
    if latin is not None and not multi and simp[hi - 1] in ADMIN_SUFFIX and han_len(simp[lo:hi - 1]) >= 2:
        hi -= 1
    while lo < hi and not HAN_RE.match(simp[lo]):
        lo += 1
    if han_len(simp[lo:hi]) < 2:
        return None
    if dropped_head and not looks_transliterated(simp[lo:hi]):
        return None  # 美國聯邦|準備理事會（Fed）: what is left is not the name
    return lo, hi


def _valid_zh(zh: str) -> bool:
    if han_len(zh) < 2 or len(zh) > 30:
        return False
    k = simplify(zh)
    if common_word_freq(k) >= COMMON_FREQ:
        return False
    if k[0] in FUNCTION_CHARS and k not in jieba_dict():
        return False
    return True


def mine_paragraph(article_id: str, n: int, text: str) -> list[MinedPair]:
    out: list[MinedPair] = []
    if "（" not in text and "(" not in text:
        return out
    simp = simplify(text)
    for m in BRACKET_RE.finditer(text):
        latin, chinese = parse_bracket(m.group(1))
        if latin is None and not chinese:
            continue
        end = m.start()
        while end > 0 and simp[end - 1] in " \t\u3000":
            end -= 1
        if end == 0 or simp[end - 1] in SENTENCE_END or simp[end - 1] in "（(）)":
            continue  # a credit or note after a sentence, not a name's gloss
        span = find_name(simp, end, latin)
        if span is None:
            continue
        zh = text[span[0]:span[1]]
        if not _valid_zh(zh):
            continue
        if latin is not None:
            out.append(MinedPair(zh, latin, article_id, n))
        for alt in chinese:
            if norm_key(alt) != norm_key(zh):
                out.append(MinedPair(zh, alt, article_id, n))
    return out


def mine_pairs(paragraphs: Iterable[tuple[str, int, str]]) -> list[MinedPair]:
    """Alias pairs from (article_id, paragraph_number, text) triples, in text order, one per
    occurrence (the same pair may come from many paragraphs: each is provenance)."""
    out: list[MinedPair] = []
    for article_id, n, text in paragraphs:
        out += mine_paragraph(article_id, n, text)
    return out
