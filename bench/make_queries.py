"""Generate bench/queries.txt, the fixed query mix of bench/run.py (run once; the output is committed).

    python bench/make_queries.py [--seed 7] [--from-paragraphs 10000] [--out bench/queries.txt]

Words and phrases are sampled from the first ``--from-paragraphs`` paragraphs of
tw_laws (the benchmark's slices are prefixes of the corpus, so nearly every query
has hits at every size).  Words are what plain ``jieba.posseg`` (no HMM) finds in
the paragraph converted character for character to Simplified Chinese (jieba's
dictionary is Simplified; on Traditional text it mostly emits junk pairs such as
其擔), kept only when they are dictionary words of 2-6 Han characters, and written
back in the paragraph's own Traditional characters.  The mix, one query a line as ``kind<TAB>op<TAB>query``:

    word      60  one word: 40 of mid document frequency (5-500), 20 frequent (> 500)
    and       50  two words taken from the same paragraph, space separated (AND)
    phrase    40  a quoted run of 4-8 Han characters of a paragraph ("…" or 「…」)
    name      36  names and their variants in other scripts (美國 / 美国, 臺灣 / 台灣 / 台湾 …),
                  a few as ``A OR B``
    question  40  op=or: 20 real DRCD dev questions (Wikipedia topics) and 20 questions
                  in the same shape about the laws (templates filled with sampled words)
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import random
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
LAWS = os.path.join(ROOT, "..", "shared", "bench", "tw_laws.jsonl.gz")
DRCD_QUERIES = os.path.join(ROOT, "..", "shared", "eval", "drcd", "queries_dev.jsonl")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,6}")

NAMES = [
    "美國", "美国", "日本", "聯合國", "联合国", "世界衛生組織", "世界卫生组织", "臺灣", "台灣", "台湾",
    "中華民國", "中华民国", "大陸地區", "大陆地区", "香港", "澳門", "澳门", "行政院", "立法院", "司法院",
    "考試院", "監察院", "總統", "总统", "中央銀行", "中央银行", "國防部", "外交部", "經濟部", "财政部",
    "世界貿易組織", "歐洲聯盟", "臺灣 OR 台灣", "美國 OR 美利堅", "澎湖 OR 金門 OR 馬祖", "國際刑警組織",
]

LAW_QUESTIONS = [  # n1, n2: nouns of one paragraph; v: a verb of it; title: a law's title
    "{title}規定{n1}應向哪一個機關申請？",
    "依據{title}，{n1}的主管機關是什麼？",
    "{n1}在什麼情況下可以{v}？",
    "違反{title}有關{n1}的規定會被處以多少罰鍰？",
    "{title}是在哪一年公布施行的？",
    "{n1}與{n2}有什麼不同？",
    "誰負責{n1}的{n2}？",
    "{title}中所稱{n1}是指什麼？",
    "{n1}應於幾日內{v}？",
    "哪些人可以申請{n1}？",
]


def words(text):
    """[(word in the original characters, POS flag)]: dictionary words of 2-6 Han characters."""
    import jieba
    import jieba.posseg as pseg

    from searcher.normalize import simplify  # character for character: offsets are the original's

    out, i = [], 0
    for pair in pseg.cut(simplify(text), HMM=False):
        w = pair.word
        if WORD.fullmatch(w) and jieba.dt.FREQ.get(w, 0) > 0:
            out.append((text[i:i + len(w)], pair.flag))
        i += len(w)
    return out


def read_prefix(path, n):
    """[(law title, paragraph)] of the first n paragraphs."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            law = json.loads(line)
            for p in law["paragraphs"]:
                out.append((law["title"], p))
                if len(out) >= n:
                    return out
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--from-paragraphs", type=int, default=10000)
    ap.add_argument("--out", default=os.path.join(HERE, "queries.txt"))
    args = ap.parse_args()

    import jieba

    jieba.setLogLevel(logging.WARNING)
    rng = random.Random(args.seed)
    paras = read_prefix(LAWS, args.from_paragraphs)
    tagged = [words(p) for _, p in paras]
    words_of = [[w for w, _ in ws] for ws in tagged]
    df = Counter()
    for ws in words_of:
        df.update(set(ws))
    mid = sorted(w for w, c in df.items() if 5 <= c <= 500)
    high = sorted(w for w, c in df.items() if c > 500)
    rows = []

    for w in rng.sample(mid, 40) + rng.sample(high, 20):
        rows.append(("word", "and", w))

    seen = set()
    while sum(1 for r in rows if r[0] == "and") < 50:
        ws = sorted(set(words_of[rng.randrange(len(paras))]))
        if len(ws) < 2:
            continue
        a, b = rng.sample(ws, 2)
        if (a, b) in seen or a in b or b in a:
            continue
        seen.add((a, b))
        rows.append(("and", "and", f"{a} {b}"))

    while sum(1 for r in rows if r[0] == "phrase") < 40:
        runs = [r for r in HAN.findall(paras[rng.randrange(len(paras))][1]) if len(r) >= 4]
        if not runs:
            continue
        run = rng.choice(runs)
        k = rng.randint(4, min(8, len(run)))
        i = rng.randint(0, len(run) - k)
        q = f"「{run[i:i + k]}」" if rng.random() < 0.25 else f'"{run[i:i + k]}"'
        rows.append(("phrase", "and", q))

    for name in NAMES:
        rows.append(("name", "and", name))

    with open(DRCD_QUERIES, encoding="utf-8") as f:
        drcd = [json.loads(line)["text"].strip() for line in f if line.strip()]
    for q in rng.sample(sorted(set(drcd)), 20):
        rows.append(("question", "or", q))
    titles = sorted({t for t, _ in paras})
    for k in range(20):
        template = LAW_QUESTIONS[k % len(LAW_QUESTIONS)]
        while True:
            ws = tagged[rng.randrange(len(paras))]
            nouns = sorted({w for w, f in ws if f.startswith("n") or f == "vn"})
            verbs = sorted({w for w, f in ws if f == "v"})
            if len(nouns) >= 2 and verbs:
                break
        n1, n2 = rng.sample(nouns, 2)
        q = template.format(title=rng.choice(titles), n1=n1, n2=n2, v=rng.choice(verbs))
        rows.append(("question", "or", q))

    with open(args.out, "w", encoding="utf-8") as f:
        f.write(f"# The fixed query mix of bench/run.py: kind<TAB>op<TAB>query, {len(rows)} queries.\n")
        f.write(f"# Generated by bench/make_queries.py --seed {args.seed} --from-paragraphs {args.from_paragraphs};"
                " do not edit by hand.\n")
        for kind, op, q in rows:
            assert "\t" not in q and "\n" not in q
            f.write(f"{kind}\t{op}\t{q}\n")
    print(f"{len(rows)} queries -> {args.out}")


if __name__ == "__main__":
    main()
