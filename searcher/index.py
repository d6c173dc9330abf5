"""The on-disk index: schema, build, and opening the current generation.

Layout of an index folder::

    index/
      CURRENT            name of the live generation (replaced atomically)
      .build.lock        held while a build runs (a second build refuses)
      gen-20261123-.../  a Whoosh index (documents, jieba words) + meta.json,
                         postings/ (the arrays queries run on), variants.json, repeats.json

A build writes a new generation beside the live one and switches ``CURRENT`` only
when it is complete, so readers never see a half-built index and a killed build
leaves the previous one serving.  One Whoosh document per paragraph.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import sys
import threading
import time
from dataclasses import asdict, dataclass, field

from whoosh import index as windex
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from whoosh.system import pack_uint

from . import postings as pst
from .analysis import register_words, word_analyzer, word_counts
from .ingest import IngestReport, fingerprint, read_sources
from .mining import mine_pairs
from .repeats import find_repeats
from .repeatstore import RepeatStore
from .variants import CURATED_PATH, VariantTable

SCHEMA_VERSION = 2
CURRENT = "CURRENT"
LOCK = ".build.lock"
META = "meta.json"
REPEATS = "repeats.json"
VARIANTS = "variants.json"
POSTINGS = "postings"


class FastText(TEXT):
    """A TEXT field indexed from ``analysis.word_counts`` (a dict term -> frequency).

    Queries still go through the field's analyzer; indexing skips Whoosh's
    token-object pipeline (same terms, tested).  A dict value is taken as counts
    already computed; a string is counted here."""

    def index(self, value, **kwargs):
        counts = value if isinstance(value, dict) else word_counts(value)
        fb = self.format.field_boost
        return [(w.encode("utf-8"), f, f * fb, pack_uint(f)) for w, f in counts.items()]


def make_schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),  # "<article id>#<n>"
        article=ID(stored=True, sortable=True),
        n=NUMERIC(stored=True, sortable=True),
        title=STORED(),
        date=ID(stored=True, sortable=True),  # YYYY-MM-DD or ""
        text=STORED(),
        source=STORED(),  # the outlet ("" when the source does not say)
        url=STORED(),  # the original article, http(s), or ""
        author=STORED(),
        words=FastText(analyzer=word_analyzer(), phrase=False),  # jieba words with frequencies
    )


class BuildError(RuntimeError):
    """A build that could not run or indexed nothing; the message is for the user."""


@dataclass
class BuildSummary:
    index: str
    generation: str
    articles: int = 0
    paragraphs: int = 0
    characters: int = 0
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


class _BuildLock:
    def __init__(self, index_dir: str):
        self.path = os.path.join(index_dir, LOCK)
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EACCES):
                try:
                    other = os.read(self.fd, 64).decode("ascii", "replace").strip()
                except OSError:
                    other = "?"
                os.close(self.fd)
                raise BuildError(
                    f"another build of {os.path.dirname(self.path)} is running (pid {other or '?'}); "
                    "wait for it to finish and try again"
                ) from None
            raise
        os.ftruncate(self.fd, 0)
        os.write(self.fd, str(os.getpid()).encode())
        return self

    def __exit__(self, *exc):
        try:
            os.ftruncate(self.fd, 0)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)


def current_generation(index_dir: str) -> str | None:
    try:
        with open(os.path.join(index_dir, CURRENT), encoding="utf-8") as f:
            name = f.read().strip()
    except OSError:
        return None
    path = os.path.join(index_dir, name)
    return path if name and os.path.isdir(path) else None


def read_meta(gen_path: str) -> dict:
    with open(os.path.join(gen_path, META), encoding="utf-8") as f:
        return json.load(f)


def live_meta(index_dir: str) -> dict | None:
    """meta.json of the live generation; None if there is none, {} if it cannot be read."""
    gen = current_generation(index_dir)
    if gen is None:
        return None
    try:
        return read_meta(gen)
    except (OSError, ValueError):
        return {}


def built_from(index_dir: str, sources: list[str]) -> bool:
    """True when the live generation was built from exactly these sources."""
    meta = live_meta(index_dir)
    return bool(meta) and meta.get("sources") == [os.path.abspath(s) for s in sources]


def outdated(index_dir: str) -> list[str] | None:
    """The sources of a live generation built by an older version (another schema),
    to rebuild it from; None when it is current (or there is none)."""
    meta = live_meta(index_dir)
    if meta is None or meta.get("schema_version") == SCHEMA_VERSION:
        return None
    return list(meta.get("sources") or [])


def is_stale(index_dir: str, sources: list[str]) -> bool:
    """True when there is no index or the sources changed since it was built."""
    meta = live_meta(index_dir)
    return (
        not meta
        or meta.get("schema_version") != SCHEMA_VERSION
        or meta.get("sources") != [os.path.abspath(s) for s in sources]
        or meta.get("fingerprint") != fingerprint(sources)
    )


def _progress(disable: bool, total: int | None = None):
    from tqdm import tqdm

    return tqdm(desc="indexing", unit=" para", total=total, file=sys.stderr, disable=disable,
                mininterval=0.5, dynamic_ncols=True)


def _stage(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


SHARD_MIN_PARAGRAPHS = 4000  # below this one process is faster than forking


def _default_procs(paragraphs: int) -> int:
    if paragraphs < SHARD_MIN_PARAGRAPHS:
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _partition(articles, k: int) -> list[list[int]]:
    """Article indexes in k shards of about equal text size (an article stays whole)."""
    k = max(1, min(k, len(articles)))
    shards: list[list[int]] = [[] for _ in range(k)]
    sizes = [0] * k
    order = sorted(range(len(articles)), key=lambda i: -sum(len(p) for p in articles[i].paragraphs))
    for i in order:
        j = sizes.index(min(sizes))
        shards[j].append(i)
        sizes[j] += sum(len(p) for p in articles[i].paragraphs) + 50 * len(articles[i].paragraphs)
    return [sorted(sh) for sh in shards if sh]


def _write_shard(path: str, articles, indexes, limitmb: int, bar=None) -> int:
    """One Whoosh index of the given articles (a single segment), and their word
    postings in ``path/words.npz``; returns the document count."""
    os.makedirs(path, exist_ok=True)
    ix = windex.create_in(path, make_schema())
    writer = ix.writer(limitmb=limitmb, compound=False)  # see Generation.searcher
    words = pst.WordCollector()
    try:
        for i in indexes:
            art = articles[i]
            for n, text in enumerate(art.paragraphs, 1):
                counts = word_counts(text)
                words.add(counts)
                writer.add_document(key=f"{art.id}#{n}", article=art.id, n=n, title=art.title,
                                    date=art.date or "", text=text, source=art.outlet, url=art.url,
                                    author=art.author, words=counts)
            if bar is not None:
                bar.update(len(art.paragraphs))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    words.save(os.path.join(path, WORDS_SHARD))
    return ix.doc_count()


WORDS_SHARD = "words"  # words.npz + words.vocab.json in each shard folder


_FORK_STATE: dict = {}


class _Counter:
    """Paragraphs written, shared by forked shard writers (for the progress bar)."""

    def __init__(self, value):
        self.value = value

    def update(self, n: int) -> None:
        with self.value.get_lock():
            self.value.value += n


def _shard_worker(k: int) -> int:
    st = _FORK_STATE
    return _write_shard(os.path.join(st["gen"], f"shard-{k}"), st["articles"], st["shards"][k], st["limitmb"],
                        _Counter(st["done"]))


def _index_shards(gen_path, articles, shards, limitmb, progress, total, during=None):
    """Write the shards (in parallel when there are several) and join their segments
    into one Whoosh index in ``gen_path``.  ``during()`` runs in this process
    meanwhile (in a thread, so the progress bar keeps moving).  Returns the
    document count and the merged word postings (``postings.WordArrays``)."""
    import multiprocessing as mp

    dirs = [os.path.join(gen_path, f"shard-{k}") for k in range(len(shards))]
    side = _Background(during)
    if len(shards) == 1:
        bar = _progress(disable=not progress, total=total)
        try:
            counts = [_write_shard(dirs[0], articles, shards[0], limitmb, bar)]
        finally:
            bar.close()
    else:
        ctx = mp.get_context("fork")
        done = ctx.Value("l", 0)
        _FORK_STATE.update(gen=gen_path, articles=articles, shards=shards, limitmb=limitmb, done=done)
        try:
            with ctx.Pool(len(shards)) as pool:
                pending = pool.map_async(_shard_worker, range(len(shards)))
                side.start()
                bar = _progress(disable=not progress, total=total)
                try:
                    while not pending.ready():
                        pending.wait(0.5)
                        bar.update(done.value - bar.n)
                    counts = pending.get()
                    bar.update(done.value - bar.n)
                finally:
                    bar.close()
        finally:
            _FORK_STATE.clear()
    side.join()
    words = pst.merge_words([os.path.join(d, WORDS_SHARD) for d in dirs])
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    segments = []
    for d in dirs:
        segments += TOC.read(FileStorage(d), "MAIN").segments
        for name in os.listdir(d):
            if not name.startswith("_MAIN_") and not name.endswith(".lock") and not name.startswith("words."):
                os.replace(os.path.join(d, name), os.path.join(gen_path, name))
        shutil.rmtree(d)
    TOC(make_schema(), segments, 0).write(FileStorage(gen_path), "MAIN")
    docs = windex.open_dir(gen_path).doc_count()
    if docs != sum(counts):
        raise BuildError(f"joined index holds {docs} documents; the shards wrote {sum(counts)}")
    return docs, words


class _Background:
    """Runs a function in a thread (once); ``join()`` re-raises what it raised."""

    def __init__(self, fn):
        self.fn = fn
        self.error = None
        self.thread = None

    def _run(self):
        try:
            self.fn()
        except BaseException as e:  # noqa: BLE001 - handed to join()
            self.error = e

    def start(self):
        if self.fn is not None and self.thread is None:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()

    def join(self):
        if self.fn is None:
            return
        if self.thread is None:
            self._run()
        else:
            self.thread.join()
        if self.error is not None:
            raise self.error


class _Clock:
    """Records the seconds since the previous call under each stage name."""

    def __init__(self, into: dict):
        self.into = into
        self.last = time.time()

    def __call__(self, stage: str) -> None:
        now = time.time()
        self.into[stage] = round(now - self.last, 2)
        self.last = now


def _count_kinds(groups) -> dict:
    out: dict[str, int] = {}
    for g in groups:
        out[g.kind] = out.get(g.kind, 0) + 1
    return out


def _switch(index_dir: str, gen_name: str) -> None:
    tmp = os.path.join(index_dir, CURRENT + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(gen_name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(index_dir, CURRENT))


def _clean_old(index_dir: str, keep: set[str]) -> None:
    """Remove generations other than ``keep`` (the live one and the one before it)."""
    for name in os.listdir(index_dir):
        if name.startswith("gen-") and name not in keep:
            shutil.rmtree(os.path.join(index_dir, name), ignore_errors=True)


def build(sources: list[str], index_dir: str, *, progress: bool = True, limitmb: int = 256,
          curated: tuple[str, ...] = (), procs: int | None = None) -> BuildSummary:
    """Index every article of ``sources`` into a new generation of ``index_dir``.

    ``curated``: extra variant files (the format of ``searcher/data/curated.tsv``).
    ``procs``: index in this many processes (default: one per core for large inputs)."""
    t0 = time.time()
    os.makedirs(index_dir, exist_ok=True)
    with _BuildLock(index_dir):
        previous = current_generation(index_dir)
        gen_name = "gen-" + time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{os.urandom(3).hex()}"
        gen_path = os.path.join(index_dir, gen_name)
        # Generations that are neither live nor previous are leftovers of killed builds.
        _clean_old(index_dir, {os.path.basename(previous)} if previous else set())
        os.makedirs(gen_path)
        summary = BuildSummary(os.path.abspath(index_dir), gen_name)
        report = IngestReport()
        try:
            clock = _Clock(summary.stages)
            articles = list(read_sources(sources, report))
            summary.skipped = [str(x) for x in report.skipped]
            summary.warnings = [str(x) for x in report.warnings]
            summary.articles = len(articles)
            paragraphs = [(a.id, n, text) for a in articles for n, text in enumerate(a.paragraphs, 1)]
            summary.paragraphs = len(paragraphs)
            summary.characters = sum(len(t) for _, _, t in paragraphs)
            if not paragraphs:
                raise BuildError("nothing could be indexed" + (
                    ":\n  " + "\n  ".join(summary.skipped) if summary.skipped else " (no articles found)"))
            clock("read")
            _stage(progress, f"{summary.articles} articles, {summary.paragraphs} paragraphs read; "
                             "mining variant names")
            table = VariantTable.build(mine_pairs(paragraphs), curated_paths=[CURATED_PATH, *curated])
            table.save(os.path.join(gen_path, VARIANTS))
            register_words(table.segmenter_words())
            summary.variant_groups = len(table.groups())
            summary.mined_pairs = len(table.mined_report())
            clock("variants")
            shards = _partition(articles, procs or _default_procs(summary.paragraphs))
            order = [(articles[i], n, text) for sh in shards for i in sh
                     for n, text in enumerate(articles[i].paragraphs, 1)]  # Whoosh's document order
            side: dict = {}

            def alongside():
                """What this process does while the shard writers run."""
                t = time.time()
                groups = find_repeats(paragraphs)
                RepeatStore(groups).save(os.path.join(gen_path, REPEATS))
                side["repeat_groups"] = _count_kinds(groups)
                del groups
                t1 = time.time()
                side["grams"] = pst.build_grams(text for _, _, text in order)
                side["seconds"] = {"repeats (alongside)": round(t1 - t, 2),
                                   "grams (alongside)": round(time.time() - t1, 2)}

            _stage(progress, f"indexing in {len(shards)} process{'es' if len(shards) > 1 else ''}; "
                             "repeated paragraphs and character postings alongside")
            docs, words = _index_shards(gen_path, articles, shards, limitmb, progress, summary.paragraphs,
                                        during=alongside)
            del paragraphs
            if docs != summary.paragraphs:  # never trust a parallel writer without counting
                raise BuildError(f"index holds {docs} documents for {summary.paragraphs} paragraphs")
            summary.repeat_groups = side["repeat_groups"]
            summary.stages.update(side["seconds"])
            ids = list(dict.fromkeys(a.id for a, _, _ in order))
            ordinal = {aid: i for i, aid in enumerate(ids)}
            outlets = [""] + sorted({a.outlet for a, _, _ in order} - {""})  # 0: no outlet
            outlet_no = {name: i for i, name in enumerate(outlets)}
            pst.save(os.path.join(gen_path, POSTINGS), side.pop("grams"), words, {
                "articles": ids,
                "article": [ordinal[a.id] for a, _, _ in order],
                "n": [n for _, n, _ in order],
                "date": [pst.date_number(a.date) for a, _, _ in order],
                "sources": outlets,
                "source": [outlet_no[a.outlet] for a, _, _ in order],
            })
            del order, words
            clock("index")
            summary.seconds = round(time.time() - t0, 2)
            meta = {
                "schema_version": SCHEMA_VERSION,
                "sources": [os.path.abspath(s) for s in sources],
                "fingerprint": fingerprint(sources),
                "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                **summary.to_json(),
            }
            with open(os.path.join(gen_path, META), "w", encoding="utf-8") as f:
                json.dump(meta, f, ensure_ascii=False, indent=1)
        except BaseException:
            shutil.rmtree(gen_path, ignore_errors=True)
            raise
        _switch(index_dir, gen_name)
        _clean_old(index_dir, {gen_name} | ({os.path.basename(previous)} if previous else set()))
        return summary


def load_variants(path: str):
    table = VariantTable.load(path)
    register_words(table.segmenter_words())
    return table


class Generation:
    """One built generation: its Whoosh index, meta.json and side files (loaded on first use)."""

    def __init__(self, path: str):
        self.path = path
        self.name = os.path.basename(path)
        self.ix = windex.open_dir(path)
        self.meta = read_meta(path)
        self._lock = threading.Lock()
        self._side: dict = {}

    def searcher(self) -> "Searcher":
        """A new ``Searcher`` on this generation (close it when done)."""
        return Searcher(self)

    @property
    def postings(self) -> pst.Postings:
        """The posting arrays queries run on (memory-mapped, loaded once)."""
        p = self.side(POSTINGS, pst.Postings)
        if p is None:
            raise FileNotFoundError(f"{self.path} has no {POSTINGS}/ (built by an older version): "
                                    "run `searcher build` again")
        return p

    def side(self, name: str, load):
        """``load(path_of_side_file)`` once per generation (None if the file is missing)."""
        if name not in self._side:
            with self._lock:
                if name not in self._side:
                    p = os.path.join(self.path, name)
                    self._side[name] = load(p) if os.path.exists(p) else None
        return self._side[name]

    @property
    def variants(self):
        """``variants.VariantTable`` of this generation (its names registered with jieba)."""
        return self.side(VARIANTS, load_variants)

    @property
    def repeats(self):
        """``repeatstore.RepeatStore`` of this generation."""
        from .repeatstore import RepeatStore

        return self.side(REPEATS, RepeatStore.load) or RepeatStore([])


class Searcher:
    """What one request reads: the generation's posting arrays (shared) and a Whoosh
    searcher for stored fields (its own, opened on first use).  Close it when done.

    Segments are written as separate files (``compound=False``): opening a
    Whoosh searcher on a compound segment copies whole sub-files out of it, which
    on a 50k-paragraph index cost ~60 ms and ~300 MB per searcher."""

    def __init__(self, generation: Generation):
        self.generation = generation
        self.postings = generation.postings
        self._whoosh = None

    @property
    def whoosh(self):
        if self._whoosh is None:
            self._whoosh = self.generation.ix.searcher()
        return self._whoosh

    def stored_fields(self, docnum: int) -> dict:
        return self.whoosh.stored_fields(docnum)

    def documents(self, **kw):
        return self.whoosh.documents(**kw)

    def document(self, **kw):
        return self.whoosh.document(**kw)

    def close(self) -> None:
        if self._whoosh is not None:
            self._whoosh.close()
            self._whoosh = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class IndexHandle:
    """The live generation of an index folder, reopened when a build switches it."""

    def __init__(self, index_dir: str):
        self.dir = index_dir
        self._lock = threading.Lock()
        self._gen: Generation | None = None

    def current(self) -> Generation:
        path = current_generation(self.dir)
        if path is None:
            raise FileNotFoundError(f"no index in {self.dir}: run `searcher build` first")
        gen = self._gen
        if gen is None or gen.path != path:
            with self._lock:
                if self._gen is None or self._gen.path != path:
                    self._gen = Generation(path)
                gen = self._gen
        return gen

    @property
    def meta(self) -> dict:
        return self.current().meta

    def searcher(self) -> Searcher:
        """A new ``Searcher`` on the live generation (close it when done)."""
        return self.current().searcher()


def exists(index_dir: str) -> bool:
    return current_generation(index_dir) is not None
