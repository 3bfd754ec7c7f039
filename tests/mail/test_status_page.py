"""The customer's status page: the link in the mail works, shows only the public thread,
takes a reply, and stops working when revoked or expired."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ticketing.core.extensions import db
from ticketing.models import Ticket, utcnow
from ticketing.tickets import links


@pytest.fixture
def config_overrides():
    return {"PUBLIC_BASE_URL": "https://help.acme.test"}


def _link_from_saved_mail(app, client, ticket_id):
    reply = client.get(f"/api/tickets/{ticket_id}/replies").get_json()["items"][-1]
    text = open(reply["delivery"]["saved_to"]).read()
    match = re.search(r"https://help\.acme\.test(/status/[0-9a-f-]+)", text.replace("=\n", ""))
    assert match, text
    return match.group(1)


def test_the_link_in_every_mail_shows_status_and_public_thread(
    app, client, make_ticket, anon_client
):
    ticket = make_ticket(requester_email="kim@example.com", subject="Lost <b>password</b>")
    client.post(
        f"/api/tickets/{ticket['id']}/replies", json={"body": "Internal: VIP", "internal": True}
    )
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Try the reset link."})
    path = _link_from_saved_mail(app, client, ticket["id"])
    page = anon_client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Try the reset link." in html
    assert "VIP" not in html
    assert "Lost &lt;b&gt;password&lt;/b&gt;" in html  # escaped, never markup
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"


def test_the_customer_answers_on_the_page_and_reopens(app, client, make_ticket, anon_client):
    ticket = make_ticket(requester_email="lee@example.com")
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Done?"})
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "resolved"})
    path = _link_from_saved_mail(app, client, ticket["id"])
    sent = anon_client.post(path, data={"body": "No, still broken."})
    assert sent.status_code == 303
    thread = client.get(f"/api/tickets/{ticket['id']}/replies").get_json()["items"]
    assert thread[-1]["body"] == "No, still broken."
    assert thread[-1]["from_customer"] is True
    assert thread[-1]["delivery"] is None  # not mailed back to the customer
    assert client.get(f"/api/tickets/{ticket['id']}").get_json()["status"] == "open"
    assert anon_client.post(path, data={"body": "  "}).status_code == 422


def test_a_wrong_revoked_or_expired_link_is_refused(app, client, make_ticket, anon_client):
    ticket = make_ticket(requester_email="max@example.com")
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Hello"})
    path = _link_from_saved_mail(app, client, ticket["id"])
    assert anon_client.get(path[:-1] + ("0" if path[-1] != "0" else "1")).status_code == 404
    assert anon_client.get(f"/status/{ticket['id']}-" + "0" * 20).status_code == 404
    with app.app_context():
        row = db.session.get(Ticket, ticket["id"])
        row.status, row.resolved_at = "closed", utcnow() - timedelta(days=31)
        db.session.commit()
    assert anon_client.get(path).status_code == 404
    with app.app_context():
        row = db.session.get(Ticket, ticket["id"])
        row.status, row.resolved_at = "open", None
        db.session.commit()
    assert anon_client.get(path).status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tickets", "mail", "revoke-link", str(ticket["id"])])
    assert result.exit_code == 0, result.output
    assert anon_client.get(path).status_code == 404


def test_submit_gives_the_same_link(app, anon_client):
    response = anon_client.post(
        "/api/intake", json={"subject": "Hi", "body": "Help me", "email": "ned@example.com"}
    )
    out = response.get_json()
    assert out["status_url"].startswith("https://help.acme.test/status/")
    with app.app_context():
        assert links.status_url(out["reference"]) == out["status_url"]
        db.session.remove()
    assert (
        anon_client.get(out["status_url"].removeprefix("https://help.acme.test")).status_code == 200
    )
