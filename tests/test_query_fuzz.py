"""Property: whatever the query, the query path answers with results or a clear QueryError, never a crash."""
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searcher.query import QueryError
from searcher.search import SearchParams, search

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10000"))

pieces = st.sampled_from([
    "普京", "特朗普", "烏克蘭", "乌克兰", "阿拉斯加", "的", "了", "Trump", "trump", "OR", "AND", "NOT", "-", "|",
    '"', "「", "」", "“", "”", "(", ")", "（", "）", "*", "?", "~", "^", ":", "\\", "/", "<script>", "&amp;",
    " ", "\t", "\n", "\x00", "\x1b", "\u200b", "\ufeff", "\ud800", "\udfff", "🙂", "𠀋", "Ａ", "１", "。", "，",
])
queries = st.one_of(
    st.text(max_size=60),
    st.lists(pieces, max_size=25).map("".join),
    st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=12).map(" ".join),
)
args = st.fixed_dictionaries({
    "q": queries,
    "page": st.one_of(st.none(), st.sampled_from(["1", "2", "0", "-1", "99999999999", "x", ""])),
    "limit": st.one_of(st.none(), st.sampled_from(["1", "10", "100", "101", "-5", "1e3", " 7 "])),
    "op": st.one_of(st.none(), st.sampled_from(["and", "or", "OR", "xor", ""])),
    "from": st.one_of(st.none(), st.sampled_from(["2025-08-15", "20250815", "2025-02-30", "x", ""])),
    "to": st.one_of(st.none(), st.sampled_from(["2025-12-31", "1999-01-01", "bad"])),
    "sort": st.one_of(st.none(), st.sampled_from(["relevance", "date", "-date", "nope"])),
})


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(args)
def test_query_path_never_crashes(searcher, a):
    a = {k: v for k, v in a.items() if v is not None}
    try:
        params = SearchParams.from_args(a)
        result = search(searcher, params)
    except QueryError as e:
        assert str(e)  # a message for the user
        return
    j = result.to_json()
    assert j["total"] >= len(j["results"]) >= 0
    for r in j["results"]:
        for p in r["passages"]:
            assert "<script>" not in p["html"]


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=12).map("".join))
def test_web_answers_200_or_400(client, q):
    q = q.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # what a URL can carry
    for path in ("/api/search", "/"):
        r = client.get(path, query_string={"q": q})
        assert r.status_code in (200, 400), (path, q, r.status_code)
