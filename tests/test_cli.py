import json

from click.testing import CliRunner

from searcher.cli import main
from tests.conftest import SEEDS


def test_every_command_has_help_with_an_example(runner):
    res = runner.invoke(main, ["--help"])
    assert res.exit_code == 0
    commands = list(main.commands)
    assert {"build", "search", "serve"} <= set(commands)
    for name in commands:
        res = runner.invoke(main, [name, "--help"])
        assert res.exit_code == 0, name
        assert "Example" in res.output, name


def test_build_prints_a_summary_and_search_finds(runner, tmp_path):
    ix = str(tmp_path / "ix")
    res = runner.invoke(main, ["build", "--source", SEEDS, "--index", ix, "--quiet"])
    assert res.exit_code == 0, res.output
    assert "5 articles" in res.output and "185 paragraphs" in res.output
    res = runner.invoke(main, ["search", "阿拉斯加", "--index", ix, "--json", "--limit", "50"])
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["total"] == 5 and len(data["results"]) == 5
    res = runner.invoke(main, ["search", "阿拉斯加", "--index", ix, "--limit", "1"])
    assert "5 articles match" in res.output and "[阿拉斯加]" in res.output


def test_build_skips_bad_files_and_fails_only_when_nothing_indexed(runner, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "bad.txt").write_bytes(b"\xff\xfe\x00\x01garbage")
    (src / "good.txt").write_text(" date 2024-05-06 好消息", encoding="utf-8")
    res = runner.invoke(main, ["build", "--source", str(src), "--index", str(tmp_path / "ix"), "--quiet"])
    assert res.exit_code == 0 and "bad.txt" in res.output and "1 articles" in res.output
    (src / "good.txt").unlink()
    res = runner.invoke(main, ["build", "--source", str(src), "--index", str(tmp_path / "ix2"), "--quiet"])
    assert res.exit_code != 0 and "nothing could be indexed" in res.output and "bad.txt" in res.output


def test_bad_query_is_a_usage_error_not_a_traceback(runner, seed_index):
    res = runner.invoke(main, ["search", "的", "--index", seed_index])
    assert res.exit_code == 2 and "Nothing to search for" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_search_without_index_says_what_to_do(runner, tmp_path):
    res = runner.invoke(main, ["search", "普京", "--index", str(tmp_path / "none")])
    assert res.exit_code == 1 and "searcher build" in res.output


def test_serve_never_overwrites_an_index_of_other_sources(tmp_path, monkeypatch):
    from searcher import cli
    from searcher.engine import open_engine

    src = tmp_path / "src"
    src.mkdir()
    (src / "x.txt").write_text("另一個來源的文章", encoding="utf-8")
    ix = str(tmp_path / "ix")
    eng = open_engine(ix)
    eng.build([str(src)], progress=False)
    gen = eng.reader().generation
    served = {}
    monkeypatch.setattr("searcher.serving.run_server", lambda index_dir, **kw: served.update(kw, index=index_dir))
    res = CliRunner().invoke(cli.main, ["serve", "--index", ix, "--port", "5999"])
    assert res.exit_code == 0, res.output
    assert served["host"] == "127.0.0.1" and open_engine(ix).reader().generation == gen  # not rebuilt
    (src / "x.txt").write_text("改過的文章", encoding="utf-8")  # the same sources changed: rebuild
    res = CliRunner().invoke(cli.main, ["serve", "--index", ix, "--source", str(src), "--port", "5999"])
    assert res.exit_code == 0 and open_engine(ix).reader().generation != gen


def test_an_index_from_an_older_version_is_rebuilt_or_explained(runner, tmp_path, monkeypatch):
    import json
    import os
    import shutil

    from searcher import cli
    from searcher.engine import open_engine

    src = tmp_path / "src"
    src.mkdir()
    (src / "x.txt").write_text("另一個來源的文章", encoding="utf-8")
    ix = tmp_path / "ix"

    def make_old():  # what the generation-folder version left
        shutil.rmtree(ix, ignore_errors=True)
        (ix / "gen-1").mkdir(parents=True)
        (ix / "CURRENT").write_text("gen-1\n", encoding="utf-8")
        (ix / "gen-1" / "meta.json").write_text(json.dumps({"schema_version": 2, "sources": [str(src)]}),
                                                encoding="utf-8")

    make_old()
    res = runner.invoke(main, ["search", "來源", "--index", str(ix)])
    assert res.exit_code == 1 and "searcher build" in res.output and "Traceback" not in res.output
    app_client = __import__("searcher.web", fromlist=["create_app"]).create_app({"INDEX_DIR": str(ix)}).test_client()
    r = app_client.get("/api/search?q=來源")
    assert r.status_code == 503 and b"searcher build" in r.data
    monkeypatch.setattr("searcher.serving.run_server", lambda index_dir, **kw: None)
    res = CliRunner().invoke(cli.main, ["serve", "--index", str(ix), "--port", "5999"])  # its own sources: rebuilt
    assert res.exit_code == 0, res.output
    eng = open_engine(str(ix))
    assert eng.outdated() is None and eng.reader().stats()["paragraphs"] == 1
    assert not os.path.exists(ix / "CURRENT")
    shutil.rmtree(src)
    make_old()
    res = CliRunner().invoke(cli.main, ["serve", "--index", str(ix), "--port", "5999"])  # sources gone: explained
    assert res.exit_code == 1 and "older version" in res.output
