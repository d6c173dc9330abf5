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
