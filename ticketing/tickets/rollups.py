"""Ticket rollups: counts by created day x status x (dimension, value), kept in step with
every ticket write **in the same transaction**, so ``/api/stats`` reads a few hundred rows
instead of the tickets table (``models.TicketRollup``; docs/stats.md).

How they stay exact:

* **ORM writes** (API, intake, CSV import, CLI, jobs, future bulk edits through the session):
  two session hooks. ``before_flush`` takes each changed or deleted ticket's *old* values
  (attribute history; one SELECT only for values set while unloaded) as negative deltas;
  ``after_flush_postexec`` (the flush's last step) adds each new or changed ticket's values as
  it was written (defaults and other hooks' changes included) and writes the netted deltas
  with one upsert on the flush's connection — they commit or roll back with the change they
  count.
* **Core/COPY writes that bypass the ORM** (the seeder's batches) call :func:`add_rows`.
* Anything else that writes tickets behind SQLAlchemy's back (raw SQL, a restore) is
  repaired by ``flask tickets rollups rebuild`` (:func:`rebuild`), and detected by
  ``flask tickets rollups check`` (:func:`check`).

Each ticket counts in 12 rows: for its created day and for the all-time day (``ALL_DAYS``),
one ``all`` row (count, urgency sum and count, resolved count) and one row per dimension
(category, priority, sentiment, category_source, priority_source; NULL = ``''``); and, when
resolved/closed with a ``resolved_at``, in 2 more: its bucket of the resolution histogram of
its created day and of the all-time one (so a created window's median reads only its days'
buckets). Resolving adds the ticket's bucket, reopening, deleting or re-dating takes it away:
the same old-values/new-values deltas as every other counter. A triaged ticket also counts in
its triage-history rows (per day and all-time): agreement per field, and its runs by source
(from the ticket's ``triaged_*`` / ``triage_runs_*`` columns, which each run updates), so the
stats' triage figures never scan the runs either.

Upserts (``ON CONFLICT DO UPDATE``) rather than insert-only deltas: the upkeep runs hourly, and
an hour of uncompacted deltas would make every read slower than the scan it replaces. The cost
is a row lock on the day's rows (every create of the day updates the same dozen rows) from the
upsert to the commit; rows are written in key order so two writers always lock in the same
order within one statement.

**On PostgreSQL the upsert travels with the COMMIT.** A flush of the session's outer transaction
keeps its deltas (netted per transaction) and the connection's ``commit`` event sends them
with the ``COMMIT`` in one round trip (psycopg's pipeline; ``core.withcommit``, which sends the
transaction's other kept rows in it too): the rows are locked for the upsert and the commit's
WAL flush, not while the writer's thread waits for its turn at
the GIL between two round trips. Under gunicorn's threads that wait (up to the interpreter's
5 ms switch interval) serialised every create of the day behind the locks: 30% of the CPU
stood idle at ~200 creates/s. A flush inside a savepoint writes at once, so the savepoint's
rollback takes its counts with it; a rollback drops the kept deltas. A read of the rollups in
the transaction that changed tickets first writes them (``write_kept``: ``stored``,
``rebuild``). SQLite (one writer at a time anyway) writes at every flush.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, delete, inspect, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import InstanceState, Session
from sqlalchemy.orm.base import NO_VALUE

from ..core import withcommit
from ..core.extensions import db
from ..core.hooks import listen_once
from ..core.vocab import CLOSED_STATUSES, TriageSource, values
from ..models import Ticket, TicketRollup

#: The ``day`` of the all-time rows (no ticket is created in year 1).
ALL_DAYS = date(1, 1, 1)
ALL = "all"
RESOLUTION = "resolution"
#: Ticket columns counted per value, in the order of the stats breakdowns.
DIMENSIONS = ("category", "priority", "sentiment", "category_source", "priority_source")
#: The triage history in brief (ticket columns kept by each run): ``<field>_agreement`` rows
#: count tickets whose latest run gave the field a value, by whether the current value still
#: equals it (``agreed``) or not (``differs``); ``runs`` rows count runs by source, failed
#: runs, and (``tickets``) the tickets with any run.
AGREEMENT_FIELDS = ("category", "priority")
RUNS = "runs"
RUN_SOURCES = values(TriageSource)
RUN_COUNTS = (*RUN_SOURCES, "failed")
RUN_TICKETS = "tickets"
TRIAGE_FIELDS = (
    *(f"triaged_{field}" for field in AGREEMENT_FIELDS),
    *(f"triage_runs_{name}" for name in RUN_COUNTS),
)
#: Every dimension but the histogram: what a stats headline reads (an IN list, so the
#: (dimension, day) index skips the window's histogram rows, most of a window's rows).
COUNT_DIMENSIONS = (
    ALL,
    *DIMENSIONS,
    *(f"{field}_agreement" for field in AGREEMENT_FIELDS),
    RUNS,
)
#: The triage-history figures, as ``<dimension>:<value>`` keys of a stats headline row.
HISTORY_KEYS = (
    *(f"{RUNS}:{name}" for name in (*RUN_COUNTS, RUN_TICKETS)),
    *(
        f"{field}_agreement:{verdict}"
        for field in AGREEMENT_FIELDS
        for verdict in ("agreed", "differs")
    ),
)
#: Every ticket column a rollup depends on.
FIELDS = ("status", *DIMENSIONS, "urgency_score", "created_at", "resolved_at", *TRIAGE_FIELDS)
#: Resolution histogram: bucket b >= 1 holds durations in [RATIO**(b-1), RATIO**b) seconds,
#: read back as the geometric middle, so a value is off by at most ~0.5%; bucket 0: < 1 s.
RATIO = 1.01
_LOG_RATIO = math.log(RATIO)
#: Counters of a row: n, urgency_sum, urgency_n, resolved_n.
COUNTERS = ("n", "urgency_sum", "urgency_n", "resolved_n")
#: Rows per upsert statement (8 parameters each: under every engine's parameter limit).
CHUNK = 1000

_PENDING = "ticketing.rollups.pending"
_table = TicketRollup.__table__

Key = tuple[date, str, str, str]


def bucket(seconds: float) -> int:
    """The histogram bucket of a resolution time (negative and sub-second times: 0)."""
    if seconds < 1:
        return 0
    return 1 + math.floor(math.log(seconds) / _LOG_RATIO)


def bucket_hours(number: int) -> float:
    """The hours a bucket stands for: the geometric middle of its range."""
    if number <= 0:
        return 0.0
    return math.exp((number - 0.5) * _LOG_RATIO) / 3600


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def utc_day(value: datetime) -> date:
    return _aware(value).astimezone(UTC).date()


def is_resolved(status: str | None, resolved_at: datetime | None) -> bool:
    """Counted in the median (and ``resolved_count``): resolved/closed with a time."""
    return status in CLOSED_STATUSES and resolved_at is not None


class Deltas:
    """Counter changes netted by key; ``add`` a ticket's values with +1, take them with -1."""

    def __init__(self) -> None:
        self.counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def _bump(self, key: Key, sign: int, urgency: int = 0, scored: int = 0, done: int = 0):
        row = self.counts[key]
        row[0] += sign
        row[1] += urgency
        row[2] += scored
        row[3] += done

    def merge(self, other: Deltas) -> None:
        """Add ``other``'s netted changes to these."""
        for key, (n, urgency, scored, done) in other.counts.items():
            self._bump(key, n, urgency, scored, done)

    def add(self, values: Mapping[str, Any], sign: int = 1) -> None:
        status, created = values["status"], values["created_at"]
        if status is None or created is None:  # not a row the database would accept
            return
        score = values["urgency_score"]
        resolved = is_resolved(status, values["resolved_at"])
        for day in (utc_day(created), ALL_DAYS):
            self._bump(
                (day, status, ALL, ""),
                sign,
                sign * (score or 0),
                sign * (score is not None),
                sign * resolved,
            )
            for name in DIMENSIONS:
                self._bump((day, status, name, values[name] or ""), sign)
            self._add_triage(values, (day, status), sign)
        if resolved:
            seconds = (_aware(values["resolved_at"]) - _aware(created)).total_seconds()
            for day in (utc_day(created), ALL_DAYS):
                self._bump((day, status, RESOLUTION, str(bucket(seconds))), sign)

    def _add_triage(self, values: Mapping[str, Any], at: tuple[date, str], sign: int) -> None:
        """The triage-history counters (rows written without them count no run)."""
        for field in AGREEMENT_FIELDS:
            said = values.get(f"triaged_{field}")
            if said is not None:
                verdict = "agreed" if values[field] == said else "differs"
                self._bump((*at, f"{field}_agreement", verdict), sign)
        runs = {name: values.get(f"triage_runs_{name}") or 0 for name in RUN_COUNTS}
        for name, count in runs.items():
            if count:
                self._bump((*at, RUNS, name), sign * count)
        if any(runs[name] for name in RUN_SOURCES):
            self._bump((*at, RUNS, RUN_TICKETS), sign)

    def rows(self) -> list[dict[str, Any]]:
        """The non-zero changes as rows, in key order (the order writers lock them in)."""
        return [
            {
                "day": key[0],
                "status": key[1],
                "dimension": key[2],
                "value": key[3],
                **dict(zip(COUNTERS, counts, strict=True)),
            }
            for key, counts in sorted(self.counts.items())
            if any(counts)
        ]


#: PostgreSQL: the upsert takes one array per column, so it is one statement, compiled and
#: prepared once, whatever the number of rows (a VALUES list of n rows is a new statement for
#: every n, compiled anew: ~6 ms of a ticket create). ``unnest`` yields the rows in array
#: order, which is key order: writers still lock in the same order.
_UPSERT_ARRAYS = text(
    "INSERT INTO ticket_rollups (day, status, dimension, value, n, urgency_sum, urgency_n, "  # noqa: S608 - constants only
    "resolved_n) SELECT * FROM unnest(CAST(:day AS date[]), CAST(:status AS varchar[]), "
    "CAST(:dimension AS varchar[]), CAST(:value AS varchar[]), CAST(:n AS bigint[]), "
    "CAST(:urgency_sum AS bigint[]), CAST(:urgency_n AS bigint[]), "
    "CAST(:resolved_n AS bigint[])) "
    "ON CONFLICT (day, status, dimension, value) DO UPDATE SET "
    + ", ".join(f"{name} = ticket_rollups.{name} + excluded.{name}" for name in COUNTERS)
)
_COLUMNS = ("day", "status", "dimension", "value", *COUNTERS)


def _array_params(rows: list[dict[str, Any]]) -> Iterator[dict[str, list]]:
    """``_UPSERT_ARRAYS``'s parameters for ``rows``, ``CHUNK`` rows at a time."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        yield {name: [row[name] for row in chunk] for name in _COLUMNS}


def write(connection: Connection, deltas: Deltas) -> int:
    """Add ``deltas`` to the rollups (upsert); returns how many rows it touched."""
    rows = deltas.rows()
    if connection.dialect.name == "postgresql":
        for params in _array_params(rows):
            connection.execute(_UPSERT_ARRAYS, params)
        return len(rows)
    for start in range(0, len(rows), CHUNK):
        stmt = sqlite.insert(_table).values(rows[start : start + CHUNK])
        stmt = stmt.on_conflict_do_update(
            index_elements=[_table.c.day, _table.c.status, _table.c.dimension, _table.c.value],
            set_={name: _table.c[name] + stmt.excluded[name] for name in COUNTERS},
        )
        connection.execute(stmt)
    return len(rows)


def add_rows(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Count tickets written without the ORM (Core INSERT, COPY), in the caller's
    transaction: each row a mapping holding at least :data:`FIELDS`."""
    deltas = Deltas()
    for row in rows:
        deltas.add(row)
    return write(connection, deltas)


# --- The session hooks ------------------------------------------------------------------


class _Pending:
    def __init__(self) -> None:
        self.deltas = Deltas()
        self.written: list[Ticket] = []


def _old_values(session: Session, state: InstanceState) -> dict[str, Any]:
    """The values a ticket has in the database before this flush: what it counted as."""
    old: dict[str, Any] = {}
    unknown: list[str] = []
    for name in FIELDS:
        if name in state.committed_state:  # changed since loaded: the loaded value
            value = state.committed_state[name]
        else:  # unchanged: the current value, if loaded
            value = state.dict.get(name, NO_VALUE)
        if value is NO_VALUE:
            unknown.append(name)
        else:
            old[name] = value
    if unknown:  # set or expired while unloaded: the row still holds the old value
        tickets = Ticket.__table__
        row = session.execute(
            select(*(tickets.c[n] for n in unknown)).where(tickets.c.id == state.identity[0])
        ).one()
        old.update(row._mapping)
    return old


def _counted_fields_changed(state: InstanceState) -> bool:
    return any(name in state.committed_state for name in FIELDS)


def before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    pending = _Pending()
    for obj in session.deleted:
        if isinstance(obj, Ticket) and inspect(obj).has_identity:
            pending.deltas.add(_old_values(session, inspect(obj)), -1)
    for obj in session.dirty:
        if isinstance(obj, Ticket) and obj not in session.deleted:
            state = inspect(obj)
            if _counted_fields_changed(state):
                pending.deltas.add(_old_values(session, state), -1)
                pending.written.append(obj)
    pending.written.extend(obj for obj in session.new if isinstance(obj, Ticket))
    if pending.written or pending.deltas.counts:
        session.info[_PENDING] = pending
    else:
        session.info.pop(_PENDING, None)


#: Deltas flushed by a session's outer transaction on PostgreSQL, not yet written, by the
#: connection that will commit them (a new ``Connection`` for each session transaction; weak,
#: so one closed without commit or rollback leaves nothing behind).
_kept: weakref.WeakKeyDictionary[Connection, Deltas] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def after_flush(session: Session, flush_context: Any) -> None:
    """The flush's deltas: hooked to ``after_flush_postexec``, the flush's last step, after
    every other writer (the audit rows …). PostgreSQL, outer transaction: kept for the commit
    (``kept_upsert``); otherwise written now."""
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return
    for ticket in pending.written:
        pending.deltas.add({name: getattr(ticket, name) for name in FIELDS})
    connection = session.connection()
    if connection.dialect.name != "postgresql" or session.in_nested_transaction():
        write(connection, pending.deltas)
        return
    with _kept_lock:
        kept = _kept.get(connection)
        if kept is None:
            _kept[connection] = pending.deltas
            return
    kept.merge(pending.deltas)


def _take_kept(connection: Connection) -> Deltas | None:
    with _kept_lock:
        return _kept.pop(connection, None)


def write_kept(session: Session | None = None) -> None:
    """Write the deltas this session's transaction has kept for its commit now (a read of the
    rollups inside that transaction must see them)."""
    session = session or db.session
    connection = session.connection()
    kept = _take_kept(connection)
    if kept is not None:
        write(connection, kept)


#: ``_UPSERT_ARRAYS`` compiled for the DB-API (psycopg's ``%(name)s``), once per dialect.
_raw_upsert: dict[str, str] = {}


def kept_upsert(connection: Connection) -> list[withcommit.Statement]:
    """Commit producer (``core.withcommit``): the kept deltas' upsert, sent with the
    ``COMMIT`` in one pipeline (the transaction's other kept rows before it)."""
    kept = _take_kept(connection)
    if kept is None:
        return []
    rows = kept.rows()
    if not rows:
        return []
    dialect = connection.dialect
    sql = _raw_upsert.get(dialect.name)
    if sql is None:
        sql = _raw_upsert[dialect.name] = str(_UPSERT_ARRAYS.compile(dialect=dialect))
    return [(sql, [params]) for params in _array_params(rows)]


def drop_kept(connection: Connection) -> None:
    """Engine hook (``rollback``): the transaction's counts go with its changes."""
    _take_kept(connection)


def register() -> None:
    """Attach the hooks to Flask-SQLAlchemy's session class and to every engine (once per
    process)."""
    listen_once(db.session, ("before_flush", before_flush), ("after_flush_postexec", after_flush))
    listen_once(Engine, ("rollback", drop_kept))
    withcommit.at_commit(kept_upsert)


# --- Recount ------------------------------------------------------------------------------


def recount(session: Session | None = None) -> Deltas:
    """The rollups as a full scan of the tickets would have them (streamed, ~1 s per 200k)."""
    session = session or db.session
    deltas = Deltas()
    columns = [Ticket.__table__.c[name] for name in FIELDS]
    result = session.execute(
        select(*columns).execution_options(stream_results=True, yield_per=10_000)
    )
    for row in result.mappings():
        deltas.add(row)
    return deltas


def stored(session: Session | None = None) -> dict[Key, list[int]]:
    """The rollups as stored, by key (rows that are all zero left out)."""
    session = session or db.session
    write_kept(session)
    out: dict[Key, list[int]] = {}
    for row in session.execute(select(_table)).mappings():
        counts = [int(row[c]) for c in COUNTERS]
        if any(counts):
            day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(row["day"])
            out[(day, row["status"], row["dimension"], row["value"])] = counts
    return out


def rebuild(session: Session | None = None) -> int:
    """Recount the rollups from the tickets, in the caller's transaction (it commits).

    On PostgreSQL the rollups are locked first (writers wait at their upsert until this
    commits; writers already past it have committed before the scan's snapshot), so no
    change is counted twice or lost. Returns the number of rows written.
    """
    session = session or db.session
    session.flush()
    _take_kept(session.connection())  # the recount counts this transaction's changes
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE ticket_rollups IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(delete(_table))
    return write(session.connection(), recount(session))


def check(session: Session | None = None) -> list[tuple[Key, list[int], list[int]]]:
    """Differences between the stored rollups and a recount: (key, stored, recounted)."""
    want = {key: counts for key, counts in recount(session).counts.items() if any(counts)}
    have = stored(session)
    zero = [0, 0, 0, 0]
    return [
        (key, have.get(key, zero), want.get(key, zero))
        for key in sorted(set(want) | set(have))
        if have.get(key, zero) != want.get(key, zero)
    ]


def prune() -> dict[str, int]:
    """Upkeep: drop rows whose counters all went back to zero (deleted or moved tickets).

    Safe beside writers: on PostgreSQL a row a writer just raised is re-checked and kept.
    """
    result = db.session.execute(delete(_table).where(*(_table.c[name] == 0 for name in COUNTERS)))
    db.session.commit()
    return {"pruned": result.rowcount or 0}


#: List parameters that choose a page, not which tickets: they never stop a rollup count.
_PAGING = frozenset({"page", "per_page", "sort", "cursor"})
#: Filters a rollup row can count: the statuses, and one of these dimensions.
_COUNTED = frozenset({"category", "priority", "sentiment"})


def count_matching(filters: Mapping[str, Any], none_word: str) -> int | None:
    """``matching_count``'s count, read now; ``None`` for a filter it cannot count."""
    stmt = matching_count(filters, none_word)
    return None if stmt is None else int(db.session.scalar(stmt) or 0)


def matching_count(filters: Mapping[str, Any], none_word: str) -> Select | None:
    """The statement reading the exact number of tickets a list filter selects from the
    all-time rollup rows (one indexed read of a few rows instead of counting thousands of
    index entries), when the filter is statuses and at most one of category / priority /
    sentiment — the list's commonest ("open billing tickets"). ``None`` for any other
    filter: the caller counts. The list runs it as a scalar subquery of its page's query.

    ``none_word`` is the filter value that means NULL (rollups store NULL as ``''``)."""
    active = {
        key: value
        for key, value in filters.items()
        if key not in _PAGING and value is not None and value != [] and value != ""
    }
    dimensions = set(active) - {"status"}
    if len(dimensions) > 1 or not dimensions <= _COUNTED:
        return None
    stmt = select(db.func.coalesce(db.func.sum(TicketRollup.n), 0)).where(
        TicketRollup.day == ALL_DAYS
    )
    if dimensions:
        (name,) = dimensions
        values = ["" if value == none_word else value for value in active[name]]
        stmt = stmt.where(TicketRollup.dimension == name, TicketRollup.value.in_(values))
    else:
        stmt = stmt.where(TicketRollup.dimension == ALL, TicketRollup.value == "")
    if statuses := active.get("status"):
        stmt = stmt.where(TicketRollup.status.in_(statuses))
    return stmt
