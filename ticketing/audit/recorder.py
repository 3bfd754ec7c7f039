"""The one mechanism that writes the audit trail: two SQLAlchemy session hooks.

``before_flush`` looks at what the unit of work is about to write — new tickets and replies,
changed ticket fields (attribute history), changed tag sets (the ``Ticket.tags`` relationship
history) and deleted tickets — and notes one event per change, stamped with the current actor
(``ticketing.context``) and the request or job id. ``after_flush`` fills in the ids the flush
just gave to new rows and writes the events with one Core ``INSERT`` on the flush's own
connection, so they commit or roll back with the change they describe.

Nothing is written by hand at the call sites: a route, a CLI command or a job that changes a
ticket through the ORM is audited. Core statements (``insert(Ticket)`` in the seeder, bulk
``UPDATE``) bypass the ORM unit of work and are not audited — see docs/audit.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import inspect, select
from sqlalchemy.orm import InstanceState, Session

from ..core import withcommit
from ..core.context import current_actor
from ..core.hooks import listen_once
from ..core.vocab import SlaEvent, TicketAction, values
from ..models import Classification, Reply, Tag, Ticket, TicketEvent, utcnow

#: Ticket columns whose changes are recorded, in the order their events are written.
#: Left out on purpose: ``id``/``created_at`` (never change), ``updated_at`` (bookkeeping,
#: moves with every change), ``resolved_at`` (follows ``status``), ``created_by_id`` (set at
#: creation), ``search_vector`` (derived), and the triage run's own output and bookkeeping —
#: ``confidence``, ``explanation``, ``suggested_title``, ``classified_at``, ``triage_status``,
#: ``triage_error``, ``triage_job_id`` — which the ``classifications`` table keeps per run;
#: ``version`` (bookkeeping) and the assignee/team ``*_source`` (follow their field).
AUDITED_FIELDS: tuple[str, ...] = (
    "subject",
    "body",
    "status",
    "category",
    "category_source",
    "priority",
    "priority_source",
    "sentiment",
    "urgency_score",
    "note",
    "requester_email",
    "requester_name",
    "assignee_id",
    "team_id",
)

#: Event actions (``TicketEvent.action``).
CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"
REPLY_ADDED = "reply_added"
INTERNAL_NOTE_ADDED = "internal_note_added"
#: Personal data withheld from text sent out for triage: ``new_value`` lists the kinds
#: ("email,card"), never the values. Written when a triage run that withheld some is stored.
PII_WITHHELD = "pii_withheld"
#: Every action: these, a merge's (written by the assist feature, ``core.vocab.TicketAction``)
#: and the SLA upkeep's warnings (``core.vocab.SlaEvent``).
ACTIONS = (*values(TicketAction), *values(SlaEvent))

_PENDING_KEY = "ticketing.audit.pending"
_EVENTS = TicketEvent.__table__


def as_text(value: Any) -> str | None:
    """An attribute value as the text stored in ``old_value``/``new_value``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def tags_text(tags: Iterable[Tag]) -> str | None:
    """A tag set as a sorted, comma-separated list (``None`` when empty)."""
    names = sorted({t.name for t in tags})
    return ",".join(names) if names else None


@dataclass
class _Pending:
    """Events noted in ``before_flush``; new rows get their ids in ``after_flush``."""

    stamp: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    new_tickets: list[Ticket] = field(default_factory=list)
    new_replies: list[Reply] = field(default_factory=list)


def _enabled() -> bool:
    return not has_app_context() or current_app.config["AUDIT_ENABLED"]


def request_id() -> str | None:
    """The job id inside a job, else the HTTP request id, else nothing (CLI)."""
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # noqa: BLE001 - outside a worker there is simply no job
        job = None
    if job is not None:
        return f"job:{job.id}"[:64]
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


def _stamp() -> dict[str, Any]:
    actor = current_actor()
    return {
        "actor_type": actor.type,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "via": actor.via,
        "request_id": request_id(),
        "created_at": utcnow(),
    }


def _unknown_old_values(session: Session, ticket_id: int, names: list[str]) -> dict[str, Any]:
    """Old values of attributes that were set while unloaded (expired): read them from the
    row, which the flush has not touched yet (one SELECT, only in that case)."""
    table = Ticket.__table__
    row = session.execute(
        select(*(table.c[n] for n in names)).where(table.c.id == ticket_id)
    ).one_or_none()
    return dict(row._mapping) if row is not None else {}


def _ticket_changes(session: Session, state: InstanceState) -> list[dict[str, Any]]:
    """One ``updated`` event per audited field (and the tag set) that really changes.

    Reads attribute history only (never loads an expired ticket)."""
    ticket_id = state.identity[0]
    changes: list[tuple[str, Any, Any]] = []
    unknown: list[str] = []
    for name in AUDITED_FIELDS:
        history = state.attrs[name].history
        if not history.added:
            continue
        if history.deleted:
            changes.append((name, history.deleted[0], history.added[0]))
        else:
            changes.append((name, None, history.added[0]))
            unknown.append(name)
    if unknown:
        olds = _unknown_old_values(session, ticket_id, unknown)
        changes = [
            (name, olds.get(name) if name in unknown else old, new) for name, old, new in changes
        ]
    rows = [
        {"field": name, "old_value": as_text(old), "new_value": as_text(new)}
        for name, old, new in changes
    ]
    tags = state.attrs.tags.history
    if tags.added or tags.deleted:
        rows.append(
            {
                "field": "tags",
                "old_value": tags_text([*tags.unchanged, *tags.deleted]),
                "new_value": tags_text([*tags.unchanged, *tags.added]),
            }
        )
    return [
        {"ticket_id": ticket_id, "action": UPDATED, **row}
        for row in rows
        if row["old_value"] != row["new_value"]
    ]


def before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    session.info.pop(_PENDING_KEY, None)
    if not _enabled():
        return
    pending = _Pending(stamp={})
    for obj in session.new:
        if isinstance(obj, Ticket):
            pending.new_tickets.append(obj)
        elif isinstance(obj, Reply):
            pending.new_replies.append(obj)
        elif isinstance(obj, Classification) and obj.redacted:
            pending.rows.append(
                {"ticket_id": obj.ticket_id, "action": PII_WITHHELD, "new_value": obj.redacted}
            )
    deleted_ids = set()
    for obj in session.deleted:
        if isinstance(obj, Ticket):
            deleted_ids.add(obj.id)
            pending.rows.append({"ticket_id": obj.id, "action": DELETED, "old_value": obj.subject})
    for obj in session.dirty:
        if isinstance(obj, Ticket):
            state = inspect(obj)
            if state.identity[0] not in deleted_ids:
                pending.rows.extend(_ticket_changes(session, state))
    if pending.rows or pending.new_tickets or pending.new_replies:
        pending.stamp = _stamp()
        session.info[_PENDING_KEY] = pending


def after_flush(session: Session, flush_context: Any) -> None:
    pending: _Pending | None = session.info.pop(_PENDING_KEY, None)
    if pending is None:
        return
    created = [
        {"ticket_id": t.id, "action": CREATED, "new_value": t.subject} for t in pending.new_tickets
    ]
    replies = [
        {
            "ticket_id": r.ticket_id,
            "action": INTERNAL_NOTE_ADDED if r.internal else REPLY_ADDED,
            # The reply's id, never its text: the thread holds the text, with its own rules
            # for who may read an internal note.
            "new_value": str(r.id),
        }
        for r in pending.new_replies
    ]
    base = {"field": None, "old_value": None, "new_value": None, **pending.stamp}
    rows = [{**base, **row} for row in (*created, *pending.rows, *replies)]
    # Read back by nothing in the transaction: written with its COMMIT (core.withcommit).
    withcommit.insert_rows(session.connection(), _EVENTS, rows)


def register() -> None:
    """Attach the hooks to Flask-SQLAlchemy's session class (once per process)."""
    from ..core.extensions import db

    listen_once(db.session, ("before_flush", before_flush), ("after_flush", after_flush))
