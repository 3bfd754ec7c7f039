"""The product's one vocabulary: every enum-like list lives here, once.

Database CHECK constraints (``models.py``), marshmallow schemas and the OpenAPI document, the
Claude tool schema and prompt, the local classifier, ``evaluate``, CLI help, seed data, stats
and the page (handed to it as data by ``web``) all read these. A literal list of these values
anywhere else is a bug (``tests/test_vocabulary.py`` looks for one).

Members are ``StrEnum``s, so a member *is* its string: ``TicketStatus.OPEN == "open"`` and it
serialises to JSON and SQL as ``"open"`` without conversion.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType


class TicketStatus(StrEnum):
    """Where a ticket is in its life."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    #: Waiting on the customer (their reply reopens it).
    PENDING = "pending"
    #: Waiting on someone else: a third party, a fix, a shipment.
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    """How soon a ticket needs an answer, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Category(StrEnum):
    """What a ticket is about."""

    BILLING = "billing"
    TECHNICAL = "technical"
    ACCOUNT = "account"
    GENERAL = "general"


class Sentiment(StrEnum):
    """The customer's tone, calmest first."""

    CALM = "calm"
    NEUTRAL = "neutral"
    FRUSTRATED = "frustrated"
    ANGRY = "angry"


class Source(StrEnum):
    """Who set a ticket's category or priority."""

    CLAUDE = "claude"
    FALLBACK = "fallback"
    MANUAL = "manual"
    #: The model learned from the team's corrections (it took over from the rules for a field).
    LEARNED = "learned"


class TriageSource(StrEnum):
    """Which classifier produced a triage run (a subset of ``Source``)."""

    CLAUDE = "claude"
    FALLBACK = "fallback"
    LEARNED = "learned"


class TriageStatus(StrEnum):
    """A ticket's triage state, as stored on its row."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobStatus(StrEnum):
    """A queued job as the API shows it (``GET /api/jobs/<id>``)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BatchStatus(StrEnum):
    """A Message Batches API submission of triage requests (``triage_batches``)."""

    #: Rows written, the API not yet told (a crash here is recovered by upkeep).
    SUBMITTING = "submitting"
    IN_PROGRESS = "in_progress"
    #: Every result stored on its ticket.
    APPLIED = "applied"
    #: The API refused the batch; its tickets were queued one by one instead.
    FAILED = "failed"


class PiiKind(StrEnum):
    """Kinds of personal data withheld from text sent to Claude (in the order they are found)."""

    SECRET = "secret"  # noqa: S105 - the name of a kind, not a password
    EMAIL = "email"
    IBAN = "iban"
    CARD = "card"
    PHONE = "phone"


class ClaudeState(StrEnum):
    """Claude as operators see it (``/api/health``'s ``claude`` check, the dashboard)."""

    #: No ``ANTHROPIC_API_KEY``: the local classifier answers.
    DISABLED = "disabled"
    OK = "ok"
    #: The API refuses the set-up (400/401/403/404): shown loudly until a request is accepted.
    FAULT = "fault"
    #: ``CLAUDE_MONTHLY_BUDGET`` spent: the local classifier until the month ends.
    BUDGET_EXHAUSTED = "budget_exhausted"
    #: The circuit breaker is open (consecutive timeouts/5xx/429): the local classifier
    #: answers until its cool-down ends and a probe call succeeds.
    CIRCUIT_OPEN = "circuit_open"


class HealthStatus(StrEnum):
    OK = "ok"
    #: The service answers, but a check is not ok (something an operator must fix).
    DEGRADED = "degraded"


class ExportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


class AssignmentSource(StrEnum):
    """Who set a ticket's team or assignee: a person (never overridden) or a routing rule."""

    MANUAL = "manual"
    RULE = "rule"


class AssignmentMode(StrEnum):
    """How a team hands a routed ticket to one of its members."""

    #: Each available member in turn.
    ROUND_ROBIN = "round_robin"
    #: The available member with the fewest unresolved tickets (ties: in turn).
    LEAST_OPEN = "least_open"
    #: Routed to the team only; a person picks it up.
    NONE = "none"


class PresenceState(StrEnum):
    """What a colleague is doing on a ticket right now (shown live on the page)."""

    VIEWING = "viewing"
    REPLYING = "replying"


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"


class ActorType(StrEnum):
    """Who made a change recorded in the audit trail."""

    USER = "user"
    TRIAGE = "triage"
    SYSTEM = "system"


class Via(StrEnum):
    """Through what a change arrived."""

    WEB = "web"
    API = "api"
    CLI = "cli"
    JOB = "job"


class TicketAction(StrEnum):
    """What a ticket's audit trail records (``ticket_events.action``)."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    REPLY_ADDED = "reply_added"
    INTERNAL_NOTE_ADDED = "internal_note_added"
    #: Personal data withheld from text sent out: ``new_value`` lists the kinds, never values.
    PII_WITHHELD = "pii_withheld"
    #: On a merged ticket: ``new_value`` is the id of the ticket it went into.
    MERGED_INTO = "merged_into"
    #: On the ticket merged into: ``new_value`` is the id of the ticket that came in.
    MERGED_FROM = "merged_from"
    #: On both, when an admin undoes a merge: ``old_value`` is the other ticket's id.
    MERGE_UNDONE = "merge_undone"


class ArticleStatus(StrEnum):
    """A knowledge-base article: only published ones are public."""

    DRAFT = "draft"
    PUBLISHED = "published"


class DraftOutcome(StrEnum):
    """What became of a reply draft."""

    PENDING = "pending"
    SENT_UNCHANGED = "sent_unchanged"
    EDITED = "edited"
    DISCARDED = "discarded"


class DraftGenerator(StrEnum):
    """Who wrote a reply draft."""

    CLAUDE = "claude"
    #: The best matching source, filled in (no model).
    LOCAL = "local"


class DraftSourceType(StrEnum):
    """What a reply draft is grounded in."""

    TICKET = "ticket"
    ARTICLE = "article"
    MACRO = "macro"


class AccessAction(StrEnum):
    """What the account-and-access log records (``access_events.action``)."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    #: The first refused attempt once a sign-in limit is reached (one per window and key).
    SIGN_IN_THROTTLED = "sign_in_throttled"
    SIGN_OUT = "sign_out"
    SIGN_OUT_EVERYWHERE = "sign_out_everywhere"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    USER_CREATED = "user_created"
    ROLE_CHANGED = "role_changed"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    TOKEN_FIRST_USED = "token_first_used"
    EXPORT_CREATED = "export_created"
    EXPORT_DOWNLOADED = "export_downloaded"
    ACCESS_LOG_EXPORTED = "access_log_exported"
    SETTINGS_CHANGED = "settings_changed"


class MailKind(StrEnum):
    """What an outgoing mail is (each kind can be switched off: MAIL_ACKNOWLEDGE …)."""

    #: "We received your request" with its reference, for a new ticket.
    ACKNOWLEDGEMENT = "acknowledgement"
    #: A public reply by an agent (internal notes never leave).
    REPLY = "reply"
    #: The ticket was resolved (and how to reopen it: answer the mail).
    RESOLUTION = "resolution"
    #: To an agent, not the customer: one of their tickets is at risk or breached its SLA.
    NOTIFICATION = "notification"
    #: A "forgot your password?" link to a user (no ticket: no thread, no reply address).
    PASSWORD_RESET = "password_reset"


class MailStatus(StrEnum):
    """An outgoing mail in the outbox (``mail_outbox``), as the reply shows it."""

    QUEUED = "queued"
    #: Claimed by a sender (a lease that expires if it dies).
    SENDING = "sending"
    SENT = "sent"
    #: No mail server configured: written to a .eml file instead (embedded default).
    SAVED = "saved"
    #: Gave up after every attempt, or bounced.
    FAILED = "failed"


class InboundStatus(StrEnum):
    """A received mail (``mail_inbound``)."""

    RECEIVED = "received"
    PROCESSED = "processed"
    #: Auto-replies, bulk mail, bounces, rate-limited senders: recorded, not turned into work.
    IGNORED = "ignored"
    FAILED = "failed"


class InboundSource(StrEnum):
    WEBHOOK = "webhook"
    IMAP = "imap"
    #: A reply typed on the customer's status page.
    STATUS_PAGE = "status_page"


class SimilarScope(StrEnum):
    """Which look-alikes ``GET /api/tickets/<id>/similar`` returns."""

    ALL = "all"
    #: Unresolved tickets (``UNRESOLVED_STATUSES``).
    OPEN = "open"
    #: Resolved or closed tickets (``CLOSED_STATUSES``), with the reply that resolved each.
    RESOLVED = "resolved"


class SlaState(StrEnum):
    """Where one SLA clock of a ticket stands (first response, resolution)."""

    RUNNING = "running"
    #: Waiting on the customer (``pending``, and ``on_hold`` when the policy says so).
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


class SlaFilter(StrEnum):
    """The ticket list's ``sla`` filter."""

    #: A clock is past its due time (or was when it stopped).
    BREACHED = "breached"
    #: Not breached, but a running clock has used 75% (``SLA_AT_RISK_SHARE``) of its target.
    AT_RISK = "at_risk"
    #: Has clocks, none breached or at risk.
    OK = "ok"


class SlaClock(StrEnum):
    """The two targets of a policy."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class SlaEscalation(StrEnum):
    """What the upkeep does to a ticket whose clock breaches, by policy."""

    NONE = "none"
    #: One priority level up (a manual priority: the person's choice stays).
    RAISE_PRIORITY = "raise_priority"
    #: Give the ticket to its team's lead (a ticket without a team, or a team without a lead,
    #: stays where it is).
    REASSIGN_TO_LEAD = "reassign_to_lead"
    #: Both: one priority level up and to the team's lead.
    RAISE_AND_REASSIGN = "raise_and_reassign"


class SlaEvent(StrEnum):
    """Audit-trail actions the SLA upkeep writes (``ticket_events.action``; ``field`` names
    the clock). Each fires once per clock."""

    AT_RISK = "sla_at_risk"
    BREACHED = "sla_breached"
    ESCALATED = "sla_escalated"


#: Share of a target used when a clock counts as "at risk" (and its warning fires).
SLA_AT_RISK_SHARE = 0.75


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """An enum's values in declaration order, as plain strings."""
    return tuple(member.value for member in enum)


#: Statuses that mean "nobody needs to act": resolving stamps ``resolved_at``.
CLOSED_STATUSES: tuple[str, ...] = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)
#: Statuses where the ticket waits on someone other than the team.
WAITING_STATUSES: tuple[str, ...] = (TicketStatus.PENDING.value, TicketStatus.ON_HOLD.value)
#: Every other status: the ticket still needs work ("unresolved" on the dashboard).
UNRESOLVED_STATUSES: tuple[str, ...] = tuple(
    s for s in values(TicketStatus) if s not in CLOSED_STATUSES
)
#: Statuses a customer's reply (by mail or on the status page) takes back to ``open``.
REOPENED_BY_CUSTOMER: tuple[str, ...] = (TicketStatus.PENDING.value, TicketStatus.RESOLVED.value)
#: Sort rank of each priority (``sort=priority``): low 1 … critical 4.
PRIORITY_RANK = MappingProxyType({p: rank for rank, p in enumerate(values(Priority), start=1)})
#: The list filter's name for "no category yet".
UNCLASSIFIED = "unclassified"
#: The stats' name for "no value" in a breakdown.
UNSET = "unset"

#: The ticket fields the learner learns from the team's corrections (``learned_models.field``).
LEARNED_FIELDS: tuple[str, ...] = ("category", "priority")

#: Urgency (0..100) -> priority: the lowest urgency that reaches each level. The local
#: classifier reads priority from these; the page colours urgency with the same bands.
#: Set (issue 16) so that a normal queue gets roughly a quarter low, under half medium, a
#: quarter high and a few critical (critical also needs an explicit critical-class cue).
URGENCY_FLOORS = MappingProxyType(
    {Priority.CRITICAL.value: 75, Priority.HIGH.value: 48, Priority.MEDIUM.value: 24}
)


#: What the page calls each source of a ticket's category or priority (a person reads "Rules",
#: not "fallback"). A source missing here is shown as its value with a capital letter.
SOURCE_LABELS = MappingProxyType(
    {Source.CLAUDE.value: "Claude", Source.FALLBACK.value: "Rules", Source.MANUAL.value: "Manual"}
)
#: Triage results less sure than this are shown as tentative (a question, not an answer).
TENTATIVE_BELOW = 0.6


def source_labels() -> dict[str, str]:
    """Every source with its label for people (``SOURCE_LABELS``, else the value capitalised)."""
    return {s: SOURCE_LABELS.get(s, s.replace("_", " ").capitalize()) for s in values(Source)}


def priority_for_urgency(urgency: float) -> str:
    """The priority band an urgency score falls in (``URGENCY_FLOORS``)."""
    for priority, floor in URGENCY_FLOORS.items():
        if urgency >= floor:
            return priority
    return Priority.LOW.value


def as_data() -> dict[str, object]:
    """The vocabulary as plain data, for the page (a JSON island) and ``/api/meta``."""
    return {
        "statuses": list(values(TicketStatus)),
        "closed_statuses": list(CLOSED_STATUSES),
        "waiting_statuses": list(WAITING_STATUSES),
        "priorities": list(values(Priority)),
        "categories": list(values(Category)),
        "sentiments": list(values(Sentiment)),
        "sources": list(values(Source)),
        "triage_sources": list(values(TriageSource)),
        "manual_source": Source.MANUAL.value,
        "unclassified": UNCLASSIFIED,
        "unset": UNSET,
        "triage_statuses": list(values(TriageStatus)),
        "export_statuses": list(values(ExportStatus)),
        "batch_statuses": list(values(BatchStatus)),
        "roles": list(values(Role)),
        "assignment_modes": list(values(AssignmentMode)),
        "assignment_sources": list(values(AssignmentSource)),
        "presence_states": list(values(PresenceState)),
        "admin_role": Role.ADMIN.value,
        "access_actions": list(values(AccessAction)),
        "mail_statuses": list(values(MailStatus)),
        "urgency_floors": dict(URGENCY_FLOORS),
        "sla_states": list(values(SlaState)),
        "sla_filters": list(values(SlaFilter)),
        "sla_clocks": list(values(SlaClock)),
        "sla_escalations": list(values(SlaEscalation)),
        "source_labels": source_labels(),
        "tentative_below": TENTATIVE_BELOW,
        # Who wrote an audit row when triage did (the activity names it "Triage").
        "triage_actor": ActorType.TRIAGE.value,
    }
