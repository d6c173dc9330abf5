"""Summit compounds: a meeting of two leaders written as one character of each name plus 會
(拜習會 = 習拜會; 拜普會 / 拜蒲會).  Each outlet shortens each leader's name in its own spelling,
so a compound is expanded from the leaders' regional names: the first character of every
spelling of each leader, both orders.

A typed word is a compound when it is three characters ending in 會/会, is not itself a word
(委員會, 運動會) or a name, and each of its first two characters starts the name of a person
the corpus writes about.  The pair meant is the one the corpus writes about together most
(a summit brings both names into the same paragraphs); without such a pair, each character's
most frequent person.  A generated
compound whose two characters are a name or a word of their own (川普會 is "Trump will") is
left out: it would find other text.
"""
from __future__ import annotations

from ..normalize import simplify
from .keys import HAN_RE, is_chinese, jieba_dict, norm_key

SUFFIXES = ("会",)


def _person_groups(table):
    """first character -> [group] of person groups (lexicon kind person, or mined), cached."""
    idx = getattr(table, "_compound_index", None)
    if idx is None:
        idx = {}
        for g in table.groups():
            kinds = {p.get("kind") for v in g.sources.values() for p in v}
            srcs = {p.get("source") for v in g.sources.values() for p in v}
            if "person" not in kinds and "mined" not in srcs:
                continue
            for c in {simplify(m)[0] for m in short_names(g)}:
                idx.setdefault(c, []).append(g)
        table._compound_index = idx
    return idx


MAX_PEOPLE = 60
_people = None


def _jieba_people() -> dict[str, list[str]]:
    """first character -> 3-character person names of jieba's dictionary, most frequent first."""
    global _people
    if _people is None:
        idx: dict[str, list] = {}
        for w, (f, t) in jieba_dict().items():
            if len(w) == 3 and t.startswith("nr") and all(HAN_RE.match(c) for c in w):
                idx.setdefault(w[0], []).append((-f, w))
        _people = {c: [w for _, w in sorted(v)] for c, v in idx.items()}
    return _people


def short_names(group) -> list[str]:
    """The Chinese spellings a leader's short form is taken from: not full names, not shared."""
    out = []
    for m in group.members:
        k = norm_key(m)
        if is_chinese(m) and "·" not in k and k not in group.ambiguous and all(HAN_RE.match(c) for c in k):
            out.append(m)
    return out


MAX_CANDIDATES = 20  # people per character weighed for a pair
SAMPLE = 200  # paragraphs of a leader read to count the other's presence


def _candidates(c: str, table, corpus) -> list:
    """People whose name starts with ``c`` that the corpus writes about:
    [(frequency, name as written, short-form characters, every Chinese spelling)], most frequent first."""
    out = []
    for g in _person_groups(table).get(c, ()):
        names = [m for m in short_names(g) if simplify(m)[0] == c]
        f = sum(corpus.word_freq(m) for m in names)
        if f:
            out.append((f, names[0], sorted({simplify(m)[0] for m in short_names(g)}),
                        [simplify(m) for m in short_names(g)]))
    out.sort(key=lambda x: (-x[0], x[1]))
    return out[:MAX_CANDIDATES]


def _together(a, b, corpus) -> int:
    """Paragraphs (of a sample) in which the corpus writes about both people."""
    n = 0
    for name in a[3][:4]:
        for *_, text in corpus.sample_paragraphs(name, SAMPLE):
            t = simplify(text)
            if any(x in t for x in b[3]):
                n += 1
    return n


def leaders(c1: str, c2: str, table, corpus):
    """The two leaders a compound of ``c1`` and ``c2`` names: the pair the corpus writes
    about together most (a summit brings both into the same paragraphs), else each
    character's most frequent person.  [(name, short-form characters)] or None."""
    if corpus is not None:
        A, B = _candidates(c1, table, corpus), _candidates(c2, table, corpus)
        best = None
        for a in A:
            for b in B:
                if a[1] == b[1]:
                    continue
                key = (_together(a, b, corpus), a[0] + b[0], a[1], b[1])
                if key[0] and (best is None or key[:2] > best[0][:2]):
                    best = (key, a, b)
        if best is not None:
            return (best[1][1], best[1][2]), (best[2][1], best[2][2])
    a, b = leader(c1, table, corpus), leader(c2, table, corpus)
    return None if a is None or b is None else (a, b)


def leader(c: str, table, corpus):
    """(name as the corpus writes it, its short-form characters) of the leader meant by ``c``."""
    best = None
    for g in _person_groups(table).get(c, ()):
        names = [m for m in short_names(g) if simplify(m)[0] == c]
        f = sum(corpus.word_freq(m) for m in names) if corpus is not None else 0
        if corpus is not None and f == 0:
            continue
        chars = sorted({simplify(m)[0] for m in short_names(g)})
        cand = (f, len(g.members), names[0], chars)
        if best is None or cand[:2] > best[:2]:
            best = cand
    if best is None and corpus is not None:
        # a leader with one spelling everywhere (習近平): the most frequent index word of 3
        # characters starting with c that jieba knows as a person's name
        words = [(corpus.word_freq(w), w) for w in _jieba_people().get(c, ())[:MAX_PEOPLE]]
        words = [x for x in words if x[0] > 0]
        if words:
            f, w = max(words)
            best = (f, 1, w, [c])
    return None if best is None else (best[2], best[3])


def expand(text: str, table, corpus) -> tuple[list[str], list[str]] | None:
    """(the leaders' names, every other spelling of the compound) or None if ``text`` is not one."""
    s = simplify(text.strip())
    if len(s) != 3 or s[2] not in SUFFIXES or not all(HAN_RE.match(c) for c in s):
        return None
    if s in jieba_dict() or table.lookup(s) is not None or table.lookup(s[:2]) is not None:
        return None
    pair = leaders(s[0], s[1], table, corpus)
    if pair is None or pair[0][0] == pair[1][0]:
        return None
    a, b = pair
    out = []
    for x in a[1]:
        for y in b[1]:
            for pair in (x + y, y + x):
                if pair in jieba_dict() or table.lookup(pair) is not None:
                    continue
                alt = pair + s[2]
                if alt != s and alt not in out:
                    out.append(alt)
    return [a[0], b[0]], out
