"""Repeated paragraphs as users see them: flags, links, no passage twice, boilerplate out of snippets."""
import json


from searcher.engine import open_engine
from searcher.cli import main
from searcher.search import SearchParams, search
from searcher.web import create_app

A002 = "002_3caf9e9192dc43da"


def test_api_repeats_lists_the_seed_block_largest_first(client):
    groups = client.get("/api/repeats").get_json()["groups"]
    assert len(groups) == 17 and all(g["kind"] == "exact" for g in groups)
    for g in groups:
        (a, b) = g["members"]
        assert a["id"] == b["id"] == A002 and a["n"] < b["n"]
    assert client.get("/api/repeats?kind=bogus").status_code == 400


def test_cli_repeats_json(runner, seed_index):
    res = runner.invoke(main, ["repeats", "--index", seed_index, "--json"])
    assert res.exit_code == 0
    assert len(json.loads(res.output)["groups"]) == 17


def test_a_search_never_shows_the_same_passage_twice(reader):
    for q in ["烏克蘭總參謀部", "阿拉斯加", "川普", "普京"]:
        r = search(reader, SearchParams(q=q, limit=10))
        for art in r.results:
            docs = {n: ref for ref, p in reader.article(art.id) for n in [p.n]}
            refs = [docs[p.n] for p in art.passages]
            for i, k in enumerate(refs):
                assert not any(reader.repeats.same_text(k, j) for j in refs[:i]), (q, art.id)
        flagged = [p for a in r.results for p in a.passages if p.repeat]
        for p in flagged:
            assert p.repeat["kind"] == "exact" and p.repeat["group"]


def test_article_page_flags_repeats_and_folds_later_copies(client):
    import re

    html = client.get(f"/article/{A002}").get_data(as_text=True)
    assert len(re.findall(r'class="[^"]*later-copy', html)) == 17
    # the 17 later copies are one folded block that says what they repeat, expandable
    folds = re.findall(r'<details class="fold"[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>', html, re.S)
    assert len(folds) == 1
    summary, body = folds[0]
    assert summary.startswith("¶21–37 重複 ¶3–19")
    assert re.findall(r'<p id="p(\d+)"', body) == [str(n) for n in range(21, 38)]
    assert 'href="#p3"' in html and "重複：" in html


def test_cross_article_copies_collapse_and_boilerplate_stays_out(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    body = "俄軍在波克羅夫斯克集結逾十一萬兵力進攻，烏克蘭總統聽取軍情簡報後下令增援前線部隊。"
    ad = "我是廣告 請繼續往下閱讀"
    (src / "a.txt").write_text(f" date 2025-01-01 {body}\n{ad}\n另一段談及前線的其他消息。", encoding="utf-8")
    # the same paragraph in Simplified, with a source tag in front, in another outlet
    simp = "俄军在波克罗夫斯克集结逾十一万兵力进攻，乌克兰总统听取军情简报后下令增援前线部队。"
    (src / "b.txt").write_text(f" date 2025-01-02 {simp}\n{ad}\n前線記者補充報導。", encoding="utf-8")
    (src / "c.txt").write_text(f"{ad}\n無關的文章，也提到前線。", encoding="utf-8")
    ix = str(tmp_path / "ix")
    open_engine(ix).build([str(src)], progress=False)
    client = create_app({"TESTING": True, "INDEX_DIR": ix}).test_client()
    j = client.get("/api/search", query_string={"q": "兵力"}).get_json()
    first, second = j["results"]
    assert first["passages"][0]["duplicate_of"] is None
    assert second["passages"][0]["duplicate_of"] == {"id": first["id"], "n": 1}
    assert second["passages"][0]["repeat"]["kind"] in ("exact", "near")
    # boilerplate: flagged as such, and not used as a snippet when the article has other matches
    groups = client.get("/api/repeats").get_json()["groups"]
    assert any(g["kind"] == "boilerplate" and len(g["members"]) == 3 for g in groups)
    j = client.get("/api/search", query_string={"q": "前線 OR 廣告"}).get_json()
    for r in j["results"]:
        assert all("廣告" not in p["html"] for p in r["passages"]), r
    page = client.get("/", query_string={"q": "兵力"}).get_data(as_text=True)
    assert 'class="passage dup"' in page
