#!/usr/bin/env python3
"""Derive searcher/data/lexicon.tsv from Chinese Wikipedia's CGroup tables.

usage (from the project root):
    python tools/make_lexicon.py [--source ../shared/data/variants/cgroups_flat.tsv]
                                 [--out searcher/data/lexicon.tsv] [--report]

Input: cgroups_flat.tsv (group, category, original, zh_cn, zh_tw, zh_hk, raw rule),
CC BY-SA 4.0, "Chinese Wikipedia CGroup contributors" (see ../shared/data/variants/SOURCE.txt).
Output: one variant group per line (see the header written into the file).

What is shipped, and why (every rule is about not hurting search):
  * kinds: people, places (the ``place`` category and every ``* Places`` group),
    organisations (``Organization``, ``EU``) and a few term groups whose regional
    vocabulary news uses (``Aero``, ``Military``, ``IT``, ``Economics``, ``Transport``,
    ``Telcom``, ``Communication``).  Films, TV, games, birds, anime... are not news names and
    their titles are often ordinary phrases.
  * every Chinese form has >= 2 Han characters (a 1-character form is never a member);
  * names: no form is a common word - a jieba dictionary entry tagged as a non-name
    (not nr/ns/nt/nz...) with frequency >= COMMON_FREQ; a Latin original must look like a name
    (first token capitalised), else the row is a term, not a name;
  * terms: forms other than the mainland one must not be a mainland word of their own
    (jieba frequency of the simplified form < TERM_FREQ), so 支援/專案 style false friends stay out;
  * person rows whose Chinese has fewer '·' parts than the Latin original has words are partial
    names (a given name alone: 唐納 for Donald Tusk); they are dropped unless every region writes
    the same characters (then the row only adds the romanisation);
  * from full names (k parts = k Latin words) the surname is derived as its own row
    (弗拉迪米爾·普丁 -> 普丁, Pútin, Vladímir -> Putin), because the press writes surnames alone;
  * rows for the same entity (same Latin original, same mainland form; or the same forms) are
    merged; surnames derived from different people merge only when their forms are the same
    (every Bush is 布什/布希/布殊; the Harrises are not written alike, so no Harris group);
  * a Chinese form claimed by two entities is ambiguous: the entity backed by more rows keeps it
    when it has at least twice the support, otherwise every claimant is dropped
    (川普 is Trump in 3 rows and Judd Trump's Taiwan form in 1: the snooker row goes);
  * a group must add something after simplify(): >= 2 distinct forms, or one form + a Latin original;
  * full names are shipped inside their surname's group when that group survived, so
    "Joe Biden" finds 拜登.
"""
from __future__ import annotations

import argparse
import collections
import csv
import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from searcher.normalize import simplify  # noqa: E402
from searcher.names.keys import (  # noqa: E402
    HAN_RE,
    NAME_TAGS,
    han_len,
    is_acronym,
    is_nickname_form,
    jieba_dict,
    looks_like_name_latin,
    norm_key,
)
from searcher.names.translit import has_common_word  # noqa: E402

COMMON_FREQ = 20  # a non-name jieba word at least this frequent is a common word
TERM_FREQ = 200  # a non-mainland term form this frequent in jieba is a mainland word of its own

TERM_GROUPS = {"Aero", "Military", "IT", "Economics", "Transport", "Telcom", "Communication"}
ORG_GROUPS = {"Organization", "EU"}

HEADER = """\
# Variant lexicon of the searcher: regional forms (zh-cn / zh-tw / zh-hk) and Latin originals
# of person, place and organisation names and of some regional terms.
#
# Derived from the CGroup conversion tables of Chinese Wikipedia ("Module:CGroup/*",
# "Template:CGroup/*"), as collected in github.com/Gowee/zhconv-rs, data/cgroups/,
# commit b13469d7c247c5ef87a83bcdf1d7d892f09e66da.
# Credit: Chinese Wikipedia CGroup contributors.
# License: Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0),
#   https://creativecommons.org/licenses/by-sa/4.0/ - this file is a derived work and is
#   distributed under the same license (the rest of the product is not affected).
# Changes: rows filtered, cleaned, merged and surnames derived by tools/make_lexicon.py
#   (run it to regenerate; its docstring explains every rule).
#
# Format: tab-separated, one group per line, '#' starts a comment line.
#   id        stable within one generation (L + number)
#   kind      person | place | org | term
#   cgroups   upstream CGroup names the rows came from ('|'-separated)
#   latin     Latin originals ('|'-separated, may be empty)
#   zh        Chinese forms as written upstream ('|'-separated; any script)
#   note      'surname' when the group was derived from full names
#   people    the people of a surname group: for each (';'-separated) the forms of that one
#             person ('|'-separated): full names in every region and press names (貝理雅)
#   amb       forms this group shares with another entity ('|'-separated): searched for this
#             group only when the corpus says the form means it
"""


def clean_original(raw: str, kind: str) -> list[str]:
    """Latin originals of a row: wiki markup removed, non-Latin alternatives dropped,
    'Surname, Given' turned round for people, ', Qualifier' dropped for places."""
    s = raw.strip()
    if not s:
        return []
    s = re.sub(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]", r"\1", s)
    s = s.replace("[[", "").replace("]]", "")
    out = []
    for alt in re.split(r"\s*[;/]\s*", s):
        alt = alt.strip()
        if not alt:
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", alt) if not unicodedata.combining(c))
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9 .,'’&\-]*", plain):
            continue  # Cyrillic, Japanese, with brackets...
        if "," in alt:
            parts = [p.strip() for p in alt.split(",")]
            if kind == "person" and len(parts) == 2 and all(parts):
                alt = f"{parts[1]} {parts[0]}"
            else:
                alt = parts[0]
        alt = re.sub(r"\s+", " ", alt).strip(" .")
        if alt:
            out.append(alt)
    return out


def kind_of(group: str, category: str) -> str | None:
    if category == "person":
        return "person"
    if category == "place" or group.endswith(" Places"):
        return "place"
    if group in ORG_GROUPS:
        return "org"
    if group in TERM_GROUPS:
        return "term"
    return None


def split_parts(form: str) -> list[str]:
    return [p for p in re.split(r"[·‧・•]", form) if p]


class Row:
    __slots__ = ("group", "kind", "latin", "forms", "cn", "derived", "full")

    def __init__(self, group, kind, latin, forms, cn, derived=False):
        self.group = group
        self.kind = kind
        self.latin = latin  # list of str
        self.forms = forms  # list of str as written (order cn, tw, hk)
        self.cn = cn  # normalised mainland form or None
        self.derived = derived
        self.full = []  # full-name forms folded in later


def read_rows(path: str, stats: collections.Counter) -> list[Row]:
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for rec in reader:
            if len(rec) < 6:
                continue
            group, category, original, cn, tw, hk = (x.strip() for x in rec[:6])
            stats["rows read"] += 1
            kind = kind_of(group, category)
            if kind is None:
                stats["rows of other kinds (films, games, birds...)"] += 1
                continue
            latin = clean_original(original, kind)
            forms = []
            for form in (cn, tw, hk):
                form = form.strip().strip("·‧・•").strip()
                if not form:
                    continue
                if re.fullmatch(r"[A-Za-z][A-Za-z .'\-]*", form):
                    latin.append(form)  # e.g. the HK form is the English name
                    continue
                forms.append(form)
            if not forms:
                stats["rows without a Chinese form"] += 1
                continue
            rows.append(Row(group, kind, latin, forms, norm_key(cn) if cn.strip() else None))
    return rows


def form_ok(form: str, kind: str, D, stats) -> bool:
    parts = split_parts(form)
    if not HAN_RE.search(form):
        return False
    if re.search(r"[^\u3007\u3400-\u9fff\uf900-\ufaffA-Za-z·‧・•\-]", form):
        stats["drop: form has punctuation/digits/spaces"] += 1
        return False
    if is_nickname_form(form):
        return True  # C羅 / C朗: a Latin initial and a syllable, the press's short form of a star
    if han_len(form) < 2 or any(han_len(p) == 1 and not re.search("[A-Za-z]", p) for p in parts[-1:]):
        stats["drop: 1-character form or surname"] += 1
        return False
    return True


def is_common(s: str, D) -> tuple[int, str] | None:
    e = D.get(simplify(s))
    if e and e[1] not in NAME_TAGS:
        return e
    return None


def name_parts(rows: list[Row]) -> tuple[set, set]:
    """(given names, surnames): first and last parts of every dotted full name of the tables."""
    first, last = set(), set()
    for r in rows:
        if r.kind != "person":
            continue
        for f in r.forms:
            parts = split_parts(f)
            if len(parts) >= 2:
                first.add(norm_key(parts[0]))
                last.add(norm_key(parts[-1]))
    return first, last


def filter_rows(rows: list[Row], stats) -> list[Row]:
    D = jieba_dict()
    given, surnames = name_parts(rows)
    kept = []
    for r in rows:
        if not all(form_ok(f, r.kind, D, stats) for f in r.forms):
            continue
        if r.kind in ("person", "place", "org"):
            # an organisation's short form is an abbreviation (jieba tag j: 東盟, 歐盟), not a common word
            bad = [f for f in r.forms if (is_common(f, D) or (0, ""))[0] >= COMMON_FREQ
                   and not (r.kind == "org" and is_common(f, D)[1] == "j")]
            if bad:
                stats["drop: a form is a common word"] += 1
                continue
            if r.kind in ("person", "place") and r.latin and not any(looks_like_name_latin(x) for x in r.latin):
                stats["drop: Latin original is not a name (a term in a name group)"] += 1
                continue
        else:  # term
            other = [f for f in r.forms if norm_key(f) != r.cn]
            if any((D.get(simplify(f)) or (0, ""))[0] >= TERM_FREQ for f in other):
                stats["drop: term form is also a mainland word"] += 1
                continue
        if r.kind == "person":
            nparts = max(len(split_parts(f)) for f in r.forms)
            words = [len(x.split()) for x in r.latin]
            keys = {norm_key(f) for f in r.forms}
            if nparts == 1 and words and min(words) > 1 and len(keys) > 1:
                # one-part forms of a full Latin name: the press's surname or press name of that
                # person (杰弗里斯 / 傑福瑞斯 for Hakeem Jeffries) - unless a form is a given name
                # elsewhere (唐納 for Donald Tusk), or the row is a translated term (第三輪)
                if all(is_nickname_form(f) for f in r.forms):
                    pass
                elif any(norm_key(f) in given and norm_key(f) not in surnames for f in r.forms):
                    stats["drop: partial name that is a given name (唐納 of Donald ...)"] += 1
                    continue
                elif any(has_common_word(f) for f in r.forms if not is_nickname_form(f)):
                    r.kind = "term"
                    other = [f for f in r.forms if norm_key(f) != r.cn]
                    if any((D.get(simplify(f)) or (0, ""))[0] >= TERM_FREQ for f in other):
                        stats["drop: term form is also a mainland word"] += 1
                        continue
                    stats["partial-name rows kept as terms (translated, not transliterated)"] += 1
                else:
                    stats["partial-name rows kept as the person's surname or press name"] += 1
        kept.append(r)
    return kept


def derive_surnames(rows: list[Row], stats) -> list[Row]:
    out = []
    for r in rows:
        if r.kind != "person":
            continue
        # dotted full names give the surname; one-part forms beside them are press names of the
        # person (貝理雅 beside 托尼·布莱尔 / 東尼·布萊爾), kept with the person, not the surname
        parts = [split_parts(f) for f in r.forms]
        dotted = [p for p in parts if len(p) >= 2]
        if not dotted or len({len(p) for p in dotted}) != 1:
            continue
        latin = [x for x in r.latin if len(x.replace(".", " ").split()) >= 2]
        if not latin:
            continue
        last = list(dict.fromkeys(p[-1] for p in dotted))
        if any(han_len(x) < 2 or not all(HAN_RE.match(c) for c in x) for x in last):
            continue
        sur = [re.split(r"\s+", x.strip())[-1] for x in latin]
        sur = [s for s in sur if looks_like_name_latin(s) and len(s) >= 3]
        d = Row(r.group, "person", sorted(set(sur)), last, norm_key(last[0]) if r.cn else None, derived=True)
        d.full = [list(r.forms) + latin]  # the person, folded into the surname group if it survives
        out.append(d)
        stats["surname rows derived from full names"] += 1
    return out


def lat_key(s: str) -> str:
    return norm_key(s).replace(".", "").replace(" ", "")


def merge_entities(rows: list[Row], stats) -> list[dict]:
    """Rows of one entity (same Latin original and same mainland form, or same form set) merge;
    a form claimed by two entities goes to the one with >= 2x the support, else to none."""
    ents: dict[tuple, dict] = {}
    for r in rows:
        keys = frozenset(norm_key(f) for f in r.forms)
        lat = frozenset(lat_key(x) for x in r.latin)
        acr = sorted(lat_key(x) for x in r.latin if is_acronym(x))
        if r.kind == "org" and acr:
            ident = ("A", acr[0])  # full and short forms of one organisation: 東南亞國家協會 / 東協 (ASEAN)
        elif r.cn and lat and not r.derived:
            ident = ("L", min(lat), r.cn)
        else:
            ident = ("F", keys)
        e = ents.setdefault(ident, {"rows": [], "keys": set(), "forms": [], "latin": [], "kind": r.kind,
                                    "groups": [], "derived": True, "full": [], "amb": set()})
        e["rows"].append(r)
        e["keys"] |= keys
        for f in r.forms:
            if f not in e["forms"]:
                e["forms"].append(f)
        for x in r.latin:
            if x not in e["latin"]:
                e["latin"].append(x)
        if r.group not in e["groups"]:
            e["groups"].append(r.group)
        e["derived"] = e["derived"] and r.derived
        if not r.derived and e["kind"] != r.kind:
            e["kind"] = r.kind
        for f in r.full:
            if f not in e["full"]:
                e["full"].append(f)
    ents = list(ents.values())
    # the same set of forms under differently spelt originals (Zelensky / Zelenskyy): one entity
    by_set: dict[frozenset, dict] = {}
    for e in ents:
        ks = frozenset(e["keys"])
        if ks in by_set:
            t = by_set[ks]
            t["rows"] += e["rows"]
            t["forms"] += [f for f in e["forms"] if f not in t["forms"]]
            t["latin"] += [x for x in e["latin"] if x not in t["latin"]]
            t["groups"] += [g for g in e["groups"] if g not in t["groups"]]
            t["full"] += [f for f in e["full"] if f not in t["full"]]
            t["amb"] |= e["amb"]
            t["derived"] = t["derived"] and e["derived"]
            if not e["derived"]:
                t["kind"] = e["kind"] if t["derived"] else t["kind"]
        else:
            by_set[ks] = e
    ents = list(by_set.values())

    def support(e):
        return sum(1.0 if not r.derived else 0.5 for r in e["rows"])

    def resolve(key_of, on_conflict):
        idx = collections.defaultdict(list)
        for i, e in enumerate(ents):
            for k in key_of(e):
                idx[k].append(i)
        for k, ids in sorted(idx.items()):
            ids = [i for i in ids if i not in dropped]
            if len(ids) < 2:
                continue
            ranked = sorted(((support(ents[i]), i) for i in ids), reverse=True)
            if ranked[0][0] >= 2 * ranked[1][0]:
                losers = [i for _, i in ranked[1:]]
            else:
                losers = ids
            for i in losers:
                on_conflict(i, k, winner=None if losers == ids else ranked[0][1])

    dropped: set[int] = set()

    def drop(i, k, winner):
        e = ents[i]
        if winner is not None:
            w = ents[winner]
            lat_e = {lat_key(x) for x in e["latin"]}
            if e["keys"] <= w["keys"] and (not lat_e or lat_e & {lat_key(x) for x in w["latin"]}):
                # the same name with fewer spellings (a surname derived from a full name): fold it in
                dropped.add(i)
                w["full"] += [f for f in e["full"] if f not in w["full"]]
                w["groups"] += [g for g in e["groups"] if g not in w["groups"]]
                stats["entities folded into a better-supported one with the same forms"] += 1
                return
            # the loser keeps its other forms
            e["forms"] = [f for f in e["forms"] if norm_key(f) != k]
            e["keys"].discard(k)
            stats["form given to the better-supported of two entities (the other keeps the rest)"] += 1
            return
        # no clear owner: every claimant keeps the form as ambiguous (the corpus decides at query time)
        e["amb"].add(k)
        stats["form kept as ambiguous in each claimant"] += 1

    resolve(lambda e: e["keys"], drop)

    def unlatin(i, k, winner):
        e = ents[i]
        e["latin"] = [x for x in e["latin"] if lat_key(x) != k]
        stats["Latin original removed: shared by several entities"] += 1

    resolve(lambda e: {lat_key(x) for x in e["latin"]}, unlatin)
    return [e for i, e in enumerate(ents) if i not in dropped]


def finish(ents: list[dict], stats) -> list[dict]:
    out = []
    taken_full = set()
    for e in ents:
        keys = {norm_key(f) for f in e["forms"]}
        real = keys - e["amb"]
        if (len(keys) < 2 and not e["latin"]) or not real:
            stats["drop: forms equal after simplify() and no Latin original"] += 1
            continue
        if len(real) < 2 and not e["latin"] and not e["full"]:
            stats["drop: one form left besides ambiguous ones"] += 1
            continue
        lat = {lat_key(x) for x in e["latin"]}
        people = []
        for person in e["full"]:
            forms = [f for f in person if norm_key(f) not in keys and lat_key(f) not in lat]
            if forms and forms not in people:
                people.append(forms)
        e["people"] = people
        taken_full |= {norm_key(f) for p in people for f in p if HAN_RE.search(f)}
        out.append(e)
    # a full-name entity already folded into its surname group is not shipped twice
    final = []
    for e in out:
        if not e["derived"] and e["kind"] == "person" and {norm_key(f) for f in e["forms"]} <= taken_full:
            stats["full-name groups folded into their surname group"] += 1
            continue
        final.append(e)
    return final


def build(source: str, stats) -> list[dict]:
    rows = read_rows(source, stats)
    rows = filter_rows(rows, stats)
    rows += derive_surnames(rows, stats)
    ents = merge_entities(rows, stats)
    return finish(ents, stats)


def write(ents: list[dict], out: str) -> None:
    ents = sorted(ents, key=lambda e: ({"person": 0, "place": 1, "org": 2, "term": 3}[e["kind"]],
                                       norm_key(e["forms"][0])))
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER)
        f.write("id\tkind\tcgroups\tlatin\tzh\tnote\tpeople\tamb\n")
        for i, e in enumerate(ents, 1):
            amb = [f for f in e["forms"] if norm_key(f) in e.get("amb", set())]
            forms = [f for f in e["forms"] if norm_key(f) not in e.get("amb", set())]
            note = "surname" if e["derived"] else ""
            people = ";".join("|".join(p) for p in e["people"])
            f.write("\t".join([f"L{i}", e["kind"], "|".join(e["groups"]), "|".join(e["latin"]),
                               "|".join(forms), note, people, "|".join(amb)]) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", default=os.path.join(os.path.dirname(ROOT), "shared", "data", "variants",
                                                     "cgroups_flat.tsv"))
    ap.add_argument("--out", default=os.path.join(ROOT, "searcher", "data", "lexicon.tsv"))
    ap.add_argument("--report", action="store_true", help="print what was kept and dropped")
    ap.add_argument("--measure", action="store_true",
                    help="also measure jieba segmentation F1 with the shipped forms registered")
    args = ap.parse_args(argv)
    stats: collections.Counter = collections.Counter()
    ents = build(args.source, stats)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    write(ents, args.out)
    kinds = collections.Counter(e["kind"] for e in ents)
    stats.update({f"groups shipped: {k}": v for k, v in kinds.items()})
    stats["groups shipped"] = len(ents)
    if args.report:
        for k, v in sorted(stats.items()):
            print(f"{v:7d}  {k}")
    else:
        print(f"{len(ents)} groups -> {args.out}")
    if args.measure:
        measure(args.out)
    return 0



# -- measurement ---------------------------------------------------------------------------


def segmentation_f1(words_to_register: list[str], seg_dir: str) -> dict:
    """jieba word P/R/F1 on UD Chinese-GSD dev (input simplify()'d, scored on character spans)
    with a private tokenizer, after add_word() of the given (simplified) words."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    for w in words_to_register:
        tk.add_word(w)
    inp = open(os.path.join(seg_dir, "dev_input.utf8"), encoding="utf-8").read().splitlines()
    gold = open(os.path.join(seg_dir, "dev_gold_seg.utf8"), encoding="utf-8").read().splitlines()
    tp = np_ = ng = 0
    for sent, g in zip(inp, gold):
        def spans(ws):
            out, p = set(), 0
            for w in ws:
                out.add((p, p + len(w)))
                p += len(w)
            return out
        gs = spans(g.split())
        ps = spans([w for w in tk.cut(simplify(sent), HMM=True) if w])
        tp += len(gs & ps)
        np_ += len(ps)
        ng += len(gs)
    p, r = tp / np_, tp / ng
    return {"P": round(p, 4), "R": round(r, 4), "F1": round(2 * p * r / (p + r), 4), "registered": len(words_to_register)}


def measure(lexicon_path: str) -> None:
    from searcher.names import base_segmenter_words, build_table
    from searcher.names.sources import opencc_records, read_lexicon

    seg_dir = os.path.join(os.path.dirname(ROOT), "shared", "eval", "segmentation")
    by_kind = collections.defaultdict(set)
    for rec in read_lexicon(lexicon_path):
        for m in rec.members:
            s = simplify(m)
            if len(s) >= 2 and all(HAN_RE.match(c) for c in s):
                by_kind[rec.prov["kind"]].add(s)
    occ = set()
    for rec in opencc_records():
        occ |= {simplify(m) for m in rec.members}
    print("segmentation F1 (UD Chinese-GSD dev, 500 sentences):")
    print("  jieba alone            ", segmentation_f1([], seg_dir))
    for kind in sorted(by_kind):
        print(f"  + lexicon {kind:12s} ", segmentation_f1(sorted(by_kind[kind]), seg_dir))
    everything = sorted(set().union(*by_kind.values()))
    print("  + whole lexicon        ", segmentation_f1(everything, seg_dir))
    print("  + OpenCC TW vocabulary ", segmentation_f1(sorted(occ), seg_dir))
    t = build_table([], lexicon_path=lexicon_path)
    print("  + base_segmenter_words  ", segmentation_f1(base_segmenter_words(), seg_dir))
    print("table stats:", t.stats())


if __name__ == "__main__":
    sys.exit(main())
