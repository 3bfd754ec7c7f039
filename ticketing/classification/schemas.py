"""Triage request and response schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from ..models import CATEGORIES, PRIORITIES, SENTIMENTS, TRIAGE_SOURCES
from ..schemas import NOT_BLANK, PageMeta, _Strict, _strip_strings, not_blank

JOB_STATUSES = ("queued", "running", "done", "failed")


class SuggestIn(_Strict):
    """Text typed into the create form so far."""

    subject = fields.String(allow_none=True, validate=validate.Length(0, 200))
    body = fields.String(
        required=True,
        validate=[validate.Length(1, 20_000), not_blank("Body")],
        metadata=NOT_BLANK,
    )

    @pre_load
    def strip(self, data, **kwargs):
        return _strip_strings(data, ("subject",))


class TriageOut(Schema):
    """What a classifier said about one text."""

    category = fields.String(metadata={"enum": list(CATEGORIES)})
    priority = fields.String(metadata={"enum": list(PRIORITIES)})
    sentiment = fields.String(metadata={"enum": list(SENTIMENTS)})
    urgency_score = fields.Integer(metadata={"description": "0..100"})
    confidence = fields.Float(metadata={"description": "0..1"})
    explanation = fields.String()
    suggested_title = fields.String()
    source = fields.String(metadata={"enum": list(TRIAGE_SOURCES), "description": "who answered"})
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


class ClassificationPage(Schema):
    items = fields.List(fields.Nested(ClassificationOut))
    meta = fields.Nested(PageMeta)


class JobOut(Schema):
    """A triage job: poll ``status_url`` until ``status`` is done or failed."""

    id = fields.String()
    kind = fields.String(metadata={"description": "triage"})
    status = fields.String(metadata={"enum": list(JOB_STATUSES)})
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
