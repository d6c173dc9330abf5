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
from dataclasses import dataclass

import numpy as np
from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from ...analysis import Dictionary
from ...repeats import near
from . import accel
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
    counts = accel.analyse(rows, dictionary)

    def fill(writer):
        step = 0
        for r, c in zip(rows, counts):
            writer.add_document(words=c, **r.stored())
            step += 1
            if progress is not None and step == 512:
                progress(step)
                step = 0
        if progress is not None and step:
            progress(step)

    seg = _whoosh_segment(workdir, make_schema(dictionary), fill, limitmb)
    mined = []
    if mine is not None:
        where = {(r.article, r.n): i for i, r in enumerate(rows)}
        for zh, alias, aid, n in mine([(r.article, r.n, r.text) for r in rows]):
            mined.append((where[(aid, n)], zh, alias))
    table = accel.build(os.path.join(workdir, "accel"), rows, counts, mined=mined)
    a, b, s = near.edges_within(table)
    np.savez(os.path.join(workdir, WITHIN + ".npz"), a=a, b=b, s=s)
    return Built(workdir, seg.segid, seg.doc_count_all())


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
        for d, zh, alias in src.mined():
            if live[d]:
                mined.append((int(new_of[d]), zh, alias))
        for k, arr in enumerate((src.e_src, src.e_dst, src.e_sim)):
            edges[k].append(np.asarray(arr))
        expect = [f"{src_id}#{n}" for src_id, n in _keys(src, live)]
        got = [f"{r.article}#{r.n}" for r in rows[base:base + int(live.sum())]]
        if expect != got:
            raise RuntimeError(f"merge of segment {seg_.segid}: Whoosh's documents are not where expected")
        base += int(live.sum())
    if base != len(rows):
        raise RuntimeError(f"merged segment holds {len(rows)} documents; the sources had {base} live")
    counts = accel.analyse(rows, dictionary)
    accel.build(os.path.join(workdir, "accel"), rows, counts, mined=mined)
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
