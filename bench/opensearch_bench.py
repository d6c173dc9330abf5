"""The cluster engine against the embedded one: indexing throughput, query latency, memory, ranks.

    .venv/bin/python bench/opensearch_bench.py                       # 218,139 paragraphs, 1 and 3 nodes
    .venv/bin/python bench/opensearch_bench.py --sizes 218139,1m     # and the 1M corpus (bench/make_million.py)

For each corpus size, one step at a time (the machine is small; nothing else should run):

1. **embedded build**: ``searcher build`` into a folder (a subprocess; wall time, peak memory).
2. **analysis**: the cluster engine's documents made once in Python (``opensearch.docs.analyse``,
   one process per core) and written as bulk request lines, so that the next step measures
   the cluster alone.
3. **bulk ingest** into a fresh local cluster of 1 and of 3 nodes (one JVM per node, ``--heap``
   each; 3 shards; one replica when there are 3 nodes): the analysed documents sent with
   bounded bulk requests by ``--senders`` threads; documents per second, per node, and the
   work per node (copies written, replicas included).
4. **end-to-end build**: ``searcher build --engine opensearch`` into the same cluster (analysis,
   near repeats and bulk requests together, as a user runs it), then node memory (RSS and JVM
   heap) and index size.
5. **queries**: the fixed mix (``bench/queries.txt``, 226 queries: words, AND, phrases, names,
   op=or questions) on both engines, a warm-up pass then ``--repeat`` timed passes; p50/p95/p99
   of a whole search (matching, ranking, passages, highlights, repeat flags, facets).
6. **rank agreement**: for every query of the mix, the top-10 articles of both engines, with
   the cluster's exact rescoring (the product) and with OpenSearch's own BM25 order.

Results: ``bench/results/opensearch.json`` (rewritten after every step) and
``bench/results/opensearch.md`` (the README's tables).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench.run import TreePoller, load_queries, machine, percentile, vm_status  # noqa: E402

LAWS = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench", "tw_laws.jsonl.gz"))
MILLION = os.path.join(HERE, "data", "tw_laws_1m.jsonl.gz")
SEARCHER = os.path.join(os.path.dirname(sys.executable), "searcher")


def say(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def corpus_of(size: str, args) -> tuple[str, int]:
    if size in ("1m", "1M", "million"):
        path = args.million
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing: make it with `python bench/make_million.py`")
        return path, 1_090_695
    n = int(size)
    if n >= 218_139:
        return LAWS, 218_139
    out = os.path.join(args.workdir, f"slice-{n}.jsonl")
    if not os.path.exists(out):
        from bench.run import write_slice

        write_slice(n, out)
    return out, n


def cpu_seconds(pids) -> float:
    """User + system CPU seconds of these processes so far (/proc/PID/stat)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_timed(cmd, label, nodes=None):
    """Run a command; wall seconds, CPU seconds (its own, and the cluster nodes' if given),
    peak memory of its process tree, its stdout."""
    say(f"{label}: {' '.join(cmd[:6])} ...")
    c0 = children_cpu()
    j0 = cpu_seconds([n.pid for n in nodes]) if nodes else 0.0
    load0 = os.getloadavg()[0]
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    poller = TreePoller(proc.pid, 0.5)
    out, err = proc.communicate()
    poller.stop()
    wall = time.time() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{label} failed ({proc.returncode}): {err[-2000:]}")
    m = {"wall_s": round(wall, 1), "cpu_s": round(children_cpu() - c0, 1), "peak_rss_mb": round(poller.peak_rss),
         "peak_pss_mb": round(poller.peak_pss), "load_before": round(load0, 2),
         "load_after": round(os.getloadavg()[0], 2)}
    if nodes:
        m["cluster_cpu_s"] = round(cpu_seconds([n.pid for n in nodes]) - j0, 1)
    return m, out


# ------------------------------------------------------------------ steps


def embedded_build(src, n, args):
    d = os.path.join(args.workdir, f"embedded-{n}")
    shutil.rmtree(d, ignore_errors=True)
    m, out = run_timed([SEARCHER, "build", "--source", src, "--index", d, "--quiet", "--json"], "embedded build")
    summary = json.loads(out)
    m.update(paragraphs=summary["paragraphs"], para_per_s=round(summary["paragraphs"] / m["wall_s"]), index=d)
    return m


def analyse_to_file(src, n, args):
    """The cluster engine's documents of the corpus as bulk lines (gz), made once."""
    out = os.path.join(args.workdir, f"analysed-{n}.ndjson.gz")
    t0 = time.time()
    code = f"""
import gzip, json, sys
sys.path.insert(0, {ROOT!r})
from searcher.engine.embedded.engine import base_dictionary, _mine
from searcher.engine.opensearch import writer, docs as D
from searcher.ingest import IngestReport, read_sources
d = base_dictionary(())
n = 0
with gzip.open({out!r}, "wt", encoding="utf-8", compresslevel=1) as f:
    for an in writer._analysed(read_sources([{src!r}], IngestReport()), 1, d, _mine, 2, writer.BUILD_CHUNK, set(), []):
        for doc_id, routing, source in an.docs:
            f.write(json.dumps({{"index": {{"_id": doc_id, "routing": routing}}}}) + "\\n")
            f.write(json.dumps(source, ensure_ascii=False) + "\\n")
            n += 1
print(n)
"""
    m, stdout = run_timed([sys.executable, "-c", code], "analysis")
    m.update(documents=int(stdout.strip()), file_mb=round(os.path.getsize(out) / 2**20), path=out)
    m["docs_per_s"] = round(m["documents"] / (time.time() - t0))
    return m


def start_cluster(nodes, args):
    from searcher.engine.opensearch.cluster import LocalCluster

    d = os.path.join(args.workdir, f"cluster-{nodes}")
    shutil.rmtree(d, ignore_errors=True)
    say(f"starting a {nodes}-node cluster (heap {args.heap} a node)")
    return LocalCluster.start(d, nodes, heap=args.heap, say=lambda m: None)


def stop_cluster(c):
    try:
        c.stop(timeout=30, say=lambda m: None)
    finally:
        shutil.rmtree(c.directory, ignore_errors=True)


def node_memory(c, client):
    stats = client.call(lambda x: x.nodes.stats(metric="jvm,indices", params={"filter_path": "nodes.*.name,nodes.*.jvm.mem,nodes.*.indices.store"}))
    by_name = {v["name"]: v for v in stats["nodes"].values()}
    out = []
    for n in c.nodes:
        s = by_name.get(n.name, {})
        mem = s.get("jvm", {}).get("mem", {})
        out.append({"node": n.name, "rss_mb": vm_status(n.pid).get("VmRSS") if n.pid else None,
                    "rss_peak_mb": vm_status(n.pid).get("VmHWM") if n.pid else None,
                    "heap_used_mb": round(mem.get("heap_used_in_bytes", 0) / 2**20),
                    "heap_max_mb": round(mem.get("heap_max_in_bytes", 0) / 2**20),
                    "store_mb": round(s.get("indices", {}).get("store", {}).get("size_in_bytes", 0) / 2**20)})
    return out


def bulk_ingest(c, analysed, nodes, args):
    """Send the analysed documents into a fresh index: the cluster's own indexing throughput."""
    from searcher.engine.opensearch import state
    from searcher.engine.opensearch.client import Client

    client = Client(c.urls, timeout=120)
    name = f"ingest-{nodes}"
    client.delete_index(name)
    client.create_index(name, state.SCHEMA, settings={"number_of_replicas": 1 if nodes > 1 else 0})
    lines_q: list = []
    lock = threading.Lock()
    sent = [0]
    errors = []

    def batches():
        with gzip.open(analysed, "rt", encoding="utf-8") as f:
            batch, size = [], 0
            for action in f:
                source = next(f)
                batch.append(action.replace('{"index": {', f'{{"index": {{"_index": "{name}", ', 1) + source)
                size += len(action) + len(source)
                if len(batch) >= args.bulk_docs or size >= 8 << 20:
                    yield "".join(batch), len(batch)
                    batch, size = [], 0
            if batch:
                yield "".join(batch), len(batch)

    it = batches()

    def sender():
        while True:
            with lock:
                item = next(it, None)
            if item is None:
                return
            body, k = item
            r = client.call(lambda x: x.bulk(body=body.encode("utf-8")), "bulk")
            if r.get("errors"):
                errors.append([i for i in r["items"] if next(iter(i.values())).get("error")][:1])
            with lock:
                sent[0] += k

    t0 = time.time()
    j0 = cpu_seconds([x.pid for x in c.nodes])
    load0 = os.getloadavg()[0]
    threads = [threading.Thread(target=sender) for _ in range(args.senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.refresh(name)
    wall = time.time() - t0
    jvm_cpu = cpu_seconds([x.pid for x in c.nodes]) - j0
    count = client.count(name)
    copies = 2 if nodes > 1 else 1
    m = {"nodes": nodes, "documents": sent[0], "indexed": count, "wall_s": round(wall, 1),
         "docs_per_s": round(sent[0] / wall), "docs_per_s_per_node": round(sent[0] / wall / nodes),
         "copies_per_s_per_node": round(sent[0] * copies / wall / nodes), "errors": errors[:3],
         "cluster_cpu_s": round(jvm_cpu, 1), "docs_per_cluster_cpu_s": round(sent[0] / max(jvm_cpu, 0.1)),
         "load_before": round(load0, 2), "load_after": round(os.getloadavg()[0], 2),
         "memory": node_memory(c, client)}
    client.delete_index(name)
    client.close()
    del lines_q
    return m


def cluster_build(c, src, n, nodes, args):
    m, out = run_timed([SEARCHER, "build", "--engine", "opensearch", *[x for u in c.urls for x in ("--url", u)],
                        "--index-name", "bench", "--source", src, "--quiet", "--json"], f"cluster build ({nodes} nodes)",
                       nodes=c.nodes)
    summary = json.loads(out)
    from searcher.engine.opensearch.client import Client

    with Client(c.urls) as client:
        m.update(paragraphs=summary["paragraphs"], para_per_s=round(summary["paragraphs"] / m["wall_s"]),
                 stages=summary["stages"], memory=node_memory(c, client))
    return m


def latency(reader, queries, args, label):
    from searcher.query import QueryError
    from searcher.search import SearchParams, search

    def one(op, q):
        try:
            search(reader(), SearchParams(q=q, op=op))
        except QueryError:
            pass

    say(f"queries on {label}: warm-up")
    for _, op, q in queries:
        one(op, q)
    ms = []
    for _ in range(args.repeat):
        for _, op, q in queries:
            t = time.perf_counter()
            one(op, q)
            ms.append((time.perf_counter() - t) * 1000)
    return {"queries": len(queries), "timed": len(ms), "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1), "p99_ms": round(percentile(ms, 99), 1),
            "mean_ms": round(statistics.mean(ms), 1)}


def rank_agreement(emb_reader, os_engine, queries):
    from searcher.query import QueryError
    from searcher.search import SearchParams, search

    out = {}
    for exact in (True, False):
        os_engine.exact_scores = exact
        overlaps, same_page, same_total = [], 0, 0
        for _, op, q in queries:
            try:
                a = search(emb_reader, SearchParams(q=q, op=op)).to_json()
                b = search(os_engine.reader(), SearchParams(q=q, op=op)).to_json()
            except QueryError:
                continue
            ia, ib = [r["id"] for r in a["results"]], [r["id"] for r in b["results"]]
            union = set(ia) | set(ib)
            overlaps.append(len(set(ia) & set(ib)) / len(union) if union else 1.0)
            same_page += ia == ib
            same_total += a["total"] == b["total"]
        out["exact" if exact else "opensearch_bm25"] = {
            "queries": len(overlaps), "mean_top10_overlap": round(statistics.mean(overlaps), 4),
            "same_first_page": same_page, "same_total": same_total}
    os_engine.exact_scores = True
    return out


# ------------------------------------------------------------------ the run


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="218139", help="comma-separated: paragraph counts of tw_laws, or 1m")
    ap.add_argument("--million", default=MILLION, help="the 1M corpus (bench/make_million.py)")
    ap.add_argument("--nodes", default="1,3")
    ap.add_argument("--heap", default="2g", help="JVM heap of each node")
    ap.add_argument("--senders", type=int, default=2, help="bulk-sending threads of the ingest step")
    ap.add_argument("--bulk-docs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=2, help="timed passes over the query mix")
    ap.add_argument("--queries", type=int, default=None, help="N queries of the mix (default all 226)")
    ap.add_argument("--ingest-only", action="store_true",
                    help="analysis and bulk ingest only (no embedded build, end-to-end build or queries): "
                         "the cluster's throughput and memory at a size where the rest takes too long")
    ap.add_argument("--skip-build", action="store_true", help="no end-to-end cluster build on 1 node (ingest only)")
    ap.add_argument("--skip-ingest", action="store_true",
                    help="no separate analysis and bulk-ingest steps (the end-to-end build only)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "opensearch.json"))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    args.workdir = args.workdir or tempfile.mkdtemp(prefix="os-bench-")
    os.makedirs(args.workdir, exist_ok=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    result = {"machine": machine(), "args": {k: v for k, v in vars(args).items() if k != "workdir"},
              "command": "python bench/opensearch_bench.py " + " ".join(sys.argv[1:]), "sizes": {}}

    def save():
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=1)
        with open(args.out.replace(".json", ".md"), "w", encoding="utf-8") as f:
            f.write(tables(result))

    queries = load_queries(n=args.queries)
    nodes_list = [int(x) for x in args.nodes.split(",")]
    from searcher.engine import open_engine
    from searcher.engine.opensearch.engine import OpenSearchEngine

    try:
        for size in args.sizes.split(","):
            src, n = corpus_of(size, args)
            r = result["sizes"][str(n)] = {"source": os.path.basename(src)}
            if not args.ingest_only:
                r["embedded_build"] = embedded_build(src, n, args)
                save()
                emb = open_engine(r["embedded_build"]["index"])
                r["embedded_latency"] = latency(emb.reader, queries, args, "embedded")
                save()
            if not args.skip_ingest:
                r["analysis"] = analyse_to_file(src, n, args)
                save()
            for nodes in nodes_list:
                c = start_cluster(nodes, args)
                try:
                    key = f"{nodes}_nodes"
                    r[key] = {}
                    if not args.skip_ingest:
                        r[key]["ingest"] = bulk_ingest(c, r["analysis"]["path"], nodes, args)
                        save()
                    if args.ingest_only:
                        from searcher.engine.opensearch.client import Client

                        r[key]["memory_after_ingest"] = node_memory(c, Client(c.urls))
                        save()
                    elif nodes == max(nodes_list) or not args.skip_build:
                        r[key]["build"] = cluster_build(c, src, n, nodes, args)
                        save()
                        eng = OpenSearchEngine(c.urls, "bench")
                        r[key]["latency"] = latency(eng.reader, queries, args, f"{nodes} nodes")
                        save()
                        if nodes == max(nodes_list):
                            r["rank_agreement"] = rank_agreement(emb.reader(), eng, queries)
                            save()
                        r[key]["memory_after_queries"] = node_memory(c, eng.client)
                        save()
                finally:
                    stop_cluster(c)
            if not args.keep:
                if "analysis" in r:
                    os.remove(r["analysis"]["path"])
                if "embedded_build" in r:
                    shutil.rmtree(r["embedded_build"]["index"], ignore_errors=True)
    finally:
        save()
        if not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
    print(tables(result))


def tables(result) -> str:
    m = result["machine"]
    lines = [f"Machine: {m.get('nproc')} × {m.get('cpu', '?')}, {m.get('ram_gb')} GB RAM, Python {m.get('python')}, "
             f"commit {m.get('commit')}; `{result['command']}`", ""]
    lines += ["Indexing (wall time; para/s = paragraphs a second; a paragraph is one document, plus one per article):",
              "", "| paragraphs | what | wall s | para/s | docs/s per node | copies/s per node | CPU s: client / cluster "
              "| client peak RSS MB | load (1 min) |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n, r in result["sizes"].items():
        nn = f"{int(n):,}"
        e = r.get("embedded_build")
        if e:
            lines.append(f"| {nn} | embedded build (`searcher build`) | {e['wall_s']} | {e['para_per_s']:,} | | | "
                         f"{e.get('cpu_s')} / – | {e['peak_rss_mb']:,} | {e.get('load_before')} |")
        a = r.get("analysis")
        if a:
            lines.append(f"| {nn} | cluster documents analysed in Python (2 processes) | {a['wall_s']} | "
                         f"{round(int(n) / a['wall_s']):,} | | | {a.get('cpu_s')} / – | {a['peak_rss_mb']:,} | "
                         f"{a.get('load_before')} |")
        for key in sorted(k for k in r if k.endswith("_nodes")):
            x = r[key]
            ing = x.get("ingest")
            if ing:
                lines.append(f"| {nn} | bulk ingest of analysed documents, {ing['nodes']} node{'s' * (ing['nodes'] > 1)} "
                             f"| {ing['wall_s']} | {round(int(n) / ing['wall_s']):,} | {ing['docs_per_s_per_node']:,} | "
                             f"{ing['copies_per_s_per_node']:,} | – / {ing.get('cluster_cpu_s')} | | "
                             f"{ing.get('load_before')} |")
            b = x.get("build")
            if b:
                lines.append(f"| {nn} | cluster build end to end (`searcher build --engine opensearch`), "
                             f"{key.split('_')[0]} node{'s' * (key != '1_nodes')} | {b['wall_s']} | {b['para_per_s']:,} | "
                             f"| | {b.get('cpu_s')} / {b.get('cluster_cpu_s')} | {b['peak_rss_mb']:,} | "
                             f"{b.get('load_before')} |")
    lines += ["", "Queries (the 226-query mix, whole search with passages, highlights, repeat flags and facets; "
              "warm; the client in one process):", "", "| paragraphs | engine | p50 ms | p95 ms | p99 ms |",
              "| ---: | --- | ---: | ---: | ---: |"]
    for n, r in result["sizes"].items():
        nn = f"{int(n):,}"
        if r.get("embedded_latency"):
            e = r["embedded_latency"]
            lines.append(f"| {nn} | embedded | {e['p50_ms']} | {e['p95_ms']} | {e['p99_ms']} |")
        for key in sorted(k for k in r if k.endswith("_nodes")):
            lt = r[key].get("latency")
            if lt:
                lines.append(f"| {nn} | cluster, {key.replace('_', ' ')} | {lt['p50_ms']} | {lt['p95_ms']} | {lt['p99_ms']} |")
    lines += ["", "Memory per node after the build and the queries (RSS includes the memory-mapped index):", "",
              "| paragraphs | nodes | node | RSS MB | JVM heap used / max MB | index on the node MB |",
              "| ---: | ---: | --- | ---: | ---: | ---: |"]
    for n, r in result["sizes"].items():
        for key in sorted(k for k in r if k.endswith("_nodes")):
            mem = r[key].get("memory_after_queries") or (r[key].get("build") or {}).get("memory") or \
                (r[key].get("ingest") or {}).get("memory") or r[key].get("memory_after_ingest") or []
            for x in mem:
                lines.append(f"| {int(n):,} | {key.split('_')[0]} | {x['node']} | {x['rss_mb']} | "
                             f"{x['heap_used_mb']} / {x['heap_max_mb']} | {x['store_mb']} |")
    ra = None
    for n, r in result["sizes"].items():
        if r.get("rank_agreement"):
            ra = (n, r["rank_agreement"])
    if ra:
        n, x = ra
        lines += ["", f"Rank agreement with the embedded engine ({int(n):,} paragraphs, the query mix, first page of 10):",
                  "", "| cluster ranking | queries | same total | same first page | mean top-10 overlap |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for k, label in (("exact", "exact rescoring of the window (the product)"),
                         ("opensearch_bm25", "OpenSearch's own BM25 (for comparison)")):
            if k in x:
                y = x[k]
                lines.append(f"| {label} | {y['queries']} | {y['same_total']} | {y['same_first_page']} | "
                             f"{y['mean_top10_overlap']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
