"""Mail in through the webhook: parsing corpora, threading, loops and junk."""

from __future__ import annotations

import pytest

from ticketing.core.extensions import db
from ticketing.models import InboundMail, OutboundMail, Ticket

from .helpers import CORPUS, TOKEN, mail, post_mail


@pytest.fixture
def config_overrides():
    return {"INBOUND_EMAIL_TOKEN": TOKEN, "MAIL_FROM": "Acme Support <support@acme.test>"}


def _tickets(app):
    with app.app_context():
        rows = db.session.query(Ticket).order_by(Ticket.id).all()
        result = [
            {
                "id": t.id,
                "subject": t.subject,
                "body": t.body,
                "email": t.requester_email,
                "name": t.requester_name,
                "status": t.status,
                "replies": [(r.body, r.from_customer, r.author_email) for r in t.replies],
            }
            for t in rows
        ]
        db.session.remove()
    return result


def _mails(app, kind=None):
    with app.app_context():
        query = db.session.query(OutboundMail).order_by(OutboundMail.id)
        rows = [(m.kind, m.message_id, m.status, m.error, m.ticket_id) for m in query]
        db.session.remove()
    return [r for r in rows if kind is None or r[0] == kind]


def test_webhook_refuses_without_the_token(anon_client):
    raw = mail()
    assert post_mail(anon_client, raw, token="").status_code == 401
    assert post_mail(anon_client, raw, token="wrong").status_code == 401
    response = anon_client.post(
        f"/api/inbound/email?token={TOKEN}", data=raw, content_type="message/rfc822"
    )
    assert response.status_code == 202


def test_webhook_refuses_everything_when_no_token_is_configured(app, anon_client):
    app.config["INBOUND_EMAIL_TOKEN"] = None
    assert post_mail(anon_client, mail(), token="").status_code == 401


def test_new_mail_becomes_a_ticket_and_is_acknowledged(app, anon_client):
    response = post_mail(anon_client, mail(subject="Printer jam", body="Paper stuck."))
    assert response.status_code == 202
    out = response.get_json()
    assert out["status"] == "processed"
    [ticket] = _tickets(app)
    assert out["ticket_id"] == ticket["id"]
    assert (ticket["subject"], ticket["body"], ticket["email"]) == (
        "Printer jam",
        "Paper stuck.",
        "carol@example.com",
    )
    [ack] = _mails(app)
    assert ack[0] == "acknowledgement" and ack[4] == ticket["id"]


def test_the_same_mail_twice_is_one_ticket(app, anon_client):
    raw = (CORPUS / "no-message-id.eml").read_bytes()
    first = post_mail(anon_client, raw).get_json()
    second = post_mail(anon_client, raw).get_json()
    assert first["id"] == second["id"]
    assert first["message_id"].startswith("sha256:")
    assert len(_tickets(app)) == 1


@pytest.mark.parametrize(
    ("name", "subject", "body_has", "body_lacks", "email", "person"),
    [
        ("multipart.eml", "Invoice is wrong", "wrong amount", "HTML amount", "carol@example.com", "Carol Customer"),  # noqa: E501
        ("html-only.eml", "Broken page", 'The "export" page shows an error.', "alert", "dave@example.com", None),  # noqa: E501
        ("iso-8859-1.eml", "Grüße aus Köln", "Mein Gerät startet nicht. Die Fehlermeldung lautet »Störung«.", "=E4", "juergen@example.de", "Jürgen Müller"),  # noqa: E501
        ("base64.eml", "Paket fehlt – bitte prüfen", "Können Sie nachsehen? ✓", "S8O2", "zoe@example.com", "Zoë"),  # noqa: E501
        ("rfc2047.eml", "Problème de connexion – urgent", "Je ne peux pas me connecter.", "=?", "renee@example.fr", "Renée François"),  # noqa: E501
        ("no-message-id.eml", "No id here", "sets no Message-ID", "", "frank@example.com", None),
    ],
)  # fmt: skip
def test_corpus(app, anon_client, name, subject, body_has, body_lacks, email, person):
    response = post_mail(anon_client, (CORPUS / name).read_bytes())
    assert response.status_code == 202, response.get_json()
    [ticket] = _tickets(app)
    assert ticket["subject"] == subject
    assert body_has in ticket["body"]
    if body_lacks:
        assert body_lacks not in ticket["body"]
    assert "<" not in ticket["body"]  # never HTML
    assert ticket["email"] == email
    assert ticket["name"] == person


def test_html_only_mail_keeps_its_list_as_lines(app, anon_client):
    post_mail(anon_client, (CORPUS / "html-only.eml").read_bytes())
    body = _tickets(app)[0]["body"]
    assert "- Step one\n- Step two" in body
    assert "Thanks & regards" in body


def test_customer_reply_joins_the_ticket_reopens_it_and_loses_the_quote(app, anon_client, client):
    first = post_mail(anon_client, mail(subject="VPN down", body="Cannot connect."))
    ticket_id = first.get_json()["ticket_id"]
    client.post(f"/api/tickets/{ticket_id}/replies", json={"body": "Please restart it."})
    client.patch(f"/api/tickets/{ticket_id}", json={"status": "pending"})
    [reply_mail] = _mails(app, "reply")
    answer = mail(
        subject="Re: [#1] VPN down",
        body=(
            "Still broken after a restart.\n\n"
            "On Sun, 29 Nov 2026, Acme wrote:\n> Please restart it.\n"
        ),
        In_Reply_To=reply_mail[1],
        References=reply_mail[1],
    )
    response = post_mail(anon_client, answer)
    assert response.get_json()["ticket_id"] == ticket_id
    [ticket] = _tickets(app)
    assert ticket["status"] == "open"
    body, from_customer, author = ticket["replies"][-1]
    assert (body, from_customer, author) == (
        "Still broken after a restart.",
        True,
        "carol@example.com",
    )
    # the customer's own reply is not mailed back to them
    assert len(_mails(app, "reply")) == 1
    original = client.get(f"/api/inbound/email/{response.get_json()['id']}/original")
    assert "> Please restart it." in original.get_data(as_text=True)
    raw = client.get(f"/api/inbound/email/{response.get_json()['id']}/original?raw=1")
    assert raw.headers["Content-Disposition"].startswith("attachment")
    assert raw.data == answer


def test_reply_to_the_signed_address_joins_without_headers(app, anon_client):
    ticket_id = post_mail(anon_client, mail(body="First.")).get_json()["ticket_id"]
    with app.app_context():
        from ticketing.tickets import links

        address = links.reply_address(ticket_id)
        db.session.commit()
    post_mail(anon_client, mail(sender="colleague@example.com", body="Adding this.", to=address))
    [ticket] = _tickets(app)
    assert ticket["replies"][-1][:2] == ("Adding this.", True)


def test_forged_reference_from_a_stranger_opens_a_new_ticket(app, anon_client):
    ticket_id = post_mail(anon_client, mail(body="Mine.")).get_json()["ticket_id"]
    forged = mail(
        sender="mallory@evil.test",
        subject=f"Re: [#{ticket_id}] Help",
        body="Append me.",
        to=f"support+{ticket_id}-00000000000000000000@acme.test",
    )
    post_mail(anon_client, forged)
    tickets = _tickets(app)
    assert len(tickets) == 2
    assert tickets[0]["replies"] == []
    assert tickets[1]["email"] == "mallory@evil.test"


def test_revoked_reply_address_no_longer_joins(app, anon_client, runner):
    ticket_id = post_mail(anon_client, mail(body="Mine.")).get_json()["ticket_id"]
    with app.app_context():
        from ticketing.tickets import links

        address = links.reply_address(ticket_id)
        links.revoke(ticket_id)
        db.session.commit()
    post_mail(anon_client, mail(body="Old address.", to=address))
    assert len(_tickets(app)) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
    ],
)
def test_automatic_mail_is_ignored_and_never_answered(app, anon_client, headers):
    response = post_mail(anon_client, mail(subject="Out of office", **headers))
    out = response.get_json()
    assert out["status"] == "ignored"
    assert out["reason"]
    assert _tickets(app) == []
    assert _mails(app) == []


def test_auto_submitted_no_is_a_person(app, anon_client):
    post_mail(anon_client, mail(Auto_Submitted="no"))
    assert len(_tickets(app)) == 1


def test_bounce_marks_the_mail_we_sent_failed(app, anon_client):
    post_mail(anon_client, mail(sender="bad@example.com"))
    [ack] = _mails(app)
    bounce = mail(
        sender="MAILER-DAEMON@mx.example.com",
        subject="Undelivered Mail Returned to Sender",
        body="550 5.1.1 <bad@example.com>: Recipient address rejected",
        In_Reply_To=ack[1],
    )
    out = post_mail(anon_client, bounce).get_json()
    assert out["status"] == "ignored" and out["reason"].startswith("bounce")
    [ack] = _mails(app)
    assert ack[2] == "failed" and ack[3].startswith("bounced: ")
    assert len(_tickets(app)) == 1


def test_sender_rate_limit(app, anon_client):
    app.config["MAIL_SENDER_RATE_LIMIT"] = "2/hour"
    outcomes = [post_mail(anon_client, mail(body=f"n{i}")).get_json()["status"] for i in range(3)]
    assert outcomes == ["processed", "processed", "ignored"]
    assert len(_tickets(app)) == 2


def test_reply_to_a_closed_ticket_opens_a_follow_up(app, anon_client, client):
    first = post_mail(anon_client, mail(body="Old problem."))
    ticket_id = first.get_json()["ticket_id"]
    client.patch(f"/api/tickets/{ticket_id}", json={"status": "closed"})
    [ack] = _mails(app, "acknowledgement")
    post_mail(anon_client, mail(body="It is back.", In_Reply_To=ack[1]))
    tickets = _tickets(app)
    assert [t["status"] for t in tickets] == ["closed", "open"]
    assert f"#{ticket_id}" in tickets[1]["body"]


def test_oversized_mail_is_refused_cleanly(app, anon_client):
    app.config["MAIL_MAX_MESSAGE_BYTES"] = 50_000
    response = post_mail(anon_client, mail(body="x" * 60_000))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    with app.app_context():
        assert db.session.query(InboundMail).count() == 0
