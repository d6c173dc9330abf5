"""Facets: matching articles counted by outlet, date and spelling (pure functions, then
through the API on a corpus of the seeds' paragraphs with outlets and dates)."""
import numpy as np

from searcher import facets as fct

# 6 documents in 4 articles: article 0 (doc 0, 1), 1 (doc 2), 2 (doc 3, 4), 3 (doc 5)
DOC_ARTICLE = np.array([0, 0, 1, 2, 2, 3])
DOC_DATE = np.array([20250101, 20250101, 20250315, 0, 0, 20250320])
DOC_SOURCE = np.array([1, 1, 2, 1, 1, 0])
NAMES = ["", "明報", "中央社"]


def test_source_counts_count_articles_not_paragraphs_and_leave_out_no_outlet():
    def per_article(docs, values):
        return values[fct.first_docs(docs, DOC_ARTICLE)]

    out = fct.source_counts(per_article(np.arange(6), DOC_SOURCE), NAMES)
    assert out == [{"key": "明報", "count": 2}, {"key": "中央社", "count": 1}]
    assert fct.source_counts(per_article(np.array([2]), DOC_SOURCE), NAMES) == [{"key": "中央社", "count": 1}]
    assert fct.source_counts(per_article(np.array([], int), DOC_SOURCE), NAMES) == []
    assert list(fct.articles_of(DOC_ARTICLE[[5, 0, 1, 3]])) == [0, 2, 3]


def test_date_counts_by_month_with_undated_counted_and_gaps_put_back():
    unit, buckets, undated = fct.date_counts(DOC_DATE[fct.first_docs(np.arange(6), DOC_ARTICLE)])
    assert unit == "month" and undated == 1
    assert buckets == [{"key": "2025-01", "count": 1}, {"key": "2025-03", "count": 2}]
    assert fct.with_gaps(buckets, unit) == [{"key": "2025-01", "count": 1}, {"key": "2025-02", "count": 0},
                                            {"key": "2025-03", "count": 2}]


def test_date_counts_by_day_for_a_short_range():
    unit, buckets, undated = fct.date_counts(DOC_DATE[[2, 5]])
    assert unit == "day" and undated == 0
    assert buckets == [{"key": "2025-03-15", "count": 1}, {"key": "2025-03-20", "count": 1}]
    full = fct.with_gaps(buckets, unit)
    assert [b["key"] for b in full] == [f"2025-03-{d}" for d in range(15, 21)]
    assert [b["count"] for b in full] == [1, 0, 0, 0, 0, 1]
    assert fct.with_gaps([], unit) == []


def test_month_buckets_cross_a_year():
    assert fct.bucket_keys(20241130, 20250201, "month") == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_an_archive_of_many_decades_keeps_its_newest_months():
    docs = np.arange(3)
    unit, buckets, _ = fct.date_counts(np.array([19520105, 19990615, 20241130]))
    assert unit == "month" and buckets[0]["key"] == "1952-01" and buckets[-1] == {"key": "2024-11", "count": 1}
    assert sum(b["count"] for b in buckets) == 3
    (entry,) = fct.spelling_counts(docs, [("x", docs)], docs, np.zeros(3, np.int32), [""],
                                   np.array([19520105, 19990615, 20241130]))
    assert entry["by_date"] == {"1952-01": 1, "1999-06": 1, "2024-11": 1}


def test_spelling_counts_by_outlet_and_time():
    docs = np.arange(6)
    out = fct.spelling_counts(docs, [("特朗普", np.array([0, 1, 3])), ("川普", np.array([2, 5])),
                                     ("Trump", np.array([], int))],
                              DOC_ARTICLE, DOC_SOURCE, NAMES, DOC_DATE, "month")
    assert [(e["key"], e["count"]) for e in out] == [("特朗普", 2), ("川普", 2), ("Trump", 0)]
    assert out[0]["by_source"] == {"明報": 2} and out[1]["by_source"] == {"中央社": 1}
    assert out[0]["by_date"] == {"2025-01": 1} and out[1]["by_date"] == {"2025-03": 2}
    assert out[1]["span_by_source"] == {"中央社": ["2025-03-15", "2025-03-15"]}


# ------------------------------------------------------------ through the API

def test_api_facets_by_outlet_and_source_filter(oclient, outlet_articles):
    _, arts = outlet_articles
    j = oclient.get("/api/search", query_string={"q": "峰會", "variants": "off"}).get_json()
    holding = [a for a in arts if any("峰會" in p for p in a["paragraphs"])]
    expected = {}
    for a in holding:
        expected[a["source"]] = expected.get(a["source"], 0) + 1
    assert {f["key"]: f["count"] for f in j["facets"]["source"]} == expected
    assert j["total"] == len(holding)
    assert all(r["source"] and r["url"].startswith("https://news.example/") for r in j["results"])
    # one outlet, then two (source= is repeatable); the outlet counts stay (to pick another)
    one = oclient.get("/api/search", query_string={"q": "峰會", "variants": "off", "source": "明報", "limit": 100}).get_json()
    assert one["total"] == expected["明報"] and {r["source"] for r in one["results"]} == {"明報"}
    assert one["facets"]["source"] == j["facets"]["source"]
    two = oclient.get("/api/search?q=峰會&variants=off&source=明報&source=中央社&limit=100").get_json()
    assert two["total"] == expected["明報"] + expected["中央社"]
    assert oclient.get("/api/search", query_string={"q": "峰會", "source": "無此報"}).get_json()["total"] == 0


def test_api_date_facet_and_undated_articles_are_counted_and_reachable(oclient, outlet_articles):
    _, arts = outlet_articles
    holding = [a for a in arts if any("峰會" in p for p in a["paragraphs"])]
    undated = [a for a in holding if "date" not in a]
    assert undated  # the corpus has some
    j = oclient.get("/api/search", query_string={"q": "峰會", "variants": "off"}).get_json()
    f = j["facets"]
    assert f["date_unit"] == "month" and f["undated"] == len(undated)
    months = {}
    for a in holding:
        if "date" in a:
            months[a["date"][:7]] = months.get(a["date"][:7], 0) + 1
    assert {b["key"]: b["count"] for b in f["date"] if b["count"]} == months
    assert sum(b["count"] for b in f["date"]) + f["undated"] == j["total"]
    # a date filter leaves undated articles out but still counts them; include / only reach them
    q = {"q": "峰會", "variants": "off", "from": "2025-03-01", "to": "2025-06-30", "limit": 100}
    ranged = oclient.get("/api/search", query_string=q).get_json()
    inside = [a for a in holding if "date" in a and "2025-03-01" <= a["date"] <= "2025-06-30"]
    assert ranged["total"] == len(inside) and ranged["facets"]["undated"] == len(undated)
    assert oclient.get("/api/search", query_string={**q, "undated": "include"}).get_json()["total"] == \
        len(inside) + len(undated)
    only = oclient.get("/api/search", query_string={"q": "峰會", "variants": "off", "undated": "only", "limit": 100}).get_json()
    assert sorted(r["id"] for r in only["results"]) == sorted(a["id"] for a in undated)
    assert all(r["date"] is None for r in only["results"])
    # a range of a month or so is counted by day
    days = oclient.get("/api/search", query_string={"q": "峰會", "from": "2025-05-01", "to": "2025-05-31"})
    assert all(len(b["key"]) == 10 for b in days.get_json()["facets"]["date"])


def test_api_spelling_facet_shows_which_outlets_write_which_spelling(oclient, outlet_articles):
    _, arts = outlet_articles
    j = oclient.get("/api/search", query_string={"q": "特朗普"}).get_json()
    by_key = {e["key"]: e for e in j["facets"]["spelling"]}
    assert {"特朗普", "川普"} <= set(by_key)

    def articles_with(word):
        return [a for a in arts if any(word in p for p in a["paragraphs"])]

    for word in ("特朗普", "川普"):
        expected = {}
        for a in articles_with(word):
            expected[a["source"]] = expected.get(a["source"], 0) + 1
        assert by_key[word]["count"] == len(articles_with(word))
        assert by_key[word]["by_source"] == expected
    # Taiwanese outlets write 川普; 聯合報 switched from 特朗普 in September
    assert set(by_key["川普"]["by_source"]) == {"中央社", "聯合報"}
    assert "中央社" not in by_key["特朗普"]["by_source"]
    udn_te = by_key["特朗普"]["span_by_source"]["聯合報"]
    udn_chuan = by_key["川普"]["span_by_source"]["聯合報"]
    assert udn_te[1] < "2025-09" <= udn_chuan[0]
    assert j["facets"]["spelling"] and all(e["term"] == "特朗普" for e in j["facets"]["spelling"])
    # no name: no spelling facet
    assert oclient.get("/api/search", query_string={"q": "峰會"}).get_json()["facets"]["spelling"] == []


def test_exclude_switches_one_spelling_off(oclient, outlet_articles):
    _, arts = outlet_articles
    base = oclient.get("/api/search", query_string={"q": "特朗普", "limit": 100}).get_json()
    off = oclient.get("/api/search", query_string={"q": "特朗普", "exclude": "川普", "limit": 100}).get_json()
    only_chuan = [a for a in arts if any("川普" in p for p in a["paragraphs"])
                  and not any(w in p for p in a["paragraphs"] for w in ("特朗普", "Trump"))]
    assert only_chuan
    assert off["total"] == base["total"] - len(only_chuan)
    assert off["exclude"] == ["川普"]
    entry = next(e for e in off["facets"]["spelling"] if e["key"] == "川普")
    assert entry["excluded"] is True  # still listed, to switch it back on
    for r in off["results"]:
        for p in r["passages"]:
            assert "<mark>川普</mark>" not in p["html"]


def test_an_excluded_spelling_is_not_searched(reader):
    from searcher import search as srch

    e = srch.make_expander(reader, srch.SearchParams(q="特朗普", exclude=["川普"]))
    alts = e("特朗普")
    assert "川普" not in alts and "Trump" in alts
