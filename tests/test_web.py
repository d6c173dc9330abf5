import re

import pytest


def test_search_page_shows_highlighted_results(client):
    r = client.get("/?q=阿拉斯加")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "5 篇文章符合" in html
    assert html.count('class="hit"') == 5
    assert "<mark>阿拉斯加</mark>" in html
    assert "Content-Security-Policy" in r.headers and "script-src 'self'" in r.headers["Content-Security-Policy"]


def test_empty_home_page(client):
    r = client.get("/")
    assert r.status_code == 200 and 'name="q"' in r.get_data(as_text=True)


def test_api_search_json_shape_and_params(client):
    r = client.get("/api/search", query_string={"q": "普京", "limit": 2, "page": 1, "sort": "date"})
    assert r.status_code == 200
    j = r.get_json()
    assert j["query"] == "普京" and j["page"] == 1 and len(j["results"]) == 2 and j["total"] >= 4
    dates = [x["date"] for x in j["results"]]
    assert dates == sorted(dates, reverse=True)
    assert all({"n", "html"} <= set(p) for x in j["results"] for p in x["passages"])


@pytest.mark.parametrize("qs", [
    {"q": "的"}, {"q": ""}, {"q": "普京", "page": "0"}, {"q": "普京", "page": "x"},
    {"q": "普京", "limit": "100000"}, {"q": "普京", "from": "2025-13-01"}, {"q": "普京", "op": "xor"},
    {"q": "普京", "sort": "random"}, {"q": "普京", "from": "2025-09-01", "to": "2025-01-01"}, {},
])
def test_bad_queries_answer_400_with_a_message(client, qs):
    r = client.get("/api/search", query_string=qs)
    assert r.status_code == 400 and r.get_json()["error"]
    if "q" in qs:
        page = client.get("/", query_string=qs)
        assert page.status_code in (200, 400)
        if page.status_code == 400:
            assert 'class="error"' in page.get_data(as_text=True)


def test_article_page_numbers_anchors_and_highlights(client):
    r = client.get("/article/000_ebdd4def08ac33a7?q=普京")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    ids = re.findall(r'<p id="p(\d+)"', html)
    assert ids == [str(i) for i in range(1, len(ids) + 1)] and len(ids) > 20
    assert "<mark>普京</mark>" in html and "2025年8月16日" in html


def test_unknown_article_and_path_tricks_are_404(client):
    assert client.get("/article/nope").status_code == 404
    assert client.get("/article/..%2f..%2fetc%2fpasswd").status_code == 404
    assert client.get("/article/../../etc/passwd").status_code == 404


def test_date_filter_and_pager_links_on_page(client):
    r = client.get("/", query_string={"q": "阿拉斯加", "limit": 2})
    html = r.get_data(as_text=True)
    assert 'rel="next"' in html and "page=2" in html
    r = client.get("/", query_string={"q": "阿拉斯加", "from": "2025-09-01"})
    assert r.get_data(as_text=True).count('class="hit"') == 1


def test_api_search_answers_the_same_without_flask_machinery(app, tmp_path):
    """GET /api/search is answered by a WSGI shortcut (DirectSearch): the same status, body
    and headers as the Flask view, for results, bad parameters, odd encodings; a HEAD, and a
    search on an index not built, still go to Flask (a 503 with the reason)."""
    from searcher.web import DirectSearch, create_app

    assert isinstance(app.wsgi_app, DirectSearch)
    direct = app.test_client()
    view_app = create_app({"TESTING": True, "ENGINE_OBJECT": app.extensions["searcher.engine"]})
    view_app.wsgi_app = view_app.wsgi_app.wsgi_app  # the Flask view alone
    view = view_app.test_client()
    queries = ["q=普京", "q=川普&op=or&limit=3&page=2", "q=阿拉斯加&sort=-date&from=2025-01-01",
               "q=", "limit=5", "q=x&page=0", "q=%E6%99%AE%E4%BA%AC&exclude=%E6%99%AE%E4%B8%81",
               "q=%ff%fe", "q=a+b&variants=maybe", "q=普京&source=新聞網&source=&undated=only&to=2025-12-31"]
    for qs in queries:
        a, b = direct.get("/api/search?" + qs), view.get("/api/search?" + qs)
        assert (a.status_code, a.data) == (b.status_code, b.data), qs
        assert sorted(a.headers.items()) == sorted(b.headers.items()), qs
    assert {direct.get("/api/search?" + qs).status_code for qs in queries} == {200, 400}
    assert direct.head("/api/search?q=普京").status_code == 200
    missing = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    r = missing.get("/api/search?q=普京")
    assert r.status_code == 503 and "searcher build" in r.get_json()["error"]
