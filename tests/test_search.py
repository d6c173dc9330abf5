import random

import pytest

from searcher.normalize import simplify
from searcher.query import QueryError
from searcher.search import SearchParams, matching_paragraphs, search

ALL = {"000_ebdd4def08ac33a7", "001_06dbe85fdc79fd73", "002_3caf9e9192dc43da",
       "003_430c5582b9119b3b", "004_6341f3f655f86c6f"}


def run(s, q, **kw):
    return search(s, SearchParams(q=q, **kw), variants=False)


def norm(t):
    return simplify(t).lower()


def paragraphs_containing(seed_texts, needle):
    n = norm(needle)
    return {(aid, i) for aid, ps in seed_texts.items() for i, p in enumerate(ps, 1) if n in norm(p)}


def test_alaska_returns_all_five_articles(searcher):
    r = run(searcher, "阿拉斯加", limit=10)
    assert r.total == 5 and {x.id for x in r.results} == ALL
    for x in r.results:
        assert 1 <= len(x.passages) <= 3
        assert all("<mark>阿拉斯加</mark>" in p.html for p in x.passages)


def test_simplified_query_finds_traditional_passages(searcher, seed_texts):
    got = matching_paragraphs(searcher, "乌克兰")
    assert got == paragraphs_containing(seed_texts, "烏克蘭") and got
    r = run(searcher, "乌克兰")
    assert "<mark>烏克蘭</mark>" in r.results[0].passages[0].html  # marked in the article's own script


def test_phrase_returns_exactly_the_passages_containing_it(searcher, seed_texts):
    for phrase in ["烏克蘭總統", "美國總統特朗普", "Donald Trump"]:
        got = matching_paragraphs(searcher, f'"{phrase}"')
        assert got == paragraphs_containing(seed_texts, phrase), phrase


def test_word_in_no_article_returns_nothing(searcher):
    r = run(searcher, "量子電腦")
    assert r.total == 0 and r.results == []


def test_and_or_not(searcher, seed_texts):
    both = matching_paragraphs(searcher, "普京 拉夫羅夫")
    assert both == paragraphs_containing(seed_texts, "普京") & paragraphs_containing(seed_texts, "拉夫羅夫")
    either = matching_paragraphs(searcher, "蒲亭 OR 拉夫羅夫")
    assert either == paragraphs_containing(seed_texts, "蒲亭") | paragraphs_containing(seed_texts, "拉夫羅夫")
    for q in ("普京 -特朗普", "普京 NOT 特朗普"):
        assert matching_paragraphs(searcher, q) == (
            paragraphs_containing(seed_texts, "普京") - paragraphs_containing(seed_texts, "特朗普"))


def test_literal_recall_and_precision_on_random_substrings(searcher, seed_texts):
    """Any run of 2+ Han characters finds its paragraph, and only paragraphs containing it."""
    rng = random.Random(7)
    import re
    runs = [(aid, n, m.group()) for aid, ps in seed_texts.items() for n, p in enumerate(ps, 1)
            for m in re.finditer(r"[\u4e00-\u9fff]{2,}", p)]
    for _ in range(300):
        aid, n, run_ = rng.choice(runs)
        k = rng.randint(2, min(8, len(run_)))
        i = rng.randint(0, len(run_) - k)
        needle = run_[i:i + k]
        got = matching_paragraphs(searcher, needle)
        assert (aid, n) in got, needle
        assert got == paragraphs_containing(seed_texts, needle), needle


def test_op_or_matches_any_word_and_ranks_the_best(searcher):
    r = run(searcher, "拉夫羅夫 量子電腦 魯比奧", op="or")
    assert r.total >= 1
    assert "拉夫羅夫" in r.results[0].passages[0].html or "魯比奧" in r.results[0].passages[0].html


def test_date_filter_and_sort(searcher):
    r = run(searcher, "阿拉斯加", date_from="2025-08-15", date_to="2025-08-31")
    assert {x.date for x in r.results} == {"2025-08-15", "2025-08-16"}
    newest = run(searcher, "阿拉斯加", sort="date")
    dates = [x.date for x in newest.results if x.date]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2025-09-30"
    oldest = run(searcher, "阿拉斯加", sort="-date")
    assert [x.date for x in oldest.results if x.date][0] == "2025-08-14"


def test_pagination(searcher):
    p1 = run(searcher, "阿拉斯加", limit=2, page=1)
    p2 = run(searcher, "阿拉斯加", limit=2, page=2)
    p3 = run(searcher, "阿拉斯加", limit=2, page=3)
    ids = [x.id for x in p1.results + p2.results + p3.results]
    assert len(ids) == 5 and set(ids) == ALL and p1.total == 5 and p1.pages == 3


def test_json_shape(searcher):
    j = run(searcher, "普京").to_json()
    assert set(j) >= {"query", "total", "page", "results"}
    r0 = j["results"][0]
    assert set(r0) >= {"id", "title", "date", "score", "passages"}
    assert set(r0["passages"][0]) >= {"n", "html"}


@pytest.mark.parametrize("q", ["", "   ", "的", "-普京", "OR", '""', "，。"])
def test_queries_with_nothing_to_search_explain_why(searcher, q):
    with pytest.raises(QueryError) as e:
        run(searcher, q)
    assert str(e.value)


def test_html_in_text_is_escaped(searcher):
    r = run(searcher, '普京 "<b>"')  # the query's markup never becomes markup
    for x in r.results:
        for p in x.passages:
            assert "<b>" not in p.html


def test_single_characters_and_latin_words_match_exactly(searcher, seed_texts):
    for q in ["峰", "烏", "戰", "Trump", "2025"]:
        got = matching_paragraphs(searcher, q)
        want = paragraphs_containing(seed_texts, q)
        if q.isascii():  # Latin and digit runs match as whole tokens, not inside longer ones
            import re
            letter = r"(?![\u3400-\u9fff])[^\W_]"  # a letter or digit that is not Han
            want = {(a, n) for a, ps in seed_texts.items() for n, p in enumerate(ps, 1)
                    if re.search(rf"(?<!{letter}){q.lower()}(?!{letter})", norm(p))}
        assert got == want and got, q


def test_a_phrase_never_spans_two_paragraphs(searcher, seed_texts):
    import re
    tried = 0
    for aid, ps in seed_texts.items():
        for i in range(len(ps) - 1):
            end = re.findall(r"[\u4e00-\u9fff]{2}$", ps[i])
            start = re.findall(r"^[\u4e00-\u9fff]{2}", ps[i + 1])
            if end and start:
                needle = end[0] + start[0]
                tried += 1
                assert matching_paragraphs(searcher, f'"{needle}"') == paragraphs_containing(seed_texts, needle)
    assert tried >= 3


def test_ranking_prefers_more_and_rarer_matches(searcher):
    r = run(searcher, "澤連斯基 阿拉斯加", op="or", limit=10)
    best = r.results[0].passages[0].html
    assert "澤連斯基" in best and "阿拉斯加" in best  # both words beat either alone
    scores = [x.score for x in r.results]
    assert scores == sorted(scores, reverse=True)


def test_op_or_with_only_common_terms_keeps_them(searcher, seed_texts):
    # 普 is in more paragraphs than the share op=or leaves out beside rarer terms
    assert matching_paragraphs(searcher, "普", op="or") == paragraphs_containing(seed_texts, "普")
    assert len(paragraphs_containing(seed_texts, "普")) > 0.2 * sum(len(ps) for ps in seed_texts.values())
