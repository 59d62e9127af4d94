"""The chat page in a real browser (Debian chromium + Playwright), against a real server on 127.0.0.1."""

from __future__ import annotations

import os
import re
from urllib.parse import urlparse

import pytest

from conftest import REPO, free_port

pytestmark = [
    pytest.mark.browser,
    # Gradio's queue calls pandas options that pandas 3 deprecates; not ours to fix.
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning"),
]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SCREENSHOTS = REPO / "test-output" / "browser"
BLINKEN = "Why was Blinken's trip postponed?"
NO2 = "Who is China's No. 2 leader?"
FOLLOW_UP = "What did he hope Washington would take?"
TIMEOUT = 60_000

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover
    pytest.skip("playwright is not installed (pip install playwright)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(settings, assistant):
    from ui.testing import serve_in_thread

    with serve_in_thread(settings, free_port(), assistant=assistant) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


OUTSIDE_REQUESTS: list[str] = []  # every request the pages tried to send off this machine


def _loopback_only(route):
    host = urlparse(route.request.url).hostname
    if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        OUTSIDE_REQUESTS.append(route.request.url)
        route.abort()


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT)
    page.route("**/*", _loopback_only)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "/")
    page.wait_for_selector("#question textarea")
    page.wait_for_selector("#corpus-panel .corpus-doc")
    page.errors = errors  # type: ignore[attr-defined]
    return page


@pytest.fixture
def page(browser, server):
    page = open_page(browser, server)
    yield page
    page.close()


def finished_answers(page):
    return page.locator("#chat .answer:not(.streaming)")


def ask(page, question: str) -> None:
    """Type a question, press Enter, wait until its answer has finished streaming."""
    before = finished_answers(page).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .answer:not(.streaming)').length > n"
        " && !document.querySelector('#chat .answer.streaming')", arg=before)


def norm(text: str) -> str:
    return " ".join(text.split())


def test_answer_citation_and_source_viewer(page):
    # Record whether the answer was ever shown half-written (streaming).
    page.evaluate("""() => { window.__sawStreaming = false;
        new MutationObserver(() => { if (document.querySelector('#chat .answer.streaming')) window.__sawStreaming = true; })
          .observe(document.body, {subtree: true, childList: true, attributes: true}); }""")
    ask(page, BLINKEN)
    answer = finished_answers(page).last
    assert "balloon" in answer.locator(".answer-text").inner_text().lower()
    assert page.evaluate("window.__sawStreaming") is True
    marker = answer.locator(".answer-text a.cite").first
    expect(marker).to_have_text("[1]")
    sources = answer.locator("ol.sources li.source")
    expect(sources.first).to_be_visible()
    quote = norm(sources.first.locator(".source-quote").inner_text())
    source_file = sources.first.locator(".source-file").inner_text()
    assert "balloon" in quote.lower()
    assert re.match(r"\d{3}_[0-9a-f]+\.txt, lines? \d+", source_file)
    # outlet and date shown ("CNN · May 8, 2023"; which article leads is the composer's choice)
    assert re.search(r"\w \u00b7 [A-Z][a-z]+ \d{1,2}, \d{4}", sources.first.inner_text())

    marker.click()
    viewer = page.locator("#source-viewer")
    cited = viewer.locator(".line.cited")
    expect(cited.first).to_be_visible()
    cited_text = norm(" ".join(cited.locator(".lt").all_inner_texts()))
    assert quote in cited_text
    expect(viewer.locator("mark.quote").first).to_be_visible()
    expect(cited.first).to_be_in_viewport()
    file = source_file.split(",")[0]
    assert viewer.locator(".viewer").get_attribute("data-file") == file
    assert viewer.locator(".line").count() > cited.count()  # the whole article, numbered
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "answer.png"), full_page=True)
    assert not page.errors  # type: ignore[attr-defined]


def test_follow_up_and_new_chat(page):
    ask(page, NO2)
    assert "Li Qiang" in finished_answers(page).last.inner_text()
    ask(page, FOLLOW_UP)
    last = finished_answers(page).last
    assert "concrete actions" in last.locator(".answer-text").inner_text()
    # A citation far down its article: the viewer scrolls to it.
    marker = last.locator(".answer-text a.cite").first
    line = int(re.search(r"lines? (\d+)", last.locator(".source-file").first.inner_text()).group(1))
    marker.click()
    cited = page.locator("#source-viewer .line.cited").first
    expect(cited).to_have_attribute("data-line", str(line))
    expect(cited).to_be_in_viewport()
    if line > 15:
        page.wait_for_function("document.querySelector('#source-viewer .doc-lines').scrollTop > 0")

    page.click("#new-chat")
    expect(finished_answers(page)).to_have_count(0)
    ask(page, FOLLOW_UP)  # no antecedent any more: it must not reuse the old conversation
    assert finished_answers(page).count() == 1


def test_each_browser_session_has_its_own_conversation(browser, server, page):
    ask(page, NO2)
    other = open_page(browser, server)
    try:
        ask(other, FOLLOW_UP)
        ask(page, FOLLOW_UP)
        assert "concrete actions" in finished_answers(page).last.inner_text()
        assert finished_answers(other).count() == 1
    finally:
        other.close()


def test_abstention_looks_different(page):
    ask(page, "What is the capital of Australia?")
    answer = finished_answers(page).last
    expect(answer).to_have_class(re.compile(r"\babstained\b"))
    expect(answer.locator(".abstain-icon")).to_be_visible()
    assert "The articles don't say." in answer.inner_text()
    colour = answer.evaluate("e => getComputedStyle(e).backgroundColor")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "abstain.png"), full_page=True)
    ask(page, BLINKEN)
    normal = finished_answers(page).last
    assert "abstained" not in (normal.get_attribute("class") or "")
    assert normal.evaluate("e => getComputedStyle(e).backgroundColor") != colour


def test_corpus_panel_and_settings(page):
    docs = page.locator("#corpus-panel .corpus-doc")
    expect(docs).to_have_count(5)
    panel = page.locator("#corpus-panel")
    expect(panel.locator(".badge.repaired").first).to_be_visible()
    expect(panel.locator(".badge.duplicate")).to_have_count(1)
    expect(panel.locator(".badge.original")).to_have_count(1)
    assert "chunks" in docs.first.inner_text()
    assert "The Washington Post" in panel.inner_text()
    # Opening an article from the corpus list shows it without highlighted lines.
    docs.nth(3).locator("a.doc-link").click()
    expect(page.locator("#source-viewer .viewer")).to_have_attribute("data-file", "003_651bc382ba67b386.txt")
    expect(page.locator("#source-viewer .line.cited")).to_have_count(0)
    # Settings: extractive only (no ASSISTANT_LLM_URL), 1-3 sources.
    page.click("#settings button, #settings .label-wrap")
    engine = page.locator("#engine")
    expect(engine).to_contain_text("extractive")
    assert "llm" not in engine.locator("label").all_inner_texts()
    slider = page.locator("#max-sources input[type=range]")
    assert slider.get_attribute("min") == "1" and slider.get_attribute("max") == "3"


def test_chat_works_behind_basic_auth(browser, settings, assistant):
    from ui.testing import serve_in_thread

    locked = settings.model_copy(update={"auth_user": "alice", "auth_password": "s3cret"})
    with serve_in_thread(locked, free_port(), assistant=assistant) as url:
        anonymous = browser.new_context()
        try:  # without credentials the browser gets a 401 (and shows no page)
            assert anonymous.request.get(url + "/").status == 401
            with pytest.raises(Exception, match="AUTH|401"):
                anonymous.new_page().goto(url + "/")
        finally:
            anonymous.close()
        context = browser.new_context(http_credentials={"username": "alice", "password": "s3cret"})
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT)
            page.route("**/*", _loopback_only)
            page.goto(url + "/")
            page.wait_for_selector("#question textarea")
            ask(page, BLINKEN)  # the Gradio queue (POST + server-sent events) passes the auth too
            assert "balloon" in finished_answers(page).last.inner_text().lower()
        finally:
            context.close()


# ---------------------------------------------------------------------------- XSS
@pytest.fixture(scope="module")
def xss_server(tmp_path_factory, index_home):
    from ui.testing import make_xss_settings, serve_in_thread

    xss_settings = make_xss_settings(tmp_path_factory.mktemp("xss-browser"), models_from=index_home)
    with serve_in_thread(xss_settings, free_port()) as url:
        yield url


def test_document_markup_is_shown_as_text_never_run(browser, xss_server):
    from ui.testing import XSS_MARKDOWN_QUESTION, XSS_QUESTION

    OUTSIDE_REQUESTS.clear()
    page = open_page(browser, xss_server)
    try:
        panel = page.locator("#corpus-panel")
        expect(panel).to_contain_text('<img src=x onerror="window.__xss=1">')  # the title, as text
        panel.locator('.corpus-doc[data-file="city_council.txt"] a.doc-link').click()
        viewer = page.locator("#source-viewer")
        expect(viewer).to_contain_text("<script>window.__xss=1</script>")
        expect(viewer).to_contain_text('onerror="window.__xss=1"')
        # Through the chat too: the answer quotes the line with the <script>.
        ask(page, XSS_QUESTION)
        answer = finished_answers(page).last
        expect(answer.locator(".answer-text")).to_contain_text("<script>window.__xss=1</script>")
        answer.locator(".answer-text a.cite").first.click()
        expect(viewer.locator(".line.cited")).to_contain_text("<script>")
        page.wait_for_timeout(500)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "xss.png"), full_page=True)
        # Markdown in an article stays text: no image is fetched, no javascript: link exists.
        ask(page, XSS_MARKDOWN_QUESTION)
        answer = finished_answers(page).last
        expect(answer.locator(".answer-text")).to_contain_text("[detour map](http://203.0.113.7/map.png)")
        expect(answer.locator(".answer-text")).to_contain_text("[online](javascript:window.__xss=1)")
        expect(page.locator("#chat")).to_contain_text("![q](http://203.0.113.7/q.png)")  # the question, as text
        answer.locator(".answer-text a.cite").first.click()
        expect(viewer.locator(".line.cited")).to_contain_text("![detour map](http://203.0.113.7/map.png)")
        for link in page.locator("a[href]").all():  # try every link the page has
            href = link.get_attribute("href") or ""
            assert not href.strip().lower().startswith("javascript:"), href
        page.wait_for_timeout(500)
        assert page.evaluate("typeof window.__xss") == "undefined"
        for area in ("#source-viewer", "#chat", "#corpus-panel"):
            assert page.locator(f"{area} script, {area} img[onerror], {area} img[src*='203.0.113']").count() == 0
        assert not OUTSIDE_REQUESTS, OUTSIDE_REQUESTS
        assert not page.errors  # type: ignore[attr-defined]
    finally:
        page.close()
