"""Variant groups: lookup in any script, provenance, no chaining, curated files, save/load."""
import json
import os

import pytest

from searcher.names import CURATED_PATH, MinedPair, base_segmenter_words, build_table
from searcher.names.keys import han_len, is_chinese, norm_key

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def mined(seed_pairs):
    return seed_pairs


@pytest.fixture(scope="module")
def table(mined):
    return build_table(mined)


def same_group(t, *terms):
    groups = [t.lookup(x) for x in terms]
    assert all(g is not None for g in groups), [x for x, g in zip(terms, groups) if g is None]
    return all(g is groups[0] for g in groups)


def test_norm_key():
    assert norm_key("Joint Base Elmendorf–Richardson") == norm_key("joint base  elmendorf - richardson")
    assert norm_key("澤連斯基") == norm_key("泽连斯基")
    assert norm_key("ＰＵＴＩＮ") == "putin"
    assert norm_key("Pútin") == "putin"
    assert norm_key("唐納‧川普") == norm_key("唐纳·川普") == norm_key("唐納・川普")


@pytest.mark.parametrize(
    "terms",
    [
        ("特朗普", "川普", "Trump", "TRUMP", "donald trump", "唐納·川普"),
        ("普京", "普丁", "蒲亭", "Putin", "vladimir putin", "ＰＵＴＩＮ"),
        ("泽连斯基", "澤連斯基", "澤倫斯基", "Zelensky", "Zelenskyy", "ZELENSKIY", "Volodymyr Zelenskiy"),
        ("安克雷奇", "安克拉治", "Anchorage", "anchorage"),
        ("布什", "布希", "布殊", "Bush"),
        ("拜登", "Biden", "Joe Biden"),
        ("拉夫羅夫", "拉夫罗夫", "Lavrov", "Sergei Lavrov"),
        ("Joint Base Elmendorf–Richardson", "joint base elmendorf-richardson", "埃爾門多夫-理查森聯合基地"),
        ("二十國集團", "二十国集团", "G20", "g20"),
        ("軟件", "軟體", "软件"),
        ("導彈", "飛彈", "导弹"),
        ("悉尼", "雪梨", "Sydney"),
    ],
)
def test_every_spelling_finds_every_other(table, terms):
    assert same_group(table, *terms)


def test_no_chaining_through_shared_characters(table):
    assert table.lookup("普京") is not table.lookup("川普")
    assert table.lookup("特朗普") is not table.lookup("普京")
    assert table.lookup("泽连斯基") is not table.lookup("泽伦斯卡")


def test_one_character_forms_are_never_members(table):
    from searcher.names.keys import is_nickname_form

    for g in table.groups():
        for m in g.members:
            if is_chinese(m):  # a Latin initial + Han nickname (C羅) has one Han character
                assert han_len(norm_key(m)) >= 2 or is_nickname_form(m), m
    assert table.lookup("普") is None


def test_common_words_are_not_expanded(table):
    for w in ("总统", "基地", "新闻", "美国", "文件", "支持"):
        g = table.lookup(w)
        assert g is None or len(g.keys()) <= 2 and not any(norm_key(x) == "档案" for x in g.members), w
    assert table.lookup("文件") is None  # 文件/檔案 and 文檔/文件 chain: OpenCC pairs refused


def test_provenance(table):
    g = table.lookup("蒲亭")
    srcs = {p["source"] for v in g.sources.values() for p in v}
    assert {"mined", "lexicon", "curated"} <= srcs
    mined = [p for p in g.sources["蒲亭"] if p["source"] == "mined"]
    assert any(p["id"] == "002_3caf9e9192dc43da" and p["n"] == 1 for p in mined)
    assert all(g.sources[m] for m in g.members)
    lav = table.lookup("Lavrov")
    assert lav.sources["Lavrov"][0]["source"] == "derived"
    assert lav.sources["Lavrov"][0]["from"] == "Sergei Lavrov"


def test_segmenter_words_come_from_the_base_only(table):
    words = base_segmenter_words()
    for w in ("泽连斯基", "泽伦斯基", "安克雷奇", "蒲亭", "普丁", "川普", "特朗普"):
        assert w in words
    assert words == sorted(words) and all(len(w) >= 2 and "·" not in w for w in words)
    assert "拉夫罗夫" not in words or "拉夫罗夫" in base_segmenter_words()  # never from the corpus


def test_given_name_alone_does_not_join_two_people():
    pairs = [MinedPair("唐納", "Donald Trump", "a", 1), MinedPair("唐納", "Donald Tusk", "b", 1)]
    t = build_table(pairs, lexicon_path="", opencc=False, shipped_curated=False)
    assert t.lookup("Donald Tusk") is None or t.lookup("Donald Tusk") is not t.lookup("Donald Trump")
    assert any("Donald Tusk" in r["members"] for r in t.refused)


def test_wrong_pair_does_not_merge_lexicon_entries():
    bad = [MinedPair("普京", "Donald Trump", "x", 3)]
    t = build_table(bad, shipped_curated=False)
    assert t.lookup("普京") is not t.lookup("特朗普")
    assert t.mined_report()[0]["status"].startswith("refused")


def test_surname_from_a_given_name_alone_does_not_link():
    # 梅拉尼婭（Melania Trump）: the Chinese is her given name; "Trump" must not pull it into Trump's group
    t = build_table([MinedPair("梅拉尼婭", "Melania Trump", "m", 1)], shipped_curated=False)
    assert t.lookup("梅拉尼婭") is not t.lookup("特朗普")
    # a spelling that shares its sound with the group does link through the surname
    t = build_table([MinedPair("梅爾茲", "Friedrich Merz", "m", 1)], shipped_curated=False)
    assert t.lookup("梅爾茲") is t.lookup("默茨")


def test_mined_only_linking():
    pairs = [
        MinedPair("澤連斯基", "Volodymyr Zelensky", "a", 1),
        MinedPair("澤倫斯基", "Volodymyr Zelensky", "b", 2),
        MinedPair("澤連斯基", "Volodymyr Zelenskyy", "c", 3),
        MinedPair("澤連斯基", "Volodymyr Zelenskiy", "c", 4),
    ]
    t = build_table(pairs, lexicon_path="", opencc=False, shipped_curated=False)
    assert same_group(t, "泽伦斯基", "澤連斯基", "Volodymyr Zelenskiy", "volodymyr zelensky", "Zelenskyy")
    assert len(t.groups()) == 1


def test_common_word_and_one_character_pairs_are_refused():
    pairs = [MinedPair("總統", "President", "a", 1), MinedPair("普", "Putin", "a", 2)]
    t = build_table(pairs, lexicon_path="", opencc=False, shipped_curated=False)
    assert t.groups() == []
    assert all(r["status"].startswith("refused") for r in t.mined_report())


def test_curated_file_extends_groups(tmp_path):
    extra = tmp_path / "mine.tsv"
    extra.write_text("# test\n普京\t普亭\t# a made-up spelling for the test\n甲乙丙\t丁戊己\tFoo Bar\n", encoding="utf-8")
    t = build_table([], [CURATED_PATH, str(extra)])
    g = t.lookup("普亭")
    assert g is t.lookup("Putin") and g is t.lookup("蒲亭")
    assert {"source": "curated", "file": "mine.tsv", "line": 2} in g.sources["普亭"]
    assert same_group(t, "甲乙丙", "丁戊己", "foo bar")
    without = build_table([], shipped_curated=False)
    assert without.lookup("蒲亭") is None and without.lookup("普丁") is not None


def test_table_does_not_depend_on_the_order_of_pairs_or_earlier_builds(mined):
    import random

    first = build_table(mined)
    shuffled = list(mined)
    random.Random(7).shuffle(shuffled)
    build_table([MinedPair("甲乙丙", "Foo Bar", "z", 1)])  # an unrelated build in between
    again = build_table(shuffled)
    assert [g.members for g in again.groups()] == [g.members for g in first.groups()]
    assert [g.sources for g in again.groups()] == [g.sources for g in first.groups()]
    assert again.mined_report() == first.mined_report()
    assert build_table([]).lookup("甲乙丙") is None  # nothing leaks from one build into the next


def test_base_is_cached_and_a_build_is_fast(mined, tmp_path, monkeypatch):
    import time

    from searcher.names import base

    monkeypatch.setenv("SEARCHER_CACHE_DIR", str(tmp_path))
    base._memo.clear()
    base._builders.clear()
    build_table([])
    assert any(p.name.startswith("names-base-") for p in tmp_path.iterdir())
    base._memo.clear()
    base._builders.clear()
    t = time.perf_counter()
    build_table([])  # from the file
    build_table(mined)
    t0 = time.perf_counter()
    table = build_table(mined)
    assert time.perf_counter() - t0 < 0.5
    assert table.lookup("蒲亭") is table.lookup("Putin")
    assert time.perf_counter() - t < 5


def test_stats_and_mined_report(table, mined):
    s = table.stats()
    assert s["lexicon_groups_read"] > 5000
    assert s["groups_with_lexicon"] > 5000
    assert s["groups_with_mined"] > 10
    assert s["groups_with_curated"] >= 5
    assert s["groups_with_opencc"] > 100
    rep = table.mined_report()
    assert {(r["zh"], r["alias"]) for r in rep} == {(p.zh, p.alias) for p in mined}
    assert all(r["status"] == "used" or r["status"].startswith("refused") for r in rep)


def test_lexicon_file_has_attribution():
    with open(os.path.join(ROOT, "searcher", "data", "lexicon.tsv"), encoding="utf-8") as f:
        head = f.read(3000)
    assert "Chinese Wikipedia CGroup contributors" in head
    assert "CC BY-SA 4.0" in head
