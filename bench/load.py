"""Load test: `searcher serve` (worker processes) under 1 to N concurrent connections.

Starts the production server on 127.0.0.1 against an index (built from seeds/ if
missing), warms it, records the memory of its process tree, then drives it with wrk
(Debian package `wrk`) at each connection count in turn, for the given duration each,
with the queries of bench/queries.txt (plus article pages and bad queries that must
answer 400), and records memory again.  Reports requests per second and latency
percentiles per connection count, and the ratio of the throughput at the most
connections to the single-connection figure (the target: at least the number of
cores).  Fails (exit 1) on any socket error, timeout or unexpected status.

usage (from the project root):
    python bench/load.py [--index index] [--connections 1,32] [--seconds 30]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import quote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LUA = r"""
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) bad = 0; k = 0 end
request = function()
  k = k %% #paths + 1
  return wrk.format("GET", paths[k])
end
response = function(status, headers, body)
  if status ~= 200 and status ~= 400 and status ~= 404 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local unexpected = 0
  for _, t in ipairs(threads) do unexpected = unexpected + t:get("bad") end
  io.write(string.format("JSON {\"requests\": %%d, \"duration_us\": %%d, \"connect_errors\": %%d, " ..
    "\"read_errors\": %%d, \"write_errors\": %%d, \"timeouts\": %%d, \"unexpected_status\": %%d, " ..
    "\"p50_ms\": %%.2f, \"p90_ms\": %%.2f, \"p99_ms\": %%.2f, \"max_ms\": %%.2f}\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, unexpected,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def tree_mb(pid: int) -> tuple[float, float]:
    """(RSS sum, PSS sum) in MB of a process and its descendants (the server's workers)."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from run import tree_memory

    rss, pss = tree_memory(pid)
    return round(rss, 1), round(pss, 1)


def paths_for(queries_file: str) -> list[str]:
    out = []
    with open(queries_file, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            kind, op, q = line.rstrip("\n").split("\t", 2)
            out.append(f"/api/search?q={quote(q)}&op={op}")
            out.append(f"/?q={quote(q)}&op={op}")
    # bad input mixed in: each must answer 400, never 500
    out += ["/api/search?q=" + quote("的"), "/api/search?q=" + quote("x" * 600), "/api/search?q=abc&page=-1",
            "/api/search?q=abc&from=2025-13-40", "/?q=" + quote('"((( OR'), "/api/search"]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default=os.path.join(ROOT, "index"))
    ap.add_argument("--connections", default="1,32", help="connection counts, run in turn (default 1,32)")
    ap.add_argument("--seconds", type=int, default=30, help="seconds per connection count")
    ap.add_argument("--workers", type=int, default=0, help="server worker processes (default: serve's)")
    ap.add_argument("--port", type=int, default=5099)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "load.json"))
    args = ap.parse_args()
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("wrk is not installed: apt-get install wrk")
    searcher = shutil.which("searcher") or os.path.join(os.path.dirname(sys.executable), "searcher")
    tmp = tempfile.mkdtemp(prefix="load-")
    paths = paths_for(os.path.join(ROOT, "bench", "queries.txt"))
    # article pages too
    paths += ["/article/000_ebdd4def08ac33a7?q=" + quote("普京"), "/article/no-such-article"]
    with open(os.path.join(tmp, "paths.txt"), "w") as f:
        f.write("\n".join(paths) + "\n")
    lua = os.path.join(tmp, "mix.lua")
    with open(lua, "w") as f:
        f.write(LUA % {"paths": os.path.join(tmp, "paths.txt")})
    log = open(os.path.join(tmp, "server.log"), "w")  # a pipe nobody reads would stall the server
    cmd = [searcher, "serve", "--index", args.index, "--port", str(args.port)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log, text=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/api/search?q=%E6%99%AE%E4%BA%AC", timeout=5).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    sys.exit("server did not start; see " + log.name)
                time.sleep(0.2)
        for p in paths:  # warm up: every query once
            try:
                urllib.request.urlopen(base + p, timeout=30).read()
            except urllib.error.HTTPError:
                pass
        before = tree_mb(server.pid)
        runs = []
        for c in [int(x) for x in str(args.connections).split(",") if x.strip()]:
            proc = subprocess.run([wrk, f"-t{min(2, c)}", f"-c{c}", f"-d{args.seconds}s", "--timeout", "10s",
                                   "--latency", "-s", lua, base], capture_output=True, text=True)
            m = re.search(r"^JSON (.*)$", proc.stdout, re.M)
            if not m:
                sys.exit("wrk gave no summary:\n" + proc.stdout + proc.stderr)
            r = json.loads(m.group(1))
            r["connections"] = c
            r["requests_per_second"] = round(r["requests"] / (r["duration_us"] / 1e6), 1)
            r["failed_requests"] = (r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
                                    + r["unexpected_status"])
            runs.append(r)
            print(f"{c:>3} connections: {r['requests_per_second']} requests/s, p50 {r['p50_ms']} ms, "
                  f"p99 {r['p99_ms']} ms, failed {r['failed_requests']}", flush=True)
        after = tree_mb(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    cores = len(os.sched_getaffinity(0))
    res = {"runs": runs, "seconds_each": args.seconds, "cores": cores,
           "scaling": round(runs[-1]["requests_per_second"] / runs[0]["requests_per_second"], 2) if len(runs) > 1
           else None,
           "rss_before_mb": before[0], "pss_before_mb": before[1], "rss_after_mb": after[0], "pss_after_mb": after[1],
           "pss_growth_mb": round(after[1] - before[1], 1), "index": os.path.abspath(args.index),
           "paths": len(paths)}
    failed = sum(r["failed_requests"] for r in runs)
    res["failed_requests"] = failed
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res, indent=1))
    if failed or res["pss_growth_mb"] >= 100:
        sys.exit(1)


if __name__ == "__main__":
    main()
