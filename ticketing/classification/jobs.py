"""Triage on the queue: the drain job, the bell that wakes it, and the after-save hook.

The ticket row is the record of the work (``claims``): saving a ticket marks it ``queued`` in
the same transaction; after the commit a bell rings (one de-duplicated ``drain_triage`` job
on RQ). A worker's drain job claims batches of waiting tickets from the database, classifies
them and stores the answers, until none is left. A lost bell (Redis flushed or down) loses
nothing: every worker looks at the database every ``WORKER_POLL_SECONDS`` and rings again.

Everything is idempotent: a run already stored under a job id is not stored twice, and the
job acts as ``Actor(type="triage", via="job")`` so the audit trail names triage as the author
of its changes.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ..core import events, jobs
from ..core.context import Actor, acting_as
from ..core.errors import DomainError, QueueUnavailable
from ..core.extensions import db
from ..core.vocab import ActorType, ClaudeState, TriageStatus, Via
from ..models import Classification, Ticket, utcnow
from ..tickets import vector_drain
from ..tickets import vectors as ticket_vectors
from . import claims, services
from .claims import IN_FLIGHT, new_job_id

log = logging.getLogger(__name__)

QUEUE = "classification"
TRIAGE_ACTOR = Actor(type=ActorType.TRIAGE, via=Via.JOB, label="triage")
#: Fields whose change means the ticket must be triaged again.
TRIAGE_INPUTS = frozenset({"subject", "body"})
#: ``events.save_options(triage=BATCH_MODE)``: triage through the Message Batches API.
BATCH_MODE = "batch"
#: A ticket waiting for the next batch submission (an import with ``triage="batch"``).
PENDING_PREFIX = "batch-p-"
SUBMIT_JOB_ID = "triage-batch-submit"
#: The bell's name: one drain job waits on the queue at a time (``jobs.ring``).
DRAIN_BELL = "triage-drain"


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
            started = services.begin_triage(
                ticket_id, job_id, claims.new_holder(), claims.job_lease_seconds()
            )
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
            vectors_after_triage([(ticket_id, started.subject, started.body)])
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
    """Seconds RQ lets a one-ticket triage job run: every attempt timing out plus backoff."""
    return claims.job_lease_seconds()


def mark_queued(ticket: Ticket) -> str:
    """Record on the row that the ticket waits for triage under a new job id (the caller's
    transaction commits it; the job is put on the queue after that)."""
    job_id = new_job_id(ticket.id)
    ticket.triage_job_id = job_id
    ticket.triage_status = TriageStatus.QUEUED
    ticket.triage_error = None
    ticket.triage_attempts = 0
    claims.release(ticket)  # any worker may claim it now
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
    if existing is not None and jobs.job_status(existing, refresh=False) == TriageStatus.QUEUED:
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


def ring(ticket_id: int | None = None) -> bool:
    """After a commit: wake a worker to drain waiting triage (raises QueueUnavailable). On
    RQ at most one drain job waits at a time; in-process the drain runs now, for
    ``ticket_id`` only (a request must not drain the whole backlog)."""
    return jobs.ring(
        QUEUE,
        drain_triage,
        DRAIN_BELL,
        hint=ticket_id,
        job_timeout=max(job_timeout(), int(current_app.config["TRIAGE_DRAIN_SECONDS"]) + 300),
        result_ttl=600,
        failure_ttl=7 * 86400,
        description="drain waiting triage",
    )


def drain_triage(only: int | None = None) -> dict:
    """The RQ job: claim batches of waiting tickets, classify, store, until none is left or
    ``TRIAGE_DRAIN_SECONDS`` have passed (then the bell rings again, so the other queues get
    their turn). A full batch rings the bell at once: another worker may help."""
    if only is None:
        jobs.answer_bell(DRAIN_BELL)  # work saved from now on rings a new drain
    holder = claims.new_holder()
    deadline = time.monotonic() + float(current_app.config["TRIAGE_DRAIN_SECONDS"])
    report = {"claimed": 0, "stored": 0}
    while True:
        classifier = services.get_classifier()
        size, lease = claims.batch_plan(classifier)
        batch = claims.claim(holder, size, lease, only)
        db.session.commit()
        if not batch:
            break
        report["claimed"] += len(batch)
        if only is None and len(batch) == size:
            _ring_quietly()
        stored = triage_batch(holder, batch, classifier)
        report["stored"] += stored
        if only is not None or not stored:
            break  # nothing stored: the database is in trouble, the retry waits its turn
        if time.monotonic() > deadline and jobs.state().is_async:
            _ring_quietly()
            break
    if report["claimed"]:
        log.info("triage drain %s: %s", holder, report)
    return report


def triage_batch(holder: str, batch: list[claims.Claimed], classifier) -> int:
    """Classify a claimed batch and store it in one transaction (commits). If that fails,
    each ticket is stored on its own and the ones that still fail are marked ``failed`` with
    why (retried later): one bad row cannot hold back the rest."""
    with acting_as(TRIAGE_ACTOR):
        results = claims.classify_claimed(batch, classifier)
        try:
            stored = claims.store(holder, batch, results)
            db.session.commit()
        except Exception:  # noqa: BLE001 - retried one by one below
            db.session.rollback()
            log.exception("triage: storing a batch of %s failed; storing one by one", len(batch))
            pairs = zip(batch, results, strict=True)
            stored = sum(_store_one(holder, item, result) for item, result in pairs)
    vectors_after_triage([(item.ticket_id, item.subject, item.body) for item in batch])
    for item, result in zip(batch, results, strict=True):
        log.info(
            "triage %s: ticket %s -> %s/%s by %s%s",
            item.job_id,
            item.ticket_id,
            result.category,
            result.priority,
            result.source,
            f" (error: {result.error})" if result.error else "",
        )
    return stored


def vectors_after_triage(items: list[tuple[int, str, str]]) -> None:
    """After triage stored: the vectors its classifier already computed (the learner on
    embeddings, the few-shot choice) are stored now — never computed twice; the rest is left
    to the vector drain on its lower-priority queue, rung here (in-process it runs now, for
    these tickets). A failure is logged and never fails the triage: a ticket without a vector
    is found again by the drain."""
    try:
        if ticket_vectors.fill(items, compute=False):
            db.session.commit()
    except Exception:  # noqa: BLE001 - the triage is stored; the drain embeds it later
        db.session.rollback()
        log.exception("triage: storing the vectors of %s ticket(s) failed", len(items))
    db.session.commit()  # no read transaction stays open while the drain runs (SQLite)
    vector_drain.ring_quietly([ticket_id for ticket_id, _s, _b in items])


def _store_one(holder: str, item: claims.Claimed, result) -> int:
    try:
        stored = claims.store(holder, [item], [result])
        db.session.commit()
        return stored
    except Exception as err:  # noqa: BLE001 - recorded on the row, retried later
        db.session.rollback()
        log.exception("triage %s: ticket %s could not be stored", item.job_id, item.ticket_id)
        claims.fail(item.ticket_id, item.job_id, f"{type(err).__name__}: {err}")
        db.session.commit()
        return 0


def _ring_quietly() -> None:
    """From a drain: ask another worker to help (on RQ only; in-process the drain goes on)."""
    if not jobs.state().is_async:
        return
    try:
        ring()
    except QueueUnavailable as err:
        log.warning("triage bell not rung (%s): the workers' poll finds the work", err.message)


@dataclass(frozen=True)
class Enqueued:
    """The job a classify request got: a new one, or the one already queued/running."""

    job_id: str
    ticket_id: int
    status: str
    created: bool


def enqueue_triage(ticket_id: int) -> Enqueued:
    """Queue triage for a ticket, or return the job already waiting or held for it.

    The ticket row is locked (``FOR UPDATE`` on PostgreSQL) while deciding, so two requests
    at once get the same job. The mark is committed before the bell rings.
    Raises NotFound for an unknown ticket, QueueUnavailable when the queue is down — the
    ticket then stays marked ``queued`` (committed), and a worker's poll finds it.
    """
    ticket = services.locked_ticket(ticket_id)
    if ticket is None:
        services.get_ticket(ticket_id)  # raises NotFound
    current = ticket.triage_job_id
    if current and ticket.triage_status in IN_FLIGHT and _held_or_waiting(ticket):
        status = ticket.triage_status
        db.session.commit()  # release the lock
        return Enqueued(current, ticket_id, status, created=False)
    job_id = mark_queued(ticket)
    db.session.commit()
    ring(ticket_id)  # QueueUnavailable: the row still says queued (a worker's poll finds it)
    db.session.expire_all()  # in-process mode the drain has already run: the row says how
    return Enqueued(job_id, ticket_id, _row_status(ticket_id, job_id), created=True)


def _held_or_waiting(ticket: Ticket) -> bool:
    """Whether the ticket's current job is still to come: waiting to be claimed, or claimed
    under a lease that has not run out (a dead holder's expired lease does not count). A
    ticket left to a Message Batches submission is not waiting for a worker."""
    if (ticket.triage_job_id or "").startswith(claims.BATCH_JOB_PREFIX):
        return False
    if ticket.triage_status == TriageStatus.QUEUED:
        return True
    lease = ticket.triage_lease_until
    return lease is not None and lease > utcnow()


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
    a worker's poll finds the row."""
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
    """After the commit: ring the bell. A queue outage loses nothing: the ticket stays
    ``queued`` and the workers' poll of the database finds it."""
    if change.notes.get("triage_batch"):
        ring_submit()
        return
    if not change.notes.get("triage_job"):
        return
    try:
        ring(change.id)
    except QueueUnavailable as err:
        log.warning("ticket %s saved; triage bell not rung yet: %s", change.id, err.message)


def ring_if_pending() -> int:
    """Ring the bell when the database holds triage a worker may claim (queued, a dead
    holder's expired lease, a failed run due for retry), whatever their number or age:
    the workers' poll and the upkeep run this, so no ticket waits forever for a result.
    Returns how many tickets are claimable."""
    claims.give_up_exhausted()
    waiting = claims.pending_count()
    db.session.commit()
    if waiting:
        ring()  # QueueUnavailable: the next poll tries again
    return waiting


def recover_stalled_triage() -> int:
    """Upkeep's task: ``ring_if_pending`` (kept under its old name for the report)."""
    try:
        return ring_if_pending()
    except QueueUnavailable as err:
        log.warning("triage waiting but the queue is down: %s", err.message)
        return 0


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
