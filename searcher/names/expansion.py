"""Query-time expansion: a query word becomes every spelling of the names in it.

``Expander(table, corpus=None, exclude=(), discovered=True)`` is the ``expand`` callback of
``query.Compiler``: given one query word (or quoted phrase) it returns the other spellings to
search for, and records what it applied in ``applied`` (for the result's ``variants`` field and
the page's "also searched" chips).  In order:

1. the word is a group member (特朗普, Trump, 貝理雅): the group's spellings of the same
   person (a full name or a press name finds that person, a surname the whole group); a form
   two entities share is read as the one the corpus writes about most;
2. a summit compound (拜習會): the compounds of the leaders' regional short forms, both orders;
3. toneless pinyin of an index word (``xijinping``, ``wu ke lan``): that word and its spellings;
4. names inside a longer word or phrase (美國總統川普): each replaced in place;
5. with ``discovered``: confident unwritten variants (施瓦布 / 史瓦布) from ``discovery``.

Every spelling in ``exclude`` (any script) is left out, so the page can switch chips off.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from ..normalize import simplify
from . import compounds, discovery
from .keys import HAN_RE, is_chinese, norm_key
from .pinyin import typed_key

MAX_ALTERNATIVES = 32
MAX_NAME_CHARS = 16


@dataclass
class Applied:
    term: str  # as typed
    group: list[str]  # every spelling searched
    sources: list[str]  # lexicon, mined, opencc, curated, derived, compound, pinyin, discovered
    understood: str | None = None  # what a pinyin query was read as (拜登 for "baideng")
    excluded: list[str] = field(default_factory=list)  # spellings switched off

    def to_json(self) -> dict:
        d = {"term": self.term, "group": self.group, "sources": self.sources}
        if self.understood:
            d["understood"] = self.understood
        if self.excluded:
            d["excluded"] = self.excluded
        return d


def group_sources(group) -> list[str]:
    return group.source_names()


def _key(s: str) -> str:
    return " ".join(simplify(s).lower().replace("·", " ").replace("-", " ").split())


def _first_name(s: str) -> str | None:
    """The given name of a full name ("George W. Bush" -> george, 喬治·布希 -> 乔治); None if one word."""
    parts = _key(s).split()
    return parts[0] if len(parts) > 1 else None


def same_person(term: str, members) -> list[str]:
    """The members that name what ``term`` names, by Latin given names: a surname expands to the
    whole group; a full name to the full names with its given name when the group holds
    several people (George W. Bush, Kate Bush under 布什/布希/布殊)."""
    first = _first_name(term)
    if first is None:
        return list(members)
    latin_firsts = {_first_name(m) for m in members if _first_name(m) and m.isascii()}
    if len(latin_firsts) <= 1:
        return list(members)
    return [m for m in members if _first_name(m) == first]


def _member(group, term: str) -> str | None:
    k = norm_key(term)
    for m in group.members:
        if norm_key(m) == k:
            return m
    return None


def group_spellings(group, term: str) -> list[str]:
    """The spellings of ``group`` that name what ``term`` names (see the module docstring)."""
    m = _member(group, term)
    eid = group.entity.get(m) if m is not None else None
    plain = [x for x in group.members if x not in group.entity and norm_key(x) not in group.ambiguous]
    if eid is None:
        people = [x for x in group.members if x in group.entity]
        return same_person(term, plain + people)
    person = [x for x in group.members if group.entity.get(x) == eid]
    firsts = {_first_name(x) for x in group.entity if x.isascii() and _first_name(x)}
    one_person = len(set(group.entity.values())) == 1 or len(firsts) == 1  # Donald J. Trump = Donald Trump
    press_name = m is not None and " " not in m.strip() and "·" not in norm_key(m) and not any(
        is_chinese(x) and norm_key(x) in norm_key(m) for x in plain)  # 小布希 holds its surname: not it
    return person + plain if (press_name or one_person) else person


class Expander:
    def __init__(self, table, corpus=None, exclude=(), discovered: bool = True, pinyin: bool = True):
        self.table = table
        self.corpus = corpus
        self.exclude = {norm_key(x) for x in exclude if x and x.strip()}
        self.discovered = discovered
        self.pinyin = pinyin
        self.applied: list[Applied] = []

    # -- what a word means ------------------------------------------------------------------
    def group_of(self, term: str):
        """The group ``term`` belongs to; a form two entities share is read as the entity whose
        other spellings the corpus holds most (the first listed without a corpus)."""
        cands = self.table.candidates(term)
        if len(cands) <= 1 or self.corpus is None:
            return cands[0] if cands else None
        k = norm_key(term)

        def weight(g):
            return sum(self.corpus.word_freq(m) for m in g.members
                       if is_chinese(m) and norm_key(m) != k and norm_key(m) not in g.ambiguous)

        return max(cands, key=lambda g: (weight(g), -cands.index(g)))

    def spellings(self, term: str):
        """(group, every spelling of ``term``) or (None, [])."""
        group = self.group_of(term)
        if group is None:
            return None, []
        out = []
        for m in group_spellings(group, term):
            k = norm_key(m)
            if k in group.ambiguous and k != norm_key(term) and self.group_of(m) is not group:
                continue  # a shared form this corpus uses for the other entity
            out.append(m)
        return group, out

    def pinyin_word(self, text: str) -> str | None:
        """The index word a pinyin string stands for (the most frequent), or None."""
        if not self.pinyin or self.corpus is None:
            return None
        key = typed_key(text)
        if key is None or self.table.lookup(text) is not None:
            return None
        words = dict(self.corpus.words_for_pinyin(key))
        # names the table knows that the index holds, even where jieba splits them
        spellings = getattr(self.table, "spellings_for_pinyin", None)
        for w in spellings(key) if spellings else ():
            if w not in words:
                f = self.corpus.word_freq(w)
                if f:
                    words[w] = f
        if not words:
            return None
        return max(words.items(), key=lambda wf: (wf[1], wf[0]))[0]

    def is_name(self, text: str) -> bool:
        return self.table.lookup(text) is not None or (" " in text and self.pinyin_word(text) is not None)

    # -- the callback -------------------------------------------------------------------------
    def _record(self, term: str, members, sources, understood=None) -> list[str]:
        kept, dropped = [], []
        for m in members:
            (dropped if norm_key(m) in self.exclude and norm_key(m) != norm_key(term) else kept).append(m)
        if all(a.term != term for a in self.applied):
            self.applied.append(Applied(term, list(kept), list(sources), understood, dropped))
        return kept

    def __call__(self, text: str) -> list[str]:
        text = text.strip()
        group, members = self.spellings(text)
        if group is not None:
            sources = group_sources(group)
            if self.table.is_ambiguous(text):
                sources = sources + ["ambiguous"]
            extra = self._discovered_for(text) if self.discovered else []
            if extra:
                sources = sources + ["discovered"]
            kept = self._record(text, members + extra, sources)
            return _others(text, kept)
        comp = compounds.expand(text, self.table, self.corpus)
        if comp is not None and comp[1]:
            kept = self._record(text, [text] + comp[1], ["compound"], understood=" + ".join(comp[0]))
            return _others(text, kept)
        word = self.pinyin_word(text)
        if word is not None:
            g, ms = self.spellings(word)
            members = [word] + [m for m in ms if norm_key(m) != norm_key(word)]
            sources = ["pinyin"] + (group_sources(g) if g is not None else [])
            kept = self._record(text, members, sources, understood=word)
            return [m for m in kept if norm_key(m) != norm_key(text)]
        if self.discovered:
            extra = self._discovered_for(text)
            if extra:
                kept = self._record(text, [text] + extra, ["discovered"])
                return _others(text, kept)
        return self._inside(text)

    def _discovered_for(self, term: str) -> list[str]:
        if self.corpus is None or not is_chinese(term):
            return []
        return [d.other for d in discovery.candidates(term, self.table, self.corpus) if d.confident]

    def _inside(self, text: str) -> list[str]:
        spans = self._names_inside(text)
        if not spans:
            return []
        options = []
        for a, b, _ in spans:
            name = text[a:b]
            g, members = self.spellings(name)
            kept = self._record(name, members, group_sources(g))
            options.append([name] + _others(name, kept))
        out = []
        for combo in itertools.product(*options):
            alt, last = [], 0
            for (a, b, _), spelling in zip(spans, combo):
                alt.append(text[last:a])
                alt.append(spelling)
                last = b
            alt.append(text[last:])
            s = "".join(alt).strip()
            if s != text:
                out.append(s)
            if len(out) >= MAX_ALTERNATIVES:
                break
        return out

    def _names_inside(self, text: str):
        """(start, end, group) of the names inside ``text``, left to right.

        Every span that is a known spelling is a candidate, not only runs of whole jieba words
        (mined names are not segmenter words).  Spans that start and end on jieba word
        boundaries go first, then longer ones; a span overlapping one already taken is dropped,
        so a name is never read inside another name (普京 is never inside 川普).  A span that
        cuts into a jieba word is taken only when that word is not in jieba's dictionary (an
        unknown word: the segmenter's guess around a name it does not know), so a name is never
        read inside a known word (克蘭 is not inside 烏克蘭)."""
        from ..analysis import WordTokenizer

        pieces = list(WordTokenizer()._pieces(simplify(text)))
        bounds = {0, len(text)} | {x for _, a, b, _ in pieces for x in (a, b)}
        latin = [(a, b) for w, a, b, _ in pieces if not is_chinese(w)]
        cands = []
        n = len(text)
        # A span inside a run of Han characters has for key the span of the run's key (keys
        # fold Han characters one by one), so the ~8 lookups per character do not each
        # normalise their span again; only spans with other characters are normalised.
        run_of = _han_runs(text)
        # A span holding a character whose key has a character no key has is no name.
        chars = self.table.key_chars()
        stop = _next_foreign(text, chars, run_of)
        for a in range(n):
            for b in range(min(n, a + MAX_NAME_CHARS, stop[a]), a + 1, -1):
                run = run_of[a]
                if run is not None and run is run_of[b - 1]:
                    g = self.table.lookup_key(run[1][a - run[0]:b - run[0]])
                else:
                    sub = text[a:b]
                    if sub != sub.strip():
                        continue
                    g = self.table.lookup(sub)
                if g is None:
                    continue
                aligned = (a in bounds) + (b in bounds)
                if aligned == 0:
                    continue
                if aligned == 1 and any(_cuts_known_word(pieces, x) for x in (a, b) if x not in bounds):
                    continue
                if any(la < a < lb or la < b < lb for la, lb in latin):
                    continue  # inside a Latin word
                cands.append((-aligned, -(b - a), a, b, g))
        cands.sort(key=lambda c: c[:4])
        taken = []
        for _, _, a, b, g in cands:
            if all(b <= x or a >= y for x, y, _ in taken):
                taken.append((a, b, g))
        return sorted(taken, key=lambda t: t[0])


def _han_runs(text: str) -> list:
    """For each character of ``text``: (start, key) of the run of Han characters it is in,
    when that run's key has one character per character; else None."""
    out: list = [None] * len(text)
    i, n = 0, len(text)
    while i < n:
        if not HAN_RE.match(text[i]):
            i += 1
            continue
        j = i + 1
        while j < n and HAN_RE.match(text[j]):
            j += 1
        key = norm_key(text[i:j])
        if len(key) == j - i:
            out[i:j] = [(i, key)] * (j - i)
        i = j
    return out


def _next_foreign(text: str, chars, run_of) -> list[int]:
    """For each position: where the next character (that one or later) is that no lookup
    key can hold (its own key has a character outside ``chars``; None: any can), or ``len(text)``.
    Spaces never stop a span (keys fold runs of them); ``run_of``: ``_han_runs(text)``."""
    n = len(text)
    out = [n] * (n + 1)
    if chars is None:
        return out
    for i in range(n - 1, -1, -1):
        c, run = text[i], run_of[i]
        if run is not None:
            foreign = run[1][i - run[0]] not in chars
        else:
            foreign = not c.isspace() and not set(norm_key(c)) <= chars
        out[i] = i if foreign else out[i + 1]
    return out


def _cuts_known_word(pieces, x: int) -> bool:
    """The jieba piece that position x falls inside is a dictionary word."""
    from .keys import jieba_dict

    for w, a, b, _ in pieces:
        if a < x < b:
            return is_chinese(w) and w in jieba_dict()
    return False


def _others(term: str, members) -> list[str]:
    k0, seen, out = _key(term), set(), []
    seen.add(k0)
    for m in members:
        k = _key(m)
        if k not in seen:
            seen.add(k)
            out.append(m)
    return out


def variants_json(table, term: str, corpus=None, discovered: bool = False) -> dict:
    """``{"term", "group", "members": [{"member", "sources"}], ...}``: what ``term`` expands to,
    with provenance (the shape of ``searcher variants --json`` and ``/api/variants``).  Besides
    group members: ``compound`` (leaders), ``pinyin`` (the word understood) and, with
    ``discovered``, candidate unwritten variants with their evidence."""
    def unique(provs):
        return list({json.dumps(p, sort_keys=True, ensure_ascii=False): p for p in provs}.values())

    ex = Expander(table, corpus)
    out = {"term": term, "group": [], "members": []}
    g, members = ex.spellings(term)
    if g is not None:
        out["group"] = list(members)
        out["members"] = [{"member": m, "sources": unique(g.sources.get(m, []))} for m in members]
        if table.is_ambiguous(term):
            out["ambiguous"] = [c.members for c in table.candidates(term)]
    else:
        comp = compounds.expand(term, table, corpus)
        word = ex.pinyin_word(term) if comp is None else None
        if comp is not None and comp[1]:
            out["group"] = [term] + comp[1]
            out["members"] = [{"member": m, "sources": [{"source": "compound", "leaders": comp[0]}]}
                              for m in out["group"]]
        elif word is not None:
            g2, ms = ex.spellings(word)
            out["understood"] = word
            out["group"] = [word] + [m for m in ms if norm_key(m) != norm_key(word)]
            out["members"] = [{"member": m, "sources": [{"source": "pinyin", "typed": term}]
                               + (unique(g2.sources.get(m, [])) if g2 is not None else [])}
                              for m in out["group"]]
    if discovered and corpus is not None:
        found = discovery.candidates(term, table, corpus)
        out["discovered"] = [d.to_json() for d in found]
        for d in found:
            if d.confident and all(norm_key(x["member"]) != norm_key(d.other) for x in out["members"]):
                out["members"].append({"member": d.other, "sources": [{"source": "discovered", **d.to_json()}]})
                out["group"] = out["group"] or [term]
                out["group"].append(d.other)
    return out
