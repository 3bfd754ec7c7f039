"""Merging a ticket into another, and undoing it.

A merge moves the source's replies and internal notes into the target, adds the source's
request itself (its subject and text, as the requester's message, at its own time) to the
target's thread, adds the source's tags to the target, closes the source with an internal
note linking to the target, and clears a duplicate flag between the two. Both audit trails
record it (``merged_into`` / ``merged_from``). The ``ticket_merges`` row remembers what moved,
so an admin can undo it within ``MERGE_UNDO_HOURS``: replies go back, the copied request and the
closing note go, tags that were added (and are still there) are removed, the source gets its
status back. The ticket tables have no attachments yet: there is nothing else to move.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy import insert, select

from ..core.context import current_actor
from ..core.errors import Conflict, Gone, InvalidInput, NotFound
from ..core.extensions import db
from ..core.vocab import TicketAction, TicketStatus
from ..models import Reply, Ticket, TicketEvent, utcnow
from ..tickets.services import get_ticket, update_ticket
from .models import TicketDuplicate, TicketMerge


def _audit(rows: list[dict[str, Any]]) -> None:
    """Write merge events into both tickets' trails, stamped like every other event."""
    actor = current_actor()
    stamp = {
        "field": None,
        "old_value": None,
        "new_value": None,
        "actor_type": actor.type,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "via": actor.via,
        "request_id": getattr(g, "request_id", None) if has_request_context() else None,
        "created_at": utcnow(),
    }
    if current_app.config["AUDIT_ENABLED"]:
        db.session.execute(insert(TicketEvent), [{**stamp, **row} for row in rows])


def active_merge(source_id: int) -> TicketMerge | None:
    """The merge that took this ticket into another (not undone), if any."""
    return db.session.scalar(
        select(TicketMerge).where(
            TicketMerge.source_id == source_id, TicketMerge.undone_at.is_(None)
        )
    )


def get_active_merge(source_id: int) -> TicketMerge:
    get_ticket(source_id)
    merge = active_merge(source_id)
    if merge is None:
        raise NotFound(f"A merge of ticket {source_id}")
    return merge


def merged_into(ticket: Ticket) -> Ticket | None:
    """Where a merged ticket's mail goes: its target (registered with ``links``)."""
    merge = active_merge(ticket.id)
    return db.session.get(Ticket, merge.target_id) if merge is not None else None


def merged_source_ids(ids: list[int]) -> set[int]:
    """Which of ``ids`` are merged into another ticket (hidden from look-alikes)."""
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(TicketMerge.source_id).where(
                TicketMerge.source_id.in_(ids), TicketMerge.undone_at.is_(None)
            )
        )
    )


def _check(source: Ticket, target: Ticket) -> None:
    if source.id == target.id:
        raise InvalidInput(
            "A ticket cannot be merged into itself.", fields={"into": ["Must be another ticket."]}
        )
    if active_merge(source.id) is not None:
        raise Conflict(f"Ticket {source.id} is already merged into another ticket.")
    into = active_merge(target.id)
    if into is not None:
        raise Conflict(
            f"Ticket {target.id} was merged into ticket {into.target_id}: merge into that one."
        )


def merge(source: Ticket, target: Ticket, user_id: int | None) -> TicketMerge:
    """Merge ``source`` into ``target`` (see the module's docstring); flushes."""
    _check(source, target)
    moved = [r.id for r in source.replies]
    for reply in list(source.replies):
        reply.ticket = target
    request = Reply(
        ticket=target,
        author_name=source.requester_name,
        author_email=source.requester_email,
        body=f"{source.subject}\n\n{source.body}"[:20_000],
        internal=False,
        created_at=source.created_at,
    )
    db.session.add(request)
    have = {t.name for t in target.tags}
    added = [t for t in source.tags if t.name not in have]
    target.tags = [*target.tags, *added]
    note = Reply(
        ticket=source,
        body=f"Merged into #{target.id}: its replies, tags and request are there now.",
        internal=True,
        user_id=user_id,
    )
    db.session.add(note)
    record = TicketMerge(
        source_id=source.id,
        target_id=target.id,
        merged_by_id=user_id,
        source_status=source.status,
        moved_reply_ids=moved,
        added_tags=[t.name for t in added],
    )
    db.session.add(record)
    for flag in db.session.scalars(
        select(TicketDuplicate).where(
            TicketDuplicate.ticket_id.in_((source.id, target.id)),
            TicketDuplicate.duplicate_of_id.in_((source.id, target.id)),
        )
    ):
        db.session.delete(flag)
    update_ticket(source, {"status": TicketStatus.CLOSED.value})
    target.updated_at = utcnow()
    db.session.flush()
    record.request_reply_id, record.note_reply_id = request.id, note.id
    _audit(
        [
            {
                "ticket_id": source.id,
                "action": TicketAction.MERGED_INTO,
                "new_value": str(target.id),
            },
            {
                "ticket_id": target.id,
                "action": TicketAction.MERGED_FROM,
                "new_value": str(source.id),
            },
        ]
    )
    db.session.flush()
    return record


def merge_many(source_ids: list[int], target_id: int, user_id: int | None) -> list[TicketMerge]:
    """Merge each of ``source_ids`` into ``target_id``: all or nothing (the caller commits)."""
    target = get_ticket(target_id)
    return [merge(get_ticket(i), target, user_id) for i in dict.fromkeys(source_ids)]


def undo(record: TicketMerge, user_id: int | None) -> TicketMerge:
    """Put both tickets back as they were before ``record`` (within the undo window)."""
    if record.undone_at is not None:
        raise Conflict("This merge was already undone.")
    window = timedelta(hours=current_app.config["MERGE_UNDO_HOURS"])
    if utcnow() - record.merged_at > window:
        raise Gone(f"A merge can be undone for {window.total_seconds() / 3600:g} hours only.")
    source, target = get_ticket(record.source_id), get_ticket(record.target_id)
    for reply in db.session.scalars(
        select(Reply).where(
            Reply.id.in_(record.moved_reply_ids or []), Reply.ticket_id == target.id
        )
    ):
        reply.ticket = source
    for reply_id in (record.request_reply_id, record.note_reply_id):
        reply = db.session.get(Reply, reply_id) if reply_id else None
        if reply is not None:
            db.session.delete(reply)
    added = set(record.added_tags or [])
    target.tags = [t for t in target.tags if t.name not in added]
    update_ticket(source, {"status": record.source_status})
    target.updated_at = utcnow()
    record.undone_at, record.undone_by_id = utcnow(), user_id
    _audit(
        [
            {
                "ticket_id": source.id,
                "action": TicketAction.MERGE_UNDONE,
                "old_value": str(target.id),
            },
            {
                "ticket_id": target.id,
                "action": TicketAction.MERGE_UNDONE,
                "old_value": str(source.id),
            },
        ]
    )
    db.session.flush()
    return record
