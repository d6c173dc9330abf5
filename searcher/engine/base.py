"""The seam between search and the engines that hold the documents.

An *engine* stores paragraphs and changes them (``add``, ``delete``, ``build``,
``merge``); its *reader* answers queries on one consistent state of the index.
``search.py`` (grouping into articles, passages, repeat flags, highlighting)
talks only to these; the embedded engine (Whoosh + posting arrays) and the
cluster engine (OpenSearch) implement them.

Paragraphs are referred to by opaque *refs* that a reader hands out and takes
back (the embedded engine's are global document numbers).
"""
from __future__ import annotations

from dataclasses import dataclass, field


class EngineError(RuntimeError):
    """An engine that cannot do what was asked; the message is for the user.  ``status`` is
    the HTTP answer it becomes (503: unavailable, try again; 400: the input was refused)."""

    status = 503


@dataclass
class Filters:
    """Which paragraphs a search may return."""

    dates: tuple[int, int] | None = None  # inclusive YYYYMMDD range; None: any date
    undated: str = ""  # with a date range: "" drops undated articles, "include" keeps them; "only": only them
    outlets: tuple[str, ...] = ()  # only these outlets; empty: any


@dataclass
class FacetRequest:
    """What to count besides the results: matching articles per outlet and per date
    (always), and per spelling of the names a query expanded."""

    spellings: list = field(default_factory=list)  # [(term typed, [spelling, ...])]


@dataclass
class ArticleMatch:
    """One matching article: its score (its best paragraph's) and its matching
    paragraphs, best first (at most ``candidates`` of them)."""

    id: str
    score: float
    refs: list = field(default_factory=list)


@dataclass
class Matches:
    total: int  # matching articles
    articles: list  # ArticleMatch of the requested page, in rank order
    paragraphs: int = 0  # matching paragraphs
    facets: dict = field(default_factory=dict)  # see ``facets``: source, date, date_unit, undated, spelling


@dataclass
class Paragraph:
    article: str
    n: int
    title: str
    date: str | None
    text: str
    source: str = ""
    url: str = ""
    author: str = ""


class Reader:
    """What a search reads (one consistent state of an index)."""

    dictionary = None  # analysis.Dictionary: how the index cut its words
    names = None  # the name table (variant spellings)
    repeats = None  # flag(ref), same_text(a, b), is_boilerplate(ref), all_groups()

    def match(self, compiled, filters: Filters, sort: str, offset: int, limit: int, candidates: int,
              facets: FacetRequest | None = None) -> Matches:
        """The page [offset, offset + limit) of matching articles, best first (or by date:
        ``sort`` is relevance, date or -date), each with up to ``candidates`` matching
        paragraphs; facets when asked."""
        raise NotImplementedError

    def export(self, compiled, filters: Filters, sort: str, cap: int) -> tuple[list, int]:
        """(refs of up to ``cap`` matching paragraphs, articles in result order and
        paragraphs in reading order; number of matching paragraphs)."""
        raise NotImplementedError

    def word_df(self, word: str) -> int:
        """Paragraphs whose jieba words include ``word`` (0 if the index has none)."""
        raise NotImplementedError

    def paragraph(self, ref) -> Paragraph:
        raise NotImplementedError

    def article(self, article_id: str) -> list | None:
        """[(ref, Paragraph)] of an article in paragraph order; None if unknown."""
        raise NotImplementedError

    def matching_refs(self, compiled) -> list:
        """Every matching paragraph, unranked (evaluation, export)."""
        raise NotImplementedError


class Engine:
    name = "engine"

    def reader(self) -> Reader:
        raise NotImplementedError

    def exists(self) -> bool:
        raise NotImplementedError
