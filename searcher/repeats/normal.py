"""What two paragraphs are compared on, and the sentences a paragraph is made of.

Normalisation (``normalise``): ``searcher.normalize.simplify`` (width folding,
Traditional -> Simplified), lowercase, then drop every character that is not a
letter or digit (``\\w`` minus ``_``; CJK ideographs are letters).  Whitespace,
punctuation and script therefore never make two paragraphs differ.  A
paragraph whose normalised text is empty is never a repeat.

Sentences (for partial repeats) are split on 。!?; line breaks and brackets
(「」【】（） ...) before punctuation is dropped, so a credit such as （圖／美聯社）
stays out of the caption's sentence.
"""
from __future__ import annotations

import re

from searcher.normalize import simplify

_TERMINATORS = "。!?;！？；\n()（）[]【】〔〕「」『』"  # brackets too: a credit （圖／美聯社） stands apart
_DROP = re.compile(r"[^\w%s]+|_+" % re.escape(_TERMINATORS))
_SPLIT = re.compile("[%s]+" % re.escape(_TERMINATORS))


def marked(text: str) -> str:
    """Normalised text that still carries its sentence terminators."""
    return _DROP.sub("", simplify(text).lower())


def strip_terminators(marked_text: str) -> str:
    return _SPLIT.sub("", marked_text)


def normalise(text: str) -> str:
    """The text two paragraphs are compared on."""
    return strip_terminators(marked(text))


def sentences(marked_text: str, min_chars: int) -> list[str]:
    """The distinct sentences of at least ``min_chars`` characters, sorted."""
    return sorted({s for s in _SPLIT.split(marked_text) if len(s) >= min_chars})
