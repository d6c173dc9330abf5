"""Articles as OpenSearch documents, with every bit of analysis done here in Python.

The engine only splits whitespace-joined tokens (``mappings/paragraphs-v2.json``); what
the tokens are is decided by the same code the embedded engine runs:

* ``grams``: ``postings.index_tokens`` of the paragraph, one token per position -- the
  Han bigram starting there (the engine adds its first character at the same position),
  else the single Han character (the last of a run), else the letter/digit run -- and
  ``|`` for a position with no token (punctuation), which the engine turns into a hole.
  A query chunk (``postings.tokens``) is the same string with holes (``phrase``), so a
  ``match_phrase`` on it matches exactly where the embedded engine's position check does.
* ``words``: ``analysis.word_counts`` with the index's dictionary, each word repeated as
  often as it occurs (BM25's term frequency).
* lengths for BM25 as the embedded engine counts them (``uni_len``, ``gram_len``,
  ``word_len``), repeat signatures (``repeats.signatures``: class hash, normalised
  length, MinHash signature and band keys, sentence hashes), mined name pairs.

Tokens longer than ``MAX_TOKEN`` characters (a run of digits or letters pasted from a
file) are replaced by a hash of themselves, in documents and queries alike, so that the
engine's term-length limits never drop a document and such a run still matches exactly.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field

import numpy as np

from ...analysis import word_counts
from ...postings import date_number, index_tokens, title_tokens
from ...repeats import signatures as sig
from ..store import hash64

MAX_TOKEN = 120  # characters; longer tokens are sent as their hash
HOLE = "|"
INF = 1 << 62  # gen_del of a document nothing has removed


def token(t: str) -> str:
    """A term as the engine holds it (long ones hashed)."""
    return t if len(t) <= MAX_TOKEN else f"#{hash64(t):016x}"


def routing(article_id: str) -> str:
    """An article's routing key: its documents live on one shard (parent and children)."""
    return f"{hash64(article_id):016x}"


def article_doc_id(article_id: str, gen: int) -> str:
    return f"{routing(article_id)}.{gen}"


def paragraph_doc_id(article_id: str, gen: int, n: int) -> str:
    return f"{routing(article_id)}.{gen}.{n}"


def routing_of(doc_id: str) -> str:
    return doc_id.split(".", 1)[0]


def hx(h) -> str:
    return f"{int(h):016x}"


def grams_string(text: str) -> tuple[str, int, int]:
    """(the grams field's value, Han characters, bigrams + other tokens) of a paragraph."""
    toks = index_tokens(text)
    if not toks:
        return "", 0, 0
    at: dict[int, str] = {}
    uni = gram = 0
    for t, p in toks:
        if len(t) == 1 and _is_han(t):
            uni += 1
            at.setdefault(p, t)
        elif len(t) == 2 and _is_han(t[0]) and _is_han(t[1]):
            gram += 1
            at[p] = t  # the bigram stands for its position (its first character comes with it)
        else:
            gram += 1
            at[p] = token(t)
    last = max(at)
    return " ".join(at.get(p, HOLE) for p in range(last + 1)), uni, gram


def _is_han(c: str) -> bool:
    from ...postings import _is_han_cp

    return _is_han_cp(ord(c))


def phrase(chunk) -> str:
    """A query chunk [(term, relative position)] as match_phrase text, holes included."""
    at = {p: token(t) for t, p in chunk}
    return " ".join(at.get(p, HOLE) for p in range(max(at) + 1))


def words_string(counts: dict) -> tuple[str, int]:
    parts = []
    total = 0
    for w, c in counts.items():
        c = min(int(c), 65535)
        total += c
        parts.extend([token(w)] * c)
    return " ".join(parts), total


@dataclass
class Analysed:
    """A batch of paragraphs analysed: the documents and what the writer needs besides."""

    docs: list = field(default_factory=list)  # (id, routing, source) in article order
    articles: list = field(default_factory=list)  # article ids, in order
    paragraphs: int = 0
    table: "sig.ClassTable | None" = None  # the batch's class table (near edges)
    words: set = field(default_factory=set)  # vocabulary of the batch


def analyse(articles, gen: int, dictionary, mine=None) -> Analysed:
    """Documents for ``articles`` (ingest.Article) written at generation ``gen``."""
    out = Analysed()
    rows = []  # (article, n, text)
    for a in articles:
        out.articles.append(a.id)
        for n, text in enumerate(a.paragraphs, 1):
            rows.append((a, n, text))
    texts = [t for _, _, t in rows]
    doc_class, doc_len, first = sig.paragraph_classes(texts)
    table = sig.class_table(first)
    out.table = table
    row_of = {int(h): i for i, h in enumerate(table.hash.tolist())}
    bands: dict[int, list[str]] = {}
    for k, r in zip(table.band_key.tolist(), table.band_row.tolist()):
        bands.setdefault(r, []).append(hx(k))
    mined: dict[tuple[str, int], list] = {}
    if mine is not None:
        for zh, alias, aid, n, surname, problems in mine([(a.id, n, t) for a, n, t in rows]):
            mined.setdefault((aid, n), []).append({"zh": zh, "alias": alias, "surname": surname,
                                                   "problems": problems})
    i = 0
    for a in articles:
        r = routing(a.id)
        common = {"article": a.id, "title": a.title or "", "date": a.date or None,
                  "url": getattr(a, "url", "") or "", "author": getattr(a, "author", "") or ""}
        dn = date_number(a.date)
        if dn:
            common["date_num"] = dn
        outlet = getattr(a, "outlet", "") or ""
        if outlet:
            common["source"] = outlet
        art_id = article_doc_id(a.id, gen)
        out.docs.append((art_id, r, {"kind": "article", "rel": "article", **common,
                                     "paragraphs": len(a.paragraphs), "gen_add": gen, "gen_del": INF}))
        _, title_uni, title_gram = title_tokens(a.title or "")
        for n, text in enumerate(a.paragraphs, 1):
            grams, uni, gram = grams_string(text)
            counts = word_counts(text, dictionary)
            out.words.update(counts)
            words, wlen = words_string(counts)
            d = {"kind": "paragraph", "rel": {"name": "paragraph", "parent": art_id}, **common, "n": n,
                 "text": text, "grams": grams, "words": words, "uni_len": uni, "gram_len": gram,
                 "word_len": wlen, "title_uni_len": title_uni, "title_gram_len": title_gram, "gen_add": gen, "gen_del": INF}
            h = int(doc_class[i])
            if h:
                d["cls"] = hx(h)
                d["nlen"] = int(doc_len[i])
                row = row_of[h]
                if table.length[row] >= sig.MIN_CHARS:
                    d["bands"] = bands.get(row, [])
                    d["sig"] = base64.b64encode(np.asarray(table.sig[row], "<u4").tobytes()).decode("ascii")
                    s = table.sents.row(row)
                    if len(s):
                        d["sents"] = [hx(x) for x in np.asarray(s).tolist()]
                        d["sent_lens"] = np.asarray(table.sent_len.row(row)).tolist()
            m = mined.get((a.id, n))
            if m:
                d["mined"] = m
                d["has_mined"] = True
            out.docs.append((paragraph_doc_id(a.id, gen, n), r, d))
            out.paragraphs += 1
            i += 1
    return out
