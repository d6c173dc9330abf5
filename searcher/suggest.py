"""Name suggestions as the reader types: names of the variant table that the index holds.

A name is held when every jieba word of it occurs in the index's word postings
(variant names are registered with the segmenter, so a Chinese name is one word;
a Latin name is its words).  Suggestions are the held names whose normalised form
starts with what was typed (any script, case, width; dots and spaces ignored),
most frequent first, each with the other spellings of its name.
"""
from __future__ import annotations

import threading
import weakref
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
    def __init__(self, table, postings):
        self.groups = table.groups()
        names: dict[str, Name] = {}
        for gi, g in enumerate(self.groups):
            for m in g.members:
                k = key(m)
                if len(k) < 2 or k in names:
                    continue
                words = list(word_counts(m))
                if not words or any(w not in postings.word_vocab for w in words):
                    continue
                count = min(len(postings.word_docs(w)[0]) for w in words)
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


_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def for_generation(gen) -> SuggestIndex:
    """The generation's suggestion index, built on first use."""
    with _LOCK:
        ix = _CACHE.get(gen)
        if ix is None:
            ix = _CACHE[gen] = SuggestIndex(gen.variants, gen.postings)
        return ix
