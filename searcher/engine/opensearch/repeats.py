"""Repeated paragraphs over the cluster, with exactly the definitions of ``repeats.groups``.

The groups are a function of the visible paragraphs, as in the embedded engine; here they
are computed from what the cluster answers about the paragraphs a page shows, never by a
scan (except ``all_groups``, the full listing):

* **exact / boilerplate**: the paragraphs of a class (``cls`` keyword) in first-copy order,
  their number and how many articles they span, asked with one search per class;
* **near / partial** (only for a class with one live paragraph, as in ``groups``): the
  class's *neighbourhood* is gathered -- its near edges (``edge`` documents), the classes
  sharing a counted sentence (``sents`` keyword, held by 2..50 units), and so on until
  nothing new comes -- and a ``RepeatIndex`` (the embedded engine's own code) is built over
  that neighbourhood alone.  Every group it gives for these classes is the group the whole
  index gives: the neighbourhood is closed under near edges and shared sentences, and a
  sentence held by more than 50 units is dropped before it could be counted locally.

Everything is cached per reader (one generation).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...repeats import RepeatIndex, RepeatSegment
from ...repeats.groups import BOILERPLATE_MAX_CHARS, BOILERPLATE_MIN_ARTICLES, MAX_LISTED, PARTIAL_MAX_POSTINGS
from ...repeats.signatures import MIN_CHARS, ClassTable
from ...repeats import edge_arrays
from ..store import Ragged
from . import dsl

FIRST = MAX_LISTED + 1
_HOLDERS = 200
_EDGE_PAGE = 10000


@dataclass
class ClassInfo:
    hash: str
    count: int = 0
    nlen: int = 0
    articles: int = 0  # distinct articles, counted up to BOILERPLATE_MIN_ARTICLES
    first: list = field(default_factory=list)  # (article, n, date_num, ref) in first-copy order
    sents: list = field(default_factory=list)
    sent_lens: list = field(default_factory=list)

    @property
    def boiler(self) -> bool:
        return self.count >= 2 and self.nlen <= BOILERPLATE_MAX_CHARS and self.articles >= BOILERPLATE_MIN_ARTICLES

    @property
    def unit(self) -> bool:
        return self.count >= 1 and self.nlen >= MIN_CHARS and not self.boiler


def _order_key():
    return [{"date_num": {"order": "asc", "missing": "_last"}}, {"article": "asc"}, {"n": "asc"}]


class ClusterRepeats:
    def __init__(self, reader):
        self.r = reader
        self.info: dict[str, ClassInfo] = {}
        self.groups: dict[str, object] = {}  # class of one live paragraph -> its Group (or None)
        self._all = None

    # ------------------------------------------------------------ what the cluster says
    def _ensure(self, classes) -> None:
        todo = [h for h in dict.fromkeys(classes) if h and h not in self.info]
        for i in range(0, len(todo), 200):
            part = todo[i:i + 200]
            bodies = [{"size": FIRST, "track_total_hits": True, "sort": _order_key(),
                       "_source": ["article", "n", "date_num", "nlen", "sents", "sent_lens"],
                       "query": {"bool": {"filter": [dsl.PARAGRAPH, *self.r.vis, {"term": {"cls": h}}]}},
                       "aggs": {"a": {"terms": {"field": "article", "size": BOILERPLATE_MIN_ARTICLES}}}}
                      for h in part]
            for h, resp in zip(part, self.r.msearch(bodies)):
                hits = resp["hits"]["hits"]
                ci = ClassInfo(h, int(resp["hits"]["total"]["value"]))
                if hits:
                    s = hits[0]["_source"]
                    ci.nlen = int(s.get("nlen") or 0)
                    ci.sents, ci.sent_lens = list(s.get("sents") or []), list(s.get("sent_lens") or [])
                ci.articles = len(resp["aggregations"]["a"]["buckets"])
                ci.first = [(x["_source"]["article"], int(x["_source"]["n"]), int(x["_source"].get("date_num") or 0),
                             x["_id"]) for x in hits]
                self.info[h] = ci

    def _class_of(self, ref) -> str | None:
        return self.r.source(ref).get("cls")

    def _edges(self, classes: list[str]) -> list[tuple[str, str, float]]:
        out = []
        for i in range(0, len(classes), 1000):
            part = classes[i:i + 1000]
            body = {"size": _EDGE_PAGE, "_source": ["ends", "sim"], "track_total_hits": True,
                    "query": {"bool": {"filter": [{"term": {"kind": "edge"}}, {"terms": {"ends": part}},
                                                  {"range": {"gen_add": {"lte": self.r.generation}}}]}}}
            r = self.r.search(body)
            if r["hits"]["total"]["value"] > _EDGE_PAGE and len(part) > 1:
                half = len(part) // 2
                out += self._edges(part[:half]) + self._edges(part[half:])
                continue
            for h in r["hits"]["hits"]:
                a, b = h["_source"]["ends"]
                out.append((a, b, float(h["_source"]["sim"])))
        return out

    def _holders(self, sentences: list[str], size: int = _HOLDERS) -> dict[str, list[tuple[str, int]]]:
        """Per sentence hash: the live classes holding it, with their normalised length (up to
        ``size``, and whether there were more)."""
        out: dict = {}
        for i in range(0, len(sentences), 1000):
            part = sentences[i:i + 1000]
            body = {"size": 0, "query": {"bool": {"filter": [dsl.PARAGRAPH, *self.r.vis, {"terms": {"sents": part}}]}},
                    "aggs": {"s": {"terms": {"field": "sents", "include": part, "size": len(part)}, "aggs": {
                        "c": {"terms": {"field": "cls", "size": size}, "aggs": {"l": {"max": {"field": "nlen"}}}}}}}}
            r = self.r.search(body)
            for b in r["aggregations"]["s"]["buckets"]:
                c = b["c"]
                out[b["key"]] = ([(x["key"], int(x["l"]["value"] or 0)) for x in c["buckets"]],
                                 c.get("sum_other_doc_count", 0) > 0)
        return out

    def _counted(self, sentences: list[str]) -> dict[str, list[str]]:
        """The sentences held by 2..PARTIAL_MAX_POSTINGS units, with their holders."""
        got = self._holders(sentences)
        more = [s for s, (_, over) in got.items() if over]
        if more:
            got.update(self._holders(more, 5000))
        self._ensure([c for hs, _ in got.values() for c, ln in hs if ln <= BOILERPLATE_MAX_CHARS])
        out = {}
        for s, (holders, over) in got.items():
            units = [c for c, ln in holders if ln > BOILERPLATE_MAX_CHARS or self.info[c].unit]
            if not over and 2 <= len(units) <= PARTIAL_MAX_POSTINGS:
                out[s] = units
        return out

    # ------------------------------------------------------------ the neighbourhood of single copies
    def _resolve(self, seeds: list[str]) -> None:
        seeds = [h for h in seeds if h not in self.groups]
        if not seeds:
            return
        members: set[str] = set()
        edges: dict[tuple[str, str], float] = {}
        counted: dict[str, list[str]] = {}
        frontier = list(dict.fromkeys(seeds))
        while frontier:
            self._ensure(frontier)
            units = [h for h in frontier if self.info[h].unit and h not in members]
            members.update(units)
            nxt: set[str] = set()
            found = self._edges(units)
            self._ensure([x for a, b, _ in found for x in (a, b)])
            for a, b, s in found:
                if self.info[a].unit and self.info[b].unit:
                    edges[(min(a, b), max(a, b))] = s
                    nxt.update((a, b))
            sents = [s for h in units for s in self.info[h].sents if s not in counted]
            for s, holders in self._counted(list(dict.fromkeys(sents))).items():
                counted[s] = holders
                nxt.update(holders)
            frontier = sorted(nxt - members)
        self._local_groups(sorted(members), edges, counted)

    def _local_groups(self, classes: list[str], edges: dict, counted: dict) -> None:
        """A RepeatIndex over the neighbourhood (one or two paragraphs per class: its first
        copies) and the groups of its single-copy classes."""
        hashes = np.array([int(h, 16) for h in classes], np.uint64)
        order = np.argsort(hashes)
        hashes, classes = hashes[order], [classes[i] for i in order.tolist()]
        docs = []  # (class row, article, n, date, nlen)
        for row, h in enumerate(classes):
            ci = self.info[h]
            for a, n, d, _ in ci.first[:2]:
                docs.append((row, a, n, d, ci.nlen))
        ids = sorted({a for _, a, _, _, _ in docs})
        ordinal = {a: i for i, a in enumerate(ids)}
        doc_class = np.array([hashes[row] for row, *_ in docs], np.uint64)
        doc_len = np.array([x[4] for x in docs], np.int32)
        doc_article = np.array([ordinal[x[1]] for x in docs], np.int32)
        doc_n = np.array([x[2] for x in docs], np.int32)
        doc_date = np.array([x[3] for x in docs], np.int32)
        rows_s, rows_l = [], []
        for h in classes:
            ci = self.info[h]
            keep = sorted((int(s, 16), ln) for s, ln in zip(ci.sents, ci.sent_lens) if s in counted)
            rows_s.append([k for k, _ in keep])
            rows_l.append([ln for _, ln in keep])
        z64, z32 = np.zeros(0, np.uint64), np.zeros(0, np.int32)
        table = ClassTable(hashes, np.zeros(len(hashes), np.int32), np.zeros((len(hashes), 0), np.uint32), z64, z32,
                           Ragged.from_rows([[]] * len(hashes), np.uint32), Ragged.from_rows(rows_s, np.uint64),
                           Ragged.from_rows(rows_l, np.int32), z64, z32)
        ea = np.array([int(a, 16) for a, _ in edges], np.uint64)
        eb = np.array([int(b, 16) for _, b in edges], np.uint64)
        es = np.array(list(edges.values()), np.float32)
        src, dst, sim = edge_arrays(ea, eb, es)
        cls_order = np.argsort(doc_class, kind="stable")
        seg = RepeatSegment(0, np.ones(len(docs), bool), doc_class[cls_order], cls_order.astype(np.int64), table,
                            src, dst, sim)
        ri = RepeatIndex([seg], doc_class, doc_len, doc_article, doc_n, doc_date, ids.__getitem__)
        for k, (row, *_rest) in enumerate(docs):
            h = classes[row]
            if self.info[h].count == 1:
                self.groups[h] = (ri, k)

    # ------------------------------------------------------------ what search asks
    def _prepare(self, refs) -> None:
        refs = list(refs)
        page = getattr(self.r, "_page_refs", None) or []
        wanted = list(dict.fromkeys([*refs, *page]))
        self.r.prefetch(wanted)
        classes = [c for c in (self._class_of(x) for x in wanted) if c]
        self._ensure(classes)
        single = [c for c in dict.fromkeys(classes) if self.info[c].count == 1 and self.info[c].unit
                  and c not in self.groups]
        if single:
            self._resolve(single)

    def _group(self, ref):
        """(kind, ClassInfo or (RepeatIndex, local doc)) of a paragraph's flag, or None."""
        h = self._class_of(ref)
        if not h:
            return None
        if h not in self.info or (self.info[h].count == 1 and self.info[h].unit and h not in self.groups):
            self._prepare([ref])
        ci = self.info[h]
        if ci.count >= 2:
            return ("boilerplate" if ci.boiler else "exact", ci)
        if ci.count == 1 and ci.unit:
            ri, k = self.groups[h]
            g = ri.group_of_doc(k)
            return (g.kind, (ri, k)) if g is not None else None
        return None

    def flag(self, ref) -> dict | None:
        got = self._group(ref)
        if got is None:
            return None
        kind, what = got
        me = self.r.key(ref)
        if isinstance(what, ClassInfo):
            members = [(a, n) for a, n, _, _ in what.first]
            others = [{"id": a, "n": n} for a, n in members if (a, n) != me][:MAX_LISTED]
            return {"kind": kind, "similarity": 1.0, "group": others, "count": what.count,
                    "first": {"id": members[0][0], "n": members[0][1]}, "is_first": members[0] == me}
        ri, k = what
        return ri.flag(k)

    def same_text(self, a, b) -> bool:
        ha, hb = self._class_of(a), self._class_of(b)
        if not ha or not hb:
            return False
        if ha == hb:
            return True
        got = self._group(a)
        if got is None or got[0] != "near":
            return False
        ri, k = got[1]
        return tuple(self.r.key(b)) in set(ri.group_of_doc(k).members)

    def is_boilerplate(self, ref) -> bool:
        h = self._class_of(ref)
        if not h:
            return False
        if h not in self.info:
            self._prepare([ref])
        return self.info[h].boiler

    # ------------------------------------------------------------ the full listing
    def all_groups(self):
        """Every group, largest first: a RepeatIndex over every visible paragraph (a scan;
        kept per generation)."""
        def make():
            refs, cls, nlen, arts, ns, dates = [], [], [], [], [], []
            sents: dict[int, tuple] = {}
            for h in self.r.scan([], ["article", "n", "date_num", "cls", "nlen", "sents", "sent_lens"]):
                s = h["_source"]
                refs.append(h["_id"])
                c = int(s["cls"], 16) if s.get("cls") else 0
                cls.append(c)
                nlen.append(int(s.get("nlen") or 0))
                arts.append(s["article"])
                ns.append(int(s["n"]))
                dates.append(int(s.get("date_num") or 0))
                if c and c not in sents:
                    sents[c] = (s.get("sents") or [], s.get("sent_lens") or [])
            ids = sorted(set(arts))
            ordinal = {a: i for i, a in enumerate(ids)}
            doc_class = np.array(cls, np.uint64)
            hashes = np.array(sorted(sents), np.uint64)
            rows_s, rows_l = [], []
            for h in hashes.tolist():
                keep = sorted((int(x, 16), ln) for x, ln in zip(*sents[h]))
                rows_s.append([k for k, _ in keep])
                rows_l.append([ln for _, ln in keep])
            z64, z32 = np.zeros(0, np.uint64), np.zeros(0, np.int32)
            table = ClassTable(hashes, np.zeros(len(hashes), np.int32), np.zeros((len(hashes), 0), np.uint32), z64,
                               z32, Ragged.from_rows([[]] * len(hashes), np.uint32),
                               Ragged.from_rows(rows_s, np.uint64), Ragged.from_rows(rows_l, np.int32), z64, z32)
            ea, eb, es = [], [], []
            for h in self.r.scan([{"range": {"gen_add": {"lte": self.r.generation}}}], ["ends", "sim"],
                                 sort=[{"ends": {"order": "asc", "mode": "min"}},
                                       {"ends": {"order": "asc", "mode": "max"}}],
                                 kind={"term": {"kind": "edge"}}, visible_only=False):
                a, b = h["_source"]["ends"]
                ea.append(int(a, 16))
                eb.append(int(b, 16))
                es.append(float(h["_source"]["sim"]))
            src, dst, sim = edge_arrays(np.array(ea, np.uint64), np.array(eb, np.uint64), np.array(es, np.float32))
            order = np.argsort(doc_class, kind="stable")
            seg = RepeatSegment(0, np.ones(len(refs), bool), doc_class[order], order.astype(np.int64), table,
                                src, dst, sim)
            ri = RepeatIndex([seg], doc_class, np.array(nlen, np.int32), np.array([ordinal[a] for a in arts], np.int32),
                             np.array(ns, np.int32), np.array(dates, np.int32), ids.__getitem__)
            groups = ri.all_groups()
            ref_of = np.array(refs, dtype=object)
            for g in groups:
                g.docs = ref_of[np.asarray(g.docs, np.int64)]
            return groups

        return self.r._derived("all_groups", make)
