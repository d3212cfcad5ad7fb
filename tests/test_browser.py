"""The linked-data browser in a real browser: Debian's Chromium driven by Playwright against the
real server process on the curated data. Every request the browser makes is recorded and must stay
on 127.0.0.1; screenshots are saved under ``test-artifacts/screenshots/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import REPO, require

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
INLINE_SCHEMES = {"data", "blob", "about"}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory) -> Iterator:
    require(CHROMIUM.exists(), f"Debian's Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1100, "height": 900},
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def browse(browser_context, repo_server):
    """A fresh page, the base URL, and the list of every URL the browser requested."""
    yield from recorded_page(browser_context, repo_server)


def recorded_page(browser_context, base: str) -> Iterator[tuple]:
    """A fresh page of ``browser_context``, ``base``, and the list of every URL it requested."""
    requested: list[str] = []

    def record(request) -> None:
        requested.append(request.url)

    browser_context.on("request", record)
    page = browser_context.new_page()
    yield page, base, requested
    page.close()
    browser_context.remove_listener("request", record)


def assert_stayed_local(requested: list[str]) -> None:
    assert requested, "the browser made no request at all"
    away = [
        url
        for url in requested
        if urlparse(url).scheme not in INLINE_SCHEMES and urlparse(url).hostname not in LOCAL_HOSTS
    ]
    assert away == [], f"requests left 127.0.0.1: {away}"


def screenshot(page, name: str, *, height: int = 1500) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    width = page.viewport_size["width"]
    full = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": min(full, height)},
    )
    return path


def test_home_to_the_headline_question_and_its_answer_with_a_quote(browse):
    page, base, requested = browse
    page.goto(base + "/")
    page.get_by_role(
        "link", name=re.compile(r"demands persisted from June 2024 to July 2025")
    ).click()
    page.wait_for_url(re.compile(r"/questions/persisted\?"))
    answer = page.locator("section.answer")
    answer.wait_for()
    assert answer.locator("ol.answers > li").count() >= 1
    assert answer.locator("blockquote").first.is_visible()
    assert answer.locator("blockquote").first.inner_text().strip()
    assert answer.get_by_role("link", name="This answer as JSON").is_visible()
    screenshot(page, "headline-question")

    # the same question asked through its form, from the questions index, by keyboard
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Questions").click()
    page.get_by_role("link", name="Persisted demands").click()
    page.get_by_label("Party").select_option("russia")
    page.get_by_label("From").fill("2024-06")
    page.get_by_label("To", exact=True).fill("2025-07")
    page.get_by_label("Mode").select_option("in-force")
    page.get_by_label("To", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"party=russia"))
    answer = page.locator("section.answer")
    assert answer.locator("blockquote").first.is_visible()
    assert "certain" in answer.locator("p.summary").inner_text()
    assert_stayed_local(requested)


def test_demand_page_found_by_search_shows_its_timeline(browse):
    page, base, requested = browse
    page.goto(base + "/search")
    page.get_by_label("Name of an actor, demand, event or source").fill("donetsk luhansk")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile(r"^Ukrainian withdrawal from Donetsk")).click()
    page.wait_for_url(re.compile(r"/page/position/"))
    timeline = page.locator("figure.timeline > svg")
    timeline.wait_for()
    assert timeline.is_visible()
    name = timeline.get_attribute("aria-labelledby").split()[0]
    assert "Timeline of the statements about" in page.locator(f"[id='{name}']").text_content()
    assert page.locator("figure.timeline g.mark").count() >= 1
    assert page.locator("table.attestations blockquote").count() >= 1
    screenshot(page, "demand-page", height=1300)
    assert_stayed_local(requested)


def test_demand_page_dates_a_report_date_as_by_in_its_table_and_timeline(browse):
    """Russia's ceasefire condition is known only from 003's report "as of early August 2025": the
    page says "by August 2025", and the timeline draws it as stated by then, not in August."""
    page, base, requested = browse
    statement = "/page/statement/russia-undated-ceasefire-condition-withdrawal-four-regions"
    page.goto(base + "/page/position/ukrainian-withdrawal-from-four-regions")
    row = page.locator("table.attestations tbody tr").filter(
        has=page.locator(f"a[href='{statement}']")
    )
    assert row.count() == 1
    date = row.locator("td[data-label='Date'] time")
    assert date.inner_text() == "by August 2025"
    assert date.get_attribute("datetime") == "2025-08"
    assert date.get_attribute("title") == "stated in or before August 2025, the month of the report"
    mark = page.locator(f"figure.timeline a[href='{statement}'] g.mark.as-of")
    assert mark.count() == 1
    title = mark.locator("title").text_content()
    assert title.startswith("by August 2025 (stated in or before August 2025")
    assert "Russia: demands" in title
    bracket = mark.locator("path.by").bounding_box()
    tail = mark.locator("rect.tail").bounding_box()
    assert bracket and tail and bracket["width"] > 0 and tail["width"] > 0
    assert tail["x"] < bracket["x"]  # the bar reaches back from the report date
    assert (
        page.locator("figure.timeline .legend")
        .get_by_text("stated by this date (as of a report)")
        .is_visible()
    )
    screenshot(page, "demand-page-as-of", height=1300)
    assert_stayed_local(requested)


def test_query_editor_runs_an_example_and_shows_rows(browse):
    page, base, requested = browse
    page.goto(base + "/query")
    page.get_by_role("link", name="summary", exact=True).click()
    page.wait_for_url(re.compile(r"example=summary"))
    page.locator(".yasqe_queryButton").click()
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 5
    assert "Position statements" in page.locator(".yasr table").inner_text()
    screenshot(page, "query-editor")
    assert_stayed_local(requested)


@pytest.mark.slow
def test_typing_prefixed_names_in_the_editor_asks_no_remote_service(browse):
    """YASGUI's property and class autocompleters would ask a remote vocabulary service (LOV) as
    soon as a prefixed name is typed; the editor is configured without them."""
    page, base, requested = browse
    page.goto(base + "/query")
    page.locator(".yasqe_queryButton").wait_for()
    page.evaluate(
        """() => {
            const yasqe = window.ptkgEditor.getTab().getYasqe();
            yasqe.setValue("SELECT * WHERE {\\n  ?s \\n}");
            yasqe.focus();
            yasqe.setCursor({line: 1, ch: 5});
        }"""
    )
    page.keyboard.type("foaf:na", delay=60)
    page.wait_for_timeout(800)
    page.keyboard.type("me a owl:Cla", delay=60)
    page.wait_for_timeout(1500)
    text = page.evaluate("window.ptkgEditor.getTab().getYasqe().getValue()")
    assert "?s foaf:name a owl:Cla" in text
    assert_stayed_local(requested)


def test_query_this_opens_the_editor_with_a_describe(browse):
    page, base, requested = browse
    page.goto(base + "/page/actor/russia")
    page.get_by_role("link", name="Query this").click()
    page.wait_for_url(re.compile(r"/query\?query=DESCRIBE"))
    page.locator(".yasqe_queryButton").wait_for()
    text = page.evaluate("window.ptkgEditor.getTab().getYasqe().getValue()")
    assert text == "DESCRIBE <https://w3id.org/peace-talks-kg/id/actor/russia>"
    assert_stayed_local(requested)


def test_pages_read_on_a_phone_and_work_by_keyboard(browse):
    page, base, requested = browse
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (
        "/",
        "/page/position/ukrainian-withdrawal-from-four-regions",
        "/page/statement/putin-2024-06-14-renounce-nato",
        "/questions/persisted",
        "/ontology",
    ):
        page.goto(base + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
    screenshot(page, "ontology-phone", height=1200)
    page.goto(base + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Peace Talks KG"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    assert_stayed_local(requested)
