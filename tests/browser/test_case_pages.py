"""The case pages in a real headless Chromium, against the app served by uvicorn.

One walk through what a neighbourhood officer does: sign in, open a case through the
form (after a validation error), add the victim, log an incident (after a domain error),
see it on the timeline, and look at the case as it was before. The pages' screenshots
are saved into docs/screenshots/ so the documentation shows the pages as they are.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import local_input, shot

pytestmark = pytest.mark.browser


def test_officer_opens_a_case_logs_an_incident_and_looks_back(page: Page, base_url: str) -> None:
    # Signing in: an unauthenticated page sends the browser to the sign-in page.
    page.goto(base_url + "/cases/new")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "sign-in.png")
    page.get_by_role("radio", name=re.compile("^Asha Patel")).check()
    page.get_by_role("button", name="Sign in").click()

    # Back on the page asked for, signed in: the header names the user and role.
    expect(page.get_by_role("heading", name="Open a new case")).to_be_visible()
    expect(page.locator(".site-header__user")).to_contain_text("Asha Patel")
    expect(page.locator(".site-header__user")).to_contain_text("Officer")

    # An invalid form: the error summary links to the field, which says what to fix.
    page.get_by_role("radio", name="Personal").check()
    page.get_by_label("Type of behaviour").select_option("noise")
    page.get_by_label("Address or place").fill("Flat 3, 12 Bancroft, Hitchin")
    page.get_by_role("button", name="Open the case").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter a summary of the report").click()
    summary_field = page.get_by_label("Summary of the report")
    expect(summary_field).to_be_focused()
    expect(summary_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-summary-error")).to_contain_text("Enter a summary of the report")
    # What was typed is still there.
    expect(page.get_by_label("Address or place")).to_have_value("Flat 3, 12 Bancroft, Hitchin")
    expect(page.get_by_role("radio", name="Personal")).to_be_checked()
    shot(page, "new-case-error.png")

    summary_field.fill("Loud music and shouting from the flat above most nights after midnight.")
    page.get_by_label("Ward").select_option("Hitchin Bearton")
    page.get_by_label("First part of the postcode").fill("SG5")
    page.get_by_label("How it was reported").select_option("phone")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text("Case opened.")).to_be_visible()
    reference = page.locator("h1").inner_text().split()[0]
    assert re.fullmatch(r"ASB-\d{4}-\d{5}", reference)
    opened_at = datetime.fromisoformat(
        page.locator("#timeline time").first.get_attribute("datetime") or "")
    time.sleep(1.1)  # the as-at picker works to the second

    # The victim, registered inline.
    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("radio", name="Victim").check()
    page.get_by_role("radio", name="No, record a new person").check()
    page.get_by_label("Name", exact=True).fill("Margaret Example")
    page.get_by_label("They agree to their details").check()
    page.get_by_role("button", name="Add to the case").click()
    expect(page.get_by_text("Person added to the case.")).to_be_visible()
    expect(page.locator("#parties")).to_contain_text("Margaret Example")

    # An incident reported before it happened: the domain rule is shown on the field.
    page.get_by_role("link", name="Log an incident").click()
    now = datetime.now(tz=UTC)
    page.get_by_label("When it happened").fill(local_input(now - timedelta(hours=2)))
    page.get_by_label("When it was reported").fill(local_input(now - timedelta(hours=3)))
    page.get_by_label("Reported to").select_option("herts-police")
    page.get_by_label("What happened").fill("Music and shouting until 2am.")
    page.get_by_label("Reported by").select_option(label="Margaret Example")
    page.get_by_role("button", name="Log the incident").click()
    expect(page.locator("#f-reported-at-error")).to_contain_text(
        "cannot be reported before it happened")
    expect(page.get_by_label("What happened")).to_have_value("Music and shouting until 2am.")
    page.get_by_label("When it was reported").fill(local_input(now - timedelta(hours=1)))
    page.get_by_role("button", name="Log the incident").click()
    expect(page.get_by_text("Incident logged.")).to_be_visible()

    # On the case page and on its timeline, with who did it.
    expect(page.locator("#incidents")).to_contain_text("Music and shouting until 2am.")
    newest = page.locator("#timeline .timeline__entry").first
    expect(newest).to_contain_text("Incident logged")
    expect(newest).to_contain_text("Asha Patel")
    expect(newest).to_contain_text("Margaret Example")
    shot(page, "case-page.png")

    # The case as it was just after it was opened: no victim, no incident, nothing to change.
    page.get_by_label("Date and time (UK time)").fill(
        local_input(opened_at + timedelta(seconds=1), seconds=True))
    page.get_by_role("button", name="Show the case then").click()
    expect(page.get_by_text("You are looking at this case as it was at")).to_be_visible()
    expect(page.locator("#incidents")).to_contain_text("No incidents logged yet.")
    expect(page.locator("#parties")).not_to_contain_text("Margaret Example")
    expect(page.get_by_role("link", name="Log an incident")).to_have_count(0)
    expect(page.locator("#timeline .timeline__entry")).to_have_count(1)
    shot(page, "case-as-at.png")
