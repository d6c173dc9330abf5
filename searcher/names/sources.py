"""The sources of name groups, each read into ``Record``s (one statement of one source):

``lexicon``   ``data/lexicon.tsv``, derived from Chinese Wikipedia's CGroup tables (CC BY-SA 4.0;
              ``tools/make_lexicon.py`` documents what is shipped and why).  A line is a group:
              surname or entity forms, the full names and press names of each person who has
              that surname (``people``), and forms shared with another entity (``amb``).
``opencc``    regional vocabulary (軟件 / 軟體) from the Taiwan phrase table of the installed OpenCC
              package (Apache-2.0 data), filtered below.
``curated``   ``data/curated.tsv`` and any extra files given: press forms no table has.
``mined``     pairs found in the corpus (``mining.mine_pairs``), plus ``derived`` members: the
              Latin surname of a mined full name written surname-only in Chinese
              (拉夫羅夫（Sergei Lavrov） -> "Lavrov"); derived members never link groups.
"""
from __future__ import annotations

import collections
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Iterable

from .keys import (
    COMMON_FREQ,
    CURATED_PATH,
    HAN_RE,
    LEXICON_PATH,
    common_word_freq,
    han_len,
    is_acronym,
    is_chinese,
    jieba_dict,
    norm_key,
    read_table,
)
from ..normalize import simplify

log = logging.getLogger(__name__)

OPENCC_TERM_FREQ = 200  # a Taiwan term this frequent in (mainland) jieba has a meaning of its own


@dataclass
class Record:
    members: list[str]
    prov: dict  # provenance shared by every member of the record
    source: str  # lexicon | opencc | curated | mined
    lex_id: str | None = None
    member_prov: dict | None = None  # member -> extra provenance fields
    derived: list[tuple[str, dict]] = field(default_factory=list)  # weak members, dropped when contested
    ambiguous: list[str] = field(default_factory=list)  # weak members kept in every group claiming them
    entity: dict | None = None  # member -> the person it names (full names and press names)
    problems: dict | None = None  # member -> member_problem(member, source), when computed already


def read_lexicon(path: str = LEXICON_PATH) -> list[Record]:
    recs = []
    if not os.path.exists(path):
        log.warning("names: no lexicon at %s", path)
        return recs
    for row in read_table(path):
        zh = [x for x in row.get("zh", "").split("|") if x]
        latin = [x for x in row.get("latin", "").split("|") if x]
        amb = [x for x in row.get("amb", "").split("|") if x]
        prov = {"source": "lexicon", "group": row["id"], "kind": row.get("kind", ""),
                "cgroups": row.get("cgroups", "")}
        member_prov: dict = {m: {"role": "ambiguous"} for m in amb}
        entity: dict = {}
        people = []
        for k, person in enumerate(x for x in row.get("people", "").split(";") if x):
            forms = [f for f in person.split("|") if f]
            eid = f"{row['id']}.{k + 1}"
            for f in forms:
                if f in zh or f in latin:
                    continue
                member_prov[f] = {"role": "full name" if ("·" in norm_key(f) or " " in f.strip())
                                  else "press name", "person": eid}
                entity[f] = eid
                people.append(f)
        recs.append(Record(zh + latin + people, prov, "lexicon", lex_id=row["id"],
                           member_prov=member_prov, ambiguous=amb, entity=entity))
    return recs


def read_curated(path: str) -> list[Record]:
    """Curated groups: one group per line, members tab-separated, '#' starts a comment."""
    recs = []
    if not path or not os.path.exists(path):
        if path and os.path.dirname(os.path.abspath(path)) != os.path.dirname(CURATED_PATH):
            log.warning("names: no curated file at %s", path)
        return recs
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].rstrip()
            if not line.strip():
                continue
            members = [m.strip() for m in line.split("\t") if m.strip()]
            if len(members) < 2:
                continue
            recs.append(Record(members, {"source": "curated", "file": name, "line": lineno}, "curated"))
    return recs


def opencc_records() -> list[Record]:
    """Taiwan regional vocabulary from OpenCC's TWPhrases.txt (mainland phrase -> Taiwan phrase).

    Kept: one Taiwan phrase for the entry (entries listing several keep the mainland word too, so
    the TW form is not a replacement), both sides >= 2 Han characters, different after simplify(),
    the Taiwan form not a frequent mainland word of its own (jieba frequency < OPENCC_TERM_FREQ:
    keeps 軟體/软件, drops 支援/支持 and 資料/數據), and no word in two pairs (文件 is both the
    Taiwan word for 文檔 and the mainland word for 檔案: neither pair is kept)."""
    try:
        import opencc
    except ImportError:  # pragma: no cover
        return []
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TWPhrases.txt")
    if not os.path.exists(path):
        return []
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" not in line:
                continue
            src, dst = line.split("\t", 1)
            dsts = dst.split()
            if len(dsts) != 1:
                continue
            a, b = src.strip(), dsts[0].strip()
            if han_len(a) < 2 or han_len(b) < 2 or not all(HAN_RE.match(c) for c in a + b):
                continue
            if norm_key(a) == norm_key(b):
                continue
            if (jieba_dict().get(simplify(b)) or (0,))[0] >= OPENCC_TERM_FREQ:
                continue
            pairs.append((a, b))
    count = collections.Counter()
    for a, b in pairs:
        count[norm_key(a)] += 1
        count[norm_key(b)] += 1
    recs = []
    for a, b in pairs:
        if count[norm_key(a)] > 1 or count[norm_key(b)] > 1:
            continue
        recs.append(Record([a, b], {"source": "opencc", "table": "TWPhrases.txt"}, "opencc",
                           member_prov={a: {"region": "mainland"}, b: {"region": "tw"}}))
    return recs


def mined_records(pairs: Iterable) -> list[Record]:
    recs = []
    for p in pairs:
        prov = {"source": "mined", "id": p.id, "n": p.n}
        derived = []
        sur = p.surname if getattr(p, "surname", None) is not None else derived_surname(p.zh, p.alias)
        if sur:
            derived.append((sur, {"source": "derived", "rule": "surname of a mined full name",
                                  "from": p.alias, "id": p.id, "n": p.n}))
        problems = None
        if getattr(p, "zh_problem", None) is not None and getattr(p, "alias_problem", None) is not None:
            problems = {p.zh: p.zh_problem or None, p.alias: p.alias_problem or None}  # checked when mined
        recs.append(Record([p.zh, p.alias], prov, "mined", derived=derived, problems=problems))
    return recs


def derived_surname(zh: str, alias: str) -> str | None:
    """'Lavrov' for 拉夫羅夫（Sergei Lavrov）: the Chinese is written surname-only (no '·'), the
    alias is a 2-4 word capitalised Latin name, and the Chinese has no common word in it (so
    not 霍士新聞台（Fox News）)."""
    if is_chinese(alias) or "·" in norm_key(zh) or not is_chinese(zh):
        return None
    words = alias.split()
    if not 2 <= len(words) <= 4 or is_acronym(alias):
        return None
    if not all(re.fullmatch(r"[A-Z][A-Za-z'’\-]*\.?|[A-Z]{1,3}|[a-z]{1,3}", w) for w in words):
        return None
    last = words[-1]
    if not re.fullmatch(r"[A-Z][a-z][A-Za-z'’\-]+", last):
        return None
    from .translit import has_common_word

    if has_common_word(zh):
        return None
    return last


def member_problem(m: str, source: str) -> str | None:
    """Why ``m`` cannot be a member (None if it can).

    A Chinese member has >= 2 Han characters (or is a Latin initial + Han short form such as
    C羅) and, from corpus mining or a curated file, is not a common word.  A Latin member has
    >= 3 letters or is an all-caps acronym (G20, EU)."""
    from .keys import is_nickname_form, latin_letters

    k = norm_key(m)
    if not k:
        return "empty"
    if is_chinese(k):
        if han_len(k) < 2 and not is_nickname_form(m):
            return "one Chinese character"
        if source in ("mined", "curated", "derived") and "·" not in k and common_word_freq(k) >= COMMON_FREQ \
                and (jieba_dict().get(k) or (0, ""))[1] != "j":  # an abbreviation (歐盟) is a name
            return "common word"
        return None
    if latin_letters(k) < 3 and not is_acronym(m.strip()):
        return "Latin spelling shorter than 3 letters"
    return None
