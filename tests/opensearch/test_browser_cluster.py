"""The newsroom page in headless Chromium, served from the cluster engine: the same page tests
as on the embedded engine (histogram bars, spelling switches, stepping through an article's
matches into a folded repeat, CSV export, name suggestions, a phone's first screen)."""
from __future__ import annotations

import socket
import threading

import pytest

from tests.test_browser import CHROMEDRIVER, CHROMIUM  # noqa: F401 (skips without chromium, fails under CI)
from tests.test_browser_page import (  # noqa: F401  (the tests and their browser, run here on the cluster)
    chrome, downloads, test_a_phone_sees_the_first_result_above_the_middle, test_click_a_histogram_bar_to_see_that_month,
    test_export_the_results_as_csv, test_open_an_article_and_step_through_its_matches,
    test_stepping_opens_a_folded_repeat, test_switch_one_spelling_off_and_back_on,
    test_typing_a_name_suggests_names_with_their_spellings)


def serve_engine(engine):
    from waitress.server import create_server

    from searcher.web import create_app

    app = create_app({"ENGINE_OBJECT": engine})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    srv = create_server(app, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=srv.run, daemon=True).start()
    return srv, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def site(outlet_articles, make_os_engine):
    eng = make_os_engine("outlets")
    eng.build([outlet_articles[0]], progress=False, summarize_repeats=False)
    srv, url = serve_engine(eng)
    yield url
    srv.close()


@pytest.fixture(scope="module")
def seeds_site(os_seed_engine):
    srv, url = serve_engine(os_seed_engine)
    yield url
    srv.close()
