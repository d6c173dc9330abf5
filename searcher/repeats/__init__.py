"""Repeated paragraphs: exact, near, partial and boilerplate repeats.

``signatures`` computes what is stored per indexed paragraph, ``near`` finds near
pairs when paragraphs are added, ``groups`` derives the groups of the live
documents when they are read.  ``find_repeats`` runs the three on a list of
paragraphs held in memory (the same answers an index of them gives).
"""
from __future__ import annotations

import numpy as np

from .groups import KINDS, Group, Member, RepeatIndex, RepeatSegment  # noqa: F401
from .near import NEAR_THRESHOLD, dedupe_edges, edges_within  # noqa: F401
from .normal import normalise as normalise_for_repeats  # noqa: F401
from .signatures import class_table, paragraph_classes


def edge_arrays(a, b, s):
    """Near edges stored both ways, sorted by source: (src, dst, sim)."""
    a, b, s = dedupe_edges(a, b, s)
    src = np.concatenate([a, b]).astype(np.uint64)
    dst = np.concatenate([b, a]).astype(np.uint64)
    sim = np.concatenate([s, s]).astype(np.float32)
    order = np.lexsort((dst, src))
    return src[order], dst[order], sim[order]


def find_repeats(paragraphs, dates=None) -> list[Group]:
    """Groups of repeated paragraphs among ``(article_id, n, text)`` triples, largest
    first; ``dates`` (article id -> YYYY-MM-DD) orders copies by date."""
    paragraphs = list(paragraphs)
    texts = [t for _, _, t in paragraphs]
    doc_class, doc_len, first = paragraph_classes(texts)
    table = class_table(first)
    src, dst, sim = edge_arrays(*edges_within(table))
    order = np.argsort(doc_class, kind="stable")
    seg = RepeatSegment(0, np.ones(len(texts), bool), doc_class[order], order, table, src, dst, sim)
    ids = sorted({a for a, _, _ in paragraphs})
    ordinal = {a: i for i, a in enumerate(ids)}
    from ..postings import date_number

    doc_article = np.array([ordinal[a] for a, _, _ in paragraphs], np.int32)
    doc_n = np.array([n for _, n, _ in paragraphs], np.int32)
    doc_date = np.array([date_number((dates or {}).get(a)) for a, _, _ in paragraphs], np.int32)
    return RepeatIndex([seg], doc_class, doc_len, doc_article, doc_n, doc_date, ids.__getitem__).all_groups()


def passage_index(groups) -> dict:
    """The one group to show for each paragraph: exact beats boilerplate beats near beats partial."""
    rank = {k: i for i, k in enumerate(KINDS)}
    best: dict = {}
    for g in groups:
        for m in g.members:
            if m not in best or rank[g.kind] < rank[best[m].kind]:
                best[m] = g
    return best
