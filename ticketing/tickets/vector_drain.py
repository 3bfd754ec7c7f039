"""The vector drain: tickets without a vector of the current model get one, off the triage path.

The database is the record of the work: a ticket with no ``ticket_vectors`` row of this model
(new, edited — an edit deletes the old vector — or written while the workers were down) is
waiting. Redis only rings the bell: triage rings after it stores a batch, the upkeep as a
safety net; on RQ at most one ``drain_vectors`` job waits at a time, on the ``vectors`` queue,
which workers serve after every other queue, so a triage backlog is always served first.

A drain claims batches oldest first (``vectors.claim_missing``: advisory locks on PostgreSQL,
so N workers never embed the same ticket), embeds and stores them, commits per batch, and
after ``VECTOR_DRAIN_SECONDS`` rings again and hands the worker back. A drain that dies loses
nothing: its claims go with its connection and the tickets still have no vector.

Where to start: proving that no older ticket lacks a vector means reading every ticket (an
anti-join, ~90 ms per 20,000 tickets), too much for each bell of a steady trickle. So whoever
rings also leaves a hint in Redis (``HINT_KEY``, a sorted set: the lowest id rung since the
last drain started; triage the ids it just stored, a drain where it stopped, the upkeep 0);
a drain takes the lowest and starts there, leaving its own start as a marker until it ends —
so a drain killed mid-way has the next one start where it started. The hint only saves
reading: lost with Redis, the drain starts from the first ticket, and the upkeep's full scan
finds anything a hint missed (a ticket that failed to embed). In-process
(no Redis) the drain runs at once, for the tickets just triaged only. ``flask tickets embed``
(the backfill) runs the same ``embed_next``. ``EMBEDDINGS=off``: no bell, no work.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select

from ..core import embeddings, jobs, kv
from ..core.errors import QueueUnavailable
from ..core.extensions import db
from ..models import Ticket, TicketVector
from . import vectors

log = logging.getLogger(__name__)

QUEUE = "vectors"
#: The bell's name: one drain job waits on the queue at a time (``jobs.ring``).
BELL = "vectors-drain"
#: A drain job may wait this long behind a triage backlog; the bell is checked after that.
BELL_WAIT = 3600
#: Tickets embedded and committed together.
BATCH = 32
#: Where the next drain may start: a sorted set of ids, each "no ticket at or below it is
#: known to wait" (a hint: lost, the drain starts from the first ticket).
HINT_KEY = "ticketing:vectors:from"


def ring(hint: Sequence[int] | None = None, start: int | None = None) -> bool:
    """After a commit: wake a worker to embed the tickets that have no vector (raises
    QueueUnavailable). On RQ at most one drain job waits, and it starts at the lowest id any
    ring left (``hint``: the tickets just stored; ``start``: an id below which none is known
    to wait; neither: the first ticket). In-process the drain runs now, for the ids in
    ``hint`` only. Nothing happens when the embedding model is off or missing."""
    if not embeddings.active():
        return False
    if jobs.state().is_async:
        _leave_hint(min(hint) - 1 if hint else (start or 0))
    return jobs.ring(
        QUEUE,
        drain_vectors,
        BELL,
        hint=list(hint) if hint else None,
        bell_ttl=BELL_WAIT,
        job_timeout=int(current_app.config["VECTOR_DRAIN_SECONDS"]) + 300,
        result_ttl=600,
        failure_ttl=7 * 86400,
        description="embed tickets without a vector",
    )


def _leave_hint(start: int) -> str | None:
    """Add a start point (a unique member: removing one never removes another's)."""
    member = f"{start}:{uuid.uuid4().hex[:12]}"
    try:
        kv.store().zadd(HINT_KEY, {member: start})
    except RedisError:
        return None  # the bell fails too, or the drain starts from the first ticket
    return member


def _take_hint() -> tuple[int, str | None]:
    """Where this drain starts: the lowest id left since the last drain took them (0 when
    Redis has none: from the first ticket), and the marker it leaves there until it ends."""
    try:
        pipe = kv.store().pipeline(transaction=True)
        pipe.zrange(HINT_KEY, 0, 0, withscores=True)
        pipe.delete(HINT_KEY)
        lowest, _deleted = pipe.execute()
    except RedisError:
        return 0, None
    start = max(int(lowest[0][1]), 0) if lowest else 0
    return start, _leave_hint(start)


def _drop_hint(member: str | None) -> None:
    if member is None:
        return
    try:
        kv.store().zrem(HINT_KEY, member)
    except RedisError:
        pass  # a marker left behind only makes a later drain read a little more


def ring_quietly(hint: Sequence[int] | None = None, start: int | None = None) -> None:
    """``ring`` from a job that must not fail for it (triage): a lost bell is rung again by
    the next triage batch or the upkeep."""
    try:
        ring(hint, start)
    except QueueUnavailable as err:
        log.warning("vector bell not rung (%s): the upkeep rings it again", err.message)


def embed_next(limit: int, after: int = 0, only: Sequence[int] | None = None) -> tuple[int, int]:
    """Claim up to ``limit`` tickets past id ``after`` that have no vector, embed and store
    them; commits. Returns (vectors written, last id claimed) — (0, ``after``) when none is
    left. A batch that cannot be stored is retried one ticket at a time; a ticket that still
    fails is logged and left without a vector (found again by the next drain)."""
    items = vectors.claim_missing(limit, after, only)
    if not items:
        db.session.commit()
        return 0, after
    try:
        written = vectors.fill(items)
        db.session.commit()
    except Exception:  # noqa: BLE001 - retried one by one below
        db.session.rollback()
        log.exception("vectors: a batch of %s failed; embedding one by one", len(items))
        written = sum(_embed_one(item) for item in items)
    return written, items[-1][0]


def _embed_one(item: tuple[int, str, str]) -> int:
    try:
        written = vectors.fill([item])
        db.session.commit()
        return written
    except Exception:  # noqa: BLE001 - the ticket keeps no vector: the next drain tries again
        db.session.rollback()
        log.exception("vectors: ticket %s could not be embedded", item[0])
        return 0


def drain_vectors(only: list[int] | None = None) -> dict:
    """The RQ job: embed batches of tickets without a vector, oldest first, until none is left
    or ``VECTOR_DRAIN_SECONDS`` have passed (then the bell rings again and the job ends, so
    triage waiting on its higher-priority queue goes first). A full batch rings at once: an
    idle worker may help (the claims keep them apart). ``only``: these tickets (in-process)."""
    after, marker = 0, None
    if only is None:
        jobs.answer_bell(BELL)  # work saved from now on rings a new drain
        if jobs.state().is_async:
            after, marker = _take_hint()
    report = {"embedded": 0, "batches": 0, "from": after}
    if not embeddings.active():
        _drop_hint(marker)
        return report
    deadline = time.monotonic() + float(current_app.config["VECTOR_DRAIN_SECONDS"])
    while True:
        before = after
        written, after = embed_next(BATCH, after, only)
        if after == before:
            break
        report["embedded"] += written
        report["batches"] += 1
        if only is not None or not jobs.state().is_async:
            continue
        if time.monotonic() > deadline:
            ring_quietly(start=after)  # the next drain goes on from here
            break
        if written == BATCH:
            ring_quietly(start=after)  # a helper starts past what this drain has done
    _drop_hint(marker)  # not reached when the drain dies: the next one starts where it did
    if report["embedded"]:
        log.info("vector drain: %s", report)
    return report


def missing() -> bool:
    """Whether any ticket has no vector of the current model."""
    have = select(TicketVector.ticket_id).where(
        TicketVector.ticket_id == Ticket.id, TicketVector.model == embeddings.MODEL_ID
    )
    found = db.session.scalar(select(Ticket.id).where(~have.exists()).limit(1))
    db.session.commit()
    return found is not None


def ring_if_missing() -> dict:
    """Upkeep's task: ring the bell when a ticket has no vector, whatever rang before (a bell
    lost with Redis, tickets saved without triage, an edit) — so every ticket gets its vector."""
    if not embeddings.active() or not missing():
        return {"missing": False, "rang": False}
    try:
        return {"missing": True, "rang": ring()}
    except QueueUnavailable as err:
        log.warning("vectors missing but the queue is down: %s", err.message)
        return {"missing": True, "rang": False}
