"""Search an index: results grouped by article, with highlighted passages.

``search()`` returns a ``SearchResult`` whose ``to_json()`` is the one shape the
CLI and the API share::

    {"query", "total", "page", "results": [{"id", "title", "date", "score",
                                           "passages": [{"n", "html"}]}]}

``total`` counts matching articles.  Ranking is Whoosh's BM25F over paragraphs;
an article ranks by its best paragraph and shows up to three of its best.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh import sorting

from .expansion import Expander
from .highlight import highlight
from .ingest import parse_date
from .query import OR_MAX_DF, QueryError, compile_query

PASSAGES_PER_ARTICLE = 3
PASSAGE_CANDIDATES = 6  # per article, so that repeats and boilerplate can be skipped
MAX_LIMIT = 100
MAX_PAGE = 1000
SORTS = ("relevance", "date", "-date")


@dataclass
class Passage:
    n: int
    html: str
    repeat: dict | None = None  # repeatstore.RepeatStore.flag
    duplicate_of: dict | None = None  # {"id", "n"} of the same passage shown higher on the page

    def to_json(self):
        return {"n": self.n, "html": self.html, "repeat": self.repeat, "duplicate_of": self.duplicate_of}


@dataclass
class ArticleHit:
    id: str
    title: str
    date: str | None
    score: float
    passages: list = field(default_factory=list)

    def to_json(self):
        return {"id": self.id, "title": self.title, "date": self.date, "score": round(self.score, 4),
                "passages": [p.to_json() for p in self.passages]}


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    limit: int
    results: list = field(default_factory=list)
    patterns: list = field(default_factory=list)  # strings highlighted (for article links)
    variants: list = field(default_factory=list)  # expansion.Applied, in query order
    expanded: bool = True  # variant expansion was on

    def to_json(self):
        return {"query": self.query, "total": self.total, "page": self.page,
                "results": [r.to_json() for r in self.results],
                "variants": [v.to_json() for v in self.variants]}

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


@dataclass
class SearchParams:
    q: str
    page: int = 1
    limit: int = 10
    op: str = "and"
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    variants: bool = True  # expand names to every spelling

    @classmethod
    def from_args(cls, args) -> "SearchParams":
        """From a mapping of strings (URL parameters); raises QueryError with a message."""
        q = args.get("q")
        if q is None:
            raise QueryError("Missing parameter q (the query).")
        p = cls(q=q)
        p.page = _int_arg(args, "page", 1, 1, MAX_PAGE)
        p.limit = _int_arg(args, "limit", 10, 1, MAX_LIMIT)
        p.op = (args.get("op") or "and").lower()
        if p.op not in ("and", "or"):
            raise QueryError("op must be 'and' or 'or'.")
        p.date_from = _date_arg(args, "from")
        p.date_to = _date_arg(args, "to")
        p.sort = args.get("sort") or "relevance"
        if p.sort not in SORTS:
            raise QueryError("sort must be one of: " + ", ".join(SORTS) + ".")
        v = (args.get("variants") or "on").strip().lower()
        if v not in ("on", "off", "1", "0", "true", "false", "yes", "no"):
            raise QueryError("variants must be 'on' or 'off'.")
        p.variants = v in ("on", "1", "true", "yes")
        return p


def _int_arg(args, name, default, lo, hi):
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        v = int(str(raw).strip())
    except ValueError:
        raise QueryError(f"{name} must be a whole number from {lo} to {hi}.") from None
    if not lo <= v <= hi:
        raise QueryError(f"{name} must be a whole number from {lo} to {hi}.")
    return v


def _date_arg(args, name):
    raw = args.get(name)
    if raw in (None, ""):
        return None
    d = parse_date(raw)
    if d is None:
        raise QueryError(f"{name} must be a date written YYYY-MM-DD.")
    return d


def date_filter(date_from, date_to):
    if not date_from and not date_to:
        return None
    if date_from and date_to and date_from > date_to:
        raise QueryError("The date range is empty: 'from' is after 'to'.")
    return wq.TermRange("date", date_from or "0000-00-00", date_to or "9999-99-99")


def search(s, params: SearchParams, variants=None, repeats=None) -> SearchResult:
    """Run a query with a Whoosh searcher ``s`` (``Generation.searcher()``).

    ``variants`` (a ``VariantTable``) expands names to every spelling unless
    ``params.variants`` is off; the result lists the expansions applied.

    ``repeats`` (a ``RepeatStore``) flags repeated passages, keeps boilerplate out
    of snippets, never shows one passage twice in an article, and marks a passage
    already shown for a higher-ranked article as ``duplicate_of`` it."""
    expander = Expander(variants) if variants is not None and params.variants else None
    compiled = compile_query(params.q, params.op, expander)
    patterns = []
    for lit in compiled.literals:
        for seq_text in lit.texts():
            if seq_text not in patterns:
                patterns.append(seq_text)
        if params.op == "or":
            patterns.extend(w for w in lit.words if len(w) > 1 and w not in patterns)
    need = params.page * params.limit
    filt = date_filter(params.date_from, params.date_to)
    kw = {}
    if params.sort != "relevance":
        # By date, then by relevance (so an article still shows its best passages).
        kw["sortedby"] = [sorting.FieldFacet("date", reverse=params.sort == "date"), sorting.ScoreFacet()]
    query = compiled.query
    if params.op == "or":
        query = prune_common(s, query)
    # Rank paragraphs with Whoosh's optimised top-k collector, group them by article
    # here, and widen k until the page is full or the matches run out.
    k = max(need * PASSAGE_CANDIDATES, 60)
    while True:
        res = s.search(query, limit=k, filter=filt, terms=False, **kw)
        articles: dict[str, ArticleHit] = {}
        texts: dict[str, list] = {}
        for hit in res:
            f = hit.fields()
            aid = f["article"]
            art = articles.get(aid)
            if art is None:
                if len(articles) >= need:
                    continue
                score = float(hit.score or 0.0) if params.sort == "relevance" else 0.0  # sorted: no score
                art = articles[aid] = ArticleHit(aid, f.get("title", ""), f.get("date") or None, score)
                texts[aid] = []
            if len(texts[aid]) < PASSAGE_CANDIDATES:
                texts[aid].append((int(f["n"]), f["text"]))
        if len(articles) >= need or len(res.top_n) < k:
            break
        k *= 4
    total = count_articles(s, query, filt) if len(res.top_n) >= k or params.page > 1 or len(articles) >= need \
        else len(articles)
    page = list(articles.values())[(params.page - 1) * params.limit: need]
    shown: list[tuple[str, int]] = []
    for art in page:  # choose and highlight only what is shown
        art.passages = _passages(art.id, texts[art.id], patterns, repeats, shown)
    return SearchResult(params.q, total, params.page, params.limit, page, patterns,
                        expander.applied if expander else [], params.variants)


def count_articles(s, query, filt=None) -> int:
    """How many articles have a paragraph matching ``query`` (unscored pass)."""
    col = s.reader().column_reader("article")
    allowed = None
    if filt is not None:
        allowed = set(filt.docs(s))
    seen = set()
    for docnum in query.docs(s):
        if allowed is None or docnum in allowed:
            seen.add(col[docnum])
    return len(seen)


def prune_common(s, query, max_df: float = OR_MAX_DF):
    """Drop the optional terms of an OR found in more than ``max_df`` of the paragraphs.

    They weigh little under BM25 (idf near zero) but cost most of the time: each
    is a posting list over a large part of the index.  Terms are kept when
    nothing else would remain."""
    if not isinstance(query, wq.Or):
        return query
    n = max(1, s.doc_count_all())
    keep = [t for t in query.subqueries
            if not isinstance(t, wq.Term) or s.doc_frequency(t.fieldname, t.text) <= max_df * n]
    return wq.Or(keep) if keep else query


def _passages(aid, candidates, patterns, repeats, shown):
    if repeats is None:
        return [Passage(n, highlight(t, patterns)) for n, t in candidates[:PASSAGES_PER_ARTICLE]]
    content = [(n, t) for n, t in candidates if not repeats.is_boilerplate(aid, n)]
    chosen: list[Passage] = []
    for n, text in content or candidates:
        key = (aid, n)
        if any(repeats.same_text(key, (aid, p.n)) for p in chosen):
            continue  # the same passage twice in one article: keep the better-ranked copy
        dup = next((k for k in shown if k[0] != aid and repeats.same_text(key, k)), None)
        chosen.append(Passage(n, highlight(text, patterns), repeats.flag(aid, n),
                              {"id": dup[0], "n": dup[1]} if dup else None))
        if len(chosen) == PASSAGES_PER_ARTICLE:
            break
    shown.extend((aid, p.n) for p in chosen)
    return chosen


def article(s, article_id: str):
    """(meta, [(n, text)]) of one article, or None if the index has no such article."""
    docs = list(s.documents(article=article_id))
    if not docs:
        return None
    docs.sort(key=lambda d: d["n"])
    meta = {"id": article_id, "title": docs[0].get("title", ""), "date": docs[0].get("date") or None}
    return meta, [(int(d["n"]), d["text"]) for d in docs]


def patterns_for(q: str, op: str = "and", variants=None) -> list[str]:
    """The strings a query highlights (for the article page); [] if it cannot run."""
    try:
        compiled = compile_query(q, op, Expander(variants) if variants is not None else None)
    except QueryError:
        return []
    out = []
    for lit in compiled.literals:
        for t in lit.texts():
            if t not in out:
                out.append(t)
    return out


def matching_paragraphs(s, q: str, op: str = "and", variants=None) -> set[tuple[str, int]]:
    """Every (article id, paragraph number) a query matches, unranked (for evaluation)."""
    compiled = compile_query(q, op, Expander(variants) if variants is not None else None)
    out = set()
    for docnum in compiled.query.docs(s):
        f = s.stored_fields(docnum)
        out.add((f["article"], int(f["n"])))
    return out
