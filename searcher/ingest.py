"""Read sources into articles.

A source is a folder of ``.txt`` articles, a single ``.txt`` file, or a ``.jsonl`` /
``.jsonl.gz`` file with one article per line.  Bad files (and bad JSON lines) are
reported through ``Skipped`` records and passed over; everything else is read.

Text files: optional header lines `` source 明報 ``, `` url https://… `` and
`` author 王小明 `` (each on a line of its own, in any order, at the top), then an
optional `` date YYYY-MM-DD `` followed directly by the first paragraph; paragraphs
are separated by one or more newlines.  The article id is the file stem.  JSON
lines: ``id`` or ``_id``, optional ``title``, optional ``date`` (``YYYY-MM-DD`` or
``YYYYMMDD``), optional ``source`` (the outlet), ``url`` and ``author``, and
``text`` or ``paragraphs``.  A ``url`` that is not http(s) is dropped with a
warning (it becomes a link on the page).
"""
from __future__ import annotations

import gzip
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Iterator

_DATE_HEADER = re.compile(r"\A[ \t\ufeff]*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]*")
_HEADER_LINE = re.compile(r"\A[ \t\ufeff]*(source|url|author)[ \t]+([^\n]*?)[ \t]*(?:\r?\n|\Z)")
_URL_OK = re.compile(r"\Ahttps?://[^\s<>\"']+\Z", re.I)
META_CHARS = 200  # longest outlet / author kept
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
    source: str = ""  # the file (and line) it was read from
    title_derived: bool = False
    outlet: str = ""  # where it was published (JSON "source", text header "source")
    url: str = ""  # the original article (http or https)
    author: str = ""


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
    return shorten(sentence, TITLE_CHARS)


_CLAUSE_BREAK = re.compile(r"[，,、：:（(「『《〈—–]")
_LATIN = re.compile(r"[A-Za-z0-9]")


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters (with "…"), at the last clause
    boundary (，、：（「…) in the second half of the limit if there is one, and never
    inside a Latin word or inside brackets opened in what is kept."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(head) if m.start() >= limit // 3]
    if breaks:
        head = head[: breaks[-1]]
    elif _LATIN.match(text[len(head) - 1]) and _LATIN.match(text[len(head)]):
        k = len(head)
        while k > 0 and _LATIN.match(head[k - 1]):
            k -= 1
        if k >= limit // 3:
            head = head[:k]
    return head.rstrip(" ，,、：:") + "…"


def clean_meta(value, limit: int = META_CHARS) -> str:
    """An outlet or author name: one line of text, spaces collapsed, at most ``limit`` characters."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:limit]


def clean_url(value) -> str | None:
    """An http(s) URL as given, "" for none, None for one that cannot be linked."""
    if value in (None, ""):
        return ""
    value = str(value).strip()
    return value if _URL_OK.match(value) and len(value) <= 2000 else None


def parse_text_article(article_id: str, text: str, source: str = "",
                       report: IngestReport | None = None) -> Article:
    date = None
    header = {}
    while True:  # header lines: source / url / author
        m = _HEADER_LINE.match(text)
        if not m:
            break
        header[m.group(1)] = m.group(2)
        text = text[m.end():]
    m = _DATE_HEADER.match(text)
    if m:
        date = parse_date(m.group(1))
        text = text[m.end():]
    paragraphs = split_paragraphs(text)
    url = clean_url(header.get("url"))
    if url is None:
        if report is not None:
            report.warn(source or article_id, f"article {article_id}: url {header['url'][:60]!r} ignored "
                                              "(want http:// or https://)")
        url = ""
    return Article(article_id, derive_title(paragraphs), date, paragraphs, source, True,
                   clean_meta(header.get("source")), url, clean_meta(header.get("author")))


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return True
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls > max(8, len(sample) // 100)


def _decode(data: bytes, name: str = "FILE") -> str:
    """UTF-8 (a BOM is fine); raises ValueError with a readable reason."""
    if _looks_binary(data):
        raise ValueError("binary file (not text)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        reason = f"not valid UTF-8 (byte {e.start}: {data[e.start:e.start + 1]!r})"
        legacy = guess_legacy_encoding(data)
        if legacy:
            reason += (f"; it looks like {legacy[1]}: convert it with "
                       f"`iconv -f {legacy[0]} -t UTF-8 {name} > {name}.utf8` and read that instead")
        raise ValueError(reason) from None
    return text


# Frequent characters in both scripts: the encoding under which a file reads as the
# most of them is the file's (Big5 bytes read as GBK give rare characters, and back).
_COMMON = set("的一是不了在人有我他這这個个們们中來来上大為为和國国地到以說说時时要就出會会也"
              "年對对後后於于與与將将被表示發发日月政府經经美總总統统")


def guess_legacy_encoding(data: bytes) -> tuple[str, str] | None:
    """("BIG5", "Big5 (Traditional Chinese)") or ("GB18030", ...) when ``data`` reads
    as Chinese text in one of them; None otherwise."""
    sample = data[:65536]
    best = None
    for codec, iconv, label in (("big5hkscs", "BIG5-HKSCS", "Big5 (Traditional Chinese)"),
                                ("gb18030", "GB18030", "GB18030/GBK (Simplified Chinese)")):
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError as e:
            if e.start < len(sample) - 4:  # not just a character cut at the sample's end
                continue
            text = sample[:e.start].decode(codec)
        han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
        common = sum(1 for c in text if c in _COMMON)
        if han >= 2 and common and (best is None or common > best[0]):
            best = (common, iconv, label)
    return (best[1], best[2]) if best else None


def _read_bytes(path: str) -> bytes:
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file too large ({size} bytes; limit {MAX_FILE_BYTES})")
    with open(path, "rb") as f:
        return f.read()


def read_text_file(path: str, report: IngestReport) -> Iterator[Article]:
    name = os.path.basename(path)
    try:
        text = _decode(_read_bytes(path), shlex.quote(path))
    except (OSError, ValueError) as e:
        report.skip(path, str(e))
        return
    art = parse_text_article(os.path.splitext(name)[0], text, path, report)
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
    url = clean_url(obj.get("url"))
    if url is None:
        report.warn(where, f"article {aid}: url {str(obj.get('url'))[:60]!r} ignored (want http:// or https://)")
        url = ""
    art = Article(aid, title, date, paragraphs, where.rsplit(":", 1)[0], derived,
                  clean_meta(obj.get("source")), url, clean_meta(obj.get("author")))
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
