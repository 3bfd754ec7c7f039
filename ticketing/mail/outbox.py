"""Mail out: outbox rows written with their cause, sent by a job after the commit.

- ``on_ticket_saving`` / ``on_reply_saving`` (inside the saving transaction) write an
  ``OutboundMail`` row: an acknowledgement for a new ticket, a public reply (internal notes and
  the customer's own replies never), a resolution notice. Each is switched by config
  (``MAIL_ACKNOWLEDGE``, ``MAIL_REPLIES``, ``MAIL_RESOLUTION``) or for a block of saves with
  ``events.save_options(mail=False)`` (the CSV import).
- ``on_saved`` (after the commit) rings the bell: the ``deliver_due`` job on the ``mail`` queue.
  Losing the bell loses nothing: upkeep runs ``deliver_due`` too.
- ``deliver_due`` claims one due row at a time with a conditional UPDATE (a lease that expires
  if the sender dies), composes the message once (stored in ``raw``: a retry sends the very
  same bytes and Message-ID), sends it, and records sent / saved / failed-with-why. A transient
  failure is retried with exponential backoff up to ``MAIL_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from ..core import events, jobs, withcommit
from ..core.errors import QueueUnavailable
from ..core.extensions import db
from ..core.hooks import listen_once
from ..core.vocab import CLOSED_STATUSES, MailKind, MailStatus, TicketStatus
from ..models import Notification, OutboundMail, Reply, Ticket, User, utcnow
from . import compose, transport

log = logging.getLogger(__name__)

QUEUE = "mail"
DELIVER_JOB_ID = "mail-deliver"
#: Rows one ``deliver_due`` run sends at most (the next run takes the rest).
BATCH = 500
_SWITCH = {
    MailKind.ACKNOWLEDGEMENT: "MAIL_ACKNOWLEDGE",
    MailKind.REPLY: "MAIL_REPLIES",
    MailKind.RESOLUTION: "MAIL_RESOLUTION",
    MailKind.NOTIFICATION: "MAIL_NOTIFY_AGENTS",
}


def _wanted(kind: MailKind, ticket: Ticket) -> bool:
    if not events.option("mail", True) or not ticket.requester_email:
        return False
    return bool(current_app.config[_SWITCH[kind]])


def _queued(kind: MailKind, to_address: str) -> dict[str, Any]:
    """A new outbox row's fields: queued for its first attempt now, its Message-ID fixed."""
    return {
        "kind": kind,
        "status": MailStatus.QUEUED,
        "to_address": to_address,
        "message_id": compose.new_message_id(),
        "next_attempt_at": utcnow(),
    }


def queue_mail(ticket: Ticket, kind: MailKind, reply: Reply | None = None) -> OutboundMail:
    """Add an outbox row to the session (the caller's transaction commits it)."""
    mail = OutboundMail(ticket=ticket, reply=reply, **_queued(kind, ticket.requester_email))
    db.session.add(mail)
    return mail


#: ``session.info``: the new tickets of this flush whose acknowledgement it writes.
_ACKNOWLEDGE = "ticketing.mail.acknowledge"


def on_ticket_saving(sender: Any, change: events.Change) -> None:
    ticket: Ticket = change.obj
    if change.created:
        if ticket.status not in CLOSED_STATUSES and _wanted(MailKind.ACKNOWLEDGEMENT, ticket):
            # The ticket has no id yet: its row is written once the flush gave it one.
            db.session.info.setdefault(_ACKNOWLEDGE, []).append(ticket)
            change.notes["mail"] = True
    elif "status" in change.fields and ticket.status == TicketStatus.RESOLVED:
        if _wanted(MailKind.RESOLUTION, ticket):
            queue_mail(ticket, MailKind.RESOLUTION)
            change.notes["mail"] = True


def write_acknowledgements(session: Session, _flush_context: Any) -> None:
    """Session hook (``after_flush``): the outbox rows of the flush's new tickets, as plain
    rows that go with the transaction's COMMIT (nothing reads them back before it: the
    sender claims committed rows) — not ORM objects through the flush (a tenth of a create)."""
    tickets = session.info.pop(_ACKNOWLEDGE, None)
    if not tickets:
        return
    rows = []
    for ticket in tickets:
        row = {**_UNSENT, **_queued(MailKind.ACKNOWLEDGEMENT, ticket.requester_email)}
        rows.append({**row, "ticket_id": ticket.id, "created_at": row["next_attempt_at"]})
    withcommit.insert_rows(session.connection(), OutboundMail.__table__, rows)


#: The other columns of a new row (a kept row is written as given: no column defaults).
_UNSENT = {
    "reply_id": None,
    "notification_id": None,
    "raw": None,
    "attempts": 0,
    "lease_until": None,
    "error": None,
    "saved_to": None,
    "sent_at": None,
}


def forget_acknowledgements(session: Session, *_args: Any) -> None:
    """Session hook (``after_rollback``): a failed flush's new tickets are not stored."""
    session.info.pop(_ACKNOWLEDGE, None)


def register(session_class: Any) -> None:
    listen_once(
        session_class,
        ("after_flush", write_acknowledgements),
        ("after_rollback", forget_acknowledgements),
    )


def on_reply_saving(sender: Any, change: events.Change) -> None:
    reply: Reply = change.obj
    if not change.created or not reply.from_team:
        return
    ticket = reply.ticket or db.session.get(Ticket, reply.ticket_id)
    if ticket is not None and _wanted(MailKind.REPLY, ticket):
        queue_mail(ticket, MailKind.REPLY, reply)
        change.notes["mail"] = True


def on_notification_saving(sender: Any, change: events.Change) -> None:
    """A notification to an agent (an SLA warning …) is mailed to them too, once: the outbox
    row is written with the notification (``MAIL_NOTIFY_AGENTS``)."""
    note: Notification = change.obj
    if not change.created or not events.option("mail", True):
        return
    if not current_app.config[_SWITCH[MailKind.NOTIFICATION]]:
        return
    user = note.user or db.session.get(User, note.user_id)
    if user is None or not user.active or not user.email:
        return
    db.session.add(
        OutboundMail(
            ticket_id=note.ticket_id,
            notification=note,
            **_queued(MailKind.NOTIFICATION, user.email),
        )
    )
    change.notes["mail"] = True


def mail_configured() -> bool:
    """Whether mail actually leaves (``SMTP_URL``); without it rows are only saved as .eml
    files on the server, which is no way to hand a person their reset link."""
    return bool(current_app.config.get("SMTP_URL"))


def on_password_reset_requested(sender: Any, mail: events.PasswordResetMail) -> None:
    """Write the reset link's outbox row (in the caller's transaction), composed at once: the
    link lives only in the message. Nothing when mail is not configured."""
    if not mail_configured():
        return
    row = OutboundMail(ticket_id=None, **_queued(MailKind.PASSWORD_RESET, mail.email))
    row.raw = compose.compose_password_reset(row, mail).as_string()
    db.session.add(row)
    mail.queued = True


def on_password_reset_mailed(sender: Any, **kwargs: Any) -> None:
    ring()


def on_saved(sender: Any, change: events.Saved) -> None:
    if change.notes.get("mail"):
        ring()


def ring() -> None:
    """After a commit: make sure a ``deliver_due`` job is on its way (one is enough)."""
    if jobs.job_waits(DELIVER_JOB_ID):
        return
    try:
        jobs.enqueue(QUEUE, deliver_due, job_id=DELIVER_JOB_ID, result_ttl=60, failure_ttl=86400)
    except QueueUnavailable:
        log.warning("mail: queue unavailable; upkeep will send the outbox")


def _due(now):
    return or_(
        and_(OutboundMail.status == MailStatus.QUEUED, OutboundMail.next_attempt_at <= now),
        and_(OutboundMail.status == MailStatus.SENDING, OutboundMail.lease_until < now),
    )


def _lease_seconds() -> float:
    return float(current_app.config["MAIL_SMTP_TIMEOUT"]) * 3 + 30


def claim_next(skip: frozenset[int] = frozenset()) -> OutboundMail | None:
    """Take the oldest due row (committed), or None when nothing is due; ``skip``: rows this
    run already tried (a failed one waits for its next turn, even with no backoff)."""
    now = utcnow()
    stmt = select(OutboundMail.id).where(_due(now)).order_by(OutboundMail.id).limit(20)
    if skip:
        stmt = stmt.where(OutboundMail.id.not_in(skip))
    candidates = db.session.scalars(stmt).all()
    for mail_id in candidates:
        claimed = db.session.execute(
            update(OutboundMail)
            .where(OutboundMail.id == mail_id, _due(now))
            .values(
                status=MailStatus.SENDING,
                lease_until=now + timedelta(seconds=_lease_seconds()),
                attempts=OutboundMail.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            mail = db.session.get(OutboundMail, mail_id, populate_existing=True)
            if mail.raw is None:
                mail.raw = compose.compose(mail).as_string()
            db.session.commit()
            return mail
    db.session.commit()
    return None


def _backoff(attempts: int) -> float:
    return float(current_app.config["MAIL_RETRY_SECONDS"]) * 2 ** max(attempts - 1, 0)


def send_one(mail: OutboundMail) -> str:
    """Send a claimed row and record the outcome (committed); returns its new status."""
    url = current_app.config.get("SMTP_URL")
    try:
        if url:
            transport.send_smtp(url, compose.from_address().addr_spec, mail.to_address, mail.raw)
            mail.status, mail.sent_at, mail.error = MailStatus.SENT, utcnow(), None
        else:
            mail.saved_to = transport.save_eml(mail.id, mail.raw)
            mail.status, mail.error = MailStatus.SAVED, "not sent — no mail server configured"
    except Exception as err:  # noqa: BLE001 - any failure is recorded on the row
        why = f"{type(err).__name__}: {err}"[:500]
        permanent = isinstance(err, transport.PermanentFailure)
        if permanent or mail.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
            mail.status, mail.error = MailStatus.FAILED, why
        else:
            mail.status, mail.error = MailStatus.QUEUED, why
            mail.next_attempt_at = utcnow() + timedelta(seconds=_backoff(mail.attempts))
        log.warning("mail %s (%s) attempt %s failed: %s", mail.id, mail.kind, mail.attempts, why)
    mail.lease_until = None
    db.session.commit()
    return mail.status


def deliver_due(limit: int = BATCH) -> dict[str, int]:
    """The job (and upkeep task): send every due outbox row; schedule the next retry."""
    counts: dict[str, int] = {}
    tried: set[int] = set()
    for _ in range(limit):
        mail = claim_next(frozenset(tried))
        if mail is None:
            break
        tried.add(mail.id)
        status = send_one(mail)
        counts[status] = counts.get(status, 0) + 1
    _schedule_retry()
    return counts


def _schedule_retry() -> None:
    """A row waiting for its next attempt gets a job at that time (the worker's scheduler)."""
    soonest = db.session.scalar(
        select(OutboundMail.next_attempt_at)
        .where(OutboundMail.status == MailStatus.QUEUED)
        .order_by(OutboundMail.next_attempt_at)
        .limit(1)
    )
    db.session.commit()
    if soonest is None:
        return
    delay = max((soonest - utcnow()).total_seconds(), 1.0)
    try:
        jobs.enqueue_later(QUEUE, delay, deliver_due)
    except QueueUnavailable:
        log.warning("mail: queue unavailable; upkeep will retry the outbox")


def mark_bounced(message_id: str, why: str) -> bool:
    """A bounce for a mail we sent: its row becomes ``failed`` with the reason."""
    mail = db.session.scalar(select(OutboundMail).where(OutboundMail.message_id == message_id))
    if mail is None:
        return False
    mail.status, mail.error = MailStatus.FAILED, f"bounced: {why}"[:500]
    return True
