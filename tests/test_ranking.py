"""op=or ranking: term proximity and title matches (searcher.ranking, searcher.match)."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from searcher import match
from searcher.engine import open_engine
from searcher.engine.embedded import accel
from searcher.engine.embedded.layout import SETTINGS, read_settings
from searcher.engine.embedded.schema import SCHEMA_VERSION
from searcher.ingest import Article
from searcher.postings import han_key
from searcher.search import SearchParams, search

# Two-character words that share no character with the query words below.
FILLER = ("今天 我們 學校 電腦 朋友 音樂 早上 晚餐 公園 汽車 窗戶 桌子 衣服 鞋子 雨傘 書包 "
          "鉛筆 蘋果 香蕉 牛奶 麵包 雞蛋 咖啡 茶葉 花園 小狗 小貓 草地 河流 森林 城市 鄉村").split()
QUERY = ["火山", "冰川", "地熱"]
UNRELATED = [Article(f"z-{i}", f"雜記{i}", None, [f"第{i}篇隨筆，談{w}與{v}。"])
             for i, (w, v) in enumerate(zip(FILLER[::2], FILLER[1::2]))]


def corpus_file(path, articles) -> str:
    with open(path, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({"id": a.id, "title": a.title, "date": a.date, "paragraphs": a.paragraphs},
                               ensure_ascii=False) + "\n")
    return str(path)


def build(tmp_path, articles, name="ix"):
    eng = open_engine(str(tmp_path / name))
    eng.build([corpus_file(tmp_path / f"{name}.jsonl", articles)], progress=False, summarize_repeats=False)
    return eng.reader()


def ranked(reader, q, **kw):
    res = search(reader, SearchParams(q=q, op="or", limit=20, **kw), variants=False)
    return [(r.id, r.score) for r in res.results]


def close_and_scattered():
    """Two paragraphs made of the same words (same characters, lengths, words, punctuation),
    the question's three words together in one and 12 words apart in the other."""
    close = "，".join(QUERY + FILLER[:24]) + "。"
    scattered = "，".join([QUERY[0]] + FILLER[:12] + [QUERY[1]] + FILLER[12:24] + [QUERY[2]]) + "。"
    # ids: without proximity the tie goes to the scattered one (the lower id)
    return [Article("a-scattered", "筆記", None, [scattered]), Article("b-close", "筆記", None, [close])]


def test_question_words_close_together_outrank_the_same_words_scattered(tmp_path, monkeypatch):
    reader = build(tmp_path, close_and_scattered() + UNRELATED)
    q = "火山 冰川 地熱在哪裡"
    got = ranked(reader, q)
    assert [i for i, _ in got[:2]] == ["b-close", "a-scattered"]
    assert got[0][1] > got[1][1]
    monkeypatch.setattr(match, "PROXIMITY_WEIGHT", 0.0)
    off = dict(ranked(reader, q))
    assert off["b-close"] == off["a-scattered"]  # all else equal: BM25 alone cannot tell them apart


def test_proximity_counts_distinct_words_in_one_window(tmp_path):
    """Repeating one question word close to itself earns nothing: only distinct words in a window count."""
    words = FILLER[:24]
    repeated = "，".join([QUERY[0]] * 3 + words) + "。"  # 火山 three times together
    spread = "，".join([QUERY[0]] + words[:12] + [QUERY[0]] + words[12:] + [QUERY[0]]) + "。"
    reader = build(tmp_path, [Article("a-spread", "筆記", None, [spread]),
                              Article("b-repeated", "筆記", None, [repeated])] + UNRELATED)
    got = dict(ranked(reader, "火山 冰川"))
    assert got["a-spread"] == got["b-repeated"]


def test_proximity_is_scored_on_the_best_paragraphs_whatever_the_ties(tmp_path, monkeypatch):
    """With one candidate, every paragraph tied with it is scored too (no dependence on
    document numbers)."""
    reader = build(tmp_path, close_and_scattered() + UNRELATED)
    monkeypatch.setattr(match, "PROXIMITY_CANDIDATES", 1)
    got = ranked(reader, "火山 冰川 地熱在哪裡")
    assert [i for i, _ in got[:2]] == ["b-close", "a-scattered"]


def titled_pair():
    """Two articles whose paragraphs match the question equally (same words, same
    lengths); one's title holds a question word."""
    p1 = "，".join([QUERY[0], "噴發"] + FILLER[:10]) + "。"
    p2 = "，".join([QUERY[0], "噴發"] + FILLER[10:20]) + "。"
    return [Article("a-plain", "週末雜記", None, [p2]), Article("b-titled", "火山觀測站", None, [p1])]


def test_a_title_match_lifts_its_article(tmp_path, monkeypatch):
    reader = build(tmp_path, titled_pair() + UNRELATED)
    q = "火山 噴發是什麼"
    got = ranked(reader, q)
    assert [i for i, _ in got[:2]] == ["b-titled", "a-plain"]
    assert got[0][1] > got[1][1]
    monkeypatch.setattr(match, "TITLE_WEIGHT", 0.0)
    off = dict(ranked(reader, q))
    assert off["b-titled"] == off["a-plain"]  # the paragraphs alone score the same


def test_a_title_match_is_saturated_not_a_trump_card(tmp_path):
    """A paragraph that says what is asked beats one that only sits under a matching title."""
    answer = "，".join(["火山", "噴發", "岩漿", "地震"] + FILLER[:8]) + "。"
    other = "，".join(["火山"] + FILLER[8:19]) + "。"
    reader = build(tmp_path, [Article("a-answer", "週末雜記", None, [answer]),
                              Article("b-titled", "火山噴發岩漿地震", None, [other])] + UNRELATED)
    assert ranked(reader, "火山 噴發 岩漿 地震")[0][0] == "a-answer"


def test_and_queries_ignore_titles(tmp_path):
    """Title postings serve op=or ranking only: op=and matches paragraph text, as before."""
    reader = build(tmp_path, titled_pair() + UNRELATED)
    res = search(reader, SearchParams(q="觀測站"), variants=False)
    assert res.total == 0


def test_title_postings_match_the_titles():
    titles = ["火山觀測站", "", "COVID-19 疫情", "火山火山", "週末雜記"]
    t = accel.title_postings(titles)
    keys, off, arts, tf = t["title.keys"], t["title.offsets"], t["title.art"], t["title.tf"]
    assert np.all(np.diff(keys.astype(np.float64)) > 0) and off[-1] == len(arts) == len(tf)
    got = {}
    for i, k in enumerate(keys.tolist()):
        for j in range(off[i], off[i + 1]):
            got[(k, int(arts[j]))] = int(tf[j])
    want = {}
    for a, title in enumerate(titles):
        from searcher.postings import index_tokens

        for tok, _ in index_tokens(title):
            want[(accel.title_key(tok), a)] = want.get((accel.title_key(tok), a), 0) + 1
    assert got == want
    assert got[(han_key("火山"), 3)] == 2 and got[(accel.title_key("covid"), 2)] == 1
    assert t["art.title_uni_len"].tolist() == [5, 0, 2, 4, 4]
    assert t["art.title_gram_len"].tolist() == [4, 0, 3, 3, 3]  # bigrams, and covid / 19


def test_title_and_proximity_answer_like_a_full_build_after_changes(tmp_path):
    """Replacing an article (with a new title), deleting one and merging answer exactly as a
    fresh build of the same articles: statistics are over live paragraphs only."""
    base = close_and_scattered() + titled_pair() + UNRELATED
    eng = open_engine(str(tmp_path / "living"))
    eng.build([corpus_file(tmp_path / "living.jsonl", base)], progress=False, summarize_repeats=False)
    renamed = Article("a-plain", "火山噴發紀錄", None, titled_pair()[0].paragraphs + ["冰川，地熱，火山。"])
    eng.change([renamed], ["z-3"])
    eng.change([Article("c-new", "地熱發電", None, ["地熱，火山，冰川，今天。"])], [])
    final = [a for a in base if a.id not in ("a-plain", "z-3")] + [renamed,
                                                                  Article("c-new", "地熱發電", None,
                                                                          ["地熱，火山，冰川，今天。"])]
    fresh = build(tmp_path, sorted(final, key=lambda a: a.id), name="fresh")
    queries = ["火山 冰川 地熱在哪裡", "火山 噴發是什麼", "地熱 發電", "觀測站 紀錄"]
    for q in queries:
        assert ranked(eng.reader(), q) == ranked(fresh, q), q
    eng.merge()
    for q in queries:
        assert ranked(eng.reader(), q) == ranked(fresh, q), q


def test_a_full_build_over_an_older_index_records_the_current_format(tmp_path):
    reader = build(tmp_path, UNRELATED)
    folder = reader.snap.index_dir
    with open(os.path.join(folder, SETTINGS), "w", encoding="utf-8") as f:  # as an older version left it
        json.dump({**read_settings(folder), "schema_version": SCHEMA_VERSION - 1}, f)
    assert open_engine(folder).outdated() is not None
    open_engine(folder).build([str(tmp_path / "ix.jsonl")], progress=False, summarize_repeats=False)
    assert read_settings(folder)["schema_version"] == SCHEMA_VERSION
    assert open_engine(folder).outdated() is None


@pytest.mark.parametrize("lever", ["PROXIMITY_WEIGHT", "TITLE_WEIGHT"])
def test_levers_only_reorder_what_the_paragraphs_match(tmp_path, monkeypatch, lever):
    """A paragraph matches op=or by its own text: proximity and titles only reorder."""
    only_title = Article("c-title-only", "火山冰川", None, ["今天，我們，學校。"])
    reader = build(tmp_path, close_and_scattered() + titled_pair() + [only_title] + UNRELATED)
    on = {i for i, _ in ranked(reader, "火山 冰川 噴發")}
    assert "c-title-only" not in on and {"a-scattered", "b-close", "a-plain", "b-titled"} <= on
    monkeypatch.setattr(match, lever, 0.0)
    assert {i for i, _ in ranked(reader, "火山 冰川 噴發")} == on
