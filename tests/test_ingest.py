import gzip
import os
import json

import pytest

from searcher import ingest
from searcher.ingest import IngestReport, read_sources


def read(paths):
    report = IngestReport()
    arts = list(read_sources([str(p) for p in paths], report))
    return arts, report


def test_seed_format_date_header_and_paragraphs(tmp_path):
    (tmp_path / "a1.txt").write_text(" date 2025-08-16 第一段。還有。\n\n\n第二段\n  \n第三段\n", encoding="utf-8")
    arts, report = read([tmp_path])
    assert not report.skipped
    (a,) = arts
    assert a.id == "a1" and a.date == "2025-08-16"
    assert a.paragraphs == ["第一段。還有。", "第二段", "第三段"]
    assert a.title == "第一段"


def test_no_date_header_and_long_title_is_shortened(tmp_path):
    first = "這是一個非常長的第一句" * 10
    (tmp_path / "b.txt").write_text(first + "。後面\n下一段", encoding="utf-8")
    (a,), _ = read([tmp_path])
    assert a.date is None
    assert a.paragraphs[0].startswith(first)
    assert len(a.title) <= ingest.TITLE_CHARS and a.title.endswith("…")


def test_seeds_read_as_they_are(seed_texts):
    arts, report = read([ingest.os.path.join(ingest.os.path.dirname(ingest.__file__), "..", "seeds")])
    assert not report.skipped
    got = {a.id: a.paragraphs for a in arts}
    assert got == seed_texts  # original text kept exactly, paragraphs in reading order


def test_bom_and_crlf_are_fine(tmp_path):
    (tmp_path / "c.txt").write_bytes("\ufeff date 2024-01-02 甲段\r\n乙段\r\n".encode("utf-8"))
    (a,), report = read([tmp_path])
    assert a.date == "2024-01-02" and a.paragraphs == ["甲段", "乙段"] and not report.skipped


@pytest.mark.parametrize("name,data,reason", [
    ("big5.txt", "繁體中文新聞".encode("big5"), "UTF-8"),
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"\n \n\t\n", "empty"),
    ("bin.txt", bytes(range(256)) * 4, "binary"),
])
def test_bad_files_are_reported_by_name_and_skipped(tmp_path, name, data, reason):
    (tmp_path / "good.txt").write_text("好的文章", encoding="utf-8")
    (tmp_path / name).write_bytes(data)
    arts, report = read([tmp_path])
    assert [a.id for a in arts] == ["good"]
    (s,) = report.skipped
    assert name in s.source and reason.lower() in s.reason.lower()


def test_jsonl_text_paragraphs_ids_and_dates(tmp_path):
    p = tmp_path / "x.jsonl"
    lines = [
        json.dumps({"_id": "d1", "title": "標題", "text": "第一段\n第二段"}, ensure_ascii=False),
        "{broken json",
        json.dumps({"id": "d2", "date": "20240105", "paragraphs": ["甲", "", "乙"]}, ensure_ascii=False),
        json.dumps({"title": "no id", "text": "無"}, ensure_ascii=False),
        json.dumps({"id": "d3"}),
    ]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    arts, report = read([p])
    assert [(a.id, a.title, a.date, a.paragraphs) for a in arts] == [
        ("d1", "標題", None, ["第一段", "第二段"]),
        ("d2", "甲", "2024-01-05", ["甲", "乙"]),
    ]
    reasons = {s.source: s.reason for s in report.skipped}
    assert reasons[f"{p}:2"].startswith("malformed JSON")
    assert "missing id" in reasons[f"{p}:4"]
    assert "no 'text' or 'paragraphs'" in reasons[f"{p}:5"]


def test_jsonl_gz(tmp_path):
    p = tmp_path / "y.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "g1", "date": "2020-02-29", "paragraphs": ["甲段", "乙段"]}) + "\n")
    (a,), report = read([p])
    assert a.id == "g1" and a.date == "2020-02-29" and a.paragraphs == ["甲段", "乙段"]


def test_duplicate_article_id_is_reported_not_overwritten(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "same.txt").write_text("第一份", encoding="utf-8")
    p = tmp_path / "s.jsonl"
    p.write_text(json.dumps({"id": "same", "text": "第二份"}, ensure_ascii=False), encoding="utf-8")
    arts, report = read([tmp_path / "d", p])
    assert [a.paragraphs for a in arts] == [["第一份"]]
    assert any("duplicate article id 'same'" in s.reason for s in report.skipped)


def test_shared_corpora_ingest_as_they_are():
    import os
    shared = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared")
    drcd = os.path.join(shared, "eval", "drcd", "corpus.jsonl")
    if not os.path.exists(drcd):
        pytest.skip("../shared is not beside the project")
    arts, report = read([drcd])
    assert len(arts) == 2000 and not report.skipped
    laws = os.path.join(shared, "bench", "tw_laws.jsonl.gz")
    report = IngestReport()
    first = []
    for a in read_sources([laws], report):
        first.append(a)
        if len(first) == 50:
            break
    assert first[0].id == "A0000001" and first[0].title == "中華民國憲法" and first[0].date == "1947-01-01"
    assert not report.skipped


def test_gb18030_crlf_and_a_50mb_single_line_file(tmp_path):
    (tmp_path / "gb.txt").write_bytes("简体中文新闻报道".encode("gb18030"))
    (tmp_path / "crlf.txt").write_bytes("第一段\r\n\r\n第二段\r\n".encode("utf-8"))
    with open(tmp_path / "huge.txt", "w", encoding="utf-8") as f:
        f.write("新" * (50 * 1024 * 1024 // 3))  # 50 MB of UTF-8, one line
    arts, report = read([tmp_path])
    assert [(a.id, a.paragraphs) for a in arts] == [("crlf", ["第一段", "第二段"])]
    reasons = {os.path.basename(s.source): s.reason for s in report.skipped}
    assert "UTF-8" in reasons["gb.txt"]
    assert "characters (limit" in reasons["huge.txt"]
