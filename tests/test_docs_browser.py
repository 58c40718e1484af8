"""The docs site in a real browser (Debian's headless Chromium via Selenium, no browser downloads).

Every page opens without console errors or broken links, Japanese renders with a real CJK font,
and a page's own GET sample succeeds against the reference server that serves the site at /docs/.
Set SCS_DOCS_SCREENSHOTS=1 to refresh docs/screenshots/*.png (1280x900).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urldefrag

import pytest
import requests

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
    pytest.skip("needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install selenium)")

from scs_kit import spec as spec_module  # noqa: E402
from scs_kit.check.policy import rows as policy_rows  # noqa: E402
from scs_kit.docs.build import build_site  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from test_docs import sample_results  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync --window-size=1280,900"
).split()


class _StubServer:
    """Until the reference server exists: /docs/ from the site, `[]` for every API GET."""

    def __init__(self, site: Path):
        base = spec_module.load().base_path

        class Handler(http.server.SimpleHTTPRequestHandler):
            def translate_path(self, path):
                path = path.split("?")[0].split("#")[0]
                return str(site / path[len("/docs/"):]) if path.startswith("/docs/") else str(site / "__none__")

            def do_GET(self):
                if self.path.startswith(base + "/"):
                    body = b"[]"
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _start(site: Path):
    try:
        from scs_kit.server import start_server
    except ImportError:
        return _StubServer(site)
    return start_server(demo=True, docs_dir=site)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs-browser")
    site = build_site(tmp / "site", results=sample_results().save(tmp / "results.json"), policy=policy_rows)
    server = _start(site)
    try:
        yield site, server.origin + "/docs/"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="scs-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # no Selenium Manager download
    driver.set_page_load_timeout(20)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _severe(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


@functools.cache
def _status(url: str) -> int:
    return requests.get(url, timeout=10).status_code


def test_every_page_opens_clean_with_working_links(served, browser):
    site, docs = served
    pages = sorted(p.name for p in site.glob("*.html"))
    origin = docs.rsplit("/docs/", 1)[0]
    for page in pages:
        browser.get(docs + page)
        assert _severe(browser) == [], page
        refs = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href], link[href], script[src], img[src]'))"
            ".map(e => e.href || e.src)"
        )
        loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(u.startswith(origin + "/docs/") or u.startswith("data:") for u in loaded), (page, loaded)
        for ref in refs:
            if ref.startswith("data:"):
                continue
            url, fragment = urldefrag(ref)
            assert url.startswith(docs), f"{page}: link leaves the site: {ref}"
            assert _status(url) == 200, f"{page}: broken link {ref}"
            if fragment and url == docs + page:
                assert browser.execute_script("return !!document.getElementById(arguments[0])", fragment), f"{page}: #{fragment}"


def _platform_fonts(driver, selector: str) -> list[str]:
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {})["root"]["nodeId"]
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in fonts if f.get("glyphCount")]


def test_japanese_renders_with_a_cjk_font(served, browser):
    _, docs = served
    browser.get(docs + "ContainmentLine.html")
    width = browser.execute_script("const h = document.querySelector('h1'); return h.textContent.includes('収容回線') ? h.getBoundingClientRect().width : 0")
    assert width > 100
    fonts = _platform_fonts(browser, "h1")
    assert any("CJK" in f or "JP" in f or "Gothic" in f or "Hiragino" in f for f in fonts), f"no Japanese font used: {fonts} (install fonts-noto-cjk)"


def test_browser_sample_runs_against_the_server_from_the_same_origin(served, browser):
    _, docs = served
    origin = docs.rsplit("/docs/", 1)[0]
    browser.get(docs + "ContainmentLine.html")
    sample = browser.execute_script("return document.querySelector('[data-panel=javascript] code').textContent")
    assert f'fetch("{origin}/CTI_SmartConnectService/RestService/ContainmentLine"' in sample
    browser.execute_script("document.querySelector('button.run[data-path=\"/ContainmentLine\"]').click()")
    out = browser.find_element("css selector", "#op-get-collection .output")
    WebDriverWait(browser, 10).until(lambda d: out.get_attribute("data-status"))
    assert out.get_attribute("data-status") == "200", out.text
    assert isinstance(json.loads(out.text.split("\n\n", 1)[1]), list)
    # The very same fetch, executed as a client would paste it, in the page's context.
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {method: 'GET', headers: {'Accept': 'application/json'}})"
        ".then(r => r.json().then(body => done([r.status, Array.isArray(body)]))).catch(e => done(String(e)));",
        f"{origin}/CTI_SmartConnectService/RestService/ContainmentLine",
    )
    assert result == [200, True]
    assert _severe(browser) == []


def test_query_builder_composes_the_route(served, browser):
    _, docs = served
    browser.get(docs + "ReceivedCall-Record.html")
    browser.execute_script(
        "const f = document.getElementById('query-builder');"
        "f.elements.TOP.value = '5'; f.elements.DESCENDING.value = 'False'; f.elements.K_ID.value = '0';"
        "f.elements.FROM.value = 'Null'; f.dispatchEvent(new Event('input'));"
    )
    url = browser.find_element("id", "query-url").text
    assert url.endswith("/CTI_SmartConnectService/RestService/ReceivedCall-Record/5/False/0/Null")
    browser.execute_script("document.querySelector('#query-builder .run-query').click()")
    out = browser.find_element("css selector", "#query-builder .output")
    WebDriverWait(browser, 10).until(lambda d: out.get_attribute("data-status"))
    assert out.get_attribute("data-status") == "200", out.text
    browser.execute_script("const f = document.getElementById('query-builder'); f.elements.FROM.value = 'abc'; f.dispatchEvent(new Event('input'));")
    assert "FROM" in browser.find_element("id", "query-error").text


def test_tabs_switch_every_sample_and_copy_buttons_exist(served, browser):
    _, docs = served
    browser.get(docs + "CustomerAddress.html")
    browser.execute_script("document.querySelector('[data-tab=python]').click()")
    visible = browser.execute_script(
        "return Array.from(document.querySelectorAll('[data-panel]')).filter(p => !p.hidden).map(p => p.dataset.panel)"
    )
    assert visible and set(visible) == {"python"}
    groups = browser.execute_script("return document.querySelectorAll('[data-tabs]').length")
    assert browser.execute_script("return document.querySelectorAll('[data-tabs] button.copy').length") == groups
    browser.execute_script("document.querySelector('[data-tabs] button.copy').click()")
    assert _severe(browser) == []


def test_search_finds_japanese_offline_from_file_url(served, browser):
    site, _ = served
    browser.get(site.joinpath("index.html").as_uri())
    browser.execute_script("const i = document.getElementById('search'); i.value = '代理内線番号'; i.dispatchEvent(new Event('input'));")
    hits = browser.execute_script("return Array.from(document.querySelectorAll('#search-results a')).map(a => a.getAttribute('href'))")
    assert any(h.startswith("ContainmentLine.html#") for h in hits), hits
    base = browser.execute_script("return window.scsDocs.apiBase()")
    assert base == "http://localhost:55963/CTI_SmartConnectService/RestService"  # file://: the vendor's default
    assert _severe(browser) == []


def test_screenshots(served, browser, tmp_path):
    site, _ = served  # from disk, so the pictures show the vendor's default URL, not a test port
    keep = os.environ.get("SCS_DOCS_SCREENSHOTS") == "1"
    out_dir = REPO / "docs" / "screenshots" if keep else tmp_path
    out_dir.mkdir(parents=True, exist_ok=True)
    for page, name in (("index.html", "landing.png"), ("ContainmentLine.html", "resource-ContainmentLine.png")):
        browser.get(site.joinpath(page).as_uri())
        time.sleep(0.2)  # let fonts settle
        assert browser.save_screenshot(str(out_dir / name))
        assert (out_dir / name).stat().st_size > 20_000
