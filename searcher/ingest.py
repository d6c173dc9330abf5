"""Read sources into articles.

A source is a folder of ``.txt`` articles, a single ``.txt`` file, or a ``.jsonl`` /
``.jsonl.gz`` file with one article per line.  Bad files (and bad JSON lines) are
reported through ``Skipped`` records and passed over; everything else is read.

Text files: an optional first line `` date YYYY-MM-DD `` followed directly by the
first paragraph; paragraphs are separated by one or more newlines.  The article id
is the file stem.  JSON lines: ``id`` or ``_id``, optional ``title``, optional
``date`` (``YYYY-MM-DD`` or ``YYYYMMDD``) and ``text`` or ``paragraphs``.
"""
from __future__ import annotations

import gzip
import json
import os
import re
from dataclasses import dataclass, field
from typing import Iterator

_DATE_HEADER = re.compile(r"\A[ \t\ufeff]*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]*")
_DATE_ANY = re.compile(r"\A(\d{4})-?(\d{2})-?(\d{2})\Z")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
TITLE_CHARS = 32
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_PARAGRAPH_CHARS = 100_000  # a longer "paragraph" is not prose (a dump, a one-line file)


@dataclass
class Article:
    id: str
    title: str
    date: str | None  # YYYY-MM-DD
    paragraphs: list[str]
    source: str = ""
    title_derived: bool = False


@dataclass
class Skipped:
    source: str  # file name (and line, for JSON lines)
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass
class IngestReport:
    skipped: list[Skipped] = field(default_factory=list)  # files / lines / articles not read
    warnings: list[Skipped] = field(default_factory=list)  # read, but something was ignored

    def skip(self, source: str, reason: str) -> None:
        self.skipped.append(Skipped(source, reason))

    def warn(self, source: str, reason: str) -> None:
        self.warnings.append(Skipped(source, reason))


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs in reading order: non-blank lines, surrounding spaces trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in text.split("\n") if p.strip()]


def parse_date(value) -> str | None:
    """``YYYY-MM-DD`` or ``YYYYMMDD`` (a valid calendar date) -> ``YYYY-MM-DD``; else None."""
    if value is None:
        return None
    m = _DATE_ANY.match(str(value).strip())
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    import datetime

    try:
        datetime.date(y, mo, d)
    except ValueError:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def derive_title(paragraphs: list[str]) -> str:
    """The first sentence of the first paragraph, shortened."""
    if not paragraphs:
        return ""
    first = paragraphs[0]
    m = _SENTENCE_END.search(first)
    sentence = first[: m.start()] if m and m.start() > 0 else first
    sentence = sentence.strip().lstrip("•·・-–—*#>　 ").strip() or sentence.strip()
    if len(sentence) > TITLE_CHARS:
        sentence = sentence[: TITLE_CHARS - 1].rstrip() + "…"
    return sentence


def parse_text_article(article_id: str, text: str, source: str = "") -> Article:
    date = None
    m = _DATE_HEADER.match(text)
    if m:
        date = parse_date(m.group(1))
        text = text[m.end():]
    paragraphs = split_paragraphs(text)
    return Article(article_id, derive_title(paragraphs), date, paragraphs, source, True)


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return True
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls > max(8, len(sample) // 100)


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM is fine); raises ValueError with a readable reason."""
    if _looks_binary(data):
        raise ValueError("binary file (not text)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"not valid UTF-8 (byte {e.start}: {data[e.start:e.start + 1]!r})") from None
    return text


def _read_bytes(path: str) -> bytes:
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file too large ({size} bytes; limit {MAX_FILE_BYTES})")
    with open(path, "rb") as f:
        return f.read()


def read_text_file(path: str, report: IngestReport) -> Iterator[Article]:
    name = os.path.basename(path)
    try:
        text = _decode(_read_bytes(path))
    except (OSError, ValueError) as e:
        report.skip(path, str(e))
        return
    art = parse_text_article(os.path.splitext(name)[0], text, path)
    if not art.paragraphs:
        report.skip(path, "empty (no paragraphs)")
        return
    if _too_long(art, path, report):
        return
    yield art


def _too_long(art: Article, where: str, report: IngestReport) -> bool:
    longest = max(len(p) for p in art.paragraphs)
    if longest > MAX_PARAGRAPH_CHARS:
        report.skip(where, f"article {art.id}: a paragraph of {longest} characters (limit "
                           f"{MAX_PARAGRAPH_CHARS}; is it one line without breaks?)")
        return True
    return False


def article_from_json(obj, where: str, report: IngestReport) -> Article | None:
    if not isinstance(obj, dict):
        report.skip(where, "not a JSON object")
        return None
    aid = obj.get("id", obj.get("_id"))
    if aid is None or str(aid).strip() == "":
        report.skip(where, "missing id (need 'id' or '_id')")
        return None
    aid = str(aid).strip()
    if "paragraphs" in obj and obj["paragraphs"] is not None:
        paras = obj["paragraphs"]
        if not isinstance(paras, list) or not all(isinstance(p, str) for p in paras):
            report.skip(where, f"article {aid}: 'paragraphs' must be a list of strings")
            return None
        paragraphs = [p.strip() for p in paras if p.strip()]  # one list item, one paragraph
    elif isinstance(obj.get("text"), str):
        paragraphs = split_paragraphs(obj["text"])
    else:
        report.skip(where, f"article {aid}: no 'text' or 'paragraphs'")
        return None
    if not paragraphs:
        report.skip(where, f"article {aid}: empty (no paragraphs)")
        return None
    raw_date = obj.get("date")
    date = parse_date(raw_date)
    if raw_date not in (None, "") and date is None:
        report.warn(where, f"article {aid}: date {str(raw_date)[:40]!r} ignored (want YYYY-MM-DD or YYYYMMDD)")
    title = obj.get("title")
    derived = not (isinstance(title, str) and title.strip())
    title = derive_title(paragraphs) if derived else title.strip()
    art = Article(aid, title, date, paragraphs, where.rsplit(":", 1)[0], derived)
    return None if _too_long(art, where, report) else art


def read_jsonl(path: str, report: IngestReport) -> Iterator[Article]:
    opener = gzip.open if path.endswith(".gz") else open
    any_line = False
    try:
        with opener(path, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                any_line = True
                where = f"{path}:{lineno}"
                try:
                    line = _decode(raw)
                    obj = json.loads(line)
                except ValueError as e:
                    report.skip(where, f"malformed JSON line ({str(e)[:120]})")
                    continue
                art = article_from_json(obj, where, report)
                if art is not None:
                    yield art
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        report.skip(path, f"cannot read ({e})")
        return
    if not any_line:
        report.skip(path, "empty file")


def _is_jsonl(path: str) -> bool:
    return path.endswith(".jsonl") or path.endswith(".jsonl.gz")


def source_files(source: str) -> list[str]:
    """The files a source names, in a stable order."""
    if os.path.isdir(source):
        out = []
        for root, dirs, files in os.walk(source):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for fn in sorted(files):
                if fn.startswith("."):
                    continue
                p = os.path.join(root, fn)
                if fn.endswith(".txt") or _is_jsonl(fn):
                    out.append(p)
        return out
    return [source]


def read_source(source: str, report: IngestReport) -> Iterator[Article]:
    """Articles from a folder, a .txt file or a .jsonl / .jsonl.gz file."""
    if not os.path.exists(source):
        report.skip(source, "no such file or folder")
        return
    for path in source_files(source):
        if _is_jsonl(path):
            yield from read_jsonl(path, report)
        elif path.endswith(".txt") or not os.path.isdir(source):
            yield from read_text_file(path, report)


def read_sources(sources: list[str], report: IngestReport) -> Iterator[Article]:
    """All articles of all sources; a repeated article id is reported and skipped."""
    seen: set[str] = set()
    for source in sources:
        for art in read_source(source, report):
            if art.id in seen:
                report.skip(art.source or source, f"duplicate article id {art.id!r} (kept the first)")
                continue
            seen.add(art.id)
            yield art


def fingerprint(sources: list[str]) -> list[list]:
    """What a build read: each file's path, size and mtime (to tell a stale index)."""
    out = []
    for source in sources:
        if not os.path.exists(source):
            out.append([os.path.abspath(source), None, None])
            continue
        for p in source_files(source):
            try:
                st = os.stat(p)
                out.append([os.path.abspath(p), st.st_size, int(st.st_mtime)])
            except OSError:
                out.append([os.path.abspath(p), None, None])
    return out


__all__ = [
    "Article", "Skipped", "IngestReport", "read_sources", "read_source", "parse_text_article",
    "split_paragraphs", "parse_date", "derive_title", "fingerprint",
]
