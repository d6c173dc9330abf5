"""The embedded engine's answer to ``Reader.match``: filter, count facets, rank, group.

An article ranks by its best paragraph; only the paragraphs needed for the
requested page are sorted.  Ties are broken by article id, then paragraph
number (global article ordinals sort as ids do), so the order does not depend
on how the index is split into segments.  Facets are counted by ``facets``
(pure functions over the snapshot's per-document arrays).
"""
from __future__ import annotations

import numpy as np

from ... import facets as fct
from ...arrays import at_least_kth
from ..base import ArticleMatch, FacetRequest, Filters, Matches

_NO_DATE = 99999999


def article_masks(snap, arts: np.ndarray, filters: Filters):
    """(date mask, outlet mask) of matching articles (ordinals ``arts``); None for a filter
    that is not set (it keeps everything).  Dates and outlets belong to articles, so every
    filter is decided once per article, not once per paragraph."""
    date_keep = outlet_keep = None
    if filters.undated == "only" or filters.dates is not None:
        d = snap.art_date[arts]
        if filters.undated == "only":
            date_keep = d <= 0
        else:
            date_keep = (d >= filters.dates[0]) & (d <= filters.dates[1])
            if filters.undated == "include":
                date_keep |= d <= 0
    if filters.outlets:
        wanted = [i for i, name in enumerate(snap.outlets) if name and name in filters.outlets]
        outlet_keep = np.isin(snap.art_outlet[arts], np.array(wanted, np.int32))
    return date_keep, outlet_keep


def both(a, b):
    """Two ``article_masks`` masks together (None: keeps everything)."""
    return b if a is None else a if b is None else a & b


def _some(arts, mask):
    return arts if mask is None else arts[mask]


def count_facets(snap, arts, date_keep, outlet_keep, docs, kept_docs, request: FacetRequest, spelling_docs) -> dict:
    """The facets of a result: outlets ignore the outlet filter (to pick another); the
    others apply every filter.  ``arts``: the matching articles (sorted ordinals) with their
    ``article_masks``; ``docs`` the matching paragraphs, ``kept_docs`` those the filters
    keep; ``spelling_docs(spelling)`` -> documents containing it."""
    out = {"source": fct.source_counts(snap.art_outlet[_some(arts, date_keep)], snap.outlets)}
    unit, out["date"], _ = fct.date_counts(snap.art_date[_some(arts, both(date_keep, outlet_keep))])
    out["date_unit"] = unit
    out["undated"] = int((snap.art_date[_some(arts, outlet_keep)] <= 0).sum())
    spelling = []
    kept = np.sort(kept_docs) if request.spellings else docs[:0]
    for term, spellings in request.spellings:
        pairs = [(m, np.sort(spelling_docs(m))) for m in spellings]
        for entry in fct.spelling_counts(kept, pairs, snap.doc_article, snap.doc_outlet, snap.outlets,
                                         snap.doc_date, unit):
            entry["term"] = term
            spelling.append(entry)
    out["spelling"] = spelling
    return out


def match(snap, docs, scores, sort: str, offset: int, limit: int, candidates: int,
          arts_all: np.ndarray | None = None, total: int | None = None) -> Matches:
    """The page of ranked articles; ``arts_all`` (``snap.doc_article[docs]``) and ``total``
    (the distinct articles among them) when already worked out."""
    if arts_all is None:
        arts_all = snap.doc_article[docs]
    if total is None:
        total = len(fct.articles_of(arts_all))
    need = offset + limit
    if limit <= 0:
        return Matches(total, [], int(len(docs)))
    docs, scores, arts = _best_first(snap, docs, scores, arts_all, need, sort, candidates)
    _, first = np.unique(arts, return_index=True)
    ranked = np.sort(first)  # indexes (into docs) of each article's best paragraph, best first
    page_first = ranked[offset:need]
    page_arts = arts[page_first]
    slot = {int(a): i for i, a in enumerate(page_arts)}
    cands: list[list[int]] = [[] for _ in page_first]
    for i in np.flatnonzero(np.isin(arts, page_arts)).tolist():
        c = cands[slot[int(arts[i])]]
        if len(c) < candidates:
            c.append(int(docs[i]))
    out = [ArticleMatch(snap.article_ids[int(page_arts[k])], float(scores[i]), cands[k])
           for k, i in enumerate(page_first.tolist())]
    return Matches(total, out, int(len(arts_all)))


def _date_key(snap, docs, sort):
    d = snap.doc_date[docs].astype(np.int64)
    return np.where(d == 0, -1 if sort == "date" else _NO_DATE, d)  # undated last either way


def _best_first(snap, docs, scores, arts, need, sort, candidates):
    """The matching paragraphs best first (ties: article id, paragraph number; by
    date first if asked), enough of them to hold ``need`` articles."""
    if sort != "relevance":
        n = snap.doc_n[docs]
        d = _date_key(snap, docs, sort)
        order = np.lexsort((n, arts, -scores, -d if sort == "date" else d))
        return docs[order], scores[order], arts[order]
    k = max(need * candidates, 64)
    while True:
        if k < len(docs):
            # Everything scoring at least the k-th best score (ties included, so the
            # cut does not depend on how argpartition breaks them).
            top = at_least_kth(scores, k)
        else:
            top = np.arange(len(docs))
        order = top[np.lexsort((snap.doc_n[docs[top]], arts[top], -scores[top]))]
        if len(top) == len(docs) or len(np.unique(arts[order])) >= need:
            return docs[order], scores[order], arts[order]
        k *= 4


def export_order(snap, docs, scores, sort: str) -> np.ndarray:
    """``docs`` grouped by article, articles ranked as the results rank them (by best
    paragraph, or by date), paragraphs in reading order within an article."""
    if not len(docs):
        return docs
    arts = snap.doc_article[docs]
    best = np.full(int(arts.max()) + 1, -np.inf)
    np.maximum.at(best, arts, scores)
    art_score = best[arts]
    if sort == "relevance":
        keys = (snap.doc_n[docs], arts, -art_score)
    else:
        d = _date_key(snap, docs, sort)
        keys = (snap.doc_n[docs], arts, -art_score, -d if sort == "date" else d)
    return docs[np.lexsort(keys)]

