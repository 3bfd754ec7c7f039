"""Keyset ("cursor") pagination for the ticket list: a page after the last row of the page
before, found by its sort value and id, instead of an ``OFFSET`` that reads and throws away
every earlier row (page 400 of 25 read 10,000 rows; a cursor page reads 26).

The order every sort uses is ``(value, id)`` in one direction, NULL values last either way
(``services._order_by``). The row after a cursor ``(v, i)`` is, for an ascending sort::

    v is NULL:      value IS NULL AND id > i                      (inside the NULL tail)
    otherwise:      (value >= v AND (value > v OR id > i))        (the rest of the values)
                    OR value IS NULL                              (nullable sorts: the tail)

and mirrored for a descending one. ``value >= v`` is redundant but gives the planner a range
on an index led by the sort column. Comparisons happen in the database, so text sorts
(assignee, team names) follow its collation exactly as ``ORDER BY`` does.

The cursor is opaque to clients: the sort it belongs to, the last row's sort value and id,
and how many rows came before the next page (so ``meta.page`` stays meaningful), signed with
the app's ``SECRET_KEY`` (itsdangerous). A token that does not verify, belongs to another
sort, or holds a value of the wrong kind is :class:`~ticketing.core.errors.BadRequest`
(400 ``invalid_cursor``), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import ColumnElement, and_, literal, or_

from ..core.errors import BadRequest
from ..models import Ticket

SALT = "ticketing.tickets.list-cursor"
#: How each sort key's value travels in a cursor (anything not listed: an instant).
INT_KEYS = frozenset({"priority", "urgency_score"})
TEXT_KEYS = frozenset({"assignee", "team"})
#: The longest cursor accepted (a real one is ~100 characters).
MAX_LENGTH = 500


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: Any
    id: int
    #: Rows served before the page this cursor opens.
    served: int


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    return value


def encode(sort: str, value: Any, ticket_id: int, served: int) -> str:
    return _serializer().dumps([sort, _plain(value), ticket_id, served])


def _invalid(message: str) -> BadRequest:
    return BadRequest(message, code="invalid_cursor")


def _typed(key: str, value: Any) -> Any:
    """The cursor's value as the sort column holds it, or BadRequest."""
    if value is None:
        return None
    if key in INT_KEYS:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31:
            return value
    elif key in TEXT_KEYS:
        if isinstance(value, str) and len(value) <= 200:
            return value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment
    raise _invalid("The cursor holds a value this sort cannot have.")


def decode(token: str, sort: str, nullable: bool) -> Cursor:
    """The cursor ``token`` for a list sorted by ``sort``; BadRequest when it is not one."""
    if len(token) > MAX_LENGTH:
        raise _invalid("The cursor is not one this list gave.")
    try:
        payload = _serializer().loads(token)
    except BadData:
        raise _invalid("The cursor is not one this list gave.") from None
    if not (isinstance(payload, list) and len(payload) == 4):
        raise _invalid("The cursor is not one this list gave.")
    cursor_sort, value, ticket_id, served = payload
    if cursor_sort != sort:
        raise _invalid(f"The cursor belongs to sort={cursor_sort}: send the same sort.")
    for number in (ticket_id, served):
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number < 2**62:
            raise _invalid("The cursor is not one this list gave.")
    value = _typed(sort.lstrip("-"), value)
    if value is None and not nullable:
        raise _invalid("The cursor holds a value this sort cannot have.")
    return Cursor(sort, value, ticket_id, served)


def after(
    column: ColumnElement, cursor: Cursor, nullable: bool, id_column: ColumnElement | None = None
) -> ColumnElement[bool]:
    """The rows that come after ``cursor`` in ``(column, id)`` order (see the module doc);
    ``id_column`` is the ticket's id (``Ticket.id`` unless the rows come from elsewhere)."""
    descending = cursor.sort.startswith("-")
    id_column = Ticket.id if id_column is None else id_column
    id_after = id_column < cursor.id if descending else id_column > cursor.id
    if cursor.value is None:
        return and_(column.is_(None), id_after)
    value = literal(cursor.value, column.type)
    if descending:
        rest = and_(column <= value, or_(column < value, id_after))
    else:
        rest = and_(column >= value, or_(column > value, id_after))
    return or_(rest, column.is_(None)) if nullable else rest
