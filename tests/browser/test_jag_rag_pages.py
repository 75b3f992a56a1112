"""The JAG tasking, RAG overview and My work pages in a real headless Chromium.

An officer opens a case, logs an incident and sets an overdue action through the forms; the
coordinator sees the case and the action on the JAG tasking list (red, in words); a RAG
member lands on the quarterly overview with its inline SVG charts. Screenshots go to
docs/screenshots/ (jag-tasking.png, rag-overview.png, my-work.png).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LONDON, SCREENSHOTS, local_input, shot

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base_url: str, who: str, target: str = "/") -> None:
    page.context.clear_cookies()
    page.goto(base_url + target)
    page.get_by_role("radio", name=re.compile("^" + re.escape(who))).check()
    page.get_by_role("button", name="Sign in").click()


def _reload_until(page: Page, text: str, tries: int = 30) -> None:
    """The read models catch up in the background: reload until ``text`` shows."""
    for _ in range(tries):
        if text in page.content():
            return
        time.sleep(0.2)
        page.reload()
    expect(page.locator("main")).to_contain_text(text)


def test_jag_tasking_rag_overview_and_my_work(page: Page, base_url: str) -> None:
    # An officer opens a case, logs an incident and sets an action due before the meeting.
    _sign_in(page, base_url, "PC Jones", "/cases/new")
    expect(page.get_by_role("heading", name="Open a new case")).to_be_visible()
    page.get_by_role("radio", name="Personal").check()
    page.get_by_label("Type of behaviour").select_option("noise")
    page.get_by_label("Address or place").fill("Flat 3, 12 Bancroft, Hitchin")
    page.get_by_label("Summary of the report").fill("Loud music most nights after midnight.")
    page.get_by_label("Ward").select_option("Hitchin Bearton")
    page.get_by_label("First part of the postcode").fill("SG5")
    page.get_by_label("How it was reported").select_option("phone")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text("Case opened.")).to_be_visible()
    reference = page.locator("h1").inner_text().split()[0]
    case_path = page.url.removeprefix(base_url).split("?")[0]

    page.get_by_role("link", name="Log an incident").click()
    now = datetime.now(tz=UTC)
    page.get_by_label("When it happened").fill(local_input(now - timedelta(hours=3)))
    page.get_by_label("When it was reported").fill(local_input(now - timedelta(hours=2)))
    page.get_by_label("Reported to").select_option("herts-police")
    page.get_by_label("What happened").fill("Music and shouting until 2am.")
    page.get_by_role("button", name="Log the incident").click()
    expect(page.get_by_text("Incident logged.")).to_be_visible()

    page.get_by_role("link", name="Set an action").click()
    page.get_by_label("What is to be done").fill("Visit the complainant about the music")
    page.get_by_label("Agency").select_option("herts-police")
    page.get_by_label("Owner").fill("pc.jones")
    today = datetime.now(tz=LONDON).date()
    page.get_by_label("Due date").fill((today + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Set the action").click()
    expect(page.get_by_text("Action set.")).to_be_visible()

    # My work: the officer's open case and the action due tomorrow.
    page.goto(base_url + "/")
    _reload_until(page, "Visit the complainant about the music")
    expect(page.locator("#my-cases")).to_contain_text(reference)
    expect(page.locator("#my-actions")).to_contain_text(reference)
    expect(page.get_by_label("Find a case")).to_be_visible()
    shot(page, "my-work.png")

    # The coordinator's tasking list for a meeting in five days: the action is red by then.
    meeting = today + timedelta(days=5)
    _sign_in(page, base_url, "CSP coordinator", f"/jag?meeting_date={meeting.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tasking list")
    _reload_until(page, "Visit the complainant about the music")
    police = page.locator("#agency-herts-police")
    row = police.locator("tr", has_text="Visit the complainant about the music")
    expect(row.locator(".rag")).to_have_text("Red")
    expect(row).to_contain_text("overdue by 4 days")
    expect(row.get_by_role("link", name=reference)).to_have_attribute("href", case_path)
    expect(page.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", re.compile(r"^/api/jag/tasking\?partnership_id=north-herts&meeting_date=.*"
                           r"&format=csv$"))
    expect(page.get_by_role("navigation", name="Main")
           .get_by_role("link", name="JAG tasking")).to_have_count(1)
    shot(page, "jag-tasking.png")
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.get_by_role("link", name="Download CSV")).to_be_hidden()
    page.emulate_media(media="screen")

    # A RAG member lands on the overview: charts as inline SVG with titles, no script.
    _sign_in(page, base_url, "RAG member", "/")
    expect(page).to_have_url(base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quarterly overview")
    charts = page.locator("svg[role=img]")
    expect(charts).to_have_count(3)
    for index in range(3):
        title = charts.nth(index).locator("title")
        expect(title).to_have_count(1)
        assert (title.text_content() or "").strip()
    page.get_by_role("link", name="RAG overview").click()
    expect(page).to_have_url(re.compile(r"/rag$"))
    _reload_until(page, "Cases opened by quarter")
    expect(page.locator("#figures")).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV: overview")).to_be_visible()
    expect(page.get_by_role("link", name="JAG tasking")).to_have_count(0)
    # The charts and the first tables (the full figures run to several screens).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "rag-overview.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": 1280, "height": 1700})
