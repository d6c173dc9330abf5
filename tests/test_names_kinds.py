"""The hard half of names, as a reader sees it: press names, nicknames, summit compounds,
acronyms, pinyin, variants nobody wrote down, and what each must not find."""
import pytest

from searcher.names import Expander, MemoryCorpus, build_table, pinyin_key, sound_key

PARAS = [
    ("cn1", 1, "2025-01-20", "美国总统拜登与中国国家主席习近平在旧金山举行会晤，外界称之为拜习会。"),
    ("tw1", 1, "2025-01-20", "美國總統拜登與中國國家主席習近平會面，台灣媒體稱為習拜會。"),
    ("cn2", 1, "2025-02-01", "拜登与俄罗斯总统普京在日内瓦会面，媒体称拜普会。"),
    ("tw2", 1, "2025-02-01", "拜登和俄羅斯總統普丁在日內瓦會談，稱為拜蒲會，蒲亭表示滿意。"),
    ("cn3", 1, "2025-03-05", "世界经济论坛创办人施瓦布在达沃斯年会上表示，全球化进入新阶段。"),
    ("tw3", 1, "2025-03-05", "世界經濟論壇創辦人史瓦布在達沃斯年會上表示，全球化進入新階段。"),
    ("cn4", 1, "2025-03-06", "施瓦布周三在达沃斯再次谈到世界经济论坛的未来。"),
    ("x1", 1, "2025-04-01", "麥當勞今天宣布在烏克蘭重新開設分店。"),
    ("x2", 1, "2025-04-02", "烏克蘭總統澤連斯基呼籲盟友提供更多援助。"),
]


@pytest.fixture(scope="module")
def table():
    return build_table([])


@pytest.fixture(scope="module")
def corpus():
    return MemoryCorpus(PARAS)


def expand(table, corpus, q, **kw):
    e = Expander(table, corpus, **kw)
    return e(q), e.applied


def test_hong_kong_press_name_and_the_other_regions_find_each_other(table):
    blair, _ = expand(table, None, "布萊爾")
    assert "貝理雅" in blair
    hk, _ = expand(table, None, "貝理雅")
    assert {"東尼·布萊爾", "托尼·布莱尔"} <= set(hk) and any(x in hk for x in ("布莱尔", "布萊爾"))
    thatcher, _ = expand(table, None, "柴契爾")
    assert "戴卓爾" in thatcher and "撒切尔" in thatcher
    madonna, _ = expand(table, None, "瑪丹娜")
    assert "麦当娜" in madonna or "麥當娜" in madonna
    assert not any("麦当劳" in x or "麥當勞" in x for x in madonna)


def test_a_press_name_of_one_person_does_not_find_the_others_of_the_surname(table):
    junior, _ = expand(table, None, "小布希")
    assert "小布什" in junior and "小布殊" in junior
    assert not any(x in junior for x in ("布什", "布希", "布殊", "Kate Bush"))  # not every Bush


def test_nickname_initial_and_syllable(table):
    got, _ = expand(table, None, "C朗")
    assert "C罗" in got or "C羅" in got


def test_acronym_short_form_and_full_form(table):
    for q, want in [("世衛", {"WHO", "世界卫生组织"}), ("WHO", {"世衛", "世卫"}), ("歐洲聯盟", {"EU", "欧盟"}),
                    ("東協", {"ASEAN"})]:
        got, _ = expand(table, None, q)
        assert set(got) & want, (q, got)


def test_summit_compound_both_ways_and_not_another_summit(table, corpus):
    got, applied = expand(table, corpus, "拜習會")
    assert "习拜会" in [g.replace("習", "习").replace("會", "会") for g in got]
    assert not any("普" in g or "蒲" in g for g in got)
    assert applied[0].sources == ["compound"]
    putin, _ = expand(table, corpus, "拜普會")
    norm = {g.replace("會", "会") for g in putin}
    assert {"拜蒲会", "普拜会", "蒲拜会"} <= norm and not any("习" in g or "習" in g for g in putin)
    assert expand(table, corpus, "委員會")[0] == []  # a word, not a summit


def test_pinyin_query_finds_the_index_word_and_says_so(table, corpus):
    got, applied = expand(table, corpus, "baideng")
    assert "拜登" in got and applied[0].understood == "拜登" and "pinyin" in applied[0].sources
    got, applied = expand(table, corpus, "XiJinPing")
    assert applied and applied[0].understood == "习近平"
    assert expand(table, corpus, "zzzqqq")[0] == []  # not pinyin: searched as typed
    assert expand(table, corpus, "wokelan")[0] == []  # pinyin of nothing in the index


def test_pinyin_and_sound_keys():
    assert pinyin_key("烏克蘭") == pinyin_key("乌克兰") == "wukelan"
    assert sound_key("施瓦布") == sound_key("史瓦布")
    assert pinyin_key("Trump") is None and sound_key("普") is None


def test_discovered_variant_with_its_own_switch(table, corpus):
    got, applied = expand(table, corpus, "施瓦布")
    assert "史瓦布" in got and "discovered" in applied[0].sources
    off, _ = expand(table, corpus, "施瓦布", discovered=False)
    assert "史瓦布" not in off


def test_excluded_spelling_is_not_searched(table):
    got, applied = expand(table, None, "特朗普", exclude={"川普"})
    assert "川普" not in got and "Trump" in got and applied[0].excluded == ["川普"]


def test_name_inside_a_phrase_without_segmenter_words(table):
    got, _ = expand(table, None, "烏克蘭總統澤倫斯基")
    assert "烏克蘭總統泽连斯基" in got or "烏克蘭總統澤連斯基" in got
    trump, _ = expand(table, None, "川普總統")
    assert not any("普京" in x or "普丁" in x for x in trump)


def test_api_search_exclude_and_discovered_switch(client):
    j = client.get("/api/search?q=川普&exclude=特朗普").get_json()
    (v,) = j["variants"]
    assert "特朗普" not in v["group"] and v["excluded"] == ["特朗普"]
    assert client.get("/api/search?q=川普&discovered=off").status_code == 200
    assert client.get("/api/search?q=川普&discovered=maybe").status_code == 400
    d = client.get("/api/variants?q=川普&discovered=1").get_json()
    assert "discovered" in d


def test_pinyin_finds_a_known_name_the_segmenter_splits(table):
    """jieba cuts 泽|连斯基 without the name in its dictionary: the index has no such word,
    but the name table knows the name and the text holds it."""
    from searcher.analysis import word_counts

    text = "烏克蘭總統澤連斯基今天在基輔表示，前線局勢嚴峻。"
    assert "泽连斯基" not in word_counts(text)
    got, applied = expand(table, MemoryCorpus([("a", 1, text)]), "zeliansiji")
    assert applied[0].understood == "泽连斯基" and "澤倫斯基" in got
    none, _ = expand(table, MemoryCorpus([("a", 1, "基輔今天天氣晴朗。")]), "zeliansiji")
    assert none == []  # the name is not in the index: searched as typed


def test_names_inside_mixed_text_are_the_spans_every_lookup_finds(table, monkeypatch):
    """The span shortcuts (keys of Han runs, characters no key holds) find the names a lookup
    of every span would: questions with punctuation, digits and Latin around the names."""
    import random

    from searcher.names import expansion

    rng = random.Random(5)
    names = ["川普", "普京", "澤倫斯基", "拜登", "Donald Trump", "習近平", "蒲亭", "馬克宏", "特朗普"]
    glue = ["？", "，", "在1974年", "說了什麼", " ", "的", "與", "NBA", "《", "》", "·", "和", "總統"]
    texts = ["".join(rng.choice(names if rng.random() < 0.4 else glue) for _ in range(rng.randint(2, 7)))
             for _ in range(80)]
    got = [[(a, b) for a, b, _ in Expander(table)._names_inside(t)] for t in texts]

    class EverySpan:  # no shortcut: every span is looked up with its own key
        lookup = staticmethod(table.lookup)

        @staticmethod
        def key_chars():
            return None

    monkeypatch.setattr(expansion, "_han_runs", lambda text: [None] * len(text))
    plain = Expander(table)
    plain.table = EverySpan()
    reference = [[(a, b) for a, b, _ in plain._names_inside(t)] for t in texts]
    assert got == reference
    assert sum(map(len, got)) >= 40  # the texts hold names, and they are found
