"""Deleting in Debian's Chromium, driven by Playwright: a draft edited by hand from its
day's page, then the day from the list of days, each once the organiser accepts the
confirm dialog; the day's folder leaves the data folder with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("uvicorn", reason="the web extra is not installed")
pytest.importorskip("httpx", reason="the test extra is not installed")

from benchmarks.web_page import CHROMIUM  # needs the extras, checked above

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


def accepted(page, asked: list[str]) -> None:
    """Accept the next confirm dialog, keeping what it asked."""
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))


def test_a_draft_then_its_day_are_deleted_from_the_page(server, browser, web_data):
    page = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server)
    page.click('button.example[data-name="world_cafe.json"]')
    page.wait_for_url("**/days/*")
    day_url = page.url
    day = day_url.rsplit("/", 1)[1]
    page.fill("#time-limit", "1")
    page.click("#solve")
    page.wait_for_url("**/plans/1", timeout=60_000)
    cards = page.locator("#groups .card")
    cards.nth(0).locator(".person").first.drag_to(cards.nth(1).locator("h3"))
    page.wait_for_selector('body[data-rendered="2"]')
    assert page.url.endswith("/plans/2")  # the draft; the solved plan 1 stays

    page.goto(day_url)
    rows = page.locator("table.plans tbody tr")
    assert rows.count() == 2 and rows.nth(0).locator("button.delete").count() == 0
    asked: list[str] = []
    accepted(page, asked)
    with page.expect_navigation():
        rows.nth(1).locator("button.delete").click()
    assert asked == ["Delete the draft 2, edited by hand? This cannot be undone."]
    assert page.locator("table.plans tbody tr").count() == 1
    assert sorted(p.name for p in (web_data / "days" / day / "plans").iterdir()) == ["1.json"]

    page.goto(server)
    row = page.locator("table.days tr", has=page.locator(f'a[href="/days/{day}"]'))
    accepted(page, asked)
    with page.expect_navigation():
        row.locator("button.delete").click()
    assert re.fullmatch(r"Delete the day “.+” and all its plans\? .+", asked[1])
    assert page.locator(f'a[href="/days/{day}"]').count() == 0
    assert not (web_data / "days" / day).exists()
    assert page.goto(day_url).status == 404
    assert errors == []
    page.close()
