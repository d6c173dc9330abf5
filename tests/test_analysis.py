from searcher.analysis import word_analyzer
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


def test_same_tokens_for_traditional_and_simplified():
    a = [w for w, *_ in toks(word_analyzer(), "烏克蘭軍隊撤出頓巴斯")]
    b = [w for w, *_ in toks(word_analyzer(), "乌克兰军队撤出顿巴斯")]
    assert a == b


def test_segmenter_cuts_exactly_like_jieba():
    """rjieba (jieba-rs) is used for speed; it must give jieba's own words, registered names included."""
    import glob
    import logging
    import os

    import jieba

    from searcher.analysis import Dictionary, runs

    jieba.setLogLevel(logging.WARNING)
    ref = jieba.Tokenizer()
    ref.initialize()
    d = Dictionary(["澤連斯基", "蒲亭", "安克拉治", "埃爾門多夫"])
    for w in d.words:  # the order a Dictionary registers them in
        ref.add_word(w)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = sorted(glob.glob(os.path.join(root, "seeds", "*.txt")))
    seg = os.path.join(root, "..", "shared", "eval", "segmentation", "dev_input.utf8")
    files += [seg] if os.path.exists(seg) else []
    texts = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            texts.append(fh.read())
    n = 0
    for text in texts:
        s = simplify(text)
        for is_han, a, b in runs(s):
            if is_han:
                n += 1
                assert d.cut(s[a:b], True) == list(ref.cut(s[a:b], HMM=True)), s[a:b]
    assert n > 1000


def test_fast_index_path_gives_the_analyzers_terms():
    """schema.FastText skips Whoosh's token pipeline; its terms must be the analyzer's own."""
    import glob
    import os

    from searcher.analysis import word_counts

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    texts = ["美國總統特朗普（Donald Trump，右）與烏克蘭總統在B-2轟炸機旁，２０２５年。", "的了", "",
             "Ｆ-35 ＡＢＣ abc", "普京（右）與特朗普"]
    for f in sorted(glob.glob(os.path.join(root, "seeds", "*.txt"))):
        with open(f, encoding="utf-8") as fh:
            texts += fh.read().split("\n")
    from searcher.analysis import Dictionary

    d = Dictionary(["澤連斯基", "特朗普"])
    wa = word_analyzer(d)
    for text in texts:
        counts = {}
        for t in wa(text):
            counts[t.text] = counts.get(t.text, 0) + 1
        assert word_counts(text, d) == counts, text
