"""The versioned paragraph schema (mappings/paragraphs-v1.json) on a real cluster.

The analysis stays in Python: token fields get whitespace-joined tokens, one array value per run
of characters, and a phrase must never join two runs.
"""
from __future__ import annotations

import pytest

from searcher.engine.opensearch.client import BulkIndexError, load_schema

PARAGRAPHS = [
    # 甲乙丙，丙丁戊 : two runs split by punctuation
    ("a#1", {"article": "a", "n": 1, "title": "標題", "date": "2025-09-30", "source": "rthk",
             "url": "https://example.org/a", "author": "記者",
             "text": "甲乙丙，丙丁戊",
             "bigrams": ["甲乙 乙丙", "丙丁 丁戊"], "chars": ["甲 乙 丙", "丙 丁 戊"],
             "words": "甲乙 丙 丙丁 戊", "repeat_exact": "h1", "repeat_bands": ["b1", "b2"]}),
    # 甲乙丙丁戊 : one run
    ("b#1", {"article": "b", "n": 1, "title": "另一篇", "date": "2025-10-02", "source": "udn",
             "text": "甲乙丙丁戊", "bigrams": ["甲乙 乙丙 丙丁 丁戊"], "chars": ["甲 乙 丙 丁 戊"],
             "words": "甲乙 丙丁 戊", "repeat_exact": "h2", "repeat_bands": ["b2", "b3"]}),
]


@pytest.fixture
def paragraphs(os_client, index_name):
    os_client.create_index(index_name, "paragraphs-v1", settings={"number_of_replicas": 0})
    os_client.bulk_index(index_name, PARAGRAPHS, refresh=True)
    return index_name


def _ids(client, index, query):
    r = client.search(index, {"query": query, "size": 10})
    return sorted(h["_id"] for h in r["hits"]["hits"])


def test_the_schema_installs_as_written(os_client, index_name):
    schema = load_schema("paragraphs-v1")
    assert os_client.create_index(index_name, "paragraphs-v1", settings={"number_of_replicas": 0})["acknowledged"]
    got = os_client.raw.indices.get(index=index_name)[index_name]
    assert got["mappings"]["properties"] == schema["mappings"]["properties"]
    assert got["mappings"]["dynamic"] == "strict"
    assert got["mappings"]["_meta"]["version"] == 1
    assert got["settings"]["index"]["similarity"]["default"] == {"type": "BM25", "k1": "0.9", "b": "0.9"}


def test_a_phrase_matches_inside_a_run_but_never_across_two(os_client, paragraphs):
    # 乙丙丁 is in b#1's text; in a#1 the comma separates 丙 from 丙丁.
    assert _ids(os_client, paragraphs, {"match_phrase": {"bigrams": "乙丙 丙丁"}}) == ["b#1"]
    assert _ids(os_client, paragraphs, {"match_phrase": {"chars": "丙 丙"}}) == []
    assert _ids(os_client, paragraphs, {"match_phrase": {"bigrams": "甲乙 乙丙"}}) == ["a#1", "b#1"]
    assert _ids(os_client, paragraphs, {"match_phrase": {"bigrams": "丙丁 丁戊"}}) == ["a#1", "b#1"]
    # Tokens are taken as written: no lowercasing or splitting of what Python sent.
    assert _ids(os_client, paragraphs, {"match": {"words": "甲乙"}}) == ["a#1", "b#1"]
    assert _ids(os_client, paragraphs, {"match": {"words": "甲"}}) == []


def test_word_scores_use_the_products_bm25_constants(os_client, paragraphs):
    r = os_client.search(paragraphs, {"query": {"match": {"words": "丙"}}, "explain": True})
    (hit,) = r["hits"]["hits"]
    explained = str(hit["_explanation"])
    assert "'value': 0.9, 'description': 'k1, term saturation parameter'" in explained
    assert "'value': 0.9, 'description': 'b, length normalization parameter'" in explained


def test_article_fields_filter_and_aggregate(os_client, paragraphs):
    r = os_client.search(paragraphs, {
        "size": 0,
        "query": {"bool": {"filter": [{"range": {"date": {"gte": "2025-10-01"}}}]}},
        "aggs": {"sources": {"terms": {"field": "source"}}},
    })
    assert [b["key"] for b in r["aggregations"]["sources"]["buckets"]] == ["udn"]
    assert _ids(os_client, paragraphs, {"term": {"repeat_bands": "b2"}}) == ["a#1", "b#1"]
    assert _ids(os_client, paragraphs, {"term": {"article": "a"}}) == ["a#1"]
    # The original text is kept for highlighting but not searchable.
    hit = os_client.search(paragraphs, {"query": {"ids": {"values": ["a#1"]}}})["hits"]["hits"][0]
    assert hit["_source"]["text"] == "甲乙丙，丙丁戊"
    with pytest.raises(Exception, match="not indexed|failed to create query"):
        os_client.search(paragraphs, {"query": {"match": {"text": "甲乙丙"}}})


def test_an_unknown_field_is_refused(os_client, paragraphs):
    with pytest.raises(BulkIndexError, match="strict_dynamic_mapping_exception"):
        os_client.bulk_index(paragraphs, [("x", {"article": "x", "body": "?"})])
