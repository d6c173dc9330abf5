"""Fixtures for tests against a real OpenSearch cluster.

Where the cluster comes from:

* ``SEARCHER_OPENSEARCH_URL`` (``.ci/run`` starts a 3-node cluster and exports its URLs): tests
  that only need a cluster use those URLs (any cluster will do, a remote one too).
* ``SEARCHER_CLUSTER_DIR`` (``.ci/run`` exports it too): the local cluster in that folder, for the
  tests that kill and restart nodes; they put every node back before they end.
* neither: the session starts its own in a temp folder (1 node for the URL tests, 3 for the
  fault-tolerance tests) when Java 17 and Maven (or a built launcher) are here, and stops it at
  the end.  Without them the tests skip, except under CI (``CI`` set), where they fail.
"""
from __future__ import annotations

import os
import shutil
import uuid

import pytest

from searcher.engine.opensearch import cluster as lc
from searcher.engine.opensearch.client import URL_ENV, connect, resolve_urls


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"no OpenSearch cluster for the tests under CI: {reason}")
    pytest.skip(f"no OpenSearch cluster: {reason} (set {URL_ENV}, or install Java 17 and Maven)")


def _local_cluster_possible() -> str | None:
    """Why a local cluster cannot be started here, or None."""
    try:
        lc.find_java()
    except lc.ClusterError as e:
        return str(e)
    if not lc.launcher_is_built() and not shutil.which("mvn"):
        return "Maven (mvn) is missing to build the launcher"
    return None


def _start(tmp_path_factory, nodes: int) -> lc.LocalCluster:
    why = _local_cluster_possible()
    if why:
        _unavailable(why)
    directory = tmp_path_factory.mktemp(f"cluster{nodes}")
    try:
        return lc.LocalCluster.start(directory, nodes)
    except lc.ClusterError as e:
        c = lc.LocalCluster.open(directory) if lc.LocalCluster.exists(directory) else None
        if c:
            c.stop(timeout=10)
        pytest.fail(f"could not start a {nodes}-node cluster: {e}")


@pytest.fixture(scope="session")
def local_possible():
    """Skips (fails under CI) when this machine cannot start a local cluster."""
    why = _local_cluster_possible()
    if why:
        _unavailable(why)


@pytest.fixture(scope="session")
def three_nodes(tmp_path_factory):
    """A 3-node local cluster whose processes the tests may kill and restart."""
    directory = os.environ.get(lc.DIR_ENV)
    if directory:
        c = lc.LocalCluster.open(directory)
        assert len(c.nodes) == 3, f"{lc.DIR_ENV}={directory} holds {len(c.nodes)} nodes, not 3"
        c.wait_for("green", timeout=120)
        yield c
        return
    c = _start(tmp_path_factory, 3)
    yield c
    c.stop()


@pytest.fixture(scope="session")
def opensearch_urls(tmp_path_factory):
    """URLs of a running cluster (see the module docstring)."""
    if os.environ.get(URL_ENV):
        yield resolve_urls()
        return
    if os.environ.get(lc.DIR_ENV):
        yield lc.LocalCluster.open(os.environ[lc.DIR_ENV]).urls
        return
    c = _start(tmp_path_factory, 1)
    yield c.urls
    c.stop()


@pytest.fixture
def os_client(opensearch_urls):
    with connect(opensearch_urls) as client:
        yield client


@pytest.fixture
def index_name(request):
    """A fresh index name for one test; the index is deleted afterwards (when reachable)."""
    name = f"test-{request.node.name.lower().replace('[', '-').replace(']', '')[:40]}-{uuid.uuid4().hex[:6]}"
    yield name
    urls = None
    if "three_nodes" in request.fixturenames:
        urls = request.getfixturevalue("three_nodes").urls
    elif "opensearch_urls" in request.fixturenames:
        urls = request.getfixturevalue("opensearch_urls")
    if urls:
        try:
            with connect(urls, retry_for=5) as client:
                client.delete_index(name)
        except Exception:  # noqa: BLE001 - cleanup only
            pass


# ------------------------------------------------------------------ the cluster engine


def drop_engine_indices(urls, name: str) -> None:
    """Delete everything an engine wrote under ``name`` (its physical indices and its lock)."""
    try:
        with connect(urls, retry_for=10) as client:
            client.call(lambda c: c.indices.delete(index=f"{name}-*", params={"ignore_unavailable": "true",
                                                                               "expand_wildcards": "all"}))
    except Exception:  # noqa: BLE001 - cleanup only
        pass


@pytest.fixture(scope="session")
def make_os_engine(opensearch_urls):
    """A factory of cluster engines on fresh index names; their indices are deleted at the end."""
    from searcher.engine.opensearch.engine import OpenSearchEngine

    made = []

    def make(prefix: str = "t", urls=None, **options):
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        options.setdefault("swap_grace", 0.1)
        eng = OpenSearchEngine(urls or opensearch_urls, name, **options)
        made.append((urls or opensearch_urls, name))
        return eng

    yield make
    for urls, name in made:
        drop_engine_indices(urls, name)


@pytest.fixture(scope="session")
def os_seed_engine(make_os_engine):
    """The seeds built once into the cluster (read-only tests share it)."""
    from tests.conftest import SEEDS

    eng = make_os_engine("seeds")
    eng.build([SEEDS], progress=False)
    return eng


def pytest_terminal_summary(terminalreporter):
    from tests.opensearch import parity

    if parity.REPORTS:
        terminalreporter.section("embedded vs cluster engine")
        for r in parity.REPORTS:
            terminalreporter.write_line(r)
