#!/usr/bin/env python3
"""Recall and precision of name expansion per kind, on held-out material.

usage: .venv/bin/python bench/names_eval.py [--max 300] [--seed 1]

Held-out set: lexicon groups whose id hashes to 0 mod 5 (sha1), about a fifth; the rules of
tools/make_lexicon.py and the thresholds in searcher/names were set looking at the other groups
only.  For each kind a synthetic corpus is made from held-out groups, one short article per
spelling (each spelling in its own article, with neutral filler), plus distractor articles of
other held-out entities.  A query is one spelling; the articles it must find are those of the
other spellings of the same entity; it matches a paragraph as the engine does, when the
paragraph (script-folded) contains the typed form or one of its expansions.
recall = expected articles found / expected; precision = found articles of the entity / found.

kinds:
  press      group members written differently after script folding (regional forms, press
             names such as 貝理雅, middle-dot full names) queried by each other member
  acronym    org groups with an acronym: the acronym finds the Chinese forms and back
  pinyin     toneless pinyin of a member (random case and spacing) finds the member's articles
  compound   two held-out people with one spelling per article: 甲乙會 written with the first
             character of one regional spelling, queried with another region's; must not find
             the compound of a different pair
  discovered the lexicon switched off: two members of one person that sound alike (the
             variants nobody wrote down), each in articles sharing context words; the
             distractors are other people's names in other contexts
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from searcher.names import Expander, MemoryCorpus, build_table  # noqa: E402
from searcher.names.keys import HAN_RE, is_acronym, is_chinese, norm_key, read_table  # noqa: E402
from searcher.names.keys import LEXICON_PATH  # noqa: E402
from searcher.names.pinyin import pinyin_key, sound_similarity  # noqa: E402
from searcher.normalize import simplify  # noqa: E402

FILLER = ["據報導，{}週二發表談話。", "消息人士指出，{}近日行程緊湊。", "{}的發言引起外界關注。"]
CONTEXT = ["能源", "選舉", "關稅", "疫苗", "足球", "電影", "鐵路", "半導體", "農業", "航運", "氣候", "銀行"]


def held_out(gid: str) -> bool:
    return int(hashlib.sha1(gid.encode()).hexdigest(), 16) % 5 == 0


def groups(kind=None):
    for row in read_table(LEXICON_PATH):
        if not held_out(row["id"]) or (kind and row["kind"] not in kind):
            continue
        zh = [x for x in row["zh"].split("|") if x]
        latin = [x for x in row["latin"].split("|") if x]
        people = [[f for f in p.split("|") if f] for p in row.get("people", "").split(";") if p]
        yield row, zh, latin, people


def distinct(forms):
    out, seen = [], set()
    for f in forms:
        k = norm_key(f)
        if k not in seen and all(HAN_RE.match(c) for c in k):
            seen.add(k)
            out.append(f)
    return out


def score(cases, paras, table, corpus=None, **kw):
    simp = {(a, n): simplify(t).lower() for a, n, *_, t in paras}
    tp = fn = fp = 0
    for q, expected, entity_articles in cases:
        e = Expander(table, corpus, **kw)
        spellings = [q] + e(q)
        keys = [simplify(s).lower() for s in spellings if s.strip()]
        found = {a for (a, n), s in simp.items() if any(k in s for k in keys)}
        tp += len(found & expected)
        fn += len(expected - found)
        fp += len(found - entity_articles)
    r = tp / max(1, tp + fn)
    p = tp / max(1, tp + fp) if tp + fp else 1.0
    return len(cases), r, p


def kind_press(rng, cap, table):
    paras, cases, ents = [], [], []
    for row, zh, latin, people in groups({"person", "place", "org"}):
        forms = distinct(zh + [f for p in people for f in p])
        if len(forms) >= 2:
            ents.append((row["id"], forms))
    rng.shuffle(ents)
    ents = ents[:cap]
    for gid, forms in ents:
        for i, f in enumerate(forms):
            paras.append((f"{gid}-{i}", 1, None, rng.choice(FILLER).format(f)))
    owner = {}
    for gid, forms in ents:
        arts = {f"{gid}-{i}" for i in range(len(forms))}
        for i, f in enumerate(forms):
            owner[(gid, i)] = arts
    for gid, forms in ents:
        arts = owner[(gid, 0)]
        for i, f in enumerate(forms):
            # the articles that must be found: those of the same person's other forms
            exp = {f"{gid}-{j}" for j, g in enumerate(forms) if j != i}
            cases.append((f, exp, arts | _containing(paras, f)))
    return score(cases, paras, table)


def _containing(paras, f):
    k = simplify(f).lower()
    return {a for a, n, d, t in paras if k in simplify(t).lower()}


def kind_acronym(rng, cap, table):
    paras, cases = [], []
    ents = []
    for row, zh, latin, people in groups({"org", "person", "place"}):
        acr = [x for x in latin if is_acronym(x)]
        forms = distinct(zh)
        if acr and forms:
            ents.append((row["id"], acr[0], forms))
    rng.shuffle(ents)
    ents = ents[:cap]
    for gid, acr, forms in ents:
        paras.append((f"{gid}-A", 1, None, rng.choice(FILLER).format(acr)))
        for i, f in enumerate(forms):
            paras.append((f"{gid}-{i}", 1, None, rng.choice(FILLER).format(f)))
    for gid, acr, forms in ents:
        arts = {f"{gid}-A"} | {f"{gid}-{i}" for i in range(len(forms))}
        cases.append((acr, arts - {f"{gid}-A"}, arts | _containing(paras, acr)))
        cases.append((forms[0], {f"{gid}-A"}, arts | _containing(paras, forms[0])))
    return score(cases, paras, table)


def kind_pinyin(rng, cap, table):
    paras, cases, ents = [], [], []
    for row, zh, latin, people in groups({"person", "place"}):
        forms = distinct(zh)
        if forms and pinyin_key(forms[0]):
            ents.append((row["id"], forms))
    rng.shuffle(ents)
    ents = ents[:cap]
    for gid, forms in ents:
        for i, f in enumerate(forms):
            paras.append((f"{gid}-{i}", 1, None, rng.choice(FILLER).format(f)))
    corpus = MemoryCorpus(paras)
    for gid, forms in ents:
        from pypinyin import lazy_pinyin

        syl = lazy_pinyin(simplify(forms[0]))
        typed = (" " if rng.random() < 0.5 else "").join(syl)
        typed = typed.upper() if rng.random() < 0.2 else (typed.title() if rng.random() < 0.3 else typed)
        arts = {f"{gid}-{i}" for i in range(len(forms))}
        same_sound = set()
        for w, _ in corpus.words_for_pinyin(pinyin_key(forms[0])):  # homophones are not errors
            same_sound |= _containing(paras, w)
        cases.append((typed, arts, arts | same_sound))
    return score(cases, paras, table, corpus)


def kind_compound(rng, cap, table):
    people = []
    for row, zh, latin, ppl in groups({"person"}):
        forms = distinct(zh)
        firsts = {simplify(f)[0] for f in forms}
        if len(forms) >= 2 and len(firsts) >= 2 and row.get("note") == "" and len(forms[0]) >= 2:
            people.append(forms)
    rng.shuffle(people)
    people = people[: 2 * cap]
    paras, cases = [], []
    pairs = [(people[i], people[i + 1]) for i in range(0, len(people) - 1, 2)]
    for k, (a, b) in enumerate(pairs):
        c1 = a[0][0] + b[0][0] + "會"
        c2 = b[1][0] + a[1][0] + "會"
        paras.append((f"P{k}-a", 1, None, f"{a[0]}與{b[0]}舉行會談，外界稱為{c1}。"))
        paras.append((f"P{k}-b", 1, None, f"{b[1]}和{a[1]}見面，媒體稱之為{c2}。"))
    corpus = MemoryCorpus(paras)
    for k, (a, b) in enumerate(pairs):
        c2 = b[1][0] + a[1][0] + "會"
        cases.append((c2, {f"P{k}-a"}, {f"P{k}-a", f"P{k}-b"}))
    return score(cases, paras, table, corpus)


def kind_discovered(rng, cap, _table):
    table = build_table([], lexicon_path="", opencc=False, shipped_curated=False)
    ents = []
    for row, zh, latin, people in groups({"person"}):
        forms = distinct(zh)
        for i in range(len(forms)):
            for j in range(i + 1, len(forms)):
                a, b = forms[i], forms[j]
                if len(a) == len(b) and set(simplify(a)) & set(simplify(b)) and sound_similarity(a, b) >= 0.75:
                    ents.append((row["id"], a, b))
                    break
            else:
                continue
            break
    rng.shuffle(ents)
    ents = ents[:cap]
    paras = []
    for gid, a, b in ents:
        ctx = rng.sample(CONTEXT, 3)
        paras.append((f"{gid}-a", 1, "2025-01-01", f"{a}談到{ctx[0]}與{ctx[1]}政策，並提及{ctx[2]}。"))
        paras.append((f"{gid}-b", 1, "2025-01-01", f"{b}就{ctx[0]}和{ctx[1]}發表看法，也談{ctx[2]}。"))
    corpus = MemoryCorpus(paras)
    cases = [(a, {f"{gid}-b"}, {f"{gid}-a", f"{gid}-b"}) for gid, a, b in ents]
    return score(cases, paras, table, corpus)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max", type=int, default=300, help="entities per kind")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    table = build_table([])
    print(f"{'kind':<11} {'queries':>7} {'recall':>7} {'precision':>9}  seconds")
    for name, fn in [("press", kind_press), ("acronym", kind_acronym), ("pinyin", kind_pinyin),
                     ("compound", kind_compound), ("discovered", kind_discovered)]:
        t = time.time()
        n, r, p = fn(random.Random(args.seed), args.max, table)
        print(f"{name:<11} {n:>7} {r:>7.3f} {p:>9.3f}  {time.time() - t:.1f}")


if __name__ == "__main__":
    main()
