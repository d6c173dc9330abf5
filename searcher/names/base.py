"""The base name table (lexicon + OpenCC vocabulary + the shipped curated file), built once per
version of its inputs and cached, and the corpus's mined pairs applied on top of it.

``build_table(mined, curated_paths=())`` is what the engine calls at read time.  Its result
depends only on its arguments and the base: mined pairs are sorted canonically first, the base
state is unpickled fresh for every call (nothing is shared or mutated across calls).

The cache is a pickle of the builder's state after the base records, keyed by a hash of every
input (lexicon and curated bytes, OpenCC's phrase table, jieba's version) and of the code that
reads them.  It lives in ``$SEARCHER_CACHE_DIR``, else ``$XDG_CACHE_HOME/searcher`` or
``~/.cache/searcher`` (a temporary folder when that cannot be written).  It is written to a
unique temporary file and renamed into place, so two processes building it at once each write a
complete file and the last rename wins; a cache file that cannot be read is rebuilt.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import sys
import threading
import time
from typing import Iterable

from .cache import cache_dir
from .keys import CURATED_PATH, HAN_RE, LEXICON_PATH
from ..normalize import simplify

log = logging.getLogger(__name__)

FORMAT = 1
_CODE = ("keys.py", "sources.py", "table.py", "translit.py", "base.py")
_lock = threading.Lock()
_memo: dict[str, tuple[bytes, list[str]]] = {}
timings: dict[str, float] = {}  # last base load: {"build_s" | "load_s": seconds}


def _file_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _opencc_table() -> str:
    try:
        import opencc

        return os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TWPhrases.txt")
    except ImportError:  # pragma: no cover
        return ""


def base_key(lexicon_path: str = LEXICON_PATH, curated_path: str = CURATED_PATH, opencc: bool = True) -> str:
    import jieba

    h = hashlib.sha256()
    h.update(f"format {FORMAT} py {sys.version_info[:2]} jieba {jieba.__version__} opencc {opencc}\n".encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _CODE:
        h.update(_file_bytes(os.path.join(here, name)))
    for path in (lexicon_path, curated_path, _opencc_table() if opencc else ""):
        h.update(path.encode() + b"\0" + hashlib.sha256(_file_bytes(path)).digest())
    return h.hexdigest()[:24]


def _build_base(lexicon_path: str, curated_path: str, opencc: bool):
    from .sources import opencc_records, read_curated, read_lexicon
    from .table import TableBuilder

    b = TableBuilder()
    recs = read_lexicon(lexicon_path) if lexicon_path else []
    b.stats["lexicon_groups_read"] = len(recs)
    for r in recs:
        b.add(r)
    if opencc:
        recs = opencc_records()
        b.stats["opencc_pairs_read"] = len(recs)
        for r in recs:
            b.add(r)
    if curated_path:
        recs = read_curated(curated_path)
        b.stats["curated_lines_read"] += len(recs)
        for r in recs:
            b.add(r)
    words = set()
    for comp in b.comps.values():
        for k, written in comp.written.items():
            for m in written:
                s = simplify(m).strip()
                if len(s) >= 2 and all(HAN_RE.match(c) for c in s):
                    words.add(s)
    return b, sorted(words)


def pinyin_index(words) -> dict[str, list[str]]:
    """pinyin key -> the spellings (Simplified, >= 2 Han characters) that read so."""
    from .pinyin import pinyin_key

    out: dict[str, list[str]] = {}
    for w in words:
        k = pinyin_key(w)
        if k:
            out.setdefault(k, []).append(w)
    return out


def base_groups(builder):
    from .table import base_groups as groups

    return groups(builder)


def _base(lexicon_path: str = LEXICON_PATH, curated_path: str = CURATED_PATH, opencc: bool = True):
    """(pickled builder state, segmenter words) of the base, from memory, the cache or built."""
    key = base_key(lexicon_path, curated_path, opencc)
    got = _memo.get(key)
    if got is not None:
        return got
    with _lock:
        got = _memo.get(key)
        if got is not None:
            return got
        path = os.path.join(cache_dir(), f"names-base-{key}.pickle")
        t0 = time.perf_counter()
        try:
            with open(path, "rb") as f:
                data = pickle.load(f)
            got = (data["state"], data["words"], data["pinyin"])
            timings["load_s"] = time.perf_counter() - t0
        except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, AttributeError):
            builder, words = _build_base(lexicon_path, curated_path, opencc)
            state = pickle.dumps(builder, protocol=pickle.HIGHEST_PROTOCOL)
            got = (state, words, pinyin_index(words))
            timings["build_s"] = time.perf_counter() - t0
            tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
            try:
                with open(tmp, "wb") as f:
                    pickle.dump({"state": state, "words": words, "pinyin": got[2]}, f,
                                protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
            except OSError as e:  # a read-only cache only costs time
                log.info("names: base table not cached (%s)", e)
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        _memo[key] = got
        return got


_builders: dict[tuple, tuple] = {}


def _base_builder(lexicon_path: str, curated_path: str, opencc: bool):
    """(base builder, its finished groups), unpickled once per process and never changed."""
    key = (lexicon_path, curated_path, opencc, base_key(lexicon_path, curated_path, opencc))
    got = _builders.get(key)
    if got is None:
        state, _, _ = _base(lexicon_path, curated_path, opencc)
        with _lock:
            got = _builders.get(key)
            if got is None:
                b = pickle.loads(state)
                got = _builders[key] = (b, base_groups(b))
    return got


def _canonical(mined) -> list:
    return sorted(mined, key=lambda p: (str(p.id), int(p.n), p.zh, p.alias))


def build_table(mined: Iterable = (), curated_paths: Iterable[str] = (), *, lexicon_path: str = LEXICON_PATH,
                shipped_curated: bool = True, opencc: bool = True):
    """The name table: the cached base, then extra curated files, then the mined pairs.

    The result does not depend on the order of ``mined`` nor on anything that ran before."""
    from .sources import mined_records, read_curated
    from .table import OverlayBuilder

    b = OverlayBuilder(*_base_builder(lexicon_path, CURATED_PATH if shipped_curated else "", opencc))
    for p in curated_paths or ():
        if shipped_curated and os.path.abspath(p) == os.path.abspath(CURATED_PATH):
            continue
        recs = read_curated(p)
        b.stats["curated_lines_read"] += len(recs)
        for r in recs:
            b.add(r)
    mined = _canonical(mined)
    b.stats["mined_pairs"] = len(mined)
    for r in mined_records(mined):
        b.add(r)
    table = b.finish()
    # spellings a typed pinyin string may stand for: the base's (cached) and the mined ones
    extra = {simplify(p.zh).strip() for p in mined}
    extra = [w for w in extra if len(w) >= 2 and all(HAN_RE.match(c) for c in w)]
    table.pinyin_spellings = (_base(lexicon_path, CURATED_PATH if shipped_curated else "", opencc)[2],
                              _Lazy(functools.partial(pinyin_index, extra)))
    return table


class _Lazy:
    """A mapping computed on first use (the mined spellings' pinyin: only pinyin queries
    need it, and reading pinyin loads pypinyin's tables)."""

    def __init__(self, make):
        self.make, self.value = make, None

    def get(self, key, default=()):
        if self.value is None:
            self.value = self.make()
        return self.value.get(key, default)


def base_segmenter_words(curated_paths: Iterable[str] = ()) -> list[str]:
    """Multi-character all-Han spellings of the base (and of extra curated files) in Simplified
    form, sorted: the segmenter's user dictionary.  Independent of any corpus."""
    from .sources import read_curated

    _, words, _ = _base()
    extra = set()
    for p in curated_paths or ():
        if os.path.abspath(p) == os.path.abspath(CURATED_PATH):
            continue
        for r in read_curated(p):
            for m in r.members:
                s = simplify(m).strip()
                if len(s) >= 2 and all(HAN_RE.match(c) for c in s):
                    extra.add(s)
    return sorted(set(words) | extra) if extra else list(words)
