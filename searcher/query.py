"""The query language: parse what the user typed, then compile it to a plan.

Syntax (case of the operator words matters, as in most engines)::

    阿拉斯加 峰會          both words (AND is the default)
    "烏克蘭總統"           a phrase (also 「…」 “…” 『…』)
    川普 OR 特朗普         either (also |)
    普京 -特朗普           NOT (also NOT 特朗普)
    (a OR b) c            grouping

A word (anything between spaces) behaves like find-in-page over normalised text:
it matches the paragraphs that contain it, in any script or width.  Compiled, a
word is a ``Match`` of its gram tokens at their relative positions (exact, see
``postings``), ranked with its jieba words.  With ``op="or"`` (question-style
queries) every jieba word and bigram of the query is an optional term and BM25
ranks the lot (``Ranked``).

Mistakes are forgiven where the intent is clear (an unbalanced quote runs to the
end, a stray bracket or a lone operator is ignored).  A query with nothing to
search for raises ``QueryError`` with a message for the user.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import STOP_WORDS, simplified, word_list
from .postings import han_key, tokens

MAX_QUERY_CHARS = 500
MAX_TERMS = 64

_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}


class QueryError(ValueError):
    """A query that cannot be run; the message is meant for the user."""


# ---------------------------------------------------------------- parsing

@dataclass
class Word:
    text: str
    phrase: bool = False  # typed in quotes


@dataclass
class Not:
    child: object


@dataclass
class And:
    children: list = field(default_factory=list)


@dataclass
class Or:
    children: list = field(default_factory=list)


def _lex(q: str):
    """Tokens: ('(' | ')' | 'OR' | 'AND' | 'NOT' | '-', None) or ('WORD'|'PHRASE', text)."""
    i, n = 0, len(q)
    out = []
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c in _QUOTES:
            close = _QUOTES[c]
            j = q.find(close, i + 1)
            if j < 0:
                j = n  # unbalanced: the phrase runs to the end
            text = q[i + 1:j].strip()
            if text:
                out.append(("PHRASE", text))
            i = j + 1
            continue
        if c in "()":
            out.append((c, None))
            i += 1
            continue
        if c in "-－" and (i + 1 < n and not q[i + 1].isspace()):
            out.append(("-", None))
            i += 1
            continue
        if c == "|":
            out.append(("OR", None))
            i += 1
            continue
        j = i
        while j < n and not q[j].isspace() and q[j] not in _QUOTES and q[j] not in "()|":
            j += 1
        text = q[i:j]
        if text in ("OR", "AND", "NOT"):
            out.append((text, None))
        else:
            out.append(("WORD", text))
        i = j if j > i else i + 1
    return out


class _Parser:
    def __init__(self, tokens):
        self.toks = tokens
        self.i = 0

    def peek(self):
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self):
        nodes = []
        while self.peek() is not None:
            if self.peek() == ")":  # stray closing bracket
                self.take()
                continue
            node = self.or_expr()
            if node is not None:
                nodes.append(node)
        return _simplify_and(nodes)

    def or_expr(self):
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Or(parts)

    def and_expr(self):
        parts = []
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        return _simplify_and(parts)

    def unary(self):
        kind = self.peek()
        if kind in ("-", "NOT"):
            self.take()
            if self.peek() in (None, "OR", ")"):
                return None  # lone operator
            child = self.unary()
            return Not(child) if child is not None else None
        return self.primary()

    def primary(self):
        kind, text = self.take()
        if kind == "(":
            node = self.or_expr()
            if self.peek() == ")":
                self.take()
            return node
        if kind == "WORD":
            return Word(text)
        if kind == "PHRASE":
            return Word(text, phrase=True)
        return None


def _simplify_and(parts):
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def parse(q: str):
    """The query's syntax tree (Word / And / Or / Not), or None if it is empty."""
    return _Parser(_lex(q)).parse()


def words_of(node):
    """Every Word in a tree, in order, with whether it is negated."""
    out = []

    def walk(n, neg):
        if isinstance(n, Word):
            out.append((n, neg))
        elif isinstance(n, Not):
            walk(n.child, not neg)
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c, neg)

    walk(node, False)
    return out


# Interrogatives of question-style queries (Simplified: matched after ``simplified``).
INTERROGATIVES = sorted(
    """为什么 什么样 什么 哪一个 哪一些 哪一 哪个 哪些 哪里 哪儿 哪位 哪年 哪 谁 多少 何时 何地 何处
    为何 如何 怎么 怎样 是否 吗 呢""".split(), key=len, reverse=True)
_INTERROGATIVE = re.compile("|".join(INTERROGATIVES))


def strip_interrogatives(text: str) -> str:
    """The text with question words blanked out (same length; spaces split runs)."""
    s = simplified(text)
    return "".join(" " if a != b else c for c, a, b in zip(text, s, _INTERROGATIVE.sub(
        lambda m: " " * len(m.group()), s)))


# ---------------------------------------------------------------- analysis of a word

def word_tokens(text: str, dictionary=None) -> list[str]:
    """jieba words of a string (simplified, lowercased, particles removed), cut with
    the index's dictionary (``analysis.Dictionary``) as its words field was."""
    return word_list(text, dictionary)


@dataclass
class Literal:
    """One searchable string and its alternatives (variant spellings added later)."""

    text: str
    sequences: list  # alternatives, each a list of chunks of (gram term, relative position)
    words: list  # jieba words of the text, for scoring
    alternatives: list = field(default_factory=list)  # other spellings searched

    def texts(self) -> list[str]:
        """The strings this literal matches (for highlighting)."""
        return [self.text] + [a for a in self.alternatives if a != self.text]

    def grams(self) -> list[str]:
        """The typed form's bigrams and other tokens (not its single Han characters)."""
        return [t for chunk in self.sequences[0] for t, _ in chunk if han_key(t) is None or len(t) > 1]


def _key(chunks) -> str:
    return "\x00" + "\x00".join("\x01".join(t for t, _ in chunk) for chunk in chunks) + "\x00"


def _without_superstrings(typed, alternatives):
    """Alternatives that do not contain the typed form or another alternative.

    Matching is by substring, so 弗拉基米尔·普京 adds nothing to 普京 (any paragraph
    with the full name has the surname): fewer phrase lookups, same matches."""
    keys = [_key(typed)] + [_key(a) for a in alternatives]
    keep = []
    for i, a in enumerate(alternatives, 1):
        inner = keys[i][1:-1]
        if not any(j != i and keys[j] != keys[i] and keys[j][1:-1] in inner for j in range(len(keys))):
            keep.append(a)
    return keep


# ---------------------------------------------------------------- the compiled plan
#
# ``match.Evaluator`` runs these on the posting arrays.

@dataclass
class Match:
    """Paragraphs containing the literal (any of its spellings)."""

    literal: Literal


@dataclass
class AllOf:
    children: list


@dataclass
class AnyOf:
    children: list


@dataclass
class Without:
    """Paragraphs not matching the child (inside AllOf: removed from the others)."""

    child: object


@dataclass
class Ranked:
    """op=or: paragraphs with any of the terms, ranked by BM25 over all of them."""

    words: list  # jieba terms
    grams: list  # bigrams and other gram tokens
    synonyms: list  # Literals whose other spellings count as one more term each
    exclude: list  # Literals whose paragraphs are removed
    unigrams: list = field(default_factory=list)  # Han characters (weighted by ranking.UNIGRAM_WEIGHT)


@dataclass
class Compiled:
    plan: object  # Match / AllOf / AnyOf / Without / Ranked
    literals: list  # Literal objects of the positive words (for highlighting and scoring)
    ignored: list  # words dropped (only stop words / punctuation)
    op: str = "and"


class Compiler:
    """Turns a syntax tree into a plan for ``match.Evaluator``.

    ``expand`` (optional) maps a word's text to alternative spellings; the
    variants layer provides it."""

    def __init__(self, op: str = "and", expand=None, dictionary=None):
        if op not in ("and", "or"):
            raise QueryError("op must be 'and' or 'or'")
        self.op = op
        self.expand = expand
        self.dictionary = dictionary
        self.literals: list[Literal] = []
        self.ignored: list[str] = []

    def literal(self, w: Word) -> Literal | None:
        text = w.text
        seq = tokens(text)
        if not seq:
            self.ignored.append(text)
            return None
        s = simplified(text).strip().lower()
        if len(s) == 1 and s in STOP_WORDS:
            self.ignored.append(text)
            return None
        alts, alt_texts = [seq], []
        if self.expand is not None:
            cands = []
            for alt in self.expand(text):
                aseq = tokens(alt)
                if aseq and aseq != seq and all(aseq != c for c, _ in cands):
                    cands.append((aseq, alt))
            alt_texts = [alt for _, alt in cands]
            alts += _without_superstrings(seq, [c for c, _ in cands])
        return Literal(text, alts, word_tokens(text, self.dictionary), alt_texts)

    def node(self, n, negated=False):
        if isinstance(n, Word):
            lit = self.literal(n)
            if lit is None:
                return None
            if not negated:
                self.literals.append(lit)
            return Match(lit)
        if isinstance(n, Not):
            child = self.node(n.child, not negated)
            return None if child is None else Without(child)
        if isinstance(n, (And, Or)):
            children = self._join_names(n.children) if isinstance(n, And) else n.children
            kids = [k for k in (self.node(c, negated) for c in children) if k is not None]
            if not kids:
                return None
            if len(kids) == 1:
                return kids[0]
            return AllOf(kids) if isinstance(n, And) else AnyOf(kids)
        return None

    def _join_names(self, children, longest: int = 4):
        """Adjacent plain words that together are a known name (Donald Trump) become one word."""
        is_name = getattr(self.expand, "is_name", None)
        if is_name is None:
            return children
        out, i = [], 0
        while i < len(children):
            c = children[i]
            if isinstance(c, Word) and not c.phrase:
                for j in range(min(len(children), i + longest), i + 1, -1):
                    run = children[i:j]
                    if all(isinstance(w, Word) and not w.phrase for w in run):
                        text = " ".join(w.text for w in run)
                        if is_name(text):
                            out.append(Word(text))
                            i = j
                            break
                else:
                    out.append(c)
                    i += 1
                continue
            out.append(c)
            i += 1
        return out

    def or_query(self, tree):
        """op=or: every jieba word and bigram of the positive words, all optional.

        Interrogatives (什麼, 哪一, 誰 …) are dropped first: a question's form is not
        its content.  A word's other spellings count as one more optional clause
        (a synonym), so a name with many spellings does not outweigh the rest."""
        words, grams, synonyms, exclude, unigrams = [], [], [], [], []
        for w, neg in words_of(tree):
            if not neg:
                w = Word(strip_interrogatives(w.text), w.phrase)
            lit = self.literal(w)
            if lit is None:
                continue
            if neg:
                exclude.append(lit)
                continue
            self.literals.append(lit)
            words += lit.words
            grams += lit.grams()
            unigrams += [c for c in simplified(w.text) if han_key(c) is not None and c not in STOP_WORDS]
            if len(lit.sequences) > 1:
                synonyms.append(lit)
        if not (words or grams or synonyms):
            return None
        return Ranked(list(dict.fromkeys(words))[: MAX_TERMS * 4], list(dict.fromkeys(grams))[: MAX_TERMS * 4],
                      synonyms, exclude, list(dict.fromkeys(unigrams))[: MAX_TERMS * 4])

    def compile(self, text: str) -> Compiled:
        tree = parse(text)
        if tree is None:
            raise QueryError("The query is empty: type a word or a phrase.")
        n_words = len(words_of(tree))
        if n_words > MAX_TERMS:
            raise QueryError(f"The query has {n_words} words; the limit is {MAX_TERMS}.")
        q = self.or_query(tree) if self.op == "or" else self.node(tree)
        if q is None or not self.literals:
            if self.ignored:
                raise QueryError(
                    "Nothing to search for: the query has only particles or punctuation ("
                    + " ".join(self.ignored[:5]) + "), or only excluded words."
                )
            raise QueryError("Nothing to search for: a query needs at least one word that is not excluded.")
        return Compiled(q, self.literals, self.ignored, self.op)


def compile_query(text: str, op: str = "and", expand=None, dictionary=None) -> Compiled:
    """``dictionary``: the index's segmenter dictionary (``analysis.Dictionary``), so
    that a query word's jieba words are those its index holds."""
    if text is None or not text.strip():
        raise QueryError("The query is empty: type a word or a phrase.")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"The query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}.")
    return Compiler(op, expand, dictionary).compile(text)
