"""Routing: when triage finishes (or a person changes the category), the first matching rule
sends the ticket to a team, and the team hands it to one of its available members.

Runs inside the saving transaction (``ticket_saving``), so the team, the assignee and the
round-robin cursor commit with the triage result that caused them, and the audit trail records
them as triage's doing. A team or assignee a person chose (``*_source == manual``) is never
changed. Members who are disabled or away get nothing new.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from ..core import events
from ..core.extensions import db
from ..core.hooks import listen_once
from ..core.vocab import (
    UNRESOLVED_STATUSES,
    AssignmentMode,
    AssignmentSource,
    Source,
    TriageStatus,
)
from ..models import RoutingRule, Team, Ticket, User

_LOCKED = "ticketing.routing.locked"  # team ids locked (and current in memory) this transaction
_PENDING = "ticketing.routing.pending"  # assignments of this flush, not yet counted in SQL


def should_route(change: events.Change) -> bool:
    """Triage just finished, or a person changed the category."""
    ticket = change.obj
    if ticket is None:
        return False
    if "triage_status" in change.fields and ticket.triage_status == TriageStatus.DONE:
        return True
    return "category" in change.fields and ticket.category_source == Source.MANUAL


def on_ticket_saving(sender, change: events.Change) -> None:
    if should_route(change):
        route(object_session(change.obj) or db.session(), change.obj)


def matching_rule(session: Session, ticket: Ticket) -> RoutingRule | None:
    """The first active rule (by position, then id) whose every condition holds."""
    tags = set(ticket.tag_names)
    rules = session.scalars(
        select(RoutingRule)
        .where(RoutingRule.active.is_(True))
        .order_by(RoutingRule.position, RoutingRule.id)
    )
    for rule in rules:
        if rule.category is not None and rule.category != ticket.category:
            continue
        if rule.priority is not None and rule.priority != ticket.priority:
            continue
        if rule.tag is not None and rule.tag not in tags:
            continue
        return rule
    return None


def route(session: Session, ticket: Ticket) -> None:
    """Set the ticket's team by the rules and pick an assignee inside it (manual choices
    stay)."""
    team_changed = False
    if ticket.team_source != AssignmentSource.MANUAL:
        rule = matching_rule(session, ticket)
        if rule is not None and rule.team_id != ticket.team_id:
            ticket.team_id = rule.team_id
            ticket.team_source = AssignmentSource.RULE
            team_changed = True
    if ticket.assignee_source == AssignmentSource.MANUAL or ticket.team_id is None:
        return
    if ticket.assignee_id is not None and not team_changed:
        return
    team = _team_for_update(session, ticket.team_id)
    if team is None or team.assignment == AssignmentMode.NONE:
        return
    member = pick_member(session, team)
    if member is not None and member != ticket.assignee_id:
        ticket.assignee_id = member
        ticket.assignee_source = AssignmentSource.RULE


def _team_for_update(session: Session, team_id: int) -> Team | None:
    """The team, its row locked for the rest of the transaction (round-robin's cursor moves
    one ticket at a time across workers); read from the database once per transaction."""
    locked: set[int] = session.info.setdefault(_LOCKED, set())
    if team_id in locked:
        return session.get(Team, team_id)
    team = session.scalars(
        select(Team)
        .where(Team.id == team_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    locked.add(team_id)
    return team


def available_members(session: Session, team: Team) -> list[int]:
    """Ids of the team's active members who are not away, in a stable order."""
    return list(
        session.scalars(
            select(User.id)
            .join(User.teams)
            .where(Team.id == team.id, User.active.is_(True), User.away.is_(False))
            .order_by(User.id)
        )
    )


def _in_turn(candidates: list[int], after: int | None) -> list[int]:
    """The candidates in round-robin order: those after ``after`` first, then from the top."""
    if after is None:
        return candidates
    return [c for c in candidates if c > after] + [c for c in candidates if c <= after]


def open_counts(session: Session, members: list[int]) -> Counter:
    """Unresolved tickets per member, including assignments of the flush in progress."""
    rows = session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(members), Ticket.status.in_(UNRESOLVED_STATUSES))
        .group_by(Ticket.assignee_id)
    )
    counts = Counter(dict.fromkeys(members, 0))
    counts.update(dict(rows.all()))
    counts.update(session.info.get(_PENDING, {}))
    return counts


def pick_member(session: Session, team: Team) -> int | None:
    """Round-robin: the next available member after the last one given a ticket. Least-open:
    the available member with the fewest unresolved tickets (ties broken in turn)."""
    members = available_members(session, team)
    if not members:
        return None
    ordered = _in_turn(members, team.last_assigned_id)
    if team.assignment == AssignmentMode.LEAST_OPEN:
        counts = open_counts(session, members)
        chosen = min(ordered, key=lambda m: counts[m])  # min keeps the first of equals
    else:
        chosen = ordered[0]
    team.last_assigned_id = chosen
    pending: Counter = session.info.setdefault(_PENDING, Counter())
    pending[chosen] += 1
    return chosen


def _forget_pending(session: Session, flush_context: Any) -> None:
    session.info.pop(_PENDING, None)


def _forget_locks(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_LOCKED, None)
        session.info.pop(_PENDING, None)


def register() -> None:
    """Subscribe to ticket saves and keep the per-flush/per-transaction notes tidy."""
    events.ticket_saving.connect(on_ticket_saving, weak=False)
    listen_once(
        db.session,
        ("after_flush", _forget_pending),
        ("after_transaction_end", _forget_locks),
    )
