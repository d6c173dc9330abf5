"""Every spelling of a name finds every other, as users see it (search, highlight, API, CLI)."""
import json

from searcher.cli import main
from searcher.normalize import simplify
from searcher.search import SearchParams, matching_paragraphs, search


def containing_any(seed_texts, spellings):
    keys = [simplify(s).lower() for s in spellings]
    return {(aid, i) for aid, ps in seed_texts.items() for i, p in enumerate(ps, 1)
            if any(k in simplify(p).lower() for k in keys)}


def test_each_spelling_finds_the_paragraphs_of_every_other(reader, seed_texts):
    table = reader.names
    s = reader
    for name in ["川普", "普丁", "澤倫斯基", "Anchorage", "Lavrov"]:
        group = table.lookup(name)
        assert group is not None, name
        got = matching_paragraphs(s, name, variants=True)
        assert got == containing_any(seed_texts, group.members), name
        plain = matching_paragraphs(s, name)
        assert plain <= got


def test_a_shared_character_never_links_two_names(reader, seed_texts):
    s = reader
    putin = matching_paragraphs(s, "普京", variants=True)
    spellings = reader.names.lookup("普京").members
    for aid, n in putin:
        text = simplify(seed_texts[aid][n - 1]).lower()
        assert any(simplify(m).lower() in text for m in spellings)
    assert reader.names.lookup("普") is None


def test_result_lists_expansions_and_can_turn_them_off(reader):
    s = reader
    on = search(s, SearchParams(q="川普"))
    off = search(s, SearchParams(q="川普", variants=False))
    j = on.to_json()
    (v,) = j["variants"]
    assert v["term"] == "川普" and "特朗普" in v["group"] and v["sources"]
    assert off.to_json()["variants"] == [] and off.total < on.total
    marked = {m for r in j["results"] for p in r["passages"] for m in _marks(p["html"])}
    assert {"特朗普", "川普"} <= marked  # every spelling found is highlighted


def _marks(html):
    import re
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_phrase_with_a_name_expands_inside_the_phrase(reader, seed_texts):
    s = reader
    got = matching_paragraphs(s, '"美國總統川普"', variants=True)
    expected = containing_any(seed_texts, ["美國總統" + m for m in reader.names.lookup("川普").members])
    assert got == expected and any("特朗普" in seed_texts[a][n - 1] for a, n in got)


def test_english_names_match_case_insensitively(reader):
    s = reader
    a = matching_paragraphs(s, "TRUMP", variants=True)
    b = matching_paragraphs(s, "trump", variants=True)
    c = matching_paragraphs(s, "特朗普", variants=True)
    assert a == b == c


def test_page_shows_also_searched_and_a_way_to_turn_it_off(client):
    html = client.get("/?q=川普").get_data(as_text=True)
    assert 'id="variants"' in html and "特朗普" in html and "variants=off" in html
    off = client.get("/?q=川普&variants=off").get_data(as_text=True)
    assert 'id="variants-on"' in off


def test_api_and_cli_explain_where_each_member_came_from(client, runner, seed_index):
    j = client.get("/api/variants?q=蒲亭").get_json()
    assert "普京" in j["group"]
    sources = {p["source"] for m in j["members"] for p in m["sources"]}
    assert {"mined", "curated"} <= sources
    mined = [p for m in j["members"] for p in m["sources"] if p["source"] == "mined"]
    assert all(p["id"] and p["n"] >= 1 for p in mined)
    assert client.get("/api/variants").status_code == 400
    res = runner.invoke(main, ["variants", "Zelensky", "--index", seed_index, "--json"])
    assert res.exit_code == 0 and "澤連斯基" in json.loads(res.output)["group"]
    res = runner.invoke(main, ["variants", "--mined", "--index", seed_index])
    assert res.exit_code == 0 and "Vladimir Putin" in res.output


def test_a_full_name_does_not_expand_to_other_people_of_the_same_surname():
    from searcher.names import Expander, build_table

    table = build_table([])
    kate = Expander(table)("Kate Bush")
    assert not any("George" in m or "喬治" in m or "乔治" in m for m in kate)
    george = Expander(table)("George W. Bush")
    assert not any("Kate" in m or "凱特" in m for m in george)
    surname = Expander(table)("布殊")
    assert "布什" in surname and "布希" in surname


def test_unquoted_multiword_name_is_one_name(reader, seed_texts):
    s = reader
    got = matching_paragraphs(s, "Donald Trump", variants=True)
    assert got == containing_any(seed_texts, reader.names.lookup("Donald Trump").members)


def test_a_questions_names_are_highlighted_in_every_spelling(reader):
    r = search(reader, SearchParams(q="普京何時與川普會面", op="or", limit=10))
    marked = {m for a in r.results for p in a.passages for m in _marks(p.html)}
    spellings = set(reader.names.lookup("普京").members) | set(reader.names.lookup("川普").members)
    assert len(marked & spellings) >= 3  # not only the spellings typed
