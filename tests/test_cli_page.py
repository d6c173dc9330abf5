"""CLI rough edges: defaults that work from any folder, --curated, repeats, failed builds, the README."""
import os
import re
import shlex

from searcher.cli import main
from tests.conftest import ROOT


def test_no_index_hint_is_a_command_that_works_from_another_folder(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no seeds/ here
    res = runner.invoke(main, ["search", "普京"])
    assert res.exit_code == 1
    cmd = re.search(r"`searcher (build[^`]*)`", res.output).group(1)
    res = runner.invoke(main, shlex.split(cmd) + ["--quiet"])
    assert res.exit_code == 0, res.output
    assert "5 articles" in res.output
    res = runner.invoke(main, ["search", "普京", "--limit", "1"])
    assert res.exit_code == 0 and "articles match '普京'" in res.output


def test_build_takes_curated_spellings(runner, tmp_path):
    cur = tmp_path / "mine.tsv"
    with open(os.path.join(ROOT, "searcher", "data", "curated.tsv"), encoding="utf-8") as f:
        head = [ln for ln in f if ln.startswith("#")]
    cur.write_text("".join(head) + "阿拉斯加\t阿拉斯嘉\n", encoding="utf-8")
    ix = str(tmp_path / "ix")
    res = runner.invoke(main, ["build", "--source", os.path.join(ROOT, "seeds"), "--index", ix, "--quiet",
                               "--curated", str(cur)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["variants", "阿拉斯嘉", "--index", ix])
    assert "阿拉斯加" in res.output and "curated" in res.output
    assert "--curated" in runner.invoke(main, ["build", "--help"]).output


def test_repeats_says_how_many_groups_there_are_and_shows_their_text(runner, seed_index):
    res = runner.invoke(main, ["repeats", "--index", seed_index, "--limit", "5"])
    assert res.exit_code == 0
    assert res.output.startswith("17 groups (showing the 5 largest)")
    assert res.output.count("copies:") == 5
    assert "烏克蘭總參謀部12日證實" in res.output  # the text of the first group


def test_a_failed_first_build_leaves_no_index_folder(runner, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    ix = tmp_path / "ix"
    res = runner.invoke(main, ["build", "--source", str(empty), "--index", str(ix), "--quiet"])
    assert res.exit_code == 1 and "nothing could be indexed" in res.output
    assert not ix.exists()


def test_the_readme_search_example_is_what_the_command_prints(runner, seed_index):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    block = re.search(r"\$ \.venv/bin/searcher search 乌克兰 --limit 1\n(.*?)\n  \.\.\.\n```", readme, re.S).group(1)
    res = runner.invoke(main, ["search", "乌克兰", "--limit", "1", "--index", seed_index])
    assert res.output.startswith(block + "\n"), res.output
