"""The ticket CSV: one writer shared by the export job and ``flask tickets export``.

What every file guarantees, on both paths below:

* UTF-8 with a byte-order mark (Excel then reads accents and emoji correctly);
* RFC 4180 quoting: a field holding a comma, a double quote or a line break is quoted, inner
  quotes doubled; records end with ``\\n`` (PostgreSQL's COPY cannot emit CRLF, so both paths
  use LF; Excel, LibreOffice and every CSV reader accept it);
* formula injection neutralised (OWASP CSV injection): a free-text cell that starts with
  ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` so spreadsheets show
  it as text. Enum, number and timestamp columns cannot start with those characters;
* tags joined with ``", "`` in name order; timestamps ISO 8601 UTC
  (``2026-11-27T03:44:40.123456+00:00``, fixed width); NULL is an empty cell.

Two ways to produce the rows, memory flat on both (rows are streamed, never collected):

* **COPY** (PostgreSQL): ``COPY (SELECT …) TO STDOUT (FORMAT CSV)`` through psycopg, with the
  neutralisation, tag join and timestamp format done in the SELECT; the bytes go straight to
  the file.
* **csv.writer** (SQLite, or ``EXPORT_USE_COPY=false``): a streamed SQLAlchemy Core select
  (server-side cursor on PostgreSQL), tags fetched per batch of 1,000 rows, cells formatted
  and neutralised in Python.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

from sqlalchemy import ColumnElement, Select, String, case, func, literal_column, select

from ..core.csvsafe import FORMULA_PREFIXES, QUOTE, neutralise
from ..core.extensions import db
from ..models import Tag, Ticket, ticket_tags
from ..tickets.services import filter_tickets

TAG_SEPARATOR = ", "
BOM = codecs.BOM_UTF8
BATCH = 1_000
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"
PG_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'

#: Column -> kind. ``text`` cells are neutralised; ``enum``/``number`` cannot start with a
#: formula character (CHECK constraints); ``time`` is formatted; ``tags`` is joined.
COLUMN_KINDS: dict[str, str] = {
    "id": "number",
    "subject": "text",
    "body": "text",
    "status": "enum",
    "priority": "enum",
    "priority_source": "enum",
    "category": "enum",
    "category_source": "enum",
    "sentiment": "enum",
    "urgency_score": "number",
    "confidence": "number",
    "explanation": "text",
    "suggested_title": "text",
    "triage_status": "enum",
    "tags": "tags",
    "requester_email": "text",
    "requester_name": "text",
    "language": "enum",
    "note": "text",
    "classified_at": "time",
    "created_at": "time",
    "updated_at": "time",
    "resolved_at": "time",
}
ALLOWED_COLUMNS: tuple[str, ...] = tuple(COLUMN_KINDS)
DEFAULT_COLUMNS: tuple[str, ...] = (
    "id", "subject", "body", "status", "priority", "category", "category_source", "sentiment",
    "urgency_score", "confidence", "tags", "requester_email", "note", "created_at",
    "updated_at", "resolved_at",
)  # fmt: skip

Progress = Callable[[int], None]


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(TIME_FORMAT)


def _ordered(stmt: Select) -> Select:
    return stmt.order_by(Ticket.id)


# --------------------------------------------------------------------------- csv.writer path


def _python_formatter(kind: str) -> Callable[[Any], Any]:
    if kind == "text":
        return lambda v: neutralise(v) if v else v
    if kind == "time":
        return format_time
    return lambda v: v


def _tags_for(ids: Sequence[int]) -> dict[int, str]:
    by_ticket: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        select(ticket_tags.c.ticket_id, Tag.name)
        .join(Tag, Tag.id == ticket_tags.c.tag_id)
        .where(ticket_tags.c.ticket_id.in_(ids))
        .order_by(ticket_tags.c.ticket_id, Tag.name)
    )
    for ticket_id, name in rows:
        by_ticket[ticket_id].append(name)
    return {k: neutralise(TAG_SEPARATOR.join(v)) for k, v in by_ticket.items()}


class _LineFeedRecords:
    """Ends each record with LF, as COPY does, while csv.writer still quotes any field with a
    CR in it (it quotes only the characters of its own line terminator, so it is given
    CRLF and the final CRLF of every record — never inside a field — becomes LF)."""

    def __init__(self, text: io.TextIOBase) -> None:
        self._write = text.write

    def write(self, record: str) -> int:
        return self._write(record[:-2] + "\n")


def write_with_csv_module(
    handle: BinaryIO,
    filters: dict[str, Any],
    columns: Sequence[str],
    progress: Progress | None = None,
) -> int:
    """Stream the selected tickets through ``csv.writer``; returns the number of rows."""
    scalar = [c for c in columns if c != "tags"]
    selected = [Ticket.id.label("_pk"), *(getattr(Ticket, c).label(c) for c in scalar)]
    stmt = _ordered(filter_tickets(select(*selected), filters))
    # (position in the row, formatter) per output column; position None = the joined tags.
    cells = [
        (None if c == "tags" else scalar.index(c) + 1, _python_formatter(COLUMN_KINDS[c]))
        for c in columns
    ]
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(_LineFeedRecords(text), lineterminator="\r\n")
        writer.writerow(columns)
        count = 0
        result = db.session.execute(stmt.execution_options(yield_per=BATCH))
        for batch in result.partitions(BATCH):
            tags = _tags_for([row[0] for row in batch]) if "tags" in columns else {}
            out = [
                [tags.get(row[0]) if at is None else fmt(row[at]) for at, fmt in cells]
                for row in batch
            ]
            writer.writerows(out)
            count += len(batch)
            if progress:
                progress(len(batch))
        text.flush()
    finally:
        text.detach()  # the caller owns (and closes) the binary handle
    return count


# --------------------------------------------------------------------------- COPY path


def sql_string(value: str) -> str:
    """A SQL string literal (standard_conforming_strings): quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def _sql_neutralised(expr: ColumnElement) -> ColumnElement:
    # ascii() is the code point of the first character: an integer test, no substring built.
    codes = [literal_column(str(ord(p))) for p in sorted(FORMULA_PREFIXES)]
    quote = literal_column(sql_string(QUOTE), String)
    return case(
        (func.ascii(expr).in_(codes), quote + expr),
        else_=expr,
    )


_TAG_CODES = ", ".join(str(ord(p)) for p in sorted(FORMULA_PREFIXES))
TAGS_SQL = (
    f"(SELECT CASE WHEN ascii(joined.tags) IN ({_TAG_CODES}) THEN {sql_string(QUOTE)} || "  # noqa: S608 - constants only
    "joined.tags "
    "ELSE joined.tags END FROM (SELECT string_agg(tags.name, "
    + sql_string(TAG_SEPARATOR)
    + " ORDER BY tags.name) AS tags FROM ticket_tags JOIN tags ON tags.id = ticket_tags.tag_id "
    "WHERE ticket_tags.ticket_id = tickets.id) AS joined)"
)


def _sql_expression(name: str) -> ColumnElement:
    kind = COLUMN_KINDS[name]
    if kind == "tags":
        # One scalar subquery per row; the CASE sits inside it so the aggregate runs once.
        return literal_column(TAGS_SQL, String).label(name)
    column = getattr(Ticket, name)
    if kind == "text":
        return _sql_neutralised(column).label(name)
    if kind == "time":
        utc = column.op("AT TIME ZONE")(literal_column("'UTC'"))
        return func.to_char(utc, literal_column(f"'{PG_TIME_FORMAT}'")).label(name)
    return column.label(name)


def copy_statement(filters: dict[str, Any], columns: Sequence[str]) -> tuple[str, dict]:
    """The ``COPY (SELECT …) TO STDOUT`` text and its parameters (merged by psycopg)."""
    stmt = _ordered(
        filter_tickets(select(*(_sql_expression(c) for c in columns)).select_from(Ticket), filters)
    )
    dialect = db.session.get_bind().dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return f"COPY ({compiled}) TO STDOUT (FORMAT CSV)", dict(compiled.params)


def write_with_copy(
    handle: BinaryIO,
    filters: dict[str, Any],
    columns: Sequence[str],
    progress: Progress | None = None,
) -> int:
    """Stream PostgreSQL's own CSV output to ``handle``; returns the number of rows."""
    sql, params = copy_statement(filters, columns)
    _write_header(handle, columns)
    raw = db.session.connection().connection.driver_connection
    count = 0
    with raw.cursor() as cursor:
        with cursor.copy(sql, params) as copy:
            # libpq hands over one CopyData message per row.
            for chunk in copy:
                handle.write(chunk)
                count += 1
                if progress and count % BATCH == 0:
                    progress(BATCH)
        if progress and count % BATCH:
            progress(count % BATCH)
        rows = cursor.rowcount
    return rows if rows is not None and rows >= 0 else count


def _write_header(handle: BinaryIO, columns: Iterable[str]) -> None:
    buffer = io.StringIO()
    csv.writer(_LineFeedRecords(buffer), lineterminator="\r\n").writerow(list(columns))
    handle.write(BOM + buffer.getvalue().encode("utf-8"))


# --------------------------------------------------------------------------- entry point


def uses_copy(use_copy: bool) -> bool:
    return use_copy and db.session.get_bind().dialect.name == "postgresql"


def write_csv(
    handle: BinaryIO,
    filters: dict[str, Any],
    columns: Sequence[str] = DEFAULT_COLUMNS,
    progress: Progress | None = None,
    use_copy: bool = True,
) -> int:
    """Write the tickets ``filters`` select (as GET /api/tickets would) as CSV to ``handle``.

    The rows are read in one statement, so the file is one consistent snapshot taken when
    the statement runs. Returns the number of data rows written.
    """
    columns = list(columns)
    if uses_copy(use_copy):
        return write_with_copy(handle, filters, columns, progress)
    handle.write(BOM)
    return write_with_csv_module(handle, filters, columns, progress)
