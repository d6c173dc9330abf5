"""Where the names package keeps what it derives from its inputs once per version of them.

``$SEARCHER_CACHE_DIR``, else ``$XDG_CACHE_HOME/searcher`` or ``~/.cache/searcher`` (a
temporary folder when that cannot be written).
"""
from __future__ import annotations

import os
import tempfile


def cache_dir() -> str:
    d = os.environ.get("SEARCHER_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "searcher")
    try:
        os.makedirs(d, exist_ok=True)
        if os.access(d, os.W_OK):
            return d
    except OSError:
        pass
    d = os.path.join(tempfile.gettempdir(), f"searcher-cache-{os.getuid() if hasattr(os, 'getuid') else 0}")
    os.makedirs(d, exist_ok=True)
    return d
