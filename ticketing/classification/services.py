"""Triage rules: which classifier runs, live suggestions, and applying a result to a ticket.

Services flush; the caller (the job, a route, the CLI) commits. A triage run is three steps
(``begin_triage`` → ``classify_safely`` → ``finish_triage``, see ``jobs.triage_ticket``) so the
classifier is called with no transaction open and the row is locked only to apply the answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import bindparam, func, select, update

from ..core.extensions import db
from ..core.pagination import Page, paginate
from ..core.vocab import Source, TriageSource, TriageStatus
from ..models import Classification, Ticket, utcnow
from ..tickets.services import get_ticket
from . import fallback, language, learning, status
from .examples import Example, example_source
from .result import Hints, TriageResult

log = logging.getLogger(__name__)

Classifier = Callable[..., TriageResult]
OVERRIDE_KEY = "classifier_override"
#: Ticket fields a triage run always refreshes; category/priority only when not manual.
REFRESHED_FIELDS = ("sentiment", "urgency_score", "confidence", "explanation", "suggested_title")


def set_classifier(app: Flask, classifier: Classifier | None) -> None:
    """Use ``classifier`` for every triage in ``app`` (tests, tools); ``None`` restores config."""
    if classifier is None:
        app.extensions.pop(OVERRIDE_KEY, None)
    else:
        app.extensions[OVERRIDE_KEY] = classifier


def get_classifier(app: Flask | None = None, *, live: bool = False) -> Classifier:
    """The classifier config chooses: Claude when ``ANTHROPIC_API_KEY`` is set (and this
    month's ``CLAUDE_MONTHLY_BUDGET`` is not spent), else the fallback.

    ``live`` is for a person waiting (the create form): one attempt with the short
    ``CLASSIFY_SUGGEST_TIMEOUT`` instead of the job's retries.
    """
    app = app or current_app._get_current_object()
    override = app.extensions.get(OVERRIDE_KEY)
    if override is not None:
        return override
    if not app.config.get("ANTHROPIC_API_KEY"):
        return learning.local_classifier(app)
    spent = status.budget_exhausted(app)
    if spent is not None:
        return over_budget(spent, learning.local_classifier(app))
    from .claude import ClaudeClassifier

    faults = status.ClaudeFaults()
    if live:
        return ClaudeClassifier.from_app(
            app, timeout=app.config["CLASSIFY_SUGGEST_TIMEOUT"], max_attempts=1, faults=faults
        ).classify
    return ClaudeClassifier.from_app(app, faults=faults).classify


def over_budget(budget: dict, local: Classifier = fallback.classify) -> Classifier:
    """The local path, saying on each result that Claude's monthly budget is spent."""
    reason = (
        f"Claude's monthly budget (${budget['monthly_usd']:.2f}) is spent; the local "
        f"classifier answers until {budget['resets_at'][:10]}"
    )

    def classify(subject: str, body: str, hints=None) -> TriageResult:
        result = local(subject, body, language=getattr(hints, "language", None))
        result.error = reason
        return result

    classify.takes_hints = True  # type: ignore[attr-defined]
    return classify


def detect_language(subject: str | None, body: str | None, app: Flask | None = None) -> str:
    """The text's ISO 639-1 language, detected locally (``LANGUAGES``, ``LANGUAGE_DEFAULT``)."""
    app = app or current_app._get_current_object()
    return language.detector(app).detect(language.ticket_text(subject, body))


def warm_up(app: Flask) -> None:
    """Build the local classifier's tables, load every language model and import the Claude
    client (the anthropic SDK takes seconds) now, so the first requests of a process — or
    every work horse a worker forks — don't each pay for it (lingua loads models lazily)."""
    from . import claude  # noqa: F401 - imported for its side effect: loaded once

    fallback.warm_up()
    language.detector(app).warm_up()


def warm_up_embeddings(app: Flask) -> None:
    """Load the embedding model (when installed). The worker does it before forking its work
    horses (they leave with ``os._exit``); gunicorn does it in each web worker after the fork
    (``post_worker_init``), never in the master: an ONNX session inherited through a fork
    aborts the process that exits normally ("terminate called … std::system_error")."""
    from ..core import embeddings

    embedder = embeddings.get(app)  # the ONNX session (one thread: safe across a fork)
    if embedder is not None:
        embedder.embed(["warm-up"])


def fill_missing_languages(limit: int = 2000) -> int:
    """Detect the language of tickets that have none (written before detection existed, or by
    a bulk insert such as the seeder), ``limit`` per call; commits. Upkeep runs it each round.
    ``updated_at`` is kept: nobody changed these tickets."""
    app = current_app._get_current_object()
    rows = db.session.execute(
        select(Ticket.id, Ticket.subject, func.substr(Ticket.body, 1, 2000))
        .where(Ticket.language.is_(None))
        .order_by(Ticket.id)
        .limit(limit)
    ).all()
    if not rows:
        db.session.commit()
        return 0
    params = [
        {"tid": tid, "lang": detect_language(subject, body, app)} for tid, subject, body in rows
    ]
    stmt = (
        update(Ticket.__table__)
        .where(Ticket.__table__.c.id == bindparam("tid"))
        .values(language=bindparam("lang"), updated_at=Ticket.__table__.c.updated_at)
    )
    db.session.execute(stmt, params)
    db.session.commit()
    log.info("detected the language of %s ticket(s)", len(params))
    return len(params)


def nearest_examples(
    subject: str, body: str, exclude_id: int | None = None, app: Flask | None = None
) -> tuple[Example, ...]:
    """The team's corrected tickets nearest to this text (``CLAUDE_EXAMPLES`` of them)."""
    app = app or current_app._get_current_object()
    k = int(app.config["CLAUDE_EXAMPLES"])
    if k <= 0:
        return ()
    return tuple(example_source(app).nearest(subject, body, k, exclude_id))


def hints_for(
    classifier: Classifier, subject: str, body: str, lang: str | None, ticket_id: int | None
):
    """What the classifier gets besides the text: the language, and for Claude the examples."""
    if not getattr(classifier, "takes_hints", False):
        return None
    examples: tuple[Example, ...] = ()
    if getattr(classifier, "wants_examples", False):
        examples = nearest_examples(subject, body, ticket_id)
    return Hints(language=lang, examples=examples)


def classify_safely(classifier: Classifier, subject: str, body: str, hints=None) -> TriageResult:
    """Run ``classifier``; if it raises (a bug, an unexpected error), the fallback answers.

    The failure is kept in ``error`` so a ticket is never left without a result.
    """
    lang = getattr(hints, "language", None)
    try:
        if getattr(classifier, "takes_hints", False):
            result = classifier(subject, body, hints=hints)
        elif classifier is fallback.classify:
            result = classifier(subject, body, language=lang)
        else:
            result = classifier(subject, body)
    except Exception as err:  # noqa: BLE001 - any failure must still yield a triage
        log.exception("classifier failed; using the local fallback")
        result = fallback.classify(subject, body, language=lang)
        result.error = f"classifier failed: {type(err).__name__}: {err}"[:1000]
    if result.language is None:
        result.language = lang
    return result


LIVE_SLOTS_KEY = "classification_live_slots"
_slots_lock = threading.Lock()
BUSY = "Claude is busy with other suggestions: the local classifier answered"


def live_slots(app: Flask) -> threading.BoundedSemaphore:
    """This process's slots for live Claude calls (``CLAUDE_LIVE_CONCURRENCY``)."""
    slots = app.extensions.get(LIVE_SLOTS_KEY)
    if slots is None:
        with _slots_lock:
            slots = app.extensions.get(LIVE_SLOTS_KEY)
            if slots is None:
                size = max(1, int(app.config["CLAUDE_LIVE_CONCURRENCY"]))
                slots = app.extensions[LIVE_SLOTS_KEY] = threading.BoundedSemaphore(size)
    return slots


def _is_remote(classifier: Classifier) -> bool:
    from .claude import ClaudeClassifier

    return isinstance(getattr(classifier, "__self__", None), ClaudeClassifier)


def suggest(subject: str | None, body: str) -> TriageResult:
    """A live suggestion for the create form: short timeout, falls back rather than fails.

    A web thread never waits for a Claude slot: with ``CLAUDE_LIVE_CONCURRENCY`` calls
    already in flight in this process (or the circuit breaker open), the local classifier
    answers at once."""
    app = current_app._get_current_object()
    classifier = get_classifier(live=True)
    lang = detect_language(subject, body)
    db.session.commit()  # no transaction stays open during the call
    if not _is_remote(classifier):
        hints = hints_for(classifier, subject or "", body, lang, None)
        db.session.commit()
        return classify_safely(classifier, subject or "", body, hints)
    slots = live_slots(app)
    if not slots.acquire(blocking=False):
        result = learning.local_classifier(app)(subject or "", body, language=lang)
        result.error = BUSY
        result.language = result.language or lang
        return result
    try:
        hints = hints_for(classifier, subject or "", body, lang, None)
        db.session.commit()
        return classify_safely(classifier, subject or "", body, hints)
    finally:
        slots.release()


# ---------------------------------------------------------------------- triage runs
@dataclass(frozen=True)
class TriageInput:
    ticket_id: int
    subject: str
    body: str
    language: str | None = None


def begin_triage(
    ticket_id: int, job_id: str | None, holder: str | None = None, lease_seconds: float = 0
) -> TriageInput | None:
    """Mark the ticket ``running`` under this job, claimed by ``holder`` for ``lease_seconds``
    (so no worker claims it meanwhile), and return the text to classify.

    Returns None when the ticket no longer exists (deleted while queued).
    """
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    ticket.triage_status = TriageStatus.RUNNING
    ticket.triage_claimed_by = holder
    ticket.triage_lease_until = utcnow() + timedelta(seconds=lease_seconds) if holder else None
    if job_id:
        ticket.triage_job_id = job_id
    if not ticket.language:  # written by a bulk insert (seed) that skipped the save events
        ticket.language = detect_language(ticket.subject, ticket.body)
    db.session.flush()
    return TriageInput(ticket.id, ticket.subject, ticket.body, ticket.language)


def locked_ticket(ticket_id: int) -> Ticket | None:
    """The ticket row, locked ``FOR UPDATE`` on PostgreSQL (SQLite serialises writers)."""
    return db.session.execute(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    ).scalar_one_or_none()


def apply_result(ticket: Ticket, result: TriageResult) -> set[str]:
    """Copy a triage result onto the ticket; returns the fields that changed.

    A category or priority a person chose (``*_source == "manual"``) is never overwritten;
    sentiment, urgency, confidence, explanation and suggested title always refresh.
    """
    changed: set[str] = set()
    for field in ("category", "priority"):
        if getattr(ticket, f"{field}_source") == Source.MANUAL:
            continue
        if getattr(ticket, field) != getattr(result, field):
            changed.add(field)
        setattr(ticket, field, getattr(result, field))
        setattr(ticket, f"{field}_source", result.field_sources.get(field, result.source))
    for field in REFRESHED_FIELDS:
        value = getattr(result, field)
        if getattr(ticket, field) != value:
            changed.add(field)
            setattr(ticket, field, value)
    if result.language and ticket.language != result.language:
        changed.add("language")  # Claude confirms or corrects the local detection
        ticket.language = result.language
    ticket.classified_at = utcnow()
    return changed


def note_run(
    ticket: Ticket, source: str, category: str | None, priority: str | None, error: str | None
) -> None:
    """Bring the ticket's brief of its triage history up to date with one more run (the
    latest): its category and priority, and the run counted by source (and as failed)."""
    ticket.triaged_category = category
    ticket.triaged_priority = priority
    runs = f"triage_runs_{TriageSource(source).value}"
    setattr(ticket, runs, (getattr(ticket, runs) or 0) + 1)
    if error is not None:
        ticket.triage_runs_failed = (ticket.triage_runs_failed or 0) + 1


def record_history(
    ticket: Ticket, result: TriageResult, job_id: str | None, batch_id: int | None = None
) -> Classification:
    """One history row with everything the run produced (kept even when the ticket keeps
    a manual category: the history says what triage said, for the agreement figures), and
    the ticket's brief of its history (latest run's category and priority, runs by source
    and failed) brought up to date in the same flush — the rollups count those columns."""
    note_run(ticket, result.source, result.category, result.priority, result.error)
    row = Classification(
        ticket_id=ticket.id,
        source=result.source,
        model=(result.model or "")[:80] or None,
        category=result.category,
        priority=result.priority,
        sentiment=result.sentiment,
        urgency_score=result.urgency_score,
        confidence=result.confidence,
        explanation=(result.explanation or "")[:500] or None,
        suggested_title=(result.suggested_title or "")[:120] or None,
        latency_ms=result.latency_ms,
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        attempts=result.attempts or 1,
        error=result.error,
        job_id=job_id,
        language=result.language,
        redacted=",".join(result.redacted) or None,
        cost_usd=result.cost_usd,
        batch_id=batch_id,
    )
    db.session.add(row)
    return row


def finish_triage(
    ticket_id: int,
    result: TriageResult,
    job_id: str | None,
    *,
    batch_id: int | None = None,
    apply_if_superseded: bool = True,
) -> Classification | None:
    """Store the run in the history, apply it to the (locked) ticket, mark it ``done``.

    When a newer job has taken the ticket over meanwhile (its text was edited while this run
    was classifying), the answer is still applied and kept, but the status stays the newer
    job's (a batch answer, hours old, is then only kept: ``apply_if_superseded=False``).
    Returns None when the ticket was deleted.
    """
    ticket = locked_ticket(ticket_id)
    if ticket is None:
        return None
    row = record_history(ticket, result, job_id, batch_id)
    superseded = job_id is not None and ticket.triage_job_id not in (None, job_id)
    if apply_if_superseded or not superseded:
        apply_result(ticket, result)
    if job_id is None or ticket.triage_job_id in (None, job_id):
        ticket.triage_status = TriageStatus.DONE
        ticket.triage_error = result.error
        ticket.triage_claimed_by = ticket.triage_lease_until = None
    db.session.flush()
    return row


def fail_triage(ticket_id: int, job_id: str | None, error: str) -> None:
    """Record that a triage run could not store its result (the job itself broke)."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return
    if job_id is None or ticket.triage_job_id in (None, job_id):
        ticket.triage_status = TriageStatus.FAILED
        ticket.triage_error = error[:1000]
        ticket.triage_claimed_by = ticket.triage_lease_until = None
    db.session.flush()


# ---------------------------------------------------------------------- reading
def list_history(ticket_id: int, page: int, per_page: int) -> Page:
    """A ticket's triage runs, newest first."""
    get_ticket(ticket_id)
    stmt = (
        select(Classification)
        .where(Classification.ticket_id == ticket_id)
        .order_by(Classification.id.desc())
    )
    return paginate(stmt, page, per_page)


def run_for_job(job_id: str) -> Classification | None:
    """The history row a triage job stored, if it finished."""
    return db.session.scalars(
        select(Classification).where(Classification.job_id == job_id).order_by(Classification.id)
    ).first()


def ticket_for_job(job_id: str) -> Ticket | None:
    return db.session.scalars(select(Ticket).where(Ticket.triage_job_id == job_id)).first()
