"""The curation workbench in a real browser: Debian's Chromium driven by Playwright against the real
``kg curate`` process on 127.0.0.1, on a copy of the project and a corpus folder of its own.

A curator registers a new text (written for this test: a made-up news paragraph, labelled as test
text), selects a passage with the mouse, fills the form through the pickers, saves a mistake that
validation reports next to its field, fixes it and saves; the statement is then found by
``kg ask timeline`` on the copy and on its position's page in ``kg serve``. A second test records a
new statement (through ``kg import``, so that it does not depend on the first test), corrects it in
the workbench and retracts another, and the public pages show it: the superseded page links its
correction, the retracted one answers 410 Gone with the reason. Every request the browser makes
must stay on 127.0.0.1."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, running_command, running_server
from tests.sources import seeds_folder
from tests.test_browser import (
    assert_stayed_local,
    browser_context,
    recorded_page,
    screenshot,
)
from tests.test_build_watch import copy_project
from tests.workbench_texts import QUOTE, TEST_PUBLISHED, TEST_TEXT, TEST_TITLE

pytestmark = pytest.mark.browser
__all__ = ["browser_context"]  # the Chromium fixture, shared with the browser's own tests

CURATOR = "Browser Test Curator"
NEW_POSITION = "Ceasefire in the air and at sea"
NEW_POSITION_SLUG = "ceasefire-in-the-air-and-at-sea"
NEW_ROW = (
    "source,quote,speaker,party,stance,position,date,precision,basis\n"
    "004,Russia does not reject negotiations as such,Vladimir Putin,Russia,Threatens,"
    "position:direct-negotiations,,Unknown,\n"
)
CORRECTED = "putin-undated-direct-negotiations"
RETRACTED = "putin-undated-accept-istanbul-terms"


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> tuple[Path, Path]:
    """The project and the corpus folder the workbench writes: copies, never the checkout."""
    base = tmp_path_factory.mktemp("workbench")
    corpus = base / "corpus"
    shutil.copytree(seeds_folder(), corpus)
    return copy_project(base / "project"), corpus


@pytest.fixture(scope="module")
def workbench(copies) -> Iterator[str]:
    """``kg curate`` as a real process on 127.0.0.1; its base URL."""
    project, corpus = copies
    with running_command(
        "curate",
        *("--root", str(project), "--sources", str(corpus), "--curator", CURATOR),
        probe="/sources.json",
        timeout=60,
    ) as base:
        yield base


@pytest.fixture
def page(browser_context, workbench) -> Iterator[tuple]:
    yield from recorded_page(browser_context, workbench)


def kg(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kg", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def select_with_the_mouse(tab, text: str) -> None:
    """Select ``text`` in the source text as a drag of the mouse does: press at its first
    character, move to its last, release."""
    box = tab.evaluate(
        """(quote) => {
            const root = document.getElementById("source-text");
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(quote);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + 1);
                const first = range.getClientRects()[0];
                range.setStart(node, at + quote.length - 1); range.setEnd(node, at + quote.length);
                const rects = range.getClientRects();
                const last = rects[rects.length - 1];
                return {x1: first.left + 1, y1: first.top + first.height / 2,
                        x2: last.right - 1, y2: last.top + last.height / 2};
            }
            return null;
        }""",
        text,
    )
    assert box is not None, f"{text!r} is not on the page"
    tab.mouse.move(box["x1"], box["y1"])
    tab.mouse.down()
    tab.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=5)
    tab.mouse.move(box["x2"], box["y2"], steps=5)
    tab.mouse.up()


def pick(tab, field: str, typed: str, option: str) -> None:
    """Type into a picker and choose one of the names it offers."""
    tab.locator(f"#{field}").press_sequentially(typed, delay=20)
    tab.locator(f"#{field}-options [role=option]").filter(has_text=option).first.click()


def test_a_passage_is_recorded_fixed_after_validation_and_found_everywhere(page, copies) -> None:
    tab, base, requested = page
    project, _ = copies

    # register the test text (made up for this test; the text says so itself)
    tab.goto(base + "/sources/new")
    tab.get_by_label("Title").fill(TEST_TITLE)
    tab.get_by_label("Published (YYYY, YYYY-MM or YYYY-MM-DD)").fill(TEST_PUBLISHED)
    tab.get_by_label("Web address").fill("https://example.org/test-text")
    tab.get_by_label("Text (paste it here…)").fill(TEST_TEXT)
    tab.get_by_role("button", name="Register").click()
    tab.wait_for_url(re.compile(r"/sources/doc-005$"))

    select_with_the_mouse(tab, QUOTE)
    assert tab.locator("#quote").input_value() == QUOTE
    pick(tab, "speaker", "Sybi", "Andrii Sybiha")
    pick(tab, "party", "Ukrai", "Ukraine")
    tab.get_by_label("Stance").select_option(label="proposes")
    tab.locator("details.new-position summary").click()
    tab.get_by_label("New position's label").fill(NEW_POSITION)
    pick(tab, "topic", "Ceasef", "Ceasefire")
    tab.get_by_label("Date", exact=True).fill("2025-03-14")
    tab.get_by_label("Precision").select_option(label="day precision")
    tab.get_by_label("Basis").select_option(label="stated date")
    tab.get_by_role("button", name="Save").click()

    # the mistake: dated after the text was published; said next to the date, values kept
    problem = tab.locator("#field-date .problem")
    problem.wait_for()
    assert "after the source's publication date" in problem.inner_text()
    assert tab.locator("#date").get_attribute("aria-invalid") == "true"
    assert tab.locator("#speaker").input_value() == "Andrii Sybiha"
    assert tab.locator("#quote").input_value() == QUOTE
    assert not (project / "data" / "source-005.ttl").exists()
    screenshot(tab, "workbench-problem")

    tab.get_by_label("Date", exact=True).fill("2025-03-04")
    tab.get_by_role("button", name="Save").click()
    tab.locator("#saved").wait_for()
    assert "Saved and validated" in tab.locator("#saved").inner_text()
    assert QUOTE in tab.locator("#source-text mark").first.inner_text()
    screenshot(tab, "workbench-saved")
    assert_stayed_local(requested)

    # the statement is in the curated data: kg ask on the copy, and its position's page
    assert kg("build", "--root", project).returncode == 0
    asked = kg(
        "ask", "timeline", "--position", NEW_POSITION_SLUG, "--format", "json", "--root", project
    )
    assert asked.returncode == 0, asked.stderr
    assert QUOTE in json.dumps(json.loads(asked.stdout), ensure_ascii=False)
    with running_server("--root", str(project)) as server:
        tab.goto(f"{server}/page/position/{NEW_POSITION_SLUG}")
        attestations = tab.locator("table.attestations")
        attestations.wait_for()
        assert QUOTE in attestations.inner_text()
        assert "Sybiha" in attestations.inner_text()


def test_a_new_statement_is_corrected_and_another_retracted(page, copies) -> None:
    tab, base, requested = page
    project, corpus = copies
    inbox = project.parent / "inbox.csv"
    inbox.write_text(NEW_ROW, encoding="utf-8")
    recorded = kg("import", inbox, "--root", project, "--sources", corpus, "--curator", CURATOR)
    assert recorded.returncode == 0, recorded.stderr

    tab.goto(f"{base}/statements/{CORRECTED}")
    tab.get_by_label("Stance").select_option(label="accepts")
    tab.get_by_label("Why is it corrected?").fill("The text reports an acceptance, not a threat.")
    tab.get_by_role("button", name="Save the correction").click()
    tab.locator("#revises").wait_for()
    correction = tab.url.rsplit("/", 1)[-1]
    assert correction != CORRECTED

    tab.goto(f"{base}/statements/{RETRACTED}")
    tab.get_by_label("Why is it retracted?").fill("Recorded from a passage that does not say it.")
    tab.get_by_role("button", name="Retract").click()
    tab.locator("#retracted").wait_for()
    assert_stayed_local(requested)

    assert kg("build", "--root", project).returncode == 0
    with running_server("--root", str(project)) as server:
        tab.goto(f"{server}/page/statement/{CORRECTED}")
        notice = tab.locator("#curation-heading").locator("..")
        assert "Corrected" in notice.inner_text()
        assert notice.locator(f"a[href='/page/statement/{correction}']").count() >= 1
        gone = tab.goto(f"{server}/page/statement/{RETRACTED}")
        assert gone is not None and gone.status == 410
        assert "Recorded from a passage that does not say it." in tab.content()
        screenshot(tab, "workbench-retracted")
