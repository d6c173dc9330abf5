"""A living archive: adds, replacements and deletes answer exactly as a fresh full build."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searcher.engine import open_engine
from searcher.engine.embedded import writer
from searcher.engine.embedded.layout import WriterBusy
from searcher.search import SearchParams, search
from tests.conftest import SEEDS
from tests.living import NAME_LINE, NAME_LINE_2, pool, version, view, write_jsonl

POOL = pool()
IDS = sorted(POOL)


def full_build(tmp, corpus: dict) -> "open_engine":
    path = os.path.join(tmp, f"full-{len(os.listdir(tmp))}")
    src = write_jsonl(path + ".jsonl", [corpus[i] for i in sorted(corpus)])
    eng = open_engine(path)
    eng.build([src], progress=False, summarize_repeats=False)
    return eng


ops = st.lists(st.one_of(
    st.tuples(st.just("add"), st.lists(st.sampled_from(IDS), min_size=1, max_size=40, unique=True),
              st.integers(0, 3)),
    st.tuples(st.just("delete"), st.lists(st.sampled_from(IDS), min_size=1, max_size=15, unique=True)),
    st.tuples(st.just("merge")),
), min_size=1, max_size=6)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(start=st.lists(st.sampled_from(IDS), min_size=1, max_size=60, unique=True), steps=ops)
def test_any_sequence_of_changes_answers_like_a_full_build(tmp_path_factory, start, steps):
    tmp = str(tmp_path_factory.mktemp("living"))
    corpus = {i: POOL[i] for i in start}
    eng = full_build(tmp, corpus)  # the starting index
    others = [POOL[i] for i in IDS[:5]]
    for step in steps:
        if step[0] == "add":
            arts = [version(POOL[i], step[2], others) for i in step[1]]
            r = eng.change(arts, [])
            assert sorted(r.added + r.replaced) == sorted(step[1])
            corpus.update({a.id: a for a in arts})
        elif step[0] == "delete":
            r = eng.change([], step[1])
            assert sorted(r.deleted) == sorted(i for i in step[1] if i in corpus)
            assert sorted(r.unknown) == sorted(i for i in step[1] if i not in corpus)
            for i in step[1]:
                corpus.pop(i, None)
        else:
            segs = [s.segid for s in writer.latest_toc(_storage(eng.dir)).segments]
            if len(segs) > 1:
                writer.merge_once(eng.dir, segments_to_merge=segs)
    if not corpus:
        assert eng.reader().stats()["paragraphs"] == 0
        return
    assert view(eng.reader()) == view(full_build(tmp, corpus).reader())


def _storage(path):
    from whoosh.filedb.filestore import FileStorage

    return FileStorage(path)


@pytest.fixture
def small(tmp_path):
    eng = open_engine(str(tmp_path / "ix"))
    eng.build([SEEDS], progress=False)
    return eng


def test_a_new_articles_names_join_the_groups_both_ways(small):
    from searcher.ingest import Article

    before = search(small.reader(), SearchParams(q="Kyrylo Budanov")).total
    small.change([Article("new-1", "軍情", "2025-10-01", [NAME_LINE]),
                  Article("new-2", "前線", "2025-10-02", [NAME_LINE_2])], [])
    r = small.reader()
    by_latin = search(r, SearchParams(q="Kyrylo Budanov"))
    assert before == 0 and {x.id for x in by_latin.results} == {"new-1", "new-2"}
    by_chinese = search(r, SearchParams(q="布達諾夫"))
    assert {x.id for x in by_chinese.results} == {"new-1", "new-2"}
    assert any(v.term == "Kyrylo Budanov" and "布達諾夫" in v.group for v in by_latin.variants)
    small.change([], ["new-1"])  # the bracket is gone: so is the group
    assert search(small.reader(), SearchParams(q="Kyrylo Budanov")).total == 0


def test_a_restart_reads_the_name_table_from_the_cache_and_a_change_makes_a_new_one(small, tmp_path):
    from searcher.ingest import Article

    def spellings(eng, q):
        r = search(eng.reader(), SearchParams(q=q))
        return r.total, sorted(sorted(v.group) for v in r.variants)

    def tables():
        return [f for f in os.listdir(cache) if f.startswith("names-")]

    first = spellings(small, "普京")
    cache = os.path.join(small.dir, "cache")
    (table,) = tables()
    again = open_engine(small.dir)  # a new start: the table comes from the cache
    assert spellings(again, "普京") == first and tables() == [table]
    with open(os.path.join(cache, table), "wb") as f:  # a torn file is rebuilt, not an error
        f.write(b"not a pickle")
    assert spellings(open_engine(small.dir), "普京") == first
    small.change([Article("new-1", "軍情", "2025-10-01", [NAME_LINE])], [])
    assert spellings(open_engine(small.dir), "布達諾夫")[0] == 1  # new mined pairs: a new table
    assert len(tables()) == 1 and tables() != [table]


def test_a_restart_maps_the_repeat_index_and_articles_from_the_cache_and_a_change_makes_new_ones(small):
    from searcher.ingest import Article

    def view(eng):
        r = eng.reader()
        groups = sorted((g.kind, round(g.similarity, 6), tuple(g.members)) for g in r.repeats.all_groups())
        flags = [r.repeats.flag(d) for d in range(r.snap.ndocs)]
        arts = [r.snap.article_ids[i] for i in range(r.snap.narticles)]
        return groups, flags, arts, r.snap.doc_article.tolist(), r.snap.outlets, search(r, SearchParams(q="烏克蘭")).total

    def folders(kind):
        return sorted(f for f in os.listdir(cache) if f.startswith(kind + "-"))

    cache = os.path.join(small.dir, "cache")
    first = view(small)  # the build gathered the repeat index and wrote both
    reps, arts = folders("repeats"), folders("articles")
    assert len(reps) == 1 and len(arts) == 1
    assert sorted(os.listdir(os.path.join(cache, reps[0]))) == ["classes", "edges", "sentences"]
    assert view(open_engine(small.dir)) == first  # a new start maps them
    for name in ("edges", "sentences"):  # a torn cache is worked out again, never believed
        path = os.path.join(cache, reps[0], name)
        for f in os.listdir(path):
            with open(os.path.join(path, f), "wb") as fh:
                fh.write(b"torn")
    assert view(open_engine(small.dir)) == first
    open_engine(small.dir).reader().repeats.prepare()  # a server start writes them again
    assert sorted(os.listdir(os.path.join(cache, reps[0]))) == ["classes", "edges", "sentences"]
    copy = Article("copy", "轉載", "2025-10-03", ["編按：", small.reader().article("004_6341f3f655f86c6f")[3][1].text])
    small.change([copy], [])
    changed = view(open_engine(small.dir))  # searches after a commit work the repeat index out...
    assert changed != first and folders("articles") != arts and len(folders("articles")) == 1
    assert folders("repeats") == reps  # ...without writing it (100 MB at a million paragraphs)
    open_engine(small.dir).reader().repeats.prepare()
    assert len(folders("repeats")) == 1 and folders("repeats") != reps  # the old state's is gone
    assert view(open_engine(small.dir)) == changed
    fresh = open_engine(small.dir + "-full")
    fresh.build([SEEDS], progress=False)
    fresh.change([copy], [])
    assert view(fresh)[:3] == changed[:3]


def test_repeat_flags_appear_on_both_copies_and_go_with_the_copy(small):
    from searcher.ingest import Article

    r = small.reader()
    aid, paras = "004_6341f3f655f86c6f", small.reader().article("004_6341f3f655f86c6f")
    ref, p = paras[3]
    assert r.repeats.flag(ref) is None
    small.change([Article("copy", "轉載", "2025-10-03", ["編按：", p.text])], [])
    r = small.reader()
    ref = dict((q.n, x) for x, q in r.article(aid))[p.n]
    flag = r.repeats.flag(ref)
    assert flag["kind"] == "exact" and {"id": "copy", "n": 2} in flag["group"]
    copy_flag = r.repeats.flag(r.article("copy")[1][0])
    assert copy_flag["group"] == [{"id": aid, "n": p.n}]
    small.change([], ["copy"])
    r = small.reader()
    assert r.repeats.flag(dict((q.n, x) for x, q in r.article(aid))[p.n]) is None


def test_replacing_an_article_removes_its_old_paragraphs_from_every_result(small):
    from searcher.ingest import Article

    aid = "000_ebdd4def08ac33a7"
    assert search(small.reader(), SearchParams(q="阿拉斯加")).total == 5
    r = small.change([Article(aid, "更正", "2025-08-20", ["本文已更正，內容另見他文。"])], [])
    assert r.replaced == [aid] and r.added == []
    reader = small.reader()
    assert search(reader, SearchParams(q="阿拉斯加")).total == 4
    assert [p.text for _, p in reader.article(aid)] == ["本文已更正，內容另見他文。"]
    assert search(reader, SearchParams(q="更正")).results[0].id == aid


def test_whoosh_opens_the_index_and_its_words_field_answers(small):
    from whoosh import index as windex
    from whoosh.qparser import QueryParser

    from searcher.analysis import word_counts

    ix = windex.open_dir(small.dir)
    with ix.searcher() as s:
        hits = s.search(QueryParser("words", ix.schema).parse("阿拉斯加"), limit=None)
        got = {(h["article"], h["n"]) for h in hits}
    reader = small.reader()
    expected = {(p.article, p.n) for aid in reader.snap.article_ids for _, p in reader.article(aid)
                if "阿拉斯加" in word_counts(p.text, reader.dictionary)}
    assert got == expected and len({a for a, _ in got}) >= 4
    assert ix.doc_count() == reader.stats()["paragraphs"]


def test_accelerators_stay_aligned_with_whoosh_after_merges(small):
    from searcher.ingest import Article

    for k in range(4):
        small.change([Article(f"a{k}", "t", "2025-01-0%d" % (k + 1), [f"第{k}篇新文章，談及阿拉斯加。", "我是廣告 請繼續往下閱讀"])], [])
    small.change([], ["a1", "002_3caf9e9192dc43da"])
    toc = writer.latest_toc(_storage(small.dir))
    writer.merge_once(small.dir, segments_to_merge=[s.segid for s in toc.segments])
    toc = writer.latest_toc(_storage(small.dir))
    assert len(toc.segments) == 1
    reader = small.reader()
    snap = reader.snap
    for v in snap.segments:
        ids = v.accel.art_id.tolist()
        for local in range(v.ndocs):
            stored = v.stored(local)
            assert stored["key"] == f"{ids[int(v.accel.doc_art[local])]}#{int(v.accel.doc_n[local])}"
    # and the merged accelerator is what rebuilding it from Whoosh gives
    from searcher.engine.embedded import accel

    rows = accel.rows_of_whoosh_segment(snap.segments[0]._stored.reader)
    assert [(r.article, r.n) for r in rows] == [reader.key(d) for d in range(snap.ndocs)]
    assert search(reader, SearchParams(q="阿拉斯加")).total == 4 + 3


def test_a_reader_from_before_a_merge_reads_the_files_the_merge_removed(small):
    """Stored fields are read from a memory map of Whoosh's column file: a search that
    started before a merge (an older snapshot) still reads the paragraphs of the segments
    the merge unlinked, the same text Whoosh's own reader gives."""
    from searcher.ingest import Article
    from whoosh import index as windex

    for k in range(3):
        small.change([Article(f"m{k}", "t", "2025-02-0%d" % (k + 1), [f"第{k}段合併前的文字，阿拉斯加。"])], [])
    before = small.reader()
    paras = {before.key(d): before.paragraph(d).text for d in range(before.snap.ndocs) if before.snap.live[d]}
    files = set(os.listdir(small.dir))
    toc = writer.latest_toc(_storage(small.dir))
    writer.merge_once(small.dir, segments_to_merge=[s.segid for s in toc.segments])
    kept = {f"MAIN_{s.segid}._stored.col" for s in writer.latest_toc(_storage(small.dir)).segments}
    gone = {f for f in files if f.endswith("._stored.col")} - kept  # the merged segments' files
    assert len(gone) >= 4 and len(kept) == 1
    for f in gone:  # as the clean-up after later commits removes them
        os.remove(os.path.join(small.dir, f))
    fresh = type(before)(before.engine, before.snap)  # the old snapshot, no paragraph read cached yet
    assert {k: fresh.paragraph(d).text for d in range(before.snap.ndocs) if before.snap.live[d]
            for k in [before.key(d)]} == paras
    with windex.open_dir(small.dir).searcher() as s:
        whoosh = {(f["article"], f["n"]): f["text"] for f in s.all_stored_fields()}
    after = small.reader()
    assert {after.key(d): after.paragraph(d).text for d in range(after.snap.ndocs)} == whoosh == paras


def test_a_second_writer_waits_then_refuses_clearly(small):
    from searcher.engine.embedded.layout import Lock

    with Lock(small.dir):
        t = time.time()
        with pytest.raises(WriterBusy, match="another writer .* is running"):
            small.delete(["x"], wait=0.3)
        assert time.time() - t >= 0.3


def test_the_index_segments_the_same_whatever_ran_before(tmp_path):
    """A segmenter dictionary belongs to its index: a build with a curated name, then one
    without it in the same process, cuts as a build in a clean process does."""
    cur = tmp_path / "cur.tsv"
    cur.write_text("# extra\n新詞彙測試甲\t新词汇测试甲X\n", encoding="utf-8")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("新詞彙測試甲在此出現。\n普京與川普會面。", encoding="utf-8")
    first = open_engine(str(tmp_path / "one"))
    first.build([str(src)], progress=False, curated=[str(cur)])
    assert "新词汇测试甲" in first.reader().dictionary.words
    second = open_engine(str(tmp_path / "two"))
    second.build([str(src)], progress=False)
    code = ("import sys; from searcher.engine import open_engine; e=open_engine(sys.argv[1]); "
            "e.build([sys.argv[2]], progress=False); r=e.reader(); print(sorted(r.snap.segments[0].accel.word_vocab))")
    clean = subprocess.run([sys.executable, "-c", code, str(tmp_path / "three"), str(src)], capture_output=True,
                           text=True, check=True).stdout.strip()
    assert str(sorted(second.reader().snap.segments[0].accel.word_vocab)) == clean
    assert "新词汇测试甲" in sorted(first.reader().snap.segments[0].accel.word_vocab)
    assert "新词汇测试甲" not in clean


def _cli(*args):
    return subprocess.Popen([sys.executable, "-m", "searcher.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("what", ["add", "merge"])
def test_sigkill_leaves_the_previous_state_and_the_next_command_recovers(tmp_path, what):
    from tests.living import pool as make_pool

    ix = str(tmp_path / "ix")
    eng = open_engine(ix)
    eng.build([SEEDS], progress=False)
    big = [a for a in make_pool(240).values()]
    src = write_jsonl(str(tmp_path / "big.jsonl"), [type(a)(f"{a.id}-{k}", a.title, a.date, a.paragraphs)
                                                    for k in range(6) for a in big])
    if what == "merge":
        from searcher.ingest import Article

        for k in range(3):
            eng.change([Article(f"m{k}", "t", None, [f"合併測試第{k}篇。"])], [])
        toc = writer.latest_toc(_storage(ix))
        code = ("import sys; from searcher.engine.embedded import writer; "
                f"writer.merge_once(sys.argv[1], segments_to_merge={[s.segid for s in toc.segments]!r})")
        proc = subprocess.Popen([sys.executable, "-c", code, ix])
    else:
        proc = _cli("add", "--source", src, "--index", ix, "--quiet", "--no-merge")
    before = view_small(eng)
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    after = view_small(open_engine(ix))
    assert after == before  # the previous state, intact and searchable
    from searcher.ingest import Article

    open_engine(ix).change([Article("after", "t", None, ["之後的文章。"])], [])  # recovers by itself
    assert not [n for n in os.listdir(os.path.join(ix, "tmp")) if not n.startswith("merge-")]
    assert search(open_engine(ix).reader(), SearchParams(q="之後的文章")).total == 1


def view_small(eng):
    r = eng.reader()
    return (r.stats()["paragraphs"], search(r, SearchParams(q="阿拉斯加")).to_json(),
            [g.to_json() for g in r.repeats.all_groups()])


def test_cli_add_and_delete(tmp_path, runner):
    from searcher.cli import main

    ix = str(tmp_path / "ix")
    open_engine(ix).build([SEEDS], progress=False)
    src = tmp_path / "new"
    src.mkdir()
    (src / "n1.txt").write_text(" date 2025-11-01 新聞一：阿拉斯加峰會後續。\n第二段。", encoding="utf-8")
    (src / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    res = runner.invoke(main, ["add", "--source", str(src), "--index", ix, "--json"])
    assert res.exit_code == 0, res.output
    assert search(open_engine(ix).reader(), SearchParams(q="阿拉斯加")).total == 6
    res = runner.invoke(main, ["delete", "n1", "nope", "--index", ix])
    assert res.exit_code == 1 and "nope" in res.output
    assert search(open_engine(ix).reader(), SearchParams(q="阿拉斯加")).total == 5


def test_a_running_app_sees_each_commit_at_once(tmp_path):
    from searcher.ingest import Article
    from searcher.web import create_app

    ix = str(tmp_path / "ix")
    open_engine(ix).build([SEEDS], progress=False)
    client = create_app({"TESTING": True, "INDEX_DIR": ix}).test_client()
    assert client.get("/api/search?q=獨一無二的詞").get_json()["total"] == 0
    other = open_engine(ix)  # another process's engine, as `searcher add` would be
    other.change([Article("x", "t", None, ["獨一無二的詞出現了。"])], [])
    assert client.get("/api/search?q=獨一無二的詞").get_json()["total"] == 1
    other.change([], ["x"])
    assert client.get("/api/search?q=獨一無二的詞").get_json()["total"] == 0
