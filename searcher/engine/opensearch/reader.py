"""Reading the cluster: one visible generation, answering what the embedded reader answers.

A reader is the physical index and generation the meta document named when it was
opened; every query filters on them (``state.visible``), so a reader sees one commit
whatever is written meanwhile.  Paragraphs are referred to by their document ids.

``match`` asks the cluster, in one multi-search request, for

* the matching *articles* (articles with a matching paragraph: ``has_child``), counted
  exactly and aggregated for the facets (outlets, dates, undated, spellings);
* the first window of matching paragraphs in OpenSearch's order, with their text;

then scores the window exactly as the embedded engine does (``rescore``) and ranks it with
the embedded engine's own code (``search_arrays.match``).  If the window does not hold the
page, a larger one is fetched.
"""
from __future__ import annotations

import numpy as np
from opensearchpy.exceptions import NotFoundError, TransportError

from ... import facets as fct
from ...query import QueryError, Ranked, compile_query
from ..base import FacetRequest, Filters, Matches, Paragraph, Reader
from ..embedded.search_arrays import export_order
from ..embedded.search_arrays import match as rank_window
from . import dsl, rescore
from .client import OpenSearchError
from .docs import routing_of, token
from .state import visible

WINDOW = 400  # paragraphs scored exactly per search at least
FETCH_PAGE = 5000
EXPORT_WINDOW = 50_000  # an export scores at most this many paragraphs (all of them below it)
_LENGTHS = ("uni", "gram", "word", "title_uni", "title_gram")  # the averages BM25 (and BM25F) divide by
SOURCE_FIELDS = ["article", "n", "title", "date", "source", "url", "author", "text", "words", "uni_len", "gram_len",
                 "word_len", "title_uni_len", "title_gram_len", "date_num", "cls", "nlen", "sents", "sent_lens"]
_MAX_BUCKETS = 60000


class _WindowSnap:
    """The per-document arrays ``search_arrays`` reads, over a window of fetched paragraphs."""

    def __init__(self, sources: list[dict]):
        ids = sorted({s["article"] for s in sources})
        ordinal = {a: i for i, a in enumerate(ids)}
        self.article_ids = ids
        self.narticles = len(ids)
        self.doc_article = np.array([ordinal[s["article"]] for s in sources], np.int32)
        self.doc_n = np.array([int(s["n"]) for s in sources], np.int32)
        self.doc_date = np.array([int(s.get("date_num") or 0) for s in sources], np.int32)


def _and(clauses: list) -> dict:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def _engine_errors(fn):
    """A query the cluster refuses as malformed (too many clauses...) is the user's 400;
    anything else it cannot answer is a 503 (``OpenSearchError``)."""
    def wrapped(*a, **kw):
        try:
            return fn(*a, **kw)
        except TransportError as e:
            if e.status_code == 400:
                raise QueryError(f"The query is too complex for the search cluster ({e.error}); "
                                 "use fewer words or spellings.") from None
            raise OpenSearchError(f"the search cluster could not answer ({e.status_code} {e.error})") from None
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


class OpenSearchReader(Reader):
    def __init__(self, engine, meta):
        self.engine = engine
        self.client = engine.client
        self.meta = meta
        self.index = meta.index
        self.generation = meta.generation
        self.dictionary = engine.dictionary_of(meta)
        self.vis = visible(meta.generation)
        self._sources: dict[str, dict] = {}
        self._repeats = None
        self._corpus = None
        self.window = engine.window or WINDOW

    # ------------------------------------------------------------ derived per generation
    def cache(self, key, make):
        return self.engine.derived((self.index, self.generation, "user", repr(key)), make)

    def _derived(self, key, make):
        return self.engine.derived((self.index, self.generation, key), make)

    @property
    def names(self):
        pairs = self._derived("mined", self._mined_pairs)
        curated = self.engine.curated_paths(self.meta)

        def make():
            from ...names import MinedPair, build_table

            return build_table([MinedPair(zh, alias, aid, n, sur, *problems.split("\t"))
                                for zh, alias, aid, n, sur, problems in pairs], curated_paths=curated)

        import hashlib

        digest = hashlib.sha256(repr((pairs, curated)).encode("utf-8")).hexdigest()
        return self.engine.derived(("names", digest), make)

    def _mined_pairs(self) -> list:
        out = []
        for h in self.scan([{"term": {"has_mined": True}}], ["article", "n", "mined"]):
            s = h["_source"]
            for m in s.get("mined") or []:
                out.append((m["zh"], m["alias"], s["article"], int(s["n"]), m.get("surname", ""),
                            m.get("problems", "\t")))
        return sorted(out)

    @property
    def repeats(self):
        if self._repeats is None:
            from .repeats import ClusterRepeats, RepeatState

            self._repeats = ClusterRepeats(self, self._derived("repeats", RepeatState))
        return self._repeats

    @property
    def corpus(self):
        if self._corpus is None:
            from .corpus import ClusterCorpus

            self._corpus = ClusterCorpus(self)
        return self._corpus

    def collection(self) -> dict:
        """Visible paragraphs and their average lengths (BM25)."""
        def make():
            r = self.search({"size": 0, "track_total_hits": True, "query": _and([dsl.PARAGRAPH, *self.vis]),
                             "aggs": {k: {"sum": {"field": f"{k}_len"}} for k in _LENGTHS}})
            n = int(r["hits"]["total"]["value"])
            arts = self.search({"size": 0, "track_total_hits": True, "query": _and([dsl.ARTICLE, *self.vis])})
            avg = {k: (float(r["aggregations"][k]["value"]) / max(n, 1)) or 1.0 for k in _LENGTHS}
            return {"n": n, "avg": avg, "articles": int(arts["hits"]["total"]["value"])}
        return self._derived("collection", make)

    # ------------------------------------------------------------ requests
    @_engine_errors
    def search(self, body: dict, **params) -> dict:
        return self.client.search(self.index, body, **params)

    @_engine_errors
    def msearch(self, bodies: list) -> list:
        return self.client.msearch(self.index, bodies)

    def scan(self, filters: list, fields, sort=None, kind=dsl.PARAGRAPH, visible_only: bool = True):
        """Every visible document of ``kind`` passing ``filters``, in ``sort`` order (default:
        article, n; it must be unique), page by page (search_after)."""
        sort = sort or [{"article": "asc"}, {"n": {"order": "asc", "missing": "_first"}}]
        after = None
        clauses = [c for c in (kind, *(self.vis if visible_only else ()), *filters) if c is not None]
        while True:
            body = {"size": FETCH_PAGE, "_source": fields, "track_total_hits": False, "sort": sort,
                    "query": _and(clauses)}
            if after:
                body["search_after"] = after
            hits = self.search(body)["hits"]["hits"]
            yield from hits
            if len(hits) < FETCH_PAGE:
                return
            after = hits[-1]["sort"]

    def df_many(self, wanted: list) -> dict:
        """Document frequencies over the visible paragraphs: {df_key: df} for
        [(kind, key)] (kind word, gram or lit), asked in one request, cached per generation."""
        cache = self._derived("df", dict)
        out, missing = {}, []
        for kind, key in wanted:
            k = rescore.df_key(kind, key)
            if k in cache:
                out[k] = cache[k]
            elif k not in out:
                out[k] = None
                missing.append((k, kind, key))
        if missing:
            bodies = []
            for _, kind, key in missing:
                q = ({"term": {"words": token(key)}} if kind == "word" else
                     {"term": {"grams": token(key)}} if kind == "gram" else dsl.literal_query(key))
                bodies.append({"size": 0, "track_total_hits": True, "query": _and([dsl.PARAGRAPH, *self.vis, q])})
            for (k, _, _), r in zip(missing, self.msearch(bodies)):
                out[k] = cache[k] = int(r["hits"]["total"]["value"])
        return out

    # ------------------------------------------------------------ matching
    def _matching(self, compiled):
        """(the query of matching paragraphs, scoring clauses, document frequencies)."""
        dfs = self.df_many(rescore.df_requests(compiled))
        plan = compiled.plan
        if isinstance(plan, Ranked):
            kept, _ = rescore.kept_grams(plan, dfs, self.collection()["n"])
            q = dsl.ranked_query(plan, [t for t, _ in kept])
            return q, None, dfs  # the query scores itself
        return dsl.plan_query(plan), dsl.and_scoring(compiled.literals), dfs

    def _paragraph_query(self, mq, scoring, extra=()) -> dict:
        """Matching paragraphs; scored by ``scoring`` (should clauses), or by ``mq`` itself
        when ``scoring`` is None (op=or)."""
        if scoring is None:
            return {"bool": {"filter": [dsl.PARAGRAPH, *self.vis, *extra], "must": [mq]}}
        b = {"filter": [dsl.PARAGRAPH, *self.vis, mq, *extra]}
        if scoring:
            b["should"] = scoring
        return {"bool": b}

    def _articles_query(self, mq, extra=()) -> dict:
        child = {"has_child": {"type": "paragraph", "score_mode": "none",
                               "query": _and([*self.vis, mq])}}
        return _and([dsl.ARTICLE, *self.vis, child, *extra])

    @staticmethod
    def _sort(sort: str) -> list:
        tie = [{"article": "asc"}, {"n": "asc"}]
        if sort == "relevance":
            return [{"_score": "desc"}, *tie]
        order = "desc" if sort == "date" else "asc"
        return [{"date_num": {"order": order, "missing": "_last"}}, {"_score": "desc"}, *tie]

    def _window_body(self, mq, scoring, extra, sort, size) -> dict:
        return {"size": size, "query": self._paragraph_query(mq, scoring, extra), "sort": self._sort(sort),
                "_source": SOURCE_FIELDS, "track_total_hits": True, "track_scores": True}

    def _facet_body(self, mq, dates, outlets) -> dict:
        undated = {"bool": {"must_not": [{"exists": {"field": "date_num"}}]}}
        return {"size": 0, "track_total_hits": True, "query": self._articles_query(mq),
                "aggs": {"src": {"filter": _and(dates), "aggs": {
                             "o": {"terms": {"field": "source", "size": 10000}}}},
                         "kept": {"filter": _and(dates + outlets), "aggs": {
                             "d": {"terms": {"field": "date_num", "size": _MAX_BUCKETS}}}},
                         "undated": {"filter": _and(outlets + [undated])}}}

    def _spelling_body(self, mq, spelling: str, dates, outlets) -> dict | None:
        try:
            c = compile_query('"' + spelling.replace('"', " ") + '"', "and", None, self.dictionary)
        except QueryError:
            return None
        sq = dsl.plan_query(c.plan)
        return {"size": 0, "track_total_hits": True,
                "query": self._articles_query({"bool": {"filter": [mq, sq]}}, dates + outlets),
                "aggs": {"src": {"terms": {"field": "source", "size": 10000}, "aggs": {
                             "lo": {"min": {"field": "date_num"}}, "hi": {"max": {"field": "date_num"}}}},
                         "d": {"terms": {"field": "date_num", "size": _MAX_BUCKETS}}}}

    def _fetch_window(self, mq, scoring, extra, sort, size) -> tuple[list, int]:
        """(hits, matching paragraphs): the first ``size`` in the cluster's order."""
        r = self.search(self._window_body(mq, scoring, extra, sort, size))
        hits, total = r["hits"]["hits"], int(r["hits"]["total"]["value"])
        return self._complete_dates(hits, total, mq, scoring, extra, sort), total

    def _complete_dates(self, hits, total, mq, scoring, extra, sort) -> list:
        """For a date order, the window completed with every paragraph of its last date (the
        order within a date is by score, which only the exact scores decide)."""
        if sort == "relevance" or len(hits) >= total or not hits:
            return hits
        last = hits[-1]["_source"].get("date_num")
        same = {"term": {"date_num": last}} if last else {"bool": {"must_not": [{"exists": {"field": "date_num"}}]}}
        have = {h["_id"] for h in hits}
        for h in self._scan_matching(mq, scoring, [*extra, same], SOURCE_FIELDS):
            if h["_id"] not in have:
                hits.append(h)
        return hits

    def _scan_matching(self, mq, scoring, extra, fields, limit=None):
        after, n = None, 0
        while True:
            body = {"size": FETCH_PAGE, "query": self._paragraph_query(mq, scoring, extra), "_source": fields,
                    "sort": [{"_score": "desc"}, {"article": "asc"}, {"n": "asc"}], "track_total_hits": False}
            if after:
                body["search_after"] = after
            hits = self.search(body)["hits"]["hits"]
            for h in hits:
                yield h
                n += 1
                if limit is not None and n >= limit:
                    return
            if len(hits) < FETCH_PAGE:
                return
            after = hits[-1]["sort"]

    def _remember(self, hits) -> list[str]:
        refs = []
        for h in hits:
            self._sources[h["_id"]] = h["_source"]
            refs.append(h["_id"])
        return refs

    def _scored(self, compiled, hits, dfs) -> np.ndarray:
        if not self.engine.exact_scores:  # OpenSearch's own BM25 (for comparison: bench/opensearch_bench.py)
            return np.array([h.get("_score") or 0.0 for h in hits], np.float32)
        c = self.collection()
        stats = rescore.Stats(c["n"], c["avg"], None)
        return rescore.scores(compiled, rescore.Window([h["_source"] for h in hits]), stats, dfs)

    def match(self, compiled, filters: Filters, sort: str, offset: int, limit: int, candidates: int,
              facets: FacetRequest | None = None) -> Matches:
        mq, scoring, dfs = self._matching(compiled)
        dates, outlets = dsl.filter_clauses(filters)
        need = offset + limit
        size = max(self.window, need * candidates * 2) if limit > 0 else 0
        bodies = [self._facet_body(mq, dates, outlets) if facets is not None else
                  {"size": 0, "track_total_hits": True, "query": self._articles_query(mq, dates + outlets)}]
        spellings = []
        if facets is not None:
            for term, members in facets.spellings:
                for m in members:
                    b = self._spelling_body(mq, m, dates, outlets)
                    spellings.append((term, m, len(bodies) if b is not None else None))
                    if b is not None:
                        bodies.append(b)
        window_at = len(bodies)
        bodies.append(self._window_body(mq, scoring, dates + outlets, sort, size))
        answers = self.msearch(bodies)
        art = answers[0]
        total = int(art["hits"]["total"]["value"]) if facets is None else \
            int(art["aggregations"]["kept"]["doc_count"])
        win = answers[window_at]
        hits, paragraphs = win["hits"]["hits"], int(win["hits"]["total"]["value"])
        out_facets = self._facets(art, spellings, answers) if facets is not None else {}
        if limit <= 0:
            return Matches(total, [], paragraphs, out_facets)
        hits = self._complete_dates(hits, paragraphs, mq, scoring, dates + outlets, sort)
        while len(hits) < paragraphs and len({h["_source"]["article"] for h in hits}) < need:
            size *= 4  # the window does not hold the page: a larger one
            hits, paragraphs = self._fetch_window(mq, scoring, dates + outlets, sort, size)
        refs = self._remember(hits)
        scores = self._scored(compiled, hits, dfs)
        snap = _WindowSnap([h["_source"] for h in hits])
        m = rank_window(snap, np.arange(len(hits)), scores, sort, offset, limit, candidates)
        for a in m.articles:
            a.refs = [refs[i] for i in a.refs]
        self._page_refs = [r for a in m.articles for r in a.refs]
        return Matches(total, m.articles, paragraphs, out_facets)

    def _facets(self, art, spellings, answers) -> dict:
        aggs = art["aggregations"]
        source = [{"key": b["key"], "count": int(b["doc_count"])} for b in aggs["src"]["o"]["buckets"] if b["key"]]
        source.sort(key=lambda x: (-x["count"], x["key"]))
        dated = [(int(b["key"]), int(b["doc_count"])) for b in aggs["kept"]["d"]["buckets"]]
        dates = np.repeat(np.array([d for d, _ in dated], np.int64), [c for _, c in dated]) if dated else \
            np.zeros(0, np.int64)
        unit, date_list, _ = fct.date_counts(dates)
        out = {"source": source, "date": date_list, "date_unit": unit,
               "undated": int(aggs["undated"]["doc_count"])}
        spelling = []
        for term, m, at in spellings:
            entry = {"key": m, "count": 0, "by_source": {}, "by_date": {}, "span_by_source": {}}
            if at is not None:
                r = answers[at]
                entry["count"] = int(r["hits"]["total"]["value"])
                a = r["aggregations"]
                for b in a["src"]["buckets"]:
                    if b["key"]:
                        entry["by_source"][b["key"]] = int(b["doc_count"])
                        lo, hi = b["lo"]["value"], b["hi"]["value"]
                        if lo is not None and hi is not None:
                            entry["span_by_source"][b["key"]] = [fct.key_of(int(lo), "day"), fct.key_of(int(hi), "day")]
                by_date: dict = {}
                for b in a["d"]["buckets"]:
                    k = fct.key_of(int(b["key"]), unit)
                    by_date[k] = by_date.get(k, 0) + int(b["doc_count"])
                entry["by_date"] = dict(sorted(by_date.items()))
            entry["term"] = term
            spelling.append(entry)
        out["spelling"] = spelling
        return out

    def export(self, compiled, filters: Filters, sort: str, cap: int):
        mq, scoring, dfs = self._matching(compiled)
        dates, outlets = dsl.filter_clauses(filters)
        hits = list(self._scan_matching(mq, scoring, dates + outlets, SOURCE_FIELDS, limit=EXPORT_WINDOW))
        total = self.search({"size": 0, "track_total_hits": True,
                             "query": self._paragraph_query(mq, scoring, dates + outlets)})["hits"]["total"]["value"]
        if not hits:
            return [], int(total)
        refs = self._remember(hits)
        scores = self._scored(compiled, hits, dfs)
        snap = _WindowSnap([h["_source"] for h in hits])
        order = export_order(snap, np.arange(len(hits)), scores, sort)[:cap]
        return [refs[i] for i in order.tolist()], int(total)

    def matching_refs(self, compiled) -> list:
        mq, _, _ = self._matching(compiled)
        out = []
        for h in self.scan([mq], ["article", "n"]):
            self._sources.setdefault(h["_id"], h["_source"])
            out.append(h["_id"])
        return out

    def word_df(self, word: str) -> int:
        return self.df_many([("word", word)])[("word", word)]

    def word_dfs(self, words) -> dict:
        """word_df of many words at once (suggestions ask for thousands)."""
        words = list(dict.fromkeys(words))
        held = self.corpus.held_words(words)
        out = {w: 0 for w in words}
        todo = [w for w in words if w in held]
        for i in range(0, len(todo), 500):
            got = self.df_many([("word", w) for w in todo[i:i + 500]])
            for w in todo[i:i + 500]:
                out[w] = got[("word", w)]
        return out

    # ------------------------------------------------------------ documents
    def source(self, ref) -> dict:
        s = self._sources.get(ref)
        if s is None:
            try:
                r = self.client.call(lambda c: c.get(index=self.index, id=ref, params={
                    "routing": routing_of(ref), "_source_includes": ",".join(SOURCE_FIELDS)}), "get")
            except NotFoundError:
                raise KeyError(ref) from None
            s = self._sources[ref] = r["_source"]
        return s

    def prefetch(self, refs) -> None:
        missing = [r for r in refs if r not in self._sources]
        for i in range(0, len(missing), 1000):
            part = missing[i:i + 1000]
            r = self.client.call(lambda c: c.mget(index=self.index, body={"docs": [
                {"_id": x, "routing": routing_of(x), "_source": SOURCE_FIELDS} for x in part]}), "get")
            for d in r["docs"]:
                if d.get("found"):
                    self._sources[d["_id"]] = d["_source"]

    def paragraph(self, ref) -> Paragraph:
        s = self.source(ref)
        return Paragraph(s["article"], int(s["n"]), s.get("title") or "", s.get("date") or None, s["text"],
                         s.get("source") or "", s.get("url") or "", s.get("author") or "")

    def n_of(self, ref) -> int:
        return int(ref.rsplit(".", 1)[1])

    def key(self, ref) -> tuple[str, int]:
        s = self.source(ref)
        return s["article"], int(s["n"])

    def article(self, article_id: str):
        hits = list(self.scan([{"term": {"article": article_id}}], SOURCE_FIELDS,
                              sort=[{"n": "asc"}]))
        if not hits:
            return None
        refs = self._remember(hits)
        self._page_refs = refs
        return [(r, self.paragraph(r)) for r in refs]

    def stats(self) -> dict:
        c = self.collection()
        return {"engine": "opensearch", "index": self.index, "generation": self.generation, "segments": 1,
                "paragraphs": c["n"], "articles": c["articles"], "deleted": 0}
