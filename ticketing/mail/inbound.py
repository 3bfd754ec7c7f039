"""Mail in: store first, then turn into a ticket or a reply in a job.

``store`` writes the raw message as an ``InboundMail`` row (unique Message-ID, or a hash of
the bytes when it has none), so the same mail arriving twice — a webhook retried, an IMAP
fetch repeated — is one row and is processed once. ``process`` (the job) decides:

- automatic mail (``Auto-Submitted`` not ``no``, ``Precedence: bulk/junk/list``, auto-reply
  markers) is recorded as ``ignored`` and never answered; a bounce of a mail we sent marks that
  mail's delivery ``failed``;
- a sender over ``MAIL_SENDER_RATE_LIMIT`` is ``ignored`` (a loop, a flood);
- a reply joins its ticket by ``In-Reply-To`` / ``References`` naming a mail we sent or
  received, or by a reply address of ours (``support+<token>@…``). Never by a ``[#123]`` in the
  subject: anyone can type that;
- anything else opens a new ticket (requester = From), triaged and acknowledged through the
  ticket events like every other ticket. A reply to a closed ticket opens a follow-up ticket.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..core import jobs, ratelimits
from ..core.context import Actor, acting_as
from ..core.errors import QueueUnavailable
from ..core.extensions import db
from ..core.vocab import ActorType, InboundSource, InboundStatus, MailKind, TicketStatus, Via
from ..models import InboundMail, OutboundMail, Ticket, utcnow
from ..tickets import links
from ..tickets import services as tickets
from . import attachments, outbox
from .parse import Attachment, ParsedMail, parse

log = logging.getLogger(__name__)

QUEUE = "mail"
MAX_BODY = 20_000
NO_SUBJECT = "(no subject)"


def store(raw: bytes, source: str = InboundSource.WEBHOOK) -> tuple[InboundMail, bool]:
    """Keep the raw mail (committed); returns the row and whether it is new."""
    parsed = parse(raw)
    existing = _by_message_id(parsed.message_id)
    if existing is not None:
        return existing, False
    row = InboundMail(
        message_id=parsed.message_id,
        source=source,
        status=InboundStatus.RECEIVED,
        from_address=parsed.from_address[:254] or None,
        subject=parsed.subject[:255] or None,
        raw=raw,
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same mail stored in parallel: the other row stands
        db.session.rollback()
        return _by_message_id(parsed.message_id), False
    return row, True


def _by_message_id(message_id: str) -> InboundMail | None:
    return db.session.scalar(select(InboundMail).where(InboundMail.message_id == message_id))


def ring(inbound_id: int) -> None:
    """After the row is committed: process it on the ``mail`` queue (upkeep catches up if the
    queue is down)."""
    try:
        jobs.enqueue(QUEUE, process_job, inbound_id, job_id=f"mail-in-{inbound_id}")
    except QueueUnavailable:
        log.warning("mail: queue unavailable; upkeep will process inbound mail %s", inbound_id)


def process_job(inbound_id: int) -> dict[str, Any]:
    """The job: process one stored mail (idempotent: a processed row is left alone)."""
    row = db.session.get(InboundMail, inbound_id)
    if row is None or row.status != InboundStatus.RECEIVED:
        return {"skipped": inbound_id}
    return process(row)


def process(row: InboundMail) -> dict[str, Any]:
    parsed = parse(row.raw)
    row.attempts += 1
    try:
        outcome = _decide(row, parsed)
    except Exception as err:
        db.session.rollback()
        row = db.session.get(InboundMail, row.id)
        row.status, row.reason = InboundStatus.FAILED, f"{type(err).__name__}: {err}"[:500]
        row.processed_at = utcnow()
        db.session.commit()
        log.exception("mail in %s failed", row.id)
        raise
    row.processed_at = utcnow()
    db.session.commit()
    log.info("mail in %s: %s", row.id, outcome)
    return {"id": row.id, "status": row.status, "ticket_id": row.ticket_id, "outcome": outcome}


def _ignore(row: InboundMail, why: str) -> str:
    row.status, row.reason = InboundStatus.IGNORED, why[:500]
    return f"ignored: {why}"


def _decide(row: InboundMail, parsed: ParsedMail) -> str:
    if parsed.automatic == "bounce":
        bounced = [mid for mid in parsed.bounced_ids if outbox.mark_bounced(mid, parsed.subject)]
        return _ignore(row, f"bounce{' of ' + bounced[0] if bounced else ''}")
    if parsed.automatic:
        return _ignore(row, parsed.automatic)
    if not parsed.from_address or "@" not in parsed.from_address:
        return _ignore(row, "no sender address")
    if not ratelimits.hit("MAIL_SENDER_RATE_LIMIT", "mail-from", parsed.from_address):
        return _ignore(row, f"sender over MAIL_SENDER_RATE_LIMIT ({parsed.from_address})")
    actor = Actor(type=ActorType.SYSTEM, via=Via.JOB, label=f"mail from {parsed.from_address}")
    accepted, notes = _attachment_plan(parsed)
    with acting_as(actor):
        ticket = thread_of(parsed)
        if ticket is not None and ticket.status != TicketStatus.CLOSED:
            body = _with_notes(parsed.text or parsed.full_text or "(empty message)", notes)
            reply = tickets.add_customer_reply(ticket, body, parsed.from_address, parsed.from_name)
            _attach(ticket, accepted, reply)
            row.ticket_id, row.reply_id = ticket.id, reply.id
            row.status = InboundStatus.PROCESSED
            return f"reply on ticket {ticket.id}"
        new = _new_ticket(parsed, follow_up=ticket, notes=notes)
        _attach(new, accepted)
        row.ticket_id, row.status = new.id, InboundStatus.PROCESSED
        return f"new ticket {new.id}"


def _attachment_plan(parsed: ParsedMail) -> tuple[list[Attachment], list[str]]:
    """The files to keep, and a note for each one refused (over MAIL_MAX_ATTACHMENT_BYTES)."""
    limit = attachments.max_bytes()
    keep = [a for a in parsed.attachments if len(a.data) <= limit]
    notes = [
        attachments.too_large_note(a.filename, len(a.data))
        for a in parsed.attachments
        if len(a.data) > limit
    ]
    return keep, notes


def _attach(ticket: Ticket, files: list[Attachment], reply=None) -> None:
    for item in files:
        attachments.save(ticket, item.filename, item.content_type, item.data, reply)


def _with_notes(text: str, notes: list[str]) -> str:
    """The text with a line per refused attachment (the notes survive the length limit)."""
    if not notes:
        return _clip(text)
    tail = "\n\n" + "\n".join(notes)
    return _clip(text)[: MAX_BODY - len(tail)] + tail


def thread_of(parsed: ParsedMail) -> Ticket | None:
    """The ticket a mail answers: by the Message-IDs it refers to, or by our reply address —
    followed to where that ticket's mail goes now (a merged ticket's, to its target)."""
    found = _thread_of(parsed)
    return links.follow_redirects(found) if found is not None else None


def _thread_of(parsed: ParsedMail) -> Ticket | None:
    wanted = [*parsed.in_reply_to, *reversed(parsed.references)]
    if wanted:
        ticket_id = db.session.scalar(
            select(OutboundMail.ticket_id)
            .where(
                OutboundMail.message_id.in_(wanted),
                # An agent answering their SLA notice is not the customer writing; an answer
                # to a password-reset mail belongs to no ticket.
                OutboundMail.kind != MailKind.NOTIFICATION,
                OutboundMail.ticket_id.is_not(None),
            )
            .limit(1)
        ) or db.session.scalar(
            select(InboundMail.ticket_id)
            .where(InboundMail.message_id.in_(wanted), InboundMail.ticket_id.is_not(None))
            .limit(1)
        )
        if ticket_id is not None:
            ticket = db.session.get(Ticket, ticket_id)
            if ticket is not None:
                return ticket
    for address in parsed.recipients:
        token = links.token_in_address(address)
        if token:
            ticket = links.ticket_for_token(token)
            if ticket is not None:
                return ticket
    return None


def _clip(text: str) -> str:
    if len(text) <= MAX_BODY:
        return text
    return text[: MAX_BODY - 40].rstrip() + "\n\n[… cut: the full mail is kept]"


def _new_ticket(
    parsed: ParsedMail, follow_up: Ticket | None = None, notes: list[str] | None = None
) -> Ticket:
    subject = " ".join(parsed.subject.split())[:200] or NO_SUBJECT
    body = parsed.full_text or "(empty message)"
    if follow_up is not None:
        body = f"(Follow-up to the closed request #{follow_up.id}.)\n\n{parsed.text or body}"
    return tickets.create_ticket(
        {
            "subject": subject,
            "body": _with_notes(body, notes or []),
            "requester_email": parsed.from_address[:254],
            "requester_name": parsed.from_name or None,
        }
    )


def process_pending(limit: int = 200) -> dict[str, int]:
    """Upkeep: process stored mail whose job was lost (Redis down, a worker killed)."""
    ids = db.session.scalars(
        select(InboundMail.id)
        .where(InboundMail.status == InboundStatus.RECEIVED)
        .order_by(InboundMail.id)
        .limit(limit)
    ).all()
    db.session.commit()
    done = 0
    for inbound_id in ids:
        try:
            process_job(inbound_id)
            done += 1
        except Exception:  # noqa: BLE001 - recorded on the row; the others go on
            log.exception("mail in %s failed in upkeep", inbound_id)
    return {"processed": done}


def full_text(row: InboundMail) -> str:
    """The whole text of a received mail, quoted history included."""
    return parse(row.raw).full_text


def max_message_bytes() -> int:
    return int(current_app.config["MAIL_MAX_MESSAGE_BYTES"])
