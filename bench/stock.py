"""The stock recipe, as a baseline: Whoosh + jieba's own ChineseAnalyzer, default settings.

This is what the jieba README suggests for Whoosh, and nothing more:

    schema = Schema(id=ID(stored=True), content=TEXT(stored=True, analyzer=ChineseAnalyzer()))
    ix = create_in(dir, schema); w = ix.writer(); w.add_document(...) per paragraph; w.commit()
    QueryParser("content", schema).parse(q)  ->  searcher.search(q, limit=10)  ->  hit.highlights("content")

One document per paragraph, id ``"<article id>#<n>"`` (n from 1).  The highlighter
re-tokenizes the stored text with jieba for every hit (no term vectors), as stock
Whoosh does.  Kept deliberately minimal and unoptimised: it is the thing to beat.

Sources are the same JSONL files ``searcher build`` reads (``id`` or ``_id``, and a
``paragraphs`` list or a ``text`` split into non-blank lines).  The one departure
from "default settings" is for question-style queries (``op="or"``), which use
``QueryParser(..., group=OrGroup)``: with the default AND group a question matches
next to nothing, which would make the reference meaningless.  Queries are parsed
exactly as typed (a question's ``?`` is harmless: the field's analyzer drops it).
"""
from __future__ import annotations

import gzip
import json
import logging


def paragraphs(path: str):
    """(doc id, text) for every paragraph of a JSONL / JSONL.gz source, in file order."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            obj = json.loads(line)
            aid = str(obj.get("id", obj.get("_id")))
            paras = obj.get("paragraphs")
            if paras is None:
                paras = obj.get("text", "").replace("\r\n", "\n").split("\n")
            paras = [p.strip() for p in paras if p.strip()]
            for n, text in enumerate(paras, 1):
                yield f"{aid}#{n}", text


def make_schema():
    from jieba.analyse import ChineseAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    return Schema(id=ID(stored=True), content=TEXT(stored=True, analyzer=ChineseAnalyzer()))


def build(source: str, index_dir: str) -> dict:
    """Index every paragraph of ``source`` into a new Whoosh index in ``index_dir``."""
    import jieba
    from whoosh.index import create_in

    jieba.setLogLevel(logging.WARNING)
    ix = create_in(index_dir, make_schema())
    writer = ix.writer()
    count = chars = 0
    for doc_id, text in paragraphs(source):
        writer.add_document(id=doc_id, content=text)
        count += 1
        chars += len(text)
    writer.commit()
    return {"paragraphs": count, "characters": chars}


class StockSearcher:
    """QueryParser over ``content`` (AND by default, OrGroup for op=or), top 10, highlights."""

    def __init__(self, index_dir: str):
        import jieba
        from whoosh.index import open_dir
        from whoosh.qparser import OrGroup, QueryParser

        jieba.setLogLevel(logging.WARNING)
        self.ix = open_dir(index_dir)
        self.searcher = self.ix.searcher()
        self.parsers = {
            "and": QueryParser("content", self.ix.schema),
            "or": QueryParser("content", self.ix.schema, group=OrGroup),
        }

    def search(self, q: str, op: str = "and", limit: int | None = 10, highlights: bool = True):
        """[(doc id, highlights html)] of the top ``limit`` paragraphs (limit=None: all, unranked use)."""
        query = self.parsers[op].parse(q)
        results = self.searcher.search(query, limit=limit)
        if highlights:
            return [(hit["id"], hit.highlights("content")) for hit in results]
        return [(hit["id"], "") for hit in results]

    def close(self):
        self.searcher.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


if __name__ == "__main__":
    import argparse
    import time

    ap = argparse.ArgumentParser(description="Build a stock index or search one.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("source")
    b.add_argument("index_dir")
    s = sub.add_parser("search")
    s.add_argument("index_dir")
    s.add_argument("query")
    s.add_argument("--op", choices=["and", "or"], default="and")
    args = ap.parse_args()
    if args.cmd == "build":
        import os

        os.makedirs(args.index_dir, exist_ok=True)
        t0 = time.perf_counter()
        info = build(args.source, args.index_dir)
        print(f"{info['paragraphs']} paragraphs in {time.perf_counter() - t0:.1f} s -> {args.index_dir}")
    else:
        with StockSearcher(args.index_dir) as ss:
            for doc_id, hl in ss.search(args.query, args.op):
                print(doc_id, hl)
