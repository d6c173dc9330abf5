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

from .engine.base import FacetRequest, Filters
from .highlight import highlight
from .ingest import parse_date
from .names import Expander
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
    repeat: dict | None = None  # the reader's repeats.flag
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
    discovered: bool = True  # use variants the index discovered itself (their own switch)

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
        d = (args.get("discovered") or "on").strip().lower()
        if d not in ("on", "off", "1", "0", "true", "false", "yes", "no"):
            raise QueryError("discovered must be 'on' or 'off'.")
        p.discovered = d in ("on", "1", "true", "yes")
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


def spelling_key(s: str) -> str:
    """Spellings that search the same (script, width, case) have one key."""
    from .normalize import simplify

    return simplify(s).lower().replace(" ", "")


def make_expander(reader, params: "SearchParams"):
    """The expander of a search (None with variants off)."""
    if not params.variants:
        return None
    return Expander(reader.names, getattr(reader, "corpus", None), tuple(e for e in params.exclude if e),
                    params.discovered)


def filters_of(params: "SearchParams") -> Filters:
    return Filters(dates=date_range(params.date_from, params.date_to), undated=params.undated,
                   outlets=tuple(params.sources))


MAX_SPELLING_TERMS = 2  # names whose spellings are counted
MAX_SPELLINGS = 16


@dataclass
class Prepared:
    compiled: object
    expander: object
    patterns: list
    filters: Filters


def prepare(reader, params: "SearchParams") -> Prepared:
    """The compiled query, its expander, the strings it highlights and its filters."""
    expander = make_expander(reader, params)
    compiled = compile_query(params.q, params.op, expander, reader.dictionary)
    patterns = []
    for lit in compiled.literals:
        for seq_text in lit.texts():
            if seq_text not in patterns:
                patterns.append(seq_text)
        if params.op == "or":
            patterns.extend(w for w in lit.words if len(w) > 1 and w not in patterns)
    if params.op == "or" and expander is not None:  # a question's names: every spelling searched
        patterns.extend(m for a in expander.applied for m in a.group if m not in patterns)
    return Prepared(compiled, expander, patterns, filters_of(params))


def _spelling_request(expander, exclude) -> FacetRequest:
    """The spellings to count: each expanded name's, the switched-off ones included
    (so that they can be switched on again)."""
    spellings = []
    if expander is None:
        return FacetRequest([])
    for v in expander.applied[:MAX_SPELLING_TERMS]:
        members = list(v.group)
        group = expander.table.lookup(v.term)
        for e in exclude:
            if group is not None and expander.table.lookup(e) is group and e not in members:
                members.append(e)
        seen, keep = set(), []
        for m in members:
            k = spelling_key(m)
            if k and k not in seen:
                seen.add(k)
                keep.append(m)
        spellings.append((v.term, keep[:MAX_SPELLINGS]))
    return FacetRequest(spellings)


def count_articles(reader, params: "SearchParams") -> int:
    """How many articles a search finds (for the 'try instead' links)."""
    p = prepare(reader, params)
    return reader.match(p.compiled, p.filters, params.sort, 0, 0, 1).total


def search(reader, params: SearchParams, variants: bool = True) -> SearchResult:
    """Run a query on an engine reader.

    Names are expanded to every spelling (the reader's name table) unless
    ``params.variants`` (or ``variants``) is off; ``params.exclude`` leaves single
    spellings out; the result lists the expansions applied and the facets.
    Repeats (the reader's repeat groups) are flagged, boilerplate is kept out of
    snippets, one passage is never shown twice in an article, and a passage
    already shown for a higher-ranked article is marked ``duplicate_of`` it."""
    if not variants:
        params = SearchParams(**{**params.__dict__, "variants": False})
    p = prepare(reader, params)
    offset = (params.page - 1) * params.limit
    m = reader.match(p.compiled, p.filters, params.sort, offset, params.limit, PASSAGE_CANDIDATES,
                     facets=_spelling_request(p.expander, params.exclude))
    facets = m.facets
    for entry in facets.get("spelling", []):
        entry["excluded"] = entry["key"] in params.exclude
        entry["typed"] = spelling_key(entry["key"]) == spelling_key(entry["term"])
    page = []
    shown: list = []
    repeats = reader.repeats
    for hit in m.articles:  # read and highlight only what is shown
        first = reader.paragraph(hit.refs[0])
        score = hit.score if params.sort == "relevance" else 0.0
        art = ArticleHit(hit.id, first.title, first.date, score, source=first.source or None,
                         url=first.url or None, author=first.author or None)
        art.passages = _passages(reader, hit.id, hit.refs, p.patterns, repeats, shown)
        page.append(art)
    return SearchResult(params.q, m.total, params.page, params.limit, page, p.patterns,
                        p.expander.applied if p.expander else [], params.variants, facets, list(params.exclude))


def _passages(reader, aid, refs, patterns, repeats, shown):
    """Up to PASSAGES_PER_ARTICLE passages of an article from its candidate paragraphs
    (best first); stored text is read only for the paragraphs looked at."""
    cands = [(reader.n_of(r), r) for r in refs]

    def text(r):
        return reader.paragraph(r).text

    if repeats is None:
        return [Passage(n, highlight(text(r), patterns)) for n, r in cands[:PASSAGES_PER_ARTICLE]]
    content = [(n, r) for n, r in cands if not repeats.is_boilerplate(r)]
    chosen: list[tuple[Passage, object]] = []
    for n, r in content or cands:
        flag = repeats.flag(r)
        dup = None
        if flag is not None:  # without a repeat group a paragraph has no copy to compare with
            if any(repeats.same_text(r, other) for _, other in chosen):
                continue  # the same passage twice in one article: keep the better-ranked copy
            dup = next((x for x in shown if x[0] != aid and repeats.same_text(r, x[2])), None)
        chosen.append((Passage(n, highlight(text(r), patterns), flag,
                               {"id": dup[0], "n": dup[1]} if dup else None), r))
        if len(chosen) == PASSAGES_PER_ARTICLE:
            break
    shown.extend((aid, p.n, r) for p, r in chosen)
    return [p for p, _ in chosen]


def article(reader, article_id: str):
    """(meta, [(n, text, ref)]) of one article, or None if the index has no such article."""
    paras = reader.article(article_id)
    if not paras:
        return None
    first = paras[0][1]
    meta = {"id": article_id, "title": first.title, "date": first.date, "source": first.source or None,
            "url": first.url or None, "author": first.author or None}
    return meta, [(p.n, p.text, ref) for ref, p in paras]


def patterns_for(q: str, op: str = "and", reader=None, exclude=(), discovered: bool = True) -> list[str]:
    """The strings a query highlights (for the article page); [] if it cannot run.
    Without a reader (variants off) only what was typed."""
    try:
        expander = (Expander(reader.names, getattr(reader, "corpus", None), tuple(exclude), discovered)
                    if reader is not None else None)
        compiled = compile_query(q, op, expander, reader.dictionary if reader is not None else None)
    except QueryError:
        return []
    out = []
    for lit in compiled.literals:
        for t in lit.texts():
            if t not in out:
                out.append(t)
    return out


def matching_paragraphs(reader, q: str, op: str = "and", variants: bool = False, **expand) -> set[tuple[str, int]]:
    """Every (article id, paragraph number) a query matches, unranked (for evaluation)."""
    expander = Expander(reader.names, getattr(reader, "corpus", None), **expand) if variants else None
    compiled = compile_query(q, op, expander, reader.dictionary)
    return {reader.key(r) for r in reader.matching_refs(compiled)}
