"""The page against the live server's triage, stats, exports, accounts, intake and audit APIs.

Each flow is clicked through as a person would and checked against what the API itself answers
(test_page_logic.py checks the page's handling of their answers with faked responses).
"""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect

from .conftest import E2E_EMAIL, E2E_PASSWORD, screenshot, watched_page
from .test_pages import ROWS, open_list, row_ids

pytestmark = pytest.mark.slow

LABELS = {
    "billing": "Billing",
    "technical": "Technical",
    "account": "Account",
    "general": "General",
    "low": "Low",
    "medium": "Medium",
    "high": "High",
    "critical": "Critical",
}


def test_live_suggestion_never_overwrites_a_choice_then_triaged_ticket_in_list(page, api):
    body = "I was charged twice on my invoice this month and I need a refund right now!"
    expected = api.json("POST", "/api/classify", {"body": body})
    page.goto("/#/tickets/new")
    page.get_by_label("Priority", exact=True).select_option("low")  # the person's own choice

    with page.expect_response(lambda r: r.url.endswith("/api/classify")) as asked:
        page.get_by_label("Description").press_sequentially(body, delay=5)
    assert asked.value.status == 200
    suggestion = page.locator("#suggestion")
    row = suggestion.locator('[data-suggest="category"]')
    expect(row.locator(".suggestion-value")).to_have_text(LABELS[expected["category"]])
    expect(suggestion.locator('[data-suggest="priority"] .suggestion-value')).to_have_text(
        LABELS[expected["priority"]]
    )
    expect(suggestion).to_contain_text(f"{round(expected['confidence'] * 100)}% confident")
    if expected["priority"] != "low":
        expect(suggestion.locator('[data-suggest="priority"]')).to_contain_text("your choice kept")
    screenshot(page, "new-ticket-suggestion")

    row.get_by_role("button", name="Apply").click()
    expect(page.get_by_label("Category", exact=True)).to_have_value(expected["category"])
    expect(page.get_by_label("Priority", exact=True)).to_have_value("low")
    if expected.get("suggested_title"):
        suggestion.locator('[data-apply="subject"]').click()
        expect(page.get_by_label("Subject", exact=True)).to_have_value(expected["suggested_title"])
    else:
        page.get_by_label("Subject", exact=True).fill("Charged twice")
    page.get_by_role("button", name="Create ticket").click()

    first = page.locator(ROWS).first
    expect(first).to_have_class(re.compile("row-new"))
    new_id = int(first.get_attribute("data-id"))
    stored = api.get(f"/api/tickets/{new_id}")
    assert stored["triage_status"] == "done"
    assert (stored["priority"], stored["priority_source"]) == ("low", "manual")
    assert stored["category"] == expected["category"]
    expect(first.locator('td[data-label="Sentiment"]')).to_have_text(
        stored["sentiment"].capitalize()
    )
    expect(first.locator('td[data-label="Urgency"]')).to_contain_text(str(stored["urgency_score"]))


def test_classify_button_shows_the_job_until_done_and_the_history(page, api):
    ticket = api.post(
        "/api/tickets", {"subject": "API returns 500", "body": "Every call to /v2 fails now."}
    )
    before = api.get(f"/api/tickets/{ticket['id']}/classifications")
    before = before["items"] if isinstance(before, dict) else before
    page.goto(f"/#/tickets/{ticket['id']}")
    expect(page.locator(".history")).not_to_be_empty()

    page.get_by_role("button", name="Classify").click()
    status = page.locator("#classify-status")
    expect(status).to_have_attribute("data-status", "done", timeout=15000)
    # The ticket was triaged when it was created: the same text gives the same answer, which
    # the page says instead of a bare "finished", and the history shows the two runs once.
    expect(status).to_have_text(
        "Classification finished: nothing changed. Triage came to the same answer as before."
    )
    expect(page.locator(".history-list .history-item")).to_have_count(len(before))
    expect(page.locator(".history-list .history-item").first).to_have_attribute("data-repeats", "2")
    expect(page.locator(".history-list .history-item").first).to_contain_text("2 identical runs")
    after = api.get(f"/api/tickets/{ticket['id']}")
    expect(page.locator(".ticket-summary")).to_contain_text(LABELS[after["category"]])
    # Named by who answered: the local rules here (no Claude key), never a vague "AI".
    expect(page.locator(".ticket-summary .mark-triage").first).to_have_text(
        re.compile(r"^Rules\??$")
    )
    screenshot(page, "detail-classified")


def _number(text: str | None):
    return None if text in (None, "") else float(text)


def test_dashboard_numbers_equal_api_stats_and_refresh_after_a_change(page, api):
    page.goto("/#/dashboard")
    expect(page.locator('.counter[data-key="total"]')).to_be_visible()
    stats = api.get("/api/stats")
    for key in ("total", "open", "avg_per_day", "avg_urgency_score", "median_resolution_hours"):
        shown = page.locator(f'.counter[data-key="{key}"]').get_attribute("data-value")
        assert _number(shown) == stats[key], key
    expect(page.locator('.counter[data-key="total"] .counter-value')).to_have_text(
        f"{stats['total']:,}"
    )
    for chart, key in (
        ("status", "by_status"),
        ("category", "by_category"),
        ("priority", "by_priority"),
        ("sentiment", "by_sentiment"),
    ):
        bars = page.locator(f'figure[data-chart="{chart}"] g.bar').evaluate_all(
            "gs => gs.map(g => [g.dataset.key, Number(g.dataset.value)])"
        )
        assert dict(bars) == stats[key], chart
    days = page.locator('figure[data-chart="per_day"] g.day').evaluate_all(
        "gs => gs.map(g => [g.dataset.date, Number(g.dataset.value)])"
    )
    assert days == [[d["date"], d["count"]] for d in stats["per_day"]]
    agreement = stats["triage"]["agreement"]["category"]["rate"]
    if agreement is not None:
        expect(page.locator("#triage")).to_contain_text(f"{round(agreement * 100)}%")
    screenshot(page, "dashboard-desktop")

    # A ticket created in the page shows in the counters the next time the dashboard is shown.
    page.locator("#nav").get_by_role("link", name="New ticket").click()
    page.get_by_label("Subject", exact=True).fill("Dashboard refresh check")
    page.get_by_label("Description").fill("Short.")
    page.get_by_role("button", name="Create ticket").click()
    expect(page.locator("#toast")).to_contain_text("created")
    page.locator("#nav").get_by_role("link", name="Dashboard").click()
    expect(page.locator('.counter[data-key="total"]')).to_have_attribute(
        "data-value", str(stats["total"] + 1)
    )


def test_export_these_results_and_download_a_matching_csv(page, api):
    query = "status=resolved,closed&sort=-urgency_score"
    open_list(page, query)
    expect(page.locator(".total")).to_have_text(re.compile(r"^\d+ ticket"))
    page.get_by_role("button", name="Export these results").click()
    expect(page).to_have_url(re.compile(r"#/exports\?id="))
    current = page.locator("#export-current")
    expect(current).to_have_attribute("data-status", "done", timeout=20000)
    screenshot(page, "exports-desktop")
    with page.expect_download() as download:
        current.get_by_role("link", name="Download CSV").click()
    path = download.value.path()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    expected = api.get("/api/tickets?status=resolved,closed&per_page=100")
    assert sorted(int(r["id"]) for r in rows) == sorted(t["id"] for t in expected["items"])
    assert {r["status"] for r in rows} <= {"resolved", "closed"}
    export_id = page.url.split("id=")[1]
    item = page.locator(f'.export-item[data-id="{export_id}"]')
    expect(item).to_have_attribute("data-status", "done")
    expect(item).to_contain_text(f"{len(rows)} rows")
    expect(item).to_contain_text("expires")


def test_login_sends_csrf_and_logout_shows_the_login_view(new_context, live_app):
    from .conftest import ensure_e2e_user

    ensure_e2e_user(live_app)
    context = new_context(signed_in=False)
    page = watched_page(context)
    page.goto("/#/tickets")
    expect(page).to_have_url(re.compile(r"#/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")
    page.get_by_label("Email").fill(E2E_EMAIL)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".view-login .error-box")).to_have_text("Wrong email or password.")

    page.get_by_label("Password").fill(E2E_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"#/tickets"))
    expect(page.locator("#user")).to_have_text(re.compile("E2E Agent|" + E2E_EMAIL))
    expect(page.locator(ROWS).first).to_be_visible()  # the list loads once signed in
    ids = row_ids(page)
    page.goto(f"/#/tickets/{ids[0]}")
    edit = page.get_by_role("complementary", name="Edit ticket")
    with page.expect_request(lambda r: r.method == "PATCH") as patched:
        edit.get_by_label("Status", exact=True).select_option("in_progress")
    assert patched.value.headers.get("x-csrf-token")
    expect(page.locator("#toast")).to_contain_text("Saved")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert context.request.get("/api/auth/me").status == 401
    page.goto("/#/dashboard")
    expect(page).to_have_url(re.compile(r"#/login"))
    assert page.watch.errors == []


def test_public_submit_page_gives_a_reference(new_context, api):
    page = watched_page(new_context(signed_in=False))
    page.goto("/submit")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator('.field[data-field="email"] .field-error')).not_to_be_empty()
    page.get_by_label("Your email").fill("zoe.novak@example.com")
    page.get_by_label("Your name (optional)").fill("Zoë Novak")
    page.get_by_label("Subject", exact=True).fill("Cannot download my invoice")
    page.get_by_label("How can we help?").fill("The invoice link gives an error page.")
    page.get_by_role("button", name="Send request").click()
    reference = page.locator("#submit-done .reference")
    expect(reference).to_have_text(re.compile(r"^#\d+$"))
    screenshot(page, "submit-done")
    stored = api.get(f"/api/tickets/{reference.inner_text()[1:]}")
    assert stored["subject"] == "Cannot download my invoice"
    assert stored["requester_email"] == "zoe.novak@example.com"


def test_audit_trail_lists_a_change_made_in_the_page(page, api):
    ticket = api.post("/api/tickets", {"subject": "Audit me", "body": "Watch the trail."})
    page.goto(f"/#/tickets/{ticket['id']}")
    edit = page.get_by_role("complementary", name="Edit ticket")
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        edit.get_by_label("Status", exact=True).select_option("resolved")
    events = page.locator(".events-list .event")
    expect(events.last).to_contain_text("changed status Open → Resolved")
    # One entry per request: the rows one save (or one triage job) wrote are one sentence.
    items = api.get(f"/api/tickets/{ticket['id']}/events")["items"]
    requests = [items[0]["request_id"]]
    for item in items[1:]:
        if item["request_id"] != requests[-1] or item["field"] is None:
            requests.append(item["request_id"])
    expect(events).to_have_count(len(requests))


def test_a_person_changes_their_own_password_in_the_page(new_context, live_app):
    from ticketing.accounts import services as accounts
    from ticketing.core.extensions import db

    email, old, new = "e2e.password@example.com", "first-passphrase-123", "second-passphrase-456"
    with live_app.app_context():
        if accounts.find_user(email) is None:
            accounts.create_user(email, "Pat Password", "agent", old)
            db.session.commit()
    page = watched_page(new_context(signed_in=False))

    def sign_in(password: str) -> None:
        page.goto("/#/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#user")).to_have_text("Pat Password")

    sign_in(old)
    page.locator("#user").click()  # the name in the top bar opens the account view
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_label("Current password").fill(old)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(new + "typo")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".view-account")).to_contain_text("The two new passwords differ.")

    page.get_by_label("New password again").fill(new)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#toast")).to_contain_text("Password changed.")
    screenshot(page, "account-password-changed")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(new)
    assert page.watch.errors == []
