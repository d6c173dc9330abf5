"""Ranking: BM25 with the Robertson/Lucene idf, and the few constants of the ranker.

Whoosh's default idf, ``log(N / (df + 1)) + 1``, keeps very common terms close
to rare ones (the ``+ 1``); over character bigrams that lets frequent bigrams
drown the telling ones.  ``log(1 + (N - df + 0.5) / (df + 0.5))`` is the idf of
the BM25 literature and of Lucene.  K1 and B are in the usual range; measured on
the DRCD dev questions (bench/run.py): MRR@10 0.946 with Whoosh's defaults,
0.952 with this.

For ``op=or`` the question's single Han characters are terms too, weighted like
words and bigrams (MRR@10 0.952 -> 0.957; half weight 0.955, 1.5x 0.956;
``python bench/drcd.py UNIGRAM_WEIGHT=0 ...``): bigrams miss a question that
words a name or term differently, characters do not.

Term proximity (op=or): BM25 counts a question's terms wherever they are in the
paragraph; the paragraph that answers a question usually says it in one
sentence, with the question's characters close together.  Each of the
PROXIMITY_CANDIDATES best paragraphs by BM25 gains PROXIMITY_WEIGHT times the
idf sum of the distinct question characters (and digit/Latin tokens) in its best
window of PROXIMITY_WINDOW positions (a "best passage" score, Callan 1994; the
window starts at every occurrence).  Chosen on half A of the DRCD dev questions
(sha1 of the id, even), checked on half B: MRR@10 A 0.954 -> 0.966, B 0.960 ->
0.967 (``python bench/drcd.py PROXIMITY_WEIGHT=0 ""``).  Weights 4-6 and windows
20-40 are within 0.001 of each other on A; characters only (no words: the
question's segmentation need not be the passage's).

Titles (op=or): a paragraph's article title is a second field of every bigram
and character term, BM25F-style (Robertson, Zaragoza & Taylor 2004): the term's
length-normalised frequency in the title, times TITLE_WEIGHT, joins its
frequency in the paragraph before saturation (same idf).  It re-scores the
TITLE_CANDIDATES best paragraphs by BM25, so it only reorders.  TITLE_WEIGHT is
1, not fitted: a title is shared by every paragraph of its article, so a word
there counts as one more occurrence in the paragraph, no more (at 2 and above a
paragraph under a matching title outranks one that says both words of the
question, tests/test_search.py).  On DRCD (``python bench/drcd.py TITLE_WEIGHT=0
""``), with proximity: A 0.9662 -> 0.9672, B 0.9671 -> 0.9680 (paired: 5 and 7
questions better, 0 and 2 worse); weights 3-6 reach 0.968 on A.
"""
from __future__ import annotations

import math

K1 = 0.9
B = 0.9
OR_MAX_DF = 0.2  # op=or: terms in more than this share of paragraphs are left out (idf near 0)
UNIGRAM_WEIGHT = 1.0  # op=or: weight of single Han characters beside words and bigrams
PROXIMITY_WEIGHT = 5.0  # op=or: weight of the best window's idf sum beside BM25 (0: off)
PROXIMITY_WINDOW = 30  # op=or: positions (about characters) a window spans
PROXIMITY_CANDIDATES = 100  # op=or: windows are looked for in the best documents by BM25 (ties kept)
TITLE_WEIGHT = 1.0  # op=or: a gram in the article's title counts as this many in the paragraph (BM25F; 0: off)
TITLE_CANDIDATES = 100  # op=or: titles re-score the best documents by BM25 (ties kept)


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
