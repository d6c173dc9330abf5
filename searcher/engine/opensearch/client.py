"""The connection to an OpenSearch cluster: several node URLs, retries, bounded bulk indexing.

``connect(urls)`` (or ``$SEARCHER_OPENSEARCH_URL``, comma-separated) gives a ``Client`` over
opensearch-py.  Its guarantees, which the engine builds on:

* **A node failing is not the caller's problem.**  A request that cannot reach a node, or that a
  node answers 502/503/504, is sent to the next node at once (opensearch-py's transport, which
  sets the failed node aside for a while); when the whole cluster is briefly unable (every node
  refused, 429 too many requests, 503 no shard copy yet), the request is tried again after an
  exponential backoff with jitter, for up to ``retry_for`` seconds in all.  Searches ask for
  complete results only (``allow_partial_search_results=false``), so a shard lost mid-query is
  a retried 503, never silently missing hits.
* **Unreachable is said plainly**: ``ClusterUnreachable`` names every node URL and what each
  answered ("connection refused", "timed out"), with what to do about it.
* **Bulk indexing in bounded batches** (``bulk_index``): at most ``batch_docs`` documents and
  ``batch_bytes`` bytes a request; items refused with 429/502/503/504 are resent alone with
  backoff, connection errors resend the batch (documents carry their ids, so a resend overwrites
  rather than duplicates); what the cluster acknowledged is counted, and what it rejected for
  good (a mapping error) is reported by id.
"""
from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import time
import urllib.error
import urllib.request
from importlib import resources
from typing import Any, Callable, Iterable, Iterator, Sequence

from opensearchpy import OpenSearch

from ..base import EngineError
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

URL_ENV = "SEARCHER_OPENSEARCH_URL"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
BULK_WAIT = 90  # seconds a bulk request may take: more than the cluster's one minute for a primary
# Seconds documents refused during a failover (503: no primary yet) are resent for, at least: a
# node's death on a loaded machine took longer than the 30 s of other requests to settle (a CI
# run: 30 documents of one shard refused for 30 s), and an indexing job should outlast it.
BULK_RETRY_FOR = 120


class OpenSearchError(EngineError):
    """A cluster operation that failed for good; the message is for the user."""


class ClusterUnreachable(OpenSearchError):
    """No node of the cluster could be reached."""

    def __init__(self, urls: Sequence[str], reasons: dict[str, str] | None = None):
        self.urls = list(urls)
        self.reasons = reasons or {}
        nodes = "; ".join(f"{u} ({self.reasons[u]})" if u in self.reasons else u for u in self.urls)
        super().__init__(
            f"cannot reach the OpenSearch cluster at {nodes}. Start a local one with `searcher cluster "
            f"start`, or give the URL of yours with --url or {URL_ENV} (comma-separated for several nodes).")


class BulkIndexError(OpenSearchError):
    """Some documents were rejected for good (not retryable); ``result`` says which and why."""

    def __init__(self, result: "BulkResult"):
        self.result = result
        first = "; ".join(f"{f['id']}: {f['status']} {f['reason']}" for f in result.failed[:3])
        super().__init__(f"{len(result.failed)} documents rejected by the cluster "
                         f"({result.indexed} indexed); first: {first}")


def resolve_urls(urls: Iterable[str] | str | None = None, env: dict | None = None) -> list[str]:
    """Node URLs from ``urls`` (repeatable ``--url``, each possibly comma-separated), else
    ``$SEARCHER_OPENSEARCH_URL``; a bare ``host:port`` gets ``http://``.  Raises OpenSearchError
    when there are none."""
    env = os.environ if env is None else env
    if isinstance(urls, str):
        urls = [urls]
    items = [u for part in (urls or []) for u in part.split(",")]
    if not any(u.strip() for u in items):
        items = (env.get(URL_ENV) or "").split(",")
    out = []
    for u in (u.strip().rstrip("/") for u in items):
        if u and u not in out:
            out.append(u if "://" in u else f"http://{u}")
    if not out:
        raise OpenSearchError(f"no OpenSearch URL: pass --url URL (repeatable) or set {URL_ENV}="
                              "http://host:9200[,http://host2:9200...]; `searcher cluster start` starts "
                              "a local cluster and prints its URLs")
    return out


def _probe(url: str, timeout: float = 2.0) -> str | None:
    """Why ``url`` does not answer as an OpenSearch node, or None when it does."""
    try:
        with urllib.request.urlopen(url + "/", timeout=timeout) as r:
            json.loads(r.read())
        return None
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code}"
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, ConnectionRefusedError):
            return "connection refused"
        return str(getattr(reason, "strerror", None) or reason)
    except TimeoutError:
        return "timed out"
    except (OSError, ValueError) as e:
        return str(e) or type(e).__name__


def _keep_server_timeout(params: dict) -> None:
    """opensearch-py takes a ``timeout`` parameter as its own request timeout unless
    ``request_timeout`` is given: give one (a bit longer than the server's) so that ``timeout``
    reaches the server."""
    t = params.get("timeout")
    if isinstance(t, str) and "request_timeout" not in params:
        m = re.fullmatch(r"(\d+)(ms|s|m)?", t.strip())
        seconds = int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[m.group(2)] if m else 60
        params["request_timeout"] = seconds + 10


def _reason(err) -> str:
    if isinstance(err, dict):
        root = (err.get("root_cause") or [{}])[0]
        return f"{err.get('type') or root.get('type') or 'error'}: {err.get('reason') or root.get('reason') or ''}"
    return str(err or "shard failure")


# What a shard copy answers while its node is going away or its copy is being promoted: a
# search then fails with 500 "Partial shards failure" (partial results refused), which another
# try answers from the remaining copies.
TRANSIENT_SHARD_FAILURES = ("node_disconnected_exception", "node_not_connected_exception", "node_closed_exception",
                            "connect_transport_exception", "no_shard_available_action_exception",
                            "shard_not_found_exception", "receive_timeout_transport_exception",
                            "send_request_transport_exception", "transport_exception", "Partial shards failure",
                            "unavailable_shards_exception", "primary shard is not active")


def _transient(info) -> bool:
    text = json.dumps(info) if not isinstance(info, str) else info
    return any(marker in text for marker in TRANSIENT_SHARD_FAILURES)


def _retryable(e: Exception) -> bool:
    if isinstance(e, OSConnectionError):  # includes ConnectionTimeout
        return True
    if not isinstance(e, TransportError) or not isinstance(e.status_code, int):
        return False
    return e.status_code in RETRY_STATUSES or (e.status_code == 500 and _transient(e.info))


@dataclasses.dataclass
class BulkResult:
    indexed: int = 0          # documents the cluster acknowledged (created or updated)
    failed: list = dataclasses.field(default_factory=list)  # [{"id", "status", "reason"}] rejected for good
    batches: int = 0          # bulk requests that got an answer
    retries: int = 0          # requests or items sent again

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


class Client:
    """opensearch-py over several node URLs, with the retry policy of this module.

    ``raw`` is the ``opensearchpy.OpenSearch`` for anything not wrapped here; ``call(fn)`` runs any
    request through the same retry policy: ``client.call(lambda os: os.indices.refresh(index=i))``.
    """

    def __init__(self, urls: Iterable[str] | str | None = None, *, timeout: float = 30,
                 retry_for: float = 30, backoff: float = 0.25, max_backoff: float = 8,
                 sleep: Callable[[float], None] = time.sleep, **opensearch_kwargs: Any):
        self.urls = resolve_urls(urls)
        self.timeout = timeout
        self.retry_for = retry_for
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self.raw = OpenSearch(
            hosts=self.urls,
            timeout=timeout,
            max_retries=max(3, len(self.urls)),  # each node once before the backoff loop
            retry_on_status=(502, 503, 504),
            retry_on_timeout=True,
            **opensearch_kwargs)

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the retry policy

    def _delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter: up to backoff * 2**attempt, capped."""
        return random.uniform(0.5, 1.0) * min(self.max_backoff, self.backoff * (2 ** attempt))

    def call(self, fn: Callable[[OpenSearch], Any], what: str = "request") -> Any:
        """``fn(raw)``, tried again with backoff on connection errors and 429/502/503/504 for up to
        ``retry_for`` seconds from the first failure (a request that timed out still gets its
        retries); then ClusterUnreachable (no node answered) or the last error."""
        deadline = None
        attempt = 0
        while True:
            try:
                return fn(self.raw)
            except (OSConnectionError, TransportError) as e:
                if not _retryable(e):
                    raise
                if deadline is None:
                    deadline = time.monotonic() + self.retry_for
                if time.monotonic() + self._delay(attempt) > deadline:
                    if isinstance(e, OSConnectionError):
                        unreachable = self.unreachable()
                        if len(unreachable.reasons) == len(self.urls):
                            raise unreachable from e
                        raise OpenSearchError(f"a {what} to the OpenSearch cluster at {', '.join(self.urls)} "
                                              f"kept failing for {self.retry_for:.0f} s: {e}") from e
                    raise OpenSearchError(f"the OpenSearch cluster at {', '.join(self.urls)} kept answering "
                                          f"{e.status_code} to a {what} for {self.retry_for:.0f} s: "
                                          f"{e.error}") from e
                self._sleep(self._delay(attempt))
                attempt += 1

    def unreachable(self) -> ClusterUnreachable:
        """A ClusterUnreachable naming every node and what it answers now."""
        return ClusterUnreachable(self.urls, {u: r for u in self.urls if (r := _probe(u))})

    # -- requests

    def info(self) -> dict:
        return self.call(lambda c: c.info(), "info request")

    def health(self, **params) -> dict:
        """``_cluster/health``; ``wait_for_*`` with ``timeout="120s"`` waits on the server."""
        _keep_server_timeout(params)
        return self.call(lambda c: c.cluster.health(params=params), "health request")

    def search(self, index: str, body: dict, **params) -> dict:
        """A search that returns complete results or raises; a node failing mid-request is retried
        elsewhere (see the module docstring)."""
        params.setdefault("allow_partial_search_results", "false")
        return self.call(lambda c: c.search(index=index, body=body, params=params), "search")

    def msearch(self, index: str, bodies: list[dict]) -> list[dict]:
        """Several searches in one request, each complete or the whole is retried (a shard
        copy lost mid-request answers 503 inside the response)."""
        if not bodies:
            return []
        header = json.dumps({"index": index, "allow_partial_search_results": False})
        payload = "".join(header + "\n" + json.dumps(b, ensure_ascii=False) + "\n" for b in bodies)

        def run(c: OpenSearch):
            out = c.msearch(body=payload, params={"max_concurrent_searches": "8"})["responses"]
            for r in out:
                err = r.get("error")
                status = r.get("status", 200)
                if err is not None or r.get("_shards", {}).get("failed"):
                    raise TransportError(status if err is not None else 503, _reason(err), err or r.get("_shards"))
            return out
        return self.call(run, "search")

    def count(self, index: str, body: dict | None = None) -> int:
        return self.call(lambda c: c.count(index=index, body=body), "count")["count"]

    def refresh(self, index: str) -> None:
        self.call(lambda c: c.indices.refresh(index=index), "refresh")

    def create_index(self, name: str, schema: str | dict = "paragraphs-v1", *,
                     settings: dict | None = None, exists_ok: bool = False) -> dict:
        """Create ``name`` from a versioned schema (``mappings/<schema>.json``) or a body, with
        ``settings`` merged into its ``settings.index`` (e.g. number_of_replicas)."""
        body = load_schema(schema) if isinstance(schema, str) else json.loads(json.dumps(schema))
        if settings:
            body.setdefault("settings", {}).setdefault("index", {}).update(settings)

        def create(c: OpenSearch):
            try:
                return c.indices.create(index=name, body=body)
            except TransportError as e:
                if exists_ok and e.status_code == 400 and "already_exists" in str(e.error):
                    return {"acknowledged": True, "index": name, "existed": True}
                raise
        return self.call(create, "create index")

    def delete_index(self, name: str, missing_ok: bool = True) -> None:
        self.call(lambda c: c.indices.delete(index=name, params={"ignore_unavailable": "true"} if missing_ok else {}),
                  "delete index")

    # -- bulk indexing

    def bulk_index(self, index: str, docs: Iterable[tuple], *, batch_docs: int = 500,
                   batch_bytes: int = 5 << 20, refresh: bool = False, raise_on_error: bool = True,
                   progress: Callable[[BulkResult], None] | None = None) -> BulkResult:
        """Index ``(id, document)`` pairs in batches of at most ``batch_docs`` documents and
        ``batch_bytes`` bytes, with retries (see the module docstring).

        Returns the counts; raises BulkIndexError when documents were rejected for good (after
        indexing all the others) unless ``raise_on_error`` is false, and OpenSearchError /
        ClusterUnreachable when the cluster stayed unavailable for ``retry_for`` seconds.
        """
        result = BulkResult()
        for batch in _batches(docs, index, batch_docs, batch_bytes):
            self._send_batch(batch, result)
            if progress:
                progress(result)
        if refresh:
            self.refresh(index)
        if result.failed and raise_on_error:
            raise BulkIndexError(result)
        return result

    def _send_batch(self, batch: list[tuple[str, bytes]], result: BulkResult) -> None:
        pending = batch
        deadline = None  # retries get retry_for seconds from the first refusal
        attempt = 0
        # The cluster waits up to a minute (its bulk default) for a shard's primary while a
        # lost node's shards get a new one; the client waits longer than that, so a slow
        # failover comes back as refused documents to retry, not as a request timed out.
        wait = max(self.timeout, BULK_WAIT)
        while pending:
            body = b"".join(lines for _, lines in pending)
            # The transport's own retries go to the next node; a batch sent twice is harmless.
            try:
                resp = self.call(lambda c: c.bulk(body=body, request_timeout=wait), "bulk request")
            except TransportError as e:
                if e.status_code != 413:
                    raise
                if len(pending) == 1:  # one document larger than the cluster takes in a request
                    result.failed.append({"id": pending[0][0], "status": 413, "reason": (
                        f"the document is {len(body):,} bytes, more than the cluster accepts in one "
                        "request (http.max_content_length)")})
                    return
                half = len(pending) // 2
                self._send_batch(pending[:half], result)
                self._send_batch(pending[half:], result)
                return
            result.batches += 1
            retry = []
            why = ""
            for (doc_id, lines), item in zip(pending, resp["items"]):
                op, r = next(iter(item.items()))
                status = r.get("status", 0)
                if 200 <= status < 300 or (status == 409 and op == "create"):  # create: it is there already
                    result.indexed += 1
                elif status in RETRY_STATUSES:
                    retry.append((doc_id, lines))
                    why = why or _refusal(status, r.get("error"))
                else:
                    err = r.get("error") or {}
                    result.failed.append({"id": doc_id, "status": status,
                                          "reason": f"{err.get('type', '')}: {err.get('reason', '')}".strip(": ")})
            if retry:
                if deadline is None:
                    deadline = time.monotonic() + max(self.retry_for, BULK_RETRY_FOR)
                if time.monotonic() + self._delay(attempt) > deadline:
                    raise OpenSearchError(f"the OpenSearch cluster at {', '.join(self.urls)} kept refusing "
                                          f"{len(retry)} documents for {max(self.retry_for, BULK_RETRY_FOR):.0f} s "
                                          f"({result.indexed} indexed so far); the last refusal: {why}")
                result.retries += len(retry)
                self._sleep(self._delay(attempt))
                attempt += 1
            pending = retry


def _refusal(status: int, err) -> str:
    """A bulk item's refusal for a message: its status and OpenSearch's own reason."""
    if isinstance(err, dict):
        return f"{status} {err.get('type', '')}: {err.get('reason', '')}".rstrip(": ")
    return f"{status} {err or ''}".rstrip()


def _batches(docs: Iterable[tuple], index: str, max_docs: int,
             max_bytes: int) -> Iterator[list[tuple[str, bytes]]]:
    """Bulk request lines per document, grouped into bounded batches (a single document larger
    than ``max_bytes`` goes alone).  A document is ``(id, source)`` or ``(id, source, options)``
    with options ``op`` (index, create -- a 409 then means it exists, which counts as done --
    or update, whose source is the partial document) and ``routing``."""
    batch: list[tuple[str, bytes]] = []
    size = 0
    for item in docs:
        doc_id, source = item[0], item[1]
        opts = item[2] if len(item) > 2 else {}
        op = opts.get("op", "index")
        meta = {"_index": index, "_id": doc_id}
        if opts.get("routing") is not None:
            meta["routing"] = opts["routing"]
        action = json.dumps({op: meta}, ensure_ascii=False)
        body = {"doc": source} if op == "update" else source
        lines = (action + "\n" + json.dumps(body, ensure_ascii=False) + "\n").encode()
        if batch and (len(batch) >= max_docs or size + len(lines) > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append((doc_id, lines))
        size += len(lines)
    if batch:
        yield batch


def connect(urls: Iterable[str] | str | None = None, *, check: bool = True, **kwargs: Any) -> Client:
    """A Client over ``urls`` (or ``$SEARCHER_OPENSEARCH_URL``); with ``check``, one request first so
    that an unreachable cluster is said now (ClusterUnreachable), not at the first search."""
    client = Client(urls, **kwargs)
    if check:
        try:
            client.raw.info()
        except OSConnectionError:
            client.close()
            raise client.unreachable() from None
    return client


def load_schema(name: str = "paragraphs-v1") -> dict:
    """The index settings and mappings of ``mappings/<name>.json`` (a versioned schema)."""
    text = resources.files(__package__).joinpath("mappings", f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)
