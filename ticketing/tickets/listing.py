"""The list's page as plain rows: one statement reads a page of tickets together with all that
their JSON shows (owner names, SLA clocks, tags, how many replies, who spoke last), into light
``ListedTicket`` objects that ``TicketOut`` dumps exactly as it dumps a ``Ticket`` (a test
compares every list row with the ticket's own GET, for every sort, cursor pages and searches).

Loading the same page as ORM tickets took four statements (the page with its joins, a selectin
each for tags and replies, the count) and, at 25 rows, most of a list request's time went on
building ORM state for rows that are only dumped. Here the filter, sort and pagination choose
the page's ids in an inner query (the same plan as before), and the outer query joins what each
row shows and aggregates the rest per row (correlated subqueries, evaluated for the page's rows
only). Nothing is kept in step on write: reply counts and "waiting since" are read from the
replies themselves, so they cannot drift from the truth.
"""

from __future__ import annotations

import functools
import json
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg
from sqlalchemy.orm import aliased

from ..models import Reply, Tag, Team, Ticket, TicketSla, User, ticket_tags


class ListedTicket(SimpleNamespace):
    """A ticket as the list reads it: the attributes ``TicketOut`` reads from a ``Ticket``
    (``tag_names``, ``assignee``/``team`` as id + name, ``sla`` as its clock columns), and
    ``reply_count`` and ``awaited_since`` in place of the replies (see ``reply_facts``)."""


#: The SLA clock columns the brief summary reads (``slaquery.summary``), labelled ``sla_*``.
_SLA_COLUMNS = [c for c in TicketSla.__table__.c if c.key != "ticket_id"]
_REPLY = aliased(Reply)
#: Every column of the ticket, as ``select(Ticket)`` loaded them.
_TICKET_COLUMNS = list(Ticket.__table__.c)


def tags_column(dialect: str) -> ColumnElement:
    """The ticket's tag names in one column, in the order ``Ticket.tags`` gives them (by name,
    in the database's collation). SQLite has no ordered aggregate: it answers a JSON array,
    put in order in Python (its default collation compares code points, as Python does)."""
    join = ticket_tags.join(Tag, Tag.id == ticket_tags.c.tag_id)
    if dialect == "postgresql":
        names = array_agg(aggregate_order_by(Tag.name, Tag.name))
    else:
        names = func.json_group_array(Tag.name)
    return (
        select(names)
        .select_from(join)
        .where(ticket_tags.c.ticket_id == Ticket.id)
        .scalar_subquery()
        .label("tag_names")
    )


def reply_facts() -> list[ColumnElement]:
    """What the list shows of the replies, from the replies (the SQL twin of
    ``services.waiting_since``'s walk through them, in id order):

    - ``reply_count``: every reply, notes included;
    - ``last_staff_id``: the team's last public reply (posted by a signed-in user);
    - ``asked_after``: the created_at of the first public customer message after it.

    The requester waits since the ticket's creation when the team has not answered, since
    ``asked_after`` when it has (nobody waits when that is null)."""
    public = (Reply.ticket_id == Ticket.id) & ~Reply.internal
    # Correlated by name: nested in ``asked_after``, auto-correlation would only look at
    # the replies it is nested in and read every ticket's replies.
    last_staff = (
        select(func.max(Reply.id))
        .where(public, Reply.user_id.is_not(None))
        .correlate(Ticket)
        .scalar_subquery()
    )
    asked_after = (
        select(_REPLY.created_at)
        .where(
            _REPLY.ticket_id == Ticket.id,
            ~_REPLY.internal,
            _REPLY.user_id.is_(None),
            _REPLY.id > func.coalesce(last_staff, 0),
        )
        .order_by(_REPLY.id)
        .limit(1)
        .scalar_subquery()
    )
    count = select(func.count(Reply.id)).where(Reply.ticket_id == Ticket.id).scalar_subquery()
    return [
        count.label("reply_count"),
        last_staff.label("last_staff_id"),
        asked_after.label("asked_after"),
    ]


@functools.cache
def _row_columns(dialect: str) -> tuple[ColumnElement, ...]:
    """What each row reads besides its sort value; built once per engine (building these
    expressions cost more than compiling the statement, which SQLAlchemy caches)."""
    return (
        *_TICKET_COLUMNS,
        User.name.label("assignee_name"),
        Team.name.label("team_name"),
        TicketSla.ticket_id.label("sla_ticket_id"),
        *(column.label(f"sla_{column.key}") for column in _SLA_COLUMNS),
        tags_column(dialect),
        *reply_facts(),
    )


def page_query(ids: Select, dialect: str, extra: list) -> Select:
    """The outer query around ``ids`` (a select of ``id`` and ``sort_value``, filtered,
    ordered and limited): each row's ticket columns, owners, SLA clocks, tags and reply
    facts, then the ``extra`` columns (counts riding along). The caller orders it again."""
    page = ids.subquery("page")
    return select(page.c.sort_value, *_row_columns(dialect), *extra).select_from(
        page.join(Ticket, Ticket.id == page.c.id)
        .outerjoin(User, User.id == Ticket.assignee_id)
        .outerjoin(Team, Team.id == Ticket.team_id)
        .outerjoin(TicketSla, TicketSla.ticket_id == Ticket.id)
    )


def _owner(owner_id: int | None, name: str | None) -> SimpleNamespace | None:
    return None if owner_id is None else SimpleNamespace(id=owner_id, name=name)


def build(row: Any, dialect: str) -> ListedTicket:
    """One ``ListedTicket`` from a ``page_query`` row."""
    data = row._mapping
    ticket = ListedTicket(**{column.key: data[column.key] for column in _TICKET_COLUMNS})
    ticket.assignee = _owner(ticket.assignee_id, data["assignee_name"])
    ticket.team = _owner(ticket.team_id, data["team_name"])
    ticket.sla = (
        None
        if data["sla_ticket_id"] is None
        else SimpleNamespace(**{c.key: data[f"sla_{c.key}"] for c in _SLA_COLUMNS})
    )
    tags = data["tag_names"]
    if dialect == "postgresql":
        ticket.tag_names = list(tags or ())
    else:
        ticket.tag_names = sorted(name for name in json.loads(tags or "[]") if name is not None)
    ticket.reply_count = data["reply_count"]
    ticket.awaited_since = (
        ticket.created_at if data["last_staff_id"] is None else data["asked_after"]
    )
    return ticket
