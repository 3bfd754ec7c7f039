"""The page's flows in real headless Chromium, against the live server (tickets API only)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, watched_page

pytestmark = pytest.mark.slow

ROWS = "#tickets-table tbody tr:not(.skeleton-row)"


def open_list(page, query: str = ""):
    page.goto("/#/tickets" + (f"?{query}" if query else ""))
    expect(page.locator("#tickets-table")).not_to_have_attribute("aria-busy", "true")
    return page.locator(ROWS)


def row_ids(page) -> list[int]:
    return [int(i) for i in page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.id)")]


def test_create_ticket_through_the_form_then_see_it_in_the_list(page, api):
    page.goto("/#/tickets/new")
    expect(page.get_by_role("heading", name="New ticket")).to_be_visible()

    # The API's validation errors appear next to their fields.
    page.get_by_role("button", name="Create ticket").click()
    subject_error = page.locator('.field[data-field="subject"] .field-error')
    expect(subject_error).not_to_be_empty()
    expect(page.get_by_label("Subject", exact=True)).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Requester email").fill("not-an-email")
    page.get_by_label("Subject", exact=True).fill("Refund for a double charge")
    page.get_by_label("Description").fill("I was charged twice for my Team plan this month.")
    page.get_by_role("button", name="Create ticket").click()
    expect(page.locator('.field[data-field="requester_email"] .field-error')).not_to_be_empty()
    expect(subject_error).to_be_empty()
    screenshot(page, "new-ticket-errors")

    page.get_by_label("Requester email").fill("ana.lopez@example.com")
    page.get_by_label("Requester name").fill("Ana Lopez")
    page.get_by_label("Tags").fill("Refund, vip")
    page.get_by_label("Priority", exact=True).select_option("high")
    page.get_by_role("button", name="Create ticket").click()

    expect(page).to_have_url(re.compile(r"#/tickets$"))
    expect(page.locator("#toast")).to_contain_text("created")
    first = page.locator(ROWS).first
    expect(first).to_contain_text("Refund for a double charge")
    expect(first).to_have_class(re.compile("row-new"))
    new_id = int(first.get_attribute("data-id"))
    # Status and priority are menus in the list (changeable in place), showing the value.
    expect(first.locator('td[data-label="Priority"] select')).to_have_value("high")
    expect(first.locator('td[data-label="Priority"] .mark')).to_have_text("Manual")
    expect(first.locator('td[data-label="Subject"] .row-tags')).to_have_text("refundvip")

    stored = api.get(f"/api/tickets/{new_id}")
    assert stored["subject"] == "Refund for a double charge"
    assert (stored["priority"], stored["priority_source"]) == ("high", "manual")
    assert stored["requester_email"] == "ana.lopez@example.com"
    assert stored["tags"] == ["refund", "vip"]


def test_filter_search_sort_and_paginate_with_deep_links_and_back(page, api):
    unique = api.post(
        "/api/tickets",
        {
            "subject": "Quokka sync stalls overnight",
            "body": "The quokka job stalls.",
            "tags": ["e2e"],
        },
    )
    rows = open_list(page)
    everything = api.get("/api/tickets?per_page=1")["meta"]["total"]
    expect(page.locator(".total")).to_have_text(f"{everything} tickets")
    expect(rows).to_have_count(min(25, everything))
    screenshot(page, "list-desktop-light")

    # Filters apply as they are ticked: status "open" plus priority "high" or "critical".
    page.get_by_role("button", name="Filters").click()
    page.locator('fieldset[data-filter="status"]').get_by_label("Open").check()
    expect(page).to_have_url(re.compile(r"status=open"))
    page.locator('fieldset[data-filter="priority"]').get_by_label("High").check()
    expect(page).to_have_url(re.compile(r"status=open&priority=high$"))
    page.locator('fieldset[data-filter="priority"]').get_by_label("Critical").check()
    expect(page).to_have_url(re.compile(r"status=open&priority=high%2Ccritical"))
    expected = api.get("/api/tickets?status=open&priority=high,critical&per_page=100")
    expect(page.locator(".total")).to_have_text(re.compile(rf"^{expected['meta']['total']} ticket"))
    assert row_ids(page) == [t["id"] for t in expected["items"]][:25]
    statuses = page.locator(f'{ROWS} td[data-label="Status"] select').evaluate_all(
        "menus => menus.map(m => m.value)"
    )
    assert set(statuses) == {"open"}
    screenshot(page, "list-filtered")

    # Sort by urgency (highest first) by clicking the column header.
    page.get_by_role("button", name="Urgency").click()
    expect(page.locator('th[data-sort-key="urgency_score"]')).to_have_attribute(
        "aria-sort", "descending"
    )
    sorted_ids = api.get("/api/tickets?status=open&priority=high,critical&sort=-urgency_score")
    expect(page.locator(ROWS).first).to_have_attribute("data-id", str(sorted_ids["items"][0]["id"]))
    assert row_ids(page) == [t["id"] for t in sorted_ids["items"]]

    # Search (debounced): only the matching ticket remains; clearing filters shows all again.
    page.get_by_role("button", name="Clear filters").first.click()
    page.get_by_label("Search").fill("quokka")
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(ROWS).first).to_have_attribute("data-id", str(unique["id"]))
    expect(page).to_have_url(re.compile(r"q=quokka"))

    # A search with no match shows the empty state.
    page.get_by_label("Search").fill("nothing-matches-this-zzz")
    expect(page.get_by_text("No tickets match.")).to_be_visible()
    screenshot(page, "list-empty")

    # "#123" jumps to that ticket.
    page.get_by_label("Search").fill(f"#{unique['id']}")
    page.get_by_label("Search").press("Enter")
    expect(page).to_have_url(re.compile(rf"#/tickets/{unique['id']}$"))
    expect(page.locator("#ticket-subject")).to_contain_text("Quokka sync stalls overnight")

    # Pages: 10 per page, next page, then Back returns to page 1 (a deep link each time).
    rows = open_list(page, "per_page=10")
    first_page = row_ids(page)
    assert len(first_page) == 10
    # "Next" continues by the answer's cursor (keyset); the URL still says page=2.
    with page.expect_request(lambda r: "/api/tickets?" in r.url and "cursor=" in r.url):
        page.get_by_role("button", name="Next →").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator(".page-info")).to_have_text(re.compile(r"^Page 2 of \d+"))
    expect(page.locator(ROWS).first).not_to_have_attribute("data-id", str(first_page[0]))
    second_page = row_ids(page)
    assert second_page == [t["id"] for t in api.get("/api/tickets?per_page=10&page=2")["items"]]
    page.reload()  # a deep link reads the same page by its number
    expect(page.locator(".page-info")).to_have_text(re.compile(r"^Page 2 of \d+"))
    expect(page.locator(ROWS).first).to_have_attribute("data-id", str(second_page[0]))
    page.go_back()
    expect(page.locator(".page-info")).to_have_text(re.compile(r"^Page 1 of"))
    expect(page.locator(ROWS).first).to_have_attribute("data-id", str(first_page[0]))
    assert page.get_by_label("Rows").input_value() == "10"


def test_edit_in_detail_view_is_persisted_after_reload(page, api):
    ticket = api.post("/api/tickets", {"subject": "Cannot log in", "body": "Password reset loops."})
    page.goto(f"/#/tickets/{ticket['id']}")
    expect(page.locator("#ticket-subject")).to_contain_text("Cannot log in")
    edit = page.get_by_role("complementary", name="Edit ticket")

    with page.expect_response(lambda r: r.request.method == "PATCH") as patched:
        edit.get_by_label("Status", exact=True).select_option("in_progress")
    assert patched.value.ok
    # A category other than triage's (the same one would keep triage's mark: no change).
    triaged = api.get(f"/api/tickets/{ticket['id']}")["category"]
    chosen = "technical" if triaged != "technical" else "billing"
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        edit.get_by_label("Category", exact=True).select_option(chosen)
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        edit.get_by_label("Priority", exact=True).select_option("critical")
    edit.get_by_label("Tags").fill("login, sso")
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        edit.get_by_label("Tags").press("Enter")
    edit.get_by_label("Pinned note").fill("Customer tried three browsers.")
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        edit.get_by_label("Pinned note").blur()  # a property saves when the field is left
    expect(page.locator(".ticket-summary")).to_contain_text("In progress")
    screenshot(page, "detail-desktop-light")

    page.reload()
    expect(page.locator("#ticket-subject")).to_contain_text("Cannot log in")
    edit = page.get_by_role("complementary", name="Edit ticket")
    expect(edit.get_by_label("Status", exact=True)).to_have_value("in_progress")
    expect(edit.get_by_label("Category", exact=True)).to_have_value(chosen)
    expect(edit.get_by_label("Priority", exact=True)).to_have_value("critical")
    expect(edit.get_by_label("Tags")).to_have_value("login, sso")
    expect(edit.get_by_label("Pinned note")).to_have_value("Customer tried three browsers.")
    summary = page.locator(".ticket-summary")
    expect(summary).to_contain_text(chosen.capitalize())
    expect(summary.locator(".mark-manual").first).to_have_text("Manual")

    stored = api.get(f"/api/tickets/{ticket['id']}")
    assert (stored["status"], stored["category"], stored["priority"]) == (
        "in_progress",
        chosen,
        "critical",
    )
    assert stored["category_source"] == "manual"
    assert stored["tags"] == ["login", "sso"]
    assert stored["note"] == "Customer tried three browsers."


def test_failed_edit_is_rolled_back_with_a_message(page, api):
    ticket = api.post("/api/tickets", {"subject": "Slow dashboard", "body": "It takes a minute."})
    page.goto(f"/#/tickets/{ticket['id']}")
    edit = page.get_by_role("complementary", name="Edit ticket")
    expect(edit.get_by_label("Status", exact=True)).to_have_value("open")

    def refuse(route):
        route.fulfill(
            status=429,
            headers={"Retry-After": "30", "Content-Type": "application/json"},
            body='{"error": {"code": "rate_limited", "message": "Too many requests."}}',
        )

    page.route(
        f"**/api/tickets/{ticket['id']}",
        lambda route: refuse(route) if route.request.method == "PATCH" else route.continue_(),
    )
    edit.get_by_label("Status", exact=True).select_option("resolved")
    expect(page.locator("#edit-error")).to_have_text(re.compile(r"Not saved.*Try again in 30 s"))
    expect(edit.get_by_label("Status", exact=True)).to_have_value("open")
    expect(page.locator(".ticket-summary .badge-status")).to_have_text("Open")
    screenshot(page, "detail-rollback")
    assert api.get(f"/api/tickets/{ticket['id']}")["status"] == "open"


def test_add_public_reply_and_internal_note(page, api):
    ticket = api.post("/api/tickets", {"subject": "Invoice address", "body": "Wrong address."})
    page.goto(f"/#/tickets/{ticket['id']}")
    expect(page.get_by_text("No replies yet.")).to_be_visible()
    page.get_by_label("Reply", exact=True).fill("We have corrected the address.")
    page.get_by_role("button", name="Add reply").click()
    thread = page.locator(".thread .reply")
    expect(thread).to_have_count(1)
    expect(thread.first).to_contain_text("We have corrected the address.")
    expect(thread.first.locator(".badge-public")).to_have_text("Public")

    page.get_by_label("Reply", exact=True).fill("Checked with billing first.")
    page.get_by_label("Internal — only the team sees it").check()
    page.get_by_role("button", name="Add reply").click()
    expect(thread).to_have_count(2)
    expect(thread.nth(1).locator(".badge-internal")).to_have_text("Internal")
    screenshot(page, "detail-replies")

    replies = api.get(f"/api/tickets/{ticket['id']}/replies")["items"]
    assert [(r["body"], r["internal"]) for r in replies] == [
        ("We have corrected the address.", False),
        ("Checked with billing first.", True),
    ]
    page.reload()
    expect(page.locator(".thread .reply")).to_have_count(2)


def test_html_in_ticket_data_is_shown_as_text_and_never_runs(page, api):
    payload = "<img src=x onerror=alert(1)>"
    ticket = api.post(
        "/api/tickets",
        {
            "subject": payload,
            "body": "<script>window.__pwned = true; alert(2)</script><b>bold?</b>",
            "requester_name": "<svg onload=alert(3)>",
            "tags": ["<i>tag</i>"],
            "note": "<img src=y onerror=alert(4)>",
        },
    )
    api.post(f"/api/tickets/{ticket['id']}/replies", {"body": "<iframe src=javascript:alert(5)>"})
    page.add_init_script("window.__pwned = false")

    open_list(page)
    row = page.locator(f'{ROWS}[data-id="{ticket["id"]}"]')
    expect(row.locator(".subject-link")).to_have_text(payload)
    expect(row.locator(".tag")).to_have_text("<i>tag</i>")
    assert row.locator("img, i, svg:not(.chart)").count() == 0

    page.goto(f"/#/tickets/{ticket['id']}")
    expect(page.locator("#ticket-subject")).to_contain_text(payload)
    expect(page.locator(".ticket-body .body-text")).to_have_text(
        "<script>window.__pwned = true; alert(2)</script><b>bold?</b>"
    )
    expect(page.locator(".thread .reply .body-text")).to_have_text(
        "<iframe src=javascript:alert(5)>"
    )
    expect(page.get_by_label("Pinned note", exact=True)).to_have_value(
        "<img src=y onerror=alert(4)>"
    )
    main = page.locator("main")
    assert main.locator("img, script, iframe, b").count() == 0
    assert page.evaluate("window.__pwned") is False
    screenshot(page, "detail-xss")
    assert page.watch.dialogs == []


def test_dark_theme_toggle_is_remembered_after_reload(new_context):
    context = new_context(color_scheme="light")
    page = watched_page(context)
    open_list(page)
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "light")
    light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("button", name="Light theme")).to_have_attribute("aria-pressed", "true")
    dark_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark_bg != light_bg
    screenshot(page, "list-desktop-dark")

    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == dark_bg
    page.goto("/submit")
    expect(html).to_have_attribute("data-theme", "dark")
    assert page.watch.errors == []

    # Without a remembered choice the page follows the system's preference.
    dark_system = watched_page(new_context(color_scheme="dark"))
    dark_system.goto("/#/tickets")
    expect(dark_system.locator("html")).to_have_attribute("data-theme", "dark")
    expect(dark_system.get_by_role("button", name="Light theme")).to_be_visible()


#: Each view, and what shows once it has loaded its data (checked and shot in that state).
VIEWS = [
    ("list", "/#/tickets", ROWS),
    ("new", "/#/tickets/new", "#suggestion h2"),
    ("detail", "/#/tickets/{id}", ".thread .reply, .history > *, .events-list .event"),
    ("dashboard", "/#/dashboard", 'figure[data-chart="per_day"]'),
    ("exports", "/#/exports", ".exports-list > *"),
    ("submit", "/submit", "form button[type=submit]"),
]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_each_view_fits_375px_with_labelled_inputs(new_context, api, theme):
    context = new_context(viewport={"width": 375, "height": 812}, color_scheme=theme)
    page = watched_page(context)
    ticket = api.post(
        "/api/tickets",
        {
            "subject": "A long subject " + "without-any-break-" * 6,
            "body": "Body " + "x" * 300,
            "tags": ["mobile", "layout"],
        },
    )
    api.post(f"/api/tickets/{ticket['id']}/replies", {"body": "Looking into it."})
    for name, path, loaded in VIEWS:
        page.goto(path.format(id=ticket["id"]))
        expect(page.locator("main h1")).to_be_visible()
        for part in loaded.split(", "):
            expect(page.locator(part).first).to_be_visible()
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{name}: horizontal scroll {width}"
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                 .filter(c => c.type !== 'hidden' && !c.labels.length
                              && !c.getAttribute('aria-label'))
                 .map(c => c.outerHTML)"""
        )
        assert unlabelled == [], f"{name}: unlabelled {unlabelled}"
        screenshot(page, f"{name}-375-{theme}", full_page=False)
    assert page.watch.errors == []


def test_keyboard_only_search_and_open_a_ticket(page, api):
    ticket = api.post("/api/tickets", {"subject": "Wombat keyboard path", "body": "Type it."})
    open_list(page)
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.type("wombat")
    expect(page.locator(ROWS)).to_have_count(1)
    # Tab from the search box through the controls to the ticket's link, then Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('subject-link')"):
            break
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"#/tickets/{ticket['id']}$"))
    expect(page.locator("#ticket-subject")).to_be_focused()
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="New ticket")).to_be_visible()
