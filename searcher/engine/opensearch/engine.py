"""The cluster engine: the same interface as the embedded one, over an OpenSearch index.

``OpenSearchEngine(urls, index_name)`` builds, changes and reads the index behind the alias
``index_name`` (``state`` for the commit protocol, ``writer`` for writes, ``reader`` for
reads).  Everything a process derives from one visible generation (collection statistics,
document frequencies, the name table, repeat groups) is cached here per physical index and
generation, so a process that serves many requests asks the cluster for it once.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
import time

from ...ingest import IngestReport, fingerprint, read_sources
from ..base import Engine, EngineError
from ..embedded.engine import BuildError, BuildSummary, _mine, _procs, base_dictionary, finish_summary
from ..embedded.writer import NothingToIndex
from . import state
from .client import Client, OpenSearchError, resolve_urls

INDEX_ENV = "SEARCHER_INDEX_NAME"
DEFAULT_INDEX_NAME = "searcher"
_NAME_RE = re.compile(r"\A[a-z0-9][a-z0-9_.-]{0,150}\Z")


def index_name_of(name: str | None) -> str:
    name = name or os.environ.get(INDEX_ENV) or DEFAULT_INDEX_NAME
    if not _NAME_RE.match(name) or name.endswith("-writelock"):
        raise EngineError(f"index name {name!r}: use lowercase letters, digits and - _ . (starting with a "
                          "letter or digit)")
    return name


class OpenSearchEngine(Engine):
    name = "opensearch"

    def __init__(self, urls=None, index_name: str | None = None, *, shards: int | None = None,
                 replicas: int | None = None, window: int | None = None, swap_grace: float | None = None,
                 exact_scores: bool = True, client: Client | None = None, **client_options):
        self.urls = resolve_urls(urls)
        self.index_name = index_name_of(index_name)
        client_options.setdefault("pool_maxsize", 16)  # connections kept per node (a server's threads share them)
        self.client = client or Client(self.urls, **client_options)
        self.shards, self.replicas = shards, replicas
        self.window = window
        self.exact_scores = exact_scores  # False: rank by OpenSearch's own BM25 (comparisons only)
        self.swap_grace = 3.0 if swap_grace is None else swap_grace
        self._lock = threading.Lock()
        self._derived: dict = {}
        self._dictionaries: dict = {}

    def __repr__(self):
        return f"OpenSearchEngine({self.urls}, {self.index_name!r})"

    def missing_message(self) -> str:
        return (f"no index {self.index_name!r} on the OpenSearch cluster at {', '.join(self.urls)}: build one "
                f"with `searcher build --engine opensearch --url {self.urls[0]} --index-name {self.index_name}`")

    # ------------------------------------------------------------ state
    def meta(self) -> state.Meta | None:
        return state.read_meta(self.client, self.index_name)

    def exists(self) -> bool:
        m = self.meta()
        return m is not None and m.generation > 0

    def settings(self) -> dict:
        m = self.meta()
        return m.settings if m is not None else {}

    def reader(self) -> "OpenSearchReader":
        from .reader import OpenSearchReader

        m = self.meta()
        if m is None or m.generation <= 0:
            raise FileNotFoundError(self.missing_message())
        return OpenSearchReader(self, m)

    def dictionary_of(self, meta: state.Meta):
        """The segmenter dictionary an index was built with (stored in it), cached per digest."""
        from ...analysis import Dictionary

        key = (meta.index, meta.payload.get("dictionary"))
        d = self._dictionaries.get(key)
        if d is None:
            r = self.client.call(lambda c: c.get(index=meta.index, id=state.DICTIONARY_ID), "dictionary read")
            d = Dictionary(r["_source"]["payload"]["words"])
            self._dictionaries[key] = d
        return d

    def derived(self, key, make):
        """A value derived from one physical index and generation (``key`` includes them)."""
        hit = self._derived.get(key)
        if hit is not None:
            return hit[0]
        value = make()
        with self._lock:
            if len(self._derived) > 256:
                for k in list(self._derived)[:128]:
                    del self._derived[k]
            self._derived[key] = (value,)
        return value

    # ------------------------------------------------------------ changes
    def build(self, sources: list[str], *, progress: bool = True, curated=(), procs: int | None = None,
              summarize_repeats: bool = True) -> BuildSummary:
        t0 = time.time()
        report = IngestReport()
        curated = tuple(os.path.abspath(c) for c in curated)
        summary = BuildSummary(f"{self.index_name} on {', '.join(self.urls)}")
        t = time.time()
        dictionary = base_dictionary(curated)
        summary.stages["dictionary"] = round(time.time() - t, 2)
        sources = list(sources)
        settings = {"sources": [os.path.abspath(s) for s in sources], "fingerprint": fingerprint(sources),
                    "curated": [{"path": c, "text": _read(c)} for c in curated],
                    "built": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        stats = {"characters": 0}

        def counted(articles):
            for a in articles:
                stats["characters"] += sum(len(p) for p in a.paragraphs)
                yield a

        if progress:
            import sys

            print(f"indexing {', '.join(sources)} into {self.index_name} on {', '.join(self.urls)}", file=sys.stderr)
        from . import writer

        try:
            done = writer.build(self, counted(read_sources(sources, report)), dictionary=dictionary,
                                settings=settings, progress=progress, mine=_mine, procs=procs or _procs(),
                                shards=self.shards, replicas=self.replicas)
        except NothingToIndex:
            skipped = [str(x) for x in report.skipped]
            raise BuildError("nothing could be indexed" + (
                ":\n  " + "\n  ".join(skipped) if skipped else " (no articles found)")) from None
        except OpenSearchError as e:
            raise BuildError(str(e)) from None
        summary.index = f"{self.index_name} ({done['index']}) on {', '.join(self.urls)}"
        summary.stages.update(done["stages"])
        summary.skipped = [str(x) for x in report.skipped]
        summary.warnings = [str(x) for x in report.warnings]
        summary.articles, summary.paragraphs, summary.characters = done["articles"], done["paragraphs"], \
            stats["characters"]
        summary.segments = 1
        return finish_summary(summary, self.reader(), t0, summarize_repeats)

    def add(self, articles, *, progress: bool = False, wait: float = 30.0, procs: int | None = None):
        from . import writer

        return writer.apply_changes(self, articles, wait=wait, progress=progress, mine=_mine)

    def change(self, articles, delete_ids, *, wait: float = 30.0):
        from . import writer

        return writer.apply_changes(self, articles, list(delete_ids), wait=wait, mine=_mine)

    def delete(self, ids, *, wait: float = 30.0):
        from . import writer

        return writer.apply_changes(self, (), list(ids), wait=wait)

    def merge(self, wait: float = 30.0, all_: bool = True):
        """Purge documents no reader can need any more (the cluster merges its own segments)."""
        m = self.meta()
        if m is None or m.pending is not None:
            return []
        upto = state.purge_upto(m)
        if upto <= int(m.payload.get("purged") or 0):
            return []
        with state.WriteLock(self.client, self.index_name, wait=wait):
            m = self.meta()
            if m is None or m.pending is not None:
                return []
            t = time.time()
            n = state.purge(self.client, m, state.purge_upto(m))
            state.write_meta(self.client, m)
        return [{"merged": [], "purged": n, "docs": n, "seconds": round(time.time() - t, 2)}] if n else []

    # ------------------------------------------------------------ staleness (serve)
    def built_from(self, sources) -> bool:
        s = self.settings()
        return bool(s) and s.get("sources") == [os.path.abspath(x) for x in sources]

    def is_stale(self, sources) -> bool:
        m = self.meta()
        if m is None or m.generation <= 0:
            return True
        s = m.settings
        return (m.schema_version != state.SCHEMA_VERSION or s.get("sources") != [os.path.abspath(x) for x in sources]
                or s.get("fingerprint") != fingerprint(sources))

    def outdated(self):
        m = self.meta()
        if m is not None and m.generation > 0 and m.schema_version != state.SCHEMA_VERSION:
            return list(m.settings.get("sources") or [])
        return None

    def curated_paths(self, meta: state.Meta) -> tuple:
        """The curated files the index was built with, as files here (their text is stored)."""
        out = []
        for c in meta.settings.get("curated") or []:
            path, text = c.get("path"), c.get("text")
            if path and os.path.isfile(path) and (text is None or _read(path) == text):
                out.append(path)
            elif text is not None:
                from ...names.cache import cache_dir

                d = os.path.join(cache_dir(), "curated")
                os.makedirs(d, exist_ok=True)
                p = os.path.join(d, hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] + ".tsv")
                if not os.path.exists(p):
                    with open(p + ".tmp", "w", encoding="utf-8") as f:
                        f.write(text)
                    os.replace(p + ".tmp", p)
                out.append(p)
        return tuple(out)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None
