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


def serve(index_dir=None, engine=None):
    """The app on a free port in a thread, over an index folder or an engine object."""
    from waitress.server import create_server

    from searcher.web import create_app

    app = create_app({"ENGINE_OBJECT": engine} if engine is not None else {"INDEX_DIR": index_dir})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    srv = create_server(app, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=srv.run, daemon=True).start()
    return srv, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def server(seed_index):
    srv, url = serve(seed_index)
    yield url
    srv.close()


PAYLOADS = ['<script>document.title="pwned-1"</script>', '<img src=x onerror="document.title=\'pwned-2\'">',
            '"><svg onload="document.title=\'pwned-3\'">']


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from searcher.engine import open_engine

    src = tmp_path_factory.mktemp("hostile")
    (src / "evil.txt").write_text(
        " date 2025-01-01 惡意文章" + PAYLOADS[0] + "標題\n" + "\n".join(f"第{i}段 {p} 惡意" for i, p in enumerate(PAYLOADS))
        + "\n" + "\n".join(f"重複 {p}" for p in PAYLOADS) * 2, encoding="utf-8")
    (src / "copy.txt").write_text("\n".join(f"重複 {p}" for p in PAYLOADS), encoding="utf-8")
    ix = str(src / "ix")
    open_engine(ix).build([str(src)], progress=False)
    srv, url = serve(ix)
    yield url
    srv.close()


def test_hostile_text_is_shown_as_text_and_no_script_runs(hostile_server, browser):
    from urllib.parse import quote

    urls = [hostile_server + "/?q=" + quote("惡意"), hostile_server + "/?q=" + quote("重複"),
            hostile_server + "/article/evil?q=" + quote("惡意")]
    urls += [hostile_server + "/?q=" + quote(p) for p in PAYLOADS]
    urls += [hostile_server + "/?q=" + quote("惡意 " + p) for p in PAYLOADS]
    for url in urls:
        browser.get(url)
        time.sleep(0.2)
        assert not browser.title.startswith("pwned"), url  # the payloads would set the title
        body = browser.find_element(By.TAG_NAME, "body")
        # the page's own date histogram is the only svg
        assert not body.find_elements(By.CSS_SELECTOR, "main script, main img, main svg:not(.histogram-svg)"), url
        assert not body.find_elements(By.CSS_SELECTOR, "main svg script, main svg [onload]"), url
    browser.get(urls[0])
    assert "<img src=x" in browser.find_element(By.TAG_NAME, "main").text  # shown as text


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
    assert "沒有可以搜尋的詞" in browser.find_element(By.CSS_SELECTOR, ".error").text


def test_page_fits_a_phone(server, browser):
    browser.set_window_size(390, 844)
    try:
        browser.get(server + "/?q=普京")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 400  # no horizontal scrolling on a phone
    finally:
        browser.set_window_size(1200, 900)
