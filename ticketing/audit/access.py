"""The account-and-access log: who signed in (or failed to), signed out, changed a password,
a role or an account, created, revoked or first used a token, exported or downloaded data.

Features never call this module: they send ``core.events.access_noted`` (``note_access``)
inside their transaction, and ``record`` adds the row to the same session, so the entry
commits or rolls back with what it describes. It is append-only: nothing here (or anywhere in
the app) updates a row; the only delete is ``prune`` (retention), and on PostgreSQL a trigger
refuses any other UPDATE or DELETE (see the migration that creates the table).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import delete, text

from ..core.context import current_actor
from ..core.events import AccessNote
from ..core.extensions import db
from ..core.ratelimits import client_address
from ..core.vocab import ActorType
from ..models import AccessEvent, utcnow
from .recorder import request_id

#: The PostgreSQL setting the append-only trigger asks for before it lets a DELETE through.
PRUNE_SETTING = "ticketing.access_log_prune"
USER_AGENT_MAX = 300


def _client() -> dict[str, Any]:
    if not has_request_context():
        return {"address": None, "user_agent": None}
    agent = request.headers.get("User-Agent") or None
    return {
        "address": client_address()[:64],
        "user_agent": agent[:USER_AGENT_MAX] if agent else None,
    }


def record(_sender: Any, note: AccessNote, **_extra: Any) -> None:
    """``access_noted`` receiver: one row, in the sender's transaction."""
    actor = note.actor or current_actor()
    db.session.add(
        AccessEvent(
            created_at=utcnow(),
            action=str(note.action),
            actor_id=actor.id if actor.type == ActorType.USER else None,
            actor_label=actor.label,
            via=actor.via,
            subject_id=note.subject_id,
            subject_label=(note.subject_label or None) and note.subject_label[:254],
            request_id=request_id(),
            details=dict(note.details),
            **_client(),
        )
    )


def prune() -> dict[str, int]:
    """Upkeep: delete entries older than ``ACCESS_LOG_RETENTION_DAYS`` (0 = keep forever)."""
    days = int(current_app.config["ACCESS_LOG_RETENTION_DAYS"])
    if days <= 0:
        return {"removed": 0}
    cutoff = utcnow() - timedelta(days=days)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL {PRUNE_SETTING} = 'on'"))
    result = db.session.execute(delete(AccessEvent).where(AccessEvent.created_at < cutoff))
    db.session.commit()
    return {"removed": result.rowcount}
