"""``/api/stats`` from the ticket rollups (``tickets/rollups.py``): which filters they answer
exactly, and the few small queries that do.

The rollups are keyed by created day (UTC) x status, so they answer exactly — the same
figures as a scan — when the only filters are ``status`` and a ``created_from`` /
``created_to`` window whose bounds fall on UTC midnights (bare dates always do). Any other
filter (category, tag, ``q``, a mid-day bound …) goes to the scan in ``services``.

The median has one definition for all time and for a created window: with up to
:data:`EXACT_MEDIAN_MAX` matching tickets it is computed exactly from the tickets (a sort
bounded by the status index or the window); otherwise from the resolution histogram rows of
the same days the counts come from (the all-time rows, or each day of the window). The
histogram places each duration in a 1%-wide log-scale bucket, read back as its geometric
middle: within 0.5% of the exact median (plus the 0.005 h of rounding to 2 decimals).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import current_app
from sqlalchemy import BigInteger, Integer, Select, cast, func, select

from ..core.extensions import db
from ..core.statements import Kept, frozen, kept
from ..models import TicketRollup
from ..tickets import rollups

#: The filters the rollups answer (with day-aligned bounds).
ROLLUP_FILTERS = frozenset({"status", "created_from", "created_to"})
#: Up to this many matching tickets the median is exact (a sort of at most that many rows).
EXACT_MEDIAN_MAX = 2_000
#: Statements kept per process (headline and series, per filter set and day).
KEPT = 32

R = TicketRollup


def _midnight_day(value: datetime) -> date | None:
    moment = value.astimezone(UTC)
    return moment.date() if moment.time() == time.min else None


def answerable(filters: dict[str, Any]) -> bool:
    """Whether the rollups give exactly the figures a scan would for these filters."""
    if not current_app.config["STATS_FROM_ROLLUPS"] or set(filters) - ROLLUP_FILTERS:
        return False
    bounds = (filters.get("created_from"), filters.get("created_to"))
    return all(_midnight_day(bound) is not None for bound in bounds if bound is not None)


def windowed(filters: dict[str, Any]) -> bool:
    return bool(filters.get("created_from") or filters.get("created_to"))


def _where(filters: dict[str, Any]) -> list:
    """Conditions on rollup rows: the status filter and the day window (else all-time)."""
    conditions = []
    if filters.get("status"):
        conditions.append(R.status.in_(filters["status"]))
    if not windowed(filters):
        return [*conditions, R.day == rollups.ALL_DAYS]
    conditions.append(R.day > rollups.ALL_DAYS)
    if filters.get("created_from"):
        conditions.append(R.day >= _midnight_day(filters["created_from"]))
    if filters.get("created_to"):
        conditions.append(R.day < _midnight_day(filters["created_to"]))
    return conditions


def headline(
    filters: dict[str, Any], breakdowns: dict[str, tuple], with_median: bool = False
) -> dict[str, Any]:
    """The scan's headline row (``total``, ``<breakdown>:<value>`` counts, ``avg_urgency``,
    ``resolved``, ``first_created``; with ``with_median`` the ``median_buckets`` too) from
    the rollups: one grouped read of ~100 rows (all-time) or ~100 per day in the window."""
    stmt, names = _kept().get(
        ("headline", frozen(filters), with_median), lambda: _headline_query(filters, with_median)
    )
    sums: dict[tuple[str, str], int] = {}
    total = urgency_sum = urgency_n = resolved = 0
    extra: dict[str, Any] = {}
    for status, dimension, value, n, u_sum, u_n, done, *rest in db.session.execute(stmt):
        extra = dict(zip(names, rest, strict=True))
        if dimension == rollups.ALL:
            key = ("status", status)
            total, urgency_sum = total + int(n), urgency_sum + int(u_sum)
            urgency_n, resolved = urgency_n + int(u_n), resolved + int(done)
        else:
            key = (dimension, value)
        sums[key] = sums.get(key, 0) + int(n)
    row: dict[str, Any] = {
        "total": total,
        "avg_urgency": urgency_sum / urgency_n if urgency_n else None,
        "resolved": resolved,
        "first_created": extra.get("first_day"),
        "median_buckets": (extra.get("median_low"), extra.get("median_high")),
    }
    for name, (column, values, null_key) in breakdowns.items():
        for value in values:
            row[f"{name}:{value}"] = sums.get((column.key, value), 0)
        if null_key:
            row[f"{name}:{null_key}"] = sums.get((column.key, ""), 0)
    for key in rollups.HISTORY_KEYS:
        dimension, value = key.split(":")
        row[key] = sums.get((dimension, value), 0)
    return row


def _kept() -> Kept:
    """The stats' statements, kept per process by the filters that built them (they depend on
    nothing else: the 30-day series' dates are in its key): see ``core.statements``."""
    return kept("stats", KEPT)


def _headline_query(filters: dict[str, Any], with_median: bool) -> tuple[Select, tuple]:
    """``headline``'s statement, and the names of its constant columns."""
    # The first day and the median's buckets ride along as constant columns (scalar
    # subqueries, each evaluated once): one round trip, not three.
    constants = []
    if not filters.get("created_from"):
        constants.append(first_day_query(filters).scalar_subquery().label("first_day"))
    if with_median:
        constants.extend(_median_buckets(filters))
    stmt = (
        select(
            R.status,
            R.dimension,
            R.value,
            func.sum(R.n),
            func.sum(R.urgency_sum),
            func.sum(R.urgency_n),
            func.sum(R.resolved_n),
            *constants,
        )
        .where(R.dimension.in_(rollups.COUNT_DIMENSIONS), *_where(filters))
        .group_by(R.status, R.dimension, R.value)
    )
    return stmt, tuple(c.key for c in constants)


def first_day_query(filters: dict[str, Any]) -> Select:
    """The created day of the first matching ticket (the window's start without
    created_from): the first day row that still counts a ticket."""
    stmt = (
        select(R.day)
        .where(R.dimension == rollups.ALL, R.n > 0, R.day > rollups.ALL_DAYS)
        .order_by(R.day)
        .limit(1)
    )
    if filters.get("status"):
        stmt = stmt.where(R.status.in_(filters["status"]))
    if filters.get("created_to"):
        stmt = stmt.where(R.day < _midnight_day(filters["created_to"]))
    return stmt


def per_day(filters: dict[str, Any], start: date, end: date) -> dict[date, int]:
    """Tickets created per day in [start, end] (days with none left out)."""
    key = ("per_day", frozen(filters), start, end)
    stmt = _kept().get(key, lambda: _per_day_query(filters, start, end))
    return {_as_date(day): int(n) for day, n in db.session.execute(stmt)}


def _per_day_query(filters: dict[str, Any], start: date, end: date) -> Select:
    low = start
    if filters.get("created_from"):  # days before it count no matching ticket
        low = max(start, _midnight_day(filters["created_from"]))
    stmt = (
        select(R.day, func.sum(R.n))
        .where(R.dimension == rollups.ALL, R.day >= low, R.day <= end)
        .group_by(R.day)
    )
    if filters.get("status"):
        stmt = stmt.where(R.status.in_(filters["status"]))
    return stmt


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _median_buckets(filters: dict[str, Any]) -> list:
    """Two scalar subqueries: the histogram buckets (of the matching days: all-time rows, or
    the window's day rows) that hold the middle rank(s) of the resolved tickets — the first
    bucket whose running count passes rank ``(total - 1) / 2``, and ``total / 2`` (the same
    bucket when the middle falls inside one). The database reads the ~500 buckets; only two
    numbers come back."""
    buckets = (
        select(cast(R.value, Integer).label("b"), cast(func.sum(R.n), BigInteger).label("n"))
        .where(R.dimension == rollups.RESOLUTION, *_where(filters))
        .group_by(R.value)
        .subquery("buckets")
    )
    # bigint running sums (a sum of bigint is numeric, whose window sums and comparisons with
    # a double cost ~15% of the stats statement).
    running = select(
        buckets.c.b,
        cast(func.sum(buckets.c.n).over(order_by=buckets.c.b), BigInteger).label("upto"),
        cast(func.sum(buckets.c.n).over(), BigInteger).label("total"),
    ).cte("running")  # a CTE both subqueries read: computed once
    # The first bucket whose running count passes rank (total - 1) / 2, and total / 2; in
    # integers: 2 * upto > total - 1, and 2 * upto > total.
    return [
        select(func.min(running.c.b))
        .where(2 * running.c.upto > bound)
        .scalar_subquery()
        .label(name)
        for name, bound in (
            ("median_low", running.c.total - 1),
            ("median_high", running.c.total),
        )
    ]


def median_hours(buckets: tuple[Any, Any]) -> float | None:
    """The median resolution time (hours, 2 decimals) from its two middle buckets (each
    taken as its geometric middle), as ``headline(with_median=True)`` found them."""
    if buckets[0] is None or buckets[1] is None:
        return None
    hours = [rollups.bucket_hours(int(number)) for number in buckets]
    return round(sum(hours) / 2, 2)
