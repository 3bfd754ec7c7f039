"""IMAP polling against a real dovecot: what a customer writes in becomes tickets, once."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

import pytest
from imap_tools import MailBoxUnencrypted

from ticketing.core.extensions import db
from ticketing.mail import imap
from ticketing.models import InboundMail, OutboundMail, Ticket

from .helpers import mail


@pytest.fixture
def config_overrides():
    return {"MAIL_FROM": "Acme Support <support@acme.test>"}


@pytest.fixture
def mailbox(app, dovecot, smtp_server):
    """A fresh IMAP mailbox the app polls, and the app sending through the test SMTP server."""
    url = dovecot.add_user(f"u{uuid.uuid4().hex[:10]}")
    app.config["IMAP_URL"] = url
    app.config["SMTP_URL"] = smtp_server.url
    cfg = imap.imap_settings(url)

    class Box:
        def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
            with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(
                cfg.username, cfg.password
            ) as box:
                box.append(raw, folder)

        def flags(self, folder: str = "INBOX") -> list[tuple[str, ...]]:
            with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(
                cfg.username, cfg.password, initial_folder=folder
            ) as box:
                return [m.flags for m in box.fetch(mark_seen=False, headers_only=True)]

        def clear_flags(self) -> None:
            with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(
                cfg.username, cfg.password
            ) as box:
                box.flag(box.uids(), imap.PROCESSED_KEYWORD, False)

    return Box()


def fetch(runner):
    result = runner.invoke(args=["tickets", "mail", "fetch"])
    assert result.exit_code == 0, result.output
    return result.output


def _tickets(app):
    with app.app_context():
        rows = [
            (t.id, t.subject, t.status, t.requester_email, [r.body for r in t.replies])
            for t in db.session.query(Ticket).order_by(Ticket.id)
        ]
        db.session.remove()
    return rows


def test_new_mail_becomes_a_ticket_once(app, runner, mailbox, smtp_server):
    mailbox.deliver(mail(subject="Laptop broken", body="Screen is black."))
    assert "'stored': 1" in fetch(runner)
    [(ticket_id, subject, status, requester, replies)] = _tickets(app)
    assert (subject, status, requester) == ("Laptop broken", "open", "carol@example.com")
    assert imap.PROCESSED_KEYWORD in mailbox.flags()[0]
    assert "\\Seen" not in mailbox.flags()[0]  # a person's unread mail stays unread
    # acknowledged through the real SMTP server
    assert smtp_server.messages[0]["Subject"] == f"[#{ticket_id}] Laptop broken"

    assert "'stored': 0" in fetch(runner)  # flagged: not fetched again
    mailbox.clear_flags()  # as if the poller died between storing and flagging
    assert "'duplicates': 1" in fetch(runner)
    assert len(_tickets(app)) == 1


def test_the_customers_answer_joins_and_reopens_strangers_do_not(
    app, runner, mailbox, smtp_server, client
):
    mailbox.deliver(mail(subject="Refund", body="Please refund order 12."))
    fetch(runner)
    [(ticket_id, *_)] = _tickets(app)
    client.post(f"/api/tickets/{ticket_id}/replies", json={"body": "Which order exactly?"})
    client.patch(f"/api/tickets/{ticket_id}", json={"status": "pending"})
    ours = smtp_server.messages[-1]
    assert "Which order exactly?" in ours.get_content()

    answer = EmailMessage()
    answer["From"] = "Carol <carol@example.com>"
    answer["To"] = ours["Reply-To"]
    answer["Subject"] = "Re: " + ours["Subject"]
    answer["Message-ID"] = "<answer-1@example.com>"
    answer["In-Reply-To"] = ours["Message-ID"]
    answer["References"] = ours["References"] + " " + ours["Message-ID"]
    answer.set_content("Order 12, placed Monday.\n\n> Which order exactly?\n")
    mailbox.deliver(answer.as_bytes())
    mailbox.deliver(
        mail(
            sender="mallory@evil.test",
            subject=f"Re: [#{ticket_id}] Refund",
            body="Refund me instead.",
        )
    )
    mailbox.deliver(mail(subject="Out of office", Auto_Submitted="auto-replied"))
    fetch(runner)
    tickets = _tickets(app)
    assert tickets[0][2] == "open"  # reopened from pending
    assert tickets[0][4][-1] == "Order 12, placed Monday."
    assert [t[3] for t in tickets] == ["carol@example.com", "mallory@evil.test"]
    with app.app_context():
        ignored = db.session.query(InboundMail).filter_by(status="ignored").one()
        assert ignored.reason == "Auto-Submitted: auto-replied"
        # nothing was sent to the auto-responder
        assert db.session.query(OutboundMail).filter_by(ticket_id=None).count() == 0
        db.session.remove()


def test_processed_mail_moves_to_a_folder(app, runner, mailbox):
    app.config["IMAP_PROCESSED_FOLDER"] = "Processed"
    mailbox.deliver(mail(subject="Move me"))
    fetch(runner)
    assert mailbox.flags() == []
    assert len(mailbox.flags("Processed")) == 1
    assert len(_tickets(app)) == 1


def test_a_20_mb_attachment_is_refused_cleanly(app, runner, mailbox):
    big = EmailMessage()
    big["From"] = "dave@example.com"
    big["To"] = "support@acme.test"
    big["Subject"] = "Huge video"
    big["Message-ID"] = "<huge-1@example.com>"
    big.set_content("See attached.")
    big.add_attachment(
        b"\0" * (20 * 1024 * 1024), maintype="video", subtype="mp4", filename="a.mp4"
    )
    mailbox.deliver(big.as_bytes())
    assert "'too_large': 1" in fetch(runner)
    assert _tickets(app) == []
    with app.app_context():
        row = db.session.query(InboundMail).one()
        assert row.status == "ignored" and row.reason.startswith("too large")
        assert len(row.raw) < 10_000  # the headers only
        db.session.remove()
    assert "'too_large': 0" in fetch(runner)  # not looked at again


def test_poll_job_runs_once_per_interval(app, mailbox):
    app.config["IMAP_POLL_SECONDS"] = 60
    mailbox.deliver(mail(subject="Polled"))
    with app.app_context():
        assert imap.poll_job()["stored"] == 1
        assert imap.poll_job() is None  # a second chain in the same interval ends
        assert imap.start_polling() == {"imap": "polling"}
        db.session.remove()


def test_attachments_round_trip_byte_for_byte(app, runner, mailbox, client):
    import os

    data = os.urandom(300_000) + bytes(range(256))
    msg = EmailMessage()
    msg["From"] = "erin@example.com"
    msg["To"] = "support@acme.test"
    msg["Subject"] = "Logs"
    msg["Message-ID"] = "<logs-1@example.com>"
    msg.set_content("Logs attached.")
    msg.add_attachment(data, maintype="application", subtype="gzip", filename="logs.tar.gz")
    mailbox.deliver(msg.as_bytes())
    fetch(runner)
    [(ticket_id, *_)] = _tickets(app)
    [item] = client.get(f"/api/tickets/{ticket_id}/attachments").get_json()["items"]
    assert item["filename"] == "logs.tar.gz"
    assert client.get(item["download_url"]).data == data
