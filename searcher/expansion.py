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

    def _record(self, term: str, group, members) -> None:
        if all(a.term != term for a in self.applied):
            self.applied.append(Applied(term, list(members), group_sources(group)))

    def is_name(self, text: str) -> bool:
        return self.table.lookup(text) is not None

    def spellings(self, term: str):
        """(group, every spelling of ``term``) or (None, [])."""
        group = self.table.lookup(term)
        if group is None:
            return None, []
        return group, same_person(term, group.members)

    def __call__(self, text: str) -> list[str]:
        text = text.strip()
        group, members = self.spellings(text)
        if group is not None:
            self._record(text, group, members)
            return _others(text, members)
        spans = self._names_inside(text)
        if not spans:
            return []
        options = []
        for a, b, g in spans:
            name = text[a:b]
            _, members = self.spellings(name)
            self._record(name, g, members)
            options.append([name] + _others(name, members))
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


def _key(s: str) -> str:
    return " ".join(simplify(s).lower().replace("·", " ").replace("-", " ").split())


def _others(term: str, members) -> list[str]:
    k0, seen, out = _key(term), set(), []
    seen.add(k0)
    for m in members:
        k = _key(m)
        if k not in seen:
            seen.add(k)
            out.append(m)
    return out


def _first_name(s: str) -> str | None:
    """The given name of a full name ("George W. Bush" -> george, 喬治·布希 -> 乔治); None if one word."""
    parts = _key(s).split()
    return parts[0] if len(parts) > 1 else None


def same_person(term: str, members) -> list[str]:
    """The members that name what ``term`` names.

    A surname group can hold several people's full names (George W. Bush, Kate
    Bush under 布什/布希/布殊).  A surname expands to the whole group; a full name
    expands only when the group names one person (its full names share one given
    name), otherwise only to the full names with the same given name."""
    first = _first_name(term)
    if first is None:
        return list(members)
    latin_firsts = {_first_name(m) for m in members if _first_name(m) and m.isascii()}
    if len(latin_firsts) <= 1:
        return list(members)
    return [m for m in members if _first_name(m) == first]


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
