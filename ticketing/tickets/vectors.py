"""Ticket vectors: each ticket's sentence embedding, stored (``ticket_vectors``) and read back.

A ticket without a vector of the current model is the record of the work: the vector drain
(``vector_drain``, its own low-priority queue, and ``flask tickets embed``) finds such tickets
by query (``claim_missing``) and embeds them (``fill``). An edit of a ticket's subject or body
deletes its vector in the saving transaction (``on_ticket_saving``), so the drain embeds the
new text. Triage stores a vector itself only when its classifier already computed it
(``fill(…, compute=False)``). Read by the learner (its corrections' vectors) and by similar
tickets. Everything here does nothing on the no-dependency path (``embeddings.get()`` is
None). Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, select

from ..core import embeddings, events
from ..core.extensions import db
from ..models import Ticket, TicketVector
from . import ivf
from .ivf import among

#: Vectors remembered per process by text (the learner and the triage worker embed the same
#: ticket one after the other).
CACHE_SIZE = 512
#: The first key of the PostgreSQL advisory locks a drain takes on the tickets it embeds
#: (the second is the ticket id): ``"tv"``.
LOCK_SPACE = 0x7476
#: A claim looks at this many times its size of candidates, skipping those another drain holds.
CLAIM_POOL = 4


def text_hash(subject: str | None, body: str | None) -> str:
    text = embeddings.ticket_text(subject, body)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def to_bytes(vector: Any) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype="<f2").tobytes()


def from_bytes(blob: bytes) -> Any:
    import numpy as np

    return np.frombuffer(blob, dtype="<f2").astype(np.float32)


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("ticket_vectors.cache", OrderedDict())


def embed_texts(pairs: Sequence[tuple[str | None, str | None]]) -> list[Any] | None:
    """Vectors for (subject, body) pairs (from the per-process cache where it has them); None on
    the no-dependency path."""
    embedder = embeddings.get()
    if embedder is None:
        return None
    cache = _cache()
    keys = [text_hash(s, b) for s, b in pairs]
    missing = [i for i, k in enumerate(keys) if k not in cache]
    if missing:
        fresh = embedder.embed([embeddings.ticket_text(*pairs[i]) for i in missing])
        for i, vector in zip(missing, fresh, strict=True):
            cache[keys[i]] = vector
            while len(cache) > CACHE_SIZE:
                cache.popitem(last=False)
    out = []
    for key in keys:
        cache.move_to_end(key)
        out.append(cache[key])
    return out


def embed_one(subject: str | None, body: str | None) -> Any | None:
    found = embed_texts([(subject, body)])
    return found[0] if found else None


def _seq() -> int:
    """Microseconds since the epoch: readers ask for rows past the last they saw (less a margin
    for transactions that committed late)."""
    return int(time.time() * 1_000_000)


def store(ticket_id: int, subject: str | None, body: str | None, vector: Any) -> None:
    """Write (or replace) one ticket's vector; flushes."""
    store_many([(ticket_id, subject, body, vector)])


def store_many(rows: Sequence[tuple[int, str | None, str | None, Any]]) -> None:
    """Write (or replace) the vectors of (id, subject, body, vector) rows: one DELETE and one
    multi-row INSERT, not a round trip per ticket; flushes."""
    if not rows:
        return
    db.session.flush()
    seq = _seq()
    db.session.execute(
        delete(TicketVector)
        .where(TicketVector.ticket_id.in_([row[0] for row in rows]))
        .execution_options(synchronize_session=False)
    )
    values = []
    lists = ivf.assign([row[3] for row in rows])  # each one's list in the similar-tickets index
    codes = ivf.encode([row[3] for row in rows])
    for (ticket_id, subject, body, vector), (version, ivf_list), code in zip(
        rows, lists, codes, strict=True
    ):
        values.append(
            {
                "ticket_id": ticket_id,
                "model": embeddings.MODEL_ID,
                "text_hash": text_hash(subject, body),
                "seq": seq,
                "vector": to_bytes(vector),
                "ivf_version": version,
                "ivf_list": ivf_list,
                "ivf_code": code,
            }
        )
    db.session.execute(insert(TicketVector), values)


def fill(tickets: Iterable[tuple[int, str | None, str | None]], compute: bool = True) -> int:
    """Embed and store the given (id, subject, body) whose vector is missing or stale; flushes.
    With ``compute=False`` only the vectors this process already computed (its cache: the
    learner or the few-shot choice embedded the ticket while classifying it) are stored.
    Returns how many were written (0 on the no-dependency path)."""
    items = list(tickets)
    if not compute:
        cache = _cache()
        items = [item for item in items if text_hash(item[1], item[2]) in cache]
    if not items or not embeddings.active():
        return 0
    have = dict(
        db.session.execute(
            select(TicketVector.ticket_id, TicketVector.text_hash).where(
                TicketVector.ticket_id.in_([i for i, _s, _b in items]),
                TicketVector.model == embeddings.MODEL_ID,
            )
        ).all()
    )
    todo = [(i, s, b) for i, s, b in items if have.get(i) != text_hash(s, b)]
    if not todo:
        return 0
    vectors = embed_texts([(s, b) for _i, s, b in todo]) or []
    store_many([(*item, vector) for item, vector in zip(todo, vectors, strict=True)])
    return len(todo)


def claim_missing(
    limit: int, after: int = 0, only: Sequence[int] | None = None
) -> list[tuple[int, str, str]]:
    """Up to ``limit`` tickets past id ``after`` without a vector of this model, oldest first,
    as (id, subject, start of body). On PostgreSQL each is claimed for the caller's transaction
    by an advisory lock (``pg_try_advisory_xact_lock``; the ticket rows stay unlocked, so triage
    and edits never wait): tickets another drain holds are skipped, and a drain that dies
    releases its claim with its connection. ``only`` narrows it to these ids (in-process)."""
    have = select(TicketVector.ticket_id).where(
        TicketVector.ticket_id == Ticket.id, TicketVector.model == embeddings.MODEL_ID
    )
    pick = (
        select(Ticket.id, Ticket.subject, func.substr(Ticket.body, 1, embeddings.MAX_CHARS))
        .where(Ticket.id > after, ~have.exists())
        .order_by(Ticket.id)
    )
    if only is not None:
        pick = pick.where(Ticket.id.in_(list(only)))
    if db.session.get_bind().dialect.name != "postgresql":
        rows = db.session.execute(pick.limit(limit)).all()
    else:
        # No ORDER BY outside: the lock is tried row by row, only until ``limit`` are held.
        pool = pick.limit(limit * CLAIM_POOL).subquery()
        rows = db.session.execute(
            select(pool).where(func.pg_try_advisory_xact_lock(LOCK_SPACE, pool.c.id)).limit(limit)
        ).all()
    return sorted((int(i), s, b) for i, s, b in rows)


def on_ticket_saving(app, change: events.Change) -> None:
    """In the saving transaction: an edit of the subject or body deletes the ticket's vector,
    so the vector drain embeds the new text (a missing vector is the record of that work)."""
    if app is None or change.created or not change.fields & {"subject", "body"}:
        return
    db.session.execute(delete(TicketVector).where(TicketVector.ticket_id == change.id))


def vectors_of(ticket_ids: Sequence[int]) -> dict[int, Any]:
    """Stored vectors of these tickets (this model's only)."""
    if not ticket_ids:
        return {}
    rows = db.session.execute(
        select(TicketVector.ticket_id, TicketVector.vector).where(
            among(TicketVector.ticket_id, ticket_ids),
            TicketVector.model == embeddings.MODEL_ID,
        )
    )
    return {tid: from_bytes(blob) for tid, blob in rows}


def vector_for(ticket: Ticket) -> Any | None:
    """A ticket's vector: stored when current, else embedded now (not stored)."""
    row = db.session.get(TicketVector, ticket.id)
    if (
        row is not None
        and row.model == embeddings.MODEL_ID
        and row.text_hash == text_hash(ticket.subject, ticket.body)
    ):
        return from_bytes(row.vector)
    return embed_one(ticket.subject, ticket.body)


def rows_since(seq: int, limit: int) -> list[tuple[int, int, bytes]]:
    """(seq, ticket_id, vector) written after ``seq``, oldest first (in-memory indexes)."""
    stmt = (
        select(TicketVector.seq, TicketVector.ticket_id, TicketVector.vector)
        .where(TicketVector.seq > seq, TicketVector.model == embeddings.MODEL_ID)
        .order_by(TicketVector.seq)
        .limit(limit)
    )
    return [tuple(r) for r in db.session.execute(stmt)]


def count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(TicketVector)) or 0)


def drop_other_models() -> int:
    """Delete vectors of another model (after a model change); flushes."""
    result = db.session.execute(
        delete(TicketVector).where(TicketVector.model != embeddings.MODEL_ID)
    )
    return result.rowcount or 0
