"""Triage work claimed from the database: the ticket row is the record, RQ only the bell.

A ticket that needs triage says so on its row (``triage_status`` queued, written in the
transaction that saved it). A worker *claims* a batch of such rows with one statement —
``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`` on PostgreSQL, the same
statement under SQLite's single writer lock — marking them ``running`` under its name with a
lease. It classifies them with no transaction open, then stores every answer in one
transaction and releases the claims. A worker that dies leaves rows whose lease runs out;
any worker claims them again. Nothing depends on Redis still holding a job.

Claimable: ``queued`` or ``running`` with no live lease, or ``failed`` whose retry time
(its lease) has passed and that has attempts left; never tickets waiting for a Message
Batches submission (their job id says ``batch-``). A ticket claimed ``TRIAGE_MAX_ATTEMPTS``
times without a stored answer is marked ``failed`` for good, with the reason.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from ..core.extensions import db
from ..core.vocab import TriageStatus
from ..models import Classification, Ticket, utcnow
from . import fallback, services
from .result import Hints, TriageResult

log = logging.getLogger(__name__)

#: Job ids of tickets left to the Message Batches poller.
BATCH_JOB_PREFIX = "batch-"
IN_FLIGHT = (TriageStatus.QUEUED.value, TriageStatus.RUNNING.value)
_T = Ticket.__table__.c


@dataclass(frozen=True)
class Claimed:
    """One claimed ticket: what the classifier needs, and the job id its answer is stored under."""

    ticket_id: int
    subject: str
    body: str
    language: str | None
    job_id: str


def new_holder() -> str:
    """A name for one claiming run: host, process and a random part (fits 64 characters)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def new_job_id(ticket_id: int | None) -> str:
    """``triage-<ticket>-<random>``; a ticket not yet flushed has no id to name."""
    if ticket_id is None:
        return f"triage-{uuid.uuid4().hex[:20]}"
    return f"triage-{ticket_id}-{uuid.uuid4().hex[:12]}"


def max_attempts() -> int:
    return max(1, int(current_app.config["TRIAGE_MAX_ATTEMPTS"]))


def _lease_over(now: datetime):
    return or_(_T.triage_lease_until.is_(None), _T.triage_lease_until < now)


def _not_batch():
    return ~func.coalesce(_T.triage_job_id, "").startswith(BATCH_JOB_PREFIX)


def claimable(now: datetime):
    """The SQL condition of a ticket any worker may claim now."""
    retry = and_(_T.triage_status == TriageStatus.FAILED, _T.triage_attempts < max_attempts())
    return and_(or_(_T.triage_status.in_(IN_FLIGHT), retry), _lease_over(now), _not_batch())


def give_up_exhausted(now: datetime | None = None) -> int:
    """Mark ``failed`` (for good) the tickets claimed too often without a stored answer; flushes."""
    now = now or utcnow()
    limit = max_attempts()
    result = db.session.execute(
        update(Ticket.__table__)
        .where(
            _T.triage_status.in_(IN_FLIGHT),
            _T.triage_attempts >= limit,
            _lease_over(now),
            _not_batch(),
        )
        .values(
            triage_status=TriageStatus.FAILED,
            triage_error=f"triage gave up after {limit} attempt(s) without storing a result",
            triage_claimed_by=None,
            triage_lease_until=None,
            updated_at=_T.updated_at,
        )
    )
    if result.rowcount:
        log.error("triage: gave up on %s ticket(s) after %s attempts", result.rowcount, limit)
    return result.rowcount or 0


def claim(holder: str, limit: int, lease_seconds: float, only: int | None = None) -> list[Claimed]:
    """Claim up to ``limit`` claimable tickets for ``holder`` (lowest ids first); the caller
    commits at once. ``only`` narrows the claim to one ticket (in-process mode)."""
    now = utcnow()
    give_up_exhausted(now)
    pick = select(_T.id).where(claimable(now)).order_by(_T.id).limit(limit)
    if only is not None:
        pick = pick.where(_T.id == only)
    if db.engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    rows = db.session.execute(
        update(Ticket.__table__)
        .where(_T.id.in_(pick.scalar_subquery()))
        .values(
            triage_status=TriageStatus.RUNNING,
            triage_claimed_by=holder,
            triage_lease_until=now + timedelta(seconds=lease_seconds),
            triage_attempts=_T.triage_attempts + 1,
            updated_at=_T.updated_at,  # a claim is not an edit
        )
        .returning(_T.id, _T.subject, _T.body, _T.language, _T.triage_job_id)
    ).all()
    rows.sort(key=lambda row: row.id)
    return [
        Claimed(
            row.id, row.subject, row.body, row.language, row.triage_job_id or new_job_id(row.id)
        )
        for row in rows
    ]


def pending_count(now: datetime | None = None) -> int:
    """How many tickets any worker may claim now (what the bell is for)."""
    return db.session.scalar(select(func.count()).where(claimable(now or utcnow()))) or 0


def classify_claimed(claimed: Sequence[Claimed], classifier) -> list[TriageResult]:
    """Each claimed ticket's answer (the fallback's when the classifier breaks); no transaction
    stays open during the calls."""
    app = current_app._get_current_object()
    reads = getattr(classifier, "wants_examples", False)  # hints from the database
    db.session.commit()
    results = []
    for item in claimed:
        lang = item.language or services.detect_language(item.subject, item.body, app)
        hints = services.hints_for(classifier, item.subject, item.body, lang, item.ticket_id)
        if reads:
            db.session.commit()
        hints = hints or Hints(language=lang)  # the fallback is told the language too
        result = services.classify_safely(classifier, item.subject, item.body, hints)
        if result.language is None:
            result.language = lang
        results.append(result)
    return results


def store(holder: str, claimed: Sequence[Claimed], results: Sequence[TriageResult]) -> int:
    """Store the answers of a claimed batch and release its claims (flushes; the caller
    commits). A run already stored under the same job id (a previous holder finished after
    all) is not stored twice. Returns how many answers were stored."""
    ids = [item.ticket_id for item in claimed]
    tickets = {
        t.id: t
        for t in db.session.scalars(
            select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id).with_for_update()
        )
    }
    stored_jobs = set(
        db.session.scalars(
            select(Classification.job_id).where(
                Classification.job_id.in_([item.job_id for item in claimed])
            )
        )
    )
    stored = 0
    for item, result in zip(claimed, results, strict=True):
        ticket = tickets.get(item.ticket_id)
        if ticket is None:
            continue  # deleted while it was being classified
        if ticket.triage_job_id is None:
            ticket.triage_job_id = item.job_id
        current = ticket.triage_job_id == item.job_id
        if item.job_id not in stored_jobs:
            services.record_history(ticket, result, item.job_id)
            services.apply_result(ticket, result)  # applied even when superseded (newer text)
            stored += 1
        if current:  # else a newer job (the text changed) owns the status and the claim
            ticket.triage_status = TriageStatus.DONE
            ticket.triage_error = result.error
            release(ticket)
    db.session.flush()
    return stored


def release(ticket: Ticket) -> None:
    ticket.triage_claimed_by = None
    ticket.triage_lease_until = None


def fail(ticket_id: int, job_id: str, error: str) -> None:
    """Storing this ticket's answer broke: ``failed`` with why, retried after a pause that
    grows with its attempts (until ``TRIAGE_MAX_ATTEMPTS``); flushes."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.triage_job_id not in (None, job_id):
        return
    ticket.triage_status = TriageStatus.FAILED
    ticket.triage_error = error[:1000]
    ticket.triage_claimed_by = None
    pause = float(current_app.config["TRIAGE_RETRY_SECONDS"]) * max(1, ticket.triage_attempts)
    ticket.triage_lease_until = utcnow() + timedelta(seconds=pause)
    db.session.flush()


def batch_plan(classifier) -> tuple[int, float]:
    """How many tickets one claim takes and for how long: many at once for the local
    classifier (thousands a second), one at a time with a lease covering every retry for a
    remote one."""
    cfg = current_app.config
    if classifier is fallback.classify:
        return max(1, int(cfg["TRIAGE_BATCH_SIZE"])), float(cfg["TRIAGE_LEASE_SECONDS"])
    return 1, float(job_lease_seconds())


def job_lease_seconds() -> int:
    """Seconds one remote triage may take: every attempt timing out plus every backoff."""
    cfg = current_app.config
    attempts = int(cfg["CLASSIFY_MAX_RETRIES"]) + 1
    per_attempt = float(cfg["CLASSIFY_TIMEOUT"]) + float(
        max(cfg["CLASSIFY_BACKOFF_MAX"], cfg["CLASSIFY_RETRY_AFTER_MAX"])
    )
    return int(attempts * per_attempt) + 60
