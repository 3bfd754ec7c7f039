"""SLAs as an agent sees them (issue 15): due / overdue marks and time left in the list, the
"Breaching soon" view sorted by due soonest, the clocks on the ticket page, and attainment on
the dashboard.

The live server runs on the wall clock, so a test puts its tickets' clocks where it needs them
(an hour overdue, at risk, days ahead) by moving the stored due instants, as time would."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ticketing.core.extensions import db

from .conftest import screenshot, watched_page
from .test_pages import ROWS, open_list

pytestmark = pytest.mark.slow

WIDE = {"width": 1500, "height": 900}


def place_clocks(live_app, ticket_id: int, due_in: timedelta, risk_in: timedelta) -> None:
    """Move a ticket's running first-response clock so it is due ``due_in`` from now."""
    from ticketing.models import TicketSla, utcnow

    with live_app.app_context():
        sla = db.session.get(TicketSla, ticket_id)
        now = utcnow()
        sla.first_response_due_at = now + due_in
        sla.first_response_risk_at = now + risk_in
        db.session.commit()


def sla_tickets(api, live_app, label: str) -> dict[str, int]:
    made = {}
    for name, due, risk in (
        ("late", timedelta(hours=-2, minutes=-5), timedelta(hours=-3)),
        ("risky", timedelta(hours=3, minutes=5), timedelta(minutes=-1)),
        ("fine", timedelta(hours=25, minutes=5), timedelta(hours=20)),
    ):
        ticket = api.post(
            "/api/tickets",
            {"subject": f"SLA {label} {name}", "body": "Clock test.", "priority": "high"},
        )
        place_clocks(live_app, ticket["id"], due, risk)
        made[name] = ticket["id"]
    return made


def test_the_list_marks_due_and_overdue_and_sorts_by_due_soonest(page, api, live_app):
    made = sla_tickets(api, live_app, "list")
    rows = open_list(page, "q=SLA+list")
    expect(rows).to_have_count(3)
    marks = {
        name: page.locator(f'{ROWS}[data-id="{tid}"] td.col-due .sla-mark')
        for name, tid in made.items()
    }
    expect(marks["late"]).to_have_text("2h late")
    expect(marks["late"]).to_have_attribute("data-sla", "breached")
    expect(marks["risky"]).to_have_text("in 3h")
    expect(marks["risky"]).to_have_attribute("data-sla", "at_risk")
    expect(marks["fine"]).to_have_text("in 25h")
    expect(marks["fine"]).to_have_attribute("data-sla", "ok")
    assert "overdue by 2 h" in marks["late"].get_attribute("title")
    # The marks are compact: every row stays one line.
    heights = rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    assert max(heights) <= 30, heights
    # "Due" sorts due soonest first; a second click flips it.
    page.locator('button[data-sort="next_due_at"]').click()
    expect(page).to_have_url(re.compile(r"sort=next_due_at"))
    expect(rows.first).to_have_attribute("data-id", str(made["late"]))
    ordered = [int(i) for i in rows.evaluate_all("rows => rows.map(r => r.dataset.id)")]
    assert ordered == [made["late"], made["risky"], made["fine"]]
    screenshot(page, "sla-list-due", full_page=False)
    page.locator('button[data-sort="next_due_at"]').click()
    expect(rows.first).to_have_attribute("data-id", str(made["fine"]))
    # The same sort is in the sort menu.
    expect(page.locator('select[name="sort"] option[value="next_due_at"]')).to_have_text(
        "Due soonest"
    )


def test_breaching_soon_view_lists_at_risk_and_breached_due_soonest(new_context, live_app):
    context = new_context(viewport=WIDE)  # the sidebar shows from 1440 px
    page, api = watched_page(context), context.api
    made = sla_tickets(api, live_app, "view")
    open_list(page)
    link = page.locator('#views-sidebar a[data-view="breaching_soon"]')
    expect(link).to_contain_text("Breaching soon")
    link.click()
    expect(page).to_have_url(re.compile(r"sla=at_risk%2Cbreached.*sort=next_due_at"))
    expect(link).to_have_attribute("aria-current", "page")
    # The SLA filter shows as chips like any other, and is in the filter panel.
    chips = page.locator("#filter-chips .filter-chip")
    expect(chips.filter(has_text="SLA: At risk")).to_have_count(1)
    expect(chips.filter(has_text="SLA: Breached")).to_have_count(1)
    rows = page.locator(ROWS)
    expect(page.locator(f'{ROWS}[data-id="{made["late"]}"]')).to_be_visible()
    ids = [int(i) for i in rows.evaluate_all("rows => rows.map(r => r.dataset.id)")]
    assert made["late"] in ids and made["risky"] in ids and made["fine"] not in ids
    assert ids.index(made["late"]) < ids.index(made["risky"])
    dues = rows.evaluate_all(
        "rows => rows.map(r => r.querySelector('td.col-due time')?.getAttribute('datetime'))"
    )
    assert all(dues) and dues == sorted(dues), dues
    # The view's count is the list's total.
    view = next(v for v in api.get("/api/views")["items"] if v["id"] == "breaching_soon")
    expect(link.locator(".view-count")).to_have_attribute("data-count", str(view["count"]))
    expect(page.locator(".total")).to_have_text(re.compile(rf"^{view['count']} ticket"))
    screenshot(page, "sla-breaching-soon", full_page=False)
    assert page.watch.errors == []


def test_the_ticket_page_shows_both_clocks_and_a_reply_stops_the_first(page, api, live_app):
    ticket = api.post(
        "/api/tickets",
        {
            "subject": "SLA clocks on the page",
            "body": "Please call back.",
            "priority": "high",
        },
    )
    tid = ticket["id"]
    place_clocks(live_app, tid, timedelta(hours=-1), timedelta(hours=-2))
    page.goto(f"/#/tickets/{tid}")
    card = page.locator("#sla-card")
    first = card.locator('.sla-clock[data-clock="first_response"]')
    resolution = card.locator('.sla-clock[data-clock="resolution"]')
    expect(first).to_have_attribute("data-state", "overdue")
    expect(first.locator(".sla-state")).to_have_text("Overdue")
    expect(first.locator(".sla-clock-left")).to_have_text(re.compile(r"^Overdue by 1 h"))
    expect(resolution.locator(".sla-state")).to_have_text(re.compile("Running|At risk"))
    expect(resolution.locator(".sla-clock-due time")).to_be_visible()
    expect(card).to_contain_text("Policy: High")
    screenshot(page, "sla-ticket-clocks")

    page.locator("textarea[name='reply']").fill("We are looking into it.")
    page.get_by_role("button", name="Add reply").click()
    expect(first).to_have_attribute("data-state", "breached")
    expect(first.locator(".sla-clock-left")).to_contain_text("Missed · answered")

    # Waiting on the customer pauses the resolution clock, with the time left kept.
    api.patch(f"/api/tickets/{tid}", {"status": "pending"})
    page.reload()
    expect(resolution).to_have_attribute("data-state", "paused")
    expect(resolution.locator(".sla-clock-left")).to_contain_text("Paused ·")
    expect(resolution).to_contain_text("No due time while paused")


def test_the_dashboard_shows_attainment_per_priority_and_team(page, api, live_app):
    sla_tickets(api, live_app, "dashboard")
    page.goto("/#/dashboard")
    card = page.locator("#sla-attainment")
    expect(card.locator(".sla-period")).to_have_text("All tickets")
    whole = api.get("/api/sla/attainment")
    for clock in ("first_response", "resolution"):
        value = whole["overall"][f"{clock}_pct"]
        expect(card.locator(f'.counter[data-key="sla.{clock}"]')).to_have_attribute(
            "data-value", "" if value is None else f"{value:g}"
        )
    high = next(r for r in whole["by_priority"] if r["key"] == "high")
    cell = card.locator('tr[data-group="priority"][data-key="high"] td[data-key="first_response"]')
    expect(cell).to_contain_text(f"{high['first_response_pct']:g}%")
    expect(card.locator("table.sla-by-team")).to_be_visible()
    screenshot(page, "sla-dashboard")
    # The dashboard's period narrows the attainment to tickets created in it.
    with page.expect_response(re.compile(r"/api/sla/attainment\?created_from=")) as answer:
        page.locator("#period").select_option("7")
    assert answer.value.status == 200
    expect(card.locator(".sla-period")).to_have_text(re.compile(r"^Tickets created since \d{4}-"))


def test_the_bell_shows_an_sla_warning_once_and_opening_it_marks_it_read(page, api, live_app):
    from ticketing.sla.upkeep import run_pass

    me = api.get("/api/auth/me")["user"]
    ticket = api.post(
        "/api/tickets",
        {
            "subject": "SLA bell ticket",
            "body": "Call me.",
            "priority": "high",
            "assignee_id": me["id"],
        },
    )
    place_clocks(live_app, ticket["id"], timedelta(minutes=-5), timedelta(hours=-1))
    with live_app.app_context():
        run_pass()
        run_pass()  # a second pass warns nobody again
    mine = [n for n in api.get("/api/notifications")["items"] if n["ticket_id"] == ticket["id"]]
    assert [(n["event"], n["field"]) for n in mine] == [("sla_breached", "first_response")]
    unread = api.get("/api/notifications")["meta"]["unread"]

    page.goto("/#/tickets")
    bell = page.locator("#bell")
    expect(bell.locator(".bell-count")).to_have_text(str(unread))
    bell.click()
    panel = page.locator("#bell-panel")
    expect(panel).to_be_visible()
    notice = panel.locator(f'li.notice[data-id="{mine[0]["id"]}"]')
    expect(notice).to_have_class(re.compile("notice-unread"))
    expect(notice).to_contain_text(f"First response breached — #{ticket['id']} SLA bell ticket")
    screenshot(page, "sla-bell", full_page=False)
    notice.locator("a").click()
    expect(page).to_have_url(re.compile(rf"#/tickets/{ticket['id']}$"))
    expect(panel).to_be_hidden()
    left = bell.locator(".bell-count")
    if unread > 1:
        expect(left).to_have_text(str(unread - 1))
    else:
        expect(left).to_be_hidden()
    assert api.get("/api/notifications?unread=true")["meta"]["unread"] == unread - 1


def test_an_admin_adds_a_calendar_and_a_policy_in_the_page(new_context, live_app):
    from .test_access_log_page import ADMIN_EMAIL, ADMIN_PASSWORD, ensure_admin

    ensure_admin(live_app)
    context = new_context(signed_in=False)
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    context.api.csrf = context.api.json("POST", "/api/auth/login", login)["csrf_token"]
    page = watched_page(context)
    page.goto("/#/tickets")
    page.get_by_role("link", name="SLAs").click()
    expect(page.get_by_role("heading", name="SLAs", exact=True)).to_be_visible()
    expect(page.locator("#policies-table tbody tr")).not_to_have_count(0)

    calendar = page.locator("#calendar-form")
    calendar.get_by_label("Name").fill("Berlin office (e2e)")
    calendar.get_by_label("Time zone").fill("Europe/Berlin")
    calendar.get_by_label("Holidays of country").fill("de")
    calendar.get_by_label("Region").fill("BE")
    calendar.get_by_label("Mon").fill("09:00-12:00, 13:00-17:00")
    calendar.get_by_label("Fri").fill("09:00-15:00")
    calendar.get_by_role("button", name="Add calendar").click()
    row = page.locator("#calendars-table tr", has_text="Berlin office (e2e)")
    expect(row).to_contain_text("Mon 09:00-12:00, 13:00-17:00; Fri 09:00-15:00")
    expect(row).to_contain_text("DE-BE")

    policy = page.locator("#policy-form")
    policy.get_by_label("Name").fill("Billing critical (e2e)")
    policy.get_by_label("Priority").select_option("critical")
    policy.get_by_label("Category").select_option("billing")
    policy.get_by_label("Calendar").select_option(label="Berlin office (e2e)")
    policy.get_by_label("First response (business minutes)").fill("30")
    policy.get_by_label("Resolution (business minutes)").fill("240")
    policy.get_by_label("On breach").select_option("raise_and_reassign")
    policy.get_by_role("button", name="Add policy").click()
    prow = page.locator("#policies-table tr", has_text="Billing critical (e2e)")
    expect(prow).to_contain_text("30 min")
    expect(prow).to_contain_text("4 h")
    expect(prow).to_contain_text("Raise and reassign")
    stored = next(
        p
        for p in context.api.get("/api/sla/policies")["items"]
        if p["name"] == "Billing critical (e2e)"
    )
    assert (stored["priority"], stored["category"], stored["escalation"]) == (
        "critical",
        "billing",
        "raise_and_reassign",
    )

    # A bad value is refused under its field; editing fills the form; deleting asks twice.
    prow.get_by_role("button", name="Edit").click()
    expect(policy.get_by_label("Name")).to_have_value("Billing critical (e2e)")
    policy.get_by_label("First response (business minutes)").fill("0")
    policy.get_by_role("button", name="Save policy").click()
    expect(
        policy.locator('.field[data-field="first_response_minutes"] .field-error')
    ).not_to_be_empty()
    policy.get_by_label("First response (business minutes)").fill("45")
    policy.get_by_role("button", name="Save policy").click()
    expect(prow).to_contain_text("45 min")
    screenshot(page, "sla-admin")
    prow.get_by_role("button", name="Delete").click()
    prow.get_by_role("button", name="Really delete?").click()
    expect(page.locator("#policies-table tr", has_text="Billing critical (e2e)")).to_have_count(0)
    assert page.watch.errors == [] and page.watch.dialogs == []
