"""Arrays derived from one state of the index, kept in its cache folder between starts.

The repeat groups of a snapshot are computed from every segment's signatures: at a million
paragraphs the global sort of sentence hashes and near edges takes about a second, paid by the
first search after every start.  What the computation gives is a function of the segments
and their deletions, so it is written once as memory-mapped ``.npy`` columns under
``index/cache/<kind>-<digest>/<name>/`` and mapped by later processes in milliseconds.

The digest covers the segments (ids, sizes, which documents are live) and the code that
derives the arrays (the files' sizes and modification times), so an index changed by a
commit, or a new version of the code, never reads a stale copy.  Each name is written to a
temporary folder and renamed into place (a reader sees all of it or none); folders for
earlier states are removed when a new one is started.  A cache that cannot be written (a
read-only index) only costs the time to compute.
"""
from __future__ import annotations

import hashlib
import os
import shutil

import numpy as np

from ..store import load_array, save_arrays
from . import layout


def files_stamp(paths) -> str:
    """Paths, sizes and modification times of files (the code and data something was derived
    with; a missing file is stamped as missing)."""
    parts = []
    for path in paths:
        try:
            st = os.stat(path)
            parts.append((path, st.st_size, st.st_mtime_ns))
        except OSError:
            parts.append((path, None, None))
    return repr(parts)


def code_stamp(package) -> str:
    """``files_stamp`` of a package's Python files."""
    pkg = os.path.dirname(package.__file__)
    return files_stamp(os.path.join(pkg, f) for f in sorted(os.listdir(pkg)) if f.endswith(".py"))


def segments_digest(segments, stamp: str) -> str:
    """A digest of a snapshot's segments (id, size, live documents) and ``stamp``."""
    h = hashlib.sha256(stamp.encode("utf-8"))
    for v in segments:
        h.update(f"{v.segid}\0{v.ndocs}\0{v.deleted}\0".encode())
        if v.deleted:
            h.update(np.packbits(np.asarray(v.live, bool)).tobytes())
    return h.hexdigest()[:32]


class DerivedArrays:
    """``get(name)`` -> {column: array} or None; ``put(name, columns)``."""

    def __init__(self, index_dir: str, kind: str, digest: str):
        self.root = os.path.join(index_dir, layout.CACHE)
        self.kind = kind
        self.folder = os.path.join(self.root, f"{kind}-{digest}")

    def get(self, name: str) -> dict | None:
        path = os.path.join(self.folder, name)
        try:
            cols = sorted(f[:-4] for f in os.listdir(path) if f.endswith(".npy"))
            return {c: load_array(path, c) for c in cols} if cols else None
        except OSError:
            return None
        except ValueError:  # a torn file: removed, so that the next ``put`` writes it again
            shutil.rmtree(path, ignore_errors=True)
            return None

    def put(self, name: str, columns: dict) -> None:
        path = os.path.join(self.folder, name)
        tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            if not os.path.isdir(self.folder):
                self._drop_others()
                os.makedirs(self.folder, exist_ok=True)
            save_arrays(tmp, columns)
            os.rename(tmp, path)
        except OSError:  # read-only, or another process wrote it first
            shutil.rmtree(tmp, ignore_errors=True)

    def _drop_others(self) -> None:
        try:
            names = os.listdir(self.root)
        except OSError:
            return
        for f in names:
            if f.startswith(self.kind + "-") and os.path.join(self.root, f) != self.folder:
                shutil.rmtree(os.path.join(self.root, f), ignore_errors=True)
