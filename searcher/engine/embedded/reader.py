"""Reading an index: a snapshot of one commit, reopened only when the index changes.

``Snapshot`` is what one commit holds: its segments in order, each with its
accelerator (memory-mapped), its live-document mask (from Whoosh's deletions)
and a Whoosh segment reader for stored fields, kept open.  Documents are
numbered globally: segment k's documents start at ``base[k]``.  Everything a
query needs per document (paragraph number, date, article and outlet ordinals,
lengths for BM25) is gathered into global arrays when the snapshot opens;
article ordinals sort as article ids do, so ties are broken the same way
whatever the segment layout.

``Manager`` (Lucene's SearcherManager) hands out the current snapshot and opens
a new one when a commit lands, reusing the accelerators and Whoosh readers of
segments that did not change (a new deletion only changes a live mask).
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
import weakref
from functools import cached_property

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from ...repeats import RepeatIndex, RepeatSegment
from .accel import SegmentAccel
from .layout import INDEX_NAME, accel_dir
from .writer import latest_toc, live_mask


class _Stored:
    """A Whoosh segment reader for stored fields, shared by the snapshots that hold its
    segment and closed when the last of them is gone."""

    def __init__(self, storage, schema, segment):
        self.reader = SegmentReader(storage, schema, segment)
        self.lock = threading.Lock()
        self._ready = True
        pd = getattr(self.reader, "_perdoc", None)
        self._perdoc = pd if callable(getattr(pd, "stored_fields", None)) else None
        if self.reader.doc_count_all():
            # Open the stored-fields file now (a merge may unlink it later) but leave Whoosh's
            # per-document offsets, read in pure Python (0.36 s for 1M paragraphs), to the
            # first read of this segment: a start opens every segment, a search reads few.
            # (Whoosh 2.7.4's per-document reader, pinned: its open column files and readers.)
            if pd is not None and hasattr(pd, "_colfiles") and hasattr(pd, "_get_column_file"):
                pd._colfiles["_stored"] = _mapped_column(storage, segment, pd)
                self._ready = False
            else:
                self.reader.stored_fields(0)
        weakref.finalize(self, _close, self.reader)

    def get(self, docnum: int) -> dict:
        with self.lock:  # Whoosh readers seek and read a shared file
            if not self._ready:  # the column reader over the file opened above, even if unlinked since
                pd = self.reader._perdoc
                if "_stored" not in pd._readers:
                    from whoosh.codec.whoosh3 import STORED_COLUMN

                    pd._readers["_stored"] = pd.column_reader("_stored", STORED_COLUMN)
                self._ready = True
            if self._perdoc is not None:  # what SegmentReader.stored_fields returns, without its
                return self._perdoc.stored_fields(docnum)  # check for fields our schema never drops
            return self.reader.stored_fields(docnum)


class _MappedFile(BufferFile):
    """Whoosh's in-memory file over a memory map of a segment file, without the copy its
    ``BufferFile`` makes (a ``BytesIO`` of the whole buffer): a stored-fields read is a slice
    of the map, where a read of the file was a seek and a read system call."""

    def __init__(self, mapped, name=None):  # (BufferFile's attributes; no BytesIO)
        self._buf = mapped
        self._name = name
        self.file = mapped  # closed with the file
        self.onclose = None
        self.is_real = False
        self.is_closed = False


def _mapped_column(storage, segment, perdoc):
    """(file, offset, length) of a segment's stored-fields column as Whoosh's per-document
    reader holds it, memory-mapped (an unlinked file stays mapped, as an open one stays
    readable); the file as Whoosh opens it when it cannot be mapped."""
    import mmap

    from whoosh.codec.whoosh3 import W3Codec

    name = W3Codec.column_filename(segment, "_stored")
    try:
        with open(os.path.join(storage.folder, name), "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return perdoc._get_column_file("_stored")
    return _MappedFile(mapped, name=name), 0, len(mapped)


def _close(reader) -> None:
    try:
        reader.close()
    except Exception:  # noqa: BLE001
        pass


class SegmentView:
    """One segment of a snapshot."""

    def __init__(self, index_dir: str, storage, schema, segment, previous: "SegmentView | None" = None):
        self.segid = segment.segid
        self.segment = segment
        if previous is not None:
            self.accel, self._stored = previous.accel, previous._stored
        else:
            self.accel = SegmentAccel(accel_dir(index_dir, self.segid))
            self._stored = _Stored(storage, schema, segment)
        self.ndocs = segment.doc_count_all()
        self.live = live_mask(segment)
        self.deleted = self.ndocs - int(self.live.sum())
        self.base = 0

    def stored(self, local: int) -> dict:
        return self._stored.get(int(self.accel.doc_whoosh[local]))


class Snapshot:
    """The documents of one commit, with global per-document arrays."""

    def __init__(self, index_dir: str, toc, previous: "Snapshot | None" = None):
        self.index_dir = index_dir
        self.generation = toc.generation
        self.schema = toc.schema
        self.dictionary = toc.schema["words"].analyzer[0].dictionary
        storage = FileStorage(index_dir)
        old = {v.segid: v for v in previous.segments} if previous is not None else {}
        self.segments: list[SegmentView] = []
        base = 0
        for seg in toc.segments:
            v = SegmentView(index_dir, storage, toc.schema, seg, old.get(seg.segid))
            v.base = base
            base += v.ndocs
            self.segments.append(v)
        self.ndocs = base
        self._norms: dict = {}
        self.bases = np.array([v.base for v in self.segments] + [base], np.int64)
        cat = lambda f, dt=None: (np.concatenate([np.asarray(f(v)) for v in self.segments]).astype(dt) if dt else  # noqa: E731
                                  np.concatenate([np.asarray(f(v)) for v in self.segments])) if self.segments else np.zeros(0, dt or np.int32)
        self.live = cat(lambda v: v.live, bool)
        self.nlive = int(self.live.sum())
        self.doc_n = cat(lambda v: v.accel.doc_n, np.int32)
        self.doc_date = cat(lambda v: v.accel.doc_date, np.int32)
        self.uni_len = cat(lambda v: v.accel.uni_len, np.float32)
        self.gram_len = cat(lambda v: v.accel.gram_len, np.float32)
        self.word_len = cat(lambda v: v.accel.word_len, np.float32)
        self.title_uni_len = cat(lambda v: np.asarray(v.accel.art_title_uni_len)[np.asarray(v.accel.doc_art)],
                                 np.float32)
        self.title_gram_len = cat(lambda v: np.asarray(v.accel.art_title_gram_len)[np.asarray(v.accel.doc_art)],
                                  np.float32)
        live = self.live
        n = max(self.nlive, 1)
        self.avg = {"uni": float(self.uni_len[live].sum(dtype=np.float64)) / n or 1.0,
                    "gram": float(self.gram_len[live].sum(dtype=np.float64)) / n or 1.0,
                    "word": float(self.word_len[live].sum(dtype=np.float64)) / n or 1.0,
                    "title_uni": float(self.title_uni_len[live].sum(dtype=np.float64)) / n or 1.0,
                    "title_gram": float(self.title_gram_len[live].sum(dtype=np.float64)) / n or 1.0}
        self._load_articles(index_dir)

    def _load_articles(self, index_dir: str) -> None:
        """``_articles``, or what it gave for the same segments, from the index's cache."""
        from ..store import Strings, string_arrays
        from .derived import DerivedArrays, files_stamp, segments_digest

        cache = DerivedArrays(index_dir, "articles", segments_digest(self.segments, files_stamp([__file__])))
        got = cache.get("articles")
        arrays = ("doc_article", "doc_outlet", "art_date", "art_outlet")
        if got is not None and {"ids.blob", "ids.off", "outlets.blob", "outlets.off", *arrays} == set(got):
            self.article_ids = Strings.from_arrays(got, "ids")
            self.outlets = Strings.from_arrays(got, "outlets").tolist()
            for k in arrays:
                setattr(self, k, got[k])
            self.narticles = len(self.article_ids)
            return
        self._articles()
        cache.put("articles", {**string_arrays("ids", self.article_ids), **string_arrays("outlets", self.outlets),
                               **{k: getattr(self, k) for k in arrays}})

    def norm(self, kind: str) -> np.ndarray:
        """BM25's length normalisation of every document for a length ``kind`` ("uni", "gram",
        "word"): K1 * (1 - B + B * length / average), float32, worked out once per snapshot."""
        hit = self._norms.get(kind)
        if hit is None:
            from ...ranking import B, K1

            hit = self._norms[kind] = K1 * (1 - B + B * getattr(self, f"{kind}_len") / self.avg[kind])
        return hit

    def _articles(self):
        """Global article ordinals (live articles, sorted by id) and outlet ordinals, of every
        document and every article.
        (Python work over every article: 0.2 s at a million paragraphs, hence the cache.)"""
        per_seg, ids, outlets = [], set(), set()
        for v in self.segments:
            a = v.accel
            seg_ids = a.art_id.tolist()
            seg_src = a.art_source.tolist()
            alive = np.add.reduceat(v.live.astype(np.int64), np.asarray(a.art_first)) > 0 if len(seg_ids) else \
                np.zeros(0, bool)
            per_seg.append((seg_ids, seg_src, alive))
            ids.update(i for i, ok in zip(seg_ids, alive.tolist()) if ok)
            outlets.update(s for s, ok in zip(seg_src, alive.tolist()) if ok)
        self.article_ids = sorted(ids)
        ordinal = {aid: i for i, aid in enumerate(self.article_ids)}
        self.outlets = [""] + sorted(outlets - {""})  # ordinal 0: no outlet given
        oo = {s: i for i, s in enumerate(self.outlets)}
        arts, srcs = [], []
        for v, (seg_ids, seg_src, alive) in zip(self.segments, per_seg):
            amap = np.array([ordinal.get(i, -1) if ok else -1 for i, ok in zip(seg_ids, alive.tolist())],
                            np.int32)
            smap = np.array([oo.get(s, -1) if ok else -1 for s, ok in zip(seg_src, alive.tolist())], np.int32)
            da = np.asarray(v.accel.doc_art)
            arts.append(amap[da] if len(amap) else np.zeros(len(da), np.int32))
            srcs.append(smap[da] if len(smap) else np.zeros(len(da), np.int32))
        self.doc_article = np.concatenate(arts) if arts else np.zeros(0, np.int32)
        self.doc_outlet = np.concatenate(srcs) if srcs else np.zeros(0, np.int32)
        self.narticles = len(self.article_ids)
        # per article: its date (YYYYMMDD, 0: none) and outlet ordinal, from its live paragraphs
        live = np.flatnonzero(self.live & (self.doc_article >= 0))
        self.art_date = np.zeros(self.narticles, np.int32)
        self.art_date[self.doc_article[live]] = self.doc_date[live]
        self.art_outlet = np.zeros(self.narticles, np.int32)
        self.art_outlet[self.doc_article[live]] = self.doc_outlet[live]

    # ------------------------------------------------------------ documents
    def segment_of(self, doc: int) -> SegmentView:
        return self.segments[int(np.searchsorted(self.bases, doc, side="right")) - 1]

    def stored(self, doc: int) -> dict:
        v = self.segment_of(doc)
        return v.stored(doc - v.base)

    def article_docs(self, article_id: str) -> np.ndarray:
        """Global documents of a live article, in paragraph order."""
        out = []
        for v in self.segments:
            local = v.accel.article_docs(article_id)
            local = local[v.live[local]] if len(local) else local
            if len(local):
                out.append(local + v.base)
        if not out:
            return np.zeros(0, np.int64)
        docs = np.concatenate(out)
        return docs[np.argsort(self.doc_n[docs], kind="stable")]

    # ------------------------------------------------------------ derived, per snapshot
    @cached_property
    def doc_class(self) -> np.ndarray:
        return np.concatenate([np.asarray(v.accel.doc_class) for v in self.segments]) if self.segments else \
            np.zeros(0, np.uint64)

    @cached_property
    def repeats(self) -> RepeatIndex:
        segs = [RepeatSegment(v.base, v.live, v.accel.cls_sorted, v.accel.cls_doc, v.accel.table, v.accel.e_src,
                              v.accel.e_dst, v.accel.e_sim) for v in self.segments]
        doc_len = np.concatenate([np.asarray(v.accel.doc_nlen) for v in self.segments]) if self.segments else \
            np.zeros(0, np.int32)
        from ... import repeats
        from .derived import DerivedArrays, code_stamp, segments_digest

        cache = DerivedArrays(self.index_dir, "repeats", segments_digest(self.segments, code_stamp(repeats)))
        return RepeatIndex(segs, self.doc_class, doc_len, self.doc_article, self.doc_n, self.doc_date,
                           self.article_ids.__getitem__, cache)

    @cached_property
    def _mined(self) -> list[tuple[str, str, str, int]]:
        out = []
        for v in self.segments:
            for d, zh, alias, aid, n, sur, problem in v.accel.mined_rows():
                if v.live[d]:
                    out.append((zh, alias, aid, n, sur, problem))
        return sorted(out)

    def mined(self) -> list[tuple[str, str, str, int, str, str]]:
        """Name pairs mined from live paragraphs: (zh, alias, article id, n, derived surname,
        why zh cannot be a member), sorted."""
        return list(self._mined)

    @cached_property
    def _mined_digest(self) -> str:
        h = hashlib.sha256()
        for row in self._mined:
            h.update("\x00".join(map(str, row)).encode("utf-8") + b"\x01")
        return h.hexdigest()

    def mined_digest(self) -> str:
        """A digest of the live mined pairs: the name table changes only when it does."""
        return self._mined_digest


class Manager:
    """The current snapshot of an index folder; a new one when a commit lands.

    ``current()`` costs one ``stat`` of the folder when nothing changed."""

    RECHECK = 1.0  # seconds: list the folder at least this often even if its mtime is unchanged

    def __init__(self, index_dir: str):
        self.dir = index_dir
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self._mtime = None
        self._checked = 0.0
        self._derived: dict = {}

    def current(self) -> Snapshot:
        try:
            mtime = os.stat(self.dir).st_mtime_ns
        except FileNotFoundError:
            raise FileNotFoundError(f"no index in {self.dir}: run `searcher build` first") from None
        now = time.monotonic()
        snap = self._snap
        if snap is not None and mtime == self._mtime and now - self._checked < self.RECHECK:
            return snap
        with self._lock:
            snap = self._snap
            for attempt in range(5):
                toc = latest_toc(FileStorage(self.dir)) if os.path.isdir(self.dir) else None
                if toc is None:
                    raise FileNotFoundError(f"no index in {self.dir}: run `searcher build` first")
                if snap is not None and snap.generation == toc.generation:
                    break
                try:
                    snap = Snapshot(self.dir, toc, snap)
                    break
                except FileNotFoundError:  # a commit and a cleanup overtook us: read the newest
                    if attempt == 4:
                        raise
                    time.sleep(0.02)
            self._snap = snap
            self._mtime = mtime
            self._checked = now
            return snap

    def after_fork(self) -> None:
        """In a forked child: open its own Whoosh file handles (a file's offset is shared
        between processes that inherit it, and Whoosh seeks before it reads); the
        memory-mapped columns and everything derived are kept."""
        snap = self._snap
        if snap is None:
            return
        storage = FileStorage(self.dir)
        for v in snap.segments:
            v._stored = _Stored(storage, snap.schema, v.segment)

    def derived(self, key: str, snap: Snapshot, make, digest=None):
        """A value derived from a snapshot, reused across snapshots with the same digest."""
        d = digest(snap) if digest else snap.generation
        hit = self._derived.get(key)
        if hit is not None and hit[0] == d:
            return hit[1]
        value = make(snap)
        self._derived[key] = (d, value)
        return value
