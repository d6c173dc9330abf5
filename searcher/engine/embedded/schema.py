"""The Whoosh schema of the embedded engine: one document per paragraph.

Whoosh is the index of record: every paragraph's fields are stored, and the
jieba ``words`` field is indexed with the index's own segmenter dictionary (its
analyzer is pickled with the schema), so ``whoosh.index.open_dir(index)``
gives a complete jieba-tokenized index that Whoosh's own query parser can
search.  Queries of the product run on the per-segment accelerator arrays
(``accel``) derived from it.
"""
from __future__ import annotations

from whoosh.fields import STORED, TEXT, Schema
from whoosh.system import pack_uint

from ...analysis import Dictionary, word_analyzer, word_counts

SCHEMA_VERSION = 7  # 3: living index (segments + accelerators, dictionary in the schema); 4: stored-only
# fields; 5: title postings in the accelerator; 6: gram document postings; 7: mined surnames


class FastText(TEXT):
    """A TEXT field indexed from ``analysis.word_counts`` (a dict term -> frequency).

    Queries still go through the field's analyzer; indexing skips Whoosh's
    token-object pipeline (same terms, tested).  A dict value is taken as counts
    already computed; a string is counted here with the analyzer's dictionary."""

    def index(self, value, **kwargs):
        if isinstance(value, dict):
            counts = value
        else:
            counts = word_counts(value, self.analyzer[0].dictionary)
        fb = self.format.field_boost
        return [(w.encode("utf-8"), f, f * fb, pack_uint(f)) for w, f in counts.items()]


def make_schema(dictionary: Dictionary) -> Schema:
    """Every field is stored; only ``words`` is indexed (queries, filters and article
    lookups run on the accelerator, and indexing the other fields in Whoosh cost 45% of
    its writing time for nothing that reads them)."""
    return Schema(
        key=STORED(),  # "<article id>#<n>": checked against the accelerator after merges
        article=STORED(),
        n=STORED(),
        title=STORED(),
        date=STORED(),  # YYYY-MM-DD or ""
        text=STORED(),
        source=STORED(),  # the outlet
        url=STORED(),
        author=STORED(),
        words=FastText(analyzer=word_analyzer(dictionary), phrase=False),  # jieba words with frequencies
    )


def dictionary_of(schema) -> Dictionary:
    """The segmenter dictionary an index was created with."""
    return schema["words"].analyzer[0].dictionary
