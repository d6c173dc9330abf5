"""Benchmark: our `searcher build` pipeline against the stock recipe (Whoosh + jieba ChineseAnalyzer).

    python bench/run.py [--sizes 10000,50000,218139] [--queries N] [--repeat 3]
                        [--skip-stock] [--skip-server] [--skip-quality]
                        [--out bench/results/bench.json] [--workdir DIR] [--keep]
    python bench/run.py --report bench/results/bench.json     # the tables of an earlier run

For each size N (paragraphs of ../shared/bench/tw_laws.jsonl.gz, streamed):

1. Slice: the first N paragraphs in corpus order, written as JSONL (one law a line, as in the
   corpus); the law that crosses N is truncated, so a slice has exactly N paragraphs.  Both
   recipes read that same file.
2. Build: ours (`open_engine(dir).build([slice], progress=False)`, every feature on) and the
   stock recipe (bench/stock.py), each in its own fresh Python process, one after the other.
   Wall time is measured inside the process around the build call (it includes jieba's start-up,
   not the interpreter's imports); peak RSS is the process's ru_maxrss (os.wait4); index size is
   the total size of the files in the index folder.
3. Latency: one process per index, searcher opened once; one warm-up pass over the query mix,
   then --repeat timed passes.  Each timing is one query end to end: ours =
   `search(s, SearchParams(q=..., op=...), variants=..., repeats=...)` with the generation's
   variant table and repeat groups (parse, expand, search, group by article, highlight); stock = QueryParser + top 10 + `hit.highlights("content")` for each hit.
4. Server (ours): `searcher serve --index DIR --source SLICE --port P` on 127.0.0.1; time from
   the process start to the first HTTP 200 on /api/search, VmRSS then and after 1,000 sequential
   queries of the mix.

Quality (once, after the builds): literal recall and precision (bench/literal_recall.py's
`measure`, on the smallest size's indexes, ours and stock), DRCD dev MRR@10 / R@1 / R@10 with
op=or (ours and stock over ../shared/eval/drcd/corpus.jsonl), and word-segmentation F1 on
../shared/eval/segmentation/ (our WordTokenizer vs raw jieba.cut on the Traditional input).

Writes the JSON result (--out) and the Markdown tables (same name, .md), and prints the tables.
Every step runs in a subprocess, one at a time (the machine is shared: no two heavy jobs at once).
"""
from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
LAWS = os.path.join(SHARED, "bench", "tw_laws.jsonl.gz")
DRCD = os.path.join(SHARED, "eval", "drcd")
SEG = os.path.join(SHARED, "eval", "segmentation")
QUERIES = os.path.join(HERE, "queries.txt")
MILLION = os.path.join(HERE, "data", "tw_laws_1m.jsonl.gz")  # bench/make_million.py
DEFAULT_SIZES = "50000,218139,1m"
STOCK_MAX = 218139  # the stock recipe is built up to this size (1M would take it half an hour)
DRCD_DEV_QUESTIONS = 3524
MB = 1024 * 1024

TARGETS = {  # the issues' targets; checked where the run has the figures
    "build_speedup_218k": 2.5,  # ours / stock paragraphs per second at 218k, >=
    "peak_pss_mb_218k": 1536,  # ours, <=: PSS of the whole process tree (forked workers share pages)
    "peak_pss_mb_1m": 1536,  # ours, <=
    "add_searchable_s_50k": 2.0,  # <=: from `searcher add` starting to the article found through HTTP
    "add_searchable_s_1m": 3.0,  # <=
    "http_p50_speedup_50k": 5.0,  # stock in-process p50 / ours HTTP p50 (keep-alive), >=
    "p95_ms_1m": 50,  # ours in-process, <
    "first_answer_s_1m": 1.5,  # server start to first answer, <
    "drcd_mrr10": 0.955,  # >=
    "literal_recall": 1.0,  # ==
}


# ------------------------------------------------------------------ helpers

def load_queries(path=QUERIES, n=None):
    """[(kind, op, query)] of the fixed mix; with n, n of them spread evenly over the mix."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            kind, op, q = line.rstrip("\n").split("\t")
            rows.append((kind, op, q))
    if n and n < len(rows):
        rows = [rows[i * len(rows) // n] for i in range(n)]
    return rows


def percentile(values, p):
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def latency_summary(ms):
    return {"n": len(ms), "p50_ms": _r(percentile(ms, 50)), "p95_ms": _r(percentile(ms, 95)),
            "p99_ms": _r(percentile(ms, 99)), "mean_ms": _r(sum(ms) / len(ms)) if ms else None,
            "max_ms": _r(max(ms)) if ms else None}


def _r(x, nd=2):
    return None if x is None else round(x, nd)


def write_slice(n, path, source=LAWS):
    """The first n paragraphs of the corpus as JSONL (the law crossing n truncated)."""
    count = laws = chars = nbytes = 0
    with gzip.open(source, "rt", encoding="utf-8") as f, open(path, "w", encoding="utf-8") as out:
        for line in f:
            if count >= n:
                break
            law = json.loads(line)
            law["paragraphs"] = law["paragraphs"][: n - count]
            out.write(json.dumps(law, ensure_ascii=False) + "\n")
            laws += 1
            count += len(law["paragraphs"])
            for p in law["paragraphs"]:
                chars += len(p)
                nbytes += len(p.encode("utf-8"))
    return {"paragraphs": count, "laws": laws, "characters": chars, "text_bytes": nbytes,
            "truncated_last_law": True}


MILLION_SIZE = 1_090_695  # paragraphs of bench/make_million.py's corpus


def corpus_stats(path):
    count = laws = chars = nbytes = 0
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            law = json.loads(line)
            laws += 1
            count += len(law["paragraphs"])
            for p in law["paragraphs"]:
                chars += len(p)
                nbytes += len(p.encode("utf-8"))
    return {"paragraphs": count, "laws": laws, "characters": chars, "text_bytes": nbytes, "truncated_last_law": False}


def dir_size(path):
    """Total size in bytes of the files under path (apparent size, as `du -sb`)."""
    total = 0
    for root, _, files in os.walk(path):
        for fn in files:
            try:
                total += os.lstat(os.path.join(root, fn)).st_size
            except OSError:
                pass
    return total


def machine():
    info = {"nproc": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
            "python": platform.python_version(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    try:
        from importlib.metadata import version

        info["versions"] = {p: version(p) for p in ("whoosh-reloaded", "jieba", "opencc-python-reimplemented")}
    except Exception:  # noqa: BLE001
        pass
    try:  # read-only git queries
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "searcher", "setup.cfg", "pyproject.toml"],
                               cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        info["commit"] = head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    info["code"] = code_fingerprint()
    return info


def code_fingerprint():
    """sha1 of the package's source (searcher/**.py, setup.cfg): tells whether the code a step
    ran changed during the run (other people may be editing the work tree)."""
    import hashlib

    h = hashlib.sha1()
    paths = [os.path.join(ROOT, "setup.cfg")]
    for root, dirs, files in os.walk(os.path.join(ROOT, "searcher")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        paths += [os.path.join(root, f) for f in sorted(files) if f.endswith(".py")]
    for p in paths:
        try:
            with open(p, "rb") as f:
                h.update(os.path.relpath(p, ROOT).encode() + b"\0" + f.read() + b"\0")
        except OSError:
            pass
    return h.hexdigest()[:12]


def vm_status(pid):
    """VmRSS and VmHWM of a process, in MB."""
    out = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


def _smaps_pss_mb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_memory(root):
    """(sum of VmRSS, sum of PSS) in MB over a process and all its descendants."""
    rss = pss = 0.0
    stack, seen = [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        rss += vm_status(pid).get("VmRSS", 0.0)
        pss += _smaps_pss_mb(pid)
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                    stack += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return rss, pss


class TreePoller:
    """Polls the memory of a process tree in a thread; keeps the peaks."""

    def __init__(self, pid, interval=0.1):
        import threading

        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0.0
        self.max_procs = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            rss, pss = tree_memory(self.pid)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join()


class WorkerError(RuntimeError):
    pass


def run_worker(kind, args, workdir, label=None, memory=None):
    """Run one step in a fresh Python process; (its JSON result, peak RSS MB, cpu s, wall s).

    Peak RSS is ``ru_maxrss`` of the process (the largest of it and its waited-for children).
    With ``memory`` (a dict), the process tree is also polled every 0.1 s and the peaks of its
    summed RSS and PSS are stored there (a build may fork worker processes)."""
    label = label or kind
    CODE_SEEN.append((label, code_fingerprint()))
    LOAD_SEEN.append((label, round(os.getloadavg()[0], 2)))
    result_path = os.path.join(workdir, f"result-{label}.json")
    log_path = os.path.join(workdir, f"log-{label}.txt")
    args = dict(args, result=result_path)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind, json.dumps(args, ensure_ascii=False)]
    t0 = time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        poller = TreePoller(proc.pid) if memory is not None else None
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            if poller is not None:
                poller.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if poller is not None:
            memory["tree_peak_rss_mb"] = round(max(poller.peak_rss, ru.ru_maxrss / 1024), 1)
            memory["tree_peak_pss_mb"] = round(poller.peak_pss, 1)
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not os.path.exists(result_path):
        with open(log_path, encoding="utf-8", errors="replace") as f:
            tail = f.read()[-3000:]
        raise WorkerError(f"worker {label} failed (exit {proc.returncode}); log {log_path}:\n{tail}")
    with open(result_path, encoding="utf-8") as f:
        result = json.load(f)
    return result, round(ru.ru_maxrss / 1024, 1), round(ru.ru_utime + ru.ru_stime, 2), round(wall, 2)


CODE_SEEN: list = []  # (step, code fingerprint) as each step started
LOAD_SEEN: list = []  # (step, 1-minute load average) as each step started: others using the cores


def say(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ workers (run in subprocesses)

def _finish(args, result):
    import resource

    result["self_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    with open(args["result"], "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)


def w_build_ours(args):
    from searcher.engine import open_engine

    t0 = time.perf_counter()
    summary = open_engine(args["index"]).build([args["source"]], progress=False, summarize_repeats=False)
    secs = time.perf_counter() - t0
    extra = {k: v for k, v in summary.to_json().items()
             if k not in ("skipped", "warnings", "index", "generation") and isinstance(v, (int, float, dict))}
    _finish(args, {"seconds": secs, "paragraphs": summary.paragraphs, "articles": summary.articles,
                   "characters": summary.characters, "skipped": len(summary.skipped),
                   "warnings": len(summary.warnings), "summary": extra})


def w_derive(args):
    """What a build of this code leaves beside a reused index (``--reuse-builds``): the name
    table, the article table and the repeat index in its cache folder (``finish_summary``)."""
    from searcher.engine import open_engine

    t0 = time.perf_counter()
    reader = open_engine(args["index"]).reader()
    reader.names
    reader.repeats.prepare()
    _finish(args, {"seconds": time.perf_counter() - t0})


def w_build_stock(args):
    import stock

    os.makedirs(args["index"], exist_ok=True)
    t0 = time.perf_counter()
    info = stock.build(args["source"], args["index"])
    secs = time.perf_counter() - t0
    _finish(args, {"seconds": secs, **info})


def _ours_runner(index_dir):
    """The product's full query path, as a server request runs it: the engine's current
    reader (reopened only when the index changed), variant expansion, repeats, facets,
    grouping, highlighting."""
    from searcher.engine import open_engine
    from searcher.query import QueryError
    from searcher.search import SearchParams, search

    engine = open_engine(index_dir)

    def run(q, op, limit=10):
        try:
            res = search(engine.reader(), SearchParams(q=q, op=op, limit=limit))
        except QueryError as e:
            return None, str(e)
        return [r.id for r in res.results], res.total

    return run


def _stock_runner(index_dir, highlights=True):
    from stock import StockSearcher

    ss = StockSearcher(index_dir)

    def run(q, op, limit=10):
        try:
            hits = ss.search(q, op, limit=limit, highlights=highlights)
        except Exception as e:  # noqa: BLE001 - a query the stock parser cannot run
            return None, repr(e)
        return [h[0] for h in hits], len(hits)

    return run


def w_latency(args):
    queries = [tuple(q) for q in args["queries"]]
    run = _ours_runner(args["index"]) if args["recipe"] == "ours" else _stock_runner(args["index"])
    t0 = time.perf_counter()
    errors, no_hits = [], []
    for kind, op, q in queries:  # warm-up pass (also: which queries fail or find nothing)
        ids, info = run(q, op)
        if ids is None:
            errors.append([q, info])
        elif not ids:
            no_hits.append(q)
    warm = time.perf_counter() - t0
    times, per_query = {}, {}
    passes = 0
    for _ in range(args["repeat"]):
        if passes and time.perf_counter() - t0 > args.get("budget", 1e9):
            break  # at least one timed pass; more while the step is within its time budget
        passes += 1
        for kind, op, q in queries:
            t = time.perf_counter()
            run(q, op)
            ms = (time.perf_counter() - t) * 1000
            times.setdefault(kind, []).append(ms)
            per_query.setdefault((kind, op, q), []).append(ms)
    slowest = sorted(((percentile(v, 50), k) for k, v in per_query.items()), reverse=True)[:10]
    _finish(args, {"warmup_seconds": warm, "errors": errors, "no_hits": no_hits, "timed_passes": passes,
                   "all_ms": [x for v in times.values() for x in v],
                   "by_kind": {k: latency_summary(v) for k, v in times.items()},
                   "slowest": [{"kind": k[0], "op": k[1], "q": k[2], "median_ms": _r(ms)} for ms, k in slowest]})


def w_literal_recall(args):
    import literal_recall as lr

    rng = random.Random(args["seed"])
    if args["recipe"] == "stock":
        from stock import StockSearcher

        def matching(ss, needle):  # every paragraph the stock query returns, unranked
            out = set()
            for doc_id, _ in ss.search(needle, "and", limit=None, highlights=False):
                aid, n = doc_id.rsplit("#", 1)
                out.add((aid, int(n)))
            return out

        lr.open_reader = StockSearcher
        lr.matching_paragraphs = matching
    r = lr.measure(args["index"], [args["source"]], args["n"], rng, args["label"])
    _finish(args, r)


def drcd_dev():
    """The judged DRCD dev questions [(id, text)] and their relevant articles {id: {article}}."""
    with open(os.path.join(DRCD, "queries_dev.jsonl"), encoding="utf-8") as f:
        queries = [json.loads(line) for line in f if line.strip()]
    qrels: dict[str, set] = {}
    with open(os.path.join(DRCD, "qrels_dev.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, cid, score = line.rstrip("\n").split("\t")
            if int(score) > 0:
                qrels.setdefault(qid, set()).add(cid)
    return [(q["_id"], q["text"]) for q in queries if q["_id"] in qrels], qrels


def drcd_score(run, judged, qrels, article_of=lambda i: i) -> dict:
    """MRR@10, R@1, R@10 and latency of ``run(text, "or") -> (ids, info)`` over the questions;
    ``article_of`` maps a returned id to its article."""
    rr = r1 = r10 = errors = 0
    ms = []
    for qid, text in judged:
        t = time.perf_counter()
        ids, _ = run(text, "or")
        ms.append((time.perf_counter() - t) * 1000)
        if ids is None:
            errors += 1
            continue
        articles = list(dict.fromkeys(article_of(i) for i in ids))[:10]
        rank = next((k for k, a in enumerate(articles, 1) if a in qrels[qid]), None)
        if rank:
            rr += 1 / rank
            r1 += rank == 1
            r10 += 1
    n = len(judged)
    return {"queries": n, "mrr10": rr / n, "recall1": r1 / n, "recall10": r10 / n, "errors": errors,
            "query": latency_summary(ms)}


def w_drcd(args):
    judged, qrels = drcd_dev()
    judged = judged[: args.get("limit")]
    corpus = os.path.join(DRCD, "corpus.jsonl")
    t0 = time.perf_counter()
    if args["recipe"] == "ours":
        from searcher.engine import open_engine

        open_engine(args["index"]).build([corpus], progress=False, summarize_repeats=False)
        run = _ours_runner(args["index"])
        article_of = lambda i: i  # noqa: E731
    else:
        import stock

        os.makedirs(args["index"], exist_ok=True)
        stock.build(corpus, args["index"])
        run = _stock_runner(args["index"], highlights=False)
        article_of = lambda i: i.rsplit("#", 1)[0]  # noqa: E731 - stock returns paragraph keys
    build_s = time.perf_counter() - t0
    _finish(args, {**drcd_score(run, judged, qrels, article_of), "build_seconds": build_s})


def _spans(tokens):
    """Character spans of a token sequence that covers the text; whitespace-only tokens dropped."""
    out, i = [], 0
    for t in tokens:
        if t.strip():
            out.append((i, i + len(t)))
        i += len(t)
    return out


def _prf(pred, gold):
    """Word precision / recall / F1 over character spans, summed over sentences."""
    tp = np_ = ng = 0
    for p, g in zip(pred, gold):
        p, g = set(p), set(g)
        tp += len(p & g)
        np_ += len(p)
        ng += len(g)
    prec, rec = tp / max(1, np_), tp / max(1, ng)
    return {"precision": prec, "recall": rec, "f1": 2 * prec * rec / max(1e-12, prec + rec)}


def w_segmentation(args):
    import logging
    import re

    import jieba

    from searcher.analysis import WordTokenizer
    from searcher.normalize import simplify

    jieba.setLogLevel(logging.WARNING)
    with open(os.path.join(SEG, "dev_input.utf8"), encoding="utf-8") as f:
        inputs = [line.rstrip("\n") for line in f]
    with open(os.path.join(SEG, "dev_gold_seg.utf8"), encoding="utf-8") as f:
        golds = [line.rstrip("\n") for line in f]
    word_like = re.compile(r"[^\W_]")
    tok = WordTokenizer()
    texts, gold_spans, ours, raw, simp = [], [], [], [], []
    misaligned = 0
    for text, gold in zip(inputs, golds):
        words = [w for w in gold.split(" ") if w]
        if "".join(words) != "".join(text.split()):
            misaligned += 1
            continue
        spans, i = [], 0
        for w in words:  # gold words located in the input (which may have whitespace)
            while text[i].isspace():
                i += 1
            spans.append((i, i + len(w)))
            i += len(w)
        texts.append(text)
        gold_spans.append(spans)
        # Ours: the analyzer's words (stop words kept: the tokenizer alone), plus every other
        # non-space character (punctuation, which the analyzer does not emit) as a one-character
        # token, as jieba and the gold standard have it.
        covered = [False] * len(text)
        pred = []
        for t in tok(text, chars=True):
            pred.append((t.startchar, t.endchar))
            for k in range(t.startchar, t.endchar):
                covered[k] = True
        pred += [(k, k + 1) for k, c in enumerate(text) if not covered[k] and not c.isspace()]
        ours.append(pred)
        raw.append(_spans(jieba.cut(text)))
        simp.append(_spans(jieba.cut(simplify(text))))
    result = {"sentences": len(gold_spans), "misaligned": misaligned}
    for name, pred in (("ours", ours), ("jieba_raw", raw), ("jieba_simplified", simp)):
        result[name] = _prf(pred, gold_spans)
        # The same without punctuation-only tokens on either side (our analyzer emits none).
        keep = [[s for s in p if word_like.search(t[s[0]:s[1]])] for t, p in zip(texts, pred)]
        keep_gold = [[s for s in g if word_like.search(t[s[0]:s[1]])] for t, g in zip(texts, gold_spans)]
        result[name + "_no_punct"] = _prf(keep, keep_gold)
    _finish(args, result)


WORKERS = {"build-ours": w_build_ours, "build-stock": w_build_stock, "derive": w_derive, "latency": w_latency,
           "literal-recall": w_literal_recall, "drcd": w_drcd, "segmentation": w_segmentation}


def worker_main(kind, raw_args):
    sys.path.insert(0, HERE)  # stock, literal_recall
    sys.path.insert(0, ROOT)  # searcher (also installed in editable mode)
    import logging

    logging.getLogger("jieba").setLevel(logging.WARNING)
    WORKERS[kind](json.loads(raw_args))


# ------------------------------------------------------------------ the server

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def searcher_command():
    exe = os.path.join(os.path.dirname(sys.executable), "searcher")
    return [exe] if os.path.exists(exe) else [sys.executable, "-m", "searcher.cli"]


def _http_get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    return r.status, body


def bench_server(index_dir, source, queries, workdir, n_requests=1000, label="server"):
    """`searcher serve` (worker processes) on the index: the first answer after the start,
    HTTP latency over one keep-alive connection, memory of the process tree, and how long
    a new article takes to become searchable after `searcher add` starts."""
    import http.client

    port = free_port()
    path = lambda q, op: "/api/search?" + urllib.parse.urlencode({"q": q, "op": op})  # noqa: E731
    log_path = os.path.join(workdir, f"log-{label}.txt")
    cmd = searcher_command() + ["serve", "--index", index_dir, "--source", source,
                                "--host", "127.0.0.1", "--port", str(port)]
    first_q = next((q, op) for kind, op, q in queries if kind == "word")
    log = open(log_path, "wb")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    out = {"port": port}
    try:
        first = None
        while time.perf_counter() - t0 < 300:
            if proc.poll() is not None:
                raise WorkerError(f"server exited ({proc.returncode}); log {log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                status, _ = _http_get(conn, path(*first_q))
                if status == 200:
                    first = time.perf_counter() - t0
                    break
            except (ConnectionError, OSError, http.client.HTTPException):
                time.sleep(0.01)
        if first is None:
            raise WorkerError(f"server gave no answer in 300 s; log {log_path}")
        out["first_answer_s"] = round(first, 3)
        rss, pss = tree_memory(proc.pid)
        out["rss_after_start_mb"], out["pss_after_start_mb"] = round(rss), round(pss)
        ms, status = [], {}
        for k in range(n_requests):  # one keep-alive connection, as a browser or client uses
            kind, op, q = queries[k % len(queries)]
            t = time.perf_counter()
            try:
                code, _ = _http_get(conn, path(q, op))
            except (ConnectionError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                code, _ = _http_get(conn, path(q, op))
            ms.append((time.perf_counter() - t) * 1000)
            status[str(code)] = status.get(str(code), 0) + 1
        rss, pss = tree_memory(proc.pid)
        out.update({"requests": n_requests, "status": status, "rss_after_queries_mb": round(rss),
                    "pss_after_queries_mb": round(pss), "http": latency_summary(ms)})
        out["add"] = _add_to_searchable(index_dir, workdir, conn, port, label)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    with open(log_path, encoding="utf-8", errors="replace") as f:
        out["rebuilt_on_start"] = "building" in f.read()  # serve found the index stale: a bug
    return out


def _add_to_searchable(index_dir, workdir, conn, port, label, tries=3):
    """Seconds from `searcher add` starting (a new process, as a newsroom script runs it)
    to the new article being found through the running server; best of ``tries``, each
    article removed again afterwards."""
    import http.client

    times = []
    for k in range(tries):
        token = f"獨家測試稿件{label}{k}號"
        src = os.path.join(workdir, f"add-{label}-{k}.jsonl")
        with open(src, "w", encoding="utf-8") as f:
            f.write(json.dumps({"id": f"bench-add-{k}", "title": token, "date": "2026-11-30",
                                "paragraphs": [f"{token}：記者今日報道，新聞一則。", "第二段。"]},
                               ensure_ascii=False) + "\n")
        q = "/api/search?" + urllib.parse.urlencode({"q": token})
        t0 = time.perf_counter()
        add = subprocess.Popen(searcher_command() + ["add", "--source", src, "--index", index_dir, "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        found = None
        while time.perf_counter() - t0 < 120:
            try:
                code, body = _http_get(conn, q)
            except (ConnectionError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            if code == 200 and json.loads(body)["total"] >= 1:
                found = time.perf_counter() - t0
                break
            time.sleep(0.02)
        _, err = add.communicate(timeout=600)
        add_s = time.perf_counter() - t0
        subprocess.run(searcher_command() + ["delete", f"bench-add-{k}", "--index", index_dir],
                       capture_output=True, cwd=ROOT)
        times.append({"searchable_s": round(found, 3) if found else None, "add_process_s": round(add_s, 3),
                      "add_returncode": add.returncode})
    ok = [t["searchable_s"] for t in times if t["searchable_s"] is not None]
    return {"tries": times, "best_s": min(ok) if ok else None, "median_s": percentile(ok, 50) if ok else None}


# ------------------------------------------------------------------ the run

def ratio(a, b, nd=2):
    return None if a is None or b in (None, 0) else round(a / b, nd)


def _previous_build(args, n, rec):
    """The build figures of an earlier run (``--reuse-builds``) for this size and recipe."""
    if not args.reuse_builds:
        return None
    with open(args.reuse_builds, encoding="utf-8") as f:
        earlier = json.load(f)
    for e in earlier.get("sizes", []):
        if e.get("requested") == n and rec in e.get("build", {}):
            return e["build"][rec]
    return None


def bench_size(n, args, queries, workdir, result):
    entry = {"requested": n}
    result["sizes"].append(entry)
    if n == MILLION_SIZE:  # the five transformed copies (bench/make_million.py), whole
        import make_million

        slice_path = make_million.main([])
        say(f"[1m] counting {slice_path}")
        entry["slice"] = corpus_stats(slice_path)
    else:
        slice_path = os.path.join(workdir, f"laws-{n}.jsonl")
        if args.reuse_builds and os.path.exists(slice_path):  # the indexes were built from it: keep its time
            say(f"[{n}] slice kept")
            entry["slice"] = corpus_stats(slice_path)
        else:
            say(f"[{n}] writing slice")
            entry["slice"] = write_slice(n, slice_path)
    entry["slice"]["path"] = slice_path
    text_mb = entry["slice"]["text_bytes"] / MB
    dirs = {"ours": os.path.join(workdir, f"ours-{n}"), "stock": os.path.join(workdir, f"stock-{n}")}
    recipes = ["ours"] + ([] if args.skip_stock or n > STOCK_MAX else ["stock"])
    entry["build"] = {}
    for rec in recipes:
        before = _previous_build(args, n, rec)
        if before is not None and os.path.isdir(dirs[rec]):
            entry["build"][rec] = {**before, "reused_from": args.reuse_builds}
            say(f"[{n}] build {rec}: reused from {args.reuse_builds} ({dirs[rec]})")
            if rec == "ours":  # its cache as this code's build leaves it (an older build's may differ)
                r, *_ = run_worker("derive", {"index": dirs[rec]}, workdir, f"derive-{n}")
                entry["build"][rec]["derived_again_s"] = round(r["seconds"], 2)
                say(f"[{n}] derived tables written again in {r['seconds']:.1f} s")
            continue
        say(f"[{n}] build {rec} ...")
        shutil.rmtree(dirs[rec], ignore_errors=True)
        mem = {}
        r, rss, cpu, wall = run_worker(f"build-{rec}", {"source": slice_path, "index": dirs[rec]}, workdir,
                                       f"build-{rec}-{n}", memory=mem)
        secs = r["seconds"]
        entry["build"][rec] = {
            "seconds": round(secs, 2), "process_seconds": wall, "cpu_seconds": cpu,
            "paragraphs": r["paragraphs"], "paragraphs_per_s": round(r["paragraphs"] / secs, 1),
            "mb_per_s": round(text_mb / secs, 3), "chars_per_s": round(r.get("characters", 0) / secs),
            "peak_pss_mb": mem["tree_peak_pss_mb"], "peak_rss_sum_mb": mem["tree_peak_rss_mb"],
            "largest_process_rss_mb": rss, "index_mb": round(dir_size(dirs[rec]) / MB, 1),
            "summary": r.get("summary"),
        }
        say(f"[{n}] build {rec}: {secs:.1f} s, {r['paragraphs'] / secs:.0f} para/s, "
            f"peak RSS {mem['tree_peak_rss_mb']:.0f} MB (PSS {mem['tree_peak_pss_mb']:.0f}), cpu {cpu:.0f} s")
        write_result(args.out, result)
    if "stock" in entry["build"]:
        o, s = entry["build"]["ours"], entry["build"]["stock"]
        entry["build"]["ours_over_stock"] = {k: ratio(o[k], s[k]) for k in
                                             ("seconds", "cpu_seconds", "paragraphs_per_s", "mb_per_s",
                                                       "peak_pss_mb", "peak_rss_sum_mb", "index_mb")}
    entry["latency"] = {}
    for rec in recipes:
        say(f"[{n}] latency {rec} ({len(queries)} queries, 1 warm-up + {args.repeat} timed passes) ...")
        r, rss, cpu, wall = run_worker("latency", {"recipe": rec, "index": dirs[rec], "queries": queries,
                                                   "repeat": args.repeat, "budget": args.latency_budget},
                                       workdir, f"latency-{rec}-{n}")
        ms = r.pop("all_ms")
        entry["latency"][rec] = {**latency_summary(ms), "by_kind": r["by_kind"], "errors": len(r["errors"]),
                                 "error_samples": r["errors"][:5], "queries_without_hits": len(r["no_hits"]),
                                 "no_hit_samples": r["no_hits"][:10], "slowest": r["slowest"],
                                 "timed_passes": r["timed_passes"], "seconds": wall,
                                 "warmup_seconds": round(r["warmup_seconds"], 2),
                                 "process_peak_rss_mb": rss}
        say(f"[{n}] latency {rec}: p50 {entry['latency'][rec]['p50_ms']} ms, p95 {entry['latency'][rec]['p95_ms']} ms")
        write_result(args.out, result)
    if "stock" in entry["latency"]:
        o, s = entry["latency"]["ours"], entry["latency"]["stock"]
        entry["latency"]["stock_over_ours"] = {k: ratio(s[k], o[k]) for k in ("p50_ms", "p95_ms", "p99_ms", "mean_ms")}
    if not args.skip_server:
        say(f"[{n}] server ...")
        entry["server"] = bench_server(dirs["ours"], slice_path, queries, workdir, n_requests=args.server_requests,
                                       label=f"server-{n}")
        say(f"[{n}] server: first answer {entry['server']['first_answer_s']} s, "
            f"RSS {entry['server']['rss_after_start_mb']} -> {entry['server']['rss_after_queries_mb']} MB")
        write_result(args.out, result)
    return dirs, slice_path


def bench_quality(args, workdir, result, smallest):
    q = result["quality"] = {}
    dirs, slice_path, n = smallest
    for rec in ["ours"] + ([] if args.skip_stock else ["stock"]):
        say(f"literal recall {rec} on {n} paragraphs ...")
        r, *_ = run_worker("literal-recall", {"recipe": rec, "index": dirs[rec], "source": slice_path,
                                              "n": args.literal_n, "seed": 1, "label": f"tw_laws {n}"},
                           workdir, f"literal-{rec}")
        r.pop("self_peak_rss_mb", None)
        q.setdefault("literal", {})[rec] = r
        write_result(args.out, result)
    for rec in ["ours"] + ([] if args.skip_stock else ["stock"]):
        say(f"DRCD dev {rec} ...")
        d = os.path.join(workdir, f"drcd-{rec}")
        shutil.rmtree(d, ignore_errors=True)
        r, *_ = run_worker("drcd", {"recipe": rec, "index": d, "limit": args.drcd_queries}, workdir,
                           f"drcd-{rec}")
        r.pop("self_peak_rss_mb", None)
        q.setdefault("drcd", {})[rec] = r
        say(f"DRCD {rec}: MRR@10 {r['mrr10']:.4f}  R@10 {r['recall10']:.4f}")
        write_result(args.out, result)
    q["drcd"]["reference"] = {"char_unibigram_bm25": {"mrr10": 0.952, "recall1": 0.922, "recall10": 0.994},
                              "jieba_word_bm25": {"mrr10": 0.924, "recall1": 0.885, "recall10": 0.985}}
    say("segmentation ...")
    r, *_ = run_worker("segmentation", {}, workdir, "segmentation")
    r.pop("self_peak_rss_mb", None)
    q["segmentation"] = r
    write_result(args.out, result)


def check_targets(result):
    by = {e["requested"]: e for e in result["sizes"]}
    out = {}

    def get(n, *path):
        x = by.get(n)
        for p in path:
            if not isinstance(x, dict) or p not in x:
                return None
            x = x[p]
        return x

    stock_50k = get(50000, "latency", "stock", "p50_ms")
    http_50k = get(50000, "server", "http", "p50_ms")
    drcd = result.get("quality", {}).get("drcd", {}).get("ours", {})  # the target is on all dev questions
    checks = [
        ("build_speedup_218k", get(218139, "build", "ours_over_stock", "paragraphs_per_s"), ">="),
        ("peak_pss_mb_218k", get(218139, "build", "ours", "peak_pss_mb"), "<="),
        ("peak_pss_mb_1m", get(MILLION_SIZE, "build", "ours", "peak_pss_mb"), "<="),
        ("add_searchable_s_50k", get(50000, "server", "add", "best_s"), "<="),
        ("add_searchable_s_1m", get(MILLION_SIZE, "server", "add", "best_s"), "<="),
        ("http_p50_speedup_50k", ratio(stock_50k, http_50k), ">="),
        ("p95_ms_1m", get(MILLION_SIZE, "latency", "ours", "p95_ms"), "<"),
        ("first_answer_s_1m", get(MILLION_SIZE, "server", "first_answer_s"), "<"),
        ("drcd_mrr10", drcd.get("mrr10") if drcd.get("queries") == DRCD_DEV_QUESTIONS else None, ">="),
        ("literal_recall", result.get("quality", {}).get("literal", {}).get("ours", {}).get("recall"), ">="),
    ]
    for name, value, op in checks:
        target = TARGETS[name]
        ok = None if value is None else {">=": value >= target, "<=": value <= target, "<": value < target}[op]
        out[name] = {"value": value, "target": f"{op} {target}", "met": ok}
    return out


def write_result(path, result):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


def fmt(x, nd=1, unit=""):
    if x is None:
        return "–"
    if isinstance(x, float) and nd == 0:
        return f"{x:,.0f}{unit}"
    return f"{x:,.{nd}f}{unit}" if isinstance(x, (int, float)) else str(x)


def tables(result):
    m = result["machine"]
    lines = [f"Machine: {m.get('nproc')} × {m.get('cpu', '?')}, {m.get('ram_gb', '?')} GB RAM, Python {m['python']}, "
             f"{result['date']}, commit {m.get('commit', '?')} (code {m.get('code')}"
             + ("; CHANGED DURING THE RUN" if result.get("code_changed_during_run") else "")
             + f"); load average at start {m['loadavg_at_start'][0]}.",
             "", "Build (tw_laws, first N paragraphs; ratio = ours / stock):", "",
             "| paragraphs | recipe | wall s | cpu s | para/s | MB/s | peak PSS MB (RSS sum) | index MB |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for e in result["sizes"]:
        b = e.get("build", {})
        n = f"{e['slice']['paragraphs']:,}"
        for rec in ("ours", "stock"):
            if rec in b:
                x = b[rec]
                lines.append(f"| {n} | {rec} | {fmt(x['seconds'])} | {fmt(x.get('cpu_seconds'))} | "
                             f"{fmt(x['paragraphs_per_s'], 0)} | "
                             f"{fmt(x['mb_per_s'], 3)} | {fmt(x.get('peak_pss_mb'), 0)} ({fmt(x.get('peak_rss_sum_mb'), 0)}) | "
                             f"{fmt(x['index_mb'])} |")
        if "ours_over_stock" in b:
            r = b["ours_over_stock"]
            lines.append(f"| {n} | ours / stock | {fmt(r['seconds'], 2)}× | {fmt(r.get('cpu_seconds'), 2)}× | "
                         f"{fmt(r['paragraphs_per_s'], 2)}× | "
                         f"{fmt(r['mb_per_s'], 2)}× | {fmt(r.get('peak_pss_mb'), 2)}× ({fmt(r.get('peak_rss_sum_mb'), 2)}×) | "
                         f"{fmt(r['index_mb'], 2)}× |")
    lines += ["", f"Search + highlight top 10, warm ({result['config']['queries']} queries, 1 warm-up pass + "
              f"up to {result['config']['repeat']} timed; speed-up = stock / ours):", "",
              "| paragraphs | recipe | p50 ms | p95 ms | p99 ms | timed passes | queries without hits |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for e in result["sizes"]:
        lat = e.get("latency", {})
        n = f"{e['slice']['paragraphs']:,}"
        for rec in ("ours", "stock"):
            if rec in lat:
                x = lat[rec]
                lines.append(f"| {n} | {rec} | {fmt(x['p50_ms'])} | {fmt(x['p95_ms'])} | {fmt(x['p99_ms'])} | "
                             f"{x.get('timed_passes', result['config']['repeat'])} | "
                             f"{x['queries_without_hits'] + x['errors']} |")
        if "stock_over_ours" in lat:
            r = lat["stock_over_ours"]
            lines.append(f"| {n} | speed-up | {fmt(r['p50_ms'], 2)}× | {fmt(r['p95_ms'], 2)}× | "
                         f"{fmt(r['p99_ms'], 2)}× | | |")
    if any("server" in e for e in result["sizes"]):
        reqs = next(e["server"]["requests"] for e in result["sizes"] if "server" in e)
        lines += ["", "Server (`searcher serve`, worker processes; HTTP over one keep-alive connection):", "",
                  f"| paragraphs | first answer s | PSS after start MB | PSS after {reqs:,} queries MB | HTTP p50 ms "
                  "| p95 ms | stock in-process p50 / our HTTP p50 | new article searchable after `add` starts, s |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for e in result["sizes"]:
            if "server" in e:
                s = e["server"]
                stock = e.get("latency", {}).get("stock", {}).get("p50_ms")
                lines.append(f"| {e['slice']['paragraphs']:,} | {fmt(s['first_answer_s'], 2)} | "
                             f"{fmt(s.get('pss_after_start_mb'), 0)} | {fmt(s.get('pss_after_queries_mb'), 0)} | "
                             f"{fmt(s['http']['p50_ms'])} | {fmt(s['http']['p95_ms'])} | "
                             f"{fmt(ratio(stock, s['http']['p50_ms']), 2) + '×' if stock else '–'} | "
                             f"{fmt((s.get('add') or {}).get('best_s'), 2)} |")
    q = result.get("quality")
    if q:
        lines += ["", "Quality:", "", "| measure | ours | stock | reference |", "| --- | ---: | ---: | ---: |"]
        lit = q.get("literal", {})
        if lit:
            o, s = lit.get("ours", {}), lit.get("stock", {})
            lines.append(f"| literal recall ({o.get('queries')} substrings, {o.get('corpus')}) | "
                         f"{fmt(o.get('recall'), 4)} | {fmt(s.get('recall'), 4)} | 1 |")
            lines.append(f"| literal precision | {fmt(o.get('precision'), 4)} | {fmt(s.get('precision'), 4)} | 1 |")
        d = q.get("drcd", {})
        if d:
            o, s, ref = d.get("ours", {}), d.get("stock", {}), d["reference"]
            for key, name in (("mrr10", "MRR@10"), ("recall1", "R@1"), ("recall10", "R@10")):
                lines.append(f"| DRCD dev {name}, op=or ({o.get('queries')} questions) | {fmt(o.get(key), 4)} | "
                             f"{fmt(s.get(key), 4)} | {ref['char_unibigram_bm25'][key]:.3f} (char uni+bigram BM25) |")
        sg = q.get("segmentation")
        if sg:
            lines.append(f"| segmentation F1 ({sg['sentences']} sentences; stock = raw jieba.cut) | "
                         f"{fmt(sg['ours']['f1'], 4)} | {fmt(sg['jieba_raw']['f1'], 4)} | "
                         f"{fmt(sg['jieba_simplified']['f1'], 4)} (jieba on simplified) |")
            lines.append(f"| segmentation F1 without punctuation tokens | {fmt(sg['ours_no_punct']['f1'], 4)} | "
                         f"{fmt(sg['jieba_raw_no_punct']['f1'], 4)} | {fmt(sg['jieba_simplified_no_punct']['f1'], 4)} |")
    t = result.get("targets") or check_targets(result)
    if t:
        lines += ["", "Targets: " + "; ".join(
            f"{k} {fmt(v['value'], 3) if isinstance(v['value'], float) else fmt(v['value'])} "
            f"({v['target']}: {'met' if v['met'] else 'NOT met' if v['met'] is False else 'not measured'})"
            for k, v in t.items())]
    return "\n".join(lines)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"paragraph counts (default {DEFAULT_SIZES})")
    ap.add_argument("--queries", type=int, default=None, help="use N queries of the mix, spread evenly (default all)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the mix after the warm-up (default 3)")
    ap.add_argument("--latency-budget", type=float, default=300,
                    help="seconds per latency step after which no further timed pass starts (at least one "
                         "always runs; default 300)")
    ap.add_argument("--server-requests", type=int, default=1000, help="queries sent to the server (default 1000)")
    ap.add_argument("--literal-n", type=int, default=2000, help="substrings for literal recall (default 2000)")
    ap.add_argument("--drcd-queries", type=int, default=None,
                    help="score only the first N DRCD dev questions (default all 3,524; for quick checks)")
    ap.add_argument("--skip-stock", action="store_true")
    ap.add_argument("--skip-server", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "bench.json"))
    ap.add_argument("--workdir", default=None, help="where slices and indexes go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (slices, indexes, logs)")
    ap.add_argument("--reuse-builds", metavar="JSON", default=None,
                    help="take the build figures of an earlier run's result file, and its indexes from --workdir "
                         "(kept with --keep), instead of building again: for measuring queries after a change "
                         "that leaves the index as it was (the cache folder's derived tables are written "
                         "again, as this code's build leaves them)")
    ap.add_argument("--report", metavar="JSON", help="only print the tables of an earlier result file")
    args = ap.parse_args()
    if args.report:
        with open(args.report, encoding="utf-8") as f:
            print(tables(json.load(f)))
        return
    sizes = [MILLION_SIZE if s.strip().lower() == "1m" else int(s.replace("_", ""))
             for s in args.sizes.split(",") if s.strip()]
    queries = load_queries(QUERIES, args.queries)
    workdir = args.workdir or tempfile.mkdtemp(prefix="searcher-bench-")
    os.makedirs(workdir, exist_ok=True)
    result = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
              "config": {"sizes": sizes, "queries": len(queries), "repeat": args.repeat,
                         "latency_budget_s": args.latency_budget, "server_requests": args.server_requests,
                         "query_mix": {k: sum(1 for q in queries if q[0] == k) for k in dict.fromkeys(q[0] for q in queries)},
                         "corpus": os.path.relpath(LAWS, ROOT), "slices": "first N paragraphs, last law truncated",
                         "workdir": workdir},
              "sizes": []}
    say(f"work dir {workdir}; results -> {args.out}")
    t0 = time.time()
    try:
        smallest = None
        for n in sorted(sizes):
            dirs, slice_path = bench_size(n, args, queries, workdir, result)
            if smallest is None:
                smallest = (dirs, slice_path, n)
        if not args.skip_quality and smallest:
            bench_quality(args, workdir, result, smallest)
        CODE_SEEN.append(("end", code_fingerprint()))
        result["code_by_step"] = CODE_SEEN
        result["loadavg_by_step"] = LOAD_SEEN
        changed = sorted({c for _, c in CODE_SEEN} | {result["machine"]["code"]}) != [result["machine"]["code"]]
        result["code_changed_during_run"] = changed
        if changed:
            say("WARNING: searcher/ changed during the run; the steps ran different code (see code_by_step)")
        result["targets"] = check_targets(result)
        result["total_seconds"] = round(time.time() - t0, 1)
        write_result(args.out, result)
        md = tables(result)
        with open(os.path.splitext(args.out)[0] + ".md", "w", encoding="utf-8") as f:
            f.write(md + "\n")
        print(md)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        elif args.keep:
            say(f"kept {workdir}")


if __name__ == "__main__":
    main()
