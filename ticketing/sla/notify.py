"""Who hears about an SLA warning, a breach or an escalation: the ticket's assignee, or — while
nobody has it — every active member of its team (a ticket with neither reaches nobody: the
"Breaching soon" view is where it shows).

Notifications are rows (``Notification``) written in the SLA pass's transaction; the mail
feature turns each into an outbox row in the same flush (``events.notification_saving``), so a
notification and its mail commit together or not at all. One per person, ticket, event and
clock (a unique key, and the pass only reports a clock the first time it marks it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from ..core.extensions import db
from ..core.vocab import SlaEvent
from ..models import Notification, Ticket, User, team_members

#: How a notification reads, per event ({clock} and {what} are filled in).
MESSAGES = {
    SlaEvent.AT_RISK.value: "{clock} at risk",
    SlaEvent.BREACHED.value: "{clock} breached",
    SlaEvent.ESCALATED.value: "Escalated after an SLA breach: {what}",
}


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def recipients(ticket_ids: set[int]) -> tuple[dict[int, list[int]], dict[int, str]]:
    """Ticket id -> the ids of the active people to tell; and ticket id -> subject."""
    tickets = db.session.execute(
        select(Ticket.id, Ticket.assignee_id, Ticket.team_id, Ticket.subject).where(
            Ticket.id.in_(ticket_ids)
        )
    ).all()
    assignees = {t.assignee_id for t in tickets if t.assignee_id}
    teams = {t.team_id for t in tickets if not t.assignee_id and t.team_id}
    active = (
        set(
            db.session.scalars(select(User.id).where(User.id.in_(assignees), User.active.is_(True)))
        )
        if assignees
        else set()
    )
    members: dict[int, list[int]] = defaultdict(list)
    if teams:
        rows = db.session.execute(
            select(team_members.c.team_id, User.id)
            .join(User, User.id == team_members.c.user_id)
            .where(team_members.c.team_id.in_(teams), User.active.is_(True))
            .order_by(User.id)
        )
        for team_id, user_id in rows:
            members[team_id].append(user_id)
    out: dict[int, list[int]] = {}
    for t in tickets:
        if t.assignee_id:
            out[t.id] = [t.assignee_id] if t.assignee_id in active else []
        else:
            out[t.id] = members.get(t.team_id, []) if t.team_id else []
    return out, {t.id: t.subject for t in tickets}


def notify(items: list[tuple[int, str, str, str]], at: datetime) -> int:
    """Write a notification per recipient for each ``(ticket_id, event, field, what)``, once;
    returns how many. Adds ORM rows (the mail receiver sees them in the flush)."""
    if not items:
        return 0
    ticket_ids = {item[0] for item in items}
    people, subjects = recipients(ticket_ids)
    wanted = [
        (user_id, ticket_id, event, field, what)
        for ticket_id, event, field, what in items
        for user_id in people.get(ticket_id, [])
    ]
    if not wanted:
        return 0
    events = {item[1] for item in items}
    done = set(
        db.session.execute(
            select(
                Notification.user_id, Notification.ticket_id, Notification.event, Notification.field
            ).where(Notification.ticket_id.in_(ticket_ids), Notification.event.in_(events))
        ).all()
    )
    made = 0
    for user_id, ticket_id, event, field, what in wanted:
        if (user_id, ticket_id, event, field) in done:
            continue
        done.add((user_id, ticket_id, event, field))
        head = MESSAGES[event].format(clock=_label(field), what=what)
        message = f"{head} — #{ticket_id} {subjects.get(ticket_id, '')}"[:300]
        db.session.add(
            Notification(
                user_id=user_id,
                ticket_id=ticket_id,
                event=event,
                field=field,
                message=message,
                created_at=at,
            )
        )
        made += 1
    return made
