"""Repeated-paragraph detection (searcher.repeats): what a reader of the results sees."""
from __future__ import annotations


import pytest

from searcher.repeats import (
    NEAR_THRESHOLD,
    Group,
    Member,
    find_repeats,
    normalise_for_repeats,
    passage_index,
)

DUPLICATED_SEED = "002_3caf9e9192dc43da"


def groups_of(groups, aid, n, kind=None):
    return [g for g in groups if Member(aid, n) in g.members and (kind is None or g.kind == kind)]


def the_group(groups, aid, n, kind):
    found = groups_of(groups, aid, n, kind)
    assert len(found) == 1, f"{aid}#{n}: expected one {kind} group, got {found}"
    return found[0]


# Synthetic paragraphs (Traditional).
BODY = (
    "美國總統川普和俄羅斯總統蒲亭15日在阿拉斯加安克拉治的聯合基地會面，聚焦俄烏戰爭停火展開磋商。"
    "白宮事前已淡化外界對立即達成停火協議的期待，稱這是一次傾聽之旅。"
    "兩人在停機坪握手致意後搭乘同一輛座車前往會場。"
)
BODY_SIMPLIFIED = (
    "美国总统川普和俄罗斯总统蒲亭15日在阿拉斯加安克拉治的联合基地会面，聚焦俄乌战争停火展开磋商。"
    "白宫事前已淡化外界对立即达成停火协议的期待，称这是一次倾听之旅。"
    "两人在停机坪握手致意后搭乘同一辆座车前往会场。"
)
OTHER = (
    "台北股市今天早盤小幅開高，半導體類股走勢分歧，電子權值股表現疲弱，"
    "加權指數終場下跌42點，成交金額新台幣3120億元，外資賣超約75億元。"
)
THIRD = "氣象署預報，颱風外圍環流明天起影響北部及東北部地區，山區有局部大雨發生的機率，民眾外出應注意安全。"
AD = "我是廣告 請繼續往下閱讀"


def kinds_for(paragraphs):
    groups = find_repeats(paragraphs)
    return groups, {(m.id, m.n): g.kind for g in groups for m in g.members}


def test_normalisation_folds_script_width_case_space_and_punctuation():
    assert normalise_for_repeats("ＴＲＵＭＰ 說：「會面，很好！」") == "trump说会面很好"
    assert normalise_for_repeats("  ，。！  ") == ""


def test_seed_002_repeats_its_17_paragraphs_and_other_seeds_have_no_exact_repeat(seed_paragraphs):
    paragraphs = seed_paragraphs
    assert len({aid for aid, _, _ in paragraphs}) == 5
    groups = find_repeats(paragraphs)
    exact = [g for g in groups if g.kind == "exact"]
    repeated = [(g.members[0], later) for g in exact for later in g.members[1:]]
    assert len(repeated) == 17
    text = {(aid, n): t for aid, n, t in paragraphs}
    for first, later in repeated:
        assert first.id == later.id == DUPLICATED_SEED
        assert first.n < later.n  # the first copy leads its group
        assert normalise_for_repeats(text[(first.id, first.n)]) == normalise_for_repeats(text[(later.id, later.n)])
    for g in groups:
        if g.kind in ("exact", "boilerplate"):
            assert {m.id for m in g.members} == {DUPLICATED_SEED}


def test_traditional_paragraph_and_its_simplified_copy_are_exact():
    groups, kind = kinds_for([("a", 1, BODY), ("a", 2, OTHER), ("b", 1, BODY_SIMPLIFIED)])
    g = the_group(groups, "a", 1, "exact")
    assert g.members == [Member("a", 1), Member("b", 1)]
    assert g.similarity == 1.0
    assert ("a", 2) not in kind


def test_punctuation_and_width_only_differences_are_exact():
    variant = BODY.replace("，", ", ").replace("。", "．").replace("15", "１５")
    groups, kind = kinds_for([("a", 1, BODY), ("b", 1, variant)])
    assert kind == {("a", 1): "exact", ("b", 1): "exact"}


def test_source_tag_in_front_is_a_near_repeat():
    groups, kind = kinds_for([("a", 1, BODY), ("b", 3, "【綜合報道】" + BODY), ("c", 1, OTHER)])
    g = the_group(groups, "a", 1, "near")
    assert g.members == [Member("a", 1), Member("b", 3)]
    assert NEAR_THRESHOLD <= g.similarity < 1.0
    assert not groups_of(groups, "a", 1, "exact")
    assert ("c", 1) not in kind


def test_one_word_edit_in_a_long_paragraph_is_a_near_repeat():
    edited = BODY.replace("蒲亭", "普京", 1)
    assert edited != BODY
    groups, kind = kinds_for([("a", 1, BODY), ("b", 1, edited)])
    assert kind == {("a", 1): "near", ("b", 1): "near"}
    assert NEAR_THRESHOLD <= groups[0].similarity < 1.0


def test_unrelated_paragraphs_form_no_group():
    assert find_repeats([("a", 1, BODY), ("b", 1, OTHER), ("c", 1, THIRD)]) == []


def test_caption_repeating_one_sentence_of_the_body_is_a_partial_repeat():
    caption = "（圖／美聯社）兩人在停機坪握手致意後，搭乘同一輛座車前往會場"
    groups, kind = kinds_for([("a", 1, BODY), ("a", 2, caption), ("a", 3, THIRD)])
    g = the_group(groups, "a", 2, "partial")
    assert g.members == [Member("a", 1), Member("a", 2)]
    assert 0.5 < g.similarity <= 1.0
    assert ("a", 3) not in kind


def test_sharing_a_minority_of_sentences_is_not_a_partial_repeat():
    mostly_new = (
        "兩人在停機坪握手致意後搭乘同一輛座車前往會場。"
        "烏克蘭總統澤倫斯基並未受邀出席這場會談，歐洲各國領袖則在柏林舉行視訊會議，"
        "討論如何確保烏克蘭在任何停火安排中都能保有發言權，並要求美方事先與盟友充分協調。"
    )
    assert find_repeats([("a", 1, BODY), ("b", 1, mostly_new)]) == []


def test_advert_line_in_four_articles_is_boilerplate_not_exact():
    paragraphs = []
    for k, aid in enumerate("abcd"):
        paragraphs += [(aid, 1, f"第{k}篇報導的第一段，內容各不相同，編號{k * 7919}。"), (aid, 2, AD)]
    paragraphs.append(("e", 1, OTHER))
    groups = find_repeats(paragraphs)
    assert [g.kind for g in groups] == ["boilerplate"]
    assert groups[0].members == [Member(aid, 2) for aid in "abcd"]


def test_short_line_repeated_inside_one_article_is_exact_not_boilerplate():
    groups, kind = kinds_for([("a", 1, "會面目的"), ("a", 2, BODY), ("a", 3, "會面目的")])
    assert kind == {("a", 1): "exact", ("a", 3): "exact"}


def test_empty_and_punctuation_only_paragraphs_are_never_repeats():
    assert find_repeats([("a", 1, "……"), ("a", 2, "——"), ("b", 1, "……"), ("c", 1, " ")]) == []


def test_groups_list_every_member_in_reading_order_largest_first():
    paragraphs = [
        ("x", 1, OTHER),
        ("x", 2, BODY),
        ("y", 1, THIRD),
        ("y", 2, BODY_SIMPLIFIED),
        ("z", 5, OTHER.replace("，", "")),
        ("z", 6, BODY + " "),
    ]
    groups = find_repeats(paragraphs)
    assert [(g.kind, g.members) for g in groups] == [
        ("exact", [Member("x", 2), Member("y", 2), Member("z", 6)]),
        ("exact", [Member("x", 1), Member("z", 5)]),
    ]
    assert groups[0].to_json() == {
        "kind": "exact",
        "similarity": 1.0,
        "count": 3,
        "members": [{"id": "x", "n": 2}, {"id": "y", "n": 2}, {"id": "z", "n": 6}],
    }
    assert isinstance(groups[1], Group)


def test_passage_index_prefers_the_exact_group_of_a_paragraph():
    edited = BODY.replace("蒲亭", "普京", 1)
    groups = find_repeats([("a", 1, BODY), ("b", 1, BODY), ("c", 1, edited), ("d", 1, THIRD)])
    assert sorted(g.kind for g in groups) == ["exact", "near"]
    index = passage_index(groups)
    assert index[("a", 1)].kind == "exact"  # a#1 is in both groups
    assert index[("b", 1)].kind == "exact"
    assert index[("c", 1)].kind == "near"
    assert Member("a", 1) in index[("c", 1)].members
    assert ("d", 1) not in index


def test_output_does_not_depend_on_run(seed_paragraphs):
    paragraphs = seed_paragraphs + [("a", 1, BODY), ("b", 1, "【綜合報道】" + BODY)]
    first = [g.to_json() for g in find_repeats(paragraphs)]
    assert first == [g.to_json() for g in find_repeats(iter(paragraphs))]


@pytest.mark.parametrize("copies", [2, 5])
def test_near_group_members_all_know_each_other(copies):
    variants = [BODY.replace("15日", f"{10 + k}日") for k in range(copies)]
    groups = find_repeats([(f"n{k}", 1, v) for k, v in enumerate(variants)])
    assert len(groups) == 1 and groups[0].kind == "near"
    assert groups[0].members == [Member(f"n{k}", 1) for k in range(copies)]
