"""Mail out: the outbox row is written with its cause and a real SMTP server receives it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketing.core.extensions import db
from ticketing.mail import outbox
from ticketing.models import OutboundMail


@pytest.fixture
def config_overrides(request):
    return {"MAIL_FROM": "Acme Support <support@acme.test>", "MAIL_RETRY_SECONDS": 0.0}


@pytest.fixture
def smtp_app(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    return app


def _outbox(app):
    with app.app_context():
        rows = db.session.query(OutboundMail).order_by(OutboundMail.id).all()
        result = [(m.kind, m.status, m.to_address, m.message_id, m.error) for m in rows]
        db.session.remove()
    return result


def test_new_ticket_is_acknowledged_with_reference_and_reply_address(smtp_app, client, smtp_server):
    response = client.post(
        "/api/tickets",
        json={
            "subject": "Cannot log in",
            "body": "The password reset mail never arrives.",
            "requester_email": "carol@example.com",
            "requester_name": "Carol",
        },
    )
    ticket = response.get_json()
    assert len(smtp_server.received) == 1
    sender, recipients, msg = smtp_server.received[0]
    assert sender == "support@acme.test"
    assert recipients == ["carol@example.com"]
    assert msg["To"] == "Carol <carol@example.com>"
    assert msg["Subject"] == f"[#{ticket['id']}] Cannot log in"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["Reply-To"].startswith(f"support+{ticket['id']}-")
    assert msg["Reply-To"].endswith("@acme.test")
    assert msg["Message-ID"] == _outbox(smtp_app)[0][3]
    body = msg.get_content()
    assert f"#{ticket['id']}" in body
    assert "/status/" in body
    assert _outbox(smtp_app)[0][:2] == ("acknowledgement", "sent")


def test_public_reply_is_mailed_and_threaded_internal_note_never(
    smtp_app, client, make_ticket, smtp_server
):
    ticket = make_ticket(requester_email="dan@example.com")
    ack = smtp_server.messages[0]
    note = client.post(
        f"/api/tickets/{ticket['id']}/replies",
        json={"body": "Secret: he is a VIP", "internal": True},
    )
    assert note.status_code == 201
    assert note.get_json()["delivery"] is None
    assert len(smtp_server.received) == 1
    reply = client.post(
        f"/api/tickets/{ticket['id']}/replies", json={"body": "Please try again now."}
    ).get_json()
    assert len(smtp_server.received) == 2
    msg = smtp_server.messages[1]
    assert msg["Subject"] == f"Re: [#{ticket['id']}] Printer on fire"
    assert msg["In-Reply-To"] == ack["Message-ID"]
    assert ack["Message-ID"] in msg["References"]
    assert msg["Auto-Submitted"] is None  # a person wrote it
    assert "Please try again now." in msg.get_content()
    assert "VIP" not in msg.get_content()
    thread = client.get(f"/api/tickets/{ticket['id']}/replies").get_json()["items"]
    assert thread[-1]["id"] == reply["id"]
    assert thread[-1]["delivery"]["status"] == "sent"
    assert thread[-1]["delivery"]["to"] == "dan@example.com"


def test_resolution_notice_and_switches(smtp_app, client, make_ticket, smtp_server):
    smtp_app.config["MAIL_ACKNOWLEDGE"] = False
    ticket = make_ticket(requester_email="erin@example.com")
    assert smtp_server.received == []
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "resolved"})
    assert len(smtp_server.received) == 1
    msg = smtp_server.messages[0]
    assert "resolved" in msg.get_content()
    assert "answer this mail" in msg.get_content()
    smtp_app.config["MAIL_REPLIES"] = False
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Anything else?"})
    assert len(smtp_server.received) == 1


def test_no_header_injection_from_subject_or_name(smtp_app, client, smtp_server):
    client.post(
        "/api/tickets",
        json={
            "subject": "Hello\r\nBcc: victim@evil.test",
            "body": "x",
            "requester_email": "frank@example.com",
            "requester_name": "Frank\r\nBcc: other@evil.test",
        },
    )
    # The API itself may refuse a line break in a subject; if it stored one, the mail is safe.
    for _, recipients, msg in smtp_server.received:
        assert recipients == ["frank@example.com"]
        assert msg["Bcc"] is None
        assert "\n" not in msg["Subject"]


def test_transient_failure_is_retried_with_the_same_message(
    smtp_app, client, make_ticket, smtp_server
):
    smtp_server.refuse = "451 4.3.0 try again later"
    make_ticket(requester_email="gina@example.com")
    [(kind, status, _, message_id, error)] = _outbox(smtp_app)
    assert status == "queued" and "451" in error
    smtp_server.refuse = None
    with smtp_app.app_context():
        assert outbox.deliver_due() == {"sent": 1}
        db.session.remove()
    assert smtp_server.messages[0]["Message-ID"] == message_id
    assert _outbox(smtp_app)[0][1] == "sent"


def test_permanent_refusal_fails_with_why(smtp_app, make_ticket, smtp_server):
    smtp_server.refuse = "550 5.1.1 no such user"
    make_ticket(requester_email="nobody@example.com")
    [(_, status, _, _, error)] = _outbox(smtp_app)
    assert status == "failed"
    assert "550" in error


def test_gives_up_after_max_attempts(smtp_app, make_ticket, smtp_server):
    smtp_app.config["MAIL_MAX_ATTEMPTS"] = 2
    smtp_server.refuse = "421 4.3.2 shutting down"
    make_ticket(requester_email="hal@example.com")
    with smtp_app.app_context():
        outbox.deliver_due()
        db.session.remove()
    [(_, status, _, _, error)] = _outbox(smtp_app)
    assert status == "failed" and "421" in error


def test_without_smtp_url_mail_is_saved_as_eml(app, client, make_ticket):
    ticket = make_ticket(requester_email="ivy@example.com")
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Saved, not sent."})
    reply = client.get(f"/api/tickets/{ticket['id']}/replies").get_json()["items"][-1]
    delivery = reply["delivery"]
    assert delivery["status"] == "saved"
    assert "no mail server configured" in delivery["error"]
    saved = Path(delivery["saved_to"])
    assert saved.parent == Path(app.config["MAIL_DIR"])
    assert "Saved, not sent." in saved.read_text()


def test_csv_import_sends_no_mail(app, runner, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("subject,body,requester_email\nOld,From last year,old@example.com\n")
    result = runner.invoke(args=["tickets", "import", str(path), "--no-triage"])
    assert result.exit_code == 0, result.output
    assert _outbox(app) == []


@pytest.mark.parametrize("config_overrides", [{"JOBS_ASYNC": True}], ids=["async"])
def test_a_ring_while_the_sender_waits_costs_one_redis_round_trip(app_ctx):
    """After each save that queues mail: the queued ``deliver_due`` job is found by one read
    of its status, and no second job is queued."""
    from ticketing.core import jobs

    outbox.ring()
    queue = jobs.get_queue(outbox.QUEUE)
    assert queue.count == 1
    connection = jobs.state().connection
    sent: list[str] = []
    original = connection.execute_command

    def counting(*args, **kwargs):
        sent.append(args[0])
        return original(*args, **kwargs)

    connection.execute_command = counting
    try:
        outbox.ring()
    finally:
        del connection.execute_command
    assert sent == ["HGET"]
    assert queue.count == 1
