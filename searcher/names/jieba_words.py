"""jieba's bundled dictionary (word -> frequency, part-of-speech tag) as memory-mapped columns.

Name lookup asks it whether a string is a known word and how common (is 克蘭 a word? is this
transliteration a dictionary noun?).  Parsing ``dict.txt`` into a dict takes about 0.4 s and
was paid by the first search after every start; instead it is compiled once per version of the
file into a column folder in the names cache (``cache.cache_dir()``): the words with a hash
index, their frequencies and tags.  Opening it maps the files; a lookup is a hash and a binary
search.  The folder is written under a temporary name and renamed into place, so a reader
never sees half of one; a folder that cannot be read is compiled again.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import Counter

import numpy as np

from ..engine.store import Strings, load_array, save_arrays, save_strings
from .cache import cache_dir
from .keys import NAME_TAGS

log = logging.getLogger(__name__)

FORMAT = 2  # 2: the characters' frequencies in non-name words (``char_freq``)


def dict_path() -> str:
    """jieba's ``dict.txt``, found without importing jieba (its import alone takes 0.1 s)."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    return os.path.join(list(spec.submodule_search_locations)[0], "dict.txt")


def parse(path: str) -> dict[str, tuple[int, str]]:
    """word -> (frequency, tag) of a jieba dictionary file (a line without a tag: "x")."""
    d = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                d[parts[0]] = (int(parts[1]), parts[2])
            elif len(parts) == 2:
                d[parts[0]] = (int(parts[1]), "x")
    return d


class JiebaWords:
    """Read-only mapping word -> (frequency, tag) over a compiled column folder."""

    def __init__(self, folder: str):
        self.words = Strings(folder, "words")
        self.freq = load_array(folder, "freq")
        self.tag = load_array(folder, "tag")
        with open(os.path.join(folder, "tags.txt"), encoding="utf-8") as f:
            self.tags = f.read().split("\n")
        with open(os.path.join(folder, "chars.txt"), encoding="utf-8") as f:
            self._chars = f.read()
        self._char_freq = load_array(folder, "char_freq")
        if len(self.freq) != len(self.words) or len(self.tag) != len(self.words) \
                or len(self._chars) != len(self._char_freq):
            raise ValueError(f"{folder}: columns of different lengths")

    def char_freq(self) -> dict[str, int]:
        """character -> the summed frequency of the words holding it, over the words not
        tagged as names (``keys.NAME_TAGS``): how ordinary a character is."""
        return dict(zip(self._chars, self._char_freq.tolist()))

    @staticmethod
    def compile(entries: dict[str, tuple[int, str]], folder: str) -> None:
        words = list(entries)
        tags = sorted({t for _, t in entries.values()})
        tag_id = {t: i for i, t in enumerate(tags)}
        save_strings(folder, "words", words, index=True)
        save_arrays(folder, {"freq": np.array([f for f, _ in entries.values()], np.int64),
                             "tag": np.array([tag_id[t] for _, t in entries.values()], np.uint16)})
        with open(os.path.join(folder, "tags.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(tags))
        general: Counter = Counter()
        for w, (freq, tag) in entries.items():
            if tag not in NAME_TAGS:
                for c in w:
                    general[c] += freq
        chars = "".join(general)
        with open(os.path.join(folder, "chars.txt"), "w", encoding="utf-8", newline="") as f:
            f.write(chars)
        save_arrays(folder, {"char_freq": np.array([general[c] for c in chars], np.int64)})

    def __len__(self) -> int:
        return len(self.words)

    def _row(self, word) -> int:
        try:
            return self.words.find(word) if isinstance(word, str) else -1
        except UnicodeEncodeError:  # a lone surrogate (typed garbage) is no word
            return -1

    def get(self, word: str, default=None):
        i = self._row(word)
        return default if i < 0 else (int(self.freq[i]), self.tags[int(self.tag[i])])

    def __contains__(self, word) -> bool:
        return self._row(word) >= 0

    def __getitem__(self, word: str) -> tuple[int, str]:
        e = self.get(word)
        if e is None:
            raise KeyError(word)
        return e

    def items(self):
        freq, tag, tags = self.freq.tolist(), self.tag.tolist(), self.tags
        for i, w in enumerate(self.words):
            yield w, (freq[i], tags[tag[i]])


def _key(path: str) -> str:
    st = os.stat(path)
    h = hashlib.blake2b(f"{FORMAT}\0{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}".encode(),
                        digest_size=10)
    return h.hexdigest()


def load(path: str | None = None) -> JiebaWords:
    """The compiled dictionary of ``path`` (jieba's own by default), compiled if needed."""
    path = path or dict_path()
    folder = os.path.join(cache_dir(), f"jieba-dict-{_key(path)}")
    try:
        return JiebaWords(folder)
    except (OSError, ValueError):
        pass
    tmp = f"{folder}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    JiebaWords.compile(parse(path), tmp)
    try:
        os.rename(tmp, folder)
    except OSError:  # another process compiled it first (or the cache is read-only): use ours
        try:
            return JiebaWords(folder)
        except (OSError, ValueError):
            log.info("names: jieba dictionary read from %s (not cached)", tmp)
            return JiebaWords(tmp)
    return JiebaWords(folder)


_lock = threading.Lock()
_words: JiebaWords | None = None


def jieba_words() -> JiebaWords:
    """jieba's bundled dictionary, opened once per process (it never changes)."""
    global _words
    if _words is None:
        with _lock:
            if _words is None:
                _words = load()
    return _words
