"""Rebuilds: never a half-built index for readers, one build at a time, a killed build changes nothing."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from searcher import index
from searcher.search import SearchParams, search
from tests.conftest import SEEDS


def big_source(path, copies=20):
    """A JSONL source made of the seeds repeated under new ids (slow enough to catch a build mid-way)."""
    from searcher.ingest import IngestReport, read_sources

    arts = list(read_sources([SEEDS], IngestReport()))
    with open(path, "w", encoding="utf-8") as f:
        for k in range(copies):
            for a in arts:
                f.write(json.dumps({"id": f"{a.id}-{k}", "date": a.date, "paragraphs": a.paragraphs},
                                   ensure_ascii=False) + "\n")
    return str(path)


def start_build(src, ix):
    return subprocess.Popen([sys.executable, "-m", "searcher.cli", "build", "--source", src, "--index", ix,
                             "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_new_generation(ix, before, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        gens = {n for n in os.listdir(ix) if n.startswith("gen-")}
        if gens - before:
            return
        time.sleep(0.05)
    raise AssertionError("the build never started writing")


def total(handle, q="阿拉斯加"):
    with handle.searcher() as s:
        return search(s, SearchParams(q=q)).total


def test_second_build_refuses_clearly_while_one_runs(tmp_path):
    ix = str(tmp_path / "ix")
    index.build([SEEDS], ix, progress=False)
    src = big_source(tmp_path / "big.jsonl")
    before = {n for n in os.listdir(ix) if n.startswith("gen-")}
    first = start_build(src, ix)
    try:
        wait_for_new_generation(ix, before)
        with pytest.raises(index.BuildError, match="another build .* is running"):
            index.build([SEEDS], ix, progress=False)
    finally:
        _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert total(index.IndexHandle(ix)) == 100


def test_killed_build_leaves_the_previous_index_serving(tmp_path):
    ix = str(tmp_path / "ix")
    index.build([SEEDS], ix, progress=False)
    live = index.current_generation(ix)
    src = big_source(tmp_path / "big.jsonl")
    before = {n for n in os.listdir(ix) if n.startswith("gen-")}
    proc = start_build(src, ix)
    wait_for_new_generation(ix, before)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert index.current_generation(ix) == live
    h = index.IndexHandle(ix)
    assert total(h) == 5  # the old index, intact
    index.build([src], ix, progress=False)  # the lock died with the process; leftovers are cleaned
    assert total(h) == 100
    assert len([n for n in os.listdir(ix) if n.startswith("gen-")]) <= 2


def test_searches_during_a_rebuild_see_old_or_new_never_an_error(tmp_path):
    from searcher.web import create_app

    ix = str(tmp_path / "ix")
    index.build([SEEDS], ix, progress=False)
    src = big_source(tmp_path / "big.jsonl", copies=10)
    h = index.IndexHandle(ix)
    app = create_app({"TESTING": True, "INDEX_DIR": ix})  # a running server, never restarted
    seen, errors = [], []
    stop = threading.Event()

    def reader():
        client = app.test_client()
        while not stop.is_set():
            try:
                seen.append(total(h))
                r = client.get("/api/search", query_string={"q": "阿拉斯加"})
                assert r.status_code == 200, r.status_code
                seen.append(r.get_json()["total"])
            except Exception as e:  # noqa: BLE001 - any error is the failure we look for
                errors.append(repr(e))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        index.build([src], ix, progress=False)
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors
    assert set(seen) <= {5, 50} and seen[-1] == 50 and 5 in seen


def test_parallel_build_loses_no_document_and_ranks_like_one_process(tmp_path):
    """Whoosh's own procs>1 writer has lost documents; ours joins shard segments and counts."""
    src = big_source(tmp_path / "big.jsonl", copies=6)
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    s1 = index.build([src], one, progress=False, procs=1)
    s2 = index.build([src], two, progress=False, procs=2)
    assert s1.paragraphs == s2.paragraphs == 6 * 185
    h1, h2 = index.IndexHandle(one), index.IndexHandle(two)
    with h1.searcher() as a, h2.searcher() as b:
        assert a.whoosh.doc_count() == b.whoosh.doc_count() == 6 * 185
        assert len(b.whoosh.reader().leaf_readers()) == 2  # really two segments
        for s in (a, b):  # the posting arrays number documents as Whoosh does
            p = s.postings
            assert p.ndocs == 6 * 185
            for d in range(p.ndocs):
                f = s.stored_fields(d)
                assert (p.article_ids[p.doc_article[d]], int(p.doc_n[d])) == (f["article"], f["n"])
        for q in ["阿拉斯加", "普京 -特朗普", '"烏克蘭總統"', "拉夫羅夫 OR 魯比奧"]:
            ra = search(a, SearchParams(q=q, limit=50))
            rb = search(b, SearchParams(q=q, limit=50))
            assert ra.total == rb.total
            assert sorted((r.id, round(r.score, 3)) for r in ra.results) == \
                sorted((r.id, round(r.score, 3)) for r in rb.results)
