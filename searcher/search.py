"""Search an index: results grouped by article, with highlighted passages.

``search()`` returns a ``SearchResult`` whose ``to_json()`` is the one shape the
CLI and the API share::

    {"query", "total", "page", "results": [{"id", "title", "date", "score",
                                           "passages": [{"n", "html"}]}]}

``total`` counts matching articles.  Paragraphs are matched and ranked on the
posting arrays (``match``); an article ranks by its best paragraph and shows up
to three of its best, read from Whoosh's stored fields and highlighted.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .names import Expander
from .highlight import highlight
from .ingest import parse_date
from .match import Evaluator
from .postings import date_number
from .query import QueryError, compile_query

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
    exclude: tuple = ()  # spellings not to search (chips switched off)
    discovered: bool = True  # use discovered (unwritten) variants

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
        ex = args.get("exclude") or ""
        p.exclude = tuple(x.strip() for x in ex.replace("，", ",").split(",") if x.strip())[:64]
        d = (args.get("discovered") or "on").strip().lower()
        if d not in ("on", "off", "1", "0", "true", "false", "yes", "no"):
            raise QueryError("discovered must be 'on' or 'off'.")
        p.discovered = d in ("on", "1", "true", "yes")
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


def date_range(date_from, date_to):
    """(lowest, highest) YYYYMMDD allowed, or None for no filter."""
    if not date_from and not date_to:
        return None
    if date_from and date_to and date_from > date_to:
        raise QueryError("The date range is empty: 'from' is after 'to'.")
    return date_number(date_from) or 1, date_number(date_to) or 99999999


def search(s, params: SearchParams, variants=None, repeats=None, corpus=None) -> SearchResult:
    """Run a query on a ``Searcher`` ``s`` (``Generation.searcher()``).

    ``variants`` (a ``VariantTable``) expands names to every spelling unless
    ``params.variants`` is off; the result lists the expansions applied.

    ``repeats`` (a ``RepeatStore``) flags repeated passages, keeps boilerplate out
    of snippets, never shows one passage twice in an article, and marks a passage
    already shown for a higher-ranked article as ``duplicate_of`` it."""
    expander = Expander(variants, corpus, params.exclude, params.discovered) \
        if variants is not None and params.variants else None
    compiled = compile_query(params.q, params.op, expander)
    patterns = []
    for lit in compiled.literals:
        for seq_text in lit.texts():
            if seq_text not in patterns:
                patterns.append(seq_text)
        if params.op == "or":
            patterns.extend(w for w in lit.words if len(w) > 1 and w not in patterns)
    p = s.postings
    docs, scores = Evaluator(p).run(compiled)
    dates = date_range(params.date_from, params.date_to)
    if dates is not None and len(docs):
        d = p.doc_date[docs]
        keep = (d >= dates[0]) & (d <= dates[1])
        docs, scores = docs[keep], scores[keep]
    # Articles ranked by their best paragraph; only the best paragraphs are sorted.
    arts_all = p.doc_article[docs]
    seen = np.zeros(p.narticles, bool)
    seen[arts_all] = True
    total = int(seen.sum())
    need = params.page * params.limit
    docs, scores, arts = _best_first(docs, scores, arts_all, need, params.sort, p.doc_date)
    _, first = np.unique(arts, return_index=True)
    ranked = np.sort(first)  # indexes (into docs) of each article's best paragraph, best first
    page_first = ranked[(params.page - 1) * params.limit: need]
    page_arts = arts[page_first]
    slot = {int(a): i for i, a in enumerate(page_arts)}
    cands: list[list[int]] = [[] for _ in page_first]
    for i in np.flatnonzero(np.isin(arts, page_arts)).tolist():
        c = cands[slot[int(arts[i])]]
        if len(c) < PASSAGE_CANDIDATES:
            c.append(int(docs[i]))
    page = []
    shown: list[tuple[str, int]] = []
    for k, first_i in enumerate(page_first.tolist()):  # read and highlight only what is shown
        aid = p.article_ids[int(page_arts[k])]
        fields = s.stored_fields(cands[k][0])
        score = float(scores[first_i]) if params.sort == "relevance" else 0.0
        art = ArticleHit(aid, fields.get("title", ""), fields.get("date") or None, score)
        art.passages = _passages(s, aid, cands[k], patterns, repeats, shown)
        page.append(art)
    return SearchResult(params.q, total, params.page, params.limit, page, patterns,
                        expander.applied if expander else [], params.variants)


def _best_first(docs, scores, arts, need, sort, doc_date):
    """The matching paragraphs best first (ties: index order; by date first if asked),
    enough of them to hold ``need`` articles, with the article of each."""
    if sort != "relevance":
        d = doc_date[docs].astype(np.int64)
        order = np.lexsort((docs, -scores, -d if sort == "date" else d))
        return docs[order], scores[order], arts[order]
    k = max(need * PASSAGE_CANDIDATES, 64)
    while True:
        if k < len(docs):
            # Everything scoring at least the k-th best score (ties included, so the
            # cut does not depend on how argpartition breaks them).
            kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
            top = np.flatnonzero(scores >= kth)
        else:
            top = np.arange(len(docs))
        order = top[np.lexsort((docs[top], -scores[top]))]
        if len(top) == len(docs) or len(np.unique(arts[order])) >= need:
            return docs[order], scores[order], arts[order]
        k *= 4


def _passages(s, aid, docnums, patterns, repeats, shown):
    """Up to PASSAGES_PER_ARTICLE passages of an article from its candidate paragraphs
    (best first); stored text is read only for the paragraphs looked at."""
    n_of = s.postings.doc_n
    texts: dict[int, str] = {}

    def text(d):
        if d not in texts:
            texts[d] = s.stored_fields(d)["text"]
        return texts[d]

    cands = [(int(n_of[d]), d) for d in docnums]
    if repeats is None:
        return [Passage(n, highlight(text(d), patterns)) for n, d in cands[:PASSAGES_PER_ARTICLE]]
    content = [(n, d) for n, d in cands if not repeats.is_boilerplate(aid, n)]
    chosen: list[Passage] = []
    for n, d in content or cands:
        key = (aid, n)
        if any(repeats.same_text(key, (aid, p.n)) for p in chosen):
            continue  # the same passage twice in one article: keep the better-ranked copy
        dup = next((k for k in shown if k[0] != aid and repeats.same_text(key, k)), None)
        chosen.append(Passage(n, highlight(text(d), patterns), repeats.flag(aid, n),
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


def patterns_for(q: str, op: str = "and", variants=None, corpus=None) -> list[str]:
    """The strings a query highlights (for the article page); [] if it cannot run."""
    try:
        compiled = compile_query(q, op, Expander(variants, corpus) if variants is not None else None)
    except QueryError:
        return []
    out = []
    for lit in compiled.literals:
        for t in lit.texts():
            if t not in out:
                out.append(t)
    return out


def matching_paragraphs(s, q: str, op: str = "and", variants=None, corpus=None, **expand) -> set[tuple[str, int]]:
    """Every (article id, paragraph number) a query matches, unranked (for evaluation)."""
    compiled = compile_query(q, op, Expander(variants, corpus, **expand) if variants is not None else None)
    p = s.postings
    docs, _ = Evaluator(p).run(compiled)
    return {(p.article_ids[int(a)], int(n)) for a, n in zip(p.doc_article[docs], p.doc_n[docs])}
