"""The embedded engine: a Whoosh index of record with per-segment posting arrays.

``EmbeddedEngine(index_dir)`` builds, changes and reads one index folder
(``layout``).  ``build`` streams sources into segments of bounded size (one
process per core), ``add`` / ``delete`` commit changes (``writer``), ``merge``
runs the tiered merge policy, and ``reader()`` is the current snapshot
(``reader.Manager``) with the name table and repeat groups derived from it.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np
from whoosh.filedb.filestore import FileStorage

from ...facets import articles_of
from ...ingest import IngestReport, fingerprint, read_sources
from ..base import Engine, FacetRequest, Filters, Matches, Paragraph, Reader
from . import layout, writer
from .reader import Manager, Snapshot
from .search_arrays import article_masks, both, count_facets, export_order, match

SHARD_MIN_PARAGRAPHS = 4000  # below this one process is faster than forking


class BuildError(RuntimeError):
    """A build that could not run or indexed nothing; the message is for the user."""


@dataclass
class BuildSummary:
    index: str
    articles: int = 0
    paragraphs: int = 0
    characters: int = 0
    segments: int = 0
    repeat_groups: dict = field(default_factory=dict)  # kind -> number of groups
    variant_groups: int = 0
    mined_pairs: int = 0
    stages: dict = field(default_factory=dict)  # stage -> seconds
    skipped: list = field(default_factory=list)  # "file: reason"
    warnings: list = field(default_factory=list)  # "file: what was ignored"
    seconds: float = 0.0

    def to_json(self):
        return asdict(self)

    def text(self) -> str:
        lines = [
            f"indexed {self.articles} articles, {self.paragraphs} paragraphs "
            f"({self.characters} characters) in {self.seconds:.1f} s -> {self.index}",
        ]
        if self.stages:
            lines.append("seconds: " + ", ".join(f"{k} {v}" for k, v in self.stages.items()))
        if self.variant_groups:
            lines.append(f"variant names: {self.variant_groups} groups ({self.mined_pairs} pairs mined "
                         "from the articles)")
        if self.repeat_groups:
            lines.append("repeated paragraphs: " + ", ".join(
                f"{v} {k} group{'s' if v != 1 else ''}" for k, v in sorted(self.repeat_groups.items())))
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)}:")
            lines += [f"  {s}" for s in self.skipped]
        if self.warnings:
            lines.append(f"warnings {len(self.warnings)}:")
            lines += [f"  {s}" for s in self.warnings]
        return "\n".join(lines)


def _mine(paragraphs):
    """Name pairs of the paragraphs, each with its derived surname and whether its Chinese
    form can be a member (computed here, where the tagger and jieba's dictionary are
    loaded, so that readers never load them)."""
    from ...names import mine_pairs
    from ...names.sources import derived_surname, member_problem

    return [(p.zh, p.alias, p.id, p.n, derived_surname(p.zh, p.alias) or "",
             (member_problem(p.zh, "mined") or "") + "\t" + (member_problem(p.alias, "mined") or ""))
            for p in mine_pairs(paragraphs)]


def _names_stamp(curated) -> str:
    """What a name table depends on besides the mined pairs: the names code, its data files and
    the curated files (paths, sizes, modification times)."""
    from ... import names
    from .derived import files_stamp

    pkg = os.path.dirname(names.__file__)
    files = sorted(os.path.join(pkg, f) for f in os.listdir(pkg) if f.endswith(".py"))
    data = os.path.join(os.path.dirname(pkg), "data")
    files += sorted(os.path.join(data, f) for f in os.listdir(data)) if os.path.isdir(data) else []
    return files_stamp([*files, *curated])


def cached_table(index_dir: str, key, build):
    """The name table for ``key`` (mined digest, curated files): read from the index's cache
    folder when this code built it before (0.4 s at 1M paragraphs instead of 2-5 s at every
    start), else built and written there (atomically; a read-only index just builds)."""
    import gc
    import hashlib
    import pickle

    digest = hashlib.sha256(repr((key, _names_stamp(key[1]))).encode("utf-8")).hexdigest()[:32]
    folder = os.path.join(index_dir, layout.CACHE)
    path = os.path.join(folder, f"names-{digest}.pickle")
    enabled = gc.isenabled()
    gc.disable()  # a table is ~200k objects, none garbage: collections while loading cost 2-3x
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass
    finally:
        if enabled:
            gc.enable()
    table = build()
    try:
        os.makedirs(folder, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump(table, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in os.listdir(folder):  # one table is enough: the others were for earlier states
            if old.startswith("names-") and old != os.path.basename(path) and not old.endswith(".tmp"):
                try:
                    os.remove(os.path.join(folder, old))
                except OSError:
                    pass
    except OSError:
        pass
    return table


def finish_summary(summary: "BuildSummary", reader, t0: float, summarize_repeats: bool) -> "BuildSummary":
    """A build's summary completed from its first reader (either engine): name groups, mined
    pairs, repeat groups by kind (up to 300k paragraphs) and the stage times."""
    t = time.time()
    names = reader.names
    summary.variant_groups = len(names.groups())
    summary.mined_pairs = len(names.mined_report())
    summary.stages["names"] = round(time.time() - t, 2)
    if summarize_repeats and summary.paragraphs <= 300_000:
        t = time.time()
        kinds: dict[str, int] = {}
        for g in reader.repeats.all_groups():
            kinds[g.kind] = kinds.get(g.kind, 0) + 1
        summary.repeat_groups = kinds
        summary.stages["repeats"] = round(time.time() - t, 2)
    prepare = getattr(reader.repeats, "prepare", None)
    if prepare is not None:  # gathered now and kept in the index's cache: the next start maps them
        t = time.time()
        prepare()
        summary.stages["repeat_index"] = round(time.time() - t, 2)
    summary.seconds = round(time.time() - t0, 2)
    return summary


def _procs() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


def base_dictionary(curated=()):
    """The segmenter dictionary a new index gets: every multi-character spelling of
    the shipped name tables (and the curated files), not the corpus's mined names."""
    from ...analysis import Dictionary
    from ...names import base_segmenter_words

    return Dictionary(base_segmenter_words(curated_paths=tuple(curated)))


class EmbeddedEngine(Engine):
    name = "embedded"

    def __init__(self, index_dir: str):
        self.dir = index_dir
        self.manager = Manager(index_dir)

    # ------------------------------------------------------------ state
    def exists(self) -> bool:
        return os.path.isdir(self.dir) and writer.latest_toc(FileStorage(self.dir)) is not None \
            if os.path.isdir(self.dir) and not layout.is_old_layout(self.dir) else False

    def after_fork(self) -> None:
        """Called in each server worker after it is forked (see ``reader.Manager.after_fork``)."""
        self.manager.after_fork()

    def settings(self) -> dict:
        """The index's settings file (read again only when it changed: every search asks)."""
        try:
            st = os.stat(os.path.join(self.dir, layout.SETTINGS))
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            stamp = None
        hit = self.__dict__.get("_settings")
        if hit is None or hit[0] != stamp or stamp is None:
            hit = self.__dict__["_settings"] = (stamp, layout.read_settings(self.dir))
        return dict(hit[1])

    def reader(self) -> "EmbeddedReader":
        snap = self.manager.current()
        return EmbeddedReader(self, snap)

    # ------------------------------------------------------------ changes
    def build(self, sources: list[str], *, progress: bool = True, curated=(), procs: int | None = None,
              summarize_repeats: bool = True) -> BuildSummary:
        """Index every article of ``sources`` as the new content of the index (readers
        keep the old content until the build commits)."""
        t0 = time.time()
        os.makedirs(self.dir, exist_ok=True)
        summary = BuildSummary(os.path.abspath(self.dir))
        report = IngestReport()
        stats = {"articles": 0, "paragraphs": 0, "characters": 0}

        def counted(articles):
            for a in articles:
                stats["articles"] += 1
                stats["paragraphs"] += len(a.paragraphs)
                stats["characters"] += sum(len(p) for p in a.paragraphs)
                yield a

        curated = tuple(os.path.abspath(c) for c in curated)
        t = time.time()
        dictionary = base_dictionary(curated)
        summary.stages["dictionary"] = round(time.time() - t, 2)
        sources = list(sources)
        settings = {"sources": [os.path.abspath(s) for s in sources], "fingerprint": fingerprint(sources),
                    "curated": list(curated), "built": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        if progress:
            import sys

            print(f"indexing {', '.join(sources)} in segments of {writer.SEGMENT_DOCS} paragraphs", file=sys.stderr)
        t = time.time()
        try:
            result = writer.apply_changes(self.dir, counted(read_sources(sources, report)), replace_all=True,
                                          dictionary=dictionary, procs=procs or _procs(), progress=progress,
                                          mine=_mine, settings=settings, wait=0.0, require_documents=True)
        except writer.NothingToIndex:
            summary.skipped = [str(x) for x in report.skipped]
            raise BuildError("nothing could be indexed" + (
                ":\n  " + "\n  ".join(summary.skipped) if summary.skipped else " (no articles found)")) from None
        except layout.WriterBusy as e:
            raise BuildError(str(e)) from None
        summary.stages["index"] = round(time.time() - t, 2)
        summary.skipped = [str(x) for x in report.skipped]
        summary.warnings = [str(x) for x in report.warnings]
        summary.articles, summary.paragraphs, summary.characters = (
            stats["articles"], stats["paragraphs"], stats["characters"])
        summary.segments = result.segments
        return finish_summary(summary, self.reader(), t0, summarize_repeats)

    def add(self, articles, *, progress: bool = False, wait: float = 30.0, procs: int | None = None):
        """Add articles (an article whose id is indexed replaces it), one commit."""
        if not self.exists():
            raise FileNotFoundError(f"no index in {self.dir}: run `searcher build` first")
        return writer.apply_changes(self.dir, articles, procs=procs or _procs(), progress=progress, wait=wait,
                                    mine=_mine)

    def change(self, articles, delete_ids, *, wait: float = 30.0):
        """Add (or replace) articles and delete ids in one commit."""
        return writer.apply_changes(self.dir, articles, delete_ids=list(delete_ids), procs=1, wait=wait,
                                    mine=_mine)

    def delete(self, ids, *, wait: float = 30.0):
        if not self.exists():
            raise FileNotFoundError(f"no index in {self.dir}: run `searcher build` first")
        return writer.apply_changes(self.dir, (), delete_ids=list(ids), wait=wait)

    def merge(self, wait: float = 30.0, all_: bool = True):
        return writer.merge_all(self.dir, wait=wait) if all_ else writer.merge_once(self.dir, wait=wait)

    # ------------------------------------------------------------ staleness (serve)
    def built_from(self, sources) -> bool:
        s = self.settings()
        return bool(s) and s.get("sources") == [os.path.abspath(x) for x in sources]

    def is_stale(self, sources) -> bool:
        s = self.settings()
        return (not self.exists() or s.get("schema_version") != _schema_version()
                or s.get("sources") != [os.path.abspath(x) for x in sources]
                or s.get("fingerprint") != fingerprint(sources))

    def outdated(self):
        """Sources of an index written by an older version (to rebuild it from); None if current."""
        if layout.is_old_layout(self.dir):
            import json

            try:
                with open(os.path.join(self.dir, "CURRENT"), encoding="utf-8") as f:
                    gen = f.read().strip()
                with open(os.path.join(self.dir, gen, "meta.json"), encoding="utf-8") as f:
                    return list(json.load(f).get("sources") or [])
            except (OSError, ValueError):
                return []
        s = self.settings()
        if s and s.get("schema_version") != _schema_version():
            return list(s.get("sources") or [])
        return None


def _schema_version():
    from .schema import SCHEMA_VERSION

    return SCHEMA_VERSION


class EmbeddedReader(Reader):
    """One snapshot of the embedded engine, with its derived name table and repeat groups."""

    def __init__(self, engine: EmbeddedEngine, snap: Snapshot):
        self.engine = engine
        self.snap = snap
        self.dictionary = snap.dictionary
        self.generation = snap.generation

    @property
    def names(self):
        settings = self.engine.settings()
        curated = tuple(settings.get("curated") or ())

        def make(snap):
            from ...names import MinedPair, build_table

            def build():
                return build_table([MinedPair(zh, alias, aid, n, sur, *problems.split("\t"))
                                    for zh, alias, aid, n, sur, problems in snap.mined()], curated_paths=curated)

            return cached_table(self.engine.dir, (snap.mined_digest(), curated), build)

        return self.engine.manager.derived("names", self.snap, make,
                                           digest=lambda s: (s.mined_digest(), curated))

    @property
    def repeats(self):
        return self.snap.repeats

    def cache(self, key, make):
        """A value derived from this snapshot, kept until the index changes."""
        return self.engine.manager.derived(repr(key), self.snap, lambda _snap: make())

    @property
    def corpus(self):
        """The names package's view of the indexed text (pinyin, compounds, discovery)."""
        from .corpus import SnapshotCorpus

        c = self.snap.__dict__.get("_corpus")
        if c is None:
            c = self.snap.__dict__["_corpus"] = SnapshotCorpus(self.snap)
        return c

    EVALUATIONS = 64  # queries one evaluator answers before its caches are dropped

    def evaluate(self, compiled):
        """(matching documents, scores).  The queries of one reader (a request: the search and
        its spelling facet) share an evaluator, so what one matched the next reuses."""
        from ...match import Evaluator

        ev, used = self.__dict__.get("_evaluator") or (None, 0)
        if ev is None or used >= self.EVALUATIONS:
            ev, used = Evaluator(self.snap), 0
        self.__dict__["_evaluator"] = (ev, used + 1)
        return ev.run(compiled)

    def _filtered(self, compiled, filters: Filters, facets: FacetRequest | None):
        """(matching documents the filters keep, their scores, their articles, how many
        articles they are, the facets when asked)."""
        snap = self.snap
        docs, scores = self.evaluate(compiled)
        arts = snap.doc_article[docs]
        matched = articles_of(arts)
        date_keep, outlet_keep = article_masks(snap, matched, filters)
        keep = both(date_keep, outlet_keep)
        if keep is not None and not keep.all():
            wanted = np.zeros(max(snap.narticles, 1), bool)
            wanted[matched[keep]] = True
            by_doc = wanted[arts]
            kept, kept_scores, kept_arts = docs[by_doc], scores[by_doc], arts[by_doc]
            total = int(keep.sum())
        else:  # no filter took anything away: no copies of every match
            kept, kept_scores, kept_arts, total = docs, scores, arts, len(matched)
        counted = None
        if facets is not None:
            counted = count_facets(snap, matched, date_keep, outlet_keep, docs, kept, facets, self._spelling_docs)
        return kept, kept_scores, kept_arts, total, counted

    def _spelling_docs(self, spelling: str):
        from ...query import QueryError, compile_query

        try:
            compiled = compile_query('"' + spelling.replace('"', " ") + '"', "and", None, self.dictionary)
        except QueryError:
            return np.zeros(0, np.int64)
        return self.evaluate(compiled)[0]

    def match(self, compiled, filters: Filters, sort: str, offset: int, limit: int, candidates: int,
              facets: FacetRequest | None = None) -> Matches:
        docs, scores, arts, total, counted = self._filtered(compiled, filters, facets)
        m = match(self.snap, docs, scores, sort, offset, limit, candidates, arts, total)
        m.facets = counted or {}
        return m

    def export(self, compiled, filters: Filters, sort: str, cap: int):
        docs, scores, *_ = self._filtered(compiled, filters, None)
        return export_order(self.snap, docs, scores, sort)[:cap].tolist(), int(len(docs))

    def word_df(self, word: str) -> int:
        return self.corpus._word_df(word)

    def matching_refs(self, compiled) -> list:
        return self.evaluate(compiled)[0].tolist()

    def paragraph(self, ref) -> Paragraph:
        """A paragraph's stored fields (read from Whoosh once per reader: a request)."""
        cache = self.__dict__.setdefault("_paragraphs", {})
        p = cache.get(ref)
        if p is None:
            f = self.snap.stored(int(ref))
            p = cache[ref] = Paragraph(f["article"], int(f["n"]), f.get("title", ""), f.get("date") or None,
                                       f["text"], f.get("source", ""), f.get("url", ""), f.get("author", ""))
        return p

    def n_of(self, ref) -> int:
        return int(self.snap.doc_n[int(ref)])

    def article(self, article_id: str):
        docs = self.snap.article_docs(article_id)
        if not len(docs):
            return None
        return [(int(d), self.paragraph(d)) for d in docs.tolist()]

    def key(self, ref) -> tuple[str, int]:
        d = int(ref)
        return self.snap.article_ids[int(self.snap.doc_article[d])], int(self.snap.doc_n[d])

    def stats(self) -> dict:
        s = self.snap
        return {"engine": "embedded", "generation": s.generation, "segments": len(s.segments),
                "paragraphs": s.nlive, "articles": s.narticles,
                "deleted": int(s.ndocs - s.nlive)}
