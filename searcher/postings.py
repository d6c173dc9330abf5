"""Posting arrays: the term scheme queries run on, and the builders of one segment's arrays.

Whoosh keeps the documents (stored fields) and the jieba ``words`` field, but its
matchers walk postings one at a time in Python, and its posting blocks are
pickled tuples that are delta-decoded per posting.  Phrase checks on common
bigrams then took hundreds of milliseconds.  The same terms are kept, per Whoosh
segment, as flat numpy arrays (``engine.embedded.accel``) so that a query is a
few vectorised lookups, intersections and BM25 sums.

Two kinds of postings, both over normalised text (``normalize.simplify``):

**grams** (positional).  Every Han character (a unigram) and every pair of
adjacent Han characters (a bigram), and every other letter/digit run as one
lowercased token, with a *position*.  Positions run across a segment:

* each Han character takes one position (a bigram has the position of its first
  character); a letter/digit run takes one;
* runs separated by anything but whitespace are one position further apart (a
  gap), so a phrase never matches across punctuation; paragraphs are separated
  by a gap too, so a position belongs to exactly one paragraph.

A string occurs in a paragraph exactly when its tokens occur at the same
relative positions (``tokens(query)``), so phrase matching is exact: it is
find-in-page over normalised text, whatever jieba makes of the context.  The
OpenSearch engine indexes the same tokens.

**words**: jieba words (``analysis.word_counts``) with their frequency per
paragraph, for ranking.

Term keys are integers: a Han unigram is its code point, a bigram
``cp1 << 21 | cp2``, and any other token ``TOKEN_BASE + i`` for its index in
the segment's vocabulary of such tokens.
"""
from __future__ import annotations

import re
import sys
from array import array
from dataclasses import dataclass

import numpy as np

from .analysis import _RUNS, simplified

FORMAT = 2
TOKEN_BASE = 1 << 42  # keys of non-Han tokens start here (Han bigrams are below 2**42)
_HAN_BITS = 21


# ---------------------------------------------------------------- the position scheme

def tokens(text: str) -> list[list[tuple[str, int]]]:
    """The gram tokens a string must match, as (term, relative position), in chunks.

    Chunks are split where the string has punctuation (a gap): a paragraph
    matches when it contains every chunk (each as a phrase), as a paragraph with
    the same punctuation would.  A Han run of one character is its unigram;
    longer runs are their bigrams."""
    s = simplified(text)
    chunks: list[list[tuple[str, int]]] = []
    pos, prev = 0, None
    for m in _RUNS.finditer(s):
        a, b = m.span()
        if prev is None or s[prev:a].strip():
            chunks.append([])
            pos = 0
        prev = b
        run = m.group()
        if m.lastgroup != "han":
            chunks[-1].append((run.lower(), pos))
            pos += 1
        elif len(run) == 1:
            chunks[-1].append((run, pos))
            pos += 1
        else:
            chunks[-1].extend((run[i:i + 2], pos + i) for i in range(len(run) - 1))
            pos += len(run)
    return [c for c in chunks if c]


def index_tokens(text: str) -> list[tuple[str, int]]:
    """Every gram token of a paragraph with its position (from 0), as the index holds
    them; the reference for the vectorised builder (tests compare the two)."""
    s = simplified(text)
    out, pos, prev = [], 0, None
    for m in _RUNS.finditer(s):
        a, b = m.span()
        if prev is not None and s[prev:a].strip():
            pos += 1
        prev = b
        run = m.group()
        if m.lastgroup != "han":
            out.append((run.lower(), pos))
            pos += 1
            continue
        for i, ch in enumerate(run):
            out.append((ch, pos + i))
            if i + 1 < len(run):
                out.append((run[i:i + 2], pos + i))
        pos += len(run)
    return out


def title_tokens(title: str) -> tuple[dict, int, int]:
    """A title's gram tokens (as ``index_tokens`` makes them) with their frequencies, and its
    lengths as op=or's title field counts them: Han characters, and the other tokens."""
    counts: dict[str, int] = {}
    uni = 0
    toks = index_tokens(title or "")
    for tok, _ in toks:
        counts[tok] = counts.get(tok, 0) + 1
        if len(tok) == 1 and _is_han_cp(ord(tok)):
            uni += 1
    return counts, uni, len(toks) - uni


def han_key(term: str) -> int | None:
    """The integer key of a Han unigram or bigram (None for other tokens)."""
    if len(term) == 1 and _is_han_cp(ord(term)):
        return ord(term)
    if len(term) == 2 and _is_han_cp(ord(term[0])) and _is_han_cp(ord(term[1])):
        return (ord(term[0]) << _HAN_BITS) | ord(term[1])
    return None


def _is_han_cp(o: int) -> bool:
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F
            or 0xF900 <= o <= 0xFAFF or o == 0x3007)


def _han_mask(cp: np.ndarray) -> np.ndarray:
    return (((cp >= 0x4E00) & (cp <= 0x9FFF)) | ((cp >= 0x3400) & (cp <= 0x4DBF))
            | ((cp >= 0x20000) & (cp <= 0x3134F)) | ((cp >= 0xF900) & (cp <= 0xFAFF)) | (cp == 0x3007))


_tables = None


def _char_tables():
    """Boolean tables over all code points: letter/digit (``[^\\W_]``) and whitespace."""
    global _tables
    if _tables is None:
        # Runs of a regular expression over every code point (a Python loop over them takes
        # most of a second, which a one-article add would wait for).
        every = "".join(map(chr, range(0x110000)))
        alnum = np.zeros(0x110000, bool)
        space = np.zeros(0x110000, bool)
        for table, pattern in ((alnum, r"[^\W_]+"), (space, r"\s+")):
            for m in re.finditer(pattern, every):
                table[m.start():m.end()] = True
        _tables = alnum, space
    return _tables


# ---------------------------------------------------------------- building

@dataclass
class GramArrays:
    keys: np.ndarray  # uint64, sorted unique term keys
    offsets: np.ndarray  # int64, len(keys) + 1
    pos: np.ndarray  # uint32/int64 global positions, sorted within a term
    doc: np.ndarray  # int32 document of each posting (not stored: the document postings below)
    df: np.ndarray  # int32 per term: documents containing it
    doffsets: np.ndarray  # int64, len(keys) + 1: each term's documents in ddoc / dtf
    ddoc: np.ndarray  # int32 documents containing each term, sorted within a term
    dtf: np.ndarray  # uint32 occurrences of the term in each
    vocab: list  # non-Han tokens, key = TOKEN_BASE + index
    first_pos: np.ndarray  # int64 per document: position where it starts
    uni_len: np.ndarray  # int32 per document: Han characters (unigram postings)
    gram_len: np.ndarray  # int32 per document: bigrams + other tokens


def build_grams(texts, pack: bool = True) -> GramArrays:
    """The positional gram postings of ``texts`` (paragraphs in document order),
    vectorised over the whole corpus.  ``pack=False`` forces the slower, larger
    sort used when term ids or positions do not fit in 32 bits (for tests)."""
    alnum, space = _char_tables()
    parts, starts, total = [], [], 0
    for t in texts:
        s = simplified(t)
        starts.append(total)
        parts.append(s)
        total += len(s) + 1
    ndocs = len(parts)
    # \x00 is punctuation: a gap between paragraphs.
    cp = np.frombuffer(("\x00".join(parts) + "\x00").encode("utf-32-le"), dtype=np.uint32)
    del parts
    n = len(cp)
    it = np.int32 if n < 2 ** 31 - 1 else np.int64
    starts = np.asarray(starts, dtype=it)
    han = _han_mask(cp)
    word = alnum[cp] & ~han
    token = han | word
    punct = ~token & ~space[cp]
    # A token starts at each Han character and at the first character of a word run.
    word_start = word.copy()
    word_start[1:] &= ~word[:-1]
    tstart = han | word_start
    idx = np.flatnonzero(tstart).astype(it)
    del tstart, word_start
    # A gap before a token start when the stretch of non-token characters right
    # before it holds punctuation and follows an earlier token.  Stretches are
    # labelled by the number of token characters before them.
    label = np.cumsum(token, dtype=it)
    has_punct = np.zeros(int(label[-1]) + 1 if n else 1, bool)
    has_punct[label[punct]] = True
    prev = np.maximum(idx - 1, 0)
    gap = (idx > 0) & ~token[prev] & has_punct[label[prev]] & (label[prev] > 0)
    del label, has_punct, prev
    pos_dtype = np.uint32 if 2 * n < 2 ** 32 else np.int64  # at most a token and a gap per character
    tpos = np.cumsum(gap, dtype=pos_dtype)
    del gap
    tpos += np.arange(len(idx), dtype=pos_dtype)  # position of each token start
    tdoc = (np.searchsorted(starts, idx, side="right") - 1).astype(np.int32)
    # First position of each document (a document with no token gets the next one).
    first_pos = np.empty(ndocs, dtype=np.int64)
    k = np.searchsorted(idx, starts)
    end = int(tpos[-1]) + 2 if len(tpos) else 0
    first_pos[:] = np.where(k < len(tpos), tpos[np.minimum(k, max(len(tpos) - 1, 0))] if len(tpos) else 0, end)
    is_han_tok = han[idx]
    hidx, hpos = idx[is_han_tok], tpos[is_han_tok]
    uni_len = np.bincount(tdoc[is_han_tok], minlength=ndocs).astype(np.int32)
    # Bigrams: a Han character followed by a Han character (the next Han token).
    nxt = np.zeros(len(hidx), bool)
    ok = hidx + 1 < n
    nxt[ok] = han[hidx[ok] + 1]
    bi_first = np.flatnonzero(nxt)
    bi_pos = hpos[bi_first]
    # Other tokens: letter/digit runs, lowercased, through a vocabulary.
    wstart = idx[~is_han_tok]
    wpos = tpos[~is_han_tok]
    gram_len = (np.bincount(tdoc[is_han_tok][nxt], minlength=ndocs)
                + np.bincount(tdoc[~is_han_tok], minlength=ndocs)).astype(np.int32)
    del idx, tpos, tdoc, is_han_tok, nxt, ok
    wend_all = np.flatnonzero(word & ~np.append(word[1:], False)) + 1
    wend = wend_all[np.searchsorted(wend_all, wstart, side="right")]
    vocab: dict[str, int] = {}
    wids = np.fromiter((vocab.setdefault(cp[a:b].tobytes().decode("utf-32-le").lower(), len(vocab))
                        for a, b in zip(wstart.tolist(), wend.tolist())), dtype=np.int64, count=len(wstart))
    hcp = cp[hidx]
    del wend_all, wend, wstart, hidx, cp, han, word, token, punct
    # Dense term ids, ordered as the keys are: the corpus's Han characters in code-point
    # order, then bigrams (first character, second), then the other tokens.
    present = np.zeros(0x110000, bool)
    present[hcp] = True
    chars = np.flatnonzero(present).astype(np.uint64)
    del present
    nch = len(chars)
    base = nch + nch * nch
    id_type = np.uint32 if base + len(vocab) < 2 ** 32 else np.uint64
    cid = np.zeros(0x110000, id_type)
    cid[chars.astype(np.int64)] = np.arange(nch, dtype=id_type)
    uni_ids = cid[hcp]
    bi_ids = uni_ids[bi_first]
    bi_ids *= id_type(nch)
    bi_ids += uni_ids[bi_first + 1]
    bi_ids += id_type(nch)
    wids = (wids + base).astype(id_type)
    del cid, hcp, bi_first
    if id_type is np.uint32 and end < 2 ** 32 and pack and sys.byteorder == "little":
        # One uint64 per posting, (term id << 32) | position, sorted in place; its two
        # 32-bit halves are then read as views (no 64-bit copies).
        parts = [[uni_ids, hpos], [bi_ids, bi_pos], [wids, wpos]]
        del uni_ids, bi_ids, wids, hpos, bi_pos, wpos
        packed = np.empty(sum(len(x[0]) for x in parts), np.uint64)
        at = 0
        for part in parts:  # filled part by part, each freed once copied
            k = len(part[0])
            view = packed[at:at + k]
            np.left_shift(part[0], np.uint64(32), out=view)
            view |= part[1]
            part.clear()
            at += k
        packed.sort()
        halves = packed.view(np.uint32)
        tid, pos = halves[1::2], halves[0::2].copy()
    else:  # too many distinct terms or positions to pack: sort ids, carry positions along
        packed = None
        tid = np.concatenate([uni_ids, bi_ids, wids])
        pos = np.concatenate([hpos, bi_pos, wpos]).astype(pos_dtype)
        del uni_ids, bi_ids, wids, hpos, bi_pos, wpos
        order = np.argsort(tid, kind="stable")  # positions stay sorted within a term
        tid, pos = tid[order], pos[order]
        del order
    new_term = np.ones(len(tid), bool)
    np.not_equal(tid[1:], tid[:-1], out=new_term[1:])
    offsets = np.append(np.flatnonzero(new_term), len(tid)).astype(np.int64)
    uids = tid[offsets[:-1]].astype(np.uint64)
    del tid, packed
    doc = _docs_of(first_pos.astype(pos.dtype), pos)
    new_term[1:] |= doc[1:] != doc[:-1]  # now: the first posting of a (term, document) pair
    run_start = np.flatnonzero(new_term)
    del new_term
    ddoc = doc[run_start].astype(np.int32)
    dtf = np.diff(np.append(run_start, len(doc))).astype(np.uint32)
    doffsets = np.searchsorted(run_start, offsets).astype(np.int64)
    del run_start
    df = np.diff(doffsets).astype(np.int32)
    # Dense ids back to keys.
    keys = np.empty(len(uids), np.uint64)
    u = uids < nch
    keys[u] = chars[uids[u].astype(np.int64)]
    bg = (uids >= nch) & (uids < base)
    b_ = uids[bg] - np.uint64(nch)
    keys[bg] = (chars[(b_ // np.uint64(nch)).astype(np.int64)] << np.uint64(_HAN_BITS)) \
        | chars[(b_ % np.uint64(nch)).astype(np.int64)] if nch else b_
    w = uids >= base
    keys[w] = uids[w] - np.uint64(base) + np.uint64(TOKEN_BASE)
    return GramArrays(keys, offsets, pos, doc, df, doffsets, ddoc, dtf, list(vocab), first_pos, uni_len, gram_len)


def _docs_of(first_pos: np.ndarray, pos: np.ndarray, block: int = 1 << 22) -> np.ndarray:
    """The document of each position (int32), in blocks: searchsorted returns int64."""
    out = np.empty(len(pos), np.int32)
    for a in range(0, len(pos), block):
        out[a:a + block] = np.searchsorted(first_pos, pos[a:a + block], side="right") - 1
    return out


@dataclass
class WordArrays:
    vocab: list  # term strings; a term's id is its index
    offsets: np.ndarray  # int64, len(vocab) + 1
    doc: np.ndarray  # int32, sorted within a term
    tf: np.ndarray  # uint16
    length: np.ndarray  # int32 per document: word count


class WordCollector:
    """Collects ``word_counts`` of documents numbered from 0 (one shard's worth), in
    compact arrays (a shard writer holds millions of postings)."""

    def __init__(self):
        self.vocab: dict[str, int] = {}
        self.ids = array("i")  # term of each posting
        self.tfs = array("I")  # its frequency
        self.terms_per_doc = array("I")
        self.ndocs = 0

    def add(self, counts: dict) -> None:
        self.ndocs += 1
        v = self.vocab
        self.ids.extend([v.setdefault(w, len(v)) for w in counts])
        self.tfs.extend(counts.values())
        self.terms_per_doc.append(len(counts))

    def arrays(self) -> WordArrays:
        """The postings sorted by term (documents in order within a term)."""
        per_doc = np.frombuffer(self.terms_per_doc, np.uint32) if self.ndocs else np.zeros(0, np.uint32)
        docs = np.repeat(np.arange(self.ndocs, dtype=np.int32), per_doc)
        ids = np.frombuffer(self.ids, np.int32) if len(self.ids) else np.zeros(0, np.int32)
        tfs = np.minimum(np.frombuffer(self.tfs, np.uint32) if len(self.tfs) else np.zeros(0, np.uint32), 65535)
        order = np.argsort(ids, kind="stable")
        ids, docs, tfs = ids[order], docs[order], tfs[order].astype(np.uint16)
        offsets = np.searchsorted(ids, np.arange(len(self.vocab) + 1), side="left").astype(np.int64)
        length = np.bincount(docs, weights=tfs, minlength=self.ndocs).astype(np.int32)
        return WordArrays(list(self.vocab), offsets, docs, tfs, length)


_EMPTY_I = np.zeros(0, np.int32)


def runs_of(sorted_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique values, count of each) of a sorted array."""
    if len(sorted_docs) == 0:
        return _EMPTY_I, _EMPTY_I
    cut = np.flatnonzero(sorted_docs[1:] != sorted_docs[:-1]) + 1
    starts = np.concatenate([[0], cut])
    counts = np.diff(np.concatenate([starts, [len(sorted_docs)]]))
    return np.asarray(sorted_docs[starts]), counts


def date_number(date: str | None) -> int:
    """YYYY-MM-DD as the integer YYYYMMDD (0 for no date)."""
    if not date:
        return 0
    return int(re.sub(r"\D", "", date)[:8] or 0)
