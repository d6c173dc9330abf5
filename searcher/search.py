"""Search an index: results grouped by article, with highlighted passages.

``search()`` returns a ``SearchResult`` whose ``to_json()`` is the one shape the
CLI and the API share::

    {"query", "total", "page", "pages", "results": [{"id", "title", "date", "source", "url",
        "author", "score", "passages": [{"n", "html", "text", "repeat", "duplicate_of"}]}],
     "variants": [...], "exclude": [...], "facets": {"source", "date", "date_unit", "undated", "spelling"}}

``total`` counts matching articles.  Filters: dates (``from`` / ``to``; undated
articles are counted in ``facets.undated`` and kept with ``undated=include`` or
alone with ``undated=only``), outlets (``source``, repeatable); ``exclude``
switches single spellings of a name off.  Facets are computed by ``facets``: the
outlet counts ignore the outlet filter (to pick another), the others apply every
filter.  Paragraphs are matched and ranked on the
posting arrays (``match``); an article ranks by its best paragraph and shows up
to three of its best, read from Whoosh's stored fields and highlighted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

import numpy as np

from . import facets as fct
from .expansion import Expander
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
UNDATED = ("", "include", "only")
MAX_SOURCES = 50  # source= values in one query
MAX_EXCLUDE = 50
_ISO_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")


def plain_text(html: str) -> str:
    """The text of passage HTML (marks dropped, entities decoded)."""
    return unescape(re.sub(r"</?mark>", "", html))


@dataclass
class Passage:
    n: int
    html: str
    repeat: dict | None = None  # repeatstore.RepeatStore.flag
    duplicate_of: dict | None = None  # {"id", "n"} of the same passage shown higher on the page

    def to_json(self):
        return {"n": self.n, "html": self.html, "text": plain_text(self.html), "repeat": self.repeat,
                "duplicate_of": self.duplicate_of}


@dataclass
class ArticleHit:
    id: str
    title: str
    date: str | None
    score: float
    passages: list = field(default_factory=list)
    source: str | None = None  # the outlet
    url: str | None = None  # the original article
    author: str | None = None

    def to_json(self):
        return {"id": self.id, "title": self.title, "date": self.date, "source": self.source, "url": self.url,
                "author": self.author, "score": round(self.score, 4),
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
    facets: dict = field(default_factory=dict)
    exclude: list = field(default_factory=list)  # spellings switched off

    def to_json(self):
        return {"query": self.query, "total": self.total, "page": self.page, "pages": self.pages,
                "results": [r.to_json() for r in self.results],
                "variants": [v.to_json() for v in self.variants], "exclude": list(self.exclude),
                "facets": self.facets}

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
    sources: list = field(default_factory=list)  # only these outlets
    exclude: list = field(default_factory=list)  # spellings of a name not to search
    undated: str = ""  # with a date filter: "" drops undated articles, "include" keeps them; "only"

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
        p.sources = _list_arg(args, "source", MAX_SOURCES)
        p.exclude = _list_arg(args, "exclude", MAX_EXCLUDE)
        p.undated = (args.get("undated") or "").strip().lower()
        if p.undated not in UNDATED:
            raise QueryError("undated must be 'include' or 'only'.")
        return p


def _list_arg(args, name, most):
    """A repeatable parameter (a MultiDict's every value; a plain dict's value or list)."""
    raw = args.getlist(name) if hasattr(args, "getlist") else args.get(name)
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else list(raw)
    out = []
    for v in values:
        v = " ".join(str(v).split())
        if v and v not in out:
            out.append(v[:200])
    if len(out) > most:
        raise QueryError(f"At most {most} values of {name} in one query.")
    return out


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
    d = parse_date(raw) if _ISO_DATE.match(str(raw).strip()) else None
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


class _Excluding(Expander):
    """An ``Expander`` that leaves out the excluded spellings, for a table whose
    ``Expander`` has no ``exclude`` of its own (see ``make_expander``)."""

    def __init__(self, table, exclude):
        super().__init__(table)
        self.exclude = set(exclude)
        self._keys = {spelling_key(e) for e in exclude}

    def __call__(self, text: str) -> list[str]:
        alts = super().__call__(text)
        here = spelling_key(text)
        return [a for a in alts if not any(k in spelling_key(a) and k not in here for k in self._keys)]


def spelling_key(s: str) -> str:
    """Spellings that search the same (script, width, case) have one key."""
    from .normalize import simplify

    return simplify(s).lower().replace(" ", "")


def make_expander(table, exclude=()):
    """``Expander(table, exclude=...)`` where the expander takes an exclude set,
    else one that drops the excluded spellings itself; None without a table."""
    if table is None:
        return None
    exclude = [e for e in exclude if e]
    if not exclude:
        return Expander(table)
    try:
        return Expander(table, exclude=set(exclude))
    except TypeError:
        return _Excluding(table, exclude)


@dataclass
class Matches:
    """Every matching paragraph of a query after its filters, and the facets."""
    docs: np.ndarray
    scores: np.ndarray
    patterns: list
    expander: object
    facets: dict


MAX_SPELLING_TERMS = 2  # names whose spellings are counted
MAX_SPELLINGS = 16


def find(s, params: SearchParams, variants=None, with_facets: bool = True) -> Matches:
    """Run the query and its filters on ``s`` (a ``Searcher``); facets when asked."""
    expander = make_expander(variants, params.exclude) if variants is not None and params.variants else None
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
    d = p.doc_date[docs]
    if params.undated == "only":
        date_keep = d <= 0
    elif dates is not None:
        date_keep = (d >= dates[0]) & (d <= dates[1])
        if params.undated == "include":
            date_keep |= d <= 0
    else:
        date_keep = np.ones(len(docs), bool)
    if params.sources:
        wanted = [i for i, name in enumerate(p.source_names) if name and name in params.sources]
        source_keep = np.isin(p.doc_source[docs], wanted)
    else:
        source_keep = np.ones(len(docs), bool)
    keep = date_keep & source_keep
    out = {}
    if with_facets:
        out["source"] = fct.source_counts(docs[date_keep], p.doc_article, p.doc_source, p.source_names)
        unit, out["date"], _ = fct.date_counts(docs[keep], p.doc_article, p.doc_date)
        out["date_unit"] = unit
        out["undated"] = fct.date_counts(docs[source_keep], p.doc_article, p.doc_date)[2]
        out["spelling"] = _spelling_facet(p, docs[keep], expander, params.exclude, unit)
    return Matches(docs[keep], scores[keep], patterns, expander, out)


def _spelling_facet(p, docs, expander, exclude, unit) -> list[dict]:
    if expander is None or not expander.applied:
        return []
    ev = Evaluator(p)
    out = []
    for v in expander.applied[:MAX_SPELLING_TERMS]:
        members = list(v.group)
        group = expander.table.lookup(v.term)
        for e in exclude:  # switched-off spellings stay listed (to switch them on again)
            if group is not None and expander.table.lookup(e) is group and e not in members:
                members.append(e)
        seen, spellings = set(), []
        for m in members:
            k = spelling_key(m)
            if k and k not in seen:
                seen.add(k)
                spellings.append(m)
        pairs = []
        for m in spellings[:MAX_SPELLINGS]:
            try:
                sdocs, _ = ev.run(compile_query('"' + m.replace('"', " ") + '"', "and", None))
            except QueryError:
                sdocs = np.zeros(0, np.int64)
            pairs.append((m, np.sort(sdocs)))
        for entry in fct.spelling_counts(np.sort(docs), pairs, p.doc_article, p.doc_source, p.source_names,
                                         p.doc_date, unit):
            entry["term"] = v.term
            entry["excluded"] = entry["key"] in exclude
            entry["typed"] = spelling_key(entry["key"]) == spelling_key(v.term)
            out.append(entry)
    return out


def search(s, params: SearchParams, variants=None, repeats=None) -> SearchResult:
    """Run a query on a ``Searcher`` ``s`` (``Generation.searcher()``).

    ``variants`` (a ``VariantTable``) expands names to every spelling unless
    ``params.variants`` is off (``params.exclude`` leaves single spellings out);
    the result lists the expansions applied and the facets (see ``find``).

    ``repeats`` (a ``RepeatStore``) flags repeated passages, keeps boilerplate out
    of snippets, never shows one passage twice in an article, and marks a passage
    already shown for a higher-ranked article as ``duplicate_of`` it."""
    m = find(s, params, variants)
    expander, patterns, docs, scores = m.expander, m.patterns, m.docs, m.scores
    p = s.postings
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
        art = ArticleHit(aid, fields.get("title", ""), fields.get("date") or None, score,
                         source=fields.get("source") or None, url=fields.get("url") or None,
                         author=fields.get("author") or None)
        art.passages = _passages(s, aid, cands[k], patterns, repeats, shown)
        page.append(art)
    return SearchResult(params.q, total, params.page, params.limit, page, patterns,
                        expander.applied if expander else [], params.variants, m.facets, list(params.exclude))


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
    first = docs[0]
    meta = {"id": article_id, "title": first.get("title", ""), "date": first.get("date") or None,
            "source": first.get("source") or None, "url": first.get("url") or None,
            "author": first.get("author") or None}
    return meta, [(int(d["n"]), d["text"]) for d in docs]


def patterns_for(q: str, op: str = "and", variants=None, exclude=()) -> list[str]:
    """The strings a query highlights (for the article page); [] if it cannot run."""
    try:
        compiled = compile_query(q, op, make_expander(variants, exclude))
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
    p = s.postings
    docs, _ = Evaluator(p).run(compiled)
    return {(p.article_ids[int(a)], int(n)) for a, n in zip(p.doc_article[docs], p.doc_n[docs])}
