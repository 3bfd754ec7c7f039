"""Triage on the queue: the job, enqueueing with de-duplication, and the after-save hook.

The job is idempotent: it reloads the ticket, skips a run this job already stored, records
``running`` / ``done`` / ``failed`` on the row, and acts as ``Actor(type="triage", via="job")``
so the audit trail names triage as the author of its changes.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from ..core import events, jobs
from ..core.context import Actor, acting_as
from ..core.errors import DomainError, QueueUnavailable
from ..core.extensions import db
from ..core.vocab import ActorType, ClaudeState, TriageStatus, Via
from ..models import Classification, Ticket, utcnow
from . import services

log = logging.getLogger(__name__)

QUEUE = "classification"
TRIAGE_ACTOR = Actor(type=ActorType.TRIAGE, via=Via.JOB, label="triage")
IN_FLIGHT = (TriageStatus.QUEUED.value, TriageStatus.RUNNING.value)
#: Fields whose change means the ticket must be triaged again.
TRIAGE_INPUTS = frozenset({"subject", "body"})
#: ``events.save_options(triage=BATCH_MODE)``: triage through the Message Batches API.
BATCH_MODE = "batch"
#: Job ids of tickets waiting in (or for) a Message Batches submission: upkeep leaves them to
#: the batch poller.
BATCH_JOB_PREFIX = "batch-"
#: A ticket waiting for the next batch submission (an import with ``triage="batch"``).
PENDING_PREFIX = "batch-p-"
SUBMIT_JOB_ID = "triage-batch-submit"


def triage_ticket(ticket_id: int, job_id: str | None = None) -> Classification | None:
    """One whole triage run, committing at each step (the job's and the CLI's body).

    1. mark ``running`` and commit, so pollers see it; 2. classify with no transaction open
    (a Claude call may take seconds); 3. lock the row, store the history row, apply the
    answer, mark ``done``, commit. If storing fails the row is marked ``failed`` with why.
    """
    if job_id:
        done = services.run_for_job(job_id)
        if done is not None:
            log.info("triage %s: already stored as run %s; nothing to do", job_id, done.id)
            return done
    with acting_as(TRIAGE_ACTOR):
        try:
            started = services.begin_triage(ticket_id, job_id)
            if started is None:
                db.session.commit()
                log.info("triage %s: ticket %s no longer exists", job_id, ticket_id)
                return None
            classifier = services.get_classifier()
            hints = services.hints_for(
                classifier, started.subject, started.body, started.language, ticket_id
            )
            db.session.commit()  # nothing stays open during the classifier's call
            result = services.classify_safely(classifier, started.subject, started.body, hints)
            row = services.finish_triage(ticket_id, result, job_id)
            db.session.commit()
        except Exception as err:
            db.session.rollback()
            log.exception("triage %s: ticket %s failed", job_id, ticket_id)
            services.fail_triage(ticket_id, job_id, f"{type(err).__name__}: {err}")
            db.session.commit()
            raise
    if row is not None:
        log.info(
            "triage %s: ticket %s -> %s/%s by %s%s",
            job_id,
            ticket_id,
            result.category,
            result.priority,
            result.source,
            f" (error: {result.error})" if result.error else "",
        )
    return row


def run_triage(ticket_id: int, job_id: str | None = None) -> dict | None:
    """The RQ job: triage ``ticket_id``; returns a small summary (kept as the job's result)."""
    row = triage_ticket(ticket_id, job_id)
    if row is None:
        return None
    return {"classification_id": row.id, "source": row.source, "error": row.error}


def job_timeout() -> int:
    """Seconds RQ lets a triage job run: every attempt timing out plus every backoff."""
    cfg = current_app.config
    attempts = int(cfg["CLASSIFY_MAX_RETRIES"]) + 1
    per_attempt = float(cfg["CLASSIFY_TIMEOUT"]) + float(
        max(cfg["CLASSIFY_BACKOFF_MAX"], cfg["CLASSIFY_RETRY_AFTER_MAX"])
    )
    return int(attempts * per_attempt) + 60


def new_job_id(ticket_id: int | None) -> str:
    """``triage-<ticket>-<random>``; a ticket not yet flushed has no id to name."""
    if ticket_id is None:
        return f"triage-{uuid.uuid4().hex[:20]}"
    return f"triage-{ticket_id}-{uuid.uuid4().hex[:12]}"


def mark_queued(ticket: Ticket) -> str:
    """Record on the row that the ticket waits for triage under a new job id (the caller's
    transaction commits it; the job is put on the queue after that)."""
    job_id = new_job_id(ticket.id)
    ticket.triage_job_id = job_id
    ticket.triage_status = TriageStatus.QUEUED
    ticket.triage_error = None
    return job_id


def mark_pending(ticket: Ticket) -> bool:
    """In a saving transaction: the ticket waits for the next batch submission."""
    ticket.triage_status = TriageStatus.QUEUED
    ticket.triage_job_id = f"{PENDING_PREFIX}{uuid.uuid4().hex[:16]}"
    ticket.triage_error = None
    return True


def ring_submit() -> None:
    """After a commit: ask a worker to submit the pending tickets as one batch (a queued
    submission picks up every pending ticket, so one is enough)."""
    existing = jobs.fetch_job(SUBMIT_JOB_ID)
    if existing is not None and jobs.job_status(existing) == TriageStatus.QUEUED:
        return
    try:
        # By name: batches imports this module, not the other way round.
        jobs.enqueue(
            QUEUE,
            "ticketing.classification.batches.submit_pending",
            job_id=SUBMIT_JOB_ID,
            description="submit pending triage as a batch",
        )
    except QueueUnavailable as err:  # the rows say pending: upkeep submits them later
        log.warning("batch submission not queued yet: %s", err.message)


def _put_on_queue(ticket_id: int, job_id: str) -> None:
    """Ring the bell for a ticket already marked queued (raises QueueUnavailable)."""
    jobs.enqueue(
        QUEUE,
        run_triage,
        ticket_id,
        job_id,
        job_id=job_id,
        job_timeout=job_timeout(),
        description=f"triage ticket {ticket_id}",
    )


@dataclass(frozen=True)
class Enqueued:
    """The job a classify request got: a new one, or the one already queued/running."""

    job_id: str
    ticket_id: int
    status: str
    created: bool


def _live_job_status(job_id: str) -> str | None:
    """queued/running when RQ still holds the job in flight, else None."""
    job = jobs.fetch_job(job_id)
    if job is None:
        return None
    status = jobs.job_status(job)
    return status if status in IN_FLIGHT else None


def enqueue_triage(ticket_id: int) -> Enqueued:
    """Queue triage for a ticket, or return the job already queued or running for it.

    The ticket row is locked (``FOR UPDATE`` on PostgreSQL) while deciding, so two requests
    at once get the same job. The new job id is committed on the row *before* the job is put
    on the queue (a worker must find it).
    Raises NotFound for an unknown ticket, QueueUnavailable when the queue is down — the
    ticket then stays marked ``queued`` (committed), and upkeep queues it once Redis is back.
    """
    ticket = services.locked_ticket(ticket_id)
    if ticket is None:
        services.get_ticket(ticket_id)  # raises NotFound
    current = ticket.triage_job_id
    if current and ticket.triage_status in IN_FLIGHT:
        status = _live_job_status(current)
        if status in IN_FLIGHT:
            db.session.commit()  # release the lock
            return Enqueued(current, ticket_id, status, created=False)
    job_id = mark_queued(ticket)
    db.session.commit()
    _put_on_queue(ticket_id, job_id)  # QueueUnavailable: the row still says queued (upkeep)
    # In embedded mode the job has already run; the row says how it ended.
    db.session.expire_all()
    status = _live_job_status(job_id) or _row_status(ticket_id, job_id)
    return Enqueued(job_id, ticket_id, status, created=True)


def _row_status(ticket_id: int, job_id: str) -> str:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is not None and ticket.triage_job_id == job_id and ticket.triage_status:
        return ticket.triage_status
    if services.run_for_job(job_id) is not None:
        return TriageStatus.DONE.value
    return TriageStatus.QUEUED.value


def on_ticket_saving(app, change: events.Change) -> None:
    """In the saving transaction: a new ticket, or one whose subject/body changed, gets its
    language detected and is marked as waiting for triage (``AUTO_CLASSIFY``;
    ``save_options(triage=False)`` opts out, ``triage="batch"`` leaves it for a Message
    Batches submission). The mark is the record of the work: if the bell below is lost,
    upkeep finds the row."""
    if app is None or not (change.created or change.fields & TRIAGE_INPUTS):
        return
    ticket = change.obj
    ticket.language = services.detect_language(ticket.subject, ticket.body, app)
    mode = events.option("triage", True)
    if not app.config["AUTO_CLASSIFY"] or not mode:
        return
    if mode == BATCH_MODE:
        change.notes["triage_batch"] = mark_pending(ticket)
        return
    change.notes["triage_job"] = mark_queued(ticket)


def on_ticket_saved(app, change: events.Saved) -> None:
    """After the commit: put the triage job on the queue. A queue outage loses nothing: the
    ticket stays ``queued`` and ``recover_stalled_triage`` queues it again later."""
    if change.notes.get("triage_batch"):
        ring_submit()
        return
    job_id = change.notes.get("triage_job")
    if not job_id:
        return
    try:
        _put_on_queue(change.id, job_id)
    except QueueUnavailable as err:
        log.warning("ticket %s saved; triage not queued yet: %s", change.id, err.message)


def recover_stalled_triage(older_than_seconds: float | None = None, limit: int = 500) -> int:
    """Queue triage again for tickets whose job died (a worker killed mid-job, a queue flushed).

    Such a ticket says ``queued``/``running`` but RQ no longer holds its job in flight, and the
    row has not changed for ``TRIAGE_STALE_SECONDS``. Run by the worker's scheduled upkeep, so
    no ticket waits forever for a result. Returns how many were queued again.
    """
    seconds = older_than_seconds
    if seconds is None:
        seconds = float(current_app.config["TRIAGE_STALE_SECONDS"])
    cutoff = utcnow() - timedelta(seconds=seconds)
    rows = db.session.execute(
        select(Ticket.id, Ticket.triage_job_id)
        .where(Ticket.triage_status.in_(IN_FLIGHT), Ticket.updated_at < cutoff)
        .where(~func.coalesce(Ticket.triage_job_id, "").startswith(BATCH_JOB_PREFIX))
        .order_by(Ticket.id)
        .limit(limit)
    ).all()
    db.session.commit()
    requeued = 0
    for ticket_id, job_id in rows:
        if job_id and _live_job_status(job_id) is not None:
            continue  # still waiting or working: a long queue is not a dead job
        try:
            enqueue_triage(ticket_id)
        except DomainError as err:  # the ticket vanished or the queue is down: next round
            db.session.rollback()
            log.warning("stalled triage for ticket %s not requeued: %s", ticket_id, err.message)
            continue
        requeued += 1
    if requeued:
        log.info("requeued %s stalled triage job(s)", requeued)
    return requeued


def retriage_after_fault(limit: int = 500) -> int:
    """Triage again with Claude the tickets the fallback answered because of a configuration
    fault (their ``triage_error`` says so): the fallback's answer kept them usable meanwhile,
    Claude's was only delayed. Upkeep runs this each round. While the fault is still recorded
    one such ticket is tried as a probe (a refused request costs nothing): if the set-up has
    been fixed, the fault clears and the next round re-queues the rest. Nothing happens without
    a key or when the budget is spent."""
    from .claude import CONFIG_FAULT

    app = current_app._get_current_object()
    state = services.status.claude_state(app)
    if state["status"] not in (ClaudeState.OK, ClaudeState.FAULT):
        return 0
    ids = list(
        db.session.scalars(
            select(Ticket.id)
            .where(
                Ticket.triage_status == TriageStatus.DONE,
                Ticket.triage_error.startswith(f"{CONFIG_FAULT}:"),
            )
            .order_by(Ticket.id)
            .limit(1 if state["status"] == ClaudeState.FAULT else limit)
        )
    )
    db.session.commit()
    queued = 0
    for ticket_id in ids:
        try:
            enqueue_triage(ticket_id)
        except DomainError as err:
            db.session.rollback()
            log.warning("ticket %s not re-queued after the fault: %s", ticket_id, err.message)
            break
        queued += 1
    if queued:
        log.info("re-queued %s ticket(s) answered by the fallback during a fault", queued)
    return queued
