"""``searcher serve``: worker processes over one index, plus a maintenance process.

The page and API run in a standard pre-fork WSGI server (gunicorn, threaded
workers: keep-alive connections, one process per core; its C request parser,
gunicorn-h1c, when installed), so searches use every core; the workers share the
memory-mapped index and each opens a new snapshot when a commit lands.  A maintenance process runs merges in the background and,
with ``--watch``, keeps folders of articles indexed.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import time

WATCH_EVERY = 1.0  # seconds between scans of watched folders
MERGE_EVERY = 10.0  # seconds between looks at the merge policy
# Request threads per worker process.  Two let a slow request (an export) share its worker;
# more only take the GIL from one another: at 32 connections on 2 cores, 4 threads served 159
# requests/s (p99 700 ms) where 2 served 195 (p99 464 ms), 218k paragraphs (bench/load.py).
THREADS = 2


def maintenance(index_dir: str, watch: list[str], engine_options: dict | None = None) -> None:
    """Loop forever: sync watched folders, merge when the policy asks."""
    from .engine import open_engine
    from .watch import FolderWatcher

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    log = logging.getLogger("searcher.maintenance")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    eng = open_engine(index_dir, **(engine_options or {}))
    watcher = FolderWatcher(eng, watch) if watch else None
    last_merge = 0.0
    while True:
        try:
            if watcher is not None:
                r = watcher.sync()
                if r and (r["added"] or r["replaced"] or r["deleted"]):
                    log.info("watch: added %d, replaced %d, deleted %d", len(r["added"]), len(r["replaced"]),
                             len(r["deleted"]))
            if time.monotonic() - last_merge > MERGE_EVERY:
                last_merge = time.monotonic()
                for m in eng.merge():
                    log.info("merged %d segments into %d paragraphs in %.1f s", len(m["merged"]), m["docs"],
                             m["seconds"])
        except Exception as e:  # noqa: BLE001 - keep maintaining; say what failed
            log.warning("maintenance: %s: %s", type(e).__name__, e)
        time.sleep(WATCH_EVERY)


def start_maintenance(index_dir: str, watch: list[str], engine_options: dict | None = None):
    proc = mp.get_context("fork").Process(target=maintenance, args=(index_dir, watch, engine_options), daemon=True,
                                          name="searcher-maintenance")
    proc.start()
    return proc


def warm_up(app) -> None:
    """Open the index and load what searches read (the name table, the repeat index, the
    segmenter, jieba's dictionary) once, before the workers are forked: they start ready
    and share those pages."""
    import gc

    from .analysis import EMPTY
    from .names.keys import jieba_dict

    gc.disable()  # what is loaded here lives as long as the server: no garbage to look for
    try:
        reader = app.extensions["searcher.engine"].reader()
        reader.names
        prepare = getattr(reader.repeats, "prepare", None)  # the embedded engine's repeat index
        if prepare is not None:
            prepare()
        for dictionary in (getattr(reader, "dictionary", None), EMPTY):  # the index's; plain jieba's (names)
            if dictionary is not None:
                dictionary.segmenter()
        jieba_dict()
    except Exception as e:  # noqa: BLE001 - a missing or outdated index is reported by the page
        print(f"warm-up: {type(e).__name__}: {e}", file=sys.stderr)
    gc.freeze()  # the workers' collections never walk (and copy) the pages loaded here
    gc.enable()


def run_server(index_dir: str, host: str = "127.0.0.1", port: int = 5000, workers: int = 0,
               write_token: str | None = None, watch: list[str] = (), dev: bool = False,
               engine_options: dict | None = None) -> None:
    """``engine_options``: how to open another engine than the index folder (``open_engine``)."""
    from .web import create_app

    config = {"INDEX_DIR": index_dir, "WRITE_TOKEN": write_token, "ENGINE_OPTIONS": engine_options or {}}
    where = f"{engine_options['index_name']} on {', '.join(engine_options['urls'])}" if engine_options else index_dir
    proc = start_maintenance(index_dir, list(watch), engine_options)
    parent = os.getpid()
    extra = []
    if write_token:
        extra.append("writes on (Bearer token)")
    if watch:
        extra.append("watching " + ", ".join(watch))
    try:
        if dev:
            print(f"serving {where} on http://{host}:{port}/ (development server)"
                  + "".join(f"; {e}" for e in extra), file=sys.stderr)
            create_app(config).run(host=host, port=port, debug=False, use_reloader=False)
            return
        from gunicorn.app.base import BaseApplication

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        n = workers or max(2, cores)

        loaded = {}

        def post_fork(server, worker):
            # The maintenance process is the arbiter's child, not the worker's: a worker that
            # exits must not try to join it (multiprocessing's exit hook would, and fail).
            mp.process._children.discard(proc)
            eng = loaded["app"].extensions["searcher.engine"]
            if hasattr(eng, "after_fork"):
                eng.after_fork()

        class App(BaseApplication):
            def load_config(self):
                for k, v in {"bind": f"{host}:{port}", "workers": n, "worker_class": "gthread", "threads": THREADS,
                             "timeout": 120, "keepalive": 30, "accesslog": None, "errorlog": "-",
                             "loglevel": "warning", "proc_name": "searcher", "preload_app": True,
                             "post_fork": post_fork}.items():
                    self.cfg.set(k, v)

            def load(self):
                app = loaded["app"] = create_app(config)
                warm_up(app)
                return app

        print(f"serving {where} on http://{host}:{port}/ ({n} worker processes)"
              + "".join(f"; {e}" for e in extra), file=sys.stderr)
        App().run()
    finally:
        if os.getpid() == parent and proc.is_alive():  # a worker leaving through here leaves it be
            proc.terminate()
            proc.join(5)
