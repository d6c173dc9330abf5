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


class RepeatState:
    """What the cluster said about classes, edges and sentences at one generation (shared by
    every reader of that generation in a process)."""

    def __init__(self):
        self.info: dict[str, ClassInfo] = {}
        self.edges_of: dict[str, list] = {}  # class -> [(other class, similarity)]
        self.holders_of: dict[str, tuple] = {}  # sentence -> ([(class, nlen)], more than listed)
        self.groups: dict[str, object] = {}  # class of one live paragraph -> (RepeatIndex, local doc)


class ClusterRepeats:
    def __init__(self, reader, state: RepeatState | None = None):
        self.r = reader
        st = state or RepeatState()
        self.st = st
        self.info, self.edges_of, self.holders_of, self.groups = st.info, st.edges_of, st.holders_of, st.groups

    # ------------------------------------------------------------ what the cluster says (one request a round)
    def _info_body(self, part: list[str]) -> dict:
        return {"size": 0, "query": {"bool": {"filter": [dsl.PARAGRAPH, *self.r.vis, {"terms": {"cls": part}}]}},
                "aggs": {"c": {"terms": {"field": "cls", "size": len(part)}, "aggs": {
                    "top": {"top_hits": {"size": FIRST, "sort": _order_key(), "_source": [
                        "article", "n", "date_num", "nlen", "sents", "sent_lens"]}},
                    "a": {"terms": {"field": "article", "size": BOILERPLATE_MIN_ARTICLES}}}}}}

    def _edges_body(self, part: list[str]) -> dict:
        return {"size": _EDGE_PAGE, "_source": ["ends", "sim"], "track_total_hits": True,
                "query": {"bool": {"filter": [{"term": {"kind": "edge"}}, {"terms": {"ends": part}},
                                              {"range": {"gen_add": {"lte": self.r.generation}}}]}}}

    def _holders_body(self, part: list[str], size: int = _HOLDERS) -> dict:
        return {"size": 0, "query": {"bool": {"filter": [dsl.PARAGRAPH, *self.r.vis, {"terms": {"sents": part}}]}},
                "aggs": {"s": {"terms": {"field": "sents", "include": part, "size": len(part)}, "aggs": {
                    "c": {"terms": {"field": "cls", "size": size}, "aggs": {"l": {"max": {"field": "nlen"}}}}}}}}

    def _fetch(self, info_for=(), edges_for=(), sentences=(), holders_size: int = _HOLDERS) -> None:
        """Class facts, near edges and sentence holders not known yet, in one multi-search."""
        info_for = [h for h in dict.fromkeys(info_for) if h and h not in self.info]
        edges_for = [h for h in dict.fromkeys(edges_for) if h and h not in self.edges_of]
        sentences = [x for x in dict.fromkeys(sentences) if x not in self.holders_of or holders_size > _HOLDERS]
        jobs, bodies = [], []
        for i in range(0, len(info_for), 500):
            jobs.append(("info", info_for[i:i + 500]))
            bodies.append(self._info_body(info_for[i:i + 500]))
        for i in range(0, len(edges_for), 1000):
            jobs.append(("edges", edges_for[i:i + 1000]))
            bodies.append(self._edges_body(edges_for[i:i + 1000]))
        for i in range(0, len(sentences), 1000):
            jobs.append(("holders", sentences[i:i + 1000]))
            bodies.append(self._holders_body(sentences[i:i + 1000], holders_size))
        if not bodies:
            return
        for (kind, part), r in zip(jobs, self.r.msearch(bodies)):
            if kind == "info":
                for h in part:
                    self.info[h] = ClassInfo(h)
                for b in r["aggregations"]["c"]["buckets"]:
                    hits = b["top"]["hits"]["hits"]
                    src = hits[0]["_source"]
                    self.info[b["key"]] = ClassInfo(
                        b["key"], int(b["doc_count"]), int(src.get("nlen") or 0), len(b["a"]["buckets"]),
                        [(x["_source"]["article"], int(x["_source"]["n"]), int(x["_source"].get("date_num") or 0),
                          x["_id"]) for x in hits], list(src.get("sents") or []), list(src.get("sent_lens") or []))
            elif kind == "edges":
                if r["hits"]["total"]["value"] > _EDGE_PAGE:  # rare: ask again class by class
                    for h in part:
                        self.edges_of[h] = []
                        body = self._edges_body([h])
                        for x in self.r.search(body)["hits"]["hits"]:
                            a, b2 = x["_source"]["ends"]
                            self.edges_of[h].append((b2 if a == h else a, float(x["_source"]["sim"])))
                    continue
                for h in part:
                    self.edges_of[h] = []
                for x in r["hits"]["hits"]:
                    a, b2 = x["_source"]["ends"]
                    if a in self.edges_of and a in part:
                        self.edges_of[a].append((b2, float(x["_source"]["sim"])))
                    if b2 in self.edges_of and b2 in part:
                        self.edges_of[b2].append((a, float(x["_source"]["sim"])))
            else:
                for x in part:
                    self.holders_of[x] = ([], False)
                for b in r["aggregations"]["s"]["buckets"]:
                    c = b["c"]
                    self.holders_of[b["key"]] = ([(y["key"], int(y["l"]["value"] or 0)) for y in c["buckets"]],
                                                 c.get("sum_other_doc_count", 0) > 0)

    def _class_of(self, ref) -> str | None:
        return self.r.source(ref).get("cls")

    def _counted_units(self, sentence: str):
        """The unit classes holding a counted sentence (2..PARTIAL_MAX_POSTINGS units), else None.
        (Facts of its short holders must be known.)"""
        holders, over = self.holders_of[sentence]
        if over:
            return None
        units = [c for c, ln in holders if ln > BOILERPLATE_MAX_CHARS or self.info[c].unit]
        return units if 2 <= len(units) <= PARTIAL_MAX_POSTINGS else None

    # ------------------------------------------------------------ the neighbourhood of single copies
    def _resolve(self, seeds: list[str]) -> None:
        seeds = [h for h in dict.fromkeys(seeds) if h not in self.groups]
        if not seeds:
            return
        members: set[str] = set()
        edges: dict[tuple[str, str], float] = {}
        counted: dict[str, list[str]] = {}
        queue = seeds
        while queue:
            batch = [c for c in dict.fromkeys(queue) if c not in members]
            queue = []
            if not batch:
                break
            known = [x for c in batch if c in self.info for x in self.info[c].sents]
            self._fetch(batch, batch, known)
            self._fetch((), (), [x for c in batch for x in self.info[c].sents])
            over = [x for c in batch for x in self.info[c].sents if self.holders_of[x][1]]
            if over:  # a sentence held by many classes: are as many of them units?
                self._fetch((), (), over, holders_size=5000)
            self._fetch([o for c in batch for o, _ in self.edges_of[c]] +
                        [h for c in batch for x in self.info[c].sents for h, ln in self.holders_of[x][0]
                         if ln <= BOILERPLATE_MAX_CHARS])
            for c in batch:
                if not self.info[c].unit:
                    continue
                members.add(c)
                for o, sim in self.edges_of[c]:
                    if self.info[o].unit:
                        edges[(min(c, o), max(c, o))] = sim
                        queue.append(o)
                for x in self.info[c].sents:
                    units = self._counted_units(x)
                    if units is not None:
                        counted[x] = units
                        queue += units
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
        """Facts of the classes of these paragraphs and of the page's (one request), then the
        neighbourhood of those with one live copy."""
        refs = list(refs)
        page = getattr(self.r, "_page_refs", None) or []
        wanted = list(dict.fromkeys([*refs, *page]))
        self.r.prefetch(wanted)
        sources = [self.r.source(x) for x in wanted]
        classes = [s["cls"] for s in sources if s.get("cls")]
        self._fetch(classes, classes, [x for s in sources for x in s.get("sents") or []])
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
