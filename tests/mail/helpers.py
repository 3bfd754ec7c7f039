"""Building mails as a customer's client would, and posting them to the webhook."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
TOKEN = "inbound-secret"


def mail(
    sender: str = "carol@example.com",
    subject: str = "Help",
    body: str = "Something is broken.",
    to: str = "support@acme.test",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="example.com")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def post_mail(client, raw: bytes, token: str = TOKEN):
    return client.post(
        "/api/inbound/email",
        data=raw,
        headers={"Content-Type": "message/rfc822", "X-Inbound-Token": token},
    )
