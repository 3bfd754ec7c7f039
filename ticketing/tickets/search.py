"""Full-text search over subject and body: one function, one implementation per engine.

The requester's name and e-mail address are searched too, as substrings of any case (an
address is one token to the text engines, so "globex" would not find ``ana@globex.com``).

Semantics of the text search on both engines: case-insensitive, every word must match, in any
order, as whole words compared by their English stem (``refunds`` finds ``refund``).
PostgreSQL uses the generated ``tickets.search_vector`` (``english`` configuration, which also
ignores stop words such as "the") with a GIN index; SQLite uses the FTS5 table ``tickets_fts``
(porter tokenizer) kept in step by triggers. Both are created by the migrations. Only word
characters reach the engine, so quotes and SQL wildcards in ``q`` are plain text.

Whole words rather than prefixes: a prefix term makes GIN collect every matching posting
list (measured ~8x slower on 1M tickets) where whole words let it skip through rare ones.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)

from ..core.extensions import MAX_ID
from ..models import Ticket

WORD = re.compile(r"\w+", re.UNICODE)
TICKET_REF = re.compile(r"^#?(\d{1,10})$")

MAX_TERMS = 12


def search_terms(q: str) -> list[str]:
    return [w.lower() for w in WORD.findall(q)][:MAX_TERMS]


def _text_match(dialect: str, terms: list[str]) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # plainto_tsquery stems each word and ANDs them; it never raises on odd input.
        return literal_column("tickets.search_vector").op("@@")(
            text("plainto_tsquery('english', :tsq)").bindparams(tsq=" ".join(terms))
        )
    # SQLite FTS5: each quoted term is a literal string, stemmed by the porter tokenizer.
    match = " AND ".join(f'"{t}"' for t in terms)
    fts = (
        select(literal_column("rowid"))
        .select_from(text("tickets_fts"))
        .where(text("tickets_fts MATCH :fts").bindparams(fts=match))
    )
    return Ticket.id.in_(fts)


def requester_text() -> ColumnElement[str]:
    """The one expression requester search matches: ``lower(email || ' ' || name)``.

    On PostgreSQL a trigram index covers exactly this expression (migration a9c3e5f7b1d4), so
    a search ORs it with the full-text index instead of scanning every ticket to count.
    """
    return func.lower(
        Ticket.requester_email + literal(" ") + func.coalesce(Ticket.requester_name, literal(""))
    )


def _requester_match(terms: list[str]) -> ColumnElement[bool]:
    """Every term is part of the requester's name or e-mail address ("globex" finds
    ``ana@globex.com``, "ana lopez" finds Ana López's tickets): substrings, any case. A term
    is word characters only, so it never spans the space between address and name."""
    haystack = requester_text()
    return and_(*(haystack.contains(t, autoescape=True) for t in terms))


def apply_search(stmt: Select, q: str, dialect: str) -> Select:
    """Narrow ``stmt`` to tickets matching ``q`` in subject and body, or in the requester's
    name or e-mail address; ``#123`` or ``123`` also finds ticket 123."""
    terms = search_terms(q)
    ref = TICKET_REF.match(q.strip())
    conditions: list[ColumnElement[bool]] = []
    if terms:
        conditions.append(_text_match(dialect, terms))
        conditions.append(_requester_match(terms))
    if ref and int(ref.group(1)) <= MAX_ID:
        conditions.append(Ticket.id == int(ref.group(1)))
    if not conditions:
        # Nothing searchable (only punctuation): nothing matches, rather than everything.
        return stmt.where(literal_column("1") == 0)
    return stmt.where(or_(*conditions))


#: Built by the migrations, not the models: hidden from autogenerate and ``flask db check``.
SEARCH_OBJECTS = frozenset(
    {"search_vector", "ix_tickets_search_vector", "ix_tickets_requester_trgm"}
)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the engine-specific search structures alone."""
    if name in SEARCH_OBJECTS:
        return False
    return not (type_ == "table" and name and name.startswith("tickets_fts"))
