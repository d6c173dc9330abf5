"""Repeated-paragraph groups as a side file of an index generation (``repeats.json``).

``repeats.find_repeats`` finds the groups at build time; this module stores them
beside the index, loads them back and answers "is this paragraph repeated, and
where else is it?" for results and article pages.
"""
from __future__ import annotations

import json

from .repeats import Group, passage_groups

MAX_LISTED = 50  # members listed per passage flag; the count says how many in all


class RepeatStore:
    def __init__(self, groups: list[Group]):
        self.groups = groups
        self._all = passage_groups(groups)
        self._best = {k: gs[0] for k, gs in self._all.items()}  # as repeats.passage_index

    # ---- persistence
    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"groups": [g.to_json() for g in self.groups]}, f, ensure_ascii=False,
                      separators=(",", ":"))

    @classmethod
    def load(cls, path: str) -> "RepeatStore":
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return cls([Group.from_json(g) for g in data.get("groups", [])])

    # ---- lookups
    def group_of(self, article_id: str, n: int) -> Group | None:
        """The paragraph's main group (exact, then boilerplate, near, partial)."""
        return self._best.get((article_id, n))

    def groups_of(self, article_id: str, n: int) -> list[Group]:
        return self._all.get((article_id, n), [])

    def is_boilerplate(self, article_id: str, n: int) -> bool:
        g = self._best.get((article_id, n))
        return g is not None and g.kind == "boilerplate"

    def same_text(self, a: tuple[str, int], b: tuple[str, int]) -> bool:
        """True when two paragraphs are copies of each other (one exact or near group)."""
        ga = self._best.get(a)
        return ga is not None and ga.kind in ("exact", "near", "boilerplate") and ga is self._best.get(b)

    def flag(self, article_id: str, n: int) -> dict | None:
        """The ``repeat`` field of a passage: kind, the other members, similarity."""
        g = self._best.get((article_id, n))
        if g is None:
            return None
        others = []
        for m in g.members:  # a boilerplate group can have thousands: list only the first ones
            if (m.id, m.n) != (article_id, n):
                others.append({"id": m.id, "n": m.n})
                if len(others) == MAX_LISTED:
                    break
        first = g.members[0]
        return {
            "kind": g.kind,
            "similarity": round(g.similarity, 3),
            "group": others,
            "count": len(g.members),
            "first": {"id": first.id, "n": first.n},
            "is_first": (first.id, first.n) == (article_id, n),
        }

    def to_json(self, kind: str | None = None, limit: int | None = None) -> dict:
        groups = [g for g in self.groups if kind is None or g.kind == kind]
        if limit is not None:
            groups = groups[:limit]
        return {"groups": [g.to_json() for g in groups]}
