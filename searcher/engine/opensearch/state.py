"""The commit protocol of the cluster engine: generations, the meta document, the writer lock.

OpenSearch has no transaction over several documents, so an index here works like Lucene's
own commits, one level up:

* every document carries ``gen_add`` (the commit that wrote it) and ``gen_del`` (the commit
  that replaced or deleted it; ``docs.INF`` while nothing has);
* the ``meta`` document holds the visible generation G; a reader reads it once and filters
  every query on ``gen_add <= G < gen_del`` (``visible``): one consistent snapshot;
* a writer (one at a time: ``WriteLock``) writes its documents with ``gen_add = G + 1``,
  marks what they replace with ``gen_del = G + 1``, refreshes, and only then sets
  ``meta.generation = G + 1`` (with optimistic concurrency on the meta document): readers see
  all of a commit or nothing of it;
* a writer that dies leaves ``meta.pending`` set; the next one removes what it wrote
  (``gen_add > G``) and unmarks what it marked (``G < gen_del < INF``) before it starts.
  It can only start once the dead writer's lock lease (``LOCK_LEASE``, 120 s) has run out,
  long after any bulk request the dead writer had in flight was answered;
* documents a commit removed stay until no reader can still be on an older generation
  (``PURGE_GRACE`` seconds after that commit), then ``purge`` deletes them.

A full build writes a new physical index (``<name>-<stamp>``) and moves the alias ``<name>``
to it in one atomic step when it is complete; readers on the old index finish on it.
"""
from __future__ import annotations

import os
import socket
import time
import uuid

from opensearchpy.exceptions import NotFoundError, TransportError

from ..embedded.layout import WriterBusy
from .client import Client, OpenSearchError
from .docs import INF

SCHEMA = "paragraphs-v2"
SCHEMA_VERSION = 2
META_ID = "meta"
DICTIONARY_ID = "dictionary"
PURGE_GRACE = 60.0  # seconds a removed document stays readable after the commit that removed it
LOCK_LEASE = 120.0  # seconds a writer's lock lasts unless renewed (a crashed writer's expires)
KEEP_COMMITS = 64


class MappingConflict(OpenSearchError):
    """The index name is taken by something this program did not write."""


def lock_index(name: str) -> str:
    return f"{name}-writelock"


def new_physical_name(name: str) -> str:
    return f"{name}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"


def visible(gen: int) -> list:
    """Filters of the documents visible at generation ``gen``."""
    return [{"range": {"gen_add": {"lte": gen}}}, {"range": {"gen_del": {"gt": gen}}}]


class Meta:
    """The meta document of one physical index."""

    def __init__(self, index: str, source: dict, seq_no: int | None = None, primary_term: int | None = None):
        self.index = index
        self.generation = int(source.get("generation") or 0)
        self.pending = source.get("pending")
        self.payload = dict(source.get("payload") or {})
        self.seq_no, self.primary_term = seq_no, primary_term

    @property
    def settings(self) -> dict:
        return dict(self.payload.get("settings") or {})

    @property
    def schema_version(self):
        return self.payload.get("schema_version")

    def source(self) -> dict:
        return {"kind": "meta", "generation": self.generation, "pending": self.pending, "payload": self.payload}


def read_meta(client: Client, name: str) -> Meta | None:
    """The meta document behind an alias (or index) name; None when there is none."""
    try:
        r = client.call(lambda c: c.get(index=name, id=META_ID, params={"realtime": "true"}), "meta read")
    except NotFoundError:
        return None
    if not r.get("found"):
        return None
    return Meta(r["_index"], r["_source"], r.get("_seq_no"), r.get("_primary_term"))


def write_meta(client: Client, meta: Meta, *, create: bool = False) -> None:
    """Write the meta document; refused (OpenSearchError) if another writer changed it since
    it was read."""
    params = {"refresh": "true"}
    if create:
        params["op_type"] = "create"
    elif meta.seq_no is not None:
        params.update(if_seq_no=str(meta.seq_no), if_primary_term=str(meta.primary_term))
    try:
        r = client.call(lambda c: c.index(index=meta.index, id=META_ID, body=meta.source(), params=params),
                        "meta write")
    except TransportError as e:
        if e.status_code == 409:
            raise OpenSearchError(f"{meta.index}: another writer committed meanwhile; nothing of this change "
                                  "is visible (run it again)") from None
        raise
    meta.seq_no, meta.primary_term = r.get("_seq_no"), r.get("_primary_term")


def alias_targets(client: Client, name: str) -> list[str] | None:
    """The physical indices an alias points to; None when ``name`` is no alias (absent, or a
    concrete index, see ``is_concrete_index``)."""
    try:
        r = client.call(lambda c: c.indices.get_alias(name=name), "alias read")
    except NotFoundError:
        return None
    return sorted(r)


def is_concrete_index(client: Client, name: str) -> bool:
    try:
        r = client.call(lambda c: c.indices.get(index=name), "index read")
    except NotFoundError:
        return False
    return name in r


def data_nodes(client: Client) -> int:
    return int(client.health().get("number_of_data_nodes") or 1)


# ------------------------------------------------------------------ the writer lock


class WriteLock:
    """One writer per index name across every client: a document created with op_type=create
    in ``<name>-writelock``.  The holder renews it (``renew``) while it works; a lock whose
    lease ran out (its writer died) is taken over.  A second writer waits up to ``wait``
    seconds, then refuses with WriterBusy naming the holder."""

    def __init__(self, client: Client, name: str, wait: float = 30.0, lease: float = LOCK_LEASE):
        self.client = client
        self.index = lock_index(name)
        self.name = name
        self.wait = wait
        self.lease = lease
        self.owner = f"{socket.gethostname()} pid {os.getpid()} {uuid.uuid4().hex[:8]}"
        self.seq = None

    def _body(self):
        return {"owner": self.owner, "expires": time.time() + self.lease}

    def __enter__(self):
        self.client.create_index(self.index, {"settings": {"index": {"number_of_shards": 1}},
                                              "mappings": {"dynamic": False, "properties": {}}},
                                 settings={"number_of_replicas": min(1, max(0, data_nodes(self.client) - 1))},
                                 exists_ok=True)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                r = self.client.call(lambda c: c.index(index=self.index, id="lock", body=self._body(),
                                                       params={"op_type": "create", "refresh": "true"}),
                                     "lock")
                self.seq = (r["_seq_no"], r["_primary_term"])
                return self
            except TransportError as e:
                if e.status_code != 409:
                    raise
            held = self._read()
            if held is not None and held[0].get("expires", 0) < time.time():
                try:  # the holder's lease ran out: it died; take the lock over
                    self.client.call(lambda c: c.delete(index=self.index, id="lock", params={
                        "if_seq_no": str(held[1]), "if_primary_term": str(held[2]), "refresh": "true"}), "lock")
                except (TransportError, NotFoundError):
                    pass
                continue
            if time.monotonic() >= deadline:
                who = held[0].get("owner", "?") if held else "?"
                raise WriterBusy(f"another writer of the index {self.name!r} is running ({who}); wait for it "
                                 "to finish and try again")
            time.sleep(0.1)

    def _read(self):
        try:
            r = self.client.call(lambda c: c.get(index=self.index, id="lock"), "lock")
        except NotFoundError:
            return None
        if not r.get("found"):
            return None
        return r["_source"], r["_seq_no"], r["_primary_term"]

    def renew(self) -> None:
        """Extend the lease (call at least every LOCK_LEASE / 2 seconds while writing)."""
        if self.seq is None:
            return
        try:
            r = self.client.call(lambda c: c.index(index=self.index, id="lock", body=self._body(), params={
                "if_seq_no": str(self.seq[0]), "if_primary_term": str(self.seq[1])}), "lock")
        except TransportError as e:
            if e.status_code == 409:
                raise OpenSearchError(f"lost the writer lock of {self.name!r} (another writer took it over "
                                      "after the lease ran out); nothing of this change is visible") from None
            raise
        self.seq = (r["_seq_no"], r["_primary_term"])

    def __exit__(self, *exc):
        if self.seq is None:
            return
        try:
            self.client.call(lambda c: c.delete(index=self.index, id="lock", params={
                "if_seq_no": str(self.seq[0]), "if_primary_term": str(self.seq[1]), "refresh": "true"}), "unlock")
        except (TransportError, NotFoundError, OpenSearchError):
            pass  # the lease will run out
        self.seq = None


# ------------------------------------------------------------------ recovery and purge


def _by_query(client: Client, index: str, what: str, body: dict) -> int:
    params = {"conflicts": "proceed", "refresh": "true", "slices": "auto", "wait_for_completion": "true",
              "request_timeout": 600}
    r = client.call(lambda c: c.delete_by_query(index=index, body=body, params=params), what)
    if r.get("failures"):
        raise OpenSearchError(f"{what} on {index} failed: {r['failures'][:2]}")
    return int(r.get("deleted") or 0)


def recover(client: Client, meta: Meta) -> None:
    """Undo what a dead writer left: documents of a generation that was never committed, and
    removal marks of that generation (set back to INF with partial updates: no script
    engine is needed on the cluster)."""
    g = meta.generation
    client.refresh(meta.index)  # what the dead writer sent after its last refresh, too
    _by_query(client, meta.index, "recovery (delete)", {"query": {"range": {"gen_add": {"gt": g}}}})
    while True:
        r = client.search(meta.index, {"size": 5000, "_source": False, "track_total_hits": False,
                                       "query": {"range": {"gen_del": {"gt": g, "lt": INF}}}})
        hits = r["hits"]["hits"]
        if not hits:
            return
        client.bulk_index(meta.index, [(h["_id"], {"gen_del": INF}, {"op": "update", "routing": h.get("_routing")})
                                       for h in hits], refresh=True)


def purge_upto(meta: Meta, now: float | None = None, grace: float = PURGE_GRACE) -> int:
    """The newest generation whose removals no reader can still need: every reader on an
    older generation started before that commit, more than ``grace`` seconds ago."""
    now = time.time() if now is None else now
    done = 0
    for gen, when in meta.payload.get("commits") or []:
        if when <= now - grace:
            done = max(done, int(gen))
    return done


def purge(client: Client, meta: Meta, upto: int) -> int:
    """Delete the documents removed at or before generation ``upto``."""
    if upto <= int(meta.payload.get("purged") or 0):
        return 0
    n = _by_query(client, meta.index, "purge", {"query": {"range": {"gen_del": {"lte": upto}}}})
    meta.payload["purged"] = upto
    return n


def record_commit(meta: Meta, gen: int, removed: bool) -> None:
    commits = [c for c in meta.payload.get("commits") or []]
    if removed:
        commits.append([gen, time.time()])
    meta.payload["commits"] = commits[-KEEP_COMMITS:]
