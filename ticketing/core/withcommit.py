"""Writes that travel with the COMMIT: rows nothing reads back before the transaction ends
(an audit row, a new ticket's acknowledgement in the outbox, the rollups' upsert).

On PostgreSQL a writer hands its rows to :func:`insert_rows`; in the session's outer
transaction they are **kept** for the connection and sent, with the statements of the
registered producers (:func:`at_commit`: the rollups' upsert) and the ``COMMIT`` itself, in one
psycopg pipeline: one round trip instead of one per statement, and no statement built and
answered through the ORM's execution path. The rows commit or roll back with everything else:

* a statement the connection runs before its commit (a read, a savepoint, another write) first
  writes the kept rows (``before_cursor_execute``), so a transaction always sees what it wrote;
* inside a savepoint, or on another database (SQLite), rows are written at once;
* a rollback drops them with the rest of the transaction;
* a failed write (a kept row's or the ``COMMIT``'s) fails the commit as a SQLAlchemy
  ``DBAPIError``; the transaction is then rolled back, as any failed commit is.

A kept row is written as given: every column the table fills by default must be in it (a
Python-side default is never applied here; the statement refuses to be kept without it).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert
from sqlalchemy.exc import DBAPIError

from .hooks import listen_once

#: One statement for the pipeline: SQL in the driver's parameter style, and its parameter sets.
Statement = tuple[str, Sequence[Mapping[str, Any]]]

#: Kept rows by the connection that will commit them (a new ``Connection`` for each session
#: transaction; weak, so one closed without commit or rollback leaves nothing behind).
_kept: weakref.WeakKeyDictionary[Connection, list[Statement]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_producers: list[Callable[[Connection], list[Statement]]] = []
#: ``INSERT`` of (table, columns) compiled for the driver, with its bind processors.
_compiled: dict[tuple[str, Table, tuple[str, ...]], tuple[str, dict[str, Callable]]] = {}


def _compile(connection: Connection, table: Table, columns: tuple[str, ...]):
    key = (connection.dialect.name, table, columns)
    found = _compiled.get(key)
    if found is None:
        compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(columns))
        if compiled.insert_prefetch or compiled.positional:
            missing = ", ".join(column.name for column in compiled.insert_prefetch)
            raise ValueError(f"{table.name}: a kept row needs every defaulted column ({missing})")
        processors = {
            name: proc for name, proc in compiled._bind_processors.items() if proc is not None
        }
        found = _compiled[key] = (compiled.string, processors)
    return found


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) in ``connection``'s transaction: kept for its
    commit on PostgreSQL outside a savepoint, written now otherwise."""
    if not rows:
        return
    if connection.dialect.name != "postgresql" or connection.in_nested_transaction():
        connection.execute(insert(table), rows)
        return
    sql, processors = _compile(connection, table, tuple(rows[0]))
    if processors:
        rows = [
            {name: (processors[name](value) if name in processors else value)
             for name, value in row.items()}
            for row in rows
        ]  # fmt: skip
    with _lock:
        _kept.setdefault(connection, []).append((sql, rows))


def at_commit(producer: Callable[[Connection], list[Statement]]) -> None:
    """Register ``producer``: at each commit on PostgreSQL, the statements it returns for the
    connection go in the commit's pipeline, after the kept rows (once per process)."""
    if producer not in _producers:
        _producers.append(producer)


def _take(connection: Connection) -> list[Statement] | None:
    with _lock:
        return _kept.pop(connection, None)


def _send(connection: Connection, statements: Iterable[Statement], commit: bool) -> None:
    raw = connection.connection.driver_connection
    dialect = connection.dialect
    sql, params = "", None
    try:
        with raw.pipeline(), raw.cursor() as cursor:
            for sql, params in statements:
                if len(params) == 1:
                    cursor.execute(sql, params[0])
                else:
                    cursor.executemany(sql, params)
            if commit:
                # Queued as a statement (``raw.commit()`` would sync, and leaving the pipeline
                # sync again: two round trips); the pipeline's one Sync at its end sends all.
                sql, params = "COMMIT", None
                cursor.execute(sql)
    except dialect.loaded_dbapi.Error as err:
        raise DBAPIError.instance(
            sql, params, err, dialect.loaded_dbapi.Error, dialect=dialect
        ) from err


def write_kept(connection: Connection) -> None:
    """Write the rows kept for ``connection``'s commit now (one pipeline, no commit)."""
    kept = _take(connection)
    if kept:
        _send(connection, kept, commit=False)


def commit(connection: Connection) -> None:
    """Engine hook (``commit``, just before the DB-API commit): the kept rows, the producers'
    statements and the ``COMMIT`` in one pipeline — sent together, answered together. The
    DB-API commit that follows finds the transaction ended and does nothing."""
    if connection.dialect.name != "postgresql":
        return
    statements = _take(connection) or []
    for producer in _producers:
        statements.extend(producer(connection))
    if statements:
        _send(connection, statements, commit=True)


def _before_statement(connection: Connection, *_args: Any) -> None:
    if connection in _kept:
        write_kept(connection)


def _drop(connection: Connection) -> None:
    _take(connection)


def register() -> None:
    """Attach the hooks to every engine (once per process)."""
    listen_once(
        Engine,
        ("before_cursor_execute", _before_statement),
        ("commit", commit),
        ("rollback", _drop),
    )
