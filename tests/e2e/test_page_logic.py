"""The page's own logic for the APIs built on other branches, with contract-shaped answers.

The browser's requests to those endpoints are answered by ``page.route`` with the shapes the
contracts promise (and with their failure modes: 401, 404, 429, a failed job). This checks
what the page does with an answer; test_live_apis.py checks the real APIs end to end.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.slow


def fulfill(route, body, status=200, headers=None):
    route.fulfill(
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
        body=json.dumps(body),
    )


SUGGESTION = {
    "category": "billing",
    "priority": "high",
    "sentiment": "frustrated",
    "urgency_score": 72,
    "confidence": 0.86,
    "explanation": "A duplicate charge; the customer wants a refund.",
    "suggested_title": "Refund a duplicate charge",
    "source": "claude",
}


def test_suggestion_apply_keeps_the_persons_choices_and_429_says_when(page):
    calls = []

    def classify(route):
        calls.append(json.loads(route.request.post_data))
        if len(calls) == 1:
            fulfill(route, SUGGESTION)
        else:
            error = {"error": {"code": "rate_limited", "message": "Too many requests."}}
            fulfill(route, error, 429, {"Retry-After": "42"})

    page.route("**/api/classify", classify)
    page.goto("/#/tickets/new")
    page.get_by_label("Subject", exact=True).fill("Charged twice")
    page.get_by_label("Priority", exact=True).select_option("low")
    page.get_by_label("Description").fill("short")
    expect(page.locator("#suggestion")).to_contain_text("at least 20 characters")
    page.get_by_label("Description").fill("I was charged twice on my last invoice.")
    suggestion = page.locator("#suggestion")
    expect(suggestion.locator('[data-suggest="category"] .suggestion-value')).to_have_text(
        "Billing"
    )
    assert calls == [
        {"body": "I was charged twice on my last invoice.", "subject": "Charged twice"}
    ]
    expect(suggestion).to_contain_text("Claude · 86% confident")
    expect(suggestion.locator('[data-suggest="priority"]')).to_contain_text("your choice kept")
    expect(suggestion.locator('[data-suggest="subject"]')).to_contain_text("your choice kept")

    suggestion.locator('[data-apply="category"]').click()
    expect(page.get_by_label("Category", exact=True)).to_have_value("billing")
    expect(page.get_by_label("Priority", exact=True)).to_have_value("low")
    expect(page.get_by_label("Subject", exact=True)).to_have_value("Charged twice")
    expect(suggestion.locator('[data-suggest="category"]')).to_contain_text("applied")

    # A choice made after the suggestion is kept too; "Apply all" only fills what is left.
    page.get_by_label("Category", exact=True).select_option("general")
    page.get_by_label("Subject", exact=True).fill("")
    page.get_by_label("Priority", exact=True).select_option("")
    suggestion.locator('[data-apply="all"]').click()
    expect(page.get_by_label("Category", exact=True)).to_have_value("general")
    expect(page.get_by_label("Priority", exact=True)).to_have_value("high")
    expect(page.get_by_label("Subject", exact=True)).to_have_value("Refund a duplicate charge")

    page.get_by_label("Description").fill("I was charged twice on my last invoice, again.")
    expect(suggestion).to_contain_text("Try again in 42 s")
    screenshot(page, "new-ticket-suggestion-fake")


def test_classify_shows_queued_running_then_done_and_a_failure(page, api):
    ticket = api.post("/api/tickets", {"subject": "Classify me", "body": "Please triage."})
    polls = {"n": 0}
    jobs = {"ok": ["queued", "running", "done"], "bad": ["running", "failed"]}

    def start(route):
        job = "bad" if polls.get("fail") else "ok"
        fulfill(route, {"id": job, "status": "queued", "status_url": f"/api/jobs/{job}"}, 202)

    def status(route):
        job = route.request.url.rsplit("/", 1)[1]
        polls["n"] += 1
        state = jobs[job][min(polls["n"], len(jobs[job])) - 1]
        body = {"id": job, "status": state}
        if state == "failed":
            body["error"] = "Claude timed out and the fallback crashed"
        fulfill(route, body)

    page.route(f"**/api/tickets/{ticket['id']}/classify", start)
    page.route("**/api/jobs/*", status)
    page.goto(f"/#/tickets/{ticket['id']}")
    box = page.locator("#classify-status")
    page.evaluate(
        """() => { window.__seen = [];
          new MutationObserver(() => {
            const el = document.querySelector('#classify-status');
            if (el && el.dataset.status) window.__seen.push(el.dataset.status);
          }).observe(document.querySelector('main'),
                     {subtree: true, attributes: true, childList: true}); }"""
    )
    page.get_by_role("button", name="Classify").click()
    expect(box).to_have_attribute("data-status", "done")
    expect(box).to_have_text(re.compile(r"^Classification finished: nothing changed\."))
    states = page.evaluate("[...new Set(window.__seen)]")
    assert states[:3] == ["queued", "running", "done"]
    expect(page.get_by_role("button", name="Classify")).to_be_enabled()

    polls.update(n=0, fail=True)
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#classify-status")).to_have_text(
        "Classification failed: Claude timed out and the fallback crashed"
    )


def test_dashboard_shows_a_claude_configuration_fault_loudly_and_the_spend(page):
    month = {
        "month": "2026-11",
        "runs": 40,
        "tickets": 38,
        "input_tokens": 40000,
        "output_tokens": 4000,
        "usd": 0.06,
        "per_ticket_usd": 0.00157,
    }
    claude = {
        "ok": False,
        "status": "fault",
        "fault": {
            "status": 400,
            "type": "invalid_request_error",
            "message": "tools.0.custom: For 'integer' type, properties maximum are not supported",
            "since": "2026-11-29T10:00:00+00:00",
            "last_seen": "2026-11-29T10:05:00+00:00",
            "count": 17,
        },
        "enabled": True,
        "model": "claude-haiku-5-5",
        "redact_pii": True,
        "examples": 4,
        "budget": {
            "monthly_usd": 50.0,
            "spent_usd": 0.06,
            "remaining_usd": 49.94,
            "exhausted": False,
            "resets_at": "2026-12-01T00:00:00+00:00",
        },
        "month": month,
        "by_month": [dict(month, month="2026-10", usd=1.5), month],
        "open_batches": 1,
    }
    page.route("**/api/classification/claude", lambda route: fulfill(route, claude))
    page.goto("/#/dashboard")
    card = page.locator("#claude")
    alert = card.get_by_role("alert")
    expect(alert).to_contain_text("Claude is misconfigured: HTTP 400 invalid_request_error")
    expect(alert).to_contain_text("properties maximum are not supported")
    expect(alert).to_contain_text("17 request(s) refused")
    expect(card.locator('[data-key="claude.month.usd"] .counter-value')).to_have_text("$0.0600")
    expect(card.locator('[data-key="claude.month.per_ticket_usd"] .counter-value')).to_have_text(
        "$0.0016"
    )
    expect(card.locator('[data-key="claude.budget.remaining_usd"]')).to_contain_text(
        "$49.94 of $50.00"
    )
    expect(card.locator('[data-key="claude.by_month.2026-10"]')).to_contain_text("$1.50")


def test_dashboard_draws_every_key_the_stats_answer_has(page):
    stats = {
        "total": 1234,
        "open": 530,
        "avg_per_day": 41.13,
        "by_status": {"open": 400, "in_progress": 130, "resolved": 500, "closed": 204},
        "by_category": {"billing": 3, "technical": 5, "unclassified": 1, "refunds": 2},
        "by_priority": {"low": 2, "unset": 1},
        "by_sentiment": {},
        "avg_urgency_score": None,
        "median_resolution_hours": 12.25,
        "per_day": [{"date": f"2026-11-{d:02d}", "count": d % 4} for d in range(1, 31)],
        "triage": {"agreement": {"category": {"rate": 0.8712, "agreed": 784, "compared": 900}}},
    }
    page.route("**/api/stats*", lambda route: fulfill(route, stats))
    page.goto("/#/dashboard")
    counters = page.locator(".counters")
    expect(counters.locator('[data-key="total"] .counter-value')).to_have_text("1,234")
    # Rounded for reading: whole numbers from 10 up.
    expect(counters.locator('[data-key="avg_per_day"] .counter-value')).to_have_text("41")
    expect(counters.locator('[data-key="avg_urgency_score"] .counter-value')).to_have_text("—")
    expect(counters.locator('[data-key="median_resolution_hours"]')).to_contain_text("12 h")
    expect(counters.locator('[data-key="open"] .counter-label')).to_have_text("Unresolved")
    category = page.locator('figure[data-chart="category"] g.bar')
    assert category.evaluate_all("gs => gs.map(g => g.dataset.key)") == [
        "billing",
        "technical",
        "unclassified",
        "refunds",
    ]
    expect(page.locator('figure[data-chart="sentiment"]')).to_contain_text("No data.")
    expect(page.locator('figure[data-chart="per_day"] g.day')).to_have_count(30)
    expect(page.locator("#triage")).to_contain_text("87%")
    expect(page.locator("#triage")).to_contain_text("784 of 900 kept as triaged")

    # A change made in the page refreshes the dashboard's figures when it is shown again.
    stats["total"] = 1235
    page.goto("/#/tickets/new")
    page.get_by_label("Subject", exact=True).fill("One more")
    page.get_by_label("Description").fill("Count me.")
    page.get_by_role("button", name="Create ticket").click()
    expect(page.locator("#toast")).to_contain_text("created")
    page.locator("#nav").get_by_role("link", name="Dashboard").click()
    expect(counters.locator('[data-key="total"] .counter-value')).to_have_text("1,235")


def test_export_progress_download_link_and_unsafe_links_refused(page):
    state = {"polls": 0, "posted": None}
    done = {
        "id": "e1",
        "status": "done",
        "row_count": 3,
        "size_bytes": 2048,
        "download_url": "/api/exports/e1/download",
        "expires_at": "2030-01-01T00:00:00+00:00",
        "created_at": "2026-11-26T10:00:00+00:00",
        "filters": {"status": "open"},
    }
    evil = dict(done, id="e2", download_url="javascript:alert(1)", filters={})

    def exports(route):
        if route.request.method == "POST":
            state["posted"] = json.loads(route.request.post_data)
            return fulfill(route, {"id": "e1", "status": "pending"}, 202)
        return fulfill(route, {"items": [done, evil]})

    def one(route):
        state["polls"] += 1
        fulfill(route, done if state["polls"] > 2 else dict(done, status="running"))

    page.route("**/api/exports", exports)
    page.route("**/api/exports/e1", one)
    page.goto("/#/tickets?status=open&q=refund&sort=-priority")
    page.get_by_role("button", name="Export these results").click()
    expect(page).to_have_url(re.compile(r"#/exports\?id=e1"))
    assert state["posted"] == {"status": "open", "q": "refund"}
    current = page.locator("#export-current")
    expect(current).to_have_attribute("data-status", "done")
    expect(current).to_contain_text("3 rows · 2.0 KB")
    link = current.get_by_role("link", name="Download CSV")
    expect(link).to_have_attribute(
        "href", re.compile(r"^http://127\.0\.0\.1:\d+/api/exports/e1/download$")
    )
    assert state["polls"] == 3
    items = page.locator(".export-item")
    expect(items).to_have_count(2)
    expect(items.nth(1).locator("a")).to_have_count(0)
    expect(items.nth(0)).to_contain_text("Status: open")


def test_signed_out_shows_login_and_returns_after_sign_in(page):
    signed_in = {"yes": False}
    user = {"user": {"id": 1, "email": "ana@example.com", "name": "Ana", "role": "agent"}}

    def me(route):
        if signed_in["yes"]:
            return fulfill(route, dict(user, csrf_token="tok-123"))
        fulfill(route, {"error": {"code": "unauthorized", "message": "Sign in."}}, 401)

    def login(route):
        body = json.loads(route.request.post_data)
        if body["password"] != "right":
            return fulfill(route, {"error": {"code": "unauthorized", "message": "No."}}, 401)
        signed_in["yes"] = True
        fulfill(route, dict(user, csrf_token="tok-123"))

    page.route("**/api/auth/me", me)
    page.route("**/api/auth/login", login)
    page.route("**/api/auth/logout", lambda route: fulfill(route, {}, 200))
    page.goto("/#/dashboard")
    expect(page).to_have_url(re.compile(r"#/login\?next=%23%2Fdashboard"))
    expect(page.locator("#nav")).to_be_hidden()
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".view-login .error-box")).to_have_text("Wrong email or password.")
    page.get_by_label("Password").fill("right")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"#/dashboard$"))
    expect(page.locator("#user")).to_have_text("Ana")

    with page.expect_request("**/api/tickets") as created:
        page.goto("/#/tickets/new")
        page.get_by_label("Subject", exact=True).fill("With CSRF")
        page.get_by_label("Description").fill("Sent with the token.")
        page.get_by_role("button", name="Create ticket").click()
    assert created.value.headers["x-csrf-token"] == "tok-123"

    # A 401 on any call (the session ended) brings the login view back.
    signed_in["yes"] = False
    page.route(
        "**/api/tickets?*",
        lambda route: fulfill(route, {"error": {"code": "unauthorized", "message": "x"}}, 401),
    )
    page.goto("/#/tickets?page=1")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#logout")).to_be_hidden()


def test_list_shows_skeleton_rows_while_loading_and_a_capped_total(page, api):
    held = []
    page.route("**/api/tickets?*", lambda route: held.append(route))
    page.goto("/#/tickets?q=printer")
    skeleton = page.locator("#tickets-table tbody tr.skeleton-row")
    expect(skeleton).to_have_count(8)
    expect(page.locator("#tickets-table")).to_have_attribute("aria-busy", "true")
    screenshot(page, "list-loading")

    # A broad search whose count stopped at the cap says so ("10,000+"), as do its pages.
    items = api.get("/api/tickets?per_page=3")["items"]
    meta = {"page": 1, "per_page": 25, "total": 10000, "pages": 400, "total_exact": False}
    fulfill(held[0], {"items": items, "meta": meta})
    expect(skeleton).to_have_count(0)
    expect(page.locator("#tickets-table tbody tr")).to_have_count(3)
    expect(page.locator(".total")).to_have_text("10,000+ tickets")
    expect(page.locator(".page-info")).to_have_text("Page 1 of 400+")


def test_urgency_is_coloured_with_the_classifiers_bands(page, api):
    from ticketing.core.vocab import URGENCY_FLOORS, priority_for_urgency

    # Each floor and the score just under it: the page's colour names the same priority band
    # as the classifier's (the bands reach the page as data, not as a copy in the script).
    scores = sorted({s for floor in URGENCY_FLOORS.values() for s in (floor, floor - 1)})
    seeded = api.get(f"/api/tickets?per_page={len(scores)}")["items"]
    pairs = enumerate(zip(seeded, scores, strict=True))
    items = [dict(t, id=1000 + i, urgency_score=s) for i, (t, s) in pairs]
    meta = {"page": 1, "per_page": 25, "total": len(items), "pages": 1}
    page.route("**/api/tickets?*", lambda route: fulfill(route, {"items": items, "meta": meta}))
    page.goto("/#/tickets")
    meters = page.locator('#tickets-table td[data-label="Urgency"] .urgency')
    expect(meters).to_have_count(len(scores))
    shown = meters.evaluate_all("ms => ms.map(m => m.className)")
    assert shown == [f"urgency urgency-{priority_for_urgency(s)}" for s in scores]
    # Four bands, each with its own colour in the stylesheet.
    fills = meters.evaluate_all(
        "ms => ms.map(m => getComputedStyle(m.querySelector('.urgency-fill')).backgroundColor)"
    )
    assert len(set(fills)) == len(URGENCY_FLOORS) + 1


def test_a_sign_out_the_server_could_not_record_keeps_the_person_signed_in(page):
    user = {"user": {"id": 1, "email": "ana@example.com", "name": "Ana", "role": "agent"}}
    page.route("**/api/auth/me", lambda route: fulfill(route, dict(user, csrf_token="t")))
    down = {"error": {"code": "database_unavailable", "message": "The database is unavailable."}}
    page.route("**/api/auth/logout", lambda route: fulfill(route, down, 503))
    page.goto("/#/tickets")
    expect(page.locator("#user")).to_have_text("Ana")
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".toast").last).to_contain_text("Not signed out")
    expect(page.locator("#user")).to_have_text("Ana")  # still signed in, and told so
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
