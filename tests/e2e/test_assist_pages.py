"""Assist as people use it, in Chromium: a customer typing on /submit sees the published
articles that match (never a draft one), and an agent drafts a reply into the reply box, sees
its sources, sends it, and reads the summary of a long thread."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from ticketing.core.extensions import db

from .conftest import screenshot, watched_page


def test_submit_shows_matching_published_articles_as_the_customer_types(new_context, api, live_app):
    published = api.post(
        "/api/kb/articles",
        {"title": "Reset a forgotten password", "status": "published",
         "body": "Open the sign-in page, choose Forgot password and follow the e-mailed link."},
    )  # fmt: skip
    api.post(
        "/api/kb/articles",
        {"title": "Password reset internals", "status": "draft",
         "body": "Draft: the password reset token lives 30 minutes."},
    )  # fmt: skip
    customer = watched_page(new_context(signed_in=False))
    customer.goto("/submit")
    box = customer.locator("#help-suggestions")
    expect(box).to_be_hidden()
    customer.fill("input[name=email]", "carol@example.com")
    customer.locator("input[name=subject]").press_sequentially("Forgot my password", delay=20)
    customer.locator("textarea[name=body]").press_sequentially(
        "I cannot sign in, how do I reset the password?", delay=10
    )
    expect(box).to_be_visible()
    expect(box.get_by_role("link", name="Reset a forgotten password")).to_have_attribute(
        "href", f"/help/{published['id']}"
    )
    expect(box).not_to_contain_text("Password reset internals")
    screenshot(customer, "submit-help-suggestions", full_page=False)

    def records_the_submission(response) -> bool:
        request = response.request
        return "/api/help/suggestions/" in response.url and "submitted" in (request.post_data or "")

    # The page records "still submitted" without waiting for it: read the row once it has.
    with customer.expect_response(records_the_submission):
        customer.get_by_role("button", name="Send request").click()
    expect(customer.get_by_role("button", name="Send another request")).to_be_visible()
    with live_app.app_context():
        from ticketing.assist.models import HelpSuggestion

        submitted = db.session.scalar(
            sa.select(sa.func.count()).where(HelpSuggestion.submitted_at.is_not(None))
        )
        db.session.remove()
    assert submitted >= 1  # the deflection rate counts this customer as not deflected
    assert customer.watch.errors == []


def test_an_agent_drafts_a_reply_sees_its_sources_and_sends_it(page, api):
    old = api.post(
        "/api/tickets", {"subject": "Invoice shows the wrong VAT number",
                         "body": "My invoice has an old VAT number on it."},
    )  # fmt: skip
    api.post(
        f"/api/tickets/{old['id']}/replies",
        {"body": "We corrected the VAT number and re-issued the invoice."},
    )
    api.patch(f"/api/tickets/{old['id']}", {"status": "resolved"})
    ticket = api.post(
        "/api/tickets",
        {"subject": "Wrong VAT number on my invoice",
         "body": "The VAT number printed on the invoice is not ours any more.",
         "requester_name": "Dora Diaz", "requester_email": "dora@example.com"},
    )  # fmt: skip
    for body in ("Which invoice is it?", "The March one.", "Thanks, checking."):
        api.post(f"/api/tickets/{ticket['id']}/replies", {"body": body})

    page.goto(f"/#/tickets/{ticket['id']}")
    summary = page.locator(".thread-summary")
    expect(summary).to_contain_text("Summary of 4 messages")
    expect(summary).to_contain_text("Wrong VAT number on my invoice")

    page.get_by_role("button", name="Draft reply").click()
    box = page.locator("textarea[name=reply]")
    expect(box).to_have_value("Hi Dora,\n\nWe corrected the VAT number and re-issued the invoice.")
    sources = page.locator(".draft-sources")
    expect(sources.get_by_role("link")).to_have_attribute("href", f"#/tickets/{old['id']}")
    screenshot(page, "ticket-draft-reply")

    page.locator("form.reply-form").get_by_role("button", name="Add reply").click()
    expect(page.locator(".thread .reply").last).to_contain_text("re-issued the invoice")
    expect(page.locator(".draft-panel")).to_be_empty()
    stats = api.get("/api/drafts/acceptance")
    row = next(r for r in stats["by_source"] if r["key"] == "ticket")
    assert row["sent_unchanged"] >= 1
    expect(summary).to_contain_text("Summary of 5 messages")  # refreshed with the thread
