"""The newsroom page in headless Chromium, served from the cluster engine: the same page tests
as on the embedded engine (histogram bars, spelling switches, stepping through an article's
matches into a folded repeat, CSV export, name suggestions, a phone's first screen)."""
from __future__ import annotations

import pytest

from tests.test_browser import CHROMEDRIVER, CHROMIUM, serve  # noqa: F401 (skips without chromium, fails under CI)
from tests.test_browser_page import (  # noqa: F401  (the tests and their browser, run here on the cluster)
    chrome, downloads, test_a_phone_sees_the_first_result_above_the_middle, test_click_a_histogram_bar_to_see_that_month,
    test_export_the_results_as_csv, test_open_an_article_and_step_through_its_matches,
    test_stepping_opens_a_folded_repeat, test_switch_one_spelling_off_and_back_on,
    test_typing_a_name_suggests_names_with_their_spellings)


@pytest.fixture(scope="module")
def site(outlet_articles, make_os_engine):
    eng = make_os_engine("outlets")
    eng.build([outlet_articles[0]], progress=False, summarize_repeats=False)
    srv, url = serve(engine=eng)
    yield url
    srv.close()


@pytest.fixture(scope="module")
def seeds_site(os_seed_engine):
    srv, url = serve(engine=os_seed_engine)
    yield url
    srv.close()
