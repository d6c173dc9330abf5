"""Where things are in an index folder, its settings, and the writer lock.

    index/
      _MAIN_<n>.toc        Whoosh's table of contents: segments and their deletions
      MAIN_<segid>.*       Whoosh segment files (documents, jieba words)
      accel/<segid>/       the segment's accelerator (``accel``)
      searcher.json        settings: format, sources of the last full build, curated files
      write.lock           held by the one writer (add, delete, merge commit, build)
      merge.lock           held while a merge runs (one at a time)
      tmp/                 work in progress; whatever a killed writer left is removed
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import time

from .schema import SCHEMA_VERSION

SETTINGS = "searcher.json"
WRITE_LOCK = "write.lock"
MERGE_LOCK = "merge.lock"
ACCEL = "accel"
TMP = "tmp"
CACHE = "cache"  # derived from the index and the code, rebuilt when missing (the name table)
INDEX_NAME = "MAIN"


class WriterBusy(RuntimeError):
    """Another process holds the index's writer lock; the message is for the user."""


class Lock:
    """An exclusive flock on a file of the index folder, released on exit (and by the
    kernel when the process dies, so a killed writer never leaves it held)."""

    def __init__(self, index_dir: str, name: str = WRITE_LOCK, wait: float = 0.0, what: str = "writer"):
        self.path = os.path.join(index_dir, name)
        self.wait = wait
        self.what = what
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    try:
                        other = os.pread(self.fd, 64, 0).decode("ascii", "replace").strip()
                    except OSError:
                        other = ""
                    os.close(self.fd)
                    self.fd = None
                    raise WriterBusy(
                        f"another {self.what} of {os.path.dirname(self.path)} is running"
                        f" (pid {other or '?'}); wait for it to finish and try again") from None
                time.sleep(0.05)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)
        return self

    def __exit__(self, *exc):
        try:
            os.ftruncate(self.fd, 0)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def read_settings(index_dir: str) -> dict:
    try:
        with open(os.path.join(index_dir, SETTINGS), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def write_settings(index_dir: str, settings: dict) -> None:
    tmp = os.path.join(index_dir, SETTINGS + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        # the current format last: a full build over an older index writes its own format
        json.dump({**settings, "schema_version": SCHEMA_VERSION}, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(index_dir, SETTINGS))


def accel_dir(index_dir: str, segid: str) -> str:
    return os.path.join(index_dir, ACCEL, segid)


def is_old_layout(index_dir: str) -> bool:
    """An index written by the generation-folder version (``CURRENT`` + ``gen-*``)."""
    return os.path.exists(os.path.join(index_dir, "CURRENT"))
