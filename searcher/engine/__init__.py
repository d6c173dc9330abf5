"""Engines behind one interface (``base``): the embedded one (Whoosh + arrays) and OpenSearch."""
from __future__ import annotations

from .base import Engine, EngineError, Filters, Reader  # noqa: F401


def open_engine(index_dir: str | None = None, engine: str = "embedded", **options) -> Engine:
    """The engine an index lives in: ``embedded`` (a folder) or ``opensearch`` (a cluster)."""
    if engine == "embedded":
        from .embedded import EmbeddedEngine

        return EmbeddedEngine(index_dir)
    if engine == "opensearch":
        from .opensearch.engine import OpenSearchEngine

        return OpenSearchEngine(**options)
    raise ValueError(f"unknown engine {engine!r} (embedded, opensearch)")
