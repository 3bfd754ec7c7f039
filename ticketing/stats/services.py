"""Ticket statistics and triage metrics, computed by the database.

Every figure is an aggregate (``count(*) FILTER (WHERE …)``, ``avg``, ``percentile_cont``,
``GROUP BY``): no ticket row is ever loaded into Python. The whole ticket table is scanned
once for the headline figures (every enum breakdown rides on that one scan as a FILTER
aggregate, and so does the triage history, from each ticket's brief of its runs), once more
over an index range for the 30-day series. Day boundaries are UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from ..core.extensions import db
from ..core.vocab import (
    CLOSED_STATUSES,
    UNCLASSIFIED,
    UNRESOLVED_STATUSES,
    UNSET,
    Category,
    Priority,
    Sentiment,
    Source,
    TicketStatus,
    TriageSource,
    values,
)
from ..models import Ticket
from ..tickets import rollups
from ..tickets.services import filter_tickets
from . import rollup_queries

#: Length of the ``per_day`` series.
PER_DAY_DAYS = 30
#: The key that counts tickets with no value for a breakdown.

#: Breakdown name -> (column, the enum values, key used for NULL).
BREAKDOWNS: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "by_status": (Ticket.status, values(TicketStatus), ""),
    "by_category": (Ticket.category, values(Category), UNCLASSIFIED),
    "by_priority": (Ticket.priority, values(Priority), UNSET),
    "by_sentiment": (Ticket.sentiment, values(Sentiment), UNSET),
    "by_category_source": (Ticket.category_source, values(Source), UNSET),
    "by_priority_source": (Ticket.priority_source, values(Source), UNSET),
}
SOURCE_BREAKDOWNS = ("by_category_source", "by_priority_source")


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _count_where(condition: ColumnElement[bool]):
    return func.count().filter(condition)


def _breakdown_columns(names=tuple(BREAKDOWNS)) -> list:
    """One labelled ``count(*) FILTER (WHERE col = value)`` per enum value (and NULL)."""
    columns = []
    for name in names:
        column, values, null_key = BREAKDOWNS[name]
        for value in values:
            columns.append(_count_where(column == value).label(f"{name}:{value}"))
        if null_key:
            columns.append(_count_where(column.is_(None)).label(f"{name}:{null_key}"))
    return columns


def _breakdowns(row: Any, names=tuple(BREAKDOWNS)) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for name in names:
        _column, values, null_key = BREAKDOWNS[name]
        keys = (*values, null_key) if null_key else values
        out[name] = {key: int(row[f"{name}:{key}"] or 0) for key in keys}
    return out


def _resolution_interval():
    """resolved_at - created_at for resolved/closed tickets, NULL for the others."""
    return case((_is_resolved(), Ticket.resolved_at - Ticket.created_at), else_=None)


def _is_resolved() -> ColumnElement[bool]:
    return Ticket.status.in_(CLOSED_STATUSES) & Ticket.resolved_at.is_not(None)


def _headline(filters: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The one scan: total, every breakdown, avg urgency, first day, resolved count, median."""
    columns = [
        func.count().label("total"),
        *_breakdown_columns(),
        func.avg(Ticket.urgency_score).label("avg_urgency"),
        func.min(Ticket.created_at).label("first_created"),
        _count_where(_is_resolved()).label("resolved"),
        *_history_columns(),
    ]
    if dialect == "postgresql":
        # percentile_cont ignores NULLs, so the CASE limits it to resolved tickets in the
        # same scan as everything else (interval sort; hours computed once afterwards).
        columns.append(
            func.percentile_cont(0.5).within_group(_resolution_interval()).label("median")
        )
    stmt = filter_tickets(select(*columns).select_from(Ticket), filters)
    row = db.session.execute(stmt).mappings().one()
    return dict(row)


def _median_hours_by_offset(filters: dict[str, Any], resolved: int) -> float | None:
    """Median for engines without percentile_cont: sort the durations, read the middle row(s).

    The database orders and averages the one or two middle values (LIMIT/OFFSET); only
    that number comes back.
    """
    if not resolved:
        return None
    hours = (func.julianday(Ticket.resolved_at) - func.julianday(Ticket.created_at)) * 24.0
    middle = (
        filter_tickets(select(hours.label("h")).select_from(Ticket), filters)
        .where(_is_resolved())
        .order_by(hours)
        .limit(2 - resolved % 2)
        .offset((resolved - 1) // 2)
        .subquery()
    )
    value = db.session.scalar(select(func.avg(middle.c.h)))
    return None if value is None else round(float(value), 2)


def _utc_day(column):
    if _dialect() == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite stores UTC text: date() reads its day


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def last_day(created_to: datetime | None, today: date) -> date:
    """The last UTC day a window covers: created_to is exclusive, so the day of its instant
    just before; without it, today."""
    if created_to is None:
        return today
    return (created_to.astimezone(UTC) - timedelta(microseconds=1)).date()


def per_day(filters: dict[str, Any], end: date) -> list[dict[str, Any]]:
    """Tickets created per UTC day for the PER_DAY_DAYS days ending ``end``, zero-filled."""
    start = end - timedelta(days=PER_DAY_DAYS - 1)
    day = _utc_day(Ticket.created_at).label("day")
    stmt = (
        filter_tickets(select(day, func.count().label("n")).select_from(Ticket), filters)
        .where(Ticket.created_at >= _midnight(start))
        .where(Ticket.created_at < _midnight(end + timedelta(days=1)))
        .group_by(day)
    )
    return _series({_as_date(d): int(n) for d, n in db.session.execute(stmt)}, start)


def _series(counts: dict[date, int], start: date) -> list[dict[str, Any]]:
    days = (start + timedelta(days=i) for i in range(PER_DAY_DAYS))
    return [{"date": d.isoformat(), "count": counts.get(d, 0)} for d in days]


def window(filters: dict[str, Any], first_created: datetime | None, today: date) -> dict[str, Any]:
    """The days ``avg_per_day`` divides by: from created_from's day (else the first matching
    ticket's day) to created_to's last day (else today), both inclusive, UTC."""
    end = last_day(filters.get("created_to"), today)
    frm = filters.get("created_from")
    start = frm.astimezone(UTC).date() if frm else (first_created and _as_date(first_created))
    if start is None:
        return {"start": None, "end": end.isoformat(), "days": 0}
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": max(1, (end - start).days + 1),
    }


def _rate(agreed: int, compared: int) -> dict[str, Any]:
    return {
        "agreed": agreed,
        "compared": compared,
        "rate": round(agreed / compared, 4) if compared else None,
    }


def _history_columns() -> list:
    """The triage-history figures as aggregates of the matching tickets' brief of their runs
    (``triaged_*``, ``triage_runs_*``), labelled as the rollups key them: one more set of
    columns on a scan the stats make anyway, never a scan of the runs themselves."""
    columns = [
        func.coalesce(func.sum(getattr(Ticket, f"triage_runs_{name}")), 0).label(f"runs:{name}")
        for name in rollups.RUN_COUNTS
    ]
    any_run = sum(getattr(Ticket, f"triage_runs_{name}") for name in rollups.RUN_SOURCES)
    columns.append(_count_where(any_run > 0).label(f"{rollups.RUNS}:{rollups.RUN_TICKETS}"))
    for field in rollups.AGREEMENT_FIELDS:
        said, now = getattr(Ticket, f"triaged_{field}"), getattr(Ticket, field)
        agreed = said.is_not(None) & (now == said)
        differs = said.is_not(None) & ((now != said) | now.is_(None))
        columns.append(_count_where(agreed).label(f"{field}_agreement:agreed"))
        columns.append(_count_where(differs).label(f"{field}_agreement:differs"))
    return columns


def _history(row: Any) -> dict[str, Any]:
    """What the triage history says: runs by source, and agreement per field.

    Agreement for a field: among tickets whose latest triage run (highest id) gave a value
    for it, the share whose current value still equals that value — i.e. nobody changed
    what triage said. A ticket whose value a person set differently (before or after the
    run) or cleared counts as a disagreement. ``rate`` is null when nothing is comparable.
    ``row`` holds the ``rollups.HISTORY_KEYS`` (from the rollups or :func:`_history_columns`).
    """
    runs = {name: int(row[f"runs:{name}"] or 0) for name in rollups.RUN_COUNTS}
    agreement = {}
    for field in rollups.AGREEMENT_FIELDS:
        agreed = int(row[f"{field}_agreement:agreed"] or 0)
        agreement[field] = _rate(agreed, agreed + int(row[f"{field}_agreement:differs"] or 0))
    return {
        "runs": {
            "total": sum(runs[name] for name in rollups.RUN_SOURCES),
            **{name: runs[name] for name in values(TriageSource)},
            "with_error": runs["failed"],
            "tickets": int(row[f"{rollups.RUNS}:{rollups.RUN_TICKETS}"] or 0),
        },
        "agreement": agreement,
    }


def _triage_block(breakdowns: dict[str, dict[str, int]], history: dict[str, Any]) -> dict:
    return {
        "by_source": breakdowns["by_category_source"],
        "priority_by_source": breakdowns["by_priority_source"],
        **history,
    }


def triage_metrics(filters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Triage quality figures (for ``GET /api/classification/metrics`` and stats' ``triage``).

    ``by_source``: tickets by ``category_source`` (claude / fallback / manual / unset);
    ``priority_by_source``: the same for ``priority_source``; ``runs``: triage runs in the
    history by source; ``agreement``: see :func:`_history`. Optional ``filters`` are
    the list's filters (as loaded by ``TicketFilterQuery``) and narrow every figure to the
    matching tickets.
    """
    filters = filters or {}
    if rollup_queries.answerable(filters):
        row = rollup_queries.headline(filters, {n: BREAKDOWNS[n] for n in SOURCE_BREAKDOWNS})
    else:
        columns = (*_breakdown_columns(SOURCE_BREAKDOWNS), *_history_columns())
        stmt = filter_tickets(select(*columns), filters)
        row = db.session.execute(stmt.select_from(Ticket)).mappings().one()
    return _triage_block(_breakdowns(row, SOURCE_BREAKDOWNS), _history(row))


def _interval_hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 2)


def _exact_median_hours(filters: dict[str, Any], resolved: int, dialect: str) -> float | None:
    """The exact median over the matching resolved tickets, on its own (the rollup path)."""
    if dialect != "postgresql":
        return _median_hours_by_offset(filters, resolved)
    if not resolved:
        return None
    median = func.percentile_cont(0.5).within_group(Ticket.resolved_at - Ticket.created_at)
    stmt = filter_tickets(select(median).select_from(Ticket), filters).where(_is_resolved())
    return _interval_hours(db.session.scalar(stmt))


def _from_rollups(filters: dict[str, Any], end: date, dialect: str) -> tuple[dict, list, Any]:
    """Headline row, 30-day series and median from the rollups (see rollup_queries)."""
    head = rollup_queries.headline(filters, BREAKDOWNS, with_median=True)
    if int(head["total"]) <= rollup_queries.EXACT_MEDIAN_MAX:
        median = _exact_median_hours(filters, int(head["resolved"]), dialect)
    else:
        median = rollup_queries.median_hours(head["median_buckets"])
    start = end - timedelta(days=PER_DAY_DAYS - 1)
    counts = rollup_queries.per_day(filters, start, end)
    return head, _series(counts, start), median


def _from_scan(filters: dict[str, Any], end: date, dialect: str) -> tuple[dict, list, Any]:
    """Headline row, 30-day series and median from the tickets themselves."""
    head = _headline(filters, dialect)
    if dialect == "postgresql":
        median = _interval_hours(head["median"])
    else:
        median = _median_hours_by_offset(filters, int(head["resolved"] or 0))
    return head, per_day(filters, end), median


def ticket_stats(filters: dict[str, Any] | None = None, today: date | None = None) -> dict:
    """Every ``GET /api/stats`` figure for the tickets matching ``filters`` (the list's
    filters, including ``q`` and the created_from/created_to window).

    From the rollups when they answer these filters exactly (``rollup_queries.answerable``),
    else from a scan of the matching tickets; both give the same figures."""
    filters = filters or {}
    today = today or datetime.now(UTC).date()
    dialect = _dialect()
    end = last_day(filters.get("created_to"), today)
    source = _from_rollups if rollup_queries.answerable(filters) else _from_scan
    head, series, median = source(filters, end, dialect)
    breakdowns = _breakdowns(head)
    total = int(head["total"] or 0)
    span = window(filters, head["first_created"], today)
    avg_urgency = head["avg_urgency"]
    return {
        "total": total,
        "open": sum(breakdowns["by_status"][s] for s in UNRESOLVED_STATUSES),
        "avg_per_day": round(total / span["days"], 2) if span["days"] else 0.0,
        "window": span,
        "by_status": breakdowns["by_status"],
        "by_category": breakdowns["by_category"],
        "by_priority": breakdowns["by_priority"],
        "by_sentiment": breakdowns["by_sentiment"],
        "avg_urgency_score": None if avg_urgency is None else round(float(avg_urgency), 2),
        "per_day": series,
        "median_resolution_hours": median,
        "resolved_count": int(head["resolved"] or 0),
        "triage": _triage_block(breakdowns, _history(head)),
    }
