"""Issue 13's pages, clicked through in Chromium: macros made and edited in the page and
applied to checked tickets from the list's bulk bar; users and teams managed by an admin
(add, role, disable, reset password, members, lead)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, watched_page
from .test_access_log_page import ADMIN_EMAIL, ADMIN_PASSWORD, ensure_admin
from .test_pages import ROWS, open_list

pytestmark = pytest.mark.slow


def admin_page(new_context, live_app):
    ensure_admin(live_app)
    context = new_context(signed_in=False)
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    context.api.csrf = context.api.json("POST", "/api/auth/login", login)["csrf_token"]
    return watched_page(context), context.api


def test_a_macro_is_made_in_the_page_and_applied_to_checked_tickets_from_the_bulk_bar(page, api):
    word = uuid.uuid4().hex[:8]
    page.goto("/#/macros")
    expect(page.get_by_role("heading", name="Macros", exact=True)).to_be_visible()
    form = page.locator("#macro-form")
    form.get_by_label("Name").fill(f"Spam {word}")
    form.get_by_label("Reply").fill("Closing #{ticket_id} as spam, {requester_name}.")
    form.get_by_label("Status").select_option("resolved")
    form.get_by_label("Add tags").fill(f"spam-{word}")
    form.get_by_role("button", name="Add macro").click()
    row = page.locator("#macros-table tr", has_text=f"Spam {word}")
    expect(row).to_contain_text("status Resolved")
    # Edit: the reply becomes an internal note.
    row.get_by_role("button", name="Edit").click()
    expect(form.get_by_label("Name")).to_have_value(f"Spam {word}")
    form.get_by_label("Post it as an internal note").check()
    form.get_by_role("button", name="Save macro").click()
    expect(row.locator(".macro-body")).to_contain_text("Note:")
    # A macro that does nothing is refused with the server's reason.
    form.get_by_label("Name").fill("Empty")
    form.get_by_role("button", name="Add macro").click()
    expect(form.locator(".error-box")).to_have_text(
        re.compile(r"^A macro needs a reply or an action")
    )
    screenshot(page, "macros-page")

    made = [
        api.post(
            "/api/tickets",
            {"subject": f"Cheap pills {word} {n}", "body": "Buy now", "requester_name": f"Bot {n}"},
        )["id"]
        for n in range(2)
    ]
    rows = open_list(page, f"q={word}")
    expect(rows).to_have_count(2)
    for tid in made:
        page.locator(f'{ROWS}[data-id="{tid}"] .row-check').check()
    bar = page.locator("#bulk-bar")
    expect(bar).to_be_visible()
    bar.locator("#bulk-macro").select_option(label=f"Spam {word}")
    bar.locator("#bulk-apply").click()
    expect(page.locator("#toast")).to_contain_text("Macro applied to 2 of 2 tickets")
    for n, tid in enumerate(made):
        ticket = api.get(f"/api/tickets/{tid}")
        assert (ticket["status"], ticket["tags"]) == ("resolved", [f"spam-{word}"])
        notes = api.get(f"/api/tickets/{tid}/replies")["items"]
        assert [(r["body"], r["internal"]) for r in notes] == [
            (f"Closing #{tid} as spam, Bot {n}.", True)
        ]


def test_an_admin_manages_users_and_teams_in_the_page(new_context, live_app):
    page, api = admin_page(new_context, live_app)
    word = uuid.uuid4().hex[:6]
    email = f"nina.{word}@example.com"
    page.goto("/#/tickets")
    page.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("heading", name="Users and teams")).to_be_visible()

    form = page.locator("#user-form")
    form.get_by_label("E-mail").fill(email)
    form.get_by_label("Name").fill(f"Nina {word}")
    form.get_by_label("Role").select_option("agent")
    form.get_by_label("First password").fill("short")
    form.get_by_role("button", name="Add user").click()
    expect(form.locator('.field[data-field="password"] .field-error')).not_to_be_empty()
    form.get_by_role("button", name="Generate").click()
    first_password = form.get_by_label("First password").input_value()
    assert len(first_password) == 20
    form.get_by_role("button", name="Add user").click()
    row = page.locator("#users-table tr", has_text=email)
    expect(row).to_contain_text("Active")
    user_id = int(row.get_attribute("data-id"))

    # Role, reset password (shown once, and it works), disable.
    row.get_by_label(f"Role of Nina {word}").select_option("admin")
    expect(page.locator("#toast")).to_contain_text("is now Admin")
    assert api.get(f"/api/users/{user_id}")["role"] == "admin"
    row = page.locator("#users-table tr", has_text=email)
    row.get_by_role("button", name="Reset password").click()
    shown = row.locator(".new-password")
    expect(shown).to_be_visible()
    fresh = shown.inner_text()
    assert len(fresh) == 20 and fresh != first_password
    probe = new_context(signed_in=False)
    ok = probe.api.call("POST", "/api/auth/login", {"email": email, "password": fresh})
    assert ok.status == 200, ok.text()
    row.get_by_role("button", name="Disable").click()
    expect(page.locator("#users-table tr", has_text=email)).to_have_attribute(
        "data-active", "false"
    )
    assert api.get(f"/api/users/{user_id}")["active"] is False
    page.locator("#users-table tr", has_text=email).get_by_role("button", name="Enable").click()
    expect(page.locator("#users-table tr", has_text=email)).to_have_attribute("data-active", "true")

    # A team, its members and its lead.
    team_form = page.locator("#team-form")
    team_form.get_by_label("Team name").fill(f"Billing {word}")
    team_form.get_by_role("button", name="Add team").click()
    card = page.locator(".team-card", has=page.get_by_role("heading", name=f"Billing {word}"))
    expect(card).to_be_visible()
    card.get_by_label(f"Nina {word}").check()
    card.get_by_label(f"Lead of Billing {word}").select_option(label=f"Nina {word}")
    card.get_by_role("button", name="Save team").click()
    expect(page.locator("#toast")).to_contain_text(f"Billing {word} saved.")
    team = next(t for t in api.get("/api/teams")["items"] if t["name"] == f"Billing {word}")
    assert team["lead_id"] == user_id
    assert [m["id"] for m in team["members"]] == [user_id]
    screenshot(page, "users-and-teams")
    assert page.watch.errors == [] and page.watch.dialogs == []


def test_agents_do_not_see_the_admin_pages(page):
    page.goto("/#/tickets")
    nav = page.locator("#nav")
    expect(nav.get_by_role("link", name="Macros")).to_be_visible()
    expect(nav.get_by_role("link", name="Users", exact=True)).to_have_count(0)
    expect(nav.get_by_role("link", name="SLAs")).to_have_count(0)
    page.goto("/#/people")
    expect(page.locator(".view-people .error-box")).to_contain_text(re.compile("admin", re.I))
