"""Triage request and response schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from ..core.schemas import NOT_BLANK, StrictSchema, not_blank, page_schema, strip_strings
from ..core.vocab import Category, JobStatus, Priority, Sentiment, TriageSource, values


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


class SuggestionOut(TriageOut):
    """A live suggestion; ``error`` says why Claude did not answer when it was asked."""

    error = fields.String(allow_none=True)


class ClassificationOut(TriageOut):
    """One stored triage run."""

    id = fields.Integer()
    ticket_id = fields.Integer()
    input_tokens = fields.Integer(allow_none=True)
    output_tokens = fields.Integer(allow_none=True)
    attempts = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    job_id = fields.String(allow_none=True)
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
