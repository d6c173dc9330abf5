"""Segments written from sorted postings are the segments Whoosh's own writer writes."""
import random

from whoosh import index as windex
from whoosh.qparser import QueryParser

from searcher.analysis import Dictionary
from searcher.engine.embedded import accel, segment, whoosh_segment
from searcher.ingest import IngestReport, read_sources
from tests.conftest import SEEDS
from tests.living import pool


def test_the_sorted_writer_writes_what_whooshs_pool_writer_writes(tmp_path):
    rows = [accel.DocRow(a.id, n, a.title, a.date, t, "outlet", "", "")
            for a in list(read_sources([SEEDS], IngestReport())) + list(pool(60).values())[5:]
            for n, t in enumerate(a.paragraphs, 1)]
    d = Dictionary(["澤連斯基", "安克拉治"])
    schema = segment.make_schema(d)
    a_dir, b_dir = tmp_path / "whoosh", tmp_path / "sorted"
    a_dir.mkdir()
    b_dir.mkdir()
    segment._whoosh_segment(str(a_dir), schema, lambda w: accel.word_postings(
        rows, d, lambda r, c: w.add_document(words=c, **r.stored())), 64)
    whoosh_segment.write(str(b_dir), schema, "MAIN", (r.stored() for r in rows), accel.word_postings(rows, d))
    a, b = windex.open_dir(str(a_dir), indexname="MAIN"), windex.open_dir(str(b_dir), indexname="MAIN")
    with a.reader() as ra, b.reader() as rb:
        terms = list(ra.all_terms())
        assert terms == list(rb.all_terms()) and len(terms) > 1000
        for f, t in random.Random(3).sample(terms, 300):
            assert list(ra.postings(f, t).items_as("frequency")) == list(rb.postings(f, t).items_as("frequency"))
        assert [ra.doc_field_length(i, "words") for i in range(len(rows))] == \
               [rb.doc_field_length(i, "words") for i in range(len(rows))]
        assert all(ra.stored_fields(i) == rb.stored_fields(i) for i in range(0, len(rows), 7))
    for q in ["阿拉斯加", "主管機關 規定", "澤連斯基"]:
        with a.searcher() as sa, b.searcher() as sb:
            qa = QueryParser("words", schema).parse(q)
            assert [(h.docnum, h.score) for h in sa.search(qa, limit=20)] == \
                   [(h.docnum, h.score) for h in sb.search(qa, limit=20)]
