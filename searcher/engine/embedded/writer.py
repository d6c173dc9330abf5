"""Changing an index: adds, replacements, deletes and merges, each one atomic commit.

A commit writes Whoosh's next table of contents (``_MAIN_<n+1>.toc``, written to
a temporary file and renamed: Whoosh's own atomic step) listing the segments
that stay, with their new deletions, and the new segments.  Everything a commit
adds is complete on disk before that rename, so a process killed at any point
leaves either the previous state or the new one; what it left half-written is
in ``tmp/`` or unreferenced, and the next writer removes it.

One writer at a time holds ``write.lock``; a second one waits (up to ``wait``
seconds) and then refuses with a clear message.  Merges build their segment
without that lock (one merge at a time, ``merge.lock``) and take it only to
commit, re-applying deletions that happened meanwhile.

Near edges (``repeats.near``): a class that was not live before the commit is
compared with every live class; that is what makes an index built by any
sequence of changes find exactly the pairs a full build finds.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, EmptyIndexError

from ...analysis import Dictionary
from ...arrays import unique
from ...repeats import edge_arrays, near
from . import accel
from .accel import DocRow, SegmentAccel
from .layout import ACCEL, INDEX_NAME, MERGE_LOCK, TMP, Lock, WriterBusy, accel_dir, read_settings, write_settings
from .schema import make_schema
from .segment import Built, merge_segments, within_edges, write_segment

SEGMENT_DOCS = 32_000  # paragraphs per segment a build or a large add writes (bounds memory)
WHOOSH_LIMITMB = 64  # Whoosh's posting pool per segment writer
PARALLEL_MIN_DOCS = 8_000  # below this a change is written in this process
KEEP_TOCS = 2  # the live table of contents and the one before it (readers still opening it)


class NothingToIndex(ValueError):
    """A build found no paragraphs: nothing is committed."""


@dataclass
class ChangeResult:
    added: list = field(default_factory=list)  # article ids added (new)
    replaced: list = field(default_factory=list)  # article ids replaced
    deleted: list = field(default_factory=list)  # article ids deleted
    unknown: list = field(default_factory=list)  # ids asked to delete that the index does not hold
    paragraphs: int = 0  # paragraphs written
    segments: int = 0  # segments written
    generation: int = -1  # the commit (Whoosh TOC generation); -1: nothing changed
    seconds: float = 0.0

    def to_json(self) -> dict:
        return dict(self.__dict__)


# ------------------------------------------------------------------ state of an index


def latest_toc(storage):
    try:
        return TOC.read(storage, INDEX_NAME)
    except EmptyIndexError:
        return None


def live_mask(seg) -> np.ndarray:
    live = np.ones(seg.doc_count_all(), bool)
    if seg.has_deletions():
        live[list(seg.deleted_docs())] = False
    return live


def _live_classes_of(folder: str, live: np.ndarray) -> np.ndarray:
    """Sorted distinct classes with a live document in one segment (its file read, not
    kept mapped)."""
    return unique(np.load(os.path.join(folder, "doc.class.npy"))[live])


class _Committed:
    """What the near edges of a new segment are computed against: every committed
    segment's folder and, kept in memory, the sorted classes live anywhere.  Segment
    files are opened for one computation and released, so the writer's memory does
    not grow with the index (mapped pages count in its footprint)."""

    def __init__(self):
        self.folders: list[str] = []
        self._parts: list[np.ndarray] = []
        self._live: np.ndarray | None = None

    def add(self, folder: str, live: np.ndarray) -> None:
        self.folders.append(folder)
        self._parts.append(_live_classes_of(folder, live))
        self._live = None

    @property
    def live(self) -> np.ndarray:
        """The sorted classes live in any committed segment (one pass over the segments' own
        sorted sets, when first asked: a union per segment grows quadratically)."""
        if self._live is None:
            self._live = unique(np.concatenate(self._parts)) if self._parts else np.zeros(0, np.uint64)
            self._parts = [self._live]
        return self._live

    def edges_of(self, table, rows):
        """Near edges between the given rows of a new segment's class table and every
        live class of the committed segments."""
        from ...repeats.signatures import ClassTable

        out = []
        for folder in self.folders:
            t = ClassTable.load(folder)
            out.append(near.edges_between(table, rows, t, _isin_sorted(np.asarray(t.hash), self.live)))
            del t
        return out


def _isin_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if not len(sorted_set):
        return np.zeros(len(values), bool)
    i = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[i] == values


def cleanup(index_dir: str, keep_tmp: bool = False) -> None:
    """Remove what no recent commit references: old tables of contents, segment files
    and accelerators of segments gone, and (unless a merge is running) ``tmp/``."""
    storage = FileStorage(index_dir)
    gens = sorted(g for g in (_toc_gen(n) for n in os.listdir(index_dir)) if g is not None)
    keep_gens = gens[-KEEP_TOCS:]
    referenced: set[str] = set()
    for g in keep_gens:
        try:
            referenced |= {s.segid for s in TOC.read(storage, INDEX_NAME, gen=g).segments}
        except Exception:  # noqa: BLE001 - a torn or foreign file: leave it alone
            return
    for name in os.listdir(index_dir):
        g = _toc_gen(name)
        if g is not None and g not in keep_gens:
            _remove(os.path.join(index_dir, name))
        elif name.startswith(INDEX_NAME + "_") and name.split(".", 1)[0][len(INDEX_NAME) + 1:] not in referenced:
            _remove(os.path.join(index_dir, name))
        elif name.startswith(f"_{INDEX_NAME}_") and ".toc." in name:  # Whoosh's temporary TOC
            _remove(os.path.join(index_dir, name))
    adir = os.path.join(index_dir, ACCEL)
    if os.path.isdir(adir):
        for segid in os.listdir(adir):
            if segid not in referenced:
                shutil.rmtree(os.path.join(adir, segid), ignore_errors=True)
    tdir = os.path.join(index_dir, TMP)
    if os.path.isdir(tdir) and not keep_tmp:
        for name in os.listdir(tdir):
            if not name.startswith("merge-") or _merge_idle(index_dir):
                path = os.path.join(tdir, name)
                shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else _remove(path)


def _merge_idle(index_dir: str) -> bool:
    try:
        with Lock(index_dir, MERGE_LOCK, wait=0, what="merge"):
            return True
    except WriterBusy:
        return False


def _toc_gen(name: str):
    if name.startswith(f"_{INDEX_NAME}_") and name.endswith(".toc"):
        try:
            return int(name[len(INDEX_NAME) + 2:-4])
        except ValueError:
            return None
    return None


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _adopt(index_dir: str, built: Built) -> None:
    """Move a finished work folder's segment files and accelerator into the index."""
    for name in os.listdir(built.workdir):
        if name.startswith(f"{INDEX_NAME}_{built.segid}."):
            os.replace(os.path.join(built.workdir, name), os.path.join(index_dir, name))
    os.makedirs(os.path.join(index_dir, ACCEL), exist_ok=True)
    os.replace(built.accel, accel_dir(index_dir, built.segid))
    shutil.rmtree(built.workdir, ignore_errors=True)


def _commit_toc(index_dir: str, schema, segments, generation: int) -> None:
    """Whoosh's atomic step: the new table of contents is written and renamed into place.

    Everything it lists was written before (by this process, into the page cache,
    which a killed process does not lose)."""
    TOC(schema, segments, generation).write(FileStorage(index_dir), INDEX_NAME)


# ------------------------------------------------------------------ building segments


def _segment_process(workdir, rows_path, dictionary, mine, done):
    """Body of a worker process: write one segment, report it in ``workdir/built.json``.
    It dies with its parent (a killed writer leaves no process behind)."""
    import json

    _die_with_parent()

    def count(k):
        with done.get_lock():
            done.value += k

    built = write_segment(workdir, rows_path, dictionary, WHOOSH_LIMITMB, mine=mine, progress=count)
    with open(os.path.join(workdir, "built.json"), "w", encoding="utf-8") as f:
        json.dump({"workdir": built.workdir, "segid": built.segid, "docs": built.docs}, f)


def _warm_up(dictionary, mine) -> None:
    """Load what every segment writer needs (the segmenter, the miner's tagger, the
    pinyin tables, the character tables) in this process before it forks them: they
    start at once and share those pages instead of each loading its own."""
    import gc

    from ... import postings as pst
    from ...names import pinyin_key

    dictionary.segmenter()
    pst._char_tables()
    pinyin_key("測試")
    if mine is not None:
        mine([("warm-up", 1, "美國總統川普（Donald Trump）表示")])
    gc.collect()
    gc.freeze()


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent's join still bounds it
        pass


class _Worker:
    """One segment written by a fresh process forked from the main thread (never from a
    helper thread: a fork there can copy a lock another thread holds), so that memory
    never accumulates across segments."""

    def __init__(self, ctx, workdir, rows_path, dictionary, mine, done):
        self.workdir, self.rows_path = workdir, rows_path
        self.proc = ctx.Process(target=_segment_process, args=(workdir, rows_path, dictionary, mine, done),
                                daemon=True)
        self.proc.start()

    def result(self) -> Built:
        import json

        self.proc.join()
        if self.proc.exitcode != 0:
            raise RuntimeError(f"the process writing {self.workdir} failed (exit code {self.proc.exitcode})")
        with open(os.path.join(self.workdir, "built.json"), encoding="utf-8") as f:
            d = json.load(f)
        os.remove(self.rows_path)
        return Built(d["workdir"], d["segid"], d["docs"])


class _Progress:
    def __init__(self, shown: bool, desc: str):
        self.bar = None
        if shown:
            from tqdm import tqdm

            self.bar = tqdm(desc=desc, unit=" para", file=sys.stderr, mininterval=0.5, dynamic_ncols=True)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _rows(articles, report_ids: set):
    for a in articles:
        report_ids.add(a.id)
        for n, text in enumerate(a.paragraphs, 1):
            yield DocRow(a.id, n, a.title, a.date, text, getattr(a, "outlet", "") or "",
                         getattr(a, "url", "") or "", getattr(a, "author", "") or "")


def _batches(articles, size: int, report_ids: set):
    """Lists of DocRow of whole articles, about ``size`` paragraphs each."""
    batch: list[DocRow] = []
    last = None
    for r in _rows(articles, report_ids):
        if len(batch) >= size and r.article != last:
            yield batch
            batch = []
        batch.append(r)
        last = r.article
    if batch:
        yield batch


class _RowFiles:
    """Batches of whole articles written straight to files (``segment.save_rows``), about
    ``size`` paragraphs each: the parent never holds a batch a worker will index."""

    def __init__(self, articles, size: int, report_ids: set, folder: str):
        self.rows = _rows(articles, report_ids)
        self.size, self.folder, self.k = size, folder, 0
        self.pending = None

    def next(self):
        """(path, paragraphs) of the next batch, or None."""
        import pickle

        first = self.pending if self.pending is not None else next(self.rows, None)
        self.pending = None
        if first is None:
            return None
        self.k += 1
        path = os.path.join(self.folder, f"rows-{os.getpid()}-{self.k}.pickle")
        n = 0
        with open(path, "wb") as f:
            r = first
            while r is not None:
                if n >= self.size and r.article != last:
                    self.pending = r
                    break
                pickle.dump(r, f, protocol=pickle.HIGHEST_PROTOCOL)
                n += 1
                last = r.article
                r = next(self.rows, None)
        return path, n


def _built_segments(index_dir, articles, dictionary, procs, progress, mine, ids_seen):
    """Write the articles into work folders, in order, ``procs`` at a time (each in a
    fresh process, so that memory never accumulates across segments)."""
    tmp = os.path.join(index_dir, TMP)
    os.makedirs(tmp, exist_ok=True)
    bar = _Progress(progress, "indexing")
    counter = [0]

    def workdir():
        counter[0] += 1
        return os.path.join(tmp, f"add-{os.getpid()}-{counter[0]}")

    files = _RowFiles(articles, SEGMENT_DOCS, ids_seen, tmp)
    try:
        first = files.next()
        if first is None:
            return
        if procs <= 1 or first[1] < PARALLEL_MIN_DOCS:
            job = first
            while job is not None:
                path, _ = job
                built = write_segment(workdir(), path, dictionary, WHOOSH_LIMITMB, mine=mine, progress=bar.update)
                os.remove(path)
                yield built
                job = files.next()
            return
        _warm_up(dictionary, mine)  # loaded once here, shared by every forked worker
        ctx = mp.get_context("fork")
        done = ctx.Value("l", 0)
        running: list[_Worker] = []
        shown, job = 0, first
        try:
            while True:
                while job is not None and len(running) < procs:
                    running.append(_Worker(ctx, workdir(), job[0], dictionary, mine, done))
                    job = files.next()
                if not running:
                    break
                head = running[0]
                while head.proc.is_alive():
                    head.proc.join(0.5)
                    bar.update(done.value - shown)
                    shown = done.value
                running.pop(0)
                bar.update(done.value - shown)
                shown = done.value
                built = head.result()
                while job is not None and len(running) < procs:  # keep the cores busy while the
                    running.append(_Worker(ctx, workdir(), job[0], dictionary, mine, done))  # caller adopts
                    job = files.next()
                yield built
        finally:
            for w in running:
                if w.proc.is_alive():
                    w.proc.terminate()
                    w.proc.join()
    finally:
        bar.close()


# ------------------------------------------------------------------ the commit


def apply_changes(index_dir: str, articles=(), delete_ids=(), *, replace_all: bool = False,
                  dictionary: Dictionary | None = None, procs: int = 1, progress: bool = False,
                  wait: float = 30.0, mine=None, settings: dict | None = None,
                  require_documents: bool = False) -> ChangeResult:
    """Add (or replace) ``articles`` and delete ``delete_ids`` in one commit.

    ``articles`` may be a stream (it is read once, in bounded batches).
    ``replace_all``: the commit holds only ``articles`` (a full build; readers see
    the old index until it is complete).  ``dictionary``: the segmenter dictionary
    of a new index (an existing index keeps its own).  ``mine``: the name miner
    (``(paragraphs) -> [(zh, alias, article id, n)]``).  ``settings``: merged into
    ``searcher.json``."""
    t0 = time.time()
    os.makedirs(index_dir, exist_ok=True)
    result = ChangeResult()
    with Lock(index_dir, wait=wait):
        cleanup(index_dir)
        storage = FileStorage(index_dir)
        toc = latest_toc(storage)
        gen = toc.generation if toc is not None else -1
        if toc is None or replace_all:
            schema = make_schema(dictionary or Dictionary())
            kept = []
        else:
            schema = toc.schema
            kept = list(toc.segments)
        dictionary = schema["words"].analyzer[0].dictionary
        committed = _Committed()
        for s in kept:
            committed.add(accel_dir(index_dir, s.segid), live_mask(s))
        # New segments first; the documents they replace are marked deleted at the end
        # (until then their classes count as live, which can only add verified edges).
        new_segments, incoming = [], set()
        for built in _built_segments(index_dir, articles, dictionary, procs, progress, mine, incoming):
            t_cross = time.process_time()
            table = _table_of(built)
            rows = near.unit_rows(table)
            rows = rows[~_isin_sorted(table.hash[rows], committed.live)]  # classes that were not live
            edges = [within_edges(built.workdir)] + committed.edges_of(table, rows)
            accel.finish(built.accel, *edge_arrays(*(np.concatenate([np.asarray(e[k]) for e in edges])
                                                     for k in range(3))))
            del table
            seg = built.segment()
            _adopt(index_dir, built)
            new_segments.append(seg)
            committed.add(accel_dir(index_dir, built.segid), live_mask(seg))
            result.paragraphs += built.docs
            result.segments += 1
            if os.environ.get("SEARCHER_DEBUG_TIMES"):
                print(f"adopted segment {result.segments}: cpu {time.process_time() - t_cross:.2f} s", file=sys.stderr)
            if os.environ.get("SEARCHER_DEBUG_MEMORY"):
                with open("/proc/self/status") as f:
                    vm = {ln.split(":")[0]: ln.split()[1] for ln in f if ln.startswith(("VmRSS", "VmHWM"))}
                print(f"segment {result.segments}: parent RSS {int(vm['VmRSS']) // 1024} MB, "
                      f"peak {int(vm['VmHWM']) // 1024} MB", file=sys.stderr)
        if require_documents and not new_segments:
            cleanup(index_dir)
            raise NothingToIndex("no paragraphs")
        deleted_any = False
        opened: dict = {}

        def _accel(segid):
            if segid not in opened:
                opened[segid] = SegmentAccel(accel_dir(index_dir, segid))
            return opened[segid]

        for aid in list(dict.fromkeys([*delete_ids, *sorted(incoming)])):
            found = False
            for s in kept:
                for d in _accel(s.segid).article_docs(aid).tolist():
                    if not s.is_deleted(d):
                        s.delete_document(d)
                        found = deleted_any = True
            if aid in incoming:
                (result.replaced if found else result.added).append(aid)
            elif found:
                result.deleted.append(aid)
            else:
                result.unknown.append(aid)
        if new_segments or deleted_any or replace_all or toc is None:
            segments = [s for s in kept if s.doc_count() > 0] + new_segments
            _commit_toc(index_dir, schema, segments, gen + 1)
            result.generation = gen + 1
            if settings is not None or toc is None or replace_all:
                write_settings(index_dir, {**read_settings(index_dir), **(settings or {})})
            cleanup(index_dir)
        result.seconds = round(time.time() - t0, 3)
        return result


def _table_of(built: Built):
    from ...repeats.signatures import ClassTable

    return ClassTable.load(built.accel)


# ------------------------------------------------------------------ merges

MERGE_FACTOR = 8  # merge this many segments of one tier
MERGE_FLOOR = 2_000  # segments smaller than this count as this size
MAX_MERGED_DOCS = 64_000  # a merge never writes a segment larger than this
DELETED_SHARE = 0.3  # a segment with more deleted documents than this is rewritten
MAX_SEGMENTS = 48  # above this many, the smallest are merged whatever their tiers


def choose_merge(segments) -> list:
    """The segments a tiered merge policy would merge next ([] for none).

    Segments are put in tiers of sizes growing by MERGE_FACTOR from MERGE_FLOOR
    live documents; a tier with MERGE_FACTOR segments is merged (smallest first,
    never above MAX_MERGED_DOCS).  A segment with more than DELETED_SHARE of its
    documents deleted is rewritten, and too many segments merge the smallest."""
    import math

    live = [(s.doc_count(), s) for s in segments]
    for n, s in live:
        total = s.doc_count_all()
        if total and (total - n) / total > DELETED_SHARE:
            return [s]
    tiers: dict[int, list] = {}
    for n, s in live:
        if n >= MAX_MERGED_DOCS // 2:
            continue
        tier = int(math.log(max(n, MERGE_FLOOR) / MERGE_FLOOR, MERGE_FACTOR))
        tiers.setdefault(tier, []).append((n, s))
    for tier in sorted(tiers):
        group = sorted(tiers[tier], key=lambda x: x[0])
        if len(group) >= MERGE_FACTOR:
            chosen, size = [], 0
            for n, s in group:
                if size + n > MAX_MERGED_DOCS and chosen:
                    break
                chosen.append(s)
                size += n
            if len(chosen) >= 2:
                return chosen
    if len(live) > MAX_SEGMENTS:
        smallest = sorted(live, key=lambda x: x[0])[:MERGE_FACTOR]
        return [s for _, s in smallest]
    return []


def merge_once(index_dir: str, wait: float = 30.0, segments_to_merge=None) -> dict | None:
    """Run one merge if the policy (or ``segments_to_merge``, segment ids) asks for it;
    returns what was merged, or None.  Searches are served throughout."""
    try:
        mlock = Lock(index_dir, MERGE_LOCK, wait=0, what="merge")
        mlock.__enter__()
    except WriterBusy:
        return None
    try:
        storage = FileStorage(index_dir)
        toc = latest_toc(storage)
        if toc is None:
            return None
        if segments_to_merge is not None:
            chosen = [s for s in toc.segments if s.segid in set(segments_to_merge)]
        else:
            chosen = choose_merge(toc.segments)
        if not chosen:
            return None
        t0 = time.time()
        before = {s.segid: set(s.deleted_docs()) if s.has_deletions() else set() for s in chosen}
        sources = [SegmentAccel(accel_dir(index_dir, s.segid)) for s in chosen]
        workdir = os.path.join(index_dir, TMP, f"merge-{os.getpid()}-{int(time.time() * 1000)}")
        built = merge_segments(workdir, storage, toc.schema, chosen, sources, WHOOSH_LIMITMB)
        ea, eb, es = within_edges(workdir)
        with Lock(index_dir, wait=wait):
            now = latest_toc(storage)
            current = {s.segid: s for s in now.segments}
            if any(s.segid not in current for s in chosen):
                shutil.rmtree(workdir, ignore_errors=True)
                return None  # a full build replaced them meanwhile
            # deletions since the merge started, mapped to the merged segment
            late, base = [], 0
            for s in chosen:
                live_then = np.ones(s.doc_count_all(), bool)
                if before[s.segid]:
                    live_then[list(before[s.segid])] = False
                new_of = np.cumsum(live_then) - 1 + base
                cur = current[s.segid]
                if cur.has_deletions():
                    for d in set(cur.deleted_docs()) - before[s.segid]:
                        late.append(int(new_of[d]))
                base += int(live_then.sum())
            # keep only edges whose classes are still live somewhere
            others = [_live_classes_of(accel_dir(index_dir, s.segid), live_mask(s))
                      for s in now.segments if s.segid not in before]
            mdoc_class = np.load(os.path.join(built.accel, "doc.class.npy"))
            mlive = np.ones(len(mdoc_class), bool)
            mlive[late] = False
            live = unique(np.concatenate([*others, mdoc_class[mlive]]))
            ok = _isin_sorted(np.asarray(ea), live) & _isin_sorted(np.asarray(eb), live)
            accel.finish(built.accel, *edge_arrays(np.asarray(ea)[ok], np.asarray(eb)[ok], np.asarray(es)[ok]))
            seg = built.segment()
            _adopt(index_dir, built)
            for d in late:
                seg.delete_document(d)
            ids = [s.segid for s in chosen]
            first = min(i for i, s in enumerate(now.segments) if s.segid in set(ids))
            segments = [s for s in now.segments if s.segid not in set(ids)]
            if seg.doc_count() > 0:
                segments.insert(first, seg)
            _commit_toc(index_dir, now.schema, segments, now.generation + 1)
            cleanup(index_dir, keep_tmp=True)
        return {"merged": ids, "into": seg.segid, "docs": seg.doc_count(), "seconds": round(time.time() - t0, 2)}
    finally:
        mlock.__exit__(None, None, None)


def merge_all(index_dir: str, wait: float = 30.0, limit: int = 100) -> list[dict]:
    """Merge until the policy is satisfied (at most ``limit`` merges)."""
    done = []
    for _ in range(limit):
        r = merge_once(index_dir, wait=wait)
        if r is None:
            break
        done.append(r)
    return done
