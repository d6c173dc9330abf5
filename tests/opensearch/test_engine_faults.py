"""Fault tolerance of the cluster engine on a real 3-node cluster (one replica of every shard):
a node killed with SIGKILL while a client searches through the engine costs no search, writes
go on while the cluster is yellow, the node rejoins green; a node holding a primary killed in
the middle of a bulk add loses nothing that was acknowledged."""
from __future__ import annotations

import threading
import time

import pytest

from searcher.ingest import Article
from searcher.search import SearchParams, search
from tests.conftest import SEEDS
from tests.opensearch.test_cluster import whole_again  # noqa: F401  (fixture: every node back afterwards)

QUERIES = [SearchParams(q="烏克蘭"), SearchParams(q="川普"), SearchParams(q="俄烏停火的條件是什麼", op="or"),
           SearchParams(q="峰會", sort="date")]


def _primary_nodes(client, index: str) -> list[str]:
    rows = client.call(lambda c: c.cat.shards(index=index, params={"format": "json", "h": "shard,prirep,node"}))
    return sorted({r["node"] for r in rows if r["prirep"] == "p" and r.get("node")})


def _engine(make_os_engine, cluster, prefix):
    eng = make_os_engine(prefix, urls=cluster.urls)
    eng.build([SEEDS], progress=False, summarize_repeats=False)
    index = eng.reader().index
    # a lost node's shard copies wait for it (yellow) instead of being copied elsewhere meanwhile
    eng.client.call(lambda c: c.indices.put_settings(index=index, body={
        "index": {"unassigned.node_left.delayed_timeout": "10m"}}))
    cluster.wait_for("green", timeout=120)
    return eng, index


def test_searches_go_on_through_a_node_crash_and_writes_resume_while_yellow(whole_again, make_os_engine):  # noqa: F811
    c = whole_again
    eng, index = _engine(make_os_engine, c, "fault-search")
    expected = [search(eng.reader(), p).to_json() for p in QUERIES]
    victim = c.node(_primary_nodes(eng.client, index)[0])
    done, failures, ok = threading.Event(), [], []

    def searching():
        i = 0
        while not done.is_set():
            p = QUERIES[i % len(QUERIES)]
            try:
                got = search(eng.reader(), p).to_json()
                if got["total"] != expected[i % len(QUERIES)]["total"]:  # (the add below does not match these)
                    failures.append(("different answer", p.q))
                ok.append(1)
            except Exception as e:  # noqa: BLE001 - any failed search fails the test
                failures.append((type(e).__name__, str(e)[:200]))
            i += 1

    t = threading.Thread(target=searching)
    t.start()
    try:
        time.sleep(1.0)
        before = len(ok)
        c.kill(victim.name)
        health = eng.client.health(wait_for_nodes="2", wait_for_no_initializing_shards="true", timeout="120s")
        assert health["status"] == "yellow"
        # writes resume on a yellow cluster
        r = eng.change([Article("while-yellow", "黃燈", "2025-10-01", ["節點倒下時寫入的文章。"])], [])
        assert r.added == ["while-yellow"]
        assert search(eng.reader(), SearchParams(q="節點倒下時")).total == 1
        time.sleep(1.0)
    finally:
        done.set()
        t.join()
    assert failures == []
    assert len(ok) > before + 5  # searches kept being answered after the kill
    c.restart(victim.name)
    assert c.status()["status"] == "green"
    assert search(eng.reader(), SearchParams(q="節點倒下時")).total == 1
    assert [search(eng.reader(), p).to_json()["total"] for p in QUERIES] == [e["total"] for e in expected]


def test_a_bulk_add_loses_nothing_acknowledged_when_a_primary_node_dies(whole_again, make_os_engine, monkeypatch):  # noqa: F811
    from searcher.engine.opensearch import writer

    c = whole_again
    eng, index = _engine(make_os_engine, c, "fault-bulk")
    victim = c.node(_primary_nodes(eng.client, index)[0])
    monkeypatch.setattr(writer, "ADD_CHUNK", 200)
    monkeypatch.setattr(writer, "BULK_DOCS", 100)
    real_send = writer.Sink.send
    calls, killer = [], []

    def send(self, *a, **kw):
        calls.append(1)
        if len(calls) == 3 and not killer:  # a third of the way: kill it while the next batches fly
            killer.append(threading.Thread(target=c.kill, args=(victim.name,)))
            killer[0].start()
        return real_send(self, *a, **kw)

    monkeypatch.setattr(writer.Sink, "send", send)
    n = 300
    arts = [Article(f"bulk-{i:04d}", f"批量{i}", "2025-10-02", [f"批量寫入的第{i}篇文章，第一段。", f"第{i}篇的第二段。"])
            for i in range(n)]
    result = eng.add(arts)
    killer[0].join()
    assert not victim.alive()
    assert sorted(result.added) == sorted(a.id for a in arts) and result.paragraphs == 2 * n
    r = eng.reader()
    assert r.stats()["paragraphs"] == 185 + 2 * n and r.stats()["articles"] == 5 + n
    for i in (0, 1, n // 2, n - 1):
        paras = r.article(f"bulk-{i:04d}")
        assert [p.text for _, p in paras] == [f"批量寫入的第{i}篇文章，第一段。", f"第{i}篇的第二段。"]
    assert search(r, SearchParams(q="批量寫入的")).total == n
    c.restart(victim.name)
    assert c.status()["status"] == "green"
    r = eng.reader()
    assert r.stats()["paragraphs"] == 185 + 2 * n
    assert search(r, SearchParams(q="批量寫入的")).total == n
