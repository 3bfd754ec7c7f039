"""Similar tickets: the engine finds candidates by full-text rank, ``terms`` scores them.

Two steps, one per engine for the first:

1. **Candidates.** The ticket's strongest words, ORed, against the full-text index the list
   search uses. PostgreSQL: ``tickets.search_vector @@ to_tsquery('english', 'a | b | …')``
   ordered by ``ts_rank``; the words are chosen rarest first from the planner's own
   statistics (``pg_stats.most_common_elems`` of ``search_vector``, read once every few
   minutes), within a budget of estimated matching rows, so a ticket full of common words
   does not make the index hand back half the table. SQLite: FTS5 ``MATCH 'a OR b OR …'``
   ordered by ``bm25`` (which already favours rare words).
2. **Score.** Each candidate's terms against the ticket's (``terms.similarity``, a cosine in
   0..1) — the same on both engines — and the shared words as the "why".

With the embedding model installed (``core.embeddings``) and the ticket's vector at hand, the
tickets are ranked by the cosine of their sentence embeddings instead (``engine`` "embeddings";
alike in meaning even without a shared word): once the inverted-file index is trained
(``tickets.ivf``, from ``SIMILAR_IVF_MIN`` stored vectors), over the vectors of the lists
nearest the ticket's, read from the database; before, up to ``SIMILAR_VECTOR_MAX`` stored
vectors, by brute force over all of them in memory (``vector_index``); beyond, the full-text
candidates above (a wider pool) re-ranked by their stored vectors. Shared words still say why.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.orm import aliased

from ..core import embeddings
from ..core.errors import NotFound
from ..core.extensions import db
from ..core.vocab import (
    CLOSED_STATUSES,
    UNRESOLVED_STATUSES,
    SimilarScope,
    TicketStatus,
    values,
)
from ..models import Reply, Ticket, TicketVector
from ..tickets import ivf
from ..tickets import vectors as ticket_vectors
from ..tickets.services import get_ticket
from . import vector_index
from .merge import merged_source_ids
from .models import TicketMerge
from .terms import Terms, query_words, similarity, terms_of

#: Words looked up per query, at most.
MAX_QUERY_WORDS = 12
#: Candidates scored per query (the engine's best by its own rank).
MIN_CANDIDATES = 20
#: PostgreSQL: the candidate query is narrowed until it is expected to match at most this many
#: rows (ranking costs ~5 µs a matching row).
ROW_BUDGET = 3_000
#: PostgreSQL: matching rows ranked per query, at most (~20 µs each, read and ranked).
RANK_CAP = 500
#: Embeddings: nearest tickets looked at before the scope/merge filters (brute force), and
#: full-text candidates re-ranked by vector (pre-filter, past ``SIMILAR_VECTOR_MAX``).
VECTOR_POOL = 200
RERANK_POOL = 200
#: Embeddings: candidates whose status is read together (nearest first, until k are in scope).
STATUS_BATCH = 40
#: Below this cosine of embeddings a ticket is not "similar".
MIN_COSINE = 0.3
FULL_TEXT = "full_text"
EMBEDDINGS = "embeddings"
#: Seconds the planner statistics are kept per process.
STATS_TTL = 300
#: Results shown per scope.
SCOPES = {
    SimilarScope.ALL: values(TicketStatus),
    SimilarScope.OPEN: UNRESOLVED_STATUSES,
    SimilarScope.RESOLVED: CLOSED_STATUSES,
}


@dataclass
class Resolution:
    reply_id: int
    body: str
    author_name: str | None
    created_at: datetime


@dataclass
class Match:
    ticket: Ticket
    score: float
    shared_terms: list[str]
    resolution: Resolution | None = None


@dataclass
class _WordStats:
    freqs: dict[str, float] = field(default_factory=dict)
    floor: float = 0.0
    rows: float = 0.0
    at: float = 0.0


def _pg_word_stats() -> _WordStats:
    """Share of tickets holding each common lexeme (the planner's statistics), cached."""
    cache = current_app.extensions.setdefault("assist.word_stats", _WordStats())
    if cache.at and time.monotonic() - cache.at < STATS_TTL:
        return cache
    row = db.session.execute(
        text(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_class c LEFT JOIN pg_stats s ON s.tablename = 'tickets' "
            "AND s.attname = 'search_vector' AND s.schemaname = current_schema() "
            "WHERE c.oid = 'tickets'::regclass"
        )
    ).one()
    elems, freqs, rows = row
    stats = _WordStats(rows=max(float(rows or 0), 0.0), at=time.monotonic())
    if elems and freqs:
        stats.freqs = dict(zip(elems, freqs, strict=False))
        stats.floor = float(freqs[len(elems)])  # after the per-element shares: min, max, nulls
    current_app.extensions["assist.word_stats"] = stats
    return stats


def _pg_query(terms: Terms) -> str:
    """A ``to_tsquery`` text for the ticket's rarest words (planner statistics), as narrow as it
    must be to stay within ``ROW_BUDGET`` expected rows: any one of them (``a | b | …``), else
    any two together (``a & b | a & c | …``), else any three."""
    stats = _pg_word_stats()
    keys = [k for k in terms.weights if _plain_words([terms.shown[k]]) == [terms.shown[k]]]
    keys.sort(key=lambda k: (stats.freqs.get(k, stats.floor), -terms.weights[k], k))
    share = {k: stats.freqs.get(k, stats.floor) for k in keys}
    for size, width in ((1, MAX_QUERY_WORDS), (2, 4), (3, 4)):
        pool = keys[:width]
        groups = list(combinations(pool, size))
        expected = stats.rows * sum(math.prod(share[k] for k in g) for g in groups)
        if expected <= ROW_BUDGET or size == 3:
            return " | ".join(" & ".join(terms.shown[k] for k in g) for g in groups)
    return ""  # unreachable: the last size always answers


def _plain_words(found: list[str]) -> list[str]:
    """Only letters reach the engines' query parsers (``can't`` -> ``can``, ``t``)."""
    out: list[str] = []
    for word in found:
        for part in word.replace("'", " ").replace("-", " ").split():
            if part.isalpha() and part not in out:
                out.append(part)
    return out


#: At most ``cap`` matching rows are ranked: when more match (a ticket made only of words
#: thousands of tickets share), which ones is up to the index — all are about as alike.
_PG_CANDIDATES = text(
    "SELECT c.id FROM (SELECT t.id, t.search_vector FROM tickets t "
    "WHERE t.search_vector @@ to_tsquery('english', :q) "
    "AND t.id <> :id AND t.status IN :statuses LIMIT :cap) c "
    "ORDER BY ts_rank(c.search_vector, to_tsquery('english', :q)) DESC, c.id DESC LIMIT :n"
).bindparams(bindparam("statuses", expanding=True))

_SQLITE_CANDIDATES = text(
    "SELECT t.id FROM tickets_fts JOIN tickets t ON t.id = tickets_fts.rowid "
    "WHERE tickets_fts MATCH :m AND t.id <> :id AND t.status IN :statuses "
    "ORDER BY bm25(tickets_fts, 2.0, 1.0), t.id DESC LIMIT :n"
).bindparams(bindparam("statuses", expanding=True))


def _pg_candidates(query: str, params: dict[str, Any]) -> list[int]:
    return list(db.session.scalars(_PG_CANDIDATES, {**params, "q": query, "cap": RANK_CAP}))


def _sqlite_candidates(words: list[str], params: dict[str, Any]) -> list[int]:
    """FTS5: any of the words, ranked by bm25 (a subject hit counts double)."""
    match = " OR ".join(f'"{w}"' for w in words)
    return list(db.session.scalars(_SQLITE_CANDIDATES, {**params, "m": match}))


def candidate_ids(terms: Terms, ticket_id: int, statuses: tuple[str, ...], limit: int) -> list[int]:
    """Ids of tickets sharing the strongest words, best first by the engine's own rank."""
    params = {"id": ticket_id, "statuses": list(statuses), "n": limit}
    if db.session.get_bind().dialect.name == "postgresql":
        query = _pg_query(terms)
        return _pg_candidates(query, params) if query else []
    words = _plain_words(query_words(terms, MAX_QUERY_WORDS))
    return _sqlite_candidates(words[:MAX_QUERY_WORDS], params) if words else []


def _last_team_reply(ticket_id: Any) -> Any:
    """The id of the last public reply a team member wrote on the ticket ``ticket_id`` (a
    column, correlated, or a value): the reply that resolved it (never an internal note, never
    the customer's own message)."""
    reply = aliased(Reply)
    return (
        select(func.max(reply.id))
        .where(reply.ticket_id == ticket_id, reply.internal.is_(False), reply.user_id.is_not(None))
        .scalar_subquery()
    )


#: Built once (building it cost more than running it): the tickets are a parameter.
_RESOLUTIONS = (
    select(Ticket.id, Reply)
    .join(Reply, Reply.id == _last_team_reply(Ticket.id))
    .where(Ticket.id.in_(bindparam("ids", expanding=True)))
)
_TICKETS = (
    select(Ticket, Reply.id, Reply.body, Reply.author_name, Reply.created_at)
    .outerjoin(
        Reply, and_(Ticket.status.in_(CLOSED_STATUSES), Reply.id == _last_team_reply(Ticket.id))
    )
    .where(Ticket.id.in_(bindparam("ids", expanding=True)))
)


def resolutions(ticket_ids: list[int]) -> dict[int, Resolution]:
    """The last public reply a team member wrote on each ticket (what resolved it)."""
    if not ticket_ids:
        return {}
    rows = db.session.execute(_RESOLUTIONS, {"ids": list(ticket_ids)})
    return {i: Resolution(r.id, r.body, r.author_name, r.created_at) for i, r in rows}


def _tickets(ticket_ids: list[int]) -> dict[int, tuple[Ticket, Resolution | None]]:
    """These tickets, a resolved (or closed) one with the reply that resolved it: one
    statement."""
    if not ticket_ids:
        return {}
    rows = db.session.execute(_TICKETS, {"ids": list(ticket_ids)})
    return {
        ticket.id: (ticket, None if reply_id is None else Resolution(reply_id, *reply))
        for ticket, reply_id, *reply in rows
    }


def rank(terms: Terms, candidates: list[Ticket], k: int, min_score: float = 0.0) -> list[Match]:
    """Candidates scored against ``terms``, best first (the engine's order breaks ties)."""
    scored = []
    for position, other in enumerate(candidates):
        score, shared = similarity(terms, terms_of(other.subject, other.body))
        if score > min_score and shared:
            scored.append((score, -position, Match(other, round(score, 4), shared[:8])))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    return [m for _score, _pos, m in scored[:k]]


def _full_text(ticket: Ticket, terms: Terms, k: int, scope: str, hidden: set[int]) -> list[Match]:
    pool = max(MIN_CANDIDATES, 4 * k)
    found = candidate_ids(terms, ticket.id, SCOPES[scope], pool)
    hidden = hidden | merged_source_ids(found)
    ids = [i for i in found if i not in hidden]
    if not ids:
        return []
    loaded = _tickets(ids)
    matches = rank(terms, [loaded[i][0] for i in ids if i in loaded], k)
    for match in matches:
        match.resolution = loaded[match.ticket.id][1]
    return matches


def _in_memory() -> bool:
    """Whether the stored vectors are few enough (``SIMILAR_VECTOR_MAX``) for brute force in
    memory; counted at most once a minute per process."""
    limit = int(current_app.config["SIMILAR_VECTOR_MAX"])
    cached = current_app.extensions.get("assist.vector_count")
    now = time.monotonic()
    if cached is None or now - cached[0] > 60:
        cached = (now, ticket_vectors.count())
        current_app.extensions["assist.vector_count"] = cached
    return cached[1] <= limit


def _scope_condition(scope: str) -> Any:
    merged = select(TicketMerge.source_id).where(
        TicketMerge.source_id == Ticket.id, TicketMerge.undone_at.is_(None)
    )
    if scope == SimilarScope.ALL:
        return ~merged.exists()
    return and_(Ticket.status.in_(SCOPES[scope]), ~merged.exists())


#: Per scope, a condition on ``Ticket``: in the scope, and not merged into another ticket.
#: Built once: the index's exact read compiles its statement once per condition.
_IN_SCOPE = {scope: _scope_condition(scope) for scope in SCOPES}


def _kept(scored: list[tuple[int, float]], scope: str, k: int) -> list[tuple[int, float]]:
    """The first ``k`` of ``scored`` that are in ``scope`` and not merged: narrow reads of
    the candidates' statuses, nearest first, a batch at a time (one batch mostly)."""
    where = _IN_SCOPE[scope]
    kept: list[tuple[int, float]] = []
    batch = max(STATUS_BATCH, 4 * k)
    for start in range(0, len(scored), batch):
        chunk = scored[start : start + batch]
        found = ivf.meeting(where, [i for i, _ in chunk])
        kept += [(i, s) for i, s in chunk if i in found]
        if len(kept) >= k:
            break
    return kept[:k]


def _nearest(
    ticket: Ticket, vector: Any, terms: Terms, k: int, scope: str, hidden: set[int]
) -> list[tuple[int, float]]:
    """The ``k`` nearest in scope, (id, cosine) nearest first, at least ``MIN_COSINE``: from
    the inverted-file index's nearest lists once it is trained (the scope checked in the
    same statement as the exact vectors); before, all stored vectors (in memory) up to the
    configured size, else the full-text candidates re-ranked (then the scope read after)."""
    skip = hidden | {ticket.id}
    scored = ivf.nearest(vector, VECTOR_POOL, skip, where=_IN_SCOPE[scope], limit=k)
    if scored is not None:
        return [(i, score) for i, score in scored if score >= MIN_COSINE][:k]
    if _in_memory():
        scored = vector_index.get().nearest(vector, VECTOR_POOL, skip)
    else:
        found = candidate_ids(terms, ticket.id, SCOPES[scope], RERANK_POOL)
        stored = ticket_vectors.vectors_of([i for i in found if i not in hidden])
        scored = sorted(
            ((i, float(v @ vector)) for i, v in stored.items()), key=lambda p: (-p[1], -p[0])
        )
    return _kept([(i, score) for i, score in scored if score >= MIN_COSINE], scope, k)


def _by_vectors(
    ticket: Ticket, vector: Any, terms: Terms, k: int, scope: str, hidden: set[int]
) -> list[Match]:
    """Nearest by embedding cosine (``_nearest``), in scope, less merged tickets, with the
    resolving replies."""
    kept = _nearest(ticket, vector, terms, k, scope, hidden)
    loaded = _tickets([i for i, _ in kept])
    matches = []
    for ticket_id, score in kept:
        if ticket_id not in loaded:
            continue
        other, resolution = loaded[ticket_id]
        _cosine, shared = similarity(terms, terms_of(other.subject, other.body))
        matches.append(Match(other, round(min(max(score, 0.0), 1.0), 4), shared[:8], resolution))
    return matches


def find_similar(
    ticket: Ticket, k: int = 5, scope: str = "all", exclude: set[int] | None = None
) -> tuple[list[Match], str]:
    """(matches, engine): the ``k`` tickets most like ``ticket`` (within ``scope``), with the
    reply that resolved each resolved one, and which engine ranked them. Tickets merged into
    another are left out (their target stands in)."""
    terms = terms_of(ticket.subject, ticket.body)
    hidden = set(exclude or set())
    if embeddings.active():
        vector = ticket_vectors.vector_for(ticket)
        if vector is not None:
            return _by_vectors(ticket, vector, terms, k, scope, hidden), EMBEDDINGS
    return _full_text(ticket, terms, k, scope, hidden), FULL_TEXT


#: Built once: a ticket with its stored vector (which then sits in the session for
#: ``vectors.vector_for``).
_WITH_VECTOR = (
    select(Ticket, TicketVector)
    .outerjoin(TicketVector, TicketVector.ticket_id == Ticket.id)
    .where(Ticket.id == bindparam("id"))
)


def find_similar_to(ticket_id: int, k: int = 5, scope: str = "all") -> tuple[list[Match], str]:
    """``find_similar`` for the ticket ``ticket_id`` (``NotFound`` when there is none), read
    with its stored vector in one statement when the embeddings are on."""
    if not embeddings.active():
        return find_similar(get_ticket(ticket_id), k, scope)
    row = db.session.execute(_WITH_VECTOR, {"id": ticket_id}).first()
    if row is None:
        raise NotFound(f"Ticket {ticket_id}")
    return find_similar(row[0], k, scope)


def similar_tickets(
    ticket: Ticket, k: int = 5, scope: str = "all", exclude: set[int] | None = None
) -> list[Match]:
    """``find_similar``'s matches."""
    return find_similar(ticket, k, scope, exclude)[0]
