"""Thread summaries: only for threads of a few messages, the request and the latest exchange
without a model, Claude (the fake server) when configured, refreshed when the thread changes,
internal notes never in them."""

from __future__ import annotations

import pytest

from tests.assist.test_similar import create
from tests.classification.fake_anthropic import error, text


@pytest.fixture
def customer_says(app):
    """A reply from the customer, as the mail intake adds it."""

    def say(ticket_id: int, body: str) -> None:
        from ticketing.core.extensions import db
        from ticketing.tickets import services

        with app.app_context():
            ticket = services.get_ticket(ticket_id)
            services.add_customer_reply(ticket, body, "ana@example.com", "Ana")
            db.session.commit()

    return say


def summary(client, ticket):
    response = client.get(f"/api/tickets/{ticket}/summary")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def thread_of_four(client, customer_says):
    ticket = create(
        client,
        "Cannot export invoices",
        "The export button gives an empty file since Monday. I need the March invoices. "
        "Write to ana@example.com.",
        requester_email="ana@example.com",
    )
    client.post(f"/api/tickets/{ticket}/replies", json={"body": "Which browser do you use?"})
    client.post(
        f"/api/tickets/{ticket}/replies", json={"body": "SECRET-NOTE: bug 42", "internal": True}
    )
    customer_says(ticket, "Firefox 130. Still empty today.")
    client.post(f"/api/tickets/{ticket}/replies", json={"body": "Fixed: please try again."})
    return ticket


def test_a_short_thread_has_no_summary(client):
    ticket = create(client, "Hello", "A question.")
    client.post(f"/api/tickets/{ticket}/replies", json={"body": "An answer."})
    got = summary(client, ticket)
    assert (got["summary"], got["generator"], got["messages"]) == (None, None, 2)


def test_locally_the_request_and_the_latest_exchange(client, customer_says):
    ticket = thread_of_four(client, customer_says)
    got = summary(client, ticket)
    assert got["generator"] == "local" and got["messages"] == 4
    body = got["summary"]
    assert "The customer asked: “Cannot export invoices — The export button" in body
    assert "Latest from the customer: “Firefox 130. Still empty today.”" in body
    assert "The team answered: “Fixed: please try again.”" in body
    assert "SECRET-NOTE" not in body and "\n" not in body


def test_it_is_kept_while_the_thread_is_unchanged_and_refreshed_when_it_changes(
    client, customer_says
):
    ticket = thread_of_four(client, customer_says)
    first = summary(client, ticket)
    assert summary(client, ticket)["created_at"] == first["created_at"]
    client.post(f"/api/tickets/{ticket}/replies", json={"body": "internal only", "internal": True})
    assert summary(client, ticket)["created_at"] == first["created_at"]  # not the thread
    customer_says(ticket, "It works now, thanks!")
    fresh = summary(client, ticket)
    assert fresh["messages"] == 5
    assert fresh["summary"].endswith(
        "Latest from the customer: “It works now, thanks!” Not answered yet."
    )


def test_a_summary_of_a_missing_ticket_is_a_404(client):
    assert client.get("/api/tickets/999999/summary").status_code == 404


@pytest.fixture
def claude_app(config_overrides, fake_api):
    config_overrides.update(
        ANTHROPIC_API_KEY="sk-ant-test-key", ANTHROPIC_BASE_URL=fake_api.base_url, DRAFT_TIMEOUT=2
    )
    return fake_api


def test_claude_summarises_the_redacted_public_thread(claude_app, client, customer_says):
    ticket = thread_of_four(client, customer_says)
    claude_app.script = [
        text("[EMAIL_1] cannot export March invoices; the team shipped a fix, awaiting check.")
    ]
    got = summary(client, ticket)
    assert got["generator"] == "claude"
    assert got["summary"] == (
        "ana@example.com cannot export March invoices; the team shipped a fix, awaiting check."
    )
    sent = claude_app.requests[-1].body
    content = sent["messages"][0]["content"]
    assert "ana@example.com" not in content and "SECRET-NOTE" not in content
    assert '<message from="customer">Firefox 130. Still empty today.</message>' in content
    assert "one paragraph" in sent["system"]


def test_when_claude_fails_the_local_summary_stands_in(claude_app, client, customer_says):
    ticket = thread_of_four(client, customer_says)
    claude_app.script = [error(500, "api_error"), error(500, "api_error")]
    got = summary(client, ticket)
    assert got["generator"] == "local" and got["summary"].startswith("The customer asked")
