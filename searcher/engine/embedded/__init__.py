"""The embedded engine: Whoosh segments (the index of record) + per-segment posting arrays."""
from .engine import BuildError, BuildSummary, EmbeddedEngine, EmbeddedReader  # noqa: F401
