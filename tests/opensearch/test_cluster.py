"""The local cluster as a user drives it: start, status, stop, and a node crashing under load.

Real JVMs, real sockets; the fault tests kill a node with SIGKILL and start it again.
"""
from __future__ import annotations

import json
import os
import threading

import pytest

from searcher.cli import main
from searcher.engine.opensearch import cluster as lc
from searcher.engine.opensearch.client import connect


def _gone(pid: int) -> bool:
    state = lc._proc_state(pid)
    return state is None or state in "ZX"


def _cli(runner, *args):
    result = runner.invoke(main, ["cluster", *args], catch_exceptions=False)
    return result


def test_three_nodes_form_a_green_cluster_with_one_cluster_manager(three_nodes):
    assert three_nodes.status()["status"] == "green"
    with connect(three_nodes.urls) as client:
        health = client.health()
        nodes = client.call(lambda c: c.cat.nodes(params={"format": "json", "h": "name,cluster_manager"}))
    assert health["number_of_nodes"] == 3 and health["status"] == "green"
    assert sorted(n["name"] for n in nodes) == ["node-1", "node-2", "node-3"]
    assert [n["cluster_manager"] for n in nodes].count("*") == 1


def test_status_json_names_every_node_with_its_url_and_pid(three_nodes, runner):
    result = _cli(runner, "status", "--json", "--dir", three_nodes.directory)
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert set(status) == {"status", "nodes"}
    assert status["status"] == "green"
    assert [n["name"] for n in status["nodes"]] == ["node-1", "node-2", "node-3"]
    for n in status["nodes"]:
        assert {"name", "url", "pid"} <= set(n)
        assert n["url"].startswith("http://127.0.0.1:") and isinstance(n["pid"], int)
    assert len({n["url"] for n in status["nodes"]}) == 3


def test_start_stop_start_one_node_keeps_data_and_stop_ends_every_pid(local_possible, runner, tmp_path):
    d = str(tmp_path / "c1")
    result = _cli(runner, "start", "--nodes", "1", "--dir", d)
    assert result.exit_code == 0, result.output
    assert "green" in result.output and "export SEARCHER_OPENSEARCH_URL=http://127.0.0.1:" in result.output
    try:
        status = json.loads(_cli(runner, "status", "--json", "--dir", d).output)
        assert status["status"] == "green"
        (node,) = status["nodes"]
        pid = node["pid"]
        with connect(node["url"]) as client:
            client.create_index("kept", settings={"number_of_replicas": 0})
            client.bulk_index("kept", [("1", {"article": "a", "n": 1, "text": "留下"})], refresh=True)
    finally:
        stopped = _cli(runner, "stop", "--dir", d)
    assert stopped.exit_code == 0, stopped.output
    assert f"stopped node-1 (pid {pid})" in stopped.output
    assert _gone(pid)
    after = json.loads(_cli(runner, "status", "--json", "--dir", d).output)
    assert after == {"status": "red", "nodes": [{"name": "node-1", "url": node["url"], "pid": None, "alive": False}]}

    # Started again in the same folder: same port, same data.
    again = _cli(runner, "start", "--dir", d)
    try:
        assert again.exit_code == 0, again.output
        assert node["url"] in again.output
        with connect(node["url"]) as client:
            assert client.count("kept") == 1
    finally:
        c = lc.LocalCluster.open(d)
        pids = [n.pid for n in c.nodes if n.alive()]
        c.stop()
    assert pids and all(_gone(p) for p in pids)


def test_a_second_start_of_a_running_cluster_changes_nothing(three_nodes, runner):
    before = three_nodes.status()
    result = _cli(runner, "start", "--dir", three_nodes.directory)
    assert result.exit_code == 0, result.output
    assert lc.LocalCluster.open(three_nodes.directory).status() == before


@pytest.fixture
def whole_again(three_nodes):
    """Whatever a test kills, every node runs again afterwards (the session's cluster is shared)."""
    yield three_nodes
    c = lc.LocalCluster.open(three_nodes.directory)
    for n in c.nodes:
        if not n.alive():
            c.restart(n.name, wait=None)
    c.wait_for("green", timeout=300)
    three_nodes.nodes = c.nodes


def _cluster_manager(client) -> str:
    (row,) = client.call(lambda c: c.cat.cluster_manager(params={"format": "json"}))
    return row["node"]


def test_a_killed_node_leaves_searches_working_and_rejoins_on_restart(whole_again, runner, index_name):
    c = whole_again
    docs = [(f"a#{i}", {"article": "a", "n": i, "words": f"詞{i % 7} 共同", "text": f"段落{i}"}) for i in range(300)]
    with connect(c.urls) as client:
        # 3 shards with a replica each: every node holds copies; a lost node's shards stay
        # unassigned (yellow) while it is away rather than being copied elsewhere.
        client.create_index(index_name, settings={"number_of_shards": 3, "number_of_replicas": 1,
                                                  "unassigned.node_left.delayed_timeout": "10m"})
        client.bulk_index(index_name, docs, refresh=True)
        c.wait_for("green")
        victim = c.node(_cluster_manager(client))  # the hardest one to lose

    # The client lists the victim first: its searches must go elsewhere without an error.
    urls = [victim.url] + [u for u in c.urls if u != victim.url]
    with connect(urls) as client:
        assert client.count(index_name) == 300
        pid = c.kill(victim.name)
        assert _gone(pid)
        for i in range(40):
            r = client.search(index_name, {"query": {"match": {"words": "共同"}}, "size": 3,
                                           "track_total_hits": True})
            assert r["hits"]["total"]["value"] == 300
            assert r["_shards"]["failed"] == 0

        health = client.health(wait_for_nodes="2", wait_for_no_initializing_shards="true", timeout="120s")
        assert health["number_of_nodes"] == 2
        assert health["status"] == "yellow"
        status = json.loads(_cli(runner, "status", "--json", "--dir", c.directory).output)
        assert status["status"] == "yellow"
        assert [n["pid"] is None for n in status["nodes"]] == [n.name == victim.name for n in c.nodes]

        restarted = _cli(runner, "restart", victim.name, "--dir", c.directory)
        assert restarted.exit_code == 0, restarted.output
        status = json.loads(_cli(runner, "status", "--json", "--dir", c.directory).output)
        assert status["status"] == "green"
        assert all(isinstance(n["pid"], int) for n in status["nodes"])
        assert client.search(index_name, {"query": {"match_all": {}}, "track_total_hits": True}
                             )["hits"]["total"]["value"] == 300


def test_bulk_indexing_while_a_node_dies_loses_nothing_acknowledged(whole_again, index_name):
    c = whole_again
    n_docs = 3000
    docs = ((f"b#{i}", {"article": f"b{i // 10}", "n": i % 10, "words": f"詞{i % 13}", "text": f"第{i}段"})
            for i in range(n_docs))
    victim = c.nodes[1]
    killer: list[threading.Thread] = []

    def kill_midway(progress):
        if progress.indexed >= n_docs // 3 and not killer:
            killer.append(threading.Thread(target=c.kill, args=(victim.name,)))
            killer[0].start()  # while the next batches are in flight

    with connect(c.urls) as client:
        client.create_index(index_name, settings={"number_of_shards": 3, "number_of_replicas": 1})
        # Every shard has its replica started before the node dies: a replica still recovering
        # cannot take over, and the shard would wait for the dead node (on a loaded machine the
        # replicas of a new index can take longer to start than the first batches to go in).
        assert c.wait_for("green")["status"] == "green"
        result = client.bulk_index(index_name, docs, batch_docs=100, progress=kill_midway)
        killer[0].join()
        assert not victim.alive()
        assert result.indexed == n_docs and result.failed == []
        client.refresh(index_name)
        assert client.count(index_name) == n_docs

        c.restart(victim.name)
        assert c.status()["status"] == "green"
        assert client.count(index_name) == n_docs
        got = client.call(lambda r: r.mget(index=index_name, body={"ids": ["b#0", "b#1500", f"b#{n_docs - 1}"]}))
        assert all(d["found"] for d in got["docs"])
