"""The change feed and presence. The audit trail (``ticket_events``) is already the record of
every change, so the feed is a range scan of its primary key after the client's cursor.

Presence is not work (the database is the record of work; this only rings a bell): who is
viewing or replying lives a few seconds in the key-value store, and when that store does not
answer the page simply shows nobody.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from flask import current_app
from redis import RedisError
from sqlalchemy import func, select

from ..core import kv
from ..core.extensions import db
from ..models import TicketEvent, User

log = logging.getLogger(__name__)

#: Fields whose new value the feed shows (everything else: only that it changed, never text).
VISIBLE_FIELDS = frozenset(
    {"status", "priority", "category", "assignee_id", "team_id", "sentiment", "urgency_score"}
)
FEED_LIMIT = 200
#: A presence older than this is not shown (the page renews it every few seconds).
PRESENCE_SECONDS = 15


def latest_cursor() -> int:
    return db.session.scalar(select(func.max(TicketEvent.id))) or 0


def changes_after(after: int | None, limit: int | None = None) -> dict[str, Any]:
    """Audit events after ``after``, oldest first (at most ``limit``), and the next cursor.
    Without ``after`` nothing is returned but the cursor to start from."""
    if after is None:
        return {"items": [], "cursor": latest_cursor(), "more": False}
    limit = limit or FEED_LIMIT
    rows = list(
        db.session.scalars(
            select(TicketEvent)
            .where(TicketEvent.id > after)
            .order_by(TicketEvent.id)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "id": e.id,
            "ticket_id": e.ticket_id,
            "action": e.action,
            "field": e.field,
            "new_value": e.new_value if e.field in VISIBLE_FIELDS else None,
            "actor_type": e.actor_type,
            "actor_id": e.actor_id,
            "actor_label": e.actor_label,
            "created_at": e.created_at,
        }
        for e in rows
    ]
    return {"items": items, "cursor": rows[-1].id if rows else after, "more": more}


def _key(ticket_id: int) -> str:
    return f"presence:{ticket_id}"


def set_presence(ticket_id: int, user: User, state: str | None) -> None:
    """Say ``user`` is viewing/replying on a ticket (``state`` None: they left)."""
    store = kv.store()
    try:
        if state is None:
            store.hdel(_key(ticket_id), str(user.id))
            return
        entry = {"user_id": user.id, "name": user.name, "state": state, "at": time.time()}
        pipe = store.pipeline()
        pipe.hset(_key(ticket_id), str(user.id), json.dumps(entry))
        pipe.expire(_key(ticket_id), PRESENCE_SECONDS * 4)
        pipe.execute()
    except RedisError as err:
        log.warning("presence not stored: %s", err)


def presence(ticket_id: int, except_user_id: int | None = None) -> list[dict[str, Any]]:
    """Who else is on a ticket now (entries renewed within ``PRESENCE_SECONDS``)."""
    try:
        raw = kv.store().hgetall(_key(ticket_id))
    except RedisError as err:
        log.warning("presence not read: %s", err)
        return []
    now, found = time.time(), []
    for value in raw.values():
        entry = json.loads(value)
        if entry["user_id"] != except_user_id and now - entry["at"] <= PRESENCE_SECONDS:
            found.append({k: entry[k] for k in ("user_id", "name", "state")})
    return sorted(found, key=lambda e: e["name"])


def poll_seconds() -> float:
    return float(current_app.config.get("LIVE_POLL_SECONDS", 2))
