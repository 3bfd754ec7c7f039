"""SLA attainment: the share of clocks met, of those decided (met or breached), per priority
and per team, for tickets created in a period — aggregate queries in the database.

A running clock already past its due time counts as breached even before the upkeep has
marked it; running and paused clocks in time are not decided yet and are left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from ..core.extensions import db
from ..core.vocab import SlaClock, SlaState, values
from ..models import Team, Ticket, TicketSla, utcnow

FIGURES = ("first_response_met", "first_response_total", "resolution_met", "resolution_total")


def _decided(state, due, at: datetime):
    met = state == SlaState.MET.value
    breached = or_(
        state == SlaState.BREACHED.value,
        and_(state == SlaState.RUNNING.value, due <= at),
    )
    return (
        func.sum(case((met, 1), else_=0)),
        func.sum(case((or_(met, breached), 1), else_=0)),
    )


def _row(key: str | None, figures: dict[str, int]) -> dict[str, Any]:
    row: dict[str, Any] = {"key": key, **figures}
    for clock in values(SlaClock):
        total = figures[f"{clock}_total"]
        met = figures[f"{clock}_met"]
        row[f"{clock}_pct"] = round(100.0 * met / total, 1) if total else None
    return row


def _grouped(key, created_from, created_to, at: datetime) -> list[tuple[Any, dict[str, int]]]:
    stmt = (
        select(
            key,
            *_decided(TicketSla.first_response_state, TicketSla.first_response_due_at, at),
            *_decided(TicketSla.resolution_state, TicketSla.resolution_due_at, at),
        )
        .select_from(TicketSla)
        .join(Ticket, Ticket.id == TicketSla.ticket_id)
        .group_by(key)
        .order_by(key)
    )
    if created_from:
        stmt = stmt.where(TicketSla.started_at >= created_from)
    if created_to:
        stmt = stmt.where(TicketSla.started_at < created_to)
    return [
        (group, dict(zip(FIGURES, (int(f or 0) for f in figures), strict=True)))
        for group, *figures in db.session.execute(stmt)
    ]


def attainment(
    created_from: datetime | None, created_to: datetime | None, at: datetime | None = None
) -> dict[str, Any]:
    """Met / decided per clock, overall, per priority and per team (null = none)."""
    at = at or utcnow()
    by_priority = _grouped(Ticket.priority, created_from, created_to, at)
    by_team = _grouped(Ticket.team_id, created_from, created_to, at)
    names = dict(db.session.execute(select(Team.id, Team.name)).all()) if by_team else {}
    overall = {name: sum(figures[name] for _, figures in by_priority) for name in FIGURES}
    return {
        "created_from": created_from,
        "created_to": created_to,
        "overall": _row(None, overall),
        "by_priority": [_row(key, figures) for key, figures in by_priority],
        "by_team": [
            {**_row(names.get(team) if team else None, figures), "team_id": team}
            for team, figures in by_team
        ],
    }
