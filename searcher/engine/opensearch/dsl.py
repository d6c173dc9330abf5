"""Compiled query plans (``searcher.query``) as OpenSearch query DSL.

Matching is exactly the embedded engine's (``match.Evaluator``):

* a chunk of a literal (its gram tokens between two punctuation marks) is a
  ``match_phrase`` on ``grams`` (``docs.phrase``: positions and holes as the index holds
  them); a spelling needs every chunk, a literal any spelling;
* AND / OR / NOT are ``bool`` filter / should / must_not;
* ``op=or``: a paragraph matches when any word, kept gram, character or other spelling
  occurs in it (a gram in more than ``ranking.OR_MAX_DF`` of the paragraphs is left out
  beside rarer ones, as the embedded engine does), minus the excluded literals.

Scoring clauses (``should``) give OpenSearch's own BM25 a shape like ours (the phrase and
the jieba words of each literal); it only orders the first window of candidates, which
``rescore`` then scores exactly as the embedded engine does.
"""
from __future__ import annotations

from ...query import AllOf, AnyOf, Literal, Match, Ranked, Without
from ..base import Filters
from .docs import phrase, token

PARAGRAPH = {"term": {"kind": "paragraph"}}
ARTICLE = {"term": {"kind": "article"}}


def chunk_query(chunk) -> dict:
    if len(chunk) == 1:
        return {"term": {"grams": token(chunk[0][0])}}
    return {"match_phrase": {"grams": {"query": phrase(chunk)}}}


def _all(queries: list) -> dict:
    return queries[0] if len(queries) == 1 else {"bool": {"filter": queries}}


def _any(queries: list) -> dict:
    return queries[0] if len(queries) == 1 else {"bool": {"should": queries, "minimum_should_match": 1}}


def sequence_query(chunks) -> dict:
    return _all([chunk_query(c) for c in chunks])


def literal_query(lit: Literal) -> dict:
    """Paragraphs containing the literal (any of its spellings)."""
    if not lit.sequences:
        return {"match_none": {}}
    return _any([sequence_query(s) for s in lit.sequences])


def scored_literal(lit: Literal) -> dict:
    """The literal as scoring clauses (phrases score by their frequency)."""
    out = []
    for seq in lit.sequences:
        parts = [{"match_phrase": {"grams": {"query": phrase(c)}}} for c in seq]
        out.append(parts[0] if len(parts) == 1 else {"bool": {"must": parts}})
    return out[0] if len(out) == 1 else {"dis_max": {"queries": out}}


def plan_query(plan) -> dict:
    if isinstance(plan, Match):
        return literal_query(plan.literal)
    if isinstance(plan, AllOf):
        pos = [plan_query(k) for k in plan.children if not isinstance(k, Without)]
        neg = [plan_query(k.child) for k in plan.children if isinstance(k, Without)]
        b: dict = {}
        if pos:
            b["filter"] = pos
        if neg:
            b["must_not"] = neg
        return {"bool": b}
    if isinstance(plan, AnyOf):
        return _any([plan_query(k) for k in plan.children])
    if isinstance(plan, Without):
        return {"bool": {"must_not": [plan_query(plan.child)]}}
    raise TypeError(f"not a plan node: {plan!r}")


def ranked_query(plan: Ranked, kept_grams: list[str]) -> dict:
    """op=or: any term; ``kept_grams`` are the grams and characters that count."""
    should = [{"term": {"words": token(w)}} for w in plan.words]
    should += [{"term": {"grams": token(g)}} for g in kept_grams]
    for lit in plan.synonyms:
        alt = Literal(lit.text, lit.sequences[1:], [])
        if alt.sequences:
            should.append(scored_literal(alt))
    b: dict = {"should": should or [{"match_none": {}}], "minimum_should_match": 1}
    if plan.exclude:
        b["must_not"] = [literal_query(lit) for lit in plan.exclude]
    return {"bool": b}


def and_scoring(literals) -> list:
    """Scoring clauses of an op=and query: each literal's phrase and its jieba words."""
    out = []
    for lit in literals:
        out.append(scored_literal(lit))
        out += [{"term": {"words": token(w)}} for w in dict.fromkeys(lit.words)]
    return out


def filter_clauses(filters: Filters) -> tuple[list, list]:
    """(date clauses, outlet clauses): the embedded engine's ``keep_masks`` as filters."""
    dates: list = []
    undated = {"bool": {"must_not": [{"exists": {"field": "date_num"}}]}}
    if filters.undated == "only":
        dates.append(undated)
    elif filters.dates is not None:
        rng = {"range": {"date_num": {"gte": int(filters.dates[0]), "lte": int(filters.dates[1])}}}
        dates.append({"bool": {"should": [rng, undated], "minimum_should_match": 1}}
                     if filters.undated == "include" else rng)
    outlets = [{"terms": {"source": list(filters.outlets)}}] if filters.outlets else []
    return dates, outlets
