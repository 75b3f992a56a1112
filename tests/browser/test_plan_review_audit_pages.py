"""Plans, case reviews and the audit pages in a real headless Chromium, against the app
served by uvicorn.

An officer opens a plan and moves it to scanning with the forms, and sees what is missing;
a coordinator records a case review application with three complaints and decides the
threshold, and sees the reasoning and the milestones; an auditor runs the chain check,
slides a plan's history back to an earlier version, and reads the access log. The pages'
screenshots are saved into docs/screenshots/.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LONDON, new_page, shot

pytestmark = pytest.mark.browser


def _signed_in(browser: Browser, base_url: str, who: str, path: str) -> Page:
    """A fresh browser session for the demo user whose label starts with ``who``."""
    page = new_page(browser)
    page.goto(base_url + path)
    page.get_by_role("radio", name=re.compile(f"^{who}")).check()
    page.get_by_role("button", name="Sign in").click()
    return page


def _today() -> date:
    return datetime.now(tz=LONDON).date()


def _day(days_ago: int) -> str:
    return (_today() - timedelta(days=days_ago)).isoformat()


def test_plan_case_review_and_audit_pages(browser: Browser, base_url: str) -> None:
    # -- an officer opens a plan and moves it on to scanning --------------------------------
    page = _signed_in(browser, base_url, "Asha Patel", "/plans/new")
    expect(page.get_by_role("heading", name="Open a problem-solving plan")).to_be_visible()
    page.get_by_label("Title").fill("Street drinking and intimidation in Market Place")
    page.get_by_label("Ward").select_option("Hitchin Priory")
    page.get_by_label("Partnership priority it serves").select_option(
        "Anti-social behaviour in town centres")
    page.get_by_role("button", name="Open the plan").click()
    expect(page.get_by_text("Plan opened. Set its overall aim first.")).to_be_visible()
    plan_url = page.url
    page.locator("#progress").get_by_role("link", name="Set the overall aim of the plan").click()
    page.get_by_label("Overall aim").fill(
        "Residents, traders and visitors can use Market Place without intimidation.")
    page.get_by_role("button", name="Set the overall aim").click()
    expect(page.get_by_text("Objective set.")).to_be_visible()
    page.get_by_role("button", name="Move on to scanning").click()
    expect(page.get_by_text("The plan moved on to its next stage.")).to_be_visible()

    progress = page.locator("#progress")
    expect(progress.get_by_text("What is missing before the plan can move on from scanning"))\
        .to_be_visible()
    expect(progress.get_by_role("link", name="Record what is happening from the victim's side"))\
        .to_be_visible()
    expect(progress.get_by_role("link", name="Record at least one baseline measure"))\
        .to_be_visible()
    expect(page.locator("#objective .stage-status")).to_have_text("Complete")
    expect(page.locator("#scanning .stage-status")).to_have_text("In progress: 4 things to do")

    # One side recorded through its form: the list of what is missing shrinks.
    progress.get_by_role("link", name="Record what is happening at the location").click()
    page.get_by_label("What is happening").fill(
        "Groups drink on the benches by the off-licence from late morning.")
    page.get_by_label("How often").fill("Daily, worst Thursday to Saturday")
    page.get_by_label("For how long").fill("Since summer 2025")
    page.get_by_label("Data sources").fill("Police calls for service\nCouncil ASB reports")
    page.get_by_role("button", name="Scanning: the location").click()
    expect(page.get_by_text("Scanning recorded.")).to_be_visible()
    expect(page.locator("#scanning .stage-status")).to_have_text("In progress: 3 things to do")
    expect(page.locator("#timeline .timeline__entry").first).to_contain_text("Asha Patel")
    shot(page, "plan-page.png")
    page.context.close()

    # -- a coordinator records a case review application and decides the threshold -------
    page = _signed_in(browser, base_url, "CSP coordinator", "/case-reviews/new")
    expect(page.get_by_role("heading", name="Record an application for a case review"))\
        .to_be_visible()
    page.get_by_role("radio", name="The victim themselves").check()
    page.get_by_role("radio", name="A business").check()
    page.get_by_label("About the application").fill(
        "The owner of the Market Place newsagent, about a group outside the shop.")
    page.get_by_label("How it was received").select_option("email")
    complaints = [(40, 39, "herts-police", "Shouting and swearing at staff."),
                  (25, 24, "north-herts-council", "Bottles thrown at the shop window."),
                  (10, 9, "settle-housing", "Threats to the owner at closing time.")]
    for row, (happened, reported, agency, what) in enumerate(complaints):
        fieldset = page.locator(f"#complaint-{row + 1}")
        fieldset.get_by_label("When the behaviour happened").fill(f"{_day(happened)}T21:30")
        fieldset.get_by_label("When it was reported").fill(_day(reported))
        fieldset.get_by_label("Reported to").select_option(agency)
        fieldset.get_by_label("What it was about").fill(what)
    # A fourth row, without JavaScript's help: the page comes back with it and keeps the rest.
    page.get_by_role("button", name="Add another complaint").click()
    expect(page.locator("#complaint-4")).to_be_visible()
    expect(page.locator("#complaint-4").get_by_label("When the behaviour happened"))\
        .to_be_focused()
    expect(page.locator("#complaint-3").get_by_label("What it was about"))\
        .to_have_value("Threats to the owner at closing time.")
    page.get_by_role("button", name="Record the application", exact=True).last.click()
    expect(page.get_by_text("Application recorded.")).to_be_visible()
    expect(page.locator("#complaints tbody tr")).to_have_count(3)

    page.get_by_role("link", name="Acknowledge the application").click()
    page.get_by_role("button", name="Acknowledge the application").click()
    expect(page.get_by_text("Application acknowledged.")).to_be_visible()
    page.get_by_role("link", name="Decide the threshold").click()
    expect(page.get_by_text("What the local rules say of the complaints now")).to_be_visible()
    page.get_by_role("button", name="Decide the threshold").click()
    expect(page.get_by_text("Threshold decided.")).to_be_visible()
    threshold = page.locator("#threshold")
    expect(threshold).to_contain_text(
        "Threshold met: 3 qualifying complaints (C1, C2, C3); 3 needed.")
    expect(threshold).to_contain_text("C2 counts.")
    expect(threshold).to_contain_text("Qualifying complaints needed")
    milestones = page.locator("#milestones tbody tr")
    expect(milestones).to_have_count(3)
    expect(milestones.nth(0)).to_contain_text("Done")
    expect(milestones.nth(2)).to_contain_text("Hold the review meeting")
    expect(milestones.nth(2).locator(".milestone-status")).to_have_text("Due")
    shot(page, "case-review-page.png")
    page.context.close()

    # -- an auditor checks the chains and looks back through the plan's history ------------
    page = _signed_in(browser, base_url, "Information governance auditor", "/audit")
    expect(page.get_by_role("heading", name="Audit", exact=True)).to_be_visible()
    page.get_by_role("button", name="Run the check now").click()
    expect(page.get_by_text("The check has run.")).to_be_visible()
    expect(page.locator(".verify")).to_contain_text("OK: nothing has been altered.")

    page.goto(plan_url)
    page.get_by_role("link", name=re.compile("as it was at any version")).click()
    expect(page.get_by_role("heading", name=re.compile("^History of PSP-"))).to_be_visible()
    expect(page.get_by_text("This is the plan as it is now")).to_be_visible()
    slider = page.get_by_label("Version", exact=True)
    expect(slider).to_have_value("4")
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("2")
    page.get_by_role("button", name="Show this version").click()
    expect(page.get_by_text("You are looking at this plan as it was at version 2 of 4"))\
        .to_be_visible()
    expect(page.locator("#objective")).to_contain_text("Residents, traders and visitors")
    expect(page.locator("#progress .stages__item[aria-current='step']")).to_contain_text(
        "Objective")
    expect(page.locator("#scanning")).not_to_contain_text("Groups drink on the benches")
    expect(page.get_by_role("button", name=re.compile("^Move on"))).to_have_count(0)
    expect(page.locator("#changes .timeline__entry")).to_have_count(2)
    shot(page, "audit-history.png")

    page.goto(base_url + "/audit")
    page.get_by_role("link", name="The access log").click()
    expect(page.get_by_role("heading", name="Access log")).to_be_visible()
    page.get_by_label("User").fill("csp.coordinator")
    page.get_by_role("button", name="Show entries").click()
    expect(page.locator("table tbody tr").first).to_contain_text("View case review")
    expect(page.locator("table tbody tr").first).to_contain_text("CSP coordinator")
    shot(page, "access-log.png")
    page.context.close()
