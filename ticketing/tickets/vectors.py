"""Ticket vectors: each ticket's sentence embedding, stored (``ticket_vectors``) and read back.

Written by the triage worker for every ticket it classifies (``fill``) and by
``flask tickets embed`` for the backlog (``backfill``); read by the learner (its corrections'
vectors) and by similar tickets. Everything here does nothing on the no-dependency path
(``embeddings.get()`` is None). Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import Integer, any_, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from ..core import embeddings
from ..core.extensions import db
from ..models import Ticket, TicketVector

#: Vectors remembered per process by text (the learner and the triage worker embed the same
#: ticket one after the other).
CACHE_SIZE = 512


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
    row = db.session.get(TicketVector, ticket_id)
    if row is None:
        row = TicketVector(ticket_id=ticket_id)
        db.session.add(row)
    row.model = embeddings.MODEL_ID
    row.text_hash = text_hash(subject, body)
    row.seq = _seq()
    row.vector = to_bytes(vector)
    db.session.flush()


def fill(tickets: Iterable[tuple[int, str | None, str | None]]) -> int:
    """Embed and store the given (id, subject, body) whose vector is missing or stale; flushes.
    Returns how many were written (0 on the no-dependency path)."""
    items = list(tickets)
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
    for (ticket_id, subject, body), vector in zip(todo, vectors, strict=True):
        store(ticket_id, subject, body, vector)
    return len(todo)


def among(column: Any, ids: Sequence[int]) -> Any:
    """``column IN ids``; on PostgreSQL as ``= ANY(array)``: one bind parameter, where a few
    hundred ids would cost more to render than the query takes."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("among_ids", list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))


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


def missing_ids(after: int, limit: int) -> list[int]:
    """Ticket ids past ``after`` without a vector of this model, in id order (the backfill)."""
    have = select(TicketVector.ticket_id).where(
        TicketVector.ticket_id == Ticket.id, TicketVector.model == embeddings.MODEL_ID
    )
    stmt = (
        select(Ticket.id).where(Ticket.id > after, ~have.exists()).order_by(Ticket.id).limit(limit)
    )
    return list(db.session.scalars(stmt))


def backfill_batch(after: int, limit: int = 64) -> tuple[int, int]:
    """Embed up to ``limit`` tickets without a vector past ``after``; flushes.
    Returns (written, last id looked at) — 0 written and ``after`` unchanged when done."""
    ids = missing_ids(after, limit)
    if not ids:
        return 0, after
    rows = db.session.execute(
        select(Ticket.id, Ticket.subject, func.substr(Ticket.body, 1, embeddings.MAX_CHARS)).where(
            Ticket.id.in_(ids)
        )
    ).all()
    written = fill((i, s, b) for i, s, b in rows)
    return written, max(ids)


def drop_other_models() -> int:
    """Delete vectors of another model (after a model change); flushes."""
    result = db.session.execute(
        delete(TicketVector).where(TicketVector.model != embeddings.MODEL_ID)
    )
    return result.rowcount or 0
