"""Keep folders of ``.txt`` articles indexed: new, changed and removed files.

``FolderWatcher.sync()`` compares the folders with what it saw last time
(path -> modification time and size, kept in the index folder so a restart
only picks up what changed meanwhile) and applies the difference as one
commit: new and changed files are added (the file stem is the article id, so a
changed file replaces its article), removed files are deleted.  A file is taken
once it has kept the same size and time for one scan (an editor may still be
writing it); a bad file is reported by name and skipped until it changes.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os

from .ingest import IngestReport, read_text_file

log = logging.getLogger("searcher.watch")


class FolderWatcher:
    def __init__(self, engine, folders: list[str]):
        self.engine = engine
        self.folders = [os.path.abspath(f) for f in folders]
        key = hashlib.sha256("\n".join(sorted(self.folders)).encode()).hexdigest()[:12]
        where = getattr(engine, "dir", None)
        if where is None:  # an engine without a folder (a cluster): keep the state in the cache folder
            from .names.cache import cache_dir

            where = os.path.join(cache_dir(), "watch", getattr(engine, "index_name", "index"))
            os.makedirs(where, exist_ok=True)
        self.state_path = os.path.join(where, f"watch-{key}.json")
        self.seen = self._load()  # path -> [mtime_ns, size, article id or None]
        self.pending: dict[str, tuple] = {}  # path -> (mtime_ns, size) seen once, not yet stable

    def _load(self) -> dict:
        try:
            with open(self.state_path, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def _save(self) -> None:
        tmp = self.state_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.seen, f, ensure_ascii=False)
        os.replace(tmp, self.state_path)

    def _scan(self) -> dict[str, tuple]:
        now = {}
        for folder in self.folders:
            try:
                names = os.listdir(folder)
            except OSError as e:
                log.warning("watch: cannot read %s (%s)", folder, e)
                continue
            for name in names:
                if not name.endswith(".txt") or name.startswith("."):
                    continue
                p = os.path.join(folder, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                now[p] = (st.st_mtime_ns, st.st_size)
        return now

    def sync(self) -> dict | None:
        """One scan; applies what changed and returns a summary (None if nothing did)."""
        now = self._scan()
        ready, report = [], IngestReport()
        for p, sig in now.items():
            old = self.seen.get(p)
            if old is not None and tuple(old[:2]) == sig:
                self.pending.pop(p, None)
                continue
            if self.pending.get(p) != sig:  # changed since the last scan: wait for it to settle
                self.pending[p] = sig
                continue
            ready.append(p)
        removed = [p for p in self.seen if p not in now]
        for p in list(self.pending):
            if p not in now:
                del self.pending[p]
        if not ready and not removed:
            return None
        articles, ids = [], {}
        for p in sorted(ready):
            arts = list(read_text_file(p, report))
            sig = now[p]
            self.pending.pop(p, None)
            if not arts:
                self.seen[p] = [sig[0], sig[1], None]
                continue
            a = arts[0]
            if a.id in ids:
                report.skip(p, f"article id {a.id!r} is also {ids[a.id]} (file names must differ)")
                self.seen[p] = [sig[0], sig[1], None]
                continue
            ids[a.id] = p
            articles.append(a)
            self.seen[p] = [sig[0], sig[1], a.id]
        gone = []
        for p in removed:
            aid = self.seen.pop(p)[2]
            if aid and aid not in ids:
                gone.append(aid)
        result = self.engine.change(articles, gone) if (articles or gone) else None
        for s in report.skipped:
            log.warning("watch: skipped %s", s)
        self._save()
        if result is None:
            return {"added": [], "replaced": [], "deleted": [], "skipped": [str(s) for s in report.skipped]}
        return {"added": result.added, "replaced": result.replaced, "deleted": result.deleted,
                "skipped": [str(s) for s in report.skipped]}
