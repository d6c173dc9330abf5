"""Names in every spelling: 特朗普 = 川普 = Trump, 貝理雅 = 布萊爾 = Blair, 拜習會 = 習拜會, 世衛 = WHO.

One job per module (none imports a module listed after it, except lazily where noted):

``keys``        spelling keys (``norm_key``) and predicates
``translit``    how much a string looks like a transliteration (character scores, POS tagger)
``mining``      pairs the press writes in brackets: 澤連斯基（Volodymyr Zelensky）
``sources``     the sources read into records: lexicon, OpenCC vocabulary, curated files, mined
``table``       records merged into groups with provenance (``NameTable``)
``base``        the base table cached per version of its inputs; ``build_table`` on top of it
``pinyin``      pinyin and sound keys (pypinyin)
``corpus``      what the expander may ask of the index, and an in-memory implementation
``compounds``   summit compounds (拜習會)
``discovery``   unwritten variants: names that sound alike and share context
``expansion``   the query-time ``Expander``
"""
from .base import base_segmenter_words, build_table
from .corpus import Corpus, MemoryCorpus
from .expansion import Applied, Expander, variants_json
from .keys import CURATED_PATH, LEXICON_PATH, norm_key
from .mining import MinedPair, mine_pairs
from .pinyin import pinyin_key, sound_key
from .table import NameGroup, NameTable

__all__ = [
    "Applied", "CURATED_PATH", "Corpus", "Expander", "LEXICON_PATH", "MemoryCorpus", "MinedPair",
    "NameGroup", "NameTable", "base_segmenter_words", "build_table", "mine_pairs", "norm_key",
    "pinyin_key", "sound_key", "variants_json",
]
