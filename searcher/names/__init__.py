"""Names in every spelling (interim shim over variants/mining; replaced by the names package)."""
from __future__ import annotations

from ..expansion import Expander, variants_json  # noqa: F401
from ..mining import MinedPair, mine_pairs  # noqa: F401
from ..variants import CURATED_PATH, VariantTable

_base_words: dict = {}


def build_table(mined, curated_paths=()):
    mined = sorted(mined, key=lambda p: (p.id, p.n, p.zh, p.alias))
    return VariantTable.build(mined, curated_paths=[CURATED_PATH, *curated_paths])


def base_segmenter_words(curated_paths=()):
    key = tuple(curated_paths)
    if key not in _base_words:
        _base_words[key] = sorted(VariantTable.build([], curated_paths=[CURATED_PATH, *curated_paths])
                                  .segmenter_words())
    return _base_words[key]
