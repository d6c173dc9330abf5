"""The posting arrays: the vectorised builder against the per-paragraph reference,
and the position scheme that makes phrase search exact."""
import os

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from searcher import postings as P

ALPHABET = list("美國總統特朗普中华民國普京俄罗斯abcXYZ019 ，。、-_\n\t（）Ⅻ①한ＡＢ") + ["\U00020001", "\u3007"]


def decoded(g: P.GramArrays) -> dict[int, set]:
    """{document: {(term, position within the document)}} from the arrays."""

    def term(k):
        k = int(k)
        if k >= P.TOKEN_BASE:
            return g.vocab[k - P.TOKEN_BASE]
        if k >= 1 << 21:
            return chr(k >> 21) + chr(k & ((1 << 21) - 1))
        return chr(k)

    out: dict[int, set] = {}
    for i, k in enumerate(g.keys):
        t = term(k)
        for j in range(g.offsets[i], g.offsets[i + 1]):
            d = int(g.doc[j])
            out.setdefault(d, set()).add((t, int(g.pos[j]) - int(g.first_pos[d])))
    return out


def check(texts, pack=True):
    g = P.build_grams(texts, pack=pack)
    got = decoded(g)
    for d, text in enumerate(texts):
        assert got.get(d, set()) == set(P.index_tokens(text)), text
    # positions of different paragraphs never touch: a phrase cannot span two
    ends = [max((p for _, p in P.index_tokens(t)), default=-1) + int(g.first_pos[d]) for d, t in enumerate(texts)]
    for d in range(len(texts) - 1):
        if any(P.index_tokens(texts[d + 1])) and any(P.index_tokens(texts[d])):
            assert int(g.first_pos[d + 1]) >= ends[d] + 2
    assert list(g.uni_len) == [sum(1 for t, _ in P.index_tokens(x) if P.han_key(t) and len(t) == 1)
                               for x in texts]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(st.sampled_from(ALPHABET), max_size=40), min_size=1, max_size=8))
def test_vectorised_builder_equals_reference(texts):
    check(texts)
    check(texts, pack=False)  # the path for corpora whose term ids or positions overflow 32 bits


def test_builder_on_the_seeds(seed_paragraphs):
    texts = [t for _, _, t in seed_paragraphs]
    check(texts)
    a, b = P.build_grams(texts), P.build_grams(texts, pack=False)
    for x, y in zip((a.keys, a.offsets, a.pos, a.doc, a.df, a.doffsets, a.ddoc, a.dtf),
                    (b.keys, b.offsets, b.pos, b.doc, b.df, b.doffsets, b.ddoc, b.dtf)):
        assert np.array_equal(x, y)
    assert list(a.df) == [len(set(a.doc[a.offsets[i]:a.offsets[i + 1]])) for i in range(len(a.keys))]
    for i in range(len(a.keys)):  # each term's documents, with how often the term occurs in each
        docs = a.doc[a.offsets[i]:a.offsets[i + 1]].tolist()
        expect = sorted((d, docs.count(d)) for d in set(docs))
        assert list(zip(a.ddoc[a.doffsets[i]:a.doffsets[i + 1]].tolist(),
                        a.dtf[a.doffsets[i]:a.doffsets[i + 1]].tolist())) == expect


def test_query_tokens_follow_the_index_positions():
    # punctuation splits a query into chunks; a one-character run is its unigram
    assert P.tokens("普京（右）與特朗普") == [[("普京", 0)], [("右", 0)], [("与特", 0), ("特朗", 1), ("朗普", 2)]]
    # Latin and Han runs without punctuation between them are one phrase
    assert P.tokens("F16戰機 Donald  Trump") == [[("f16", 0), ("战机", 1), ("donald", 3), ("trump", 4)]]
    idx = dict(P.index_tokens("殲-20與F16戰機 Donald Trump"))
    assert idx["f16"] + 1 == idx["战机"] and idx["donald"] + 1 == idx["trump"]
    assert idx["f16"] == idx["与"] + 1  # no gap: no punctuation between 與 and F16


def test_word_postings_list_each_document_of_a_term_in_order():
    docs = [{"美国": 2, "总统": 1}, {"普京": 1}, {}, {"总统": 3, "trump": 1}]
    col = P.WordCollector()
    for c in docs:
        col.add(c)
    w = col.arrays()
    assert sorted(w.vocab) == sorted({"美国", "总统", "普京", "trump"})
    for term in w.vocab:
        i = w.vocab.index(term)
        got = list(zip(w.doc[w.offsets[i]:w.offsets[i + 1]].tolist(), w.tf[w.offsets[i]:w.offsets[i + 1]].tolist()))
        assert got == [(d, c[term]) for d, c in enumerate(docs) if term in c], term
    assert list(w.length) == [3, 1, 0, 4]
