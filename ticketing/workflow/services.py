"""Macros and saved views. Services flush; callers commit."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from ..core.errors import Forbidden, InvalidInput, NotFound
from ..core.extensions import db
from ..core.vocab import (
    UNRESOLVED_STATUSES,
    WAITING_STATUSES,
    Priority,
    Role,
    SlaFilter,
    TicketStatus,
)
from ..models import Macro, SavedView, Ticket, User
from ..tickets import bulk
from ..tickets import services as tickets
from ..tickets.macro_text import render
from ..tickets.schemas import TicketFilterQuery
from ..tickets.slaquery import NEXT_DUE

#: The views everyone has (their filters are the list's query parameters).
BUILTIN_VIEWS: tuple[dict[str, Any], ...] = (
    {
        "id": "my_open",
        "name": "My open",
        "filters": {
            "assignee": "me",
            "status": ",".join(s for s in UNRESOLVED_STATUSES if s not in WAITING_STATUSES),
        },
    },
    {
        "id": "unassigned",
        "name": "Unassigned",
        "filters": {"assignee": "none", "status": ",".join(UNRESOLVED_STATUSES)},
    },
    {
        "id": "urgent",
        "name": "Urgent",
        "filters": {
            "priority": Priority.CRITICAL.value,
            "status": ",".join(UNRESOLVED_STATUSES),
        },
    },
    {"id": "pending", "name": "Pending", "filters": {"status": TicketStatus.PENDING.value}},
    {
        "id": "breaching_soon",
        "name": "Breaching soon",
        "filters": {
            "sla": f"{SlaFilter.AT_RISK.value},{SlaFilter.BREACHED.value}",
            "status": ",".join(UNRESOLVED_STATUSES),
        },
        "sort": NEXT_DUE,
    },
)


def _may_edit(owner_id: int | None, user: User) -> bool:
    return owner_id == user.id or user.role == Role.ADMIN


# ---------- macros ----------


def visible_macros(user: User) -> list[Macro]:
    """Your macros and the shared ones, by name."""
    return list(
        db.session.scalars(
            select(Macro)
            .where(or_(Macro.owner_id == user.id, Macro.shared.is_(True)))
            .order_by(Macro.name, Macro.id)
        )
    )


def get_macro(macro_id: int, user: User) -> Macro:
    macro = db.session.get(Macro, macro_id)
    if macro is None or not (macro.shared or macro.owner_id == user.id):
        raise NotFound(f"Macro {macro_id}")
    return macro


def save_macro(macro: Macro | None, data: dict[str, Any], user: User) -> Macro:
    """Create (``macro`` None, owned by ``user``) or change a macro (its owner or an admin)."""
    if "actions" in data:
        tickets.check_owners(data["actions"])
    if macro is None:
        macro = Macro(owner_id=user.id)
        db.session.add(macro)
    elif not _may_edit(macro.owner_id, user):
        raise Forbidden("Only its owner or an admin may change this macro.")
    for key, value in data.items():
        setattr(macro, key, value)
    db.session.flush()
    return macro


def delete_macro(macro: Macro, user: User) -> None:
    if not _may_edit(macro.owner_id, user):
        raise Forbidden("Only its owner or an admin may delete this macro.")
    db.session.delete(macro)
    db.session.flush()


def apply_macro(macro: Macro, ticket: Ticket, user: User) -> Ticket:
    """Post the macro's reply (if any) and apply its field actions to one ticket."""
    if (macro.body or "").strip():
        tickets.add_reply(
            ticket, {"body": render(macro.body, ticket, user), "internal": macro.internal}, user
        )
    actions = dict(macro.actions or {})
    if actions:
        tickets.check_owners(actions)
        tickets.update_ticket(ticket, bulk.ticket_changes(ticket, actions), check=False)
    return ticket


def apply_macro_to_many(macro: Macro, ticket_ids: list[int], user: User) -> int:
    """Apply a macro to each ticket (its reply and actions; each saved and audited on its
    own), all in the caller's transaction: all of them or none. At most ``BULK_INLINE_MAX``
    tickets (a reply per ticket is no job for a background run)."""
    limit = int(current_app.config["BULK_INLINE_MAX"])
    if len(ticket_ids) > limit:
        message = f"A macro is applied to at most {limit} tickets at once; narrow the selection."
        raise InvalidInput(message, fields={"ids": [message]})
    for ticket_id in ticket_ids:
        apply_macro(macro, tickets.get_ticket(ticket_id), user)
    return len(ticket_ids)


# ---------- saved views ----------


def _count(filters: dict[str, Any]) -> tuple[int, bool]:
    loaded = TicketFilterQuery().load(filters)
    stmt = tickets.filter_tickets(select(Ticket), loaded)
    return tickets.count_filtered(stmt, loaded)


def views_for(user: User) -> list[dict[str, Any]]:
    """The built-in views, then yours and the shared ones, each with its count now."""
    rows = db.session.scalars(
        select(SavedView)
        .where(or_(SavedView.owner_id == user.id, SavedView.shared.is_(True)))
        .order_by(SavedView.position, SavedView.name, SavedView.id)
    )
    found = [
        {"sort": None, **view, "shared": True, "builtin": True, "owner_id": None}
        for view in BUILTIN_VIEWS
    ]
    found += [
        {
            "id": str(v.id),
            "name": v.name,
            "filters": v.filters or {},
            "sort": None,
            "shared": v.shared,
            "builtin": False,
            "owner_id": v.owner_id,
        }
        for v in rows
    ]
    for view in found:
        view["count"], view["count_exact"] = _count(view["filters"])
    return found


def get_view(view_id: int, user: User) -> SavedView:
    view = db.session.get(SavedView, view_id)
    if view is None or not (view.shared or _may_edit(view.owner_id, user)):
        raise NotFound(f"View {view_id}")
    return view


def save_view(view: SavedView | None, data: dict[str, Any], user: User) -> SavedView:
    """Create or change a view; its filters are stored in their query-string form."""
    if "filters" in data:
        data = {**data, "filters": TicketFilterQuery().dump(data["filters"])}
    if view is None:
        view = SavedView(owner_id=user.id)
        db.session.add(view)
    elif not _may_edit(view.owner_id, user):
        raise Forbidden("Only its owner or an admin may change this view.")
    for key, value in data.items():
        setattr(view, key, value)
    db.session.flush()
    return view


def delete_view(view: SavedView, user: User) -> None:
    if not _may_edit(view.owner_id, user):
        raise Forbidden("Only its owner or an admin may delete this view.")
    db.session.delete(view)
    db.session.flush()
