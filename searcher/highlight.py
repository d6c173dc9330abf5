"""Mark matched strings in a paragraph, in the paragraph's own characters.

A query's words match as find-in-page over normalised text (see ``query``), so
highlighting does the same: the paragraph is normalised with ``simplified``
(length preserving: offsets are the original's), each pattern becomes a regex
over the normalised text that lets punctuation and spaces between its runs vary,
and the spans found are marked in the original text, HTML-escaped.  No jieba at
query time: that is what the index and the analyzer are for.
"""
from __future__ import annotations

import bisect
import itertools
import re
from functools import lru_cache
from html import escape

from .analysis import runs, simplified
from .normalize import sources_of

MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"
PASSAGE_CHARS = 180  # longer paragraphs are shown as a window around the matches


def _normal(text: str) -> str:
    s = simplified(text)
    low = s.lower()
    return low if len(low) == len(s) else s


@lru_cache(maxsize=4096)
def pattern_regex(pattern: str):
    """A regex over normalised text for one pattern, or None if it has no runs."""
    s = _normal(pattern)
    parts = []
    spans = list(runs(s))
    if not spans:
        return None
    for k, (is_han, a, b) in enumerate(spans):
        piece = re.escape(s[a:b])
        if not is_han:
            if k == 0:
                piece = r"(?<![^\W_])" + piece
            if k == len(spans) - 1:
                piece = piece + r"(?![^\W_])"
        parts.append(piece)
    return re.compile(r"[\W_]*".join(parts))


@lru_cache(maxsize=4096)
def raw_regex(pattern: str):
    """For a pattern that normalises to Han characters only, a regex over the *original*
    text that matches where ``pattern_regex`` matches the normalised text: each character
    becomes the class of every character that normalises to it (Han characters have no case
    and ``simplify`` maps one character to one).  A paragraph is then searched as it is,
    without normalising all of it first (half of what highlighting cost).  None otherwise."""
    s = _normal(pattern)
    if not s or list(runs(s)) != [(True, 0, len(s))]:
        return None
    parts = []
    for ch in s:
        src = sources_of(ch)
        parts.append(re.escape(src) if len(src) == 1 else "[" + "".join(re.escape(c) for c in src) + "]")
    return re.compile("".join(parts))


def find_spans(text: str, patterns) -> list[tuple[int, int]]:
    """Merged, sorted (start, end) spans of every pattern found in ``text``."""
    norm = None
    spans = []
    for p in patterns:
        rx, where = raw_regex(p), text
        if rx is None:
            rx = pattern_regex(p)
            if rx is None:
                continue
            if norm is None:
                norm = _normal(text)
            where = norm
        spans.extend(m.span() for m in rx.finditer(where) if m.end() > m.start())
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


# A passage window starts after one of these and ends on one (never mid-name: "…朗普").
CLAUSE_ENDS = set("。！？；，、：,;!?」』）)…　 \n")
_CLAUSE_END = re.compile("[" + re.escape("".join(sorted(CLAUSE_ENDS))) + "]")
SNAP = 40  # how far a window's edge may move to reach a clause boundary


def _snap(text: str, start: int, end: int, spans) -> tuple[int, int]:
    """Move a window's edges to clause boundaries nearby, keeping the marks it covers."""
    inside = [(a, b) for a, b in spans if a < end and b > start]
    first = inside[0][0] if inside else end
    last = inside[-1][1] if inside else start
    if start > 0:
        before = [m.end() for m in _CLAUSE_END.finditer(text, max(0, start - SNAP), max(0, min(first, start + SNAP)))]
        if before:
            start = min(before, key=lambda i: (abs(i - start), i))
    if end < len(text):
        lo = max(last, end - SNAP)
        cands = [m.end() for m in _CLAUSE_END.finditer(text, lo, max(lo, min(len(text), end + SNAP // 2)))]
        if cands:
            end = min(cands, key=lambda i: (abs(i - end), -i))
    return start, end


def _window(text: str, spans, size: int) -> tuple[int, int]:
    if len(text) <= size:
        return 0, len(text)
    if not spans:
        return _snap(text, 0, size, spans)
    # The window of `size` characters that covers the most marked characters (the first of
    # equals).  Spans are sorted and disjoint: what a window covers is the lengths of the
    # spans it reaches, less what sticks out of its two ends.
    starts = [a for a, _ in spans]
    ends = [b for _, b in spans]
    before = list(itertools.accumulate((b - a for a, b in spans), initial=0))
    best, best_start = -1, 0
    for a in starts:
        start = max(0, min(a - size // 4, len(text) - size))
        end = start + size
        i, j = bisect.bisect_right(ends, start), bisect.bisect_left(starts, end)
        covered = 0
        if i < j:
            covered = before[j] - before[i] - max(0, start - starts[i]) - max(0, ends[j - 1] - end)
        if covered > best:
            best, best_start = covered, start
    return _snap(text, best_start, best_start + size, spans)


def render(text: str, spans, start: int = 0, end: int | None = None) -> str:
    """HTML of text[start:end] with spans marked; everything escaped."""
    end = len(text) if end is None else end
    out = []
    i = start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if b <= a:
            continue
        out.append(escape(text[i:a]))
        out.append(MARK_OPEN + escape(text[a:b]) + MARK_CLOSE)
        i = b
    out.append(escape(text[i:end]))
    html = "".join(out)
    if start > 0:
        html = "…" + html
    if end < len(text):
        html = html + "…"
    return html


def highlight(text: str, patterns, size: int | None = PASSAGE_CHARS) -> str:
    """HTML of a passage: the paragraph (or its best window) with matches marked."""
    spans = find_spans(text, patterns)
    if size is None:
        return render(text, spans)
    a, b = _window(text, spans, size)
    return render(text, spans, a, b)
