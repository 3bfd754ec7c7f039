"""Mail throughput, one run: messages/s in through the webhook and through IMAP (a real
dovecot), and the outbox's send rate to a local SMTP server (aiosmtpd) against writing .eml.

    .venv/bin/python bench/mail.py [--messages 300] [--smoke]

On a temporary SQLite database, jobs in-process (each mail is stored, committed, then parsed,
threaded and turned into a ticket in its own job, as a worker would). New tickets' acknowledgements
are switched off while timing the inbound paths, so those figures are the inbound work alone.
IMAP needs Debian's dovecot (``apt-get install dovecot-imapd``); without it that line says so.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from aiosmtpd.controller import Controller  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from imap_tools import MailBoxUnencrypted  # noqa: E402

from config import TestConfig  # noqa: E402
from tests.mail.helpers import mail  # noqa: E402
from tests.mail.servers import (  # noqa: E402
    Inbox,
    dovecot_binary,
    free_port,
    start_dovecot,
    stop_dovecot,
)
from ticketing import create_app  # noqa: E402
from ticketing.core.extensions import db  # noqa: E402
from ticketing.mail import imap, outbox  # noqa: E402
from ticketing.models import OutboundMail, Ticket  # noqa: E402
from ticketing.tickets import services  # noqa: E402

TOKEN = "bench-token"  # noqa: S105


def make_app(tmp: str):
    cfg = TestConfig()
    cfg.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:6]}.db"
    cfg.REDIS_URL = None
    cfg.RATELIMIT_STORAGE_URI = "memory://"
    cfg.INBOUND_EMAIL_TOKEN = TOKEN
    cfg.MAIL_SENDER_RATE_LIMIT = "1000000/hour"
    cfg.MAIL_ACKNOWLEDGE = False
    cfg.MAIL_DIR = f"{tmp}/mail"
    cfg.MAIL_FROM = "Bench <support@bench.test>"
    app = create_app(cfg)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def tickets(app) -> int:
    with app.app_context():
        count = db.session.query(Ticket).count()
        db.session.remove()
    return count


def bench_webhook(tmp: str, n: int) -> float:
    app = make_app(tmp)
    client = app.test_client()
    raws = [
        mail(sender=f"c{i}@example.com", subject=f"Webhook {i}", body="Hello " * 50)
        for i in range(n)
    ]
    start = time.perf_counter()
    for raw in raws:
        response = client.post(
            "/api/inbound/email",
            data=raw,
            headers={"Content-Type": "message/rfc822", "X-Inbound-Token": TOKEN},
        )
        assert response.status_code == 202, response.get_json()
    elapsed = time.perf_counter() - start
    assert tickets(app) == n
    return n / elapsed


def bench_imap(tmp: str, n: int) -> float | None:
    if dovecot_binary() is None:
        return None
    server = start_dovecot()
    try:
        url = server.add_user("bench")
        app = make_app(tmp)
        app.config["IMAP_URL"] = url
        with MailBoxUnencrypted("127.0.0.1", server.port).login("bench", "secret") as box:
            for i in range(n):
                box.append(mail(sender=f"i{i}@example.com", subject=f"IMAP {i}", body="Hi " * 50))
        start = time.perf_counter()
        with app.app_context():
            counts = imap.fetch()
            db.session.remove()
        elapsed = time.perf_counter() - start
        assert counts["stored"] == n, counts
        assert tickets(app) == n
        return n / elapsed
    finally:
        stop_dovecot(server)


def bench_outbox(tmp: str, n: int, smtp_url: str | None) -> float:
    app = make_app(tmp)
    app.config["MAIL_ACKNOWLEDGE"] = True
    app.config["SMTP_URL"] = smtp_url
    with app.app_context(), mock.patch.object(outbox, "ring"):  # queue only: time the sending
        for i in range(n):
            services.create_ticket(
                {"subject": f"Out {i}", "body": "Body", "requester_email": f"o{i}@example.com"}
            )
        db.session.commit()
        start = time.perf_counter()
        counts = outbox.deliver_due(limit=n)
        elapsed = time.perf_counter() - start
        assert sum(counts.values()) == n, counts
        assert db.session.query(OutboundMail).filter_by(status="queued").count() == 0
        db.session.remove()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args()
    n = 10 if args.smoke else args.messages
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            webhook = bench_webhook(tmp, n)
            imap_rate = bench_imap(tmp, n)
            smtp = bench_outbox(tmp, n, f"smtp://127.0.0.1:{controller.port}")
            eml = bench_outbox(tmp, n, None)
    finally:
        controller.stop()
    assert len(inbox.received) == n
    print(f"mail throughput, {n} messages each, SQLite, jobs in-process")
    print(f"  in, webhook (store + job: parse, thread, new ticket): {webhook:8.1f} messages/s")
    if imap_rate is None:
        print("  in, IMAP: dovecot not installed (apt-get install dovecot-imapd)")
    else:
        print(f"  in, IMAP (one poll: fetch, store, flag + job):       {imap_rate:8.1f} messages/s")
        print(f"  ratio IMAP/webhook: {imap_rate / webhook:.2f}")
    print(f"  out, outbox -> local SMTP (aiosmtpd):                {smtp:8.1f} mails/s")
    print(f"  out, outbox -> .eml files (no SMTP_URL):             {eml:8.1f} mails/s")
    print(f"  ratio SMTP/.eml: {smtp / eml:.2f}")


if __name__ == "__main__":
    main()
