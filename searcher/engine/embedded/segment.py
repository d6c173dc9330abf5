"""Writing one segment: a Whoosh segment and its accelerator, in a work folder.

A segment is written as a standalone one-segment Whoosh index in a folder under
``tmp/`` (so a killed writer leaves only a folder to remove), then adopted by a
commit (``writer``): its files move into the index folder and the new table of
contents lists it.  ``write_segment`` indexes new paragraphs; ``merge_segments``
is Whoosh's own merge (``SegmentWriter.add_reader``, which drops deleted
documents) followed by a rebuild of the accelerator from the merged segment's
stored fields.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import numpy as np
from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from ...analysis import Dictionary
from ...repeats import near
from . import accel, whoosh_segment
from .layout import INDEX_NAME
from .schema import make_schema

WITHIN = "within"  # near edges among the segment's own classes, before the cross edges are added


@dataclass
class Built:
    """A finished work folder: its Whoosh segment id and document count."""

    workdir: str
    segid: str
    docs: int

    @property
    def accel(self) -> str:
        return os.path.join(self.workdir, "accel")

    def segment(self):
        return TOC.read(FileStorage(self.workdir), INDEX_NAME).segments[0]


class _Clock:
    """CPU seconds per stage of a segment, printed when SEARCHER_DEBUG_TIMES is set."""

    def __init__(self):
        self.last, self.stages = time.process_time(), {}

    def __call__(self, stage):
        now = time.process_time()
        self.stages[stage] = round(now - self.last, 2)
        self.last = now

    def report(self, what):
        if os.environ.get("SEARCHER_DEBUG_TIMES"):
            print(f"{what}: cpu " + ", ".join(f"{k} {v}" for k, v in self.stages.items()), file=sys.stderr)


def _whoosh_segment(workdir: str, schema, fill, limitmb: int):
    ix = windex.create_in(workdir, schema, indexname=INDEX_NAME)
    writer = ix.writer(limitmb=limitmb, compound=False)
    try:
        fill(writer)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    segs = TOC.read(FileStorage(workdir), INDEX_NAME).segments
    if len(segs) != 1:
        raise RuntimeError(f"{workdir}: expected one segment, Whoosh wrote {len(segs)}")
    return segs[0]


def write_segment(workdir: str, rows: list, dictionary: Dictionary, limitmb: int = 128,
                  mine=None, progress=None) -> Built:
    """Index ``rows`` (``accel.DocRow``, whole articles in order) into a new segment.

    ``mine(paragraphs) -> [(zh, alias, article id, n)]`` mines name pairs;
    ``progress(k)`` is told of every k paragraphs written."""
    os.makedirs(workdir, exist_ok=True)
    if isinstance(rows, str):  # a file of rows written by the parent (``save_rows``)
        rows = load_rows(rows)
    step = [0]

    def each(r, c):
        step[0] += 1
        if progress is not None and step[0] == 512:
            progress(step[0])
            step[0] = 0

    clock = _Clock()
    wa = accel.word_postings(rows, dictionary, each)
    if progress is not None and step[0]:
        progress(step[0])
    clock("words")
    whoosh_segment.write(workdir, make_schema(dictionary), INDEX_NAME, (r.stored() for r in rows), wa)
    seg = TOC.read(FileStorage(workdir), INDEX_NAME).segments[0]
    clock("whoosh")
    mined = []
    if mine is not None:
        where = {(r.article, r.n): i for i, r in enumerate(rows)}
        for zh, alias, aid, n, surname, problem in mine([(r.article, r.n, r.text) for r in rows]):
            mined.append((where[(aid, n)], zh, alias, surname, problem))
    clock("mine")
    table = accel.build(os.path.join(workdir, "accel"), rows, wa, mined=mined)
    clock("accel")
    a, b, s = near.edges_within(table)
    np.savez(os.path.join(workdir, WITHIN + ".npz"), a=a, b=b, s=s)
    clock("within")
    clock.report(f"segment {os.path.basename(workdir)} ({len(rows)} paragraphs)")
    return Built(workdir, seg.segid, seg.doc_count_all())


def save_rows(path: str, rows) -> int:
    """Write DocRows to a file for a worker process (so the parent holds no batch)."""
    import pickle

    n = 0
    with open(path, "wb") as f:
        for r in rows:
            pickle.dump(r, f, protocol=pickle.HIGHEST_PROTOCOL)
            n += 1
    return n


def load_rows(path: str) -> list:
    import pickle

    out = []
    with open(path, "rb") as f:
        while True:
            try:
                out.append(pickle.load(f))
            except EOFError:
                return out


def within_edges(workdir: str):
    with np.load(os.path.join(workdir, WITHIN + ".npz")) as z:
        return z["a"], z["b"], z["s"]


def merge_segments(workdir: str, storage, schema, segments: list, sources: list, limitmb: int = 128) -> Built:
    """Whoosh's merge of ``segments`` (documents in segment order, deleted ones
    dropped) into one new segment, with its accelerator rebuilt from the merged
    stored fields; ``sources`` are the segments' ``SegmentAccel`` (their near
    edges and mined pairs are carried over)."""
    os.makedirs(workdir, exist_ok=True)
    dictionary = schema["words"].analyzer[0].dictionary

    readers = []

    def fill(writer):
        for seg in segments:
            readers.append(SegmentReader(storage, schema, seg))
            writer.add_reader(readers[-1])

    try:
        seg = _whoosh_segment(workdir, make_schema(dictionary), fill, limitmb)
    finally:
        for r in readers:
            r.close()
    reader = SegmentReader(FileStorage(workdir), schema, seg)
    try:
        rows = accel.rows_of_whoosh_segment(reader)
    finally:
        reader.close()
    # where each surviving document of the sources went (Whoosh keeps their order)
    mined, base = [], 0
    edges = [[], [], []]
    for seg_, src in zip(segments, sources):
        live = np.ones(seg_.doc_count_all(), bool)
        if seg_.has_deletions():
            live[list(seg_.deleted_docs())] = False
        new_of = np.cumsum(live) - 1 + base
        for d, zh, alias, surname, problem in src.mined():
            if live[d]:
                mined.append((int(new_of[d]), zh, alias, surname, problem))
        for k, arr in enumerate((src.e_src, src.e_dst, src.e_sim)):
            edges[k].append(np.asarray(arr))
        expect = [f"{src_id}#{n}" for src_id, n in _keys(src, live)]
        got = [f"{r.article}#{r.n}" for r in rows[base:base + int(live.sum())]]
        if expect != got:
            raise RuntimeError(f"merge of segment {seg_.segid}: Whoosh's documents are not where expected")
        base += int(live.sum())
    if base != len(rows):
        raise RuntimeError(f"merged segment holds {len(rows)} documents; the sources had {base} live")
    accel.build(os.path.join(workdir, "accel"), rows, accel.word_postings(rows, dictionary), mined=mined)
    src = np.concatenate(edges[0]) if edges[0] else np.zeros(0, np.uint64)
    dst = np.concatenate(edges[1]) if edges[1] else np.zeros(0, np.uint64)
    sim = np.concatenate(edges[2]) if edges[2] else np.zeros(0, np.float32)
    half = src < dst
    np.savez(os.path.join(workdir, WITHIN + ".npz"), a=src[half], b=dst[half], s=sim[half])
    return Built(workdir, seg.segid, seg.doc_count_all())


def _keys(src: "accel.SegmentAccel", live: np.ndarray):
    ids = src.art_id.tolist()
    arts, ns = np.asarray(src.doc_art), np.asarray(src.doc_n)
    for d in np.flatnonzero(live).tolist():
        yield ids[int(arts[d])], int(ns[d])
