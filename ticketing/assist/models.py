"""The assist feature's tables. They live with the feature (not in ``ticketing.models``) so the
feature stays one package; they only point at core tables, never the other way round."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.extensions import db
from ..core.vocab import ArticleStatus, DraftGenerator, DraftOutcome, DraftSourceType, values
from ..models import Reply, Ticket, TZDateTime, utcnow


def _in(column: str, allowed: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in allowed)})"


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


class TicketMerge(db.Model):
    """One ticket merged into another: what moved, so an admin can undo it."""

    __tablename__ = "ticket_merges"
    __table_args__ = (
        CheckConstraint("source_id <> target_id", name="not_itself"),
        Index(
            "ix_ticket_merges_active_source",
            "source_id",
            unique=True,
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    #: The source's status before it was closed by the merge (restored by an undo).
    source_status: Mapped[str] = mapped_column(String(16))
    moved_reply_ids: Mapped[list] = mapped_column(JSON, default=list)
    added_tags: Mapped[list] = mapped_column(JSON, default=list)
    #: The source's request copied into the target's thread, and the note closing the source.
    request_reply_id: Mapped[int | None] = mapped_column(Integer)
    note_reply_id: Mapped[int | None] = mapped_column(Integer)
    undone_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def new_visit_id() -> str:
    return str(uuid.uuid4())


class Article(db.Model):
    """A knowledge-base article: markdown written by agents, public once published."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        CheckConstraint(_in("status", values(ArticleStatus)), name="status"),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint("length(body) BETWEEN 1 AND 50000", name="body_length"),
        Index("ix_kb_articles_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.DRAFT.value)
    #: The resolved ticket it was drafted from, if any.
    source_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class HelpSuggestion(db.Model):
    """One /submit visit that was shown articles: what, which was opened, and whether the
    customer still sent the request (the deflection rate)."""

    __tablename__ = "help_suggestions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_visit_id)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    article_ids: Mapped[list] = mapped_column(JSON, default=list)
    opened_article_id: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class ReplyDraft(db.Model):
    """A proposed public reply and what became of it (sent as is, edited, discarded)."""

    __tablename__ = "reply_drafts"
    __table_args__ = (
        CheckConstraint(_in("outcome", values(DraftOutcome)), name="outcome"),
        CheckConstraint(_in("generator", values(DraftGenerator)), name="generator"),
        CheckConstraint(
            f"source_type IS NULL OR {_in('source_type', values(DraftSourceType))}",
            name="source_type",
        ),
        Index("ix_reply_drafts_ticket_id_user_id", "ticket_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    #: [{key, type, id, title}] — only sources that were offered to the draft.
    sources: Mapped[list] = mapped_column(JSON, default=list)
    #: The type of its first source (the acceptance rate is counted per source type).
    source_type: Mapped[str | None] = mapped_column(String(16))
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    generator: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(16), default=DraftOutcome.PENDING.value)
    edit_distance: Mapped[int | None] = mapped_column(Integer)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    reply: Mapped[Reply | None] = relationship()


class TicketSummary(db.Model):
    """The last one-paragraph summary of a ticket's thread, and the thread it summarised
    (``signature``): a changed thread gets a new one on the next read."""

    __tablename__ = "ticket_summaries"
    __table_args__ = (CheckConstraint(_in("generator", values(DraftGenerator)), name="generator"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    signature: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    generator: Mapped[str] = mapped_column(String(16))
    messages: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
