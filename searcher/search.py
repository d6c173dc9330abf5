"""Search an index: results grouped by article, with highlighted passages.

``search()`` returns a ``SearchResult`` whose ``to_json()`` is the one shape the
CLI and the API share::

    {"query", "total", "page", "results": [{"id", "title", "date", "score",
                                           "passages": [{"n", "html"}]}]}

``total`` counts matching articles.  The engine's reader (``engine.base.Reader``)
matches and ranks paragraphs and groups them into articles; here an article
shows up to three of its best paragraphs, highlighted, with repeats folded.
The same code runs over every engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .engine.base import Filters
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
        ex = args.getlist("exclude") if hasattr(args, "getlist") else [args.get("exclude") or ""]
        p.exclude = tuple(x.strip() for e in ex for x in (e or "").replace("，", ",").split(",") if x.strip())[:64]
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


def search(reader, params: SearchParams, variants: bool = True) -> SearchResult:
    """Run a query on an engine reader.

    Names are expanded to every spelling (the reader's name table) unless
    ``params.variants`` is off; the result lists the expansions applied.  Repeats
    (the reader's repeat groups) are flagged, boilerplate is kept out of snippets,
    one passage is never shown twice in an article, and a passage already shown
    for a higher-ranked article is marked ``duplicate_of`` it."""
    expander = (Expander(reader.names, getattr(reader, "corpus", None), params.exclude, params.discovered)
                if variants and params.variants else None)
    compiled = compile_query(params.q, params.op, expander, reader.dictionary)
    patterns = []
    for lit in compiled.literals:
        for seq_text in lit.texts():
            if seq_text not in patterns:
                patterns.append(seq_text)
        if params.op == "or":
            patterns.extend(w for w in lit.words if len(w) > 1 and w not in patterns)
    filters = Filters(dates=date_range(params.date_from, params.date_to), undated=False)
    offset = (params.page - 1) * params.limit
    m = reader.match(compiled, filters, params.sort, offset, params.limit, PASSAGE_CANDIDATES)
    page = []
    shown: list = []
    repeats = reader.repeats
    for hit in m.articles:  # read and highlight only what is shown
        first = reader.paragraph(hit.refs[0])
        score = hit.score if params.sort == "relevance" else 0.0
        art = ArticleHit(hit.id, first.title, first.date, score)
        art.passages = _passages(reader, hit.id, hit.refs, patterns, repeats, shown)
        page.append(art)
    return SearchResult(params.q, m.total, params.page, params.limit, page, patterns,
                        expander.applied if expander else [], params.variants)


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
        if any(repeats.same_text(r, other) for _, other in chosen):
            continue  # the same passage twice in one article: keep the better-ranked copy
        dup = next((x for x in shown if x[0] != aid and repeats.same_text(r, x[2])), None)
        chosen.append((Passage(n, highlight(text(r), patterns), repeats.flag(r),
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
    meta = {"id": article_id, "title": first.title, "date": first.date, "source": first.source,
            "url": first.url, "author": first.author}
    return meta, [(p.n, p.text, ref) for ref, p in paras]


def patterns_for(q: str, op: str = "and", names=None, dictionary=None, corpus=None, exclude=(),
                 discovered: bool = True) -> list[str]:
    """The strings a query highlights (for the article page); [] if it cannot run."""
    try:
        expander = Expander(names, corpus, exclude, discovered) if names is not None else None
        compiled = compile_query(q, op, expander, dictionary)
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
