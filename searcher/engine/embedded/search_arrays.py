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
from ..base import ArticleMatch, FacetRequest, Filters, Matches

_NO_DATE = 99999999


def keep_masks(snap, docs, filters: Filters):
    """(date mask, outlet mask) of matching documents."""
    d = snap.doc_date[docs]
    if filters.undated == "only":
        date_keep = d <= 0
    elif filters.dates is not None:
        date_keep = (d >= filters.dates[0]) & (d <= filters.dates[1])
        if filters.undated == "include":
            date_keep |= d <= 0
    else:
        date_keep = np.ones(len(docs), bool)
    if filters.outlets:
        wanted = [i for i, name in enumerate(snap.outlets) if name and name in filters.outlets]
        outlet_keep = np.isin(snap.doc_outlet[docs], np.array(wanted, np.int32))
    else:
        outlet_keep = np.ones(len(docs), bool)
    return date_keep, outlet_keep


def count_facets(snap, docs, date_keep, outlet_keep, request: FacetRequest, spelling_docs) -> dict:
    """The facets of a result: outlets ignore the outlet filter (to pick another); the
    others apply every filter.  ``spelling_docs(spelling)`` -> documents containing it."""
    keep = date_keep & outlet_keep
    all_dates, all_outlets = bool(date_keep.all()), bool(outlet_keep.all())
    one_all = fct.first_docs(docs, snap.doc_article) if all_dates or all_outlets else None

    def part(mask, whole: bool):  # (the documents a mask keeps, their first_docs when known)
        return (docs, one_all) if whole else (docs[mask], None)

    d, one = part(date_keep, all_dates)
    out = {"source": fct.source_counts(d, snap.doc_article, snap.doc_outlet, snap.outlets, one=one)}
    d, one = part(keep, all_dates and all_outlets)
    unit, out["date"], _ = fct.date_counts(d, snap.doc_article, snap.doc_date, one=one)
    out["date_unit"] = unit
    d, one = part(outlet_keep, all_outlets)
    out["undated"] = fct.undated_count(d, snap.doc_article, snap.doc_date, one=one)
    spelling = []
    kept = np.sort(docs[keep]) if request.spellings else docs[:0]
    for term, spellings in request.spellings:
        pairs = [(m, np.sort(spelling_docs(m))) for m in spellings]
        for entry in fct.spelling_counts(kept, pairs, snap.doc_article, snap.doc_outlet, snap.outlets,
                                         snap.doc_date, unit):
            entry["term"] = term
            spelling.append(entry)
    out["spelling"] = spelling
    return out


def match(snap, docs, scores, sort: str, offset: int, limit: int, candidates: int) -> Matches:
    arts_all = snap.doc_article[docs]
    seen = np.zeros(max(snap.narticles, 1), bool)
    seen[arts_all] = True
    total = int(seen.sum())
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
    n = snap.doc_n[docs]
    if sort != "relevance":
        d = _date_key(snap, docs, sort)
        order = np.lexsort((n, arts, -scores, -d if sort == "date" else d))
        return docs[order], scores[order], arts[order]
    k = max(need * candidates, 64)
    while True:
        if k < len(docs):
            # Everything scoring at least the k-th best score (ties included, so the
            # cut does not depend on how argpartition breaks them).
            kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
            top = np.flatnonzero(scores >= kth)
        else:
            top = np.arange(len(docs))
        order = top[np.lexsort((n[top], arts[top], -scores[top]))]
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
