"""The assist feature's tables. They live with the feature (not in ``ticketing.models``) so the
feature stays one package; they only point at core tables, never the other way round."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.extensions import db
from ..models import Ticket, TZDateTime, utcnow


class TicketDuplicate(db.Model):
    """A new ticket that looks like an open one from the same requester: flagged, not merged."""

    __tablename__ = "ticket_duplicates"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 1", name="score"),
        CheckConstraint("ticket_id <> duplicate_of_id", name="not_itself"),
    )

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    duplicate_of_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(foreign_keys=[ticket_id])
    duplicate_of: Mapped[Ticket] = relationship(foreign_keys=[duplicate_of_id])
