"""The newsroom page driven in headless Chromium: histogram bars, spelling switches,
stepping through an article's matches, export, "/", suggestions, and a phone's screen."""
import os
import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.test_browser import CHROMEDRIVER, CHROMIUM, serve  # noqa: F401 (skips without chromium)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


def wait(fn, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    return fn()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return str(tmp_path_factory.mktemp("downloads"))


@pytest.fixture(scope="module")
def chrome(tmp_path_factory, downloads):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=1280,900", f"--user-data-dir={tmp_path_factory.mktemp('chrome2')}"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                           "download.prompt_for_download": False})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def site(outlet_index):
    srv, url = serve(outlet_index)
    yield url
    srv.close()


@pytest.fixture(scope="module")
def seeds_site(seed_index):
    srv, url = serve(seed_index)
    yield url
    srv.close()


def count(browser):
    return int(browser.find_element(By.ID, "count").text.split(" ")[0])


def test_click_a_histogram_bar_to_see_that_month(site, chrome):
    chrome.get(site + "/?q=" + quote("峰會"))
    total = count(chrome)
    bars = chrome.find_elements(By.CSS_SELECTOR, "#histogram a.hbar")
    assert len(bars) >= 3
    bar = max(bars, key=lambda b: int(b.get_attribute("data-count")))
    key, n = bar.get_attribute("data-key"), int(bar.get_attribute("data-count"))
    assert n < total
    bar.find_element(By.CSS_SELECTOR, "rect.bar").click()
    wait(lambda: "from=" in chrome.current_url)
    args = parse_qs(urlsplit(chrome.current_url).query)
    assert args["from"] == [key + "-01"] and args["to"][0].startswith(key)
    assert count(chrome) == n
    dates = [t.get_attribute("datetime") for t in chrome.find_elements(By.CSS_SELECTOR, ".hit .meta time")]
    assert dates and all(d.startswith(key) for d in dates)
    # a month is drawn by day now; "any date" goes back
    assert all(len(b.get_attribute("data-key")) == 10 for b in chrome.find_elements(By.CSS_SELECTOR, "a.hbar"))
    chrome.find_element(By.LINK_TEXT, "不限日期").click()
    wait(lambda: "from=" not in chrome.current_url)
    assert count(chrome) == total


def test_switch_one_spelling_off_and_back_on(site, chrome):
    chrome.get(site + "/?q=" + quote("特朗普"))
    total = count(chrome)
    chip = chrome.find_element(By.CSS_SELECTOR, 'a.chip.spelling[data-spelling="川普"]')
    assert chip.get_attribute("aria-pressed") == "true"
    chip.click()
    wait(lambda: "exclude=" in chrome.current_url)
    chip = chrome.find_element(By.CSS_SELECTOR, 'a.chip.spelling[data-spelling="川普"]')
    assert "off" in chip.get_attribute("class") and chip.get_attribute("aria-pressed") == "false"
    assert count(chrome) < total
    assert "川普" not in [m.text for m in chrome.find_elements(By.CSS_SELECTOR, ".hit mark")]
    chip.click()
    wait(lambda: "exclude=" not in chrome.current_url)
    assert count(chrome) == total


def test_open_an_article_and_step_through_its_matches(seeds_site, chrome):
    chrome.get(seeds_site + "/?q=" + quote("普京"))
    chrome.find_element(By.CSS_SELECTOR, ".hit h2 a").click()
    wait(lambda: "/article/" in chrome.current_url)
    hits = [p.get_attribute("id") for p in chrome.find_elements(By.CSS_SELECTOR, "article p.has-match")]
    assert len(hits) >= 3
    nxt, prev = chrome.find_element(By.ID, "match-next"), chrome.find_element(By.ID, "match-prev")
    counter = chrome.find_element(By.ID, "match-count")
    nxt.click()
    assert wait(lambda: chrome.current_url.endswith("#" + hits[0]))
    assert counter.text.startswith(f"1 / {len(hits)}")
    nxt.click()
    assert wait(lambda: chrome.current_url.endswith("#" + hits[1]))
    current = chrome.find_element(By.ID, hits[1])
    assert "current" in current.get_attribute("class")
    y = chrome.execute_script("return arguments[0].getBoundingClientRect().top", current)
    assert 0 <= y < 900  # scrolled into view
    prev.click()
    assert wait(lambda: chrome.current_url.endswith("#" + hits[0]))
    prev.click()
    assert wait(lambda: chrome.current_url.endswith("#" + hits[-1]))  # wraps around
    assert counter.text.startswith(f"{len(hits)} / {len(hits)}")
    # the search box is still there, and "/" focuses it
    chrome.find_element(By.TAG_NAME, "body").send_keys("/")
    assert chrome.switch_to.active_element.get_attribute("id") == "q"
    assert chrome.find_element(By.ID, "q").get_attribute("value") == "普京"


def test_stepping_opens_a_folded_repeat(seeds_site, chrome):
    chrome.get(seeds_site + "/article/002_3caf9e9192dc43da?q=" + quote("波克羅夫斯克"))
    fold = chrome.find_element(By.CSS_SELECTOR, "details.fold")
    assert fold.get_attribute("open") is None
    hits = [p.get_attribute("id") for p in chrome.find_elements(By.CSS_SELECTOR, "article p.has-match")]
    folded = [h for h in hits if int(h[1:]) >= 21]
    assert folded
    nxt = chrome.find_element(By.ID, "match-next")
    for _ in range(hits.index(folded[0]) + 1):
        nxt.click()
    assert wait(lambda: chrome.current_url.endswith("#" + folded[0]))
    assert fold.get_attribute("open") is not None
    assert chrome.find_element(By.ID, folded[0]).is_displayed()


def test_export_the_results_as_csv(site, chrome, downloads):
    chrome.get(site + "/?q=" + quote("峰會") + "&source=" + quote("明報"))
    chrome.find_element(By.ID, "export-csv").click()
    path = wait(lambda: [f for f in os.listdir(downloads) if f.endswith(".csv")], timeout=15)
    assert path
    with open(os.path.join(downloads, path[0]), encoding="utf-8-sig") as f:
        lines = f.read().splitlines()
    assert lines[0] == "id,title,source,date,n,text,url"
    assert len(lines) > 1 and all(",明報," in line for line in lines[1:])


def test_typing_a_name_suggests_names_with_their_spellings(seeds_site, chrome):
    chrome.get(seeds_site + "/")
    box = chrome.find_element(By.ID, "q")
    box.send_keys("川")
    options = wait(lambda: chrome.find_elements(By.CSS_SELECTOR, "#suggest option"))
    assert options[0].get_attribute("value") == "川普"
    assert "特朗普" in options[0].get_attribute("label")


def test_a_phone_sees_the_first_result_above_the_middle(site, chrome):
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    try:
        chrome.get(site + "/?q=" + quote("特朗普"))
        inner = chrome.execute_script("return window.innerHeight")
        top = chrome.execute_script("return document.querySelector('.hit').getBoundingClientRect().top")
        assert top < inner / 2
        box = chrome.find_element(By.ID, "q")
        button = chrome.find_element(By.CSS_SELECTOR, "form.search button")
        assert abs(box.rect["y"] - button.rect["y"]) < 8  # the button shares the box's row
        # the placeholder fits in the box, in the box's (the page's CJK) font
        fits = chrome.execute_script("""
            const b = document.getElementById('q'), s = getComputedStyle(b);
            const c = document.createElement('canvas').getContext('2d');
            c.font = s.fontSize + ' ' + s.fontFamily;
            const w = c.measureText(b.placeholder).width;
            return [w, b.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight),
                    s.fontFamily === getComputedStyle(document.body).fontFamily];""")
        assert fits[0] <= fits[1] and fits[2], fits
        assert chrome.execute_script("return document.documentElement.scrollWidth") <= 390
    finally:
        chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
