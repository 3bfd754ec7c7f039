"""Every table of the product, SQLAlchemy 2.0 typed.

Enums are plain strings guarded by CHECK constraints (portable across SQLite and
PostgreSQL, and easy to migrate); ranges and lengths are CHECKed too, so a bad
value written by raw SQL is refused by the database itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .core.extensions import db
from .core.vocab import (
    LEARNED_FIELDS,
    AccessAction,
    ActorType,
    AssignmentMode,
    AssignmentSource,
    BatchStatus,
    Category,
    ExportStatus,
    InboundSource,
    InboundStatus,
    JobStatus,
    MailKind,
    MailStatus,
    Priority,
    Role,
    Sentiment,
    SlaEscalation,
    SlaEvent,
    SlaState,
    Source,
    TicketStatus,
    TriageSource,
    TriageStatus,
    Via,
    values,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _in(column: str, allowed: tuple[str, ...], nullable: bool = True) -> str:
    listed = ", ".join(f"'{v}'" for v in allowed)
    check = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {check}" if nullable else check


def _length(column: str, low: int, high: int, nullable: bool = False) -> str:
    check = f"length({column}) BETWEEN {low} AND {high}"
    return f"{column} IS NULL OR {check}" if nullable else check


class TZDateTime(db.TypeDecorator):
    """A timezone-aware UTC datetime on every engine (SQLite drops tzinfo on the way back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


ticket_tags = Table(
    "ticket_tags",
    db.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", values(Role), nullable=False), name="role"),
        CheckConstraint(_length("email", 3, 254), name="email_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default=Role.AGENT.value)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    #: The person marked themselves away: routing assigns them nothing new.
    away: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    teams: Mapped[list[Team]] = relationship(
        secondary="team_members", back_populates="members", order_by="Team.name"
    )
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


team_members = Table(
    "team_members",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Team(db.Model):
    """A group of agents that works one part of the queue (Billing, Tech …)."""

    __tablename__ = "teams"
    __table_args__ = (
        CheckConstraint(_length("name", 1, 80), name="name_length"),
        CheckConstraint(
            _in("assignment", values(AssignmentMode), nullable=False), name="assignment"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    assignment: Mapped[str] = mapped_column(String(16), default=AssignmentMode.ROUND_ROBIN.value)
    #: Round-robin's place: the member who was given the last routed ticket.
    last_assigned_id: Mapped[int | None] = mapped_column(Integer)
    #: The team's lead: SLA escalation (``reassign_to_lead``) gives breached tickets to them.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(
        secondary=team_members, back_populates="teams", order_by="User.name"
    )
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])


class RoutingRule(db.Model):
    """Tickets matching every condition set here (category, priority, tag) go to ``team_id``.
    Rules are tried by ``position`` (then id); the first match wins."""

    __tablename__ = "routing_rules"
    __table_args__ = (
        CheckConstraint(_in("category", values(Category)), name="category"),
        CheckConstraint(_in("priority", values(Priority)), name="priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    tag: Mapped[str | None] = mapped_column(String(50))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    team: Mapped[Team] = relationship()


class UserSession(db.Model):
    """One sign-in on one browser: the cookie names it; the request is refused once it is
    ended (sign-out, sign-out everywhere, a password change or reset, a role change, the user
    disabled) or past ``expires_at``. Only the SHA-256 of the cookie's session id is stored."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class Tag(db.Model):
    __tablename__ = "tags"
    __table_args__ = (
        CheckConstraint(_length("name", 1, 50), name="name_length"),
        CheckConstraint("name = lower(trim(name))", name="name_normalised"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_length("subject", 1, 200), name="subject_length"),
        CheckConstraint("subject = trim(subject)", name="subject_trimmed"),
        CheckConstraint(_length("body", 1, 20000), name="body_length"),
        CheckConstraint(_in("status", values(TicketStatus), nullable=False), name="status"),
        CheckConstraint(_in("priority", values(Priority)), name="priority"),
        CheckConstraint(_in("category", values(Category)), name="category"),
        CheckConstraint(_in("category_source", values(Source)), name="category_source"),
        CheckConstraint(_in("priority_source", values(Source)), name="priority_source"),
        CheckConstraint(_in("sentiment", values(Sentiment)), name="sentiment"),
        CheckConstraint(_in("triaged_category", values(Category)), name="triaged_category"),
        CheckConstraint(_in("triaged_priority", values(Priority)), name="triaged_priority"),
        CheckConstraint(
            "urgency_score IS NULL OR urgency_score BETWEEN 0 AND 100", name="urgency_range"
        ),
        CheckConstraint("confidence IS NULL OR confidence BETWEEN 0 AND 1", name="confidence"),
        CheckConstraint(_length("explanation", 0, 500, nullable=True), name="explanation_length"),
        CheckConstraint(
            _length("suggested_title", 0, 120, nullable=True), name="suggested_title_length"
        ),
        CheckConstraint(_length("note", 0, 5000, nullable=True), name="note_length"),
        CheckConstraint(_in("triage_status", values(TriageStatus)), name="triage_status"),
        CheckConstraint(
            _length("requester_email", 3, 254, nullable=True), name="requester_email_length"
        ),
        CheckConstraint(
            _length("requester_name", 0, 120, nullable=True), name="requester_name_length"
        ),
        CheckConstraint(_in("assignee_source", values(AssignmentSource)), name="assignee_source"),
        CheckConstraint(_in("team_source", values(AssignmentSource)), name="team_source"),
        Index("ix_tickets_requester_email_id", "requester_email", "id"),
        Index("ix_tickets_assignee_id_status", "assignee_id", "status"),
        Index("ix_tickets_team_id_status", "team_id", "status"),
        Index("ix_tickets_created_at_id", "created_at", "id"),
        Index("ix_tickets_updated_at_id", "updated_at", "id"),
        Index("ix_tickets_status_created_at", "status", "created_at"),
        Index("ix_tickets_status_category_created_at", "status", "category", "created_at"),
        Index("ix_tickets_status_priority_created_at", "status", "priority", "created_at"),
        Index("ix_tickets_category_created_at", "category", "created_at"),
        Index("ix_tickets_priority_created_at", "priority", "created_at"),
        Index("ix_tickets_sentiment_created_at", "sentiment", "created_at"),
        Index("ix_tickets_urgency_score_id", "urgency_score", "id"),
        Index("ix_tickets_triage_status_lease", "triage_status", "triage_lease_until", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.OPEN.value)
    priority: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(16))
    category_source: Mapped[str | None] = mapped_column(String(16))
    priority_source: Mapped[str | None] = mapped_column(String(16))
    sentiment: Mapped[str | None] = mapped_column(String(16))
    urgency_score: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str | None] = mapped_column(String(500))
    suggested_title: Mapped[str | None] = mapped_column(String(120))
    classified_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    triage_status: Mapped[str | None] = mapped_column(String(16))
    triage_error: Mapped[str | None] = mapped_column(Text)
    triage_job_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The worker holding this ticket's triage, and until when: past the lease, any worker may
    #: claim it again (its holder died). Attempts count claims since it was last queued.
    triage_claimed_by: Mapped[str | None] = mapped_column(String(64))
    triage_lease_until: Mapped[datetime | None] = mapped_column(TZDateTime)
    triage_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The triage history in brief, kept with each run (``classification.services.
    #: record_history``) so the stats' triage figures are ticket columns the rollups count,
    #: not a scan of every run: the latest run's category and priority (what "agreement"
    #: compares the current values with), and how many runs each source made / failed.
    triaged_category: Mapped[str | None] = mapped_column(String(16))
    triaged_priority: Mapped[str | None] = mapped_column(String(16))
    triage_runs_claude: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    triage_runs_fallback: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    triage_runs_learned: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    triage_runs_failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    note: Mapped[str | None] = mapped_column(Text)
    #: Indexed with ``id`` (``ix_tickets_requester_email_id``): a requester's latest tickets.
    requester_email: Mapped[str | None] = mapped_column(String(254))
    requester_name: Mapped[str | None] = mapped_column(String(120))
    #: ISO 639-1 code, detected locally when the text is saved (triage may confirm it).
    language: Mapped[str | None] = mapped_column(String(8), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assignee_source: Mapped[str | None] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    team_source: Mapped[str | None] = mapped_column(String(16))
    #: Bumped by every write to the row (``tickets.versioning``): the ETag, for If-Match.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    team: Mapped[Team | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=ticket_tags, order_by=Tag.name)
    replies: Mapped[list[Reply]] = relationship(
        back_populates="ticket",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Reply.id",
    )

    sla: Mapped[TicketSla | None] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]


class TicketRollup(db.Model):
    """Ticket counts by created day (UTC) x status x (dimension, value): what ``/api/stats``
    reads instead of the tickets table. Kept in step with every ticket write, in the same
    transaction, by ``tickets/rollups.py`` (an upsert per flush); ``flask tickets rollups
    rebuild`` recounts them from scratch.

    ``dimension`` is ``all`` (``value`` ''; carries ``n``, ``urgency_sum``/``urgency_n`` and
    ``resolved_n``), a ticket column (``category`` … ``priority_source``; ``value`` '' for
    NULL; only ``n``), or ``resolution`` (the resolution-time histogram: ``value`` is a
    log-scale bucket number). ``day`` 0001-01-01 holds the all-time rows (and the histogram).
    """

    __tablename__ = "ticket_rollups"
    __table_args__ = (
        UniqueConstraint("day", "status", "dimension", "value", name="uq_ticket_rollups_key"),
        # a window's series, histogram or counts read one dimension's days, not every row
        Index(
            "ix_ticket_rollups_dimension_day",
            "dimension",
            "day",
            postgresql_include=["status", "value", "n"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    dimension: Mapped[str] = mapped_column(String(24))
    value: Mapped[str] = mapped_column(String(16), default="")
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    urgency_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    urgency_n: Mapped[int] = mapped_column(BigInteger, default=0)
    resolved_n: Mapped[int] = mapped_column(BigInteger, default=0)


class Reply(db.Model):
    __tablename__ = "replies"
    __table_args__ = (CheckConstraint(_length("body", 1, 20000), name="body_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_name: Mapped[str | None] = mapped_column(String(120))
    author_email: Mapped[str | None] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Set only by an admin who posts for someone else (e.g. a customer who phoned in); the
    #: author fields above always name the signed-in user who posted it.
    on_behalf_of_name: Mapped[str | None] = mapped_column(String(120))
    on_behalf_of_email: Mapped[str | None] = mapped_column(String(254))
    #: Written by the customer (a mail in, the status page), not by the team.
    from_customer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="replies")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="reply", order_by="Attachment.id", lazy="selectin"
    )
    mails: Mapped[list[OutboundMail]] = relationship(
        viewonly=True, order_by="OutboundMail.id", lazy="selectin"
    )

    @property
    def delivery(self) -> dict | None:
        """The e-mail that carried this reply to the customer: its state and why."""
        if not self.mails:
            return None
        mail = self.mails[-1]
        return {
            "status": mail.status,
            "to": mail.to_address,
            "error": mail.error,
            "saved_to": mail.saved_to,
            "sent_at": mail.sent_at,
            "attempts": mail.attempts,
        }

    @property
    def from_team(self) -> bool:
        """A public answer the team gave the customer (what is mailed to them, and what stops
        the first-response clock): not a note, not the customer's own words, not posted for
        the customer by an admin."""
        return not self.internal and not self.from_customer and not self.on_behalf_of_name

    @property
    def on_behalf_of(self) -> dict | None:
        if not self.on_behalf_of_name:
            return None
        return {"name": self.on_behalf_of_name, "email": self.on_behalf_of_email}


class Classification(db.Model):
    """One triage run: what the classifier said, how long it took, and what went wrong."""

    __tablename__ = "classifications"
    __table_args__ = (
        CheckConstraint(_in("source", values(TriageSource), nullable=False), name="source"),
        CheckConstraint(_in("category", values(Category)), name="category"),
        CheckConstraint(_in("priority", values(Priority)), name="priority"),
        CheckConstraint(_in("sentiment", values(Sentiment)), name="sentiment"),
        CheckConstraint(
            "urgency_score IS NULL OR urgency_score BETWEEN 0 AND 100", name="urgency_range"
        ),
        CheckConstraint("confidence IS NULL OR confidence BETWEEN 0 AND 1", name="confidence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    sentiment: Mapped[str | None] = mapped_column(String(16))
    urgency_score: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str | None] = mapped_column(String(500))
    suggested_title: Mapped[str | None] = mapped_column(String(120))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The ticket's language as this run saw it (ISO 639-1).
    language: Mapped[str | None] = mapped_column(String(8))
    #: Kinds of personal data withheld from the text sent out ("email,card"); the audit trail
    #: records them as a ``pii_withheld`` event.
    redacted: Mapped[str | None] = mapped_column(String(100))
    #: US dollars this run cost (tokens x the configured price; batches half).
    cost_usd: Mapped[float | None] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)


class TriageBatch(db.Model):
    """One Message Batches API submission: the record of bulk triage work in flight."""

    __tablename__ = "triage_batches"
    __table_args__ = (
        CheckConstraint(_in("status", values(BatchStatus), nullable=False), name="status"),
        Index("ix_triage_batches_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=BatchStatus.SUBMITTING.value)
    model: Mapped[str | None] = mapped_column(String(80))
    request_count: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    errored: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    polled_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class TriageBatchItem(db.Model):
    """One ticket in a batch; ``custom_id`` names its request and its triage job."""

    __tablename__ = "triage_batch_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("triage_batches.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    custom_id: Mapped[str] = mapped_column(String(64), unique=True)


class LearnedModelRow(db.Model):
    """One version of the model learned from the team's corrections, for one field.

    Stored in the database (dyno disks are ephemeral): the worker trains, every process reads.
    At most one row per field is ``active``; none active means the rules answer that field.
    """

    __tablename__ = "learned_models"
    __table_args__ = (
        CheckConstraint(_in("field", LEARNED_FIELDS, nullable=False), name="field"),
        CheckConstraint("accuracy IS NULL OR accuracy BETWEEN 0 AND 1", name="accuracy"),
        Index("ix_learned_models_field_version", "field", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    engine: Mapped[str] = mapped_column(String(40))
    #: Corrections that existed for the field, those trained on, those held back to measure.
    corrections: Mapped[int] = mapped_column(Integer)
    trained_on: Mapped[int] = mapped_column(Integer)
    held_out: Mapped[int] = mapped_column(Integer)
    #: Accuracy on the held-back corrections: this model's, and the rules' on the same tickets.
    accuracy: Mapped[float | None] = mapped_column(Float)
    rules_accuracy: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Why it is (not) active, for people.
    decision: Mapped[str] = mapped_column(String(300))
    #: Which corrections it saw (a digest): the next round trains only when they changed.
    signature: Mapped[str] = mapped_column(String(64))
    #: When the field's answering engine last changed (a model took over or handed back).
    changed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    trained_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    model: Mapped[bytes] = mapped_column(LargeBinary)


class TicketVector(db.Model):
    """A ticket's sentence embedding (``core.embeddings``), for similar tickets and the learner.

    Filled by the triage worker and ``flask tickets embed``; ``text_hash`` is the digest of the
    text embedded, so an edited ticket is embedded again. ``seq`` grows with every write: a
    process holding vectors in memory asks only for rows past the last ``seq`` it saw.
    ``ivf_version``/``ivf_list``: the inverted-file list the vector belongs to under that
    version of ``vector_indexes`` (``tickets.ivf``); NULL before any index exists.
    ``ivf_code``: the vector's compact code (``ivf.encode``: int8 values and a scale) that the
    index carries and queries rank by.
    """

    __tablename__ = "ticket_vectors"
    __table_args__ = (
        Index("ix_ticket_vectors_seq", "seq"),
        # PostgreSQL: the codes ride in the index, so a query reads its lists from
        # contiguous index pages (an index-only scan) instead of one heap page per row.
        Index(
            "ix_ticket_vectors_ivf",
            "ivf_version",
            "ivf_list",
            postgresql_include=["ticket_id", "ivf_code"],
        ),
    )

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    #: Which model made it (``embeddings.MODEL_ID``): vectors of two models never meet.
    model: Mapped[str] = mapped_column(String(40))
    text_hash: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(BigInteger)
    #: float16, little-endian, ``embeddings.DIMENSIONS`` values (768 bytes), unit length.
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    ivf_version: Mapped[int | None] = mapped_column(Integer)
    ivf_list: Mapped[int | None] = mapped_column(Integer)
    ivf_code: Mapped[bytes | None] = mapped_column(LargeBinary)


class VectorIndex(db.Model):
    """One training of the inverted-file index over ``ticket_vectors`` (``tickets.ivf``):
    k-means centroids of one model's vectors. The newest ready version of the model is in use;
    a retraining adds a version (not ready), moves every vector to its list, chunk by chunk,
    then marks it ready and deletes the older ones."""

    __tablename__ = "vector_indexes"

    version: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(40), index=True)
    lists: Mapped[int] = mapped_column(Integer)
    #: float32, little-endian, ``lists`` x dimensions, unit length.
    centroids: Mapped[bytes] = mapped_column(LargeBinary)
    #: Vectors stored when it was trained (a retraining is due at ``IVF_REGROW`` times as many).
    trained_rows: Mapped[int] = mapped_column(Integer)
    sample_rows: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    #: False while its training moves the rows to its lists (queries read them from both).
    ready: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


def new_export_id() -> str:
    return str(uuid.uuid4())


class Export(db.Model):
    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint(_in("status", values(ExportStatus), nullable=False), name="status"),
        Index("ix_exports_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_export_id)
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.PENDING.value)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    columns: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    job_id: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(500))
    row_count: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class IdempotencyKey(db.Model):
    """A client's ``Idempotency-Key`` on a POST that creates something: written in the same
    transaction as what the request created, then completed with the answer it gave, which a
    retry with the same key (and the same request) gets back instead of a second creation."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Whose key: ``user:<id>`` for a signed-in caller, ``addr:<address>`` for public intake.
    scope: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(255))
    #: SHA-256 of the method, path and (canonical JSON) body the key was first used with.
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: The first answer (NULL until it is recorded, right after the creating commit).
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)


class Macro(db.Model):
    """A canned reply (with ``{placeholders}``) plus field actions, applied in one click.
    Personal (only its owner sees it) or shared with everyone."""

    __tablename__ = "macros"
    __table_args__ = (
        CheckConstraint(_length("name", 1, 80), name="name_length"),
        CheckConstraint(_length("body", 0, 20000, nullable=True), name="body_length"),
        Index("ix_macros_owner_id_name", "owner_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str | None] = mapped_column(Text)
    #: The reply is an internal note rather than a public reply.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Field actions: status, priority, category, assignee ("me", an id or null), team,
    #: tags_add, tags_remove (the bulk changes' shape).
    actions: Mapped[dict] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class SavedView(db.Model):
    """A named set of list filters (personal or shared); the built-in ones live in code."""

    __tablename__ = "saved_views"
    __table_args__ = (
        CheckConstraint(_length("name", 1, 80), name="name_length"),
        Index("ix_saved_views_owner_id_position", "owner_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    #: The list's query string as a dict (``{"status": "open", "assignee": "me"}``).
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class BulkEdit(db.Model):
    """One bulk change (``POST /api/tickets/bulk``) too large to answer inline: the job's
    record of work and its progress."""

    __tablename__ = "bulk_edits"
    __table_args__ = (
        CheckConstraint(_in("status", values(JobStatus), nullable=False), name="status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_export_id)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    ticket_ids: Mapped[list] = mapped_column(JSON, default=list)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class TicketEvent(db.Model):
    """The audit trail: one row per change. No FK, so a deleted ticket keeps its history."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        CheckConstraint(_in("actor_type", values(ActorType), nullable=False), name="actor_type"),
        CheckConstraint(_in("via", values(Via), nullable=False), name="via"),
        Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str | None] = mapped_column(String(254))
    via: Mapped[str] = mapped_column(String(8))
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class AccessEvent(db.Model):
    """The account-and-access log: sign-ins, sign-outs, passwords, roles, tokens, exports.

    Append-only: the app has no update or delete path except the retention prune, and on
    PostgreSQL a trigger refuses every UPDATE and any DELETE outside that prune (see the
    migration). No foreign keys, so nothing ever cascades into it.
    """

    __tablename__ = "access_events"
    __table_args__ = (
        CheckConstraint(_in("action", values(AccessAction), nullable=False), name="action"),
        CheckConstraint(_in("via", values(Via), nullable=False), name="via"),
        Index("ix_access_events_action_id", "action", "id"),
        Index("ix_access_events_actor_id_id", "actor_id", "id"),
        Index("ix_access_events_subject_id_id", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(32))
    #: Who did it: a signed-in user (id + e-mail), the CLI, a job; null for an anonymous caller.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str | None] = mapped_column(String(254))
    via: Mapped[str] = mapped_column(String(8))
    #: The account concerned (signing in, changed, owning the token), when there is one.
    subject_id: Mapped[int | None] = mapped_column(Integer)
    subject_label: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class OutboundMail(db.Model):
    """The outbox: one mail to send, written in the same transaction as its cause (a public
    reply, a new ticket, a resolution). ``message_id`` is fixed when the row is written and
    ``raw`` at the first attempt, so a retry sends the very same message again."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint(_in("kind", values(MailKind), nullable=False), name="kind"),
        CheckConstraint(_in("status", values(MailStatus), nullable=False), name="status"),
        Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for a mail about no ticket (``password_reset``).
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("replies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.QUEUED.value)
    to_address: Mapped[str] = mapped_column(String(254))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    raw: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(TZDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    saved_to: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    #: For a ``notification`` mail: what it tells the agent (``to_address`` is theirs).
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )

    ticket: Mapped[Ticket | None] = relationship()
    reply: Mapped[Reply | None] = relationship(overlaps="mails")
    notification: Mapped[Notification | None] = relationship()


class InboundMail(db.Model):
    """A received mail, stored whole before anything else happens (the webhook answers 202
    once this row is committed). ``message_id`` is the Message-ID, or a hash of the message
    when it has none: the same mail fetched twice is the same row."""

    __tablename__ = "mail_inbound"
    __table_args__ = (
        CheckConstraint(_in("status", values(InboundStatus), nullable=False), name="status"),
        CheckConstraint(_in("source", values(InboundSource), nullable=False), name="source"),
        Index("ix_mail_inbound_status_id", "status", "id"),
        Index("ix_mail_inbound_from_address_created_at", "from_address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.RECEIVED.value)
    reason: Mapped[str | None] = mapped_column(Text)
    from_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(255))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class TicketLink(db.Model):
    """The secret behind a ticket's reply address and customer status link. Both are an
    HMAC of (ticket, nonce): a new nonce revokes every link and address given out before."""

    __tablename__ = "ticket_links"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class Attachment(db.Model):
    """A file that came with a mail or an agent's reply, kept in the export storage."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("replies.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    reply: Mapped[Reply | None] = relationship(back_populates="attachments")


class SlaCalendar(db.Model):
    """When a team works: a time zone, working hours per weekday, days off (a country/region's
    public holidays plus custom dates), or 24/7 (``ticketing.sla.calendar``)."""

    __tablename__ = "sla_calendars"
    __table_args__ = (CheckConstraint(_length("name", 1, 80), name="name_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: ``{"mon": ["09:00-17:00"], …}``; days left out are closed.
    hours: Mapped[dict] = mapped_column(JSON, default=dict)
    always_open: Mapped[bool] = mapped_column(Boolean, default=False)
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16))
    #: ISO dates (``"2026-12-24"``) that are days off besides the public holidays.
    custom_holidays: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class SlaPolicy(db.Model):
    """Targets for the tickets it matches: a priority (or any), optionally a category; the most
    specific active policy wins. Targets are business minutes of its calendar."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        CheckConstraint(_length("name", 1, 80), name="name_length"),
        CheckConstraint(_in("priority", values(Priority)), name="priority"),
        CheckConstraint(_in("category", values(Category)), name="category"),
        CheckConstraint(
            _in("escalation", values(SlaEscalation), nullable=False), name="escalation"
        ),
        CheckConstraint("first_response_minutes > 0", name="first_response_positive"),
        CheckConstraint("resolution_minutes > 0", name="resolution_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: ``None`` matches every priority (and tickets without one).
    priority: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(16))
    calendar_id: Mapped[int] = mapped_column(ForeignKey("sla_calendars.id"), index=True)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    #: Pause the resolution clock while ``on_hold`` too (``pending`` always pauses it).
    pause_on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation: Mapped[str] = mapped_column(String(24), default=SlaEscalation.NONE.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    calendar: Mapped[SlaCalendar] = relationship()


class Notification(db.Model):
    """Something a person should know about one of their tickets (an SLA warning, a breach,
    an escalation), shown in the page until read. One per person, ticket, event and clock:
    a warning reaches each person once."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_in("event", values(SlaEvent), nullable=False), name="event"),
        UniqueConstraint("user_id", "ticket_id", "event", "field", name="uq_notifications_once"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    #: What happened (``SlaEvent``) and to what: the clock, or the escalated field.
    event: Mapped[str] = mapped_column(String(24))
    field: Mapped[str] = mapped_column(String(24))
    message: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    ticket: Mapped[Ticket] = relationship()
    user: Mapped[User] = relationship()


class TicketSla(db.Model):
    """A ticket's two SLA clocks. The due and at-risk instants are computed in business time
    when the clock starts, pauses, resumes or its policy changes, so the upkeep's pass and the
    list's ``sla`` filter and sorts are plain indexed comparisons with "now"."""

    __tablename__ = "ticket_slas"
    __table_args__ = (
        CheckConstraint(
            _in("first_response_state", values(SlaState), nullable=False),
            name="first_response_state",
        ),
        CheckConstraint(
            _in("resolution_state", values(SlaState), nullable=False), name="resolution_state"
        ),
        Index("ix_ticket_slas_fr_state_due", "first_response_state", "first_response_due_at"),
        Index("ix_ticket_slas_fr_state_risk", "first_response_state", "first_response_risk_at"),
        Index("ix_ticket_slas_res_state_due", "resolution_state", "resolution_due_at"),
        Index("ix_ticket_slas_res_state_risk", "resolution_state", "resolution_risk_at"),
        Index("ix_ticket_slas_started_at", "started_at"),
    )

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL"), index=True
    )
    #: When the clocks started (the ticket's creation).
    started_at: Mapped[datetime] = mapped_column(TZDateTime)
    first_response_state: Mapped[str] = mapped_column(String(16), default=SlaState.RUNNING.value)
    first_response_due_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    first_response_risk_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    #: When the first public reply by an agent came (the clock stopped).
    first_response_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    first_response_warned_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    resolution_state: Mapped[str] = mapped_column(String(16), default=SlaState.RUNNING.value)
    #: ``None`` while paused (``resolution_left_seconds`` holds what is left).
    resolution_due_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    resolution_risk_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    resolution_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    resolution_warned_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    #: Business seconds spent paused so far (added to the target on every recomputation).
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    #: When the current pause began (``None`` while not paused).
    paused_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    resolution_left_seconds: Mapped[int | None] = mapped_column(Integer)
    #: When the upkeep escalated the ticket (escalation fires once).
    escalated_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="sla")
    policy: Mapped[SlaPolicy | None] = relationship()
