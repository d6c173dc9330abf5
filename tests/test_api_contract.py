"""The API as /openapi.json describes it: schemathesis generates requests from the
document and checks every answer against it (status codes, content types, schemas, no
server error).  Bounded: a fixed number of examples per operation, derandomised."""
import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

from searcher.web import create_app  # noqa: E402

EXAMPLES = 40  # per operation; 8 operations (writes answer 403 here: no write token)


CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


def test_api_answers_as_its_openapi_document_says(outlet_index):
    # (schemathesis's own pytest plugin does not run under this pytest: drive it with hypothesis)
    app = create_app({"TESTING": True, "INDEX_DIR": outlet_index})
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(checks=CHECKS)

        check()
        ran.append(operation.label)
    assert len(ran) == 8, ran


def test_the_document_lists_every_api_route(outlet_index):
    app = create_app({"TESTING": True, "INDEX_DIR": outlet_index})
    doc = app.test_client().get("/openapi.json").get_json()
    routes = {(r.rule.replace("<path:article_id>", "{id}"), m.lower()) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/") for m in r.methods - {"HEAD", "OPTIONS"}}
    assert routes == {(path, m) for path, ops in doc["paths"].items() for m in ops}
