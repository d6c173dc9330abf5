"""Name suggestions as the reader types: names of the variant table that the index holds.

A name is held when every jieba word of it occurs in the index's word postings
(variant names are registered with the segmenter, so a Chinese name is one word;
a Latin name is its words).  Suggestions are the held names whose normalised form
starts with what was typed (any script, case, width; dots and spaces ignored),
most frequent first, each with the other spellings of its name.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from .analysis import word_counts
from .normalize import simplify

MAX_SUGGESTIONS = 8
MAX_VARIANTS = 8


def key(s: str) -> str:
    return "".join(ch for ch in simplify(s).lower() if ch.isalnum())


@dataclass
class Name:
    key: str
    text: str
    count: int  # paragraphs holding it (its rarest word's document frequency)
    group: int  # index of its variant group


class SuggestIndex:
    def __init__(self, table, word_df, dictionary=None):
        self.groups = table.groups()
        names: dict[str, Name] = {}
        for gi, g in enumerate(self.groups):
            for m in g.members:
                k = key(m)
                if len(k) < 2 or k in names:
                    continue
                words = list(word_counts(m, dictionary))
                dfs = [word_df(w) for w in words]
                if not words or not all(dfs):
                    continue
                count = min(dfs)
                names[k] = Name(k, m, count, gi)
        self.names = sorted(names.values(), key=lambda n: n.key)
        self.keys = [n.key for n in self.names]
        self.held = names

    def suggest(self, typed: str, limit: int = MAX_SUGGESTIONS) -> list[dict]:
        k = key(typed)
        if not k:
            return []
        i = bisect_left(self.keys, k)
        found = []
        while i < len(self.keys) and self.keys[i].startswith(k):
            found.append(self.names[i])
            i += 1
        found.sort(key=lambda n: (-n.count, len(n.key), n.key))
        out, groups = [], set()
        for n in found:
            if n.group in groups:  # one suggestion per name
                continue
            groups.add(n.group)
            others, seen = [], {n.key}
            for m in sorted(self.groups[n.group].members, key=lambda m: key(m) not in self.held):
                mk = key(m)
                if mk not in seen:
                    seen.add(mk)
                    others.append(m)
            out.append({"text": n.text, "count": n.count, "variants": others[:MAX_VARIANTS]})
            if len(out) == limit:
                break
        return out


def for_reader(reader) -> SuggestIndex:
    """The reader's suggestion index (built once per name table and index state)."""
    key = ("suggest", getattr(reader, "generation", None))

    def make():
        word_df = reader.word_df
        many = getattr(reader, "word_dfs", None)  # an engine that answers many words in one request
        if many is not None:
            known = many({w for g in reader.names.groups() for m in g.members
                          for w in word_counts(m, reader.dictionary)})
            word_df = known.__getitem__
        return SuggestIndex(reader.names, word_df, reader.dictionary)

    cache = getattr(reader, "cache", None)
    return make() if cache is None else cache(key, make)
