"""The access log view (admins), clicked through in Chromium against the live server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, watched_page

pytestmark = pytest.mark.slow

ADMIN_EMAIL = "e2e.admin@example.com"
ADMIN_PASSWORD = "e2e-admin-password-Long-1"  # noqa: S105 - a test account
HOSTILE = "<img src=x onerror=alert(1)>@example.com"


def ensure_admin(app) -> None:
    import sqlalchemy as sa

    from ticketing.accounts import services as accounts
    from ticketing.core.extensions import db
    from ticketing.models import User

    with app.app_context():
        if not db.session.scalar(sa.select(User.id).where(User.email == ADMIN_EMAIL)):
            accounts.create_user(ADMIN_EMAIL, "E2E Admin", "admin", ADMIN_PASSWORD)
            db.session.commit()


def test_an_admin_reads_and_filters_the_access_log_as_text(new_context, live_app):
    ensure_admin(live_app)
    context = new_context(signed_in=False)
    failed = context.api.call("POST", "/api/auth/login", {"email": HOSTILE, "password": "x"})
    assert failed.status == 401
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    context.api.csrf = context.api.json("POST", "/api/auth/login", login)["csrf_token"]
    page = watched_page(context)

    page.goto("/#/tickets")
    page.get_by_role("link", name="Access log").click()
    expect(page.get_by_role("heading", name="Access log")).to_be_visible()
    rows = page.locator("#access-log-table tbody tr")
    expect(rows.first).to_be_visible()
    hostile = page.locator("#access-log-table td", has_text=HOSTILE).first
    expect(hostile).to_be_visible()  # shown as text ...
    assert page.locator("#access-log-table img").count() == 0  # ... never as markup

    page.get_by_label("Action").select_option("sign_in_failed")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"#/access-log\?action=sign_in_failed$"))
    expect(rows.first).to_have_attribute("data-action", "sign_in_failed")
    actions = {rows.nth(i).get_attribute("data-action") for i in range(rows.count())}
    assert actions == {"sign_in_failed"}
    download = page.get_by_role("link", name="Download CSV")
    assert "/api/access-log/export?action=sign_in_failed" in download.get_attribute("href")
    screenshot(page, "access-log")
    assert page.watch.errors == [] and page.watch.dialogs == []


def test_an_agent_has_no_access_log(page):
    page.goto("/#/tickets")
    expect(page.get_by_role("link", name="Tickets", exact=True)).to_be_visible()
    assert page.get_by_role("link", name="Access log").count() == 0
    page.goto("/#/access-log")
    expect(page.locator(".view-access-log .error-box")).to_contain_text("admin")
