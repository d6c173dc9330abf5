"""The embedded engine's answer to ``Reader.match``: rank paragraphs, group them into articles.

An article ranks by its best paragraph; only the paragraphs needed for the
requested page are sorted.  Ties are broken by article id, then paragraph
number (global article ordinals sort as ids do), so the order does not depend
on how the index is split into segments.
"""
from __future__ import annotations

import numpy as np

from ..base import ArticleMatch, Filters, Matches

_NO_DATE = 99999999


def filter_docs(snap, docs, scores, filters: Filters):
    if filters.dates is not None and len(docs):
        d = snap.doc_date[docs]
        keep = (d >= filters.dates[0]) & (d <= filters.dates[1])
        if filters.undated:
            keep |= d == 0
        docs, scores = docs[keep], scores[keep]
    if filters.outlets and len(docs):
        wanted = [snap.outlets.index(o) for o in filters.outlets if o in snap.outlets]
        keep = np.isin(snap.doc_outlet[docs], np.array(wanted, np.int32))
        docs, scores = docs[keep], scores[keep]
    return docs, scores


def match(snap, docs, scores, sort: str, offset: int, limit: int, candidates: int) -> Matches:
    arts_all = snap.doc_article[docs]
    seen = np.zeros(max(snap.narticles, 1), bool)
    seen[arts_all] = True
    total = int(seen.sum())
    need = offset + limit
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


def _best_first(snap, docs, scores, arts, need, sort, candidates):
    """The matching paragraphs best first (ties: article id, paragraph number; by
    date first if asked), enough of them to hold ``need`` articles."""
    n = snap.doc_n[docs]
    if sort != "relevance":
        d = snap.doc_date[docs].astype(np.int64)
        d = np.where(d == 0, -1 if sort == "date" else _NO_DATE, d)  # undated last either way
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
