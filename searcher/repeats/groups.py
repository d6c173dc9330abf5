"""Repeated-paragraph groups, derived from the live documents whenever they are read.

Groups are a function of the paragraphs an index holds now, read from the
per-segment signatures (``signatures``) and near edges (``near``); the global
arrays gathered from them can be kept by the engine between starts (``cache``),
keyed by the segments they were gathered from.  An index built by any sequence of
adds, replacements and deletes therefore shows exactly the groups a full build of
the same articles shows.

Kinds, in the order a paragraph's flag prefers them:

exact
    Equal normalised text (``normal.normalise``), within one article or across
    articles.  Similarity 1.
boilerplate
    Equal normalised text of at most ``BOILERPLATE_MAX_CHARS`` (20) characters in
    at least ``BOILERPLATE_MIN_ARTICLES`` (3) different articles: advert markers
    (我是广告请继续往下阅读), "删除", "本办法自发布日施行".  A short line repeated
    inside one article or in only two articles stays ``exact``: it is then more
    likely content than furniture.
near
    Classes (distinct normalised texts) that are *units* — at least
    ``MIN_CHARS`` (8) characters and not boilerplate — joined by near edges
    (Jaccard >= 0.6, see ``near``).  Groups are connected components: a family of
    template provisions becomes one group even where its two ends differ more
    than the threshold allows; the similarity is the weakest verified link.
partial
    Most of a unit is sentences found verbatim in another, longer unit (a photo
    caption repeating a sentence of the body): sentences of at least 8 characters
    that are in at most ``PARTIAL_MAX_POSTINGS`` (50) units (more are formulae,
    not quotations) cover at least ``PARTIAL_MIN_COVER`` (0.6) of the shorter
    one's characters, and the two are not in one near group.  Similarity = the
    weakest coverage in the group.

A near or partial group lists one paragraph per class: its *first copy*, the
earliest by (date, article id, paragraph number); the other copies of that
text are in its exact group.  Members are listed in that order.

``RepeatIndex`` gathers the segments' sorted arrays into a few global ones the
first time they are needed (merging sorted runs) and answers one paragraph's
flag by walking only its own component; ``all_groups`` computes every group at
once with the same rules (tests check the two agree).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from ..arrays import order_by, order_by_hash, unique
from .near import expand_ranges
from .signatures import MIN_CHARS, ClassTable

BOILERPLATE_MAX_CHARS = 20
BOILERPLATE_MIN_ARTICLES = 3
PARTIAL_MIN_COVER = 0.6
PARTIAL_MAX_POSTINGS = 50
MAX_LISTED = 50  # members listed per passage flag; the count says how many in all
KINDS = ("exact", "boilerplate", "near", "partial")
_NO_DATE = 99999999


@dataclass
class RepeatSegment:
    """What groups read of one segment (global document numbers start at ``base``)."""

    base: int
    live: np.ndarray  # bool per local document
    cls_sorted: np.ndarray  # uint64: class of each local document, sorted
    cls_doc: np.ndarray  # int: the local document of each entry of cls_sorted
    table: ClassTable
    e_src: np.ndarray  # uint64 sorted: near edges, both directions
    e_dst: np.ndarray
    e_sim: np.ndarray


class Member(NamedTuple):
    """A paragraph: article id and paragraph number."""

    id: str
    n: int


@dataclass
class Group:
    kind: str
    similarity: float
    docs: np.ndarray  # global document numbers, first copy first
    members: list = field(default_factory=list)  # (article id, n), same order

    def to_json(self, limit: int | None = None) -> dict:
        ms = self.members if limit is None else self.members[:limit]
        return {"kind": self.kind, "similarity": round(float(self.similarity), 4),
                "count": len(self.members), "members": [{"id": a, "n": n} for a, n in ms]}


class _Classes:
    """Every live class: sorted hashes ``u`` with their live documents and what decides
    their kind."""

    COLUMNS = ("cls", "docs", "start", "u", "count", "length", "boiler", "unit", "of_doc")

    @classmethod
    def from_columns(cls, columns: dict) -> "_Classes":
        c = cls.__new__(cls)
        for k in cls.COLUMNS:
            setattr(c, k, columns[k])
        return c

    def columns(self) -> dict:
        return {k: getattr(self, k) for k in self.COLUMNS}

    def __init__(self, ri: "RepeatIndex"):
        cls, docs = [], []
        for s in ri.segs:
            live = np.asarray(s.live)[np.asarray(s.cls_doc)]
            cls.append(np.asarray(s.cls_sorted)[live])
            docs.append(np.asarray(s.cls_doc)[live].astype(np.int64) + s.base)
        cls = np.concatenate(cls) if cls else np.zeros(0, np.uint64)
        docs = np.concatenate(docs) if docs else np.zeros(0, np.int64)
        order = np.argsort(cls, kind="stable")  # sorted runs: a merge
        cls, docs = cls[order], docs[order]
        keep = cls != 0
        self.cls, self.docs = cls[keep], docs[keep]
        if len(self.cls):
            cut = np.flatnonzero(self.cls[1:] != self.cls[:-1]) + 1
            self.start = np.concatenate([[0], cut]).astype(np.int64)
        else:
            self.start = np.zeros(0, np.int64)
        self.u = self.cls[self.start]
        self.count = np.diff(np.append(self.start, len(self.cls)))
        self.length = np.asarray(ri.doc_len)[self.docs[self.start]].astype(np.int64) if len(self.u) else \
            np.zeros(0, np.int64)
        # boilerplate: short, repeated, in >= 3 articles (articles counted only where it can matter)
        self.boiler = np.zeros(len(self.u), bool)
        cand = np.flatnonzero((self.count >= 2) & (self.length <= BOILERPLATE_MAX_CHARS))
        if len(cand):
            owner, idx = expand_ranges(self.start[cand], self.start[cand] + self.count[cand])
            arts = np.asarray(ri.doc_article)[self.docs[idx]].astype(np.int64)
            pairs = unique(owner * (1 << 32) + arts)
            narts = np.bincount(pairs >> 32, minlength=len(cand))
            self.boiler[cand] = narts >= BOILERPLATE_MIN_ARTICLES
        self.unit = (self.length >= MIN_CHARS) & ~self.boiler
        self.of_doc = np.full(len(ri.doc_class), -1, np.int64)  # class index of each live document
        self.of_doc[self.docs] = np.repeat(np.arange(len(self.u)), self.count)

    def index(self, hashes: np.ndarray) -> np.ndarray:
        """Index in ``u`` of each hash (-1 if it is not live)."""
        if not len(self.u):
            return np.full(len(hashes), -1, np.int64)
        i = np.minimum(np.searchsorted(self.u, hashes), len(self.u) - 1)
        return np.where(self.u[i] == hashes, i, -1)

    def docs_of(self, i: int) -> np.ndarray:
        return self.docs[self.start[i]:self.start[i] + self.count[i]]


def _edge_classes(c: _Classes, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(c.index(src), c.index(dst))`` for a segment's edges.  They are stored both ways, so
    every target is a source too: the segment's distinct sources are looked up among all
    classes once, and both ends among them (a search in an array the size of the segment's,
    where a search of the unsorted targets among all classes missed the CPU cache on most)."""
    if not len(src):
        return c.index(src), c.index(dst)
    keys = unique(src)
    at = c.index(keys)
    pos = np.minimum(np.searchsorted(keys, dst), len(keys) - 1)
    if not (keys[pos] == dst).all():  # not stored both ways after all
        return at[np.searchsorted(keys, src)], c.index(dst)
    return at[np.searchsorted(keys, src)], at[pos]


_EDGES = ("src", "dst", "sim")
_SENTENCES = ("sent", "owner", "slen", "valid")


class RepeatIndex:
    """Groups over the live documents of some segments.

    ``doc_class``, ``doc_len`` (normalised characters), ``doc_article`` (global
    article ordinal: ordinals sort as article ids do), ``doc_n``, ``doc_date``
    (YYYYMMDD, 0 for none) describe every global document; ``article_id`` maps
    an ordinal to its id."""

    def __init__(self, segments: list[RepeatSegment], doc_class, doc_len, doc_article, doc_n, doc_date, article_id,
                 cache=None):
        self.segs = segments
        self.cache = cache  # get(name) -> {column: array} | None, put(name, columns): kept between starts
        self._from_cache: set[str] = set()  # what was read from it (``prepare`` writes the rest)
        self.doc_class, self.doc_len = doc_class, doc_len
        self.doc_article, self.doc_n, self.doc_date = doc_article, doc_n, doc_date
        self.article_id = article_id
        self._near: dict[int, tuple] = {}
        self._partial: dict[int, tuple] = {}
        self._flag_group: dict[int, Group | None] = {}

    def prepare(self) -> "RepeatIndex":
        """Gather everything a paragraph's flag reads now, not at the first search that shows
        a repeat, and keep it in the cache for the next start (a build and a server start call
        this; a search after a commit only reads the cache: a million paragraphs' repeat index
        is 100 MB, not to be written by every add)."""
        self._linked  # noqa: B018 - classes, edges, sentences
        if self.cache is not None:
            for name, columns in (("classes", self.classes.columns()), ("edges", dict(zip(_EDGES, self.edges))),
                                  ("sentences", dict(zip(_SENTENCES, self.sentences)))):
                if name not in self._from_cache:
                    self.cache.put(name, columns)
        return self

    def _cached(self, name: str, columns: tuple[str, ...]) -> dict | None:
        """The columns ``prepare`` kept under ``name`` for these segments, or None."""
        got = self.cache.get(name) if self.cache is not None else None
        if got is None or set(got) != set(columns):
            return None
        self._from_cache.add(name)
        return got

    @cached_property
    def classes(self) -> _Classes:
        got = self._cached("classes", _Classes.COLUMNS)
        return _Classes.from_columns(got) if got is not None else _Classes(self)

    @cached_property
    def edges(self):
        """Near edges between units, as class indexes, both directions, sorted by source."""
        got = self._cached("edges", _EDGES)
        return tuple(got[k] for k in _EDGES) if got is not None else self._edges()

    def _edges(self):
        c = self.classes
        src, dst, sim = [], [], []
        for s in self.segs:
            a, b = _edge_classes(c, np.asarray(s.e_src), np.asarray(s.e_dst))
            ok = (a >= 0) & (b >= 0)
            ok[ok] &= c.unit[a[ok]] & c.unit[b[ok]]
            src.append(a[ok])
            dst.append(b[ok])
            sim.append(np.asarray(s.e_sim)[ok])
        if not src:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        src, dst, sim = np.concatenate(src), np.concatenate(dst), np.concatenate(sim)
        order = order_by(src, dst)
        src, dst, sim = src[order], dst[order], sim[order]
        keep = np.ones(len(src), bool)
        keep[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        return src[keep], dst[keep], sim[keep]

    @cached_property
    def sentences(self):
        """Sentences of units: (sentence hash, class index, length) sorted by sentence
        then class, one row per pair, and per row whether the sentence counts (held
        by 2..PARTIAL_MAX_POSTINGS units)."""
        got = self._cached("sentences", _SENTENCES)
        return tuple(got[k] for k in _SENTENCES) if got is not None else self._sentences()

    def _sentences(self):
        c = self.classes
        sent, owner, slen = [], [], []
        found = np.zeros(len(c.u), bool)
        for s in self.segs:
            t = s.table
            idx = c.index(np.asarray(t.hash))
            ok = idx >= 0
            ok[ok] &= c.unit[idx[ok]] & ~found[idx[ok]]
            rows = np.flatnonzero(ok)
            if not len(rows):
                continue
            found[idx[rows]] = True
            part = t.sents.take(rows)
            lens = t.sent_len.take(rows)
            sent.append(np.asarray(part.data))
            slen.append(np.asarray(lens.data))
            owner.append(np.repeat(idx[rows], np.diff(part.off)))
        if not sent:
            z = np.zeros(0, np.int64)
            return np.zeros(0, np.uint64), z, z, np.zeros(0, bool)
        sent, owner, slen = np.concatenate(sent), np.concatenate(owner), np.concatenate(slen).astype(np.int64)
        order = order_by_hash(sent, owner)  # (a sentence twice in a unit: rows alike in all)
        sent, owner, slen = sent[order], owner[order], slen[order]
        if len(sent):
            cut = np.flatnonzero(sent[1:] != sent[:-1]) + 1
            gstart = np.concatenate([[0], cut])
            gcount = np.diff(np.append(gstart, len(sent)))
            valid = np.repeat((gcount > 1) & (gcount <= PARTIAL_MAX_POSTINGS), gcount)
        else:
            valid = np.zeros(0, bool)
        return sent, owner, slen, valid

    @cached_property
    def _linked(self) -> np.ndarray:
        """Units with a near edge or a counted sentence: the only ones that can be in a
        near or partial group."""
        c = self.classes
        out = np.zeros(len(c.u), bool)
        out[self.edges[0]] = True
        _, owner, _, valid = self.sentences
        out[owner[valid]] = True
        return out

    @cached_property
    def _unit_sentences(self):
        """Per class index: rows of ``sentences`` that are its counted sentences."""
        sent, owner, _, valid = self.sentences
        rows = np.flatnonzero(valid)
        order = np.argsort(owner[rows], kind="stable")
        rows = rows[order]
        return owner[rows], rows

    # ------------------------------------------------------------ per class
    def class_of(self, doc: int) -> int:
        return int(self.doc_class[doc])

    def _order(self, docs: np.ndarray) -> np.ndarray:
        """docs sorted first copy first: (date, article id, paragraph number)."""
        d = np.asarray(self.doc_date)[docs].astype(np.int64)
        d = np.where(d == 0, _NO_DATE, d)
        return docs[np.lexsort((np.asarray(self.doc_n)[docs], np.asarray(self.doc_article)[docs], d))]

    def _first(self, classes) -> np.ndarray:
        """First copy of each class index."""
        c = self.classes
        return np.array([int(self._order(c.docs_of(i))[0]) for i in classes], np.int64)

    def near_component(self, i: int):
        """(sorted class indexes, weakest similarity) of unit i's near group."""
        hit = self._near.get(i)
        if hit is not None:
            return hit
        src, dst, sim = self.edges
        comp, frontier, weakest = {i}, np.array([i], np.int64), 1.0
        while len(frontier):
            lo, hi = np.searchsorted(src, frontier, "left"), np.searchsorted(src, frontier, "right")
            _, idx = expand_ranges(lo, hi)
            if len(idx):
                weakest = min(weakest, float(sim[idx].min()))
            new = [d for d in dict.fromkeys(dst[idx].tolist()) if d not in comp]
            comp.update(new)
            frontier = np.array(new, np.int64)
        hit = (np.array(sorted(comp), np.int64), weakest)
        for k in comp:
            self._near[k] = hit
        return hit

    def _counted(self, i: int):
        """(sentence hashes, lengths) of unit i's counted sentences."""
        owners, rows = self._unit_sentences
        lo, hi = np.searchsorted(owners, i, "left"), np.searchsorted(owners, i, "right")
        sent, _, slen, _ = self.sentences
        r = rows[lo:hi]
        return sent[r], slen[r]

    def partial_neighbours(self, i: int) -> dict[int, float]:
        """Units joined to unit i by a partial edge, with the edge's coverage."""
        sh, lh = self._counted(i)
        if not len(sh):
            return {}
        sent, owner, _, _ = self.sentences
        lo, hi = np.searchsorted(sent, sh, "left"), np.searchsorted(sent, sh, "right")
        o, idx = expand_ranges(lo, hi)
        c = self.classes
        length_i = int(c.length[i])
        near_i = self.near_component(i)[0]
        chars: dict[int, int] = {}
        for k, j in zip(o.tolist(), owner[idx].tolist()):
            if j != i:
                chars[j] = chars.get(j, 0) + int(lh[k])
        out = {}
        for j, ch in chars.items():
            if np.searchsorted(near_i, j) < len(near_i) and near_i[np.searchsorted(near_i, j)] == j:
                continue
            length_j = int(c.length[j])
            if length_j > length_i:  # i is the shorter one: i's sentences found in j
                if ch / length_i >= PARTIAL_MIN_COVER:
                    out[j] = ch / length_i
            elif length_j < length_i:  # j is the shorter one: its counted sentences found in i
                sj, lj = self._counted(j)
                cov = float(lj[np.isin(sj, sh)].sum()) / length_j
                if cov >= PARTIAL_MIN_COVER:
                    out[j] = cov
        return out

    def partial_component(self, i: int):
        hit = self._partial.get(i)
        if hit is not None:
            return hit
        comp, frontier, weakest = {i}, [i], 1.0
        while frontier:
            nxt = []
            for x in frontier:
                for j, cov in self.partial_neighbours(x).items():
                    weakest = min(weakest, cov)
                    if j not in comp:
                        comp.add(j)
                        nxt.append(j)
            frontier = nxt
        hit = (np.array(sorted(comp), np.int64), weakest)
        for k in comp:
            self._partial[k] = hit
        return hit

    # ------------------------------------------------------------ per paragraph
    def group_of_doc(self, doc: int) -> Group | None:
        """The one group a paragraph's flag shows: exact, boilerplate, near, partial.
        (A class with one live document is that document: its near or partial group.)"""
        h = self.class_of(doc)
        if h == 0:
            return None
        if h in self._flag_group:
            return self._flag_group[h]
        c = self.classes
        i = int(c.of_doc[doc])
        g = None
        if i >= 0:
            if c.count[i] >= 2:
                g = self._group("boilerplate" if c.boiler[i] else "exact", 1.0, self._order(c.docs_of(i)))
            elif c.unit[i] and self._linked[i]:
                comp, weakest = self.near_component(i)
                if len(comp) > 1:
                    g = self._group("near", weakest, self._order(self._first(comp)))
                else:
                    comp, weakest = self.partial_component(i)
                    if len(comp) > 1:
                        g = self._group("partial", weakest, self._order(self._first(comp)))
        if len(self._flag_group) > 100_000:
            self._flag_group.clear()
        self._flag_group[h] = g
        return g

    def _group(self, kind, sim, docs) -> Group:
        aid = self.article_id
        arts, ns = np.asarray(self.doc_article)[docs].tolist(), np.asarray(self.doc_n)[docs].tolist()
        return Group(kind, sim, docs, [Member(aid(a), n) for a, n in zip(arts, ns)])

    def same_text(self, a: int, b: int) -> bool:
        """Two paragraphs are copies of each other (one class, or one near group)."""
        ha, hb = self.class_of(a), self.class_of(b)
        if ha == 0 or hb == 0:
            return False
        if ha == hb:
            return True
        ga = self.group_of_doc(a)
        return ga is not None and ga.kind == "near" and b in set(ga.docs.tolist())

    def is_boilerplate(self, doc: int) -> bool:
        h = self.class_of(doc)
        if h == 0:
            return False
        i = int(self.classes.of_doc[doc])
        return i >= 0 and bool(self.classes.boiler[i])

    def flag(self, doc: int) -> dict | None:
        """The ``repeat`` field of a passage: kind, the other members, similarity."""
        g = self.group_of_doc(doc)
        if g is None:
            return None
        others = []
        me = (self.article_id(int(self.doc_article[doc])), int(self.doc_n[doc]))
        for m in g.members:
            if m != me:
                others.append({"id": m[0], "n": m[1]})
                if len(others) == MAX_LISTED:
                    break
        first = g.members[0]
        return {"kind": g.kind, "similarity": round(float(g.similarity), 3), "group": others,
                "count": len(g.members), "first": {"id": first[0], "n": first[1]}, "is_first": first == me}

    # ------------------------------------------------------------ every group
    def all_groups(self) -> list[Group]:
        """Every group, largest first (then by kind, then by first copy); the same
        groups as ``group_of_doc`` gives paragraph by paragraph, computed at once."""
        c = self.classes
        out: list[Group] = []
        for i in np.flatnonzero(c.count >= 2).tolist():
            out.append(self._group("boilerplate" if c.boiler[i] else "exact", 1.0, self._order(c.docs_of(i))))
        src, dst, sim = self.edges
        half = src < dst
        near_label = _components(len(c.u), src[half], dst[half])
        out += self._component_groups("near", near_label, src[half], sim[half])
        pa, pb, cover = self._partial_edges(near_label)
        out += self._component_groups("partial", _components(len(c.u), pa, pb), pa, cover)
        rank = {k: i for i, k in enumerate(KINDS)}
        out.sort(key=lambda g: (-len(g.docs), rank[g.kind], g.members[0]))
        return out

    def _partial_edges(self, near_label):
        c = self.classes
        sent, owner, slen, valid = self.sentences
        z = np.zeros(0, np.int64)
        sel = np.flatnonzero(valid)
        if not len(sel):
            return z, z, np.zeros(0)
        cut = np.flatnonzero(sent[1:] != sent[:-1]) + 1
        gstart = np.concatenate([[0], cut])
        gid = np.cumsum(np.isin(np.arange(len(sent)), cut)) if len(sent) else z
        gend = np.append(gstart[1:], len(sent))
        o, j = expand_ranges(gstart[gid[sel]], gend[gid[sel]])  # each row with every holder of its sentence
        i = sel[o]
        ne = owner[i] != owner[j]
        i, j = i[ne], j[ne]
        a, b, w = owner[i], owner[j], slen[i]  # a's sentence found in b
        key, inv = np.unique(a * len(c.u) + b, return_inverse=True)
        chars = np.bincount(inv.ravel(), weights=w)
        a, b = key // len(c.u), key % len(c.u)
        cover = chars / c.length[a]
        ok = (c.length[b] > c.length[a]) & (cover >= PARTIAL_MIN_COVER) & (near_label[a] != near_label[b])
        return a[ok], b[ok], cover[ok]

    def _component_groups(self, kind, label, ia, weight):
        c = self.classes
        size = np.bincount(label, minlength=len(label))
        members = np.flatnonzero(size[label] > 1)
        if not len(members):
            return []
        weakest = np.ones(len(label))
        if len(ia):
            np.minimum.at(weakest, label[ia], weight)
        # first copy of each member class
        first = np.empty(len(members), np.int64)
        for k, i in enumerate(members.tolist()):
            first[k] = self._order(c.docs_of(i))[0]
        order = np.argsort(label[members], kind="stable")
        members, first = members[order], first[order]
        cut = np.flatnonzero(np.diff(label[members])) + 1
        out = []
        for grp, fs in zip(np.split(members, cut), np.split(first, cut)):
            out.append(self._group(kind, float(weakest[label[grp[0]]]), self._order(fs)))
        return out


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component labels (the smallest member) of n nodes and edges a-b."""
    label = np.arange(n)
    if not len(a):
        return label
    while True:
        before = label.copy()
        m = np.minimum(label[a], label[b])
        np.minimum.at(label, a, m)
        np.minimum.at(label, b, m)
        while True:
            nxt = label[label]
            if np.array_equal(nxt, label):
                break
            label = nxt
        if np.array_equal(label, before):
            return label
