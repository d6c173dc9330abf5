"""The names package's ``Corpus`` protocol answered by the cluster.

Vocabulary words live in ``word`` documents (written when a paragraph first brought them,
never removed) with their pinyin and sound keys; whether a word is in the index *now* is
its document frequency over the visible paragraphs (0: gone).  Literal frequencies and
sample paragraphs are phrase queries, exactly as the embedded engine runs them.
"""
from __future__ import annotations

from ...names.keys import HAN_RE
from ...normalize import simplify
from ...postings import tokens
from ...query import Literal
from . import dsl
from .docs import token

WORD = {"term": {"kind": "word"}}


class ClusterCorpus:
    def __init__(self, reader):
        self.r = reader
        self._freq: dict[str, int] = {}

    def paragraph_count(self) -> int:
        return self.r.collection()["n"]

    def _literal(self, text: str):
        seq = tokens(text)
        return Literal(text, [seq], []) if seq else None

    def word_freq(self, word: str) -> int:
        k = simplify(word).lower()
        hit = self._freq.get(k)
        if hit is None:
            lit = self._literal(word)
            hit = self.r.df_many([("lit", lit)])[("lit", lit.text, repr(lit.sequences))] if lit else 0
            self._freq[k] = hit
        return hit

    def _words(self, field: str, key: str) -> list[tuple[str, int]]:
        r = self.r.search({"size": 1000, "_source": ["word"], "query": {"bool": {"filter": [
            WORD, {"term": {field: key}}]}}})
        words = sorted({h["_source"]["word"] for h in r["hits"]["hits"]})
        dfs = self.r.df_many([("word", w) for w in words])
        return [(w, dfs[("word", w)]) for w in words if dfs[("word", w)] > 0]

    def words_for_pinyin(self, key: str) -> list[tuple[str, int]]:
        return self._words("pinyin", key)

    def words_for_sound(self, key: str) -> list[tuple[str, int]]:
        return self._words("sound", key)

    def sample_paragraphs(self, text: str, limit: int = 50):
        lit = self._literal(text)
        if lit is None:
            return []
        body = {"size": limit, "_source": ["article", "n", "date", "text"], "track_total_hits": False,
                "sort": [{"article": "asc"}, {"n": "asc"}],
                "query": {"bool": {"filter": [dsl.PARAGRAPH, *self.r.vis, dsl.literal_query(lit)]}}}
        return [(h["_source"]["article"], int(h["_source"]["n"]), h["_source"].get("date") or None,
                 h["_source"]["text"]) for h in self.r.search(body)["hits"]["hits"]]

    def held_words(self, words) -> set[str]:
        """Which of these words the vocabulary has ever held (cheap: one terms query per 5000)."""
        out = set()
        words = list(words)
        by_token = {token(w): w for w in words}
        keys = list(by_token)
        for i in range(0, len(keys), 5000):
            part = keys[i:i + 5000]
            r = self.r.search({"size": len(part), "_source": ["word"], "track_total_hits": False,
                               "query": {"bool": {"filter": [WORD, {"terms": {"word": part}}]}}})
            out.update(by_token[h["_source"]["word"]] for h in r["hits"]["hits"])
        return out

    def vocabulary(self):
        words = [h["_source"]["word"] for h in self.r.scan([], ["word"], sort=[{"word": "asc"}], kind=WORD,
                                                            visible_only=False)]
        words = [w for w in words if len(w) >= 2 and all(HAN_RE.match(c) for c in w)]
        out = []
        for i in range(0, len(words), 500):
            part = words[i:i + 500]
            dfs = self.r.df_many([("word", w) for w in part])
            out += [(w, dfs[("word", w)]) for w in part if dfs[("word", w)] > 0]
        return out
