"""Bulk edits: one change (status, priority, category, assignee, team, tags added/removed)
applied to many tickets, each one saved through the ORM so every ticket gets its own audit
events, version bump and routing, exactly as if edited one by one.

The request is a row (``bulk_edits``: the ticket ids resolved when it was made, the changes,
the progress), written before anything is changed. Small sets run at once in the request;
larger ones (``BULK_INLINE_MAX``) run as a job that works through the ids in chunks, committing
and recording its progress after each, so a killed worker's retry continues where it stopped
and re-applying a chunk changes nothing twice.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..core import jobs
from ..core.context import Actor, acting_as
from ..core.errors import InvalidInput, NotFound
from ..core.extensions import db
from ..core.vocab import ActorType, JobStatus, Via
from ..models import BulkEdit, Ticket, User, utcnow
from . import services

log = logging.getLogger(__name__)

QUEUE = "default"
CHUNK = 200
#: The most tickets one bulk edit may touch.
MAX_TICKETS = 50_000
#: Fields a bulk edit sets as they are (the tags are added/removed instead).
SET_FIELDS = ("status", "priority", "category", "assignee_id", "team_id")


def resolve_ids(ids: list[int] | None, filters: dict[str, Any] | None) -> list[int]:
    """The tickets a bulk edit touches: the ids given (existing ones, in order), or every
    ticket the list's filters select (by id)."""
    if ids is not None:
        wanted = list(dict.fromkeys(ids))
        found = set(db.session.scalars(select(Ticket.id).where(Ticket.id.in_(wanted))))
        return [i for i in wanted if i in found]
    stmt = services.filter_tickets(select(Ticket.id), filters or {}).order_by(Ticket.id)
    selected = list(db.session.scalars(stmt.limit(MAX_TICKETS + 1)))
    if len(selected) > MAX_TICKETS:
        raise InvalidInput(
            f"The filters select more than {MAX_TICKETS} tickets; narrow them.",
            fields={"filter": [f"Selects more than {MAX_TICKETS} tickets."]},
        )
    return selected


def ticket_changes(ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
    """The partial update ``changes`` means for one ticket (its tags plus/minus some)."""
    data = {key: changes[key] for key in SET_FIELDS if key in changes}
    add, remove = changes.get("tags_add") or [], set(changes.get("tags_remove") or [])
    if add or remove:
        tags = [t for t in ticket.tag_names if t not in remove]
        tags += [t for t in add if t not in tags and t not in remove]
        data["tags"] = tags
    return data


def apply_to(ticket: Ticket, changes: dict[str, Any]) -> bool:
    """Apply one bulk change to one ticket; True when something changed."""
    return bool(services.update_ticket(ticket, ticket_changes(ticket, changes), check=False))


def create_bulk(ticket_ids: list[int], changes: dict[str, Any], user: User | None) -> BulkEdit:
    """The record of a bulk edit (checked once: the assignee and team exist)."""
    services.check_owners(changes)
    bulk = BulkEdit(
        ticket_ids=ticket_ids,
        changes=changes,
        requested_by_id=user.id if user else None,
        total=len(ticket_ids),
        status=JobStatus.QUEUED.value,
    )
    db.session.add(bulk)
    db.session.flush()
    return bulk


def get_bulk(bulk_id: str) -> BulkEdit:
    bulk = db.session.get(BulkEdit, bulk_id)
    if bulk is None:
        raise NotFound("Bulk edit")
    return bulk


def runs_inline(bulk: BulkEdit) -> bool:
    return bulk.total <= current_app.config["BULK_INLINE_MAX"]


def _claim(bulk_id: str) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(BulkEdit)
        .where(BulkEdit.id == bulk_id, BulkEdit.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
        .values(status=JobStatus.RUNNING.value, started_at=now, heartbeat_at=now)
    )
    return result.rowcount == 1


def _actor(bulk: BulkEdit) -> Actor:
    """A bulk edit is audited as the person who asked for it (via ``job`` when queued)."""
    user = db.session.get(User, bulk.requested_by_id) if bulk.requested_by_id else None
    if user is None:
        return Actor(type=ActorType.SYSTEM, via=Via.JOB)
    return Actor(type=ActorType.USER, via=Via.JOB, id=user.id, label=user.email, role=user.role)


def run_bulk(bulk_id: str, actor: Actor | None = None) -> str:
    """Work through a bulk edit from where it stands; returns its final status. Safe to run
    twice: a finished edit is left alone and a chunk applied again changes nothing."""
    if not _claim(bulk_id):
        db.session.rollback()
        bulk = db.session.get(BulkEdit, bulk_id)
        return bulk.status if bulk else "missing"
    db.session.commit()
    bulk = db.session.get(BulkEdit, bulk_id)
    ids, changes = list(bulk.ticket_ids), dict(bulk.changes)
    try:
        with acting_as(actor or _actor(bulk)):
            while bulk.done < len(ids):
                chunk = ids[bulk.done : bulk.done + CHUNK]
                tickets = db.session.scalars(
                    select(Ticket).where(Ticket.id.in_(chunk)).options(selectinload(Ticket.tags))
                ).all()
                bulk.changed += sum(apply_to(t, changes) for t in tickets)
                bulk.done += len(chunk)
                bulk.heartbeat_at = utcnow()
                db.session.commit()
    except Exception as err:
        db.session.rollback()
        bulk = db.session.get(BulkEdit, bulk_id)
        bulk.status, bulk.error, bulk.finished_at = JobStatus.FAILED.value, str(err)[:500], utcnow()
        db.session.commit()
        log.exception("bulk edit %s failed after %s tickets", bulk_id, bulk.done)
        return bulk.status
    bulk.status, bulk.finished_at = JobStatus.DONE.value, utcnow()
    db.session.commit()
    log.info("bulk edit %s: %s of %s tickets changed", bulk_id, bulk.changed, bulk.total)
    return bulk.status


def enqueue_bulk(bulk: BulkEdit) -> None:
    """Queue the job (after the row is committed); the job id is kept on the row."""
    job = jobs.enqueue(QUEUE, run_bulk, bulk.id, job_timeout=3600)
    bulk.job_id = job.id
