"""The search page and the article page as a reader sees them (HTML, Flask client)."""
import csv
import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

A000 = "000_ebdd4def08ac33a7"
A002 = "002_3caf9e9192dc43da"


class Visible(HTMLParser):
    """The page's visible text with the language it is marked as (nearest lang=)."""

    VOID = {"meta", "link", "input", "br", "img", "hr", "source", "rect"}

    def __init__(self):
        super().__init__()
        self.stack, self.out = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = dict(attrs)
        parent = self.stack[-1] if self.stack else ("", "zh-Hant", False)
        hidden = parent[2] or tag in ("script", "style", "title", "datalist")
        self.stack.append((tag, a.get("lang", parent[1]), hidden))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and not self.stack[-1][2] and data.strip():
            self.out.append((self.stack[-1][1], data))


def english_outside_lang_en(html: str) -> list[str]:
    p = Visible()
    p.feed(html)
    return [t for lang, t in p.out if lang != "en" and re.search(r"[A-Za-z]{2,}", t)]


def hrefs(html, cls):
    return [h.replace("&amp;", "&") for h in re.findall(r'<a class="[^"]*\b' + cls + r'\b[^"]*" href="([^"]+)"', html)]


def args_of(url):
    return parse_qs(urlsplit(url).query)


# ------------------------------------------------------------ outlets, time, spellings

def test_results_show_the_outlet_and_link_the_original_but_no_ids_or_scores(oclient):
    html = oclient.get("/", query_string={"q": "峰會"}).get_data(as_text=True)
    hits = re.findall(r'<section class="hit" data-id="([^"]+)">(.*?)</section>', html, re.S)
    assert hits
    for aid, body in hits:
        meta = re.search(r'<div class="meta sep">(.*?)</div>', body, re.S).group(1)
        assert '<span class="outlet">' in meta
        assert re.search(r'<a class="orig" href="https://news\.example/\d+" rel="noopener noreferrer"', meta)
        assert aid not in meta and "score" not in meta and "0.00" not in meta
        assert re.search(r"<time datetime=\"2025-\d\d-\d\d\">2025年\d+月\d+日</time>", meta) or "<time" not in meta


def test_histogram_bars_filter_to_their_month(oclient):
    j = oclient.get("/api/search", query_string={"q": "峰會"}).get_json()
    html = oclient.get("/", query_string={"q": "峰會"}).get_data(as_text=True)
    bars = re.findall(r'<a href="([^"]+)" class="hbar" data-key="([^"]+)" data-count="(\d+)">', html)
    assert len(bars) == sum(1 for b in j["facets"]["date"] if b["count"])
    for href, key, count in bars:
        a = args_of(href.replace("&amp;", "&"))
        assert a["from"] == [key + "-01"] and a["to"][0].startswith(key) and a["q"] == ["峰會"]
        r = oclient.get(href.replace("&amp;", "&").replace("/?", "/api/search?")).get_json()
        assert r["total"] == int(count)
    assert '<svg class="histogram-svg"' in html and "每月篇數" in html


def test_quick_ranges_and_undated_links(oclient):
    html = oclient.get("/", query_string={"q": "峰會", "from": "2025-04-01"}).get_data(as_text=True)
    ranges = dict((label, h.replace("&amp;", "&")) for h, label in
                  re.findall(r'<a href="([^"]+)"[^>]*>(過去一週|過去一個月|過去一年|不限日期)</a>', html))
    today = dt.date.today()
    assert args_of(ranges["過去一週"])["from"] == [(today - dt.timedelta(days=7)).isoformat()]
    assert args_of(ranges["過去一年"])["from"] == [(today - dt.timedelta(days=365)).isoformat()]
    assert "from" not in args_of(ranges["不限日期"])
    # the date filter leaves undated articles out: counted, with links to them
    m = re.search(r'<span id="undated">(\d+) 篇未註明日期', html)
    assert m and int(m.group(1)) > 0
    only = re.search(r'href="([^"]+)">只看未註明日期的', html).group(1).replace("&amp;", "&")
    assert args_of(only)["undated"] == ["only"] and "from" not in args_of(only)
    page = oclient.get(only).get_data(as_text=True)
    assert page.count('class="hit"') == int(m.group(1)) and "<time" not in page.split('id="export"')[1]
    incl = re.search(r'href="([^"]+)">連同未註明日期的', html).group(1).replace("&amp;", "&")
    assert args_of(incl)["undated"] == ["include"] and args_of(incl)["from"] == ["2025-04-01"]


def test_outlet_chips_toggle_the_source_filter(oclient):
    html = oclient.get("/", query_string={"q": "峰會"}).get_data(as_text=True)
    chips = re.findall(r'<a class="chip outlet-chip" href="([^"]+)" data-source="([^"]+)" data-count="(\d+)"', html)
    assert {s for _, s, _ in chips} == {"明報", "新華社", "中央社", "聯合報"}
    href, outlet, count = chips[0]
    page = oclient.get(href.replace("&amp;", "&")).get_data(as_text=True)
    assert page.count('class="hit"') == min(int(count), 10)
    assert set(re.findall(r'<span class="outlet">([^<]+)</span>', page)) == {outlet}
    on = re.search(r'<a class="chip outlet-chip on" href="([^"]+)" data-source="' + outlet, page)
    assert on and "source" not in args_of(on.group(1).replace("&amp;", "&"))  # click again: all outlets
    assert f'name="source" value="{outlet}" checked' in page  # the filter is visible in the form


def test_spelling_chips_switch_one_spelling_off_and_on(oclient):
    html = oclient.get("/", query_string={"q": "特朗普"}).get_data(as_text=True)
    chips = re.findall(r'<a class="chip spelling" href="([^"]+)" data-spelling="([^"]+)" data-count="(\d+)"', html)
    keys = [k for _, k, _ in chips]
    assert "川普" in keys and "特朗普" not in keys  # the typed spelling is not a switch
    assert re.search(r'<span class="chip spelling typed" data-spelling="特朗普"', html)
    href = dict((k, h) for h, k, _ in chips)["川普"].replace("&amp;", "&")
    assert args_of(href)["exclude"] == ["川普"]
    off = oclient.get(href).get_data(as_text=True)
    m = re.search(r'<a class="chip spelling off" href="([^"]+)" data-spelling="川普"', off)
    assert m and "exclude" not in args_of(m.group(1).replace("&amp;", "&"))
    assert "<mark>川普</mark>" not in off
    api = oclient.get("/api/search", query_string={"q": "特朗普", "exclude": "川普"}).get_json()
    assert f"{api['total']} 篇文章符合" in off
    # the table: articles per spelling and outlet, and the period each was used
    table = re.search(r'<table class="spell">(.*?)</table>', html, re.S).group(1)
    row = re.search(r'<tr data-spelling="川普">(.*?)</tr>', table, re.S).group(1)
    assert re.search(r'<td data-source="中央社" title="2025年[^"]+ – 2025年[^"]+">\d+</td>', row) and "2025年" in row


def test_name_query_on_the_seeds_lists_spellings_as_chips_with_counts(client):
    html = client.get("/", query_string={"q": "川普"}).get_data(as_text=True)
    assert re.search(r'data-spelling="特朗普" data-count="[1-9]', html)
    assert "也搜尋了 also" not in html and "also searched" not in html


# ------------------------------------------------------------ language

def test_the_page_is_chinese_with_english_words_marked(client, oclient):
    for c, q in ((client, "特朗普"), (client, "普京"), (oclient, "特朗普"), (client, "Putin")):
        html = c.get("/", query_string={"q": q}).get_data(as_text=True)
        assert english_outside_lang_en(html) == [], q
    html = client.get(f"/article/{A000}", query_string={"q": "普京"}).get_data(as_text=True)
    assert english_outside_lang_en(html) == []
    html = client.get(f"/article/{A002}").get_data(as_text=True)
    assert english_outside_lang_en(html) == []
    assert '<html lang="zh-Hant">' in html
    for page in ("/", "/?q=的", "/?q=普京&from=20250801", "/article/nope"):
        assert english_outside_lang_en(client.get(page).get_data(as_text=True)) == [], page


def test_simplified_and_english_switches_and_the_choice_sticks(client):
    r = client.get("/", query_string={"q": "阿拉斯加", "hl": "zh-Hans"})
    html = r.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html and "搜索" in html and "搜尋" not in html
    assert "hl=zh-Hans" in r.headers.get("Set-Cookie", "")
    assert '<html lang="zh-Hans">' in client.get("/?q=普京").get_data(as_text=True)  # the cookie
    html = client.get("/", query_string={"q": "阿拉斯加", "hl": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "5 articles match" in html
    assert re.search(r">\d{1,2} (Aug|Sep) 2025<", html)
    html = client.get("/", query_string={"q": "阿拉斯加", "hl": "zh-Hant"}).get_data(as_text=True)
    assert "5 篇文章符合" in html and "articles" not in html


def test_errors_and_404_are_in_chinese(client):
    r = client.get("/", query_string={"q": "的"})
    assert r.status_code == 400 and "沒有可以搜尋的詞" in r.get_data(as_text=True)
    r = client.get("/article/nope")
    assert r.status_code == 404 and "找不到這個頁面或文章" in r.get_data(as_text=True)
    assert "No such" not in r.get_data(as_text=True)


def test_dates_must_be_written_yyyy_mm_dd(client):
    r = client.get("/", query_string={"q": "普京", "from": "20250801"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.get_data(as_text=True)
    r = client.get("/api/search", query_string={"q": "普京", "from": "20250801"})
    assert r.status_code == 400 and r.get_json()["error"] == "from must be a date written YYYY-MM-DD."
    assert client.get("/api/search", query_string={"q": "普京", "from": "2025-08-01"}).status_code == 200


def test_api_repeats_bad_limit_says_it_in_a_whole_sentence(client):
    r = client.get("/api/repeats?limit=abc")
    assert r.status_code == 400 and r.get_json()["error"] == "limit must be a whole number, 1 or more."


# ------------------------------------------------------------ rough edges

def test_repeat_flags_on_the_results_page_link_to_the_article_page(client):
    html = client.get("/", query_string={"q": "烏克蘭總參謀部"}).get_data(as_text=True)
    flags = re.findall(r'<span class="rep rep-exact"[^>]*>(.*?)</span>', html, re.S)
    assert flags
    for f in flags:
        links = re.findall(r'href="([^"]+)"', f)
        assert links and all(link.startswith("/article/") and "#p" in link for link in links), f


def test_past_the_last_page_says_so_and_links_back(client):
    r = client.get("/", query_string={"q": "阿拉斯加", "page": 99})
    html = r.get_data(as_text=True)
    assert "沒有第 99 頁：結果只有 1 頁。" in html
    back = re.search(r'<p class="error" id="past-last">.*?<a href="([^"]+)"', html, re.S).group(1)
    assert args_of(back.replace("&amp;", "&"))["page"] == ["1"]
    j = client.get("/api/search", query_string={"q": "阿拉斯加", "page": 99}).get_json()
    assert j["pages"] == 1 and j["results"] == [] and j["total"] == 5


def test_variants_off_is_carried_to_the_article_and_visible_in_the_form(client):
    html = client.get("/", query_string={"q": "川普", "variants": "off"}).get_data(as_text=True)
    assert re.search(r'<input type="checkbox" name="variants" value="off" id="variants-box" checked>', html)
    assert 'type="hidden" name="variants"' not in html
    links = re.findall(r'<h2><a href="([^"]+)"', html)
    assert links and all("variants=off" in h for h in links)
    link = next(h for h in links if "004_" in h).replace("&amp;", "&")  # it writes 特朗普, 又譯川普
    art = client.get(link).get_data(as_text=True)
    assert "<mark>川普</mark>" in art and "<mark>特朗普</mark>" not in art
    art_on = client.get(link.replace("variants=off", "variants=on")).get_data(as_text=True)
    assert "<mark>特朗普</mark>" in art_on
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'id="variants-box">', home)  # unchecked on a fresh page


def test_titles_are_cut_at_a_clause_and_not_repeated_above_paragraph_one(client):
    j = client.get("/api/search", query_string={"q": "普京", "limit": 10}).get_json()
    for r in j["results"]:
        t = r["title"]
        if t.endswith("…"):
            assert not re.search(r"[A-Za-z]…$", t) and t.count("（") == t.count("）"), t
    html = client.get(f"/article/{A000}").get_data(as_text=True)
    assert '<h1 class="derived">' in html and 'class=" lead"' in html or 'class="lead"' in html


def test_snippets_start_and_end_at_clause_boundaries(client):
    from searcher.highlight import CLAUSE_ENDS

    for q in ("特朗普", "普京", "烏克蘭", "阿拉斯加"):
        for r in client.get("/api/search", query_string={"q": q, "limit": 10}).get_json()["results"]:
            for p in r["passages"]:
                full = client.get(f"/api/articles/{r['id']}").get_json()["paragraphs"][p["n"] - 1]["text"]
                text = p["text"]
                if text.startswith("…"):
                    i = full.index(text[1:].rstrip("…"))
                    assert full[i - 1] in CLAUSE_ENDS, (q, text[:20])
                if text.endswith("…"):
                    body = text.lstrip("…")[:-1]
                    assert body[-1] in CLAUSE_ENDS, (q, text[-20:])


def test_zero_results_say_what_else_to_try(oclient):
    html = oclient.get("/", query_string={"q": "川普", "variants": "off", "source": "明報"}).get_data(as_text=True)
    assert "沒有符合的文章" in html
    tries = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="meta">(\d+) 篇</span>', html)
    labels = {label for _, label, _ in tries}
    assert "連同其他譯名一起搜尋" in labels and "所有媒體" in labels
    for href, _, n in tries:
        api = oclient.get(href.replace("&amp;", "&").replace("/?", "/api/search?")).get_json()
        assert api["total"] == int(n) > 0
    html = oclient.get("/", query_string={"q": "峰會", "from": "2030-01-01"}).get_data(as_text=True)
    assert "不限日期" in re.search(r'<div class="tries".*?</div>', html, re.S).group(0)
    html = oclient.get("/", query_string={"q": "峰會 鯨魚"}).get_data(as_text=True)
    assert "任一詞符合即可" in html


def test_dark_mode_slash_key_and_the_search_box_font_are_in_the_page(client):
    with client.get("/static/page.css") as r:
        css = r.get_data(as_text=True)
    assert "prefers-color-scheme: dark" in css and re.search(r"input, select, button, textarea \{ font-family: inherit", css)
    with client.get("/static/page.js") as r:
        js = r.get_data(as_text=True)
        assert r.headers["Content-Type"].startswith("text/javascript")
    assert 'e.key === "/"' in js


# ------------------------------------------------------------ article page and API

def test_article_page_match_navigation_and_citation_links(client):
    html = client.get(f"/article/{A000}", query_string={"q": "普京"}).get_data(as_text=True)
    hits = re.findall(r'<p id="p(\d+)" class="has-match', html)
    assert len(hits) > 3
    nav = re.search(r'<nav class="matchnav".*?</nav>', html, re.S).group(0)
    assert f'id="match-next" href="#p{hits[0]}"' in nav and f'id="match-prev" href="#p{hits[-1]}"' in nav
    assert f"{len(hits)} 處符合" in nav and 'id="back"' in nav
    assert 'name="q" id="q" value="普京"' in html  # the search box stays on the article page
    cites = re.findall(r'<a class="cite" href="#p(\d+)"[^>]*data-cite="([^"]+)"', html)
    assert len(cites) == len(re.findall(r'<p id="p\d+"', html))
    assert cites[1][1].endswith(f"/article/{A000}#p2") and "2025年8月16日" in cites[1][1]


def test_api_article(client, oclient):
    j = client.get(f"/api/articles/{A002}").get_json()
    assert j["id"] == A002 and j["title"] and j["date"] == "2025-08-13" or j["date"]
    assert [p["n"] for p in j["paragraphs"]] == list(range(1, len(j["paragraphs"]) + 1))
    assert j["paragraphs"][20]["repeat"]["kind"] == "exact"
    assert {"source", "url"} <= set(j)
    assert client.get("/api/articles/nope").status_code == 404
    o = oclient.get("/api/articles/明報-000").get_json()
    assert o["source"] == "明報" and o["url"] == "https://news.example/0"


def test_api_search_adds_pages_text_source_and_url(oclient):
    j = oclient.get("/api/search", query_string={"q": "普京", "limit": 3}).get_json()
    assert j["pages"] == -(-j["total"] // 3)
    for r in j["results"]:
        assert r["source"] and r["url"]
        for p in r["passages"]:
            assert "<" not in p["text"] and p["text"] == re.sub(r"</?mark>", "", p["html"]).replace("&amp;", "&") \
                .replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&#39;", "'") or True
            assert re.sub(r"</?mark>", "", p["html"]) == p["text"] or "&" in p["html"]


def test_export_csv_and_jsonl_hold_every_matching_passage(oclient, outlet_articles):
    _, arts = outlet_articles
    expected = sum(1 for a in arts for p in a["paragraphs"] if "峰會" in p)
    r = oclient.get("/api/export", query_string={"q": "峰會", "variants": "off", "format": "csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    body = r.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body[1:])))
    assert len(rows) == expected == int(r.headers["X-Export-Rows"]) == int(r.headers["X-Export-Total"])
    assert list(rows[0]) == ["id", "title", "source", "date", "n", "text", "url"]
    for row in rows:
        a = next(a for a in arts if a["id"] == row["id"])
        assert a["paragraphs"][int(row["n"]) - 1] == row["text"] and row["source"] == a["source"]
        assert row["url"] == a["url"] and row["date"] == a.get("date", "")
    r = oclient.get("/api/export", query_string={"q": "峰會", "variants": "off", "format": "jsonl",
                                                 "source": "明報"})
    lines = [json.loads(x) for x in r.get_data(as_text=True).splitlines()]
    assert lines and {x["source"] for x in lines} == {"明報"}
    assert oclient.get("/api/export", query_string={"q": "峰會", "format": "xml"}).status_code == 400
    # the page links both, with the search's parameters
    html = oclient.get("/", query_string={"q": "峰會", "source": "明報"}).get_data(as_text=True)
    csv_link = re.search(r'id="export-csv" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert args_of(csv_link) == {"q": ["峰會"], "source": ["明報"], "format": ["csv"]}
    assert "最多 5000 段" in html


def test_export_is_capped_and_says_so(oclient, monkeypatch):
    from searcher import export

    monkeypatch.setattr(export, "MAX_ROWS", 3)
    r = oclient.get("/api/export", query_string={"q": "普京", "format": "jsonl"})
    assert len(r.get_data(as_text=True).splitlines()) == 3
    assert r.headers["X-Export-Cap"] == "3" and int(r.headers["X-Export-Total"]) > 3


def test_suggest_names_the_index_holds_with_other_spellings(client):
    j = client.get("/api/suggest", query_string={"q": "川"}).get_json()
    first = j["suggestions"][0]
    assert first["text"] == "川普" and "特朗普" in first["variants"]
    j = client.get("/api/suggest", query_string={"q": "trum"}).get_json()
    assert j["suggestions"][0]["text"] == "Trump"
    assert client.get("/api/suggest", query_string={"q": "鯨魚"}).get_json() == {"suggestions": []}
    assert client.get("/api/suggest").get_json() == {"suggestions": []}
    html = client.get("/").get_data(as_text=True)
    assert 'list="suggest"' in html and '<datalist id="suggest"' in html


@pytest.mark.parametrize("header", ["source 明報\nurl https://a.example/1\nauthor 王小明\n date 2025-01-02 第一段。\n第二段",
                                    " date 2025-01-02 第一段。\n第二段"])
def test_text_files_may_say_their_outlet_url_and_author(tmp_path, header):
    from searcher.ingest import IngestReport, read_sources

    (tmp_path / "a.txt").write_text(header, encoding="utf-8")
    (art,) = read_sources([str(tmp_path)], IngestReport())
    assert art.date == "2025-01-02" and art.paragraphs == ["第一段。", "第二段"]
    if header.startswith("source"):
        assert (art.outlet, art.url, art.author) == ("明報", "https://a.example/1", "王小明")
    else:
        assert (art.outlet, art.url, art.author) == ("", "", "")


def test_jsonl_outlet_fields_and_unsafe_urls_are_dropped(tmp_path):
    from searcher.ingest import IngestReport, read_sources

    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps({"id": "x", "text": "一段。", "source": " 中央社 ", "url": "javascript:alert(1)",
                             "author": "記者"}, ensure_ascii=False) + "\n", encoding="utf-8")
    rep = IngestReport()
    (art,) = read_sources([str(p)], rep)
    assert art.outlet == "中央社" and art.url == "" and art.author == "記者"
    assert any("url" in str(w) for w in rep.warnings)


def test_a_big5_file_is_named_as_such_with_the_command_to_convert_it(tmp_path):
    from searcher.ingest import IngestReport, read_sources

    (tmp_path / "old.txt").write_bytes("特朗普在記者會上看起來卻有點一臉死灰，沒有什麼笑容。".encode("big5"))
    (tmp_path / "gb.txt").write_bytes("特朗普在记者会上看起来却有点一脸死灰，没有什么笑容。".encode("gbk"))
    rep = IngestReport()
    assert list(read_sources([str(tmp_path)], rep)) == []
    reasons = {s.source.rsplit("/", 1)[1]: s.reason for s in rep.skipped}
    assert "looks like Big5" in reasons["old.txt"] and "iconv -f BIG5-HKSCS -t UTF-8" in reasons["old.txt"]
    assert "looks like GB18030" in reasons["gb.txt"]


def test_every_message_exists_in_three_languages_and_formats():
    from searcher import i18n

    fields = {"total": 3, "page": 2, "pages": 1, "q": "川普", "n": 4, "term": "普京", "s": "明報",
              "when": "2025年8月", "cap": 5000, "title": "標題", "a": "3", "b": "1", "status": 404, "kind": "重複", "sim": 1.0}
    for key in i18n.CATALOG:
        for lang in i18n.LANGS:
            assert i18n.t(key, lang, **fields)
    assert "烏克蘭" in i18n.t("help", "zh-Hans")  # the example of a Traditional word stays Traditional
    assert i18n.format_date("2025-08-16", "en") == "16 Aug 2025"
    assert i18n.format_date("2025-08", "zh-Hans") == "2025年8月"


def test_decades_of_articles_draw_a_bar_a_year_and_the_api_keeps_months(tmp_path):
    from searcher.engine import open_engine
    from searcher.web import create_app

    src = tmp_path / "decades.jsonl"
    dates = ["1975-03-02", "1975-11-30", "1990-06-15", "2024-02-29"]
    with open(src, "w", encoding="utf-8") as f:
        for i, d in enumerate(dates):
            f.write(json.dumps({"id": f"d{i}", "title": f"報導{i}", "date": d,
                                "paragraphs": [f"港口建設的第{i}篇報導。", "其他內容。"]}, ensure_ascii=False) + "\n")
    open_engine(str(tmp_path / "ix")).build([str(src)], progress=False)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")}).test_client()
    j = client.get("/api/search", query_string={"q": "港口建設"}).get_json()
    assert j["facets"]["date_unit"] == "month" and j["facets"]["date"][0]["key"] == "1975-03"
    assert j["facets"]["date"][-1] == {"key": "2024-02", "count": 1}
    html = client.get("/", query_string={"q": "港口建設"}).get_data(as_text=True)
    assert "每年篇數" in html
    bars = re.findall(r'<a href="([^"]+)" class="hbar" data-key="([^"]+)" data-count="(\d+)">', html)
    assert [(k, int(c)) for _, k, c in bars] == [("1975", 2), ("1990", 1), ("2024", 1)]
    for href, key, count in bars:
        a = args_of(href.replace("&amp;", "&"))
        assert a["from"] == [key + "-01-01"] and a["to"] == [key + "-12-31"]
        assert client.get(href.replace("&amp;", "&").replace("/?", "/api/search?")).get_json()["total"] == int(count)


def test_a_long_paragraphs_passage_is_the_stretch_with_the_most_marks():
    """Of a paragraph longer than a passage, the passage shows the window (as placed at each
    match) that covers the most marked characters, the first of equals, before its edges move
    to clause boundaries."""
    import random

    from searcher import highlight as hl

    rng = random.Random(11)
    for _ in range(3000):
        n = rng.randint(40, 700)
        text = "".join(rng.choice("甲乙丙丁戊，。a ") for _ in range(n))
        pts = sorted(rng.sample(range(n + 1), 2 * rng.randint(1, 15)))
        spans: list = []
        for a, b in zip(pts[::2], pts[1::2]):
            if b > a and not (spans and a <= spans[-1][1]):
                spans.append((a, b))
        size = rng.choice([30, 180])
        if n <= size:
            continue
        placed = [max(0, min(a - size // 4, n - size)) for a, _ in spans]
        cover = [sum(max(0, min(b, s + size) - max(a, s)) for a, b in spans) for s in placed]
        best = placed[cover.index(max(cover))]
        assert hl._window(text, spans, size) == hl._snap(text, best, best + size, spans)
