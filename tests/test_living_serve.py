"""The living archive as a newsroom drives it: the write API, watched folders, merges."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from searcher.engine import open_engine
from searcher.web import create_app
from tests.conftest import SEEDS


@pytest.fixture
def fresh(tmp_path):
    ix = str(tmp_path / "ix")
    open_engine(ix).build([SEEDS], progress=False)
    return ix


def total(client, q):
    return client.get("/api/search", query_string={"q": q}).get_json()["total"]


def test_the_write_api_needs_its_token_and_commits_each_request(fresh):
    closed = create_app({"TESTING": True, "INDEX_DIR": fresh}).test_client()
    art = {"id": "w1", "title": "寫入", "date": "2025-11-30", "text": "經由寫入介面送來的稿件。\n第二段。"}
    assert closed.post("/api/articles", json=art).status_code == 403
    client = create_app({"TESTING": True, "INDEX_DIR": fresh, "WRITE_TOKEN": "s3cret"}).test_client()
    assert client.post("/api/articles", json=art).status_code == 401
    assert client.post("/api/articles", json=art, headers={"Authorization": "Bearer wrong"}).status_code == 401
    auth = {"Authorization": "Bearer s3cret"}
    bad = client.post("/api/articles", json={"title": "no id"}, headers=auth)
    assert bad.status_code == 400 and "id" in bad.get_json()["error"]
    assert client.post("/api/articles", data="{not json", headers={**auth, "Content-Type": "application/json"}
                       ).status_code == 400
    assert total(client, "寫入介面") == 0
    r = client.post("/api/articles", json=[art, {**art, "id": "w2"}], headers=auth)
    assert r.status_code == 201 and sorted(r.get_json()["added"]) == ["w1", "w2"]
    assert total(client, "寫入介面") == 2  # reads stay open and see the commit at once
    r = client.post("/api/articles", json={**art, "text": "更正後的稿件。"}, headers=auth)
    assert r.status_code == 200 and r.get_json()["replaced"] == ["w1"]
    assert total(client, "寫入介面") == 1 and total(client, "更正後的稿件") == 1
    assert client.delete("/api/articles/w2").status_code == 401  # deletes need the token too
    assert client.delete("/api/articles/nope", headers=auth).status_code == 404
    assert client.delete("/api/articles/w2", headers=auth).status_code == 200
    assert total(client, "寫入介面") == 0 and closed.get("/api/articles/w2").status_code == 404


def test_a_watched_folder_follows_its_files(fresh, tmp_path):
    from searcher.watch import FolderWatcher

    folder = tmp_path / "exports"
    folder.mkdir()
    eng = open_engine(fresh)
    w = FolderWatcher(eng, [str(folder)])
    (folder / "w1.txt").write_text(" date 2025-11-30 監看稿件第一版。", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00\x01bad")
    w.sync()  # seen once: an editor may still be writing it
    r = w.sync()
    assert r["added"] == ["w1"] and any("bad.txt" in s for s in r["skipped"])
    client = create_app({"TESTING": True, "INDEX_DIR": fresh}).test_client()
    assert total(client, "監看稿件") == 1
    time.sleep(0.01)
    (folder / "w1.txt").write_text(" date 2025-11-30 監看稿件第二版，已更正。", encoding="utf-8")
    w.sync()
    assert w.sync()["replaced"] == ["w1"] and total(client, "已更正") == 1
    (folder / "w1.txt").unlink()
    assert w.sync()["deleted"] == ["w1"] and total(client, "監看稿件") == 0
    assert w.sync() is None  # nothing changed; the bad file is not retried until it changes
    # a restart picks up only what changed meanwhile
    (folder / "w3.txt").write_text("重新啟動後的稿件。", encoding="utf-8")
    w2 = FolderWatcher(eng, [str(folder)])
    w2.sync()
    assert w2.sync()["added"] == ["w3"]


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_with_watch_and_writes_end_to_end(fresh, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    port = _port()
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "searcher.cli", "serve", "--index", fresh, "--port", str(port),
                             "--watch", str(folder), "--write-token", "tok", "--workers", "2"],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def get_total(q):
        with urllib.request.urlopen(f"{base}/api/search?q={urllib.request.quote(q)}", timeout=10) as r:
            return json.load(r)["total"]

    def within(seconds, check):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if check():
                    return True
            except OSError:
                pass
            time.sleep(0.2)
        return False

    try:
        assert within(60, lambda: get_total("阿拉斯加") == 5), (tmp_path / "serve.log").read_text()
        (folder / "e1.txt").write_text("資料夾裡剛匯出的新稿件。", encoding="utf-8")
        t = time.time()
        assert within(10, lambda: get_total("剛匯出") == 1)
        assert time.time() - t < 5  # new files within 5 s
        (folder / "e1.txt").unlink()
        assert within(10, lambda: get_total("剛匯出") == 0)
        req = urllib.request.Request(f"{base}/api/articles", method="POST",
                                     data=json.dumps({"id": "h1", "text": "經由網路寫入的稿件。"}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer tok"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 201
        assert get_total("經由網路寫入") == 1  # every worker sees it on its next request
        assert get_total("經由網路寫入") == 1
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    left = subprocess.run(["pgrep", "-f", f"serve --index {fresh}"], capture_output=True, text=True).stdout.split()
    assert not left  # the workers and the maintenance process went with the server


def test_searcher_merge_merges_small_segments(fresh, runner):
    from searcher.cli import main
    from searcher.ingest import Article

    eng = open_engine(fresh)
    for k in range(9):
        eng.change([Article(f"m{k}", "t", None, [f"第{k}篇小稿件，談到阿拉斯加。"])], [])
    before = eng.reader().stats()["segments"]
    res = runner.invoke(main, ["merge", "--index", fresh])
    assert res.exit_code == 0, res.output
    after = eng.reader().stats()
    assert after["segments"] < before and after["paragraphs"] == 185 + 9
    assert total(create_app({"TESTING": True, "INDEX_DIR": fresh}).test_client(), "阿拉斯加") == 5 + 9
