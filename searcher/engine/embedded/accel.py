"""One Whoosh segment's accelerator: the arrays queries, repeats and names read.

A segment's accelerator is a column folder (``engine.store``) named after the
Whoosh segment id, under ``accel/`` in the index folder.  It is derived from the
segment's documents (``build``), and rebuilt from Whoosh's stored fields when
segments are merged (``rebuild_from_whoosh``), so the index of record stays
Whoosh and the accelerator can always be recomputed from it.

Documents are numbered as in the Whoosh segment; ``doc.whoosh`` is that mapping
made explicit (accelerator document i is Whoosh document ``doc.whoosh[i]`` of
the segment), and every merge checks it against Whoosh's stored keys.

What a folder holds:

* ``grams.*`` positional gram postings and ``words.*`` jieba word postings
  (``postings``), with their vocabularies as string columns;
* ``doc.*`` per paragraph: paragraph number, date, article row, gram positions
  and lengths for BM25, repeat class and normalised length;
* ``art.*`` per article (contiguous documents): id (hash-indexed), first
  document, number of documents, outlet, and the title's gram lengths
  (unigrams; bigrams and other tokens);
* ``title.*`` the article titles' gram tokens (Han characters, bigrams, other
  tokens keyed by ``title_key``) with their frequency, per article;
* ``cls.*`` the repeat signatures of its distinct classes (``repeats.signatures``)
  and ``edges.*`` the near edges it brought (``repeats.near``);
* ``mined.*`` name pairs mined from its paragraphs (``names``).

``edges.*`` is written last: a folder without it is not finished and is never
part of a commit.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from ... import postings as pst
from ...analysis import Dictionary, word_counts
from ...arrays import unique
from ...repeats import signatures as sig
from ..base import Paragraph
from ..store import Strings, hash64, load_array, save_arrays, save_strings

FORMAT = 4  # 2: title postings; 3: gram document postings; 4: mined pairs' derived surnames and checks
META = "meta.json"
DONE = "edges.src"  # the last array written


class OutdatedIndex(FileNotFoundError):
    """An index written by another version; the message says how to rebuild it."""


@dataclass
class DocRow(Paragraph):
    """One paragraph as a segment stores it."""

    def stored(self) -> dict:
        return {"key": f"{self.article}#{self.n}", "article": self.article, "n": self.n, "title": self.title,
                "date": self.date or "", "text": self.text, "source": self.source, "url": self.url,
                "author": self.author}

    @classmethod
    def from_stored(cls, f: dict) -> "DocRow":
        return cls(f["article"], int(f["n"]), f.get("title", ""), f.get("date") or None, f["text"],
                   f.get("source", ""), f.get("url", ""), f.get("author", ""))


def word_postings(rows: list[DocRow], dictionary: Dictionary, each=None) -> "pst.WordArrays":
    """The jieba word postings of the paragraphs (what Whoosh's words field indexes);
    ``each(row, counts)`` sees every paragraph's counts as they are made (the Whoosh
    writer), so no list of them is ever held."""
    words = pst.WordCollector()
    for r in rows:
        c = word_counts(r.text, dictionary)
        if each is not None:
            each(r, c)
        words.add(c)
    return words.arrays()


def build(folder: str, rows: list[DocRow], wa: "pst.WordArrays", *, mined=None) -> "sig.ClassTable":
    """Write the accelerator of ``rows`` (in Whoosh order; ``wa`` their word postings)
    except its near edges; returns the segment's class table (for the near edges,
    ``finish``)."""
    os.makedirs(folder, exist_ok=True)
    texts = [r.text for r in rows]
    grams = pst.build_grams(texts)
    # articles: contiguous runs of documents
    art_ids, art_first, art_source, doc_art = [], [], [], np.zeros(len(rows), np.int32)
    for i, r in enumerate(rows):
        if not art_ids or art_ids[-1] != r.article:
            art_ids.append(r.article)
            art_first.append(i)
            art_source.append(r.source or "")
        doc_art[i] = len(art_ids) - 1
    art_first = np.array(art_first, np.int32)
    art_count = np.diff(np.append(art_first, len(rows))).astype(np.int32)
    titles = title_postings([rows[int(i)].title for i in art_first])
    doc_class, doc_len, first = sig.paragraph_classes(texts)
    table = sig.class_table(first)
    cls_order = np.argsort(doc_class, kind="stable")
    save_arrays(folder, {
        "grams.keys": grams.keys, "grams.offsets": grams.offsets, "grams.pos": grams.pos,
        "grams.doffsets": grams.doffsets, "grams.ddoc": grams.ddoc, "grams.dtf": grams.dtf, "words.offsets": wa.offsets, "words.doc": wa.doc, "words.tf": wa.tf,
        "doc.first_pos": grams.first_pos, "doc.uni_len": grams.uni_len, "doc.gram_len": grams.gram_len,
        "doc.word_len": wa.length, "doc.n": np.array([r.n for r in rows], np.int32),
        "doc.date": np.array([pst.date_number(r.date) for r in rows], np.int32), "doc.art": doc_art,
        "doc.class": doc_class, "doc.nlen": doc_len, "doc.whoosh": np.arange(len(rows), dtype=np.int32),
        "doc.cls_sorted": doc_class[cls_order], "doc.cls_doc": cls_order.astype(np.int32),
        "art.first": art_first, "art.count": art_count,
        **titles,
    })
    save_strings(folder, "grams.vocab", grams.vocab, index=True)
    save_strings(folder, "words.vocab", wa.vocab, index=True)
    save_arrays(folder, sound_index(wa.vocab))
    save_strings(folder, "art.id", art_ids, index=True)
    save_strings(folder, "art.source", art_source)
    table.save(folder)
    mined = mined or []
    save_arrays(folder, {"mined.doc": np.array([m[0] for m in mined], np.int32)})
    save_strings(folder, "mined.zh", [m[1] for m in mined])
    save_strings(folder, "mined.alias", [m[2] for m in mined])
    save_strings(folder, "mined.surname", [m[3] for m in mined])
    save_strings(folder, "mined.problem", [m[4] for m in mined])
    with open(os.path.join(folder, META), "w", encoding="utf-8") as f:
        json.dump({"format": FORMAT, "docs": len(rows), "articles": len(art_ids),
                   "gram_terms": int(len(grams.keys)), "gram_postings": int(len(grams.pos)),
                   "word_terms": len(wa.vocab), "word_postings": int(len(wa.doc)),
                   "classes": int(len(table))}, f)
    return table


def title_key(token: str) -> int:
    """The key of a title token: a Han unigram or bigram's ``postings.han_key``, any
    other token a 42-bit hash above ``postings.TOKEN_BASE``."""
    k = pst.han_key(token)
    return k if k is not None else pst.TOKEN_BASE + (hash64(token) >> 22)


def title_postings(titles: list[str]) -> dict:
    """The gram tokens of each article's title (as ``postings.index_tokens`` makes
    them), as postings over articles: sorted keys, offsets, article rows and
    frequencies; with each title's unigram and other-token lengths."""
    keys, arts, tfs = [], [], []
    uni_len = np.zeros(len(titles), np.int32)
    gram_len = np.zeros(len(titles), np.int32)
    for i, title in enumerate(titles):
        tokens, uni_len[i], gram_len[i] = pst.title_tokens(title)
        counts: dict[int, int] = {}
        for tok, c in tokens.items():
            k = title_key(tok)
            counts[k] = counts.get(k, 0) + c
        keys += counts
        tfs += counts.values()
        arts += [i] * len(counts)
    keys = np.array(keys, np.uint64)
    arts = np.array(arts, np.int32)
    order = np.lexsort((arts, keys))
    keys, arts, tfs = keys[order], arts[order], np.array(tfs, np.int32)[order]
    uniq = unique(keys)
    offsets = np.searchsorted(keys, uniq).astype(np.int64)
    return {"title.keys": uniq, "title.offsets": np.append(offsets, len(keys)), "title.art": arts,
            "title.tf": tfs, "art.title_uni_len": uni_len, "art.title_gram_len": gram_len}


def sound_index(vocab: list[str]) -> dict:
    """Per vocabulary word of >= 2 Han characters, the hashes of its pinyin and sound keys
    (``names.pinyin``), sorted, with the word's row: how a typed pinyin string or a
    near-homophone finds index words."""
    from ...names import pinyin_key, sound_key

    out = {}
    for name, fn in (("pinyin", pinyin_key), ("sound", sound_key)):
        keys, rows = [], []
        for i, w in enumerate(vocab):
            k = fn(w) if len(w) >= 2 else None
            if k:
                keys.append(hash64(k))
                rows.append(i)
        keys = np.array(keys, np.uint64)
        order = np.argsort(keys, kind="stable")
        out[f"words.{name}.hash"] = keys[order]
        out[f"words.{name}.row"] = np.array(rows, np.int32)[order]
    return out


def finish(folder: str, src: np.ndarray, dst: np.ndarray, sim: np.ndarray) -> None:
    """Write the near edges (both directions, sorted by source): the folder is complete."""
    save_arrays(folder, {"edges.dst": dst, "edges.sim": sim})
    save_arrays(folder, {"edges.src": src})


def is_complete(folder: str) -> bool:
    return os.path.exists(os.path.join(folder, DONE + ".npy"))


class SegmentAccel:
    """A finished accelerator folder, memory-mapped."""

    def __init__(self, folder: str):
        self.folder = folder
        with open(os.path.join(folder, META), encoding="utf-8") as f:
            self.meta = json.load(f)
        if self.meta.get("format") != FORMAT:
            raise OutdatedIndex(f"{folder} was written by another version of searcher (accelerator format "
                                f"{self.meta.get('format')}, this version reads {FORMAT}): rebuild the index "
                                "with `searcher build`")
        self.ndocs = int(self.meta["docs"])
        self._table = None

    # attribute -> column file; each is memory-mapped on first use (a snapshot opens many
    # segments and a search touches a few of their columns)
    ARRAYS = {
        "gram_keys": "grams.keys", "gram_offsets": "grams.offsets", "gram_pos": "grams.pos",
        "gram_doffsets": "grams.doffsets", "gram_ddoc": "grams.ddoc", "gram_dtf": "grams.dtf",
        "word_offsets": "words.offsets", "word_doc": "words.doc", "word_tf": "words.tf",
        "first_pos": "doc.first_pos", "uni_len": "doc.uni_len", "gram_len": "doc.gram_len", "word_len": "doc.word_len",
        "doc_n": "doc.n", "doc_date": "doc.date", "doc_art": "doc.art", "doc_class": "doc.class",
        "doc_nlen": "doc.nlen", "doc_whoosh": "doc.whoosh", "cls_sorted": "doc.cls_sorted", "cls_doc": "doc.cls_doc",
        "art_first": "art.first", "art_count": "art.count", "title_keys": "title.keys",
        "title_offsets": "title.offsets", "title_art": "title.art", "title_tf": "title.tf",
        "art_title_uni_len": "art.title_uni_len", "art_title_gram_len": "art.title_gram_len",
        "e_src": "edges.src", "e_dst": "edges.dst", "e_sim": "edges.sim",
        "pinyin_hash": "words.pinyin.hash", "pinyin_row": "words.pinyin.row",
        "sound_hash": "words.sound.hash", "sound_row": "words.sound.row",
    }
    STRINGS = {"gram_vocab": "grams.vocab", "word_vocab": "words.vocab", "art_id": "art.id",
               "art_source": "art.source"}

    def __getattr__(self, name):
        if name in SegmentAccel.ARRAYS:
            value = load_array(self.folder, SegmentAccel.ARRAYS[name])
        elif name in SegmentAccel.STRINGS:
            value = Strings(self.folder, SegmentAccel.STRINGS[name])
        else:
            raise AttributeError(name)
        self.__dict__[name] = value
        return value

    @property
    def table(self) -> "sig.ClassTable":
        if self._table is None:
            self._table = sig.ClassTable.load(self.folder)
        return self._table

    def mined(self) -> list[tuple[int, str, str, str, str]]:
        """(document, zh, alias, derived surname or "", why zh cannot be a member or "") of the
        pairs mined from this segment."""
        docs = load_array(self.folder, "mined.doc").tolist()
        cols = [Strings(self.folder, f"mined.{c}") for c in ("zh", "alias", "surname", "problem")]
        return list(zip(docs, *cols))

    def mined_rows(self) -> list[tuple]:
        """(document, zh, alias, article id, paragraph number, derived surname, problem) of the
        pairs mined from this segment's paragraphs (read once: a segment never changes)."""
        rows = self.__dict__.get("_mined_rows")
        if rows is None:
            ids = self.art_id
            rows = [(d, zh, alias, ids[int(self.doc_art[d])], int(self.doc_n[d]), sur, problem)
                    for d, zh, alias, sur, problem in self.mined()]
            self.__dict__["_mined_rows"] = rows
        return rows

    # ---- grams
    def gram_index(self, key: int | None) -> int:
        if key is None or not len(self.gram_keys):
            return -1
        i = int(np.searchsorted(self.gram_keys, np.uint64(key)))
        return i if i < len(self.gram_keys) and int(self.gram_keys[i]) == key else -1

    def gram_key(self, term: str) -> int | None:
        k = pst.han_key(term)
        if k is not None:
            return k
        i = self.gram_vocab.find(term)
        return None if i < 0 else pst.TOKEN_BASE + i

    def gram_doc_slice(self, row: int) -> tuple[int, int]:
        """(first, end) of a gram term row's document postings (ddoc / dtf)."""
        return int(self.gram_doffsets[row]), int(self.gram_doffsets[row + 1])

    def gram_slice(self, term: str, han: int | None = None) -> tuple[int, int, int]:
        """(first posting, end, term row) of a gram term ((0, 0, -1) if absent)."""
        i = self.gram_index(han if han is not None else self.gram_key(term))
        if i < 0:
            return 0, 0, -1
        return int(self.gram_offsets[i]), int(self.gram_offsets[i + 1]), i

    def gram_rows(self, keys: np.ndarray) -> np.ndarray:
        """Term rows of many gram keys (uint64), -1 where absent: one binary search for a
        whole query instead of one per term (``gram_index``)."""
        if not len(self.gram_keys):
            return np.full(len(keys), -1, np.int64)
        i = np.minimum(np.searchsorted(self.gram_keys, keys), len(self.gram_keys) - 1)
        return np.where(self.gram_keys[i] == keys, i, -1)

    def title_slice(self, term: str) -> tuple[int, int]:
        """(first posting, end) of a gram term in the title postings ((0, 0) if absent)."""
        if not len(self.title_keys):
            return 0, 0
        k = np.uint64(title_key(term))
        i = int(np.searchsorted(self.title_keys, k))
        if i >= len(self.title_keys) or self.title_keys[i] != k:
            return 0, 0
        return int(self.title_offsets[i]), int(self.title_offsets[i + 1])

    def title_tfs(self, keys: np.ndarray, arts: np.ndarray) -> np.ndarray:
        """How often each title key (uint64, ``title_key``) is in the title of each article
        row: int32, a row per key and a column per article (0: not there).  One binary
        search for every pair, in the title postings keyed by ``key row << 32 | article``
        (sorted as the postings are; worked out on first use, 8 bytes a posting)."""
        pairs = self.__dict__.get("_title_pairs")
        if pairs is None:
            rows = np.repeat(np.arange(len(self.title_keys), dtype=np.int64), np.diff(self.title_offsets))
            pairs = self.__dict__["_title_pairs"] = rows << 32 | np.asarray(self.title_art, np.int64)
        out = np.zeros((len(keys), len(arts)), np.int32)
        if not len(pairs):
            return out
        i = np.minimum(np.searchsorted(self.title_keys, keys), len(self.title_keys) - 1)
        found = self.title_keys[i] == keys
        want = i[found, None] << 32 | np.asarray(arts, np.int64)[None, :]
        j = np.minimum(np.searchsorted(pairs, want), len(pairs) - 1)
        out[found] = np.where(pairs[j] == want, self.title_tf[j], 0)
        return out

    # ---- words
    def word_slice(self, term: str) -> tuple[int, int]:
        i = self.word_vocab.find(term)
        if i < 0:
            return 0, 0
        return int(self.word_offsets[i]), int(self.word_offsets[i + 1])

    def word_rows(self, terms: list[str], hashes: np.ndarray) -> list[int]:
        """Vocabulary rows of many words (-1 where absent), ``hashes`` their ``hash64``: one
        binary search for all of them; a row is only trusted once its word is compared
        (as ``Strings.find`` does), a hash collision falls back to ``find``."""
        vocab = self.word_vocab
        rows = vocab.find_hashes(hashes).tolist()
        return [r if r < 0 or vocab[r] == t else vocab.find(t) for t, r in zip(terms, rows)]

    def words_with_key(self, kind: str, key: str) -> list[str]:
        """Vocabulary words whose pinyin (``kind="pinyin"``) or sound key is ``key``."""
        hashes, rows = (self.pinyin_hash, self.pinyin_row) if kind == "pinyin" else (self.sound_hash, self.sound_row)
        h = np.uint64(hash64(key))
        lo, hi = np.searchsorted(hashes, h, "left"), np.searchsorted(hashes, h, "right")
        return [self.word_vocab[int(r)] for r in rows[lo:hi]]

    # ---- articles
    def article_docs(self, article_id: str) -> np.ndarray:
        i = self.art_id.find(article_id)
        if i < 0:
            return np.zeros(0, np.int64)
        a = int(self.art_first[i])
        return np.arange(a, a + int(self.art_count[i]), dtype=np.int64)


def rows_of_whoosh_segment(reader) -> list[DocRow]:
    """The documents of a one-segment Whoosh reader, in docnum order."""
    return [DocRow.from_stored(reader.stored_fields(d)) for d in range(reader.doc_count_all())]
