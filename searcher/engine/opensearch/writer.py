"""Writing to the cluster: full builds into a new index, and adds / replacements / deletes as commits.

Both stream articles in chunks of bounded size (``BUILD_CHUNK`` / ``ADD_CHUNK`` paragraphs),
analysed in Python (``docs.analyse``; a build uses one process per core, overlapping with
the bulk requests) and sent with bounded bulk requests (``client.bulk_index``: retries with
backoff on 429/503, a node failing is the next node's job).  The commit protocol is in
``state``.

Near repeats (``repeats.near``), as the embedded engine finds them: a class (a distinct
normalised paragraph text) that was not live before is compared with every live class.
In a build, the pool is what the build wrote before (held in memory, as the embedded
engine holds its segments); in an add it is the whole cluster: the new classes' MinHash
band keys go to a ``terms`` query on the ``bands`` field, the candidates' texts come back
and every pair is verified exactly (Jaccard of shingle sets).  Verified edges are stored
as ``edge`` documents.
"""
from __future__ import annotations

import multiprocessing as mp
import sys
import time

import numpy as np

from ...names import pinyin_key, sound_key
from ...repeats import near
from ...repeats import signatures as sig
from ...repeats.normal import marked
from ..base import EngineError
from ..embedded.writer import ChangeResult, NothingToIndex, _isin_sorted
from . import docs as D
from . import state
from .client import Client, OpenSearchError
from .state import Meta, WriteLock, visible

BUILD_CHUNK = 8000  # paragraphs analysed together in a build (one task of a worker process)
ADD_CHUNK = 2000  # paragraphs per chunk of an add (each chunk is refreshed for the next)
BULK_DOCS = 1000
BULK_BYTES = 8 << 20
MAX_ID_BYTES = 1000
SWAP_GRACE = 3.0  # seconds between moving the alias and deleting the old index


class DocumentsRejected(EngineError):
    """The cluster refused documents for good (the message names them); nothing was committed."""

    status = 400


# ------------------------------------------------------------------ analysis in worker processes

_FORK: dict = {}


def _analyse_task(job):
    articles, gen = job
    return D.analyse(articles, gen, _FORK["dictionary"], _FORK["mine"])


def _chunks(articles, size: int, seen: set, skipped: list):
    batch, n = [], 0
    for a in articles:
        if a.id in seen:  # the same id twice in one change: the first version counts
            skipped.append(a.id)
            continue
        if len(a.id.encode("utf-8")) > MAX_ID_BYTES:
            raise DocumentsRejected(f"article {a.id[:40]!r}…: its id is {len(a.id.encode('utf-8'))} bytes long; "
                                    f"the cluster engine takes ids of up to {MAX_ID_BYTES} bytes")
        seen.add(a.id)
        batch.append(a)
        n += len(a.paragraphs)
        if n >= size:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def _analysed(articles, gen, dictionary, mine, procs, size, seen, skipped):
    """Analysed chunks in order; with procs > 1, analysed ahead by worker processes."""
    chunks = _chunks(articles, size, seen, skipped)
    if procs <= 1:
        for c in chunks:
            yield D.analyse(c, gen, dictionary, mine)
        return
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if second is None:
        yield D.analyse(first, gen, dictionary, mine)
        return
    _FORK.update(dictionary=dictionary, mine=mine)
    try:
        with mp.get_context("fork").Pool(procs) as pool:
            pending = [pool.apply_async(_analyse_task, ((first, gen),)), pool.apply_async(_analyse_task, ((second, gen),))]
            while pending:
                nxt = next(chunks, None)
                if nxt is not None:
                    pending.append(pool.apply_async(_analyse_task, ((nxt, gen),)))
                yield pending.pop(0).get()
    finally:
        _FORK.clear()


# ------------------------------------------------------------------ sending


class Sink:
    """Bulk requests to one physical index; failures are kept to be reported by name."""

    def __init__(self, client: Client, index: str):
        self.client = client
        self.index = index
        self.failed: list[dict] = []
        self.words_sent: set[str] = set()
        self.docs = 0
        self.names: dict[str, str] = {}  # routing -> article id (to name a rejected document)

    def send(self, analysed: D.Analysed, edges, gen: int) -> None:
        items = []
        for doc_id, routing, source in analysed.docs:
            self.names.setdefault(routing, source.get("article", ""))
            items.append((doc_id, source, {"routing": routing}))
        a, b, s = edges
        for x, y, z in zip(np.asarray(a).tolist(), np.asarray(b).tolist(), np.asarray(s).tolist()):
            items.append((f"e.{D.hx(x)}.{D.hx(y)}", {"kind": "edge", "ends": [D.hx(x), D.hx(y)], "sim": float(z),
                                                     "gen_add": gen}, {"op": "create"}))
        for w in sorted(analysed.words - self.words_sent):
            doc = {"kind": "word", "word": D.token(w)}
            pk = pinyin_key(w) if len(w) >= 2 else None
            if pk:
                doc["pinyin"] = pk
                doc["sound"] = sound_key(w)
            items.append((f"w.{D.token(w)}", doc, {"op": "create"}))
        self.words_sent |= analysed.words
        r = self.client.bulk_index(self.index, items, batch_docs=BULK_DOCS, batch_bytes=BULK_BYTES,
                                   raise_on_error=False)
        self.failed += r.failed
        self.docs += len(analysed.docs)

    def check(self) -> None:
        if not self.failed:
            return
        named = []
        for f in self.failed[:5]:
            parts = f["id"].split(".")
            aid = self.names.get(parts[0], parts[0])
            where = f"article {aid!r}" + (f" ¶{parts[2]}" if len(parts) > 2 else "")
            named.append(f"{where}: {f['status']} {f['reason']}")
        raise DocumentsRejected(f"the cluster refused {len(self.failed)} documents, so nothing was committed: "
                                + "; ".join(named))


# ------------------------------------------------------------------ near edges


def _edges_in_memory(table, pool: list, live: np.ndarray):
    """Near edges of a chunk against the chunks written before (a build)."""
    rows = near.unit_rows(table)
    rows = rows[~_isin_sorted(table.hash[rows], live)]
    found = [near.edges_within(table)]
    for t in pool:
        found.append(near.edges_between(table, rows, t, np.ones(len(t), bool)))
    return _cat_edges(found)


def _cat_edges(found):
    a = np.concatenate([np.asarray(f[0], np.uint64) for f in found]) if found else np.zeros(0, np.uint64)
    b = np.concatenate([np.asarray(f[1], np.uint64) for f in found]) if found else np.zeros(0, np.uint64)
    s = np.concatenate([np.asarray(f[2], np.float32) for f in found]) if found else np.zeros(0, np.float32)
    return near.dedupe_edges(a, b, s)


def _terms_chunks(values: list, size: int = 20000):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def live_classes(client: Client, index: str, hashes, filters: list) -> set[str]:
    """Which of these class hashes (hex) have a document passing ``filters``."""
    out: set[str] = set()
    for part in _terms_chunks(sorted(set(hashes))):
        body = {"size": 0, "query": {"bool": {"filter": [{"term": {"kind": "paragraph"}}, {"terms": {"cls": part}},
                                                         *filters]}},
                "aggs": {"c": {"terms": {"field": "cls", "size": len(part)}}}}
        r = client.search(index, body)
        out.update(b["key"] for b in r["aggregations"]["c"]["buckets"])
    return out


def candidate_texts(client: Client, index: str, band_keys: list[str], filters: list) -> dict[int, str]:
    """{class hash: text} of one document of every class sharing a band key (a terms query)."""
    out: dict[int, str] = {}
    for part in _terms_chunks(sorted(set(band_keys))):
        after = None
        while True:
            comp = {"size": 500, "sources": [{"c": {"terms": {"field": "cls"}}}]}
            if after:
                comp["after"] = after
            body = {"size": 0, "query": {"bool": {"filter": [{"term": {"kind": "paragraph"}},
                                                             {"terms": {"bands": part}}, *filters]}},
                    "aggs": {"c": {"composite": comp, "aggs": {"one": {"top_hits": {
                        "size": 1, "_source": {"includes": ["text"]}}}}}}}
            r = client.search(index, body)
            agg = r["aggregations"]["c"]
            for b in agg["buckets"]:
                hit = b["one"]["hits"]["hits"][0]
                out[int(b["key"]["c"], 16)] = hit["_source"]["text"]
            after = agg.get("after_key")
            if not agg["buckets"] or not after:
                break
    return out


def _edges_against_cluster(client: Client, index: str, table, gen_visible: int, gen_pending: int):
    """Near edges of a chunk against every live class of the cluster (an add)."""
    pool_filter = [{"range": {"gen_add": {"lte": gen_pending}}}, {"range": {"gen_del": {"gt": gen_visible}}}]
    hashes = [D.hx(h) for h in table.hash.tolist()]
    live = np.array(sorted(int(h, 16) for h in live_classes(client, index, hashes, pool_filter)), np.uint64)
    rows = near.unit_rows(table)
    rows = rows[~_isin_sorted(table.hash[rows], live)]
    found = [near.edges_within(table)]
    if len(rows):
        want = np.zeros(len(table), bool)
        want[rows] = True
        keys = [D.hx(k) for k, r in zip(table.band_key.tolist(), table.band_row.tolist()) if want[r]]
        texts = candidate_texts(client, index, keys, pool_filter)
        if texts:
            pool = sig.class_table({h: marked(t) for h, t in texts.items()})
            found.append(near.edges_between(table, rows, pool, np.ones(len(pool), bool)))
    return _cat_edges(found)


# ------------------------------------------------------------------ removals


def mark_removed(client: Client, index: str, ids: list[str], gen_visible: int, gen_new: int) -> set[str]:
    """Mark every document of these articles visible at ``gen_visible`` as removed by
    ``gen_new``; returns the ids that were there."""
    found: set[str] = set()
    updates = []
    for part in _terms_chunks(sorted(set(ids)), 1000):
        after = None
        while True:
            body = {"size": 5000, "_source": ["article", "kind"], "track_total_hits": False,
                    "query": {"bool": {"filter": [{"terms": {"article": part}}, *visible(gen_visible),
                                                  {"terms": {"kind": ["article", "paragraph"]}}]}},
                    "sort": [{"article": "asc"}, {"n": {"order": "asc", "missing": "_first"}}]}
            if after:
                body["search_after"] = after
            hits = client.search(index, body)["hits"]["hits"]
            for h in hits:
                if h["_source"].get("kind") == "article":
                    found.add(h["_source"]["article"])
                updates.append((h["_id"], {"gen_del": gen_new}, {"op": "update", "routing": h.get("_routing")}))
            if len(hits) < 5000:
                break
            after = hits[-1]["sort"]
    if updates:
        r = client.bulk_index(index, updates, batch_docs=BULK_DOCS, raise_on_error=False)
        if r.failed:
            raise OpenSearchError(f"could not mark {len(r.failed)} replaced or deleted documents: {r.failed[:2]}")
    return found


# ------------------------------------------------------------------ the two writers


class _Progress:
    def __init__(self, shown: bool, desc: str):
        self.bar = None
        if shown:
            from tqdm import tqdm

            self.bar = tqdm(desc=desc, unit=" para", file=sys.stderr, mininterval=0.5, dynamic_ncols=True)

    def update(self, n):
        if self.bar is not None:
            self.bar.update(n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def apply_changes(engine, articles=(), delete_ids=(), *, wait: float = 30.0, progress: bool = False,
                  mine=None) -> ChangeResult:
    """Add (or replace) ``articles`` and delete ``delete_ids`` in one commit."""
    t0 = time.time()
    client, name = engine.client, engine.index_name
    result = ChangeResult()
    with WriteLock(client, name, wait=wait) as lock:
        meta = state.read_meta(client, name)
        if meta is None:
            raise FileNotFoundError(engine.missing_message())
        if meta.pending is not None:
            state.recover(client, meta)
        g, p = meta.generation, meta.generation + 1
        meta.pending = p
        state.write_meta(client, meta)
        dictionary = engine.dictionary_of(meta)
        sink = Sink(client, meta.index)
        incoming: list[str] = []
        seen, skipped = set(), []
        bar = _Progress(progress, "indexing")
        try:
            for an in _analysed(articles, p, dictionary, mine, 1, ADD_CHUNK, seen, skipped):
                edges = _edges_against_cluster(client, meta.index, an.table, g, p)
                sink.send(an, edges, p)
                sink.check()
                incoming += an.articles
                result.paragraphs += an.paragraphs
                client.refresh(meta.index)  # the next chunk's repeats see this one
                lock.renew()
                bar.update(an.paragraphs)
            bar.close()
            ids = list(dict.fromkeys([*delete_ids, *incoming]))
            there = mark_removed(client, meta.index, ids, g, p) if ids else set()
        except BaseException:
            bar.close()
            try:  # leave nothing half-written behind (the next writer would remove it too)
                state.recover(client, meta)
                meta.pending = None
                state.write_meta(client, meta)
            except Exception:  # noqa: BLE001
                pass
            raise
        inc = set(incoming)
        for aid in ids:
            if aid in inc:
                (result.replaced if aid in there else result.added).append(aid)
            elif aid in there:
                result.deleted.append(aid)
            else:
                result.unknown.append(aid)
        removed = bool(there)
        if incoming or removed:
            client.refresh(meta.index)
            meta.generation = p
            result.generation = p
            state.record_commit(meta, p, removed)
        meta.pending = None
        state.purge(client, meta, state.purge_upto(meta))
        state.write_meta(client, meta)
    result.seconds = round(time.time() - t0, 3)
    return result


def build(engine, articles, *, dictionary, settings: dict, progress: bool = True, mine=None,
          procs: int = 1, shards: int | None = None, replicas: int | None = None) -> dict:
    """Index ``articles`` into a new physical index and move the alias to it when complete.
    Returns counts (paragraphs, articles, documents, edges, seconds per stage)."""
    client, name = engine.client, engine.index_name
    stats = {"paragraphs": 0, "articles": 0, "edges": 0, "stages": {}}
    with WriteLock(client, name) as lock:
        old = state.alias_targets(client, name)
        if old is None and state.is_concrete_index(client, name):
            raise state.MappingConflict(
                f"an index named {name!r} already exists on the cluster and was not written by `searcher build` "
                "(the cluster engine keeps its data behind an alias of that name); choose another --index-name "
                "or delete that index")
        physical = state.new_physical_name(name)
        nodes = state.data_nodes(client)
        index_settings = {"number_of_replicas": min(1 if replicas is None else replicas, max(0, nodes - 1))}
        if shards:
            index_settings["number_of_shards"] = shards
        client.create_index(physical, state.SCHEMA, settings=index_settings)
        try:
            meta = Meta(physical, {"generation": 0, "pending": 1, "payload": {}})
            state.write_meta(client, meta, create=True)
            client.call(lambda c: c.index(index=physical, id=state.DICTIONARY_ID, body={
                "kind": "dictionary", "payload": {"words": list(dictionary.words), "digest": dictionary.digest}}),
                "dictionary write")
            sink = Sink(client, physical)
            pool: list = []
            live = np.zeros(0, np.uint64)
            seen, skipped = set(), []
            bar = _Progress(progress, "indexing")
            t_near = t_send = 0.0
            t0 = time.time()
            for an in _analysed(articles, 1, dictionary, mine, procs, BUILD_CHUNK, seen, skipped):
                t = time.time()
                edges = _edges_in_memory(an.table, pool, live)
                pool.append(an.table)
                live = np.union1d(live, an.table.hash)
                t_near += time.time() - t
                t = time.time()
                sink.send(an, edges, 1)
                sink.check()
                t_send += time.time() - t
                stats["paragraphs"] += an.paragraphs
                stats["articles"] += len(an.articles)
                stats["edges"] += len(edges[0])
                lock.renew()
                bar.update(an.paragraphs)
            bar.close()
            if not stats["paragraphs"]:
                raise NothingToIndex("no paragraphs")
            t = time.time()
            client.refresh(physical)
            stats["stages"] = {"analyse+send": round(t - t0, 2), "near": round(t_near, 2),
                               "send (waiting on the cluster)": round(t_send, 2)}
            meta.generation, meta.pending = 1, None
            meta.payload.update(settings=settings, schema_version=state.SCHEMA_VERSION, commits=[],
                                dictionary=dictionary.digest)
            state.write_meta(client, meta)
            actions = [{"add": {"index": physical, "alias": name}}]
            actions += [{"remove": {"index": o, "alias": name}} for o in old or []]
            client.call(lambda c: c.indices.update_aliases(body={"actions": actions}), "alias switch")
            stats["stages"]["refresh+switch"] = round(time.time() - t, 2)
        except BaseException:
            try:
                client.delete_index(physical)
            except Exception:  # noqa: BLE001
                pass
            raise
        if old:
            time.sleep(engine.swap_grace)
            for o in old:
                client.delete_index(o)
    stats["index"] = physical
    stats["skipped_duplicates"] = skipped
    return stats
