"""What we send: plain-text templates a team can edit, and headers no user text can inject into.

Templates are ``<kind>.txt`` (Jinja, no HTML, so nothing to escape) looked up first in
``MAIL_TEMPLATE_DIR`` and then beside this module. Every header value that comes from a person
(a subject, a name) is folded to one line of printable characters before it is set, and the
standard library's ``email`` (``policy.default``) refuses a header with a line break anyway.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select

from ..core.events import PasswordResetMail
from ..core.extensions import db
from ..core.vocab import MailKind
from ..models import InboundMail, OutboundMail, Ticket
from ..tickets import links
from . import attachments

DEFAULT_TEMPLATES = Path(__file__).parent / "templates"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
#: References kept on a mail (the newest ones): enough for any client to thread.
MAX_REFERENCES = 20
#: Mails a person did not write (acknowledgement, resolution) say so (RFC 3834), so
#: well-behaved auto-responders do not answer them.
AUTOMATIC = frozenset({MailKind.ACKNOWLEDGEMENT.value, MailKind.RESOLUTION.value})


def one_line(text: str | None, limit: int = 200) -> str:
    """A header-safe version of ``text``: control characters (CR, LF …) become spaces."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:limit]


def from_address() -> Address:
    name, addr = parseaddr(current_app.config["MAIL_FROM"])
    local, _, domain = addr.partition("@")
    return Address(display_name=one_line(name), username=local, domain=domain or "localhost")


def new_message_id() -> str:
    """A Message-ID fixed when the outbox row is written (a retry sends the same one)."""
    return make_msgid(domain=from_address().domain)


def _environment() -> Environment:
    loaders = []
    if current_app.config.get("MAIL_TEMPLATE_DIR"):
        loaders.append(FileSystemLoader(current_app.config["MAIL_TEMPLATE_DIR"]))
    loaders.append(FileSystemLoader(str(DEFAULT_TEMPLATES)))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=False,  # noqa: S701 - plain text mail, never rendered as HTML
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _thread_ids(ticket_id: int, own_id: str) -> list[str]:
    """Message-IDs of the ticket's thread so far (received and sent), oldest first."""
    received = db.session.execute(
        select(InboundMail.created_at, InboundMail.message_id).where(
            InboundMail.ticket_id == ticket_id
        )
    ).all()
    sent = db.session.execute(
        select(OutboundMail.created_at, OutboundMail.message_id).where(
            OutboundMail.ticket_id == ticket_id, OutboundMail.message_id != own_id
        )
    ).all()
    ordered = sorted([*received, *sent], key=lambda row: row[0])
    return [mid for _, mid in ordered if mid.startswith("<")]


def _last_received(ticket_id: int) -> str | None:
    return db.session.scalar(
        select(InboundMail.message_id)
        .where(InboundMail.ticket_id == ticket_id, InboundMail.message_id.like("<%"))
        .order_by(InboundMail.id.desc())
        .limit(1)
    )


def _subject(ticket: Ticket, kind: str) -> str:
    prefix = "Re: " if kind == MailKind.REPLY else ""
    return one_line(f"{prefix}[#{ticket.id}] {ticket.subject}", 250)


def render_body(mail: OutboundMail, ticket: Ticket) -> str:
    team = one_line(from_address().display_name) or "Support"
    context = {
        "ticket_id": ticket.id,
        "subject": ticket.subject,
        "name": ticket.requester_name or "",
        "status_url": links.status_url(ticket.id),
        "team": team,
        "body": mail.reply.body if mail.reply is not None else "",
        "author": (mail.reply.author_name if mail.reply is not None else None) or team,
    }
    return _environment().get_template(f"{mail.kind}.txt").render(**context)


def staff_url(ticket_id: int) -> str:
    """The ticket in the agents' page (``PUBLIC_BASE_URL``, else the request's host)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    return f"{base.rstrip('/')}/#/tickets/{ticket_id}"


def compose_notification(mail: OutboundMail) -> EmailMessage:
    """A mail to an agent about their ticket: no customer thread, no reply address (an answer
    must never land on the ticket as the customer's), marked automatic."""
    note = mail.notification
    ticket = mail.ticket
    msg = EmailMessage()
    msg["From"] = from_address()
    local, _, domain = mail.to_address.partition("@")
    name = note.user.name if note is not None and note.user is not None else ""
    msg["To"] = Address(display_name=one_line(name), username=local, domain=domain)
    msg["Subject"] = one_line(note.message if note is not None else f"[#{ticket.id}]", 250)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = mail.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Ticket-Reference"] = str(ticket.id)
    context = {
        "name": name,
        "message": note.message if note is not None else "",
        "ticket_id": ticket.id,
        "subject": ticket.subject,
        "url": staff_url(ticket.id),
        "team": one_line(from_address().display_name) or "Support",
    }
    body = _environment().get_template(f"{mail.kind}.txt").render(**context)
    msg.set_content(body, cte="quoted-printable")
    return msg


def compose_password_reset(mail: OutboundMail, reset: PasswordResetMail) -> EmailMessage:
    """A reset link to a user: about no ticket, so no thread headers and no reply address."""
    msg = EmailMessage()
    msg["From"] = from_address()
    local, _, domain = mail.to_address.partition("@")
    msg["To"] = Address(display_name=one_line(reset.name), username=local, domain=domain)
    team = one_line(from_address().display_name) or "Support"
    msg["Subject"] = one_line(f"{team}: reset your password", 250)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = mail.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    context = {
        "name": reset.name,
        "url": reset.url,
        "minutes": reset.valid_minutes,
        "team": team,
    }
    body = _environment().get_template(f"{mail.kind}.txt").render(**context)
    msg.set_content(body, cte="quoted-printable")
    return msg


def compose(mail: OutboundMail) -> EmailMessage:
    """The whole message for an outbox row (the caller stores it: a retry resends it)."""
    if mail.kind == MailKind.NOTIFICATION:
        return compose_notification(mail)
    ticket = mail.ticket
    msg = EmailMessage()
    msg["From"] = from_address()
    local, _, domain = mail.to_address.partition("@")
    msg["To"] = Address(display_name=one_line(ticket.requester_name), username=local, domain=domain)
    msg["Subject"] = _subject(ticket, mail.kind)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = mail.message_id
    thread = _thread_ids(ticket.id, mail.message_id)
    parent = _last_received(ticket.id) or (thread[-1] if thread else None)
    if parent:
        msg["In-Reply-To"] = parent
    if thread:
        msg["References"] = " ".join(thread[-MAX_REFERENCES:])
    msg["Reply-To"] = links.reply_address(ticket.id)
    if mail.kind in AUTOMATIC:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Ticket-Reference"] = str(ticket.id)
    msg.set_content(render_body(mail, ticket), cte="quoted-printable")
    for item in mail.reply.attachments if mail.reply is not None else []:
        maintype, _, subtype = item.content_type.partition("/")
        msg.add_attachment(
            attachments.read(item), maintype=maintype, subtype=subtype, filename=item.filename
        )
    return msg
