"""The connection layer: where URLs come from, what an unreachable cluster says, bulk retries."""
from __future__ import annotations

import socket

import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from searcher.engine.opensearch.client import (
    BulkIndexError, ClusterUnreachable, Client, OpenSearchError, connect, resolve_urls)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_urls_from_options_or_the_environment():
    env = {"SEARCHER_OPENSEARCH_URL": "http://a:9200, http://b:9201/"}
    assert resolve_urls(None, env) == ["http://a:9200", "http://b:9201"]
    assert resolve_urls(["c:9200", "http://d:9200,e:9200"], env) == ["http://c:9200", "http://d:9200", "http://e:9200"]
    assert resolve_urls("https://x:443", env) == ["https://x:443"]
    with pytest.raises(OpenSearchError, match="--url"):
        resolve_urls([], {})


def test_an_unreachable_cluster_is_named_node_by_node():
    urls = [f"http://127.0.0.1:{_closed_port()}", f"http://127.0.0.1:{_closed_port()}"]
    with pytest.raises(ClusterUnreachable) as e:
        connect(urls)
    message = str(e.value)
    for u in urls:
        assert f"{u} (connection refused)" in message
    assert "searcher cluster start" in message and "SEARCHER_OPENSEARCH_URL" in message

    client = Client(urls, retry_for=0.5, sleep=lambda s: None)
    with pytest.raises(ClusterUnreachable, match="connection refused"):
        client.search("paragraphs", {"query": {"match_all": {}}})


def test_a_dead_url_among_live_ones_is_not_the_callers_problem(os_client, opensearch_urls, index_name):
    os_client.create_index(index_name, settings={"number_of_replicas": 0})
    os_client.bulk_index(index_name, [("1", {"article": "a", "n": 1})], refresh=True)
    dead = f"http://127.0.0.1:{_closed_port()}"
    with Client([dead, dead.replace("127.0.0.1", "localhost"), *opensearch_urls]) as client:
        for _ in range(10):
            assert client.search(index_name, {"query": {"match_all": {}}})["hits"]["total"]["value"] == 1


class _Flaky:
    """Wraps the real ``bulk``: first a refused connection, then a 429 for the whole request, then
    real answers with the last two items turned into 429/503 rejections once (they were indexed, so
    resending them must be harmless)."""

    def __init__(self, real_bulk):
        self.real_bulk = real_bulk
        self.calls = 0

    def __call__(self, body, **kw):
        self.calls += 1
        if self.calls == 1:
            raise OSConnectionError("N/A", "connection refused (injected)", None)
        if self.calls == 2:
            raise TransportError(429, "es_rejected_execution_exception", {"error": "injected"})
        resp = self.real_bulk(body=body, **kw)
        if self.calls == 3:
            for item, status in zip(resp["items"][-2:], (429, 503)):
                op = next(iter(item.values()))
                op["status"] = status
                op["error"] = {"type": "injected", "reason": "try later"}
        return resp


def test_bulk_retries_refusals_and_counts_each_document_once(os_client, index_name):
    os_client.create_index(index_name, settings={"number_of_replicas": 0})
    sleeps = []
    with Client(os_client.urls, sleep=sleeps.append) as client:
        flaky = _Flaky(client.raw.bulk)
        client.raw.bulk = flaky
        docs = [(f"d{i}", {"article": "d", "n": i, "words": "甲 乙"}) for i in range(250)]
        result = client.bulk_index(index_name, docs, batch_docs=100, refresh=True)
    assert result.indexed == 250 and result.failed == []
    assert result.retries == 2          # the two rejected items, sent again alone
    assert result.batches == 4          # 3 batches of <= 100, plus the resend of 2 items
    assert len(sleeps) == 3 and sleeps[1] > 0  # a backoff before each retry
    assert os_client.count(index_name) == 250


def test_bulk_batches_are_bounded_in_bytes_too(os_client, index_name):
    os_client.create_index(index_name, settings={"number_of_replicas": 0})
    sizes = []
    real = os_client.raw.bulk

    def spy(body, **kw):
        sizes.append(len(body))
        return real(body=body, **kw)

    os_client.raw.bulk = spy
    docs = [(str(i), {"article": "x", "n": i, "text": "字" * 2000}) for i in range(30)]
    result = os_client.bulk_index(index_name, docs, batch_docs=1000, batch_bytes=32_000)
    assert result.indexed == 30
    assert len(sizes) > 1 and max(sizes) <= 32_000


def test_documents_rejected_for_good_are_reported_after_the_rest_is_indexed(os_client, index_name):
    os_client.create_index(index_name, settings={"number_of_replicas": 0})
    docs = [("ok1", {"article": "a", "n": 1}), ("bad", {"article": "a", "n": "not a number"}),
            ("ok2", {"article": "a", "n": 2})]
    with pytest.raises(BulkIndexError) as e:
        os_client.bulk_index(index_name, docs, refresh=True)
    assert e.value.result.indexed == 2
    assert [f["id"] for f in e.value.result.failed] == ["bad"]
    assert "bad: 400" in str(e.value)
    assert os_client.count(index_name) == 2


def test_cli_health_reaches_a_cluster_by_url_or_names_the_nodes_it_could_not(opensearch_urls, runner):
    from searcher.cli import main

    ok = runner.invoke(main, ["cluster", "health", *(a for u in opensearch_urls for a in ("--url", u))])
    assert ok.exit_code == 0, ok.output
    assert any(f": {s}, " in ok.output for s in ("green", "yellow")) and "nodes" in ok.output

    dead = f"127.0.0.1:{_closed_port()}"
    bad = runner.invoke(main, ["cluster", "health", "--url", dead])
    assert bad.exit_code == 1
    assert f"http://{dead} (connection refused)" in bad.output
