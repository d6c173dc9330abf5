"""End to end: the real page in headless Chromium (Debian's chromium + chromium-driver)."""
import os
import shutil
import socket
import threading
import time

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium and chromium-driver (see .ci/run)")
    pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


@pytest.fixture(scope="module")
def server(seed_index):
    from waitress.server import create_server

    from searcher.web import create_app

    app = create_app({"INDEX_DIR": seed_index})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    srv = create_server(app, host="127.0.0.1", port=port, threads=4)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{port}"
    srv.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=1200,900", f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


def test_type_a_query_see_highlights_open_an_article(server, browser):
    browser.get(server + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("乌克兰")  # Simplified query over Traditional articles
    box.send_keys(Keys.ENTER)
    deadline = time.time() + 10
    while time.time() < deadline and not browser.find_elements(By.CSS_SELECTOR, ".hit"):
        time.sleep(0.1)
    hits = browser.find_elements(By.CSS_SELECTOR, ".hit")
    assert len(hits) == 5
    marks = browser.find_elements(By.CSS_SELECTOR, ".hit mark")
    assert marks and all(m.text == "烏克蘭" for m in marks)
    assert "5 篇文章符合" in browser.find_element(By.ID, "count").text
    # open the first passage's paragraph link: the article page, scrolled to that paragraph
    link = hits[0].find_element(By.CSS_SELECTOR, "a.pn")
    n = link.text.lstrip("¶")
    link.click()
    deadline = time.time() + 10
    while time.time() < deadline and "/article/" not in browser.current_url:
        time.sleep(0.1)
    assert browser.current_url.endswith(f"#p{n}")
    para = browser.find_element(By.ID, f"p{n}")
    assert "烏克蘭" in [m.text for m in para.find_elements(By.TAG_NAME, "mark")]


def test_bad_query_shows_a_message(server, browser):
    browser.get(server + "/?q=的")
    assert "Nothing to search for" in browser.find_element(By.CSS_SELECTOR, ".error").text


def test_page_fits_a_phone(server, browser):
    browser.set_window_size(390, 844)
    try:
        browser.get(server + "/?q=普京")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 400  # no horizontal scrolling on a phone
    finally:
        browser.set_window_size(1200, 900)
