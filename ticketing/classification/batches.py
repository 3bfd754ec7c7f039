"""Bulk triage through the Message Batches API (half the price; results within 24 hours).

The database is the record of the work:

1. **Submit** (``submit_batch``): a ``triage_batches`` row (``submitting``) and one
   ``triage_batch_items`` row per ticket are committed, each ticket marked ``queued`` with the
   item's ``custom_id`` (``batch-<batch>-<ticket>``) as its triage job id, *before* the API is
   called; then the requests go out (the same prompt, redaction and strict tool as a live
   call) and the row becomes ``in_progress`` with the API's batch id. If the API refuses the
   batch, the row is ``failed`` and every ticket is queued for ordinary triage instead, so no
   ticket waits for a batch that does not exist.
2. **Poll** (``poll_batch``, a job run after submission that schedules itself again every
   ``CLAUDE_BATCH_POLL_SECONDS`` while the batch is processing; upkeep also polls every open
   batch each round; ``flask tickets batches --poll``): once the API says ``ended``, every
   result is applied like a triage run with ``job_id = custom_id``: a run already stored for
   that id is skipped, so applying twice changes nothing. An errored, expired or unusable
   result, and a ticket missing from the results, get the fallback's answer with the reason.
   A ticket edited since submission keeps the newer run's answer (the batch's is only kept in
   the history).
3. **Recover** (upkeep): a batch left ``submitting`` by a crash is failed and its tickets queued
   one by one; tickets marked for a batch by an import (``triage="batch"``) are submitted by
   ``submit_pending`` (rung after the import's commit, and every upkeep round).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..core import jobs as queue
from ..core.context import acting_as
from ..core.errors import Conflict, DomainError, NotFound
from ..core.extensions import db
from ..core.pagination import Page, paginate
from ..core.vocab import BatchStatus, TriageStatus
from ..models import Ticket, TriageBatch, TriageBatchItem, utcnow
from . import services, status
from .jobs import PENDING_PREFIX, TRIAGE_ACTOR, enqueue_triage
from .result import Hints, TriageResult

log = logging.getLogger(__name__)

QUEUE = "classification"
#: A batch still ``submitting`` after this long was abandoned by a crashed process.
SUBMITTING_STALE = timedelta(minutes=10)
#: Results applied per commit.
APPLY_CHUNK = 100


class BatchUnavailable(Conflict):
    """Bulk triage through Claude cannot run here (no key, budget spent)."""

    code = "batch_unavailable"


def custom_id(batch_id: int, ticket_id: int) -> str:
    return f"batch-{batch_id}-{ticket_id}"


def _classifier():
    from .claude import ClaudeClassifier

    return ClaudeClassifier.from_app(
        current_app._get_current_object(), faults=status.ClaudeFaults()
    )


def check_available() -> None:
    """Raise BatchUnavailable when batches cannot be used now (no key, budget spent)."""
    app = current_app
    if not app.config.get("ANTHROPIC_API_KEY"):
        raise BatchUnavailable("Bulk triage through Claude needs ANTHROPIC_API_KEY.")
    spent = status.budget_exhausted(app)
    if spent is not None:
        raise BatchUnavailable(
            f"Claude's monthly budget (${spent['monthly_usd']:.2f}) is spent until "
            f"{spent['resets_at'][:10]}."
        )


def _requests(batch: TriageBatch, tickets: list[Ticket], classifier) -> list[dict[str, Any]]:
    requests = []
    for ticket in tickets:
        cid = custom_id(batch.id, ticket.id)
        db.session.add(TriageBatchItem(batch_id=batch.id, ticket_id=ticket.id, custom_id=cid))
        ticket.triage_status = TriageStatus.QUEUED
        ticket.triage_job_id = cid
        ticket.triage_error = None
        if not ticket.language:
            ticket.language = services.detect_language(ticket.subject, ticket.body)
        hints = Hints(
            language=ticket.language,
            examples=services.nearest_examples(ticket.subject, ticket.body, ticket.id),
        )
        requests.append(
            {"custom_id": cid, "params": classifier.params(ticket.subject, ticket.body, hints)}
        )
    return requests


def submit_batch(ticket_ids: list[int]) -> TriageBatch | None:
    """Submit triage for these tickets as one batch (commits). Returns the batch row, whose
    status says whether the API took it (``in_progress``) or not (``failed``: the tickets were
    queued one by one). None when none of the tickets exists. Raises BatchUnavailable."""
    check_available()
    tickets = list(
        db.session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id))
    )
    if not tickets:
        return None
    classifier = _classifier()
    batch = TriageBatch(
        status=BatchStatus.SUBMITTING, model=classifier.model, request_count=len(tickets)
    )
    db.session.add(batch)
    db.session.flush()
    requests = _requests(batch, tickets, classifier)
    db.session.commit()  # the record of the work, before the API hears of it
    try:
        created = classifier.client.messages.batches.create(requests=requests, timeout=60.0)
    except Exception as err:  # noqa: BLE001 - any refusal: the tickets go one by one
        _refused(batch, err)
        return batch
    classifier.faults.clear()
    batch.provider_id = created.id
    batch.status = BatchStatus.IN_PROGRESS
    batch.submitted_at = utcnow()
    db.session.commit()
    log.info("batch %s: submitted %s request(s) as %s", batch.id, len(requests), created.id)
    _ring_poll(batch.id)
    return batch


def _refused(batch: TriageBatch, err: Exception) -> None:
    from .claude import CONFIG_FAULT_STATUSES, describe_error, error_type

    text = describe_error(err)
    code = getattr(err, "status_code", None)
    if code in CONFIG_FAULT_STATUSES:
        status.ClaudeFaults().record(code, error_type(err), text)
    db.session.rollback()
    batch = db.session.get(TriageBatch, batch.id)
    batch.status = BatchStatus.FAILED
    batch.error = text
    ids = [item.ticket_id for item in _items(batch.id)]
    db.session.commit()
    log.warning("batch %s refused (%s); %s ticket(s) queued one by one", batch.id, text, len(ids))
    _one_by_one(ids)


def _one_by_one(ticket_ids: list[int]) -> None:
    for ticket_id in ticket_ids:
        try:
            enqueue_triage(ticket_id)
        except DomainError as err:  # queue down: the row says queued, upkeep requeues it
            db.session.rollback()
            log.warning("ticket %s not queued: %s", ticket_id, err.message)


def _ring_poll(batch_id: int) -> None:
    try:
        queue.enqueue(QUEUE, poll_batch, batch_id, description=f"poll triage batch {batch_id}")
    except DomainError as err:
        log.warning("batch %s: poll not queued (%s); upkeep polls it", batch_id, err.message)


def _poll_later(batch_id: int) -> None:
    """Look again in ``CLAUDE_BATCH_POLL_SECONDS`` (the upkeep polls too, in case this is lost)."""
    seconds = float(current_app.config["CLAUDE_BATCH_POLL_SECONDS"])
    try:
        queue.enqueue_later(
            QUEUE, seconds, poll_batch, batch_id, description=f"poll triage batch {batch_id}"
        )
    except DomainError as err:
        log.warning(
            "batch %s: next poll not scheduled (%s); upkeep polls it", batch_id, err.message
        )


def _items(batch_id: int) -> list[TriageBatchItem]:
    return list(
        db.session.scalars(
            select(TriageBatchItem)
            .where(TriageBatchItem.batch_id == batch_id)
            .order_by(TriageBatchItem.id)
        )
    )


def submit_pending(limit: int | None = None) -> dict[str, Any]:
    """Submit every ticket marked for a batch (by an import) as one batch per
    ``CLAUDE_BATCH_MAX``; without a key or budget they are queued one by one."""
    limit = limit or int(current_app.config["CLAUDE_BATCH_MAX"])
    ids = list(
        db.session.scalars(
            select(Ticket.id)
            .where(
                Ticket.triage_status == TriageStatus.QUEUED,
                Ticket.triage_job_id.startswith(PENDING_PREFIX),
            )
            .order_by(Ticket.id)
            .limit(limit)
        )
    )
    db.session.commit()
    if not ids:
        return {"submitted": 0}
    with acting_as(TRIAGE_ACTOR):
        try:
            batch = submit_batch(ids)
        except BatchUnavailable as err:
            log.info("pending batch tickets triaged one by one: %s", err.message)
            _one_by_one(ids)
            return {"submitted": 0, "one_by_one": len(ids)}
    return {"submitted": len(ids), "batch": batch.id if batch else None}


# ---------------------------------------------------------------------- results
def _result_for(classifier, ticket: Ticket, entry: Any) -> TriageResult:
    """The triage an individual batch result gives (Claude's, or the fallback's and why)."""
    from .claude import ClaudeOutputError

    hints = Hints(language=ticket.language)
    kind = getattr(entry.result, "type", None)
    if kind == "succeeded":
        # The same text redacts to the same placeholders: they are restored from it.
        redactor = classifier.redactor()
        redactor.redact((ticket.subject or "")[:300])
        redactor.redact((ticket.body or "")[:8000])
        try:
            result = classifier.result_from_message(
                entry.result.message, ticket.subject, ticket.body, redactor, hints, batch=True
            )
            result.attempts = 1
            return result
        except ClaudeOutputError as err:
            error = f"unusable answer: {err}"
            message = entry.result.message
            usage = getattr(message, "usage", None)
            fallback = classifier.fallback_result(ticket.subject, ticket.body, hints, error)
            fallback.input_tokens = getattr(usage, "input_tokens", None)
            fallback.output_tokens = getattr(usage, "output_tokens", None)
            fallback.cost_usd = classifier.pricing.cost(
                classifier.model,
                fallback.input_tokens or 0,
                fallback.output_tokens or 0,
                batch=True,
            )
            return fallback
    detail = getattr(getattr(entry.result, "error", None), "error", None)
    reason = f"batch request {kind}" + (f": {detail.message}" if detail is not None else "")
    return classifier.fallback_result(ticket.subject, ticket.body, hints, reason[:1000])


def _apply(batch: TriageBatch, cid: str, ticket_id: int, make_result) -> bool:
    """Store one ticket's answer unless this custom_id already has a run. True if stored."""
    if services.run_for_job(cid) is not None:
        return False
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return False
    result = make_result(ticket)
    row = services.finish_triage(
        ticket_id, result, cid, batch_id=batch.id, apply_if_superseded=False
    )
    return row is not None


def poll_batch(batch_id: int) -> dict[str, Any]:
    """The job: check the batch; once it has ended, apply every result (idempotent)."""
    batch = db.session.get(TriageBatch, batch_id)
    if batch is None or batch.status != BatchStatus.IN_PROGRESS or not batch.provider_id:
        db.session.rollback()
        return {"batch": batch_id, "status": batch.status if batch else None}
    classifier = _classifier()
    remote = classifier.client.messages.batches.retrieve(batch.provider_id, timeout=60.0)
    counts = remote.request_counts
    batch.polled_at = utcnow()
    batch.succeeded = int(counts.succeeded)
    batch.errored = int(counts.errored + counts.expired + counts.canceled)
    if remote.processing_status != "ended":
        db.session.commit()
        _poll_later(batch_id)
        return {"batch": batch_id, "status": batch.status, "processing": remote.processing_status}
    batch.ended_at = remote.ended_at or utcnow()
    db.session.commit()
    items = {item.custom_id: item.ticket_id for item in _items(batch_id)}
    applied = 0
    with acting_as(TRIAGE_ACTOR):
        for n, entry in enumerate(
            classifier.client.messages.batches.results(batch.provider_id, timeout=300.0), 1
        ):
            ticket_id = items.pop(entry.custom_id, None)
            if ticket_id is None:
                continue  # not one of ours (or already seen)
            applied += _apply(
                batch,
                entry.custom_id,
                ticket_id,
                lambda ticket, entry=entry: _result_for(classifier, ticket, entry),
            )
            if n % APPLY_CHUNK == 0:
                db.session.commit()
        for cid, ticket_id in items.items():  # asked for, never answered
            applied += _apply(
                batch,
                cid,
                ticket_id,
                lambda ticket: classifier.fallback_result(
                    ticket.subject,
                    ticket.body,
                    Hints(language=ticket.language),
                    "batch request missing from the results",
                ),
            )
        batch = db.session.get(TriageBatch, batch_id)
        batch.applied = (batch.applied or 0) + applied
        batch.status = BatchStatus.APPLIED
        batch.applied_at = utcnow()
        db.session.commit()
    log.info("batch %s: %s result(s) applied", batch_id, applied)
    return {"batch": batch_id, "status": batch.status, "applied": applied}


# ---------------------------------------------------------------------- upkeep, reading
def upkeep() -> dict[str, Any]:
    """Every round: fail batches a crash left ``submitting``, poll the open ones, submit
    tickets still marked for a batch."""
    cutoff = utcnow() - SUBMITTING_STALE
    stale = list(
        db.session.scalars(
            select(TriageBatch).where(
                TriageBatch.status == BatchStatus.SUBMITTING, TriageBatch.created_at < cutoff
            )
        )
    )
    for batch in stale:
        _refused(batch, RuntimeError("the submitting process stopped before the API answered"))
    open_ids = list(
        db.session.scalars(
            select(TriageBatch.id).where(TriageBatch.status == BatchStatus.IN_PROGRESS)
        )
    )
    db.session.commit()
    polled = 0
    for batch_id in open_ids:
        try:
            poll_batch(batch_id)
            polled += 1
        except Exception as err:  # noqa: BLE001 - the API may be down: next round
            db.session.rollback()
            log.warning("batch %s not polled: %s: %s", batch_id, type(err).__name__, err)
    pending = {"submitted": 0}
    if current_app.config.get("AUTO_CLASSIFY"):
        pending = submit_pending()
    return {"recovered": len(stale), "polled": polled, **pending}


def open_count() -> int:
    return len(
        db.session.scalars(
            select(TriageBatch.id).where(
                TriageBatch.status.in_((BatchStatus.SUBMITTING, BatchStatus.IN_PROGRESS))
            )
        ).all()
    )


def list_batches(page: int, per_page: int) -> Page:
    return paginate(select(TriageBatch).order_by(TriageBatch.id.desc()), page, per_page)


def get_batch(batch_id: int) -> TriageBatch:
    batch = db.session.get(TriageBatch, batch_id)
    if batch is None:
        raise NotFound(f"Batch {batch_id}")
    return batch
