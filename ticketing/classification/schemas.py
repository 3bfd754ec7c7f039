"""Triage request and response schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from ..core.schemas import NOT_BLANK, StrictSchema, not_blank, page_schema, strip_strings
from ..core.vocab import (
    LEARNED_FIELDS,
    BatchStatus,
    Category,
    ClaudeState,
    JobStatus,
    Priority,
    Sentiment,
    TriageSource,
    values,
)
from .redact import KINDS


class SuggestIn(StrictSchema):
    """Text typed into the create form so far."""

    subject = fields.String(allow_none=True, validate=validate.Length(0, 200))
    body = fields.String(
        required=True,
        validate=[validate.Length(1, 20_000), not_blank("Body")],
        metadata=NOT_BLANK,
    )

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("subject",))


class TriageOut(Schema):
    """What a classifier said about one text."""

    category = fields.String(metadata={"enum": list(values(Category))})
    priority = fields.String(metadata={"enum": list(values(Priority))})
    sentiment = fields.String(metadata={"enum": list(values(Sentiment))})
    urgency_score = fields.Integer(metadata={"description": "0..100"})
    confidence = fields.Float(metadata={"description": "0..1"})
    explanation = fields.String()
    suggested_title = fields.String()
    source = fields.String(
        metadata={"enum": list(values(TriageSource)), "description": "who answered"}
    )
    model = fields.String(allow_none=True)
    latency_ms = fields.Integer(allow_none=True)
    language = fields.String(
        allow_none=True, metadata={"description": "ISO 639-1 code of the text's language"}
    )


def _kinds(obj) -> list[str]:
    value = obj.get("redacted") if isinstance(obj, dict) else getattr(obj, "redacted", None)
    if isinstance(value, str):
        return [k for k in value.split(",") if k]
    return list(value or ())


REDACTED_DOC = {
    "type": "array",
    "items": {"type": "string", "enum": list(KINDS)},
    "description": "kinds of personal data withheld from the text sent to Claude",
}


class SuggestionOut(TriageOut):
    """A live suggestion; ``error`` says why Claude did not answer when it was asked."""

    error = fields.String(allow_none=True)
    redacted = fields.Function(_kinds, metadata=REDACTED_DOC)


class ClassificationOut(TriageOut):
    """One stored triage run."""

    id = fields.Integer()
    ticket_id = fields.Integer()
    input_tokens = fields.Integer(allow_none=True)
    output_tokens = fields.Integer(allow_none=True)
    attempts = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    job_id = fields.String(allow_none=True)
    redacted = fields.Function(_kinds, metadata=REDACTED_DOC)
    cost_usd = fields.Float(
        allow_none=True, metadata={"description": "US dollars (tokens x price; batches half)"}
    )
    batch_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


ClassificationPage = page_schema(ClassificationOut, "ClassificationPage")


class JobOut(Schema):
    """A triage job: poll ``status_url`` until ``status`` is done or failed."""

    id = fields.String()
    kind = fields.String(metadata={"description": "triage"})
    status = fields.String(metadata={"enum": list(values(JobStatus))})
    status_url = fields.String()
    ticket_id = fields.Integer(allow_none=True)
    ticket_url = fields.String(allow_none=True)
    result = fields.Nested(
        ClassificationOut,
        allow_none=True,
        metadata={"description": "the stored run, once done"},
    )
    error = fields.String(
        allow_none=True,
        metadata={"description": "why the job failed, or why Claude's answer was not used"},
    )


class FaultOut(Schema):
    """A configuration fault: the API refused the set-up (key, model, schema)."""

    status = fields.Integer(metadata={"description": "HTTP status the API answered"})
    type = fields.String(metadata={"description": "the API's error type"})
    message = fields.String()
    since = fields.String(metadata={"description": "when it started (ISO 8601)"})
    last_seen = fields.String()
    count = fields.Integer(metadata={"description": "requests refused since"})


class BudgetOut(Schema):
    monthly_usd = fields.Float(allow_none=True, metadata={"description": "null = no budget"})
    spent_usd = fields.Float(allow_none=True)
    remaining_usd = fields.Float(allow_none=True)
    exhausted = fields.Boolean(
        metadata={"description": "true: the local classifier answers until resets_at"}
    )
    resets_at = fields.String()


class SpendOut(Schema):
    month = fields.String(metadata={"description": "YYYY-MM (UTC)"})
    runs = fields.Integer(metadata={"description": "Claude runs with a cost"})
    tickets = fields.Integer()
    input_tokens = fields.Integer()
    output_tokens = fields.Integer()
    usd = fields.Float()
    per_ticket_usd = fields.Float(allow_none=True)


class BreakerOut(Schema):
    """The circuit breaker around Claude, shared by every process."""

    state = fields.String(
        metadata={
            "enum": ["closed", "open", "half_open", "off", "unknown"],
            "description": "open: the local classifier answers until `until`; half_open: the "
            "cool-down is over and the next call tries Claude",
        }
    )
    failures = fields.Integer(metadata={"description": "consecutive failed Claude calls"})
    threshold = fields.Integer(metadata={"description": "CLAUDE_BREAKER_FAILURES"})
    cooldown_seconds = fields.Float(metadata={"description": "CLAUDE_BREAKER_COOLDOWN"})
    opened_at = fields.String()
    until = fields.String()
    last_error = fields.String(allow_none=True)


class ClaudeStatusOut(Schema):
    """Claude as the dashboard shows it: state, fault, budget and spend."""

    ok = fields.Boolean()
    status = fields.String(
        metadata={
            "enum": list(values(ClaudeState)),
            "description": "fault: a configuration fault (see fault); circuit_open: Claude "
            "failed repeatedly, the local classifier answers for a cool-down (see breaker); "
            "budget_exhausted: the local classifier answers until the month ends",
        }
    )
    fault = fields.Nested(FaultOut, allow_none=True)
    breaker = fields.Nested(BreakerOut)
    enabled = fields.Boolean()
    model = fields.String()
    redact_pii = fields.Boolean()
    examples = fields.Integer(metadata={"description": "corrected tickets shown per request"})
    budget = fields.Nested(BudgetOut)
    month = fields.Nested(SpendOut, metadata={"description": "this month so far"})
    by_month = fields.List(fields.Nested(SpendOut), metadata={"description": "oldest first"})
    open_batches = fields.Integer()


class LearnedFieldOut(Schema):
    """One field as the learner sees it."""

    field = fields.String(metadata={"enum": list(LEARNED_FIELDS)})
    active = fields.String(
        metadata={
            "enum": [TriageSource.FALLBACK.value, TriageSource.LEARNED.value],
            "description": "who answers this field on the local path: the rules (fallback) "
            "or the learned model",
        }
    )
    version = fields.Integer(allow_none=True, metadata={"description": "the active version"})
    engine = fields.String()
    accuracy = fields.Float(
        allow_none=True, metadata={"description": "on the team's held-back corrections"}
    )
    rules_accuracy = fields.Float(allow_none=True, metadata={"description": "the same tickets"})
    held_out = fields.Integer()
    corrections = fields.Integer(metadata={"description": "tickets whose field a person set"})
    latest_version = fields.Integer(allow_none=True)
    decision = fields.String(allow_none=True, metadata={"description": "the last round's why"})
    trained_at = fields.DateTime(allow_none=True)
    changed_at = fields.DateTime(
        allow_none=True, metadata={"description": "when the answering engine last changed"}
    )


class LearnerStatusOut(Schema):
    """The model learned from the team's corrections, per field."""

    enabled = fields.Boolean()
    engine = fields.String()
    min_corrections = fields.Integer()
    fields_ = fields.List(fields.Nested(LearnedFieldOut), data_key="fields", attribute="fields")


class BatchOut(Schema):
    """A Message Batches API submission of triage requests."""

    id = fields.Integer()
    provider_id = fields.String(allow_none=True, metadata={"description": "the API's batch id"})
    status = fields.String(metadata={"enum": list(values(BatchStatus))})
    model = fields.String(allow_none=True)
    request_count = fields.Integer()
    succeeded = fields.Integer()
    errored = fields.Integer(metadata={"description": "errored, expired or canceled"})
    applied = fields.Integer(metadata={"description": "results stored on their tickets"})
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    polled_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    applied_at = fields.DateTime(allow_none=True)


BatchPage = page_schema(BatchOut, "TriageBatchPage")
