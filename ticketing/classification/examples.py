"""Few-shot examples from the team: the corrected tickets nearest to the one being triaged.

A ticket whose category or priority a person set (``*_source == "manual"``) is a labelled
example of how this team uses the taxonomy. ``nearest`` picks the ``k`` most similar ones;
Claude sees them (redacted, delimited) before the ticket.

The selection sits behind a small interface, ``ExampleSource.nearest(subject, body, k,
exclude_id)``: ``NearestByVector`` (sentence embeddings) when the local model is installed,
else ``TokenOverlap``; ``set_example_source(app, source)`` puts another in.

``TokenOverlap`` is the cheap local measure: the most recent ``CLAUDE_EXAMPLE_POOL`` corrected
tickets, scored by the idf-weighted overlap of their word sets with the ticket's (rare shared
words count most). The pool and its word sets are kept for ``CACHE_SECONDS`` (a correction
joins the pool within that time), so a bulk submission does not re-read it per ticket.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, or_, select

from ..core.extensions import db
from ..core.vocab import Source
from ..models import Ticket

EXTENSION_KEY = "triage_examples"
#: Characters of an example's body read for similarity (and shown, cut further, in the prompt).
BODY_CHARS = 1500
#: How long the pool of corrected tickets is reused before it is read again.
CACHE_SECONDS = 30.0
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
#: Words too common in support tickets to say anything about similarity.
_STOP = frozenset(
    "the and for you your with this that have has was are not but can could would please "
    "thanks thank hello dear regards from will what when how why where which there their "
    "they them our out all any been being into just also get got its it's ich und der die "
    "das ist nicht mit".split()
)


@dataclass(frozen=True)
class Example:
    ticket_id: int
    subject: str
    body: str
    category: str | None  # set only when a person chose it
    priority: str | None

    def labels(self) -> str:
        parts = []
        if self.category:
            parts.append(f"category: {self.category}")
        if self.priority:
            parts.append(f"priority: {self.priority}")
        return "; ".join(parts)


class ExampleSource(Protocol):
    def nearest(
        self, subject: str, body: str, k: int, exclude_id: int | None = None
    ) -> Sequence[Example]: ...


def words(text: str) -> set[str]:
    return {w for w in (m.lower() for m in _WORD.findall(text or "")) if w not in _STOP}


def _as_example(row: Any) -> Example:
    manual = Source.MANUAL.value
    return Example(
        ticket_id=row.id,
        subject=row.subject,
        body=row.body,
        category=row.category if row.category_source == manual else None,
        priority=row.priority if row.priority_source == manual else None,
    )


class TokenOverlap:
    """Nearest corrected tickets by idf-weighted word overlap (no index, no model)."""

    def __init__(self, pool: int = 500, cache_seconds: float = CACHE_SECONDS) -> None:
        self.pool = pool
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, list[tuple[Example, set[str]]]] | None = None

    def candidates(self) -> list[tuple[Example, set[str]]]:
        """The pool with each example's word set (cached for ``cache_seconds``)."""
        now = time.monotonic()
        with self._lock:
            if self._cached is not None and now - self._cached[0] < self.cache_seconds:
                return self._cached[1]
        manual = Source.MANUAL.value
        stmt = (
            select(
                Ticket.id,
                Ticket.subject,
                func.substr(Ticket.body, 1, BODY_CHARS).label("body"),
                Ticket.category,
                Ticket.category_source,
                Ticket.priority,
                Ticket.priority_source,
            )
            .where(
                or_(
                    (Ticket.category_source == manual) & Ticket.category.is_not(None),
                    (Ticket.priority_source == manual) & Ticket.priority.is_not(None),
                )
            )
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
            .limit(self.pool)
        )
        pool = [_as_example(row) for row in db.session.execute(stmt)]
        bagged = [(ex, words(f"{ex.subject} {ex.body}")) for ex in pool]
        with self._lock:
            self._cached = (now, bagged)
        return bagged

    def nearest(
        self, subject: str, body: str, k: int, exclude_id: int | None = None
    ) -> list[Example]:
        if k <= 0:
            return []
        query = words(f"{subject} {(body or '')[:BODY_CHARS]}")
        if not query:
            return []
        pool = [(ex, bag) for ex, bag in self.candidates() if ex.ticket_id != exclude_id]
        df = Counter(w for _, bag in pool for w in bag & query)
        n = len(pool) + 1
        scored = []
        for ex, bag in pool:
            shared = bag & query
            if not shared:
                continue
            weight = sum(math.log(n / (1 + df[w])) + 1 for w in shared)
            scored.append((weight / math.sqrt(len(bag) + 1), ex.ticket_id, ex))
        scored.sort(key=lambda item: (-item[0], -item[1]))
        return [ex for _, _, ex in scored[:k]]


class NearestByVector(TokenOverlap):
    """Nearest corrected tickets by the cosine of their sentence embeddings (the local model
    installed): alike in meaning, not only in words. The same pool as ``TokenOverlap``; the
    pool's vectors come from ``ticket_vectors`` (embedded on the spot when missing) and are
    cached with it."""

    def __init__(self, pool: int = 500, cache_seconds: float = CACHE_SECONDS) -> None:
        super().__init__(pool, cache_seconds)
        self._vectors: tuple[list[int], Any] | None = None

    def _pool_vectors(self, pool: list[tuple[Example, set[str]]]) -> Any:
        import numpy as np

        from ..tickets import vectors

        ids = [ex.ticket_id for ex, _ in pool]
        with self._lock:
            if self._vectors is not None and self._vectors[0] == ids:
                return self._vectors[1]
        stored = vectors.vectors_of(ids)
        missing = [ex for ex, _ in pool if ex.ticket_id not in stored]
        if missing:
            fresh = vectors.embed_texts([(ex.subject, ex.body) for ex in missing]) or []
            stored.update({ex.ticket_id: v for ex, v in zip(missing, fresh, strict=True)})
        matrix = np.vstack([stored[i] for i in ids]) if ids else np.zeros((0, 1), np.float32)
        with self._lock:
            self._vectors = (ids, matrix)
        return matrix

    def nearest(
        self, subject: str, body: str, k: int, exclude_id: int | None = None
    ) -> list[Example]:
        from ..tickets import vectors

        pool = self.candidates()
        if k <= 0 or not pool:
            return []
        query = vectors.embed_one(subject, (body or "")[:BODY_CHARS])
        if query is None:
            return super().nearest(subject, body, k, exclude_id)
        scores = self._pool_vectors(pool) @ query
        order = sorted(range(len(pool)), key=lambda i: (-float(scores[i]), -pool[i][0].ticket_id))
        return [pool[i][0] for i in order if pool[i][0].ticket_id != exclude_id][:k]


def set_example_source(app: Any, source: ExampleSource | None) -> None:
    """Use ``source`` to pick examples in ``app`` (e.g. embeddings); None restores the default."""
    if source is None:
        app.extensions.pop(EXTENSION_KEY, None)
    else:
        app.extensions[EXTENSION_KEY] = source


def example_source(app: Any) -> ExampleSource:
    source = app.extensions.get(EXTENSION_KEY)
    if source is None:
        from ..core import embeddings

        kind = NearestByVector if embeddings.active(app) else TokenOverlap
        source = app.extensions[EXTENSION_KEY] = kind(int(app.config["CLAUDE_EXAMPLE_POOL"]))
    return source
