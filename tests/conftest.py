"""Fixtures: a real index of the seeds in a temp dir, the Flask app, its client and a CLI runner."""
import os

import pytest
from click.testing import CliRunner

from searcher.engine import open_engine
from searcher.web import create_app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "seeds")
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory):
    """An index of the five seed articles, built once per test session."""
    path = str(tmp_path_factory.mktemp("ix") / "index")
    open_engine(path).build([SEEDS], progress=False)
    return path


@pytest.fixture(scope="session")
def engine(seed_index):
    return open_engine(seed_index)


@pytest.fixture
def reader(engine):
    return engine.reader()


@pytest.fixture
def searcher(reader):
    """The seed index's reader (the name older tests use)."""
    return reader


@pytest.fixture
def app(seed_index):
    return create_app({"TESTING": True, "INDEX_DIR": seed_index})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def seed_texts():
    """{article id: [paragraph, ...]} read straight from the files (independent of ingest)."""
    out = {}
    for fn in sorted(os.listdir(SEEDS)):
        with open(os.path.join(SEEDS, fn), encoding="utf-8") as f:
            text = f.read()
        lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
        if lines and lines[0].startswith("date "):
            lines[0] = lines[0].split(" ", 2)[2].strip()
        out[fn[:-4]] = lines
    return out


@pytest.fixture(scope="session")
def seed_paragraphs():
    """(article id, n, text) of every seed paragraph, as ingest reads them."""
    from searcher.ingest import IngestReport, read_sources

    return [(a.id, n, t) for a in read_sources([SEEDS], IngestReport()) for n, t in enumerate(a.paragraphs, 1)]


@pytest.fixture(scope="session")
def seed_pairs(seed_paragraphs):
    """Name pairs mined from the seeds."""
    from searcher.names import mine_pairs

    return mine_pairs(seed_paragraphs)


# Outlets for a corpus made from the seeds: Hong Kong and mainland papers write 特朗普,
# Taiwanese ones 川普 (聯合報 switched from 特朗普 to 川普 in September).
OUTLETS = [("明報", "hk"), ("新華社", "cn"), ("中央社", "tw"), ("聯合報", "tw")]


def make_outlet_corpus(path, seed_paragraphs):
    """A JSONL corpus of the seeds' paragraphs cut into articles of six paragraphs, each
    with an outlet, a URL, an author and a date (2025-03 .. 2025-10; every seventh undated).
    Taiwanese outlets spell 特朗普 as 川普 (聯合報 only from September on), the others
    川普 as 特朗普.  Returns the
    articles written as dicts."""
    import json

    by_article: dict[str, list[str]] = {}
    for aid, _, text in seed_paragraphs:
        by_article.setdefault(aid, []).append(text)
    articles = []
    k = 0
    for aid, paras in sorted(by_article.items()):
        for start in range(0, len(paras), 6):
            outlet, region = OUTLETS[k % len(OUTLETS)]
            month = 3 + (k * 5) % 8
            date = None if k % 7 == 6 else f"2025-{month:02d}-{1 + k % 27:02d}"
            chunk = paras[start:start + 6]
            taiwan_spelling = region == "tw" and not (outlet == "聯合報" and date and date < "2025-09")
            if taiwan_spelling:
                chunk = [p.replace("特朗普", "川普") for p in chunk]
            else:
                chunk = [p.replace("川普", "特朗普") for p in chunk]
            art = {"id": f"{outlet}-{k:03d}", "source": outlet, "url": f"https://news.example/{k}",
                   "author": f"記者{k}", "paragraphs": chunk}
            if date:
                art["date"] = date
            articles.append(art)
            k += 1
    with open(path, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    return articles


@pytest.fixture(scope="session")
def outlet_articles(tmp_path_factory, seed_paragraphs):
    path = tmp_path_factory.mktemp("outlets") / "news.jsonl"
    return str(path), make_outlet_corpus(str(path), seed_paragraphs)


@pytest.fixture(scope="session")
def outlet_index(tmp_path_factory, outlet_articles):
    """An index of the outlet corpus (see ``make_outlet_corpus``)."""
    path = str(tmp_path_factory.mktemp("oix") / "index")
    open_engine(path).build([outlet_articles[0]], progress=False)
    return path


@pytest.fixture
def oclient(outlet_index):
    return create_app({"TESTING": True, "INDEX_DIR": outlet_index}).test_client()
