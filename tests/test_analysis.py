from searcher.analysis import gram_analyzer, word_analyzer
from searcher.normalize import simplify


def toks(an, text):
    return [(t.text, t.pos, t.startchar, t.endchar) for t in an(text, positions=True, chars=True)]


def test_simplify_keeps_length_and_converts_scripts():
    s = "烏克蘭總統（Ｚｅｌｅｎｓｋｙ）２０２５年，衞生"
    out = simplify(s)
    assert len(out) == len(s)
    assert out.startswith("乌克兰总统") and "Zelensky" in out and "2025" in out and out.endswith("卫生")


def test_word_offsets_point_into_the_original_text():
    text = "烏克蘭總統澤連斯基（Volodymyr ZELENSKY）說話了"
    for word, pos, a, b in toks(word_analyzer(), text):
        assert simplify(text[a:b]).lower() == word
    words = [w for w, *_ in toks(word_analyzer(), text)]
    assert "乌克兰" in words and "总统" in words and "zelensky" in words
    assert "了" not in words  # particles are stop words


def test_positions_are_ordinals_not_character_offsets():
    ps = [p for _, p, _, _ in toks(word_analyzer(), "美國總統特朗普和俄羅斯總統普京會面")]
    assert ps == sorted(ps) and ps[-1] < 10 and len(set(ps)) == len(ps)


def test_full_width_latin_and_digits_fold():
    words = [w for w, *_ in toks(word_analyzer(), "ＡＰＥＣ峰會在２０２５年")]
    assert "apec" in words and "2025" in words


def test_grams_are_consecutive_bigrams_with_original_offsets():
    text = "普京（右）與特朗普"
    grams = toks(gram_analyzer(), text)
    bigrams = [(g, p) for g, p, a, b in grams if len(g) == 2]
    assert bigrams == [("普京", 0), ("与特", 4), ("特朗", 5), ("朗普", 6)]  # punctuation leaves a gap
    for g, p, a, b in grams:
        assert simplify(text[a:b]) == g


def test_same_tokens_for_traditional_and_simplified():
    a = [w for w, *_ in toks(word_analyzer(), "烏克蘭軍隊撤出頓巴斯")]
    b = [w for w, *_ in toks(word_analyzer(), "乌克兰军队撤出顿巴斯")]
    assert a == b
