"""Cross-transliteration variant groups: 特朗普 / 川普 / Trump, 普京 / 普丁 / 蒲亭 / Putin ...

A ``VariantTable`` merges four sources into groups of spellings that name the same thing:

``mined``     pairs found in the corpus being indexed (``mining.mine_pairs``): 中文名（Latin）,
              （Latin，又譯X或Y）.
``lexicon``   ``data/lexicon.tsv``, derived from Chinese Wikipedia's CGroup tables
              (CC BY-SA 4.0; ``tools/make_lexicon.py`` documents what is shipped and why).
``opencc``    regional vocabulary (軟件 / 軟體, 信息 / 資訊) read at load time from the Taiwan
              phrase table of the installed OpenCC package (Apache-2.0 data, the same package
              ``normalize.simplify`` uses), filtered below.
``curated``   ``data/curated.tsv`` and any extra files given: press forms no table has (蒲亭).

plus ``derived`` members: the Latin surname of a mined full name written surname-only in
Chinese (拉夫羅夫（Sergei Lavrov） -> "Lavrov").  Derived members hang on one group and
never link groups.

Keys.  Every member is compared through ``norm_key``: ``simplify`` (width + script),
lower case, accents dropped, whitespace collapsed, every dash as '-', every middle dot as '·'
(no spaces around either).  So a lookup works in any script, width and case.

Linking rules (all refusals are kept in ``refused`` and saved with the table):

1. Members: a Chinese member has >= 2 Han characters and, from corpus mining or a curated
   file, is not a common word (a jieba dictionary entry with a non-name tag and frequency
   >= ``COMMON_FREQ``).  A Latin member has >= 3 letters or is an all-caps acronym (G20, EU);
2. Each source record (a lexicon line, an OpenCC pair, a curated line, a mined pair) is a set
   of members.  A record whose members touch at most one existing group joins it: Chinese forms
   that share an alias and aliases that share a Chinese form end in one group.
3. A record that would merge two existing groups is refused when
   a. both groups hold a (different) lexicon group - the lexicon already decided they are
      different entities; or
   b. the result breaks rule 4.
   Curated records are the user's decision and may merge anything (logged).
4. Latin full names that a record brings must agree with those of the groups it joins: each
   pair has similar last words (Zelensky / Zelenskyy / Zelenskiy, difflib ratio >= 0.75) or one
   name's words contain the other's (Fox News / Fox News Channel).  A record breaking this is
   refused even when it only attaches a member, so a given name written alone (唐納) cannot
   put "Donald Trump" and "Donald Tusk" in one group.
"""
from __future__ import annotations

import collections
import difflib
import json
import logging
import os
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from .normalize import HAN_RANGES, simplify

if TYPE_CHECKING:  # pragma: no cover
    from .mining import MinedPair

log = logging.getLogger(__name__)

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
LEXICON_PATH = os.path.join(DATA_DIR, "lexicon.tsv")
CURATED_PATH = os.path.join(DATA_DIR, "curated.tsv")

COMMON_FREQ = 20  # jieba frequency from which a non-name dictionary word is a common word
OPENCC_TERM_FREQ = 200  # a Taiwan term this frequent in (mainland) jieba has a meaning of its own
LATIN_SIMILAR = 0.75

HAN_RE = re.compile(f"[{HAN_RANGES}]")
NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz", "nrf"})
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\uff0d\u2212\ufe63\ufe58-"
DOTS = "\u00b7\u2027\u30fb\u2022\u2219\u22c5\uff65"
_DASH_RE = re.compile(rf"\s*[{DASHES}]+\s*")
_DOT_RE = re.compile(rf"\s*[{DOTS}]\s*")
_WS_RE = re.compile(r"\s+")

# Wire services and picture agencies: a bracket holding one of these is a credit, never a name.
CREDITS = frozenset(
    {
        "reuters", "reuter", "ap", "afp", "epa", "epa-efe", "getty", "getty images", "bloomberg",
        "xinhua", "kyodo", "yonhap", "tass", "ria novosti", "dpa", "ansa", "efe", "upi", "aap", "pti",
        "anadolu agency", "nurphoto", "sopa images",
        "zuma press", "zuma wire", "shutterstock", "imaginechina", "alamy", "ap photo", "afp photo",
    }
)


def norm_key(s: str) -> str:
    """Lookup key of a spelling: script, width, case, accents, spacing, dashes and dots folded."""
    s = simplify(s.strip())
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = unicodedata.normalize("NFC", s).lower()
    s = _DASH_RE.sub("-", s)
    s = _DOT_RE.sub("·", s)
    s = _WS_RE.sub(" ", s).strip()
    return s


def han_len(s: str) -> int:
    return len(HAN_RE.findall(s))


def is_chinese(s: str) -> bool:
    return bool(HAN_RE.search(s))


def latin_letters(s: str) -> int:
    return sum(1 for c in s if c.isalpha() and not HAN_RE.match(c))


_ACRONYM_RE = re.compile(r"[A-Z][A-Z0-9&\-]{1,9}|[A-Z0-9]*[A-Z][A-Z0-9]*")
NAME_PARTICLES = frozenset(
    "de da das del della der den des di do dos du el la le les van von ter ten bin ibn al el y e "
    "of and the for und et zu op".split()
)


def is_acronym(s: str) -> bool:
    s = s.strip()
    return 2 <= len(s) <= 10 and bool(_ACRONYM_RE.fullmatch(s)) and any(c.isalpha() for c in s)


def looks_like_name_latin(s: str) -> bool:
    """A Latin proper name: capitalised words (particles and later lower-case words allowed),
    letters/apostrophes/hyphens/periods only, at most 7 words; or an acronym."""
    s = s.strip()
    if not s or len(s) > 80:
        return False
    if is_acronym(s):
        return True
    plain = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    plain = _DASH_RE.sub("-", plain)
    words = plain.split()
    if not 1 <= len(words) <= 7:
        return False
    for w in words:
        if not re.fullmatch(r"[A-Za-z][A-Za-z'’.\-]*|[A-Z0-9][A-Z0-9.\-]*", w):
            return False
    return words[0][0].isupper() or (words[0].lower() in NAME_PARTICLES and len(words) > 1)


_jieba_lock = threading.Lock()
_jieba_dict: dict | None = None


def jieba_dict() -> dict[str, tuple[int, str]]:
    """jieba's bundled dictionary: word -> (frequency, POS tag).  Read once per process."""
    global _jieba_dict
    if _jieba_dict is None:
        with _jieba_lock:
            if _jieba_dict is None:
                import jieba

                d = {}
                path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
                with open(path, encoding="utf-8") as f:
                    for line in f:
                        parts = line.split()
                        if len(parts) >= 3:
                            d[parts[0]] = (int(parts[1]), parts[2])
                        elif len(parts) == 2:
                            d[parts[0]] = (int(parts[1]), "x")
                _jieba_dict = d
    return _jieba_dict


def common_word_freq(s: str) -> int:
    """Frequency of ``s`` (any script) as a non-name jieba word; 0 if it is not one."""
    e = jieba_dict().get(simplify(s))
    if e and e[1] not in NAME_TAGS:
        return e[0]
    return 0


def _last_word(k: str) -> str:
    return re.split(r"[\s·]", k)[-1]


def latin_compatible(a: str, b: str) -> bool:
    """Two normalised multi-word Latin names can name the same thing (see rule 4)."""
    wa, wb = a.replace(".", " ").split(), b.replace(".", " ").split()
    if len(wa) < 2 or len(wb) < 2:
        return True
    if set(wa) <= set(wb) or set(wb) <= set(wa):
        return True
    la, lb = wa[-1], wb[-1]
    return difflib.SequenceMatcher(None, la, lb).ratio() >= LATIN_SIMILAR


# ----------------------------------------------------------------------------------------


@dataclass
class VariantGroup:
    members: list[str]
    sources: dict[str, list[dict]] = field(default_factory=dict)

    def keys(self) -> list[str]:
        return list(dict.fromkeys(norm_key(m) for m in self.members))

    def to_json(self) -> dict:
        return {"members": self.members, "sources": self.sources}

    @classmethod
    def from_json(cls, d: dict) -> "VariantGroup":
        return cls(list(d["members"]), {k: list(v) for k, v in d.get("sources", {}).items()})


@dataclass
class _Record:
    members: list[str]
    prov: dict  # provenance shared by every member of the record
    source: str  # lexicon | opencc | curated | mined
    lex_id: str | None = None
    member_prov: dict | None = None  # member -> extra provenance fields
    derived: list[tuple[str, dict]] = field(default_factory=list)  # weak members


class _Comp:
    __slots__ = ("keys", "written", "sources", "lex_ids", "derived")

    def __init__(self):
        self.keys: set[str] = set()
        self.written: dict[str, list[str]] = {}  # key -> spellings as written
        self.sources: dict[str, list[dict]] = {}  # spelling -> provenance
        self.lex_ids: set[str] = set()
        self.derived: set[str] = set()  # keys that are derived members only


class VariantTable:
    """Variant groups with provenance; see the module docstring for the rules."""

    def __init__(self):
        self._groups: list[VariantGroup] = []
        self._index: dict[str, int] = {}
        self.refused: list[dict] = []
        self.mined: list[dict] = []
        self._stats: dict = {}

    # -- building -----------------------------------------------------------------------
    @classmethod
    def build(cls, mined: Iterable["MinedPair"] = (), lexicon: bool = True,
              curated_paths: Iterable[str] = (CURATED_PATH,), opencc: bool = True,
              lexicon_path: str = LEXICON_PATH) -> "VariantTable":
        t = cls()
        records: list[_Record] = []
        stats = collections.Counter()
        if lexicon:
            recs = read_lexicon(lexicon_path)
            stats["lexicon_groups_read"] = len(recs)
            records += recs
        if opencc:
            recs = opencc_records()
            stats["opencc_pairs_read"] = len(recs)
            records += recs
        for p in curated_paths or ():
            recs = read_curated(p)
            stats["curated_lines_read"] += len(recs)
            records += recs
        mined = list(mined)
        stats["mined_pairs"] = len(mined)
        records += mined_records(mined)
        t._build(records, stats)
        return t

    def _build(self, records: list[_Record], stats: collections.Counter) -> None:
        comps: dict[int, _Comp] = {}
        owner: dict[str, int] = {}  # real member key -> comp id
        derived_owner: dict[str, int] = {}  # derived member key -> comp id
        contested: set[str] = set()  # derived keys two groups wanted: nobody gets them
        next_id = 0
        mined_status: dict[tuple, str] = {}
        loaded = collections.Counter()

        def status_key(rec):
            return (rec.prov["id"], rec.prov["n"], *rec.members)

        def refuse(rec: _Record, reason: str, **extra):
            entry = {"source": rec.source, "members": rec.members, "reason": reason, **rec.prov, **extra}
            self.refused.append(entry)
            log.info("variants: refused %s", entry)
            if rec.source == "mined":
                mined_status[status_key(rec)] = "refused: " + reason

        def drop_derived(k: str):
            c = derived_owner.pop(k, None)
            if c is None or c not in comps:
                return
            comp = comps[c]
            comp.keys.discard(k)
            comp.derived.discard(k)
            for m in comp.written.pop(k, []):
                comp.sources.pop(m, None)

        for rec in records:
            members, rejected = [], []
            for m in rec.members:
                why = member_problem(m, rec.source)
                if why:
                    rejected.append((m, why))
                else:
                    members.append(m)
            for m, why in rejected:
                self.refused.append({"source": rec.source, "members": [m], "reason": why, **rec.prov})
            # a derived surname may link a mined name to the group that has that surname when the
            # two Chinese spellings share half their characters (梅爾茲 / 梅爾茨 for Merz): the
            # sound evidence that a given name written alone (梅拉尼婭 for Melania Trump) lacks
            if rec.source == "mined" and rec.derived and members and is_chinese(members[0]):
                for m, prov in rec.derived:
                    c = owner.get(norm_key(m))
                    if c is not None and _shares_sound(members[0], comps[c]):
                        members.append(m)
                        rec = _Record(rec.members, rec.prov, rec.source, rec.lex_id,
                                      {**(rec.member_prov or {}), m: {**prov, "links": True}}, [])
            keys = list(dict.fromkeys(norm_key(m) for m in members))
            if len(keys) < 2:
                if rec.source == "mined":
                    mined_status[status_key(rec)] = "refused: " + (rejected[0][1] if rejected else "one member")
                continue
            touched = []
            for k in keys:
                c = owner.get(k)
                if c is not None and c not in touched:
                    touched.append(c)
            if len(touched) >= 2 and rec.source != "curated":
                lex = set().union(*(comps[c].lex_ids for c in touched))
                if rec.lex_id:
                    lex.add(rec.lex_id)
                if len(lex) >= 2:
                    refuse(rec, "would merge groups of different lexicon entries",
                           groups=[sorted(comps[c].keys)[:6] for c in touched])
                    continue
            # rule 4: Latin full names in one group must agree
            mine = [k for k in keys if not is_chinese(k) and len(k.split()) >= 2]
            theirs = [k for c in touched for k in comps[c].keys - comps[c].derived
                      if not is_chinese(k) and len(k.split()) >= 2]
            bad = _first_incompatible(mine, theirs)
            if bad and rec.source != "curated":
                refuse(rec, f"Latin names {bad[0]!r} and {bad[1]!r} do not name the same one")
                continue
            if len(touched) >= 2:
                log.info("variants: %s record merges %d groups: %s", rec.source, len(touched), rec.members)
                stats["merges_of_groups"] += 1
            if touched:
                cid = touched[0]
                comp = comps[cid]
                for c in touched[1:]:
                    other = comps.pop(c)
                    comp.keys |= other.keys
                    for k, v in other.written.items():
                        w = comp.written.setdefault(k, [])
                        w.extend(x for x in v if x not in w)
                    for k, v in other.sources.items():
                        comp.sources.setdefault(k, []).extend(v)
                    comp.lex_ids |= other.lex_ids
                    comp.derived |= other.derived
                    for k in other.keys:
                        if k in other.derived:
                            derived_owner[k] = cid
                        else:
                            owner[k] = cid
            else:
                cid = next_id
                next_id += 1
                comp = comps[cid] = _Comp()
            if rec.lex_id:
                comp.lex_ids.add(rec.lex_id)
            for m in members:
                k = norm_key(m)
                if k in derived_owner:
                    drop_derived(k)  # a real member outranks a derived one
                comp.keys.add(k)
                owner[k] = cid
                w = comp.written.setdefault(k, [])
                if m not in w:
                    w.append(m)
                prov = dict(rec.prov)
                if rec.member_prov and m in rec.member_prov:
                    prov.update(rec.member_prov[m])
                comp.sources.setdefault(m, []).append(prov)
            for m, prov in rec.derived:  # weak members: never link, dropped when contested
                k = norm_key(m)
                if k in owner or k in contested or member_problem(m, "derived"):
                    continue
                c = derived_owner.get(k)
                if c is not None and c != cid:
                    drop_derived(k)
                    contested.add(k)
                    continue
                comp.keys.add(k)
                comp.derived.add(k)
                derived_owner[k] = cid
                w = comp.written.setdefault(k, [])
                if m not in w:
                    w.append(m)
                comp.sources.setdefault(m, []).append(prov)
            loaded[rec.source] += 1
            if rec.source == "mined":
                mined_status.setdefault(status_key(rec), "used")

        self._groups = []
        self._index = {}
        for cid in sorted(comps):
            comp = comps[cid]
            members, sources = [], {}
            for k in sorted(comp.keys, key=lambda k: (not is_chinese(k), k in comp.derived, k)):
                for m in comp.written[k]:
                    members.append(m)
                    sources[m] = comp.sources.get(m, [])
            for k in comp.keys:
                self._index[k] = len(self._groups)
            self._groups.append(VariantGroup(members, sources))
        self.mined = [
            {"zh": k[2], "alias": k[3], "id": k[0], "n": k[1], "status": v} for k, v in mined_status.items()
        ]
        self._stats = {
            "groups": len(self._groups),
            "records_loaded": dict(loaded),
            **dict(stats),
            "refused": len(self.refused),
        }
        self._stats.update(self._source_counts())

    def _source_counts(self) -> dict:
        per = collections.Counter()
        for g in self._groups:
            srcs = {p["source"] for v in g.sources.values() for p in v}
            for s in srcs:
                per[f"groups_with_{s}"] += 1
        return dict(per)

    # -- queries ------------------------------------------------------------------------
    def lookup(self, term: str) -> VariantGroup | None:
        """The group holding ``term`` (any script, width, case, dash or dot style), or None."""
        i = self._index.get(norm_key(term))
        return self._groups[i] if i is not None else None

    def expand(self, term: str) -> list[str]:
        """Every other spelling of ``term`` (distinct keys, as written), [] if none."""
        g = self.lookup(term)
        if g is None:
            return []
        k0 = norm_key(term)
        seen, out = {k0}, []
        for m in g.members:
            k = norm_key(m)
            if k not in seen:
                seen.add(k)
                out.append(m)
        return out

    def groups(self) -> list[VariantGroup]:
        return list(self._groups)

    def segmenter_words(self) -> list[str]:
        """Multi-character all-Han members, in Simplified form (what jieba sees), to register
        with the segmenter so that every variant is one word.  Names with '·' are left out
        (jieba splits at the dot anyway); their surname is a member of its own."""
        out = {}
        for g in self._groups:
            for m in g.members:
                s = simplify(m).strip()
                if len(s) >= 2 and all(HAN_RE.match(c) for c in s):
                    out[s] = None
        return list(out)

    def stats(self) -> dict:
        return dict(self._stats)

    def mined_report(self) -> list[dict]:
        """Every mined pair with what became of it ('used' or 'refused: reason')."""
        return list(self.mined)

    def explain(self, term: str) -> list[tuple[str, list[dict]]]:
        """(member, provenance list) for the group of ``term``; [] if none."""
        g = self.lookup(term)
        return [(m, g.sources.get(m, [])) for m in g.members] if g else []

    # -- persistence --------------------------------------------------------------------
    def save(self, path: str) -> None:
        data = {
            "format": "searcher-variants/1",
            "about": "Variant spelling groups (see searcher/variants.py). Lexicon-derived entries: "
                     "Chinese Wikipedia CGroup contributors, CC BY-SA 4.0; OpenCC data Apache-2.0.",
            "stats": self._stats,
            "groups": [g.to_json() for g in self._groups],
            "mined": self.mined,
            "refused": self.refused,
        }
        tmp = path + ".tmp"

        def lines(items):  # one record per line: readable, greppable, diffable
            return "[\n" + ",\n".join(json.dumps(x, ensure_ascii=False) for x in items) + "\n]"

        with open(tmp, "w", encoding="utf-8") as f:
            f.write("{\n")
            for i, (k, v) in enumerate(data.items()):
                body = lines(v) if isinstance(v, list) else json.dumps(v, ensure_ascii=False)
                f.write(f"{json.dumps(k)}: {body}{',' if i < len(data) - 1 else ''}\n")
            f.write("}\n")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str) -> "VariantTable":
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        t = cls()
        t._groups = [VariantGroup.from_json(g) for g in data.get("groups", [])]
        for i, g in enumerate(t._groups):
            for k in g.keys():
                t._index[k] = i
        t.mined = data.get("mined", [])
        t.refused = data.get("refused", [])
        t._stats = data.get("stats", {})
        return t


def _first_incompatible(mine: list[str], theirs: list[str]):
    """A pair (new name, name already in a touched group) that cannot name the same one.
    Names inside one record are not compared: a record is one source's own statement."""
    for a in dict.fromkeys(mine):
        for b in dict.fromkeys(theirs):
            if a != b and not latin_compatible(a, b):
                return a, b
    return None


def member_problem(m: str, source: str) -> str | None:
    """Why ``m`` cannot be a member (None if it can)."""
    k = norm_key(m)
    if not k:
        return "empty"
    if is_chinese(k):
        if han_len(k) < 2:
            return "one Chinese character"
        if source in ("mined", "curated", "derived") and "·" not in k and common_word_freq(k) >= COMMON_FREQ:
            return "common word"
        return None
    if latin_letters(k) < 3 and not is_acronym(m.strip()):
        return "Latin spelling shorter than 3 letters"
    return None


# -- sources -------------------------------------------------------------------------------


def read_table(path: str):
    """Rows of a tab-separated file with '#' comments and a header line, as dicts."""
    with open(path, encoding="utf-8") as f:
        header = None
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            yield dict(zip(header, cols))


def read_lexicon(path: str = LEXICON_PATH) -> list[_Record]:
    recs = []
    if not os.path.exists(path):
        log.warning("variants: no lexicon at %s", path)
        return recs
    for row in read_table(path):
        zh = [x for x in row.get("zh", "").split("|") if x]
        latin = [x for x in row.get("latin", "").split("|") if x]
        note = row.get("note", "")
        full = []
        for part in note.split():
            if part.startswith("full:"):
                full = [x for x in part[5:].split("|") if x]
        prov = {"source": "lexicon", "group": row["id"], "kind": row.get("kind", ""),
                "cgroups": row.get("cgroups", "")}
        member_prov = {m: {"role": "full name"} for m in full}
        recs.append(_Record(zh + latin + full, prov, "lexicon", lex_id=row["id"], member_prov=member_prov))
    return recs


def read_curated(path: str) -> list[_Record]:
    """Curated groups: one group per line, members tab-separated, '#' starts a comment."""
    recs = []
    if not path or not os.path.exists(path):
        if path and path != CURATED_PATH:
            log.warning("variants: no curated file at %s", path)
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
            recs.append(_Record(members, {"source": "curated", "file": name, "line": lineno}, "curated"))
    return recs


def opencc_records() -> list[_Record]:
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
            if common_word_freq(b) >= OPENCC_TERM_FREQ or (jieba_dict().get(simplify(b)) or (0,))[0] >= OPENCC_TERM_FREQ:
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
        recs.append(_Record([a, b], {"source": "opencc", "table": "TWPhrases.txt"}, "opencc",
                            member_prov={a: {"region": "mainland"}, b: {"region": "tw"}}))
    return recs


def mined_records(pairs: Iterable["MinedPair"]) -> list[_Record]:
    recs = []
    for p in pairs:
        prov = {"source": "mined", "id": p.id, "n": p.n}
        derived = []
        sur = derived_surname(p.zh, p.alias)
        if sur:
            derived.append((sur, {"source": "derived", "rule": "surname of a mined full name",
                                  "from": p.alias, "id": p.id, "n": p.n}))
        recs.append(_Record([p.zh, p.alias], prov, "mined", derived=derived))
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
    from .mining import has_common_word

    if has_common_word(zh):
        return None
    return last


def _shares_sound(zh: str, comp: "_Comp") -> bool:
    """``zh`` shares at least half of its characters with a Chinese member of ``comp``."""
    a = set(c for c in simplify(zh) if HAN_RE.match(c))
    if len(a) < 2:
        return False
    for k in comp.keys:
        if "·" in k or not is_chinese(k):
            continue
        b = set(c for c in k if HAN_RE.match(c))
        if len(b) >= 2 and len(a & b) * 2 >= min(len(a), len(b)) and len(a & b) >= 2:
            return True
    return False
