"""A person's notifications: newest first, mark read. Services flush; the route commits."""

from __future__ import annotations

from sqlalchemy import func, select, update

from ..core.errors import NotFound
from ..core.extensions import db
from ..core.pagination import Page, paginate
from ..models import Notification, User, utcnow


def _mine(user: User | None):
    return Notification.user_id == (user.id if user is not None else -1)


def list_for(user: User | None, unread_only: bool, page: int, per_page: int) -> Page:
    stmt = select(Notification).where(_mine(user)).order_by(Notification.id.desc())
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt, page, per_page)


def unread_count(user: User | None) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(_mine(user), Notification.read_at.is_(None))
        )
        or 0
    )


def get(user: User | None, notification_id: int) -> Notification:
    """One of the person's own notifications (someone else's is a 404, like a missing one)."""
    row = db.session.get(Notification, notification_id)
    if row is None or user is None or row.user_id != user.id:
        raise NotFound(f"Notification {notification_id}")
    return row


def set_read(row: Notification, read: bool) -> Notification:
    if read and row.read_at is None:
        row.read_at = utcnow()
    elif not read:
        row.read_at = None
    db.session.flush()
    return row


def read_all(user: User | None) -> int:
    """Mark every unread notification of the person read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(_mine(user), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
