"""Query-time variant expansion: a query word becomes every spelling of the names in it.

``Expander(table)`` is the ``expand`` callback of ``query.Compiler``: given one
query word (or quoted phrase) it returns the other spellings to search for, and
records what it applied (for the result's ``variants`` field and the page's
"also searched" line).

A word that is itself a group member (特朗普, Trump, Zelenskyy) expands to the
group.  A longer word or phrase (美國總統特朗普) expands the names inside it, where
a name is a run of whole jieba words (names are registered with jieba, so
普京 is never matched inside 川普 or a name inside an unrelated word); each
alternative is the phrase with the name replaced.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from .analysis import WordTokenizer
from .normalize import simplify

MAX_ALTERNATIVES = 32
MAX_NAME_WORDS = 4  # a name spans at most this many jieba words


@dataclass
class Applied:
    term: str  # as typed
    group: list[str]  # every spelling searched
    sources: list[str]  # where the group comes from (mined, lexicon, opencc, curated, derived)

    def to_json(self) -> dict:
        return {"term": self.term, "group": self.group, "sources": self.sources}


def group_sources(group) -> list[str]:
    return sorted({p.get("source", "?") for provs in group.sources.values() for p in provs})


@dataclass
class Expander:
    table: object  # variants.VariantTable
    applied: list[Applied] = field(default_factory=list)

    def _record(self, term: str, group) -> None:
        if all(a.term != term for a in self.applied):
            self.applied.append(Applied(term, list(group.members), group_sources(group)))

    def __call__(self, text: str) -> list[str]:
        text = text.strip()
        group = self.table.lookup(text)
        if group is not None:
            self._record(text, group)
            return self.table.expand(text)
        spans = self._names_inside(text)
        if not spans:
            return []
        options = []
        for a, b, g in spans:
            name = text[a:b]
            self._record(name, g)
            options.append([name] + self.table.expand(name))
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
        """(start, end, group) of names made of whole words, longest first, left to right."""
        pieces = WordTokenizer()._pieces(simplify(text))
        bounds = sorted({0, len(text)} | {x for _, a, b, _ in pieces for x in (a, b)})
        spans, i = [], 0
        while i < len(bounds) - 1:
            a = bounds[i]
            hit = None
            for j in range(min(len(bounds) - 1, i + MAX_NAME_WORDS), i, -1):
                b = bounds[j]
                g = self.table.lookup(text[a:b])
                if g is not None:
                    hit = (j, (a, b, g))
                    break
            if hit:
                spans.append(hit[1])
                i = hit[0]
            else:
                i += 1
        return spans


def variants_json(table, term: str) -> dict:
    """``{"term", "group", "members": [{"member", "sources"}]}``: a group with provenance
    (the shape of ``searcher variants --json`` and ``/api/variants``)."""
    g = table.lookup(term)
    if g is None:
        return {"term": term, "group": [], "members": []}
    def unique(provs):
        return list({json.dumps(p, sort_keys=True, ensure_ascii=False): p for p in provs}.values())

    return {"term": term, "group": list(g.members),
            "members": [{"member": m, "sources": unique(g.sources.get(m, []))} for m in g.members]}
