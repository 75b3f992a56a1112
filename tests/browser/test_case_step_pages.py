"""The later case step forms in a real headless Chromium (no screenshots are written).

An officer changes the lead, records contact with the victim (after forgetting to say
what was said) and reassigns an action, each from the link beside what it changes; a
coordinator then records the JAG accepting the referral.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import local_input

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base_url: str, who: str, target: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + target)
    page.get_by_role("radio", name=re.compile("^" + re.escape(who))).check()
    page.get_by_role("button", name="Sign in").click()


def test_officer_and_coordinator_use_the_step_forms(page: Page, base_url: str) -> None:
    _sign_in(page, base_url, "Asha Patel", "/cases/new")
    page.get_by_role("radio", name="Personal").check()
    page.get_by_label("Type of behaviour").select_option("noise")
    page.get_by_label("Summary of the report").fill("Loud music from the flat above.")
    page.get_by_label("Address or place").fill("Flat 3, 12 Bancroft, Hitchin")
    page.get_by_label("Ward").select_option("Hitchin Bearton")
    page.get_by_label("How it was reported").select_option("phone")
    page.get_by_label("When it was reported").fill(
        local_input(datetime.now(tz=UTC) - timedelta(days=2)))
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text("Case opened.")).to_be_visible()
    case_url = page.url

    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("radio", name="Victim").check()
    page.get_by_role("radio", name="No, record a new person").check()
    page.get_by_label("Name", exact=True).fill("Margaret Example")
    page.get_by_role("button", name="Add to the case").click()
    expect(page.get_by_text("Person added to the case.")).to_be_visible()

    # The lead, from the link beside it.
    page.get_by_role("link", name="Change lead").click()
    expect(page.get_by_role("heading", name="Change the lead")).to_be_visible()
    expect(page.get_by_label("Lead officer")).to_have_value("asb.officer.patel")
    page.get_by_label("Lead agency").select_option("herts-police")
    page.get_by_label("Lead officer").fill("pc.jones")
    page.get_by_role("button", name="Change the lead").click()
    expect(page.get_by_text("Lead changed.")).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("pc.jones, Hertfordshire Constabulary")

    # Contact with the victim: the error summary takes focus and links to the field.
    page.get_by_role("link", name="Record contact").click()
    expect(page.get_by_label("Victim or complainant")).to_have_value(re.compile("[0-9a-f-]{36}"))
    page.get_by_label("How", exact=True).select_option("phone")
    page.get_by_role("button", name="Record the contact").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter what was said").click()
    note = page.get_by_label("What was said")
    expect(note).to_be_focused()
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("How", exact=True)).to_have_value("phone")
    note.fill("Told her about the patrols.")
    page.get_by_role("button", name="Record the contact").click()
    expect(page.get_by_text("Contact with the victim recorded.")).to_be_visible()
    expect(page.locator("#victims")).to_contain_text("Told her about the patrols.")

    # An action, reassigned from the link in its row.
    page.get_by_role("link", name="Set an action").click()
    page.get_by_label("What is to be done").fill("Tenancy visit.")
    page.get_by_label("Agency").select_option("settle-housing")
    page.get_by_label("Owner").fill("housing.officer.lee")
    page.get_by_role("button", name="Set the action").click()
    page.get_by_role("link", name="Reassign action: Tenancy visit.").click()
    expect(page.get_by_label("Owner")).to_have_value("housing.officer.lee")
    page.get_by_label("Owner").fill("housing.officer.khan")
    page.get_by_role("button", name="Reassign the action").click()
    expect(page.get_by_text("Action reassigned.")).to_be_visible()
    expect(page.locator("#actions")).to_contain_text("housing.officer.khan")

    page.get_by_role("link", name="Refer to the JAG").click()
    page.get_by_label("Why the case needs the JAG").fill("Needs police and housing.")
    page.get_by_role("button", name="Refer the case to the JAG").click()
    expect(page.get_by_role("link", name="Record the JAG accepting it")).to_have_count(0)

    # The coordinator records the JAG taking it on.
    _sign_in(page, base_url, "CSP coordinator", case_url.removeprefix(base_url))
    page.get_by_role("link", name="Record the JAG accepting it").click()
    page.get_by_role("button", name="Record the acceptance").click()
    expect(page.get_by_text("JAG referral accepted.")).to_be_visible()
    expect(page.locator("#jag")).to_contain_text("Accepted")
    expect(page.get_by_role("link", name="Conclude the referral")).to_be_visible()
