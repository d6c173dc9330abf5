"""Name groups: the spellings that name one thing, with where each came from.

``TableBuilder`` merges source records (``sources.Record``) into groups; ``NameTable`` is the
result: ``lookup(term)`` in any script, width, case, dash or dot style, each member's
provenance, what became of every mined pair, what was refused.

Linking rules (every refusal is kept in ``refused``):

1. Members: a Chinese member has >= 2 Han characters (or is a Latin initial + Han short form
   such as C羅) and, from corpus mining or a curated file, is not a common word.  A Latin
   member has >= 3 letters or is an all-caps acronym (G20, EU).
2. A record whose members touch at most one existing group joins it: Chinese forms that share
   an alias and aliases that share a Chinese form end in one group.
3. A record that would merge two existing groups is refused when both hold a (different)
   lexicon entry, or when the result breaks rule 4.  Curated records may merge anything.
4. Latin full names a record brings must agree with those of the groups it joins (similar last
   words, or one name's words contain the other's), so a given name written alone (唐納) cannot
   put "Donald Trump" and "Donald Tusk" in one group.
5. Weak members never link: ``derived`` surnames of mined full names (dropped when two groups
   want one) and ``ambiguous`` lexicon forms that two entities share (kept in each; the
   expander decides which one a query means from the corpus).

Members that name one person of a surname group (full names, press names such as 貝理雅 for
Tony Blair in Hong Kong) carry that person's id in ``NameGroup.entity``; the expander uses it so
that a full name or a press name finds the same person only.
"""
from __future__ import annotations

import collections
import logging
from dataclasses import dataclass, field

from ..normalize import simplify
from .keys import HAN_RE, is_chinese, latin_compatible, norm_key
from .sources import Record, member_problem

log = logging.getLogger(__name__)


@dataclass
class NameGroup:
    members: list[str]
    sources: dict[str, list[dict]] = field(default_factory=dict)
    entity: dict[str, str] = field(default_factory=dict)  # member -> person id (full / press names)
    ambiguous: frozenset = frozenset()  # keys this group shares with another entity

    def keys(self) -> list[str]:
        return list(dict.fromkeys(norm_key(m) for m in self.members))

    def source_names(self) -> list[str]:
        return sorted({p.get("source", "?") for provs in self.sources.values() for p in provs})


class _Comp:
    __slots__ = ("keys", "written", "sources", "lex_ids", "derived", "amb", "entity")

    def __init__(self):
        self.keys: set[str] = set()
        self.written: dict[str, list[str]] = {}  # key -> spellings as written
        self.sources: dict[str, list[dict]] = {}  # spelling -> provenance
        self.lex_ids: set[str] = set()
        self.derived: set[str] = set()  # keys that are derived members only
        self.amb: set[str] = set()  # keys that are ambiguous members only
        self.entity: dict[str, str] = {}


class TableBuilder:
    """Adds records one at a time (the order matters: earlier sources are stronger); picklable,
    so that the state after the base sources can be cached and the corpus's pairs added on top."""

    def __init__(self):
        self.comps: dict[int, _Comp] = {}
        self.owner: dict[str, int] = {}  # real member key -> comp id
        self.derived_owner: dict[str, int] = {}
        self.amb_owner: dict[str, list[int]] = {}
        self.contested: set[str] = set()
        self.next_id = 0
        self.refused: list[dict] = []
        self.mined_status: dict[tuple, str] = {}
        self.loaded = collections.Counter()
        self.stats = collections.Counter()

    # -- one record ---------------------------------------------------------------------------
    def _status_key(self, rec):
        return (rec.prov["id"], rec.prov["n"], *rec.members)

    def _refuse(self, rec: Record, reason: str, **extra):
        entry = {"source": rec.source, "members": rec.members, "reason": reason, **rec.prov, **extra}
        self.refused.append(entry)
        log.debug("names: refused %s", entry)
        if rec.source == "mined":
            self.mined_status[self._status_key(rec)] = "refused: " + reason

    def _drop_derived(self, k: str):
        c = self.derived_owner.pop(k, None)
        if c is None or c not in self.comps:
            return
        comp = self.comps[c]
        comp.keys.discard(k)
        comp.derived.discard(k)
        for m in comp.written.pop(k, []):
            comp.sources.pop(m, None)

    def add(self, rec: Record) -> None:
        comps, owner = self.comps, self.owner
        members, rejected = [], []
        for m in rec.members:
            why = rec.problems[m] if rec.problems and m in rec.problems else member_problem(m, rec.source)
            (rejected.append((m, why)) if why else members.append(m))
        for m, why in rejected:
            self.refused.append({"source": rec.source, "members": [m], "reason": why, **rec.prov})
        # a derived surname may link a mined name to the group that has that surname when the two
        # Chinese spellings share half their characters (梅爾茲 / 梅爾茨 for Merz): the sound
        # evidence that a given name written alone (梅拉尼婭 for Melania Trump) lacks
        if rec.source == "mined" and rec.derived and members and is_chinese(members[0]):
            for m, prov in rec.derived:
                c = owner.get(norm_key(m))
                if c is not None and _shares_sound(members[0], comps[c]):
                    members.append(m)
                    rec = Record(rec.members, rec.prov, rec.source, rec.lex_id,
                                 {**(rec.member_prov or {}), m: {**prov, "links": True}}, [])
        if rec.entity:
            # a person's full names and press names never link this group to another one: one
            # that another group holds already is attached here as a shared form
            shared = [m for m in members if m in rec.entity and owner.get(norm_key(m)) is not None]
            if shared:
                members = [m for m in members if m not in shared]
                rec = Record(rec.members, rec.prov, rec.source, rec.lex_id, rec.member_prov, rec.derived,
                             rec.ambiguous + shared, rec.entity)
        keys = list(dict.fromkeys(norm_key(m) for m in members))
        if len(keys) < 2:
            if rec.source == "mined":
                self.mined_status[self._status_key(rec)] = "refused: " + (
                    rejected[0][1] if rejected else "one member")
            return
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
                self._refuse(rec, "would merge groups of different lexicon entries",
                             groups=[sorted(comps[c].keys)[:6] for c in touched])
                return
        person = {norm_key(m) for m in (rec.entity or ())}
        mine = [k for k in keys if not is_chinese(k) and len(k.split()) >= 2 and k not in person]
        theirs = [k for c in touched for k in comps[c].keys - comps[c].derived - comps[c].amb
                  if not is_chinese(k) and len(k.split()) >= 2]
        bad = _first_incompatible(mine, theirs)
        if bad and rec.source != "curated":
            self._refuse(rec, f"Latin names {bad[0]!r} and {bad[1]!r} do not name the same one")
            return
        if len(touched) >= 2:
            self.stats["merges_of_groups"] += 1
        if touched:
            cid = touched[0]
            comp = comps[cid]
            for c in touched[1:]:
                self._merge_into(cid, c)
        else:
            cid = self.next_id
            self.next_id += 1
            comp = comps[cid] = _Comp()
        if rec.lex_id:
            comp.lex_ids.add(rec.lex_id)
        if rec.source == "curated" and not rec.entity:
            # a curated line that names one person of a surname group (小布什 ... George W. Bush)
            # adds its forms to that person only
            ents = {comp.entity[w] for k in keys for w in comp.written.get(k, ()) if w in comp.entity}
            if len(ents) == 1:
                e = next(iter(ents))
                rec = Record(rec.members, rec.prov, rec.source, rec.lex_id, rec.member_prov,
                             rec.derived, rec.ambiguous, {m: e for m in members})
        for m in members:
            k = norm_key(m)
            if k in self.derived_owner:
                self._drop_derived(k)  # a real member outranks a derived one
            comp.keys.add(k)
            comp.amb.discard(k)
            owner[k] = cid
            self._write(comp, k, m, rec, m)
        for m in rec.ambiguous:  # shared with another entity: kept, never links
            k = norm_key(m)
            if member_problem(m, rec.source) or k in comp.keys:
                continue
            comp.keys.add(k)
            comp.amb.add(k)
            self.amb_owner.setdefault(k, []).append(cid)
            self._write(comp, k, m, rec, m)
        for m, prov in rec.derived:  # weak members: never link, dropped when contested
            k = norm_key(m)
            if k in owner or k in self.contested or member_problem(m, "derived"):
                continue
            c = self.derived_owner.get(k)
            if c is not None and c != cid:
                self._drop_derived(k)
                self.contested.add(k)
                continue
            comp.keys.add(k)
            comp.derived.add(k)
            self.derived_owner[k] = cid
            w = comp.written.setdefault(k, [])
            if m not in w:
                w.append(m)
            comp.sources.setdefault(m, []).append(prov)
        self.loaded[rec.source] += 1
        if rec.source == "mined":
            self.mined_status.setdefault(self._status_key(rec), "used")

    def _write(self, comp: _Comp, k: str, m: str, rec: Record, key_in_rec: str) -> None:
        w = comp.written.setdefault(k, [])
        if m not in w:
            w.append(m)
        prov = dict(rec.prov)
        if rec.member_prov and key_in_rec in rec.member_prov:
            prov.update(rec.member_prov[key_in_rec])
        comp.sources.setdefault(m, []).append(prov)
        if rec.entity and m in rec.entity:
            comp.entity[m] = rec.entity[m]

    def _merge_into(self, cid: int, c: int) -> None:
        comp, other = self.comps[cid], self.comps.pop(c)
        real = (comp.keys - comp.amb) | (other.keys - other.amb)
        comp.amb = (comp.amb | other.amb) - real
        comp.keys |= other.keys
        for k, v in other.written.items():
            w = comp.written.setdefault(k, [])
            w.extend(x for x in v if x not in w)
        for k, v in other.sources.items():
            comp.sources.setdefault(k, []).extend(v)
        comp.lex_ids |= other.lex_ids
        comp.derived |= other.derived
        comp.entity.update(other.entity)
        for k in other.keys:
            if k in other.derived:
                self.derived_owner[k] = cid
            elif k in other.amb:
                self.amb_owner[k] = [cid if x == c else x for x in self.amb_owner.get(k, [])]
            else:
                self.owner[k] = cid

    # -- the result ---------------------------------------------------------------------------
    def _cids(self) -> list[int]:
        return sorted(self.comps)

    def _group(self, cid: int) -> NameGroup:
        comp = self.comps[cid]
        members, sources = [], {}
        for k in sorted(comp.keys, key=lambda k: (not is_chinese(k), k in comp.derived, k in comp.amb, k)):
            for m in comp.written[k]:
                members.append(m)
                sources[m] = comp.sources.get(m, [])
        return NameGroup(members, sources, dict(comp.entity), frozenset(comp.amb))

    def finish(self) -> "NameTable":
        t = NameTable()
        index: dict[str, int] = {}
        amb_index: dict[str, list[int]] = {}
        gid_of: dict[int, int] = {}
        for cid in self._cids():
            g, keys, amb = self._group_keys(cid)
            gid = len(t._groups)
            gid_of[cid] = gid
            t._groups.append(g)
            for k in keys:
                if k not in amb:
                    index[k] = gid
        for k, cids in list(self.amb_owner.items()):
            gids = list(dict.fromkeys(gid_of[c] for c in cids if c in gid_of))
            if k in index:  # a real member somewhere: that group first
                gids = [index[k]] + [g for g in gids if g != index[k]]
            else:
                index[k] = gids[0] if gids else index.get(k)
            if len(gids) > 1:
                amb_index[k] = gids
        index = {k: v for k, v in index.items() if v is not None}
        t._index = index
        t.key_chars()  # kept with the table (its cache), not worked out by the first search
        t._ambiguous = amb_index
        t.refused = list(self.refused)
        t.mined = [{"zh": k[2], "alias": k[3], "id": k[0], "n": k[1], "status": v}
                   for k, v in sorted(self.mined_status.items(), key=lambda kv: _mined_sort(kv[0]))]
        stats = {"groups": len(t._groups), "records_loaded": dict(self.loaded), **dict(self.stats),
                 "refused": len(t.refused), "ambiguous_forms": len(amb_index)}
        per = collections.Counter()
        for g in t._groups:
            per.update(f"groups_with_{s}" for s in g.source_names())
        stats.update(per)
        t._stats = stats
        return t

    def _group_keys(self, cid: int):
        comp = self.comps[cid]
        return self._group(cid), comp.keys, comp.amb


class _Cow(dict):
    """A dict over a read-only base dict: reads fall through to the base (values copied with
    ``copy`` on first read, so the base is never changed), writes and pops stay here."""

    def __init__(self, base: dict, copy=None):
        super().__init__()
        self.base = base
        self.copy = copy
        self.removed: set = set()

    def __missing__(self, k):
        if k in self.removed or k not in self.base:
            raise KeyError(k)
        v = self.base[k]
        v = self.copy(v) if self.copy else v
        dict.__setitem__(self, k, v)
        return v

    def __contains__(self, k):
        return dict.__contains__(self, k) or (k not in self.removed and k in self.base)

    def get(self, k, default=None):
        try:
            return self[k]
        except KeyError:
            return default

    def __setitem__(self, k, v):
        self.removed.discard(k)
        dict.__setitem__(self, k, v)

    def pop(self, k, *default):
        if dict.__contains__(self, k):
            v = dict.pop(self, k)
        elif k not in self.removed and k in self.base:
            v = self.base[k]
        elif default:
            return default[0]
        else:
            raise KeyError(k)
        if k in self.base:
            self.removed.add(k)
        return v

    def setdefault(self, k, default=None):
        if k not in self:
            self[k] = default
        return self[k]

    def items(self):
        return ((k, self[k]) for k in self.all_keys())

    def all_keys(self):
        return (set(self.base) - self.removed) | set(dict.keys(self))


def _copy_comp(c: _Comp) -> _Comp:
    n = _Comp()
    n.keys = set(c.keys)
    n.written = {k: list(v) for k, v in c.written.items()}
    n.sources = {k: list(v) for k, v in c.sources.items()}
    n.lex_ids = set(c.lex_ids)
    n.derived = set(c.derived)
    n.amb = set(c.amb)
    n.entity = dict(c.entity)
    return n


class OverlayBuilder(TableBuilder):
    """Records added on top of a finished base without copying it: only the groups a record
    touches are copied; the base's groups are reused as they are."""

    def __init__(self, base: TableBuilder, groups: dict[int, NameGroup]):
        super().__init__()
        self.base_groups = groups
        self.comps = _Cow(base.comps, _copy_comp)
        self.owner = _Cow(base.owner)
        self.derived_owner = _Cow(base.derived_owner)
        self.amb_owner = _Cow(base.amb_owner, list)
        self.contested = set(base.contested)
        self.next_id = base.next_id
        self.refused = list(base.refused)
        self.mined_status = dict(base.mined_status)
        self.loaded = collections.Counter(base.loaded)
        self.stats = collections.Counter(base.stats)

    def _cids(self) -> list[int]:
        return sorted(self.comps.all_keys())

    def _group_keys(self, cid: int):
        if dict.__contains__(self.comps, cid):
            return super()._group_keys(cid)
        comp = self.comps.base[cid]
        return self.base_groups[cid], comp.keys, comp.amb


def base_groups(builder: TableBuilder) -> dict[int, NameGroup]:
    """The finished group of every component of a builder, by component id."""
    return {cid: builder._group(cid) for cid in builder.comps}


def _mined_sort(k):
    return (str(k[0]), int(k[1]) if str(k[1]).lstrip("-").isdigit() else 0, *map(str, k[2:]))


class NameTable:
    """Name groups with provenance; built by ``base.build_table``."""

    def __init__(self):
        self._groups: list[NameGroup] = []
        self._index: dict[str, int] = {}
        self._ambiguous: dict[str, list[int]] = {}
        self.refused: list[dict] = []
        self.mined: list[dict] = []
        self._stats: dict = {}

    def lookup(self, term: str) -> NameGroup | None:
        """The group holding ``term`` (for a form two entities share: the first), or None."""
        return self.lookup_key(norm_key(term))

    def lookup_key(self, key: str) -> NameGroup | None:
        """``lookup`` of a spelling already folded by ``norm_key``."""
        i = self._index.get(key)
        return self._groups[i] if i is not None else None

    def candidates(self, term: str) -> list[NameGroup]:
        """Every group holding ``term``: one, or several for a form two entities share."""
        k = norm_key(term)
        if k in self._ambiguous:
            return [self._groups[i] for i in self._ambiguous[k]]
        g = self.lookup(term)
        return [g] if g is not None else []

    pinyin_spellings: tuple = ({}, {})  # (base, mined): pinyin key -> spellings (see base.build_table)

    def spellings_for_pinyin(self, key: str) -> list[str]:
        """Spellings of the table (Simplified) whose toneless pinyin is ``key``."""
        base, mined = self.pinyin_spellings
        return sorted(set(base.get(key, ())) | set(mined.get(key, ())))

    def is_ambiguous(self, term: str) -> bool:
        return norm_key(term) in self._ambiguous

    def groups(self) -> list[NameGroup]:
        return list(self._groups)

    def keys(self):
        """Every lookup key (norm_key of a member)."""
        return self._index.keys()

    def key_chars(self) -> frozenset:
        """Every character of a lookup key: a string holding another folds to no key."""
        chars = self.__dict__.get("_key_chars")
        if chars is None:
            chars = self.__dict__["_key_chars"] = frozenset("".join(self._index))
        return chars

    def stats(self) -> dict:
        return dict(self._stats)

    def mined_report(self) -> list[dict]:
        """Every mined pair with what became of it ('used' or 'refused: reason')."""
        return list(self.mined)


def _first_incompatible(mine: list[str], theirs: list[str]):
    """A pair (new name, name already in a touched group) that cannot name the same one.
    Names inside one record are not compared: a record is one source's own statement."""
    for a in dict.fromkeys(mine):
        for b in dict.fromkeys(theirs):
            if a != b and not latin_compatible(a, b):
                return a, b
    return None


def _shares_sound(zh: str, comp: _Comp) -> bool:
    """``zh`` shares at least half of its characters with a Chinese member of ``comp``."""
    a = set(c for c in simplify(zh) if HAN_RE.match(c))
    if len(a) < 2:
        return False
    for k in comp.keys:
        if "·" in k or not is_chinese(k) or k in comp.amb:
            continue
        b = set(c for c in k if HAN_RE.match(c))
        if len(b) >= 2 and len(a & b) * 2 >= min(len(a), len(b)) and len(a & b) >= 2:
            return True
    return False
