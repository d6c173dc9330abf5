"""Live changes answer the same on both engines: adds, replacements and deletes through the
engine, the CLI and the write API; a sequence of changes answers like a full build; a reader
never sees half a commit; one writer at a time; a writer killed mid-commit leaves nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from searcher.engine import open_engine
from searcher.engine.embedded.layout import WriterBusy
from searcher.ingest import Article
from searcher.search import SearchParams, search
from searcher.web import create_app
from tests.conftest import SEEDS
from tests.living import NAME_LINE, NAME_LINE_2, pool, version, view, write_jsonl

ENGINES = ["embedded", "opensearch"]
TOKEN = "s3cret-token"


@pytest.fixture
def fresh(request, tmp_path):
    """fresh(kind, sources) -> an engine of that kind built from ``sources``, and the options
    another process needs to open it (CLI arguments)."""
    def make(kind: str, sources=(SEEDS,)):
        if kind == "embedded":
            eng = open_engine(str(tmp_path / f"ix-{len(os.listdir(tmp_path))}"))
            args = ["--index", eng.dir]
        else:
            eng = request.getfixturevalue("make_os_engine")("live")
            args = ["--engine", "opensearch", "--index-name", eng.index_name, *[x for u in eng.urls for x in ("--url", u)]]
        eng.build(list(sources), progress=False, summarize_repeats=False)
        return eng, args
    return make


@pytest.mark.parametrize("kind", ENGINES)
def test_a_new_articles_names_join_the_groups_both_ways(fresh, kind):
    eng, _ = fresh(kind)
    before = search(eng.reader(), SearchParams(q="Kyrylo Budanov")).total
    eng.change([Article("new-1", "軍情", "2025-10-01", [NAME_LINE]), Article("new-2", "前線", "2025-10-02", [NAME_LINE_2])],
               [])
    r = eng.reader()
    by_latin = search(r, SearchParams(q="Kyrylo Budanov"))
    assert before == 0 and {x.id for x in by_latin.results} == {"new-1", "new-2"}
    assert {x.id for x in search(r, SearchParams(q="布達諾夫")).results} == {"new-1", "new-2"}
    assert any(v.term == "Kyrylo Budanov" and "布達諾夫" in v.group for v in by_latin.variants)
    eng.change([], ["new-1"])  # the bracket is gone: so is the group
    assert search(eng.reader(), SearchParams(q="Kyrylo Budanov")).total == 0


@pytest.mark.parametrize("kind", ENGINES)
def test_repeat_flags_appear_on_both_copies_and_go_with_the_copy(fresh, kind):
    eng, _ = fresh(kind)
    aid = "004_6341f3f655f86c6f"
    ref, p = eng.reader().article(aid)[3]
    assert eng.reader().repeats.flag(ref) is None
    eng.change([Article("copy", "轉載", "2025-10-03", ["編按：", p.text])], [])
    r = eng.reader()
    ref = dict((q.n, x) for x, q in r.article(aid))[p.n]
    flag = r.repeats.flag(ref)
    assert flag["kind"] == "exact" and {"id": "copy", "n": 2} in flag["group"]
    assert r.repeats.flag(r.article("copy")[1][0])["group"] == [{"id": aid, "n": p.n}]
    eng.change([], ["copy"])
    r = eng.reader()
    assert r.repeats.flag(dict((q.n, x) for x, q in r.article(aid))[p.n]) is None


@pytest.mark.parametrize("kind", ENGINES)
def test_replacing_an_article_removes_its_old_paragraphs_from_every_result(fresh, kind):
    eng, _ = fresh(kind)
    aid = "000_ebdd4def08ac33a7"
    assert search(eng.reader(), SearchParams(q="阿拉斯加")).total == 5
    r = eng.change([Article(aid, "更正", "2025-08-20", ["本文已更正，內容另見他文。"])], [])
    assert r.replaced == [aid] and r.added == []
    reader = eng.reader()
    assert search(reader, SearchParams(q="阿拉斯加")).total == 4
    assert [p.text for _, p in reader.article(aid)] == ["本文已更正，內容另見他文。"]
    assert search(reader, SearchParams(q="更正")).results[0].id == aid
    assert reader.stats()["articles"] == 5


@pytest.mark.parametrize("kind", ENGINES)
def test_cli_add_and_delete(fresh, kind, tmp_path, runner):
    from searcher.cli import main

    eng, args = fresh(kind)
    src = tmp_path / "new"
    src.mkdir()
    (src / "n1.txt").write_text(" date 2025-11-01 新聞一：阿拉斯加峰會後續。\n第二段。", encoding="utf-8")
    (src / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    res = runner.invoke(main, ["add", "--source", str(src), *args, "--json"])
    assert res.exit_code == 0, res.output
    assert search(eng.reader(), SearchParams(q="阿拉斯加")).total == 6
    res = runner.invoke(main, ["search", "新聞一", *args, "--json"])
    assert res.exit_code == 0 and '"n1"' in res.output
    res = runner.invoke(main, ["delete", "n1", "nope", *args])
    assert res.exit_code == 1 and "nope" in res.output
    assert search(eng.reader(), SearchParams(q="阿拉斯加")).total == 5


@pytest.mark.parametrize("kind", ENGINES)
def test_the_write_api(fresh, kind):
    eng, _ = fresh(kind)
    off = create_app({"TESTING": True, "ENGINE_OBJECT": eng, "WRITE_TOKEN": None}).test_client()
    art = {"id": "w1", "title": "寫入", "date": "2025-10-05", "paragraphs": ["寫入測試：阿拉斯加的新聞。"]}
    assert off.post("/api/articles", json=art).status_code == 403
    c = create_app({"TESTING": True, "ENGINE_OBJECT": eng, "WRITE_TOKEN": TOKEN}).test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert c.post("/api/articles", json=art).status_code == 401
    assert c.post("/api/articles", json=art, headers={"Authorization": "Bearer wrong"}).status_code == 401
    for bad in (b"not json", b"[]", b'{"title": "no id"}', b'[{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]'):
        r = c.post("/api/articles", data=bad, headers={**auth, "Content-Type": "application/json"})
        assert r.status_code == 400 and r.get_json()["error"], bad
    r = c.post("/api/articles", json=art, headers=auth)
    assert r.status_code == 201 and r.get_json()["added"] == ["w1"]
    assert c.get("/api/search?q=寫入測試").get_json()["total"] == 1
    assert c.get("/api/search?q=阿拉斯加").get_json()["total"] == 6
    r = c.post("/api/articles", json={**art, "paragraphs": ["改寫後的內容。"]}, headers=auth)
    assert r.status_code == 200 and r.get_json()["replaced"] == ["w1"]
    assert c.get("/api/search?q=寫入測試").get_json()["total"] == 0
    assert c.get("/api/articles/w1").get_json()["paragraphs"][0]["text"] == "改寫後的內容。"
    assert c.delete("/api/articles/nope", headers=auth).status_code == 404
    assert c.delete("/api/articles/w1").status_code == 401
    r = c.delete("/api/articles/w1", headers=auth)
    assert r.status_code == 200 and r.get_json()["deleted"] == ["w1"]
    assert c.get("/api/articles/w1").status_code == 404
    assert c.get("/api/search?q=阿拉斯加").get_json()["total"] == 5


@pytest.mark.parametrize("kind", ENGINES)
def test_a_running_app_sees_each_commit_at_once(fresh, kind):
    eng, _ = fresh(kind)
    client = create_app({"TESTING": True, "ENGINE_OBJECT": eng}).test_client()
    assert client.get("/api/search?q=獨一無二的詞").get_json()["total"] == 0
    other = open_engine(eng.dir) if kind == "embedded" else \
        open_engine(engine="opensearch", urls=eng.urls, index_name=eng.index_name)  # another process's engine
    other.change([Article("x", "t", None, ["獨一無二的詞出現了。"])], [])
    assert client.get("/api/search?q=獨一無二的詞").get_json()["total"] == 1
    other.change([], ["x"])
    assert client.get("/api/search?q=獨一無二的詞").get_json()["total"] == 0


POOL = pool(60)
IDS = sorted(POOL)
STEPS = [  # (add these ids in this version, delete these)
    (IDS[10:25], 0, []), (IDS[0:8], 2, IDS[30:34]), (IDS[5:12], 1, []), ([], 0, IDS[20:28]),
    (IDS[40:50], 3, IDS[0:3]),
]


def test_a_sequence_of_changes_answers_like_a_full_build_on_the_cluster(make_os_engine, tmp_path):
    corpus = {i: POOL[i] for i in IDS[25:60]}
    src = write_jsonl(str(tmp_path / "start.jsonl"), [corpus[i] for i in sorted(corpus)])
    eng = make_os_engine("seq")
    eng.build([src], progress=False, summarize_repeats=False)
    others = [POOL[i] for i in IDS[:5]]
    for ids, v, gone in STEPS:
        arts = [version(POOL[i], v, others) for i in ids]
        r = eng.change(arts, gone)
        assert sorted(r.added + r.replaced) == sorted(ids)
        assert sorted(r.deleted) == sorted(i for i in gone if i in corpus and i not in ids)
        corpus.update({a.id: a for a in arts})
        for i in gone:
            if i not in ids:
                corpus.pop(i, None)
    full = make_os_engine("seqfull")
    full.build([write_jsonl(str(tmp_path / "full.jsonl"), [corpus[i] for i in sorted(corpus)])], progress=False,
               summarize_repeats=False)
    emb = open_engine(str(tmp_path / "emb"))
    emb.build([str(tmp_path / "full.jsonl")], progress=False, summarize_repeats=False)
    changed = view(eng.reader())
    assert changed == view(full.reader())
    assert changed == view(emb.reader())


def test_a_reader_never_sees_half_a_commit(make_os_engine, monkeypatch):
    from searcher.engine.opensearch import writer

    monkeypatch.setattr(writer, "ADD_CHUNK", 20)  # a commit of many chunks, each refreshed
    eng = make_os_engine("half")
    eng.build([SEEDS], progress=False, summarize_repeats=False)
    arts = [Article(f"batch-{i:03d}", "批次", "2025-10-10", [f"批次文章第{i}篇，半途不可見。", "第二段。"])
            for i in range(60)]
    seen, stop = [], threading.Event()

    def watch():
        while not stop.is_set():
            r = eng.reader()
            seen.append((r.generation, search(r, SearchParams(q="半途不可見")).total, r.stats()["paragraphs"]))

    t = threading.Thread(target=watch)
    t.start()
    try:
        eng.add(arts)
    finally:
        stop.set()
        t.join()
    assert {total for _, total, _ in seen} <= {0, 60}
    assert {n for _, _, n in seen} <= {185, 185 + 120}
    assert search(eng.reader(), SearchParams(q="半途不可見")).total == 60


def test_a_second_writer_waits_then_refuses_clearly(make_os_engine):
    from searcher.engine.opensearch.state import WriteLock

    eng = make_os_engine("lock")
    eng.build([SEEDS], progress=False, summarize_repeats=False)
    with WriteLock(eng.client, eng.index_name):
        t = time.monotonic()
        with pytest.raises(WriterBusy, match="another writer"):
            eng.change([Article("z", "t", None, ["等不到。"])], [], wait=1.0)
        assert time.monotonic() - t >= 1.0
    assert eng.change([Article("z", "t", None, ["等到了。"])], []).added == ["z"]


KILLED_WRITER = """
import sys, time
from searcher.engine import open_engine
from searcher.engine.opensearch import writer
from searcher.ingest import Article
writer.ADD_CHUNK = 10
real = writer.Sink.send
def slow(self, *a, **kw):
    real(self, *a, **kw)
    print("sent", flush=True)
    time.sleep(0.5)
writer.Sink.send = slow
eng = open_engine(engine="opensearch", urls=sys.argv[1].split(","), index_name=sys.argv[2])
eng.add([Article(f"k{i}", "殺", None, [f"寫到一半被殺的第{i}篇。"]) for i in range(200)])
"""


def test_a_writer_killed_mid_commit_leaves_nothing_and_the_next_one_recovers(make_os_engine):
    eng = make_os_engine("kill")
    eng.build([SEEDS], progress=False, summarize_repeats=False)
    gen = eng.reader().generation
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, ",".join(eng.urls), eng.index_name],
                            stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(os.path.dirname(SEEDS)))
    for _ in range(3):
        assert proc.stdout.readline().strip() == "sent"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    r = eng.reader()
    assert r.generation == gen and r.meta.pending == gen + 1  # visibly unfinished, invisibly written
    assert search(r, SearchParams(q="寫到一半被殺")).total == 0
    # the lock's lease runs out; the next writer takes it over, removes what was written, commits its own
    from searcher.engine.opensearch import state

    state.WriteLock(eng.client, eng.index_name).client.call(  # expire the dead writer's lease now
        lambda c: c.update(index=state.lock_index(eng.index_name), id="lock", body={"doc": {"expires": 0}},
                           params={"refresh": "true"}))
    assert eng.change([Article("after", "t", None, ["之後的文章。"])], []).added == ["after"]
    r = eng.reader()
    assert r.generation == gen + 1 and r.meta.pending is None
    assert search(r, SearchParams(q="寫到一半被殺")).total == 0
    assert search(r, SearchParams(q="之後的文章")).total == 1
    assert r.stats()["paragraphs"] == 186
    leftovers = eng.client.count(r.index, {"query": {"range": {"gen_add": {"gt": r.generation}}}})
    assert leftovers == 0


def test_serve_on_the_cluster_never_builds_unless_asked(os_seed_engine, make_os_engine, runner, monkeypatch):
    import searcher.serving
    from searcher.cli import main

    served = []
    monkeypatch.setattr(searcher.serving, "run_server", lambda *a, **kw: served.append(kw))
    urls = [x for u in os_seed_engine.urls for x in ("--url", u)]
    missing = make_os_engine("unbuilt")
    res = runner.invoke(main, ["serve", "--engine", "opensearch", "--index-name", missing.index_name, *urls])
    assert res.exit_code == 1 and "no index" in res.output and "--source" in res.output
    assert not missing.exists() and served == []
    res = runner.invoke(main, ["serve", "--engine", "opensearch", "--index-name", os_seed_engine.index_name, *urls])
    assert res.exit_code == 0, res.output
    assert served[-1]["engine_options"] == {"engine": "opensearch", "urls": os_seed_engine.urls,
                                            "index_name": os_seed_engine.index_name}
    client = create_app({"TESTING": True, "ENGINE_OPTIONS": served[-1]["engine_options"]}).test_client()
    assert client.get("/api/search?q=阿拉斯加").get_json()["total"] == 5
