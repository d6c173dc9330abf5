"""Bad input on the cluster engine answers as on the embedded one: 200 or 400 with a message,
never a 500; an unreachable cluster or a missing index is a 503 naming it; a name taken by
another index and documents the cluster cannot take are reported by name."""
from __future__ import annotations

import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searcher.cli import main
from searcher.engine.embedded import BuildError
from searcher.query import QueryError
from searcher.search import SearchParams, search
from searcher.web import create_app
from tests.conftest import SEEDS
from tests.test_query_fuzz import args as fuzz_args
from tests.test_query_fuzz import pieces

TOKEN = "bad-input-token"


@pytest.fixture(scope="module")
def app(os_seed_engine):
    return create_app({"TESTING": True, "ENGINE_OBJECT": os_seed_engine, "WRITE_TOKEN": TOKEN})


@pytest.fixture
def oc(app):
    return app.test_client()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("qs", [
    {"q": "的"}, {"q": ""}, {"q": "普京", "page": "0"}, {"q": "普京", "page": "x"},
    {"q": "普京", "limit": "100000"}, {"q": "普京", "from": "2025-13-01"}, {"q": "普京", "op": "xor"},
    {"q": "普京", "sort": "random"}, {"q": "普京", "from": "2025-09-01", "to": "2025-01-01"}, {},
    {"q": "x" * 501}, {"q": " ".join(f"詞{i}" for i in range(65))}, {"q": "普京", "undated": "never"},
])
def test_bad_queries_answer_400_with_a_message(oc, qs):
    r = oc.get("/api/search", query_string=qs)
    assert r.status_code == 400 and r.get_json()["error"]


@settings(max_examples=80, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=12).map("".join))
def test_web_answers_200_or_400(oc, q):
    q = q.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    for path in ("/api/search", "/"):
        r = oc.get(path, query_string={"q": q})
        assert r.status_code in (200, 400), (path, q, r.status_code)


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(fuzz_args)
def test_query_path_never_crashes(os_seed_engine, a):
    a = {k: v for k, v in a.items() if v is not None}
    try:
        result = search(os_seed_engine.reader(), SearchParams.from_args(a))
    except QueryError as e:
        assert str(e)
        return
    j = result.to_json()
    assert j["total"] >= len(j["results"]) >= 0


def test_the_api_answers_as_its_openapi_document_says(app):
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis import checks

    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(checks=[checks.not_a_server_error, checks.status_code_conformance,
                                           checks.content_type_conformance, checks.response_schema_conformance])

        check()
        ran.append(operation.label)
    assert len(ran) == 8


def test_unknown_articles_and_path_tricks_are_404(oc):
    for path in ("/api/articles/nope", "/api/articles/../../etc/passwd", "/article/nope", "/api/articles/%00"):
        assert oc.get(path).status_code == 404, path


def test_an_unreachable_cluster_is_a_503_naming_the_nodes(make_os_engine):
    dead = [f"http://127.0.0.1:{_closed_port()}", f"http://127.0.0.1:{_closed_port()}"]
    eng = make_os_engine("dead", urls=dead, retry_for=0.5)
    c = create_app({"TESTING": True, "ENGINE_OBJECT": eng}).test_client()
    r = c.get("/api/search", query_string={"q": "普京"})
    assert r.status_code == 503
    for u in dead:
        assert f"{u} (connection refused)" in r.get_json()["error"]
    assert c.get("/", query_string={"q": "普京"}).status_code == 503


def test_a_missing_index_is_a_503_saying_how_to_build_it(make_os_engine, runner):
    eng = make_os_engine("never-built")
    c = create_app({"TESTING": True, "ENGINE_OBJECT": eng}).test_client()
    r = c.get("/api/search", query_string={"q": "普京"})
    assert r.status_code == 503 and "searcher build" in r.get_json()["error"]
    res = runner.invoke(main, ["search", "普京", "--engine", "opensearch", "--index-name", eng.index_name,
                               *[x for u in eng.urls for x in ("--url", u)]])
    assert res.exit_code == 1 and f"no index {eng.index_name!r}" in res.output


def test_a_name_taken_by_another_index_is_reported_by_name(make_os_engine, runner):
    eng = make_os_engine("taken")
    eng.client.create_index(eng.index_name, {"mappings": {"properties": {"x": {"type": "keyword"}}}},
                            settings={"number_of_replicas": 0})
    with pytest.raises(BuildError, match=f"an index named '{eng.index_name}' already exists"):
        eng.build([SEEDS], progress=False)
    res = runner.invoke(main, ["build", "--engine", "opensearch", "--index-name", eng.index_name, "--quiet",
                               *[x for u in eng.urls for x in ("--url", u)]])
    assert res.exit_code == 1 and "already exists" in res.output
    eng.client.delete_index(eng.index_name)


def test_documents_the_cluster_cannot_take_are_refused_by_name(os_seed_engine, oc):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    long_id = "長" * 400
    r = oc.post("/api/articles", json={"id": long_id, "text": "一段文字。"}, headers=auth)
    assert r.status_code == 400 and "its id is 1200 bytes long" in r.get_json()["error"]
    before = os_seed_engine.reader().generation
    r = oc.post("/api/articles", json=[{"id": "fine", "text": "好的文字。"}, {"id": long_id, "text": "x"}], headers=auth)
    assert r.status_code == 400
    assert os_seed_engine.reader().generation == before  # nothing of that request was committed
    assert oc.get("/api/search", query_string={"q": "好的文字"}).get_json()["total"] == 0
