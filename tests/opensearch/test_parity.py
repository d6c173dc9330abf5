"""Parity: the same searches on the embedded engine and on the cluster give the same articles,
passages, facets and spellings (the report is printed at the end of the test run), literal
recall is 100% with full precision, Simplified finds Traditional, phrases are exact."""
from __future__ import annotations

import random

import pytest

from searcher.engine import open_engine
from searcher.export import rows as export_rows
from searcher.ingest import IngestReport, read_sources
from searcher.normalize import simplify
from searcher.search import SearchParams, matching_paragraphs, search
from tests.conftest import SEEDS, make_outlet_corpus
from tests.opensearch import parity


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("parity")
    paras = [(a.id, n, t) for a in read_sources([SEEDS], IngestReport()) for n, t in enumerate(a.paragraphs, 1)]
    make_outlet_corpus(str(d / "news.jsonl"), paras)
    return d, [SEEDS, str(d / "news.jsonl"), parity.SAMPLE]


@pytest.fixture(scope="module")
def engines(corpus, make_os_engine):
    d, sources = corpus
    emb = open_engine(str(d / "index"))
    emb.build(sources, progress=False)
    clu = make_os_engine("parity")
    clu.build(sources, progress=False)
    return emb.reader(), clu.reader()


def test_the_query_mix_answers_the_same_on_both_engines(engines):
    a, b = engines
    mix = parity.queries()
    assert len(mix) >= 100
    rows = [parity.compare(a, b, q, kw) for q, kw in mix]
    parity.REPORTS.append(parity.report(rows))
    for r in rows:
        assert r["same_total"] and r["same_facets"] and r["same_variants"], (r["query"], parity.first_difference(r))
        assert r["identical"], (r["query"], r["params"], parity.first_difference(r))


def test_every_repeat_group_and_name_group_is_the_same(engines):
    a, b = engines
    ga, gb = [g.to_json() for g in a.repeats.all_groups()], [g.to_json() for g in b.repeats.all_groups()]
    assert ga == gb and {g["kind"] for g in ga} >= {"exact", "near", "boilerplate"}
    assert sorted(sorted(g.members) for g in a.names.groups()) == sorted(sorted(g.members) for g in b.names.groups())
    assert a.stats()["paragraphs"] == b.stats()["paragraphs"] and a.stats()["articles"] == b.stats()["articles"]


@pytest.mark.parametrize("q,kw", [("峰會", {}), ("主管機關", {"sort": "date"}), ("普京 OR 川普", {"sources": ["明報"]}),
                                  ("本所掌理哪些事項", {"op": "or"})])
def test_exports_are_the_same(engines, q, kw):
    a, b = engines
    assert export_rows(a, SearchParams(q=q, **kw)) == export_rows(b, SearchParams(q=q, **kw))


def _substrings(paragraphs, k: int, seed: int = 11):
    rng = random.Random(seed)
    han = [t for _, _, t in paragraphs if sum("\u4e00" <= c <= "\u9fff" for c in t) >= 12]
    out = []
    while len(out) < k:
        t = rng.choice(han)
        i = rng.randrange(len(t))
        run = ""
        for c in t[i:]:
            if not "\u4e00" <= c <= "\u9fff":
                break
            run += c
        if len(run) >= 2:
            out.append(run[: rng.randint(2, min(10, len(run)))])
    return out


def test_literal_recall_is_complete_and_precise(engines, corpus):
    _, sources = corpus
    paragraphs = [(a.id, n, t) for a in read_sources(sources, IngestReport()) for n, t in enumerate(a.paragraphs, 1)]
    norm = [(aid, n, simplify(t)) for aid, n, t in paragraphs]
    _, b = engines
    found = returned = 0
    subs = _substrings(paragraphs, 200)
    for s in subs:
        got = matching_paragraphs(b, s)
        want = {(aid, n) for aid, n, t in norm if simplify(s) in t}
        assert want <= got, s  # recall: every paragraph holding it
        assert got <= want, s  # precision: only those
        found += len(want)
        returned += len(got)
    parity.REPORTS.append(f"literal recall on the cluster: {len(subs)} substrings, recall 1.0000, precision 1.0000 "
                          f"({returned} paragraphs returned)")


@pytest.mark.parametrize("simplified,traditional", [("乌克兰", "烏克蘭"), ("规定", "規定"), ("主管机关", "主管機關"),
                                                    ("阿拉斯加峰会", "阿拉斯加峰會")])
def test_simplified_finds_traditional(engines, simplified, traditional):
    _, b = engines
    x, y = search(b, SearchParams(q=simplified)).to_json(), search(b, SearchParams(q=traditional)).to_json()
    assert x["total"] == y["total"] > 0
    assert [r["id"] for r in x["results"]] == [r["id"] for r in y["results"]]


@pytest.mark.parametrize("phrase", ["烏克蘭總統", "主管機關", "本辦法自發布日施行", "中央主管機關"])
def test_phrases_are_exact(engines, phrase):
    _, b = engines
    rows, total = export_rows(b, SearchParams(q=f'"{phrase}"', variants=False))
    assert total == len(rows) > 0
    for r in rows:
        assert simplify(phrase) in simplify(r["text"])
