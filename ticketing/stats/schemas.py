"""Output schemas of the stats blueprint (and of the triage metrics the classification
blueprint serves). Every enum key is declared, so the OpenAPI document lists them all."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..core.vocab import (
    UNCLASSIFIED,
    UNSET,
    Category,
    Priority,
    Sentiment,
    Source,
    TicketStatus,
    TriageSource,
    values,
)


def _counts(name: str, keys: tuple[str, ...], description: str) -> type[Schema]:
    schema = Schema.from_dict({key: fields.Integer(required=True) for key in keys}, name=name)
    schema.__doc__ = description
    return schema


StatusCounts = _counts("StatusCounts", values(TicketStatus), "Tickets per status.")
CategoryCounts = _counts(
    "CategoryCounts",
    (*values(Category), UNCLASSIFIED),
    "Tickets per category; no category = unclassified.",
)
PriorityCounts = _counts(
    "PriorityCounts", (*values(Priority), UNSET), "Tickets per priority; no priority = unset."
)
SentimentCounts = _counts(
    "SentimentCounts", (*values(Sentiment), UNSET), "Tickets per sentiment; no sentiment = unset."
)
SourceCounts = _counts(
    "SourceCounts", (*values(Source), UNSET), "Tickets per source of the value; no value = unset."
)
RunCounts = Schema.from_dict(
    {
        "total": fields.Integer(required=True),
        **{s: fields.Integer(required=True) for s in values(TriageSource)},
        "with_error": fields.Integer(
            required=True, metadata={"description": "Runs that recorded an error."}
        ),
        "tickets": fields.Integer(
            required=True, metadata={"description": "Distinct tickets with at least one run."}
        ),
    },
    name="TriageRunCounts",
)


class AgreementOut(Schema):
    """Among tickets whose latest triage run gave this field a value, the share still
    holding that value (nobody changed it)."""

    rate = fields.Float(allow_none=True, metadata={"description": "agreed / compared; null if 0"})
    agreed = fields.Integer()
    compared = fields.Integer()


class AgreementByField(Schema):
    category = fields.Nested(AgreementOut)
    priority = fields.Nested(AgreementOut)


class TriageMetricsOut(Schema):
    """Triage figures: who set the values, how many runs, how often people kept them."""

    by_source = fields.Nested(SourceCounts, metadata={"description": "Tickets by category_source."})
    priority_by_source = fields.Nested(
        SourceCounts, metadata={"description": "Tickets by priority_source."}
    )
    runs = fields.Nested(RunCounts, metadata={"description": "Triage runs in the history."})
    agreement = fields.Nested(AgreementByField)


class DayCount(Schema):
    date = fields.String(metadata={"description": "UTC day, YYYY-MM-DD"})
    count = fields.Integer()


class WindowOut(Schema):
    """The days avg_per_day divides by (UTC, inclusive)."""

    start = fields.String(
        allow_none=True,
        metadata={"description": "created_from's day, else the first matching ticket's day"},
    )
    end = fields.String(metadata={"description": "created_to's last day, else today"})
    days = fields.Integer(metadata={"description": "end - start + 1; 0 when start is null"})


class StatsOut(Schema):
    total = fields.Integer(metadata={"description": "Tickets matching the filters."})
    open = fields.Integer(metadata={"description": "Of those, status open or in_progress."})
    avg_per_day = fields.Float(
        metadata={"description": "total / window.days, 2 decimals; 0 when window.days is 0."}
    )
    window = fields.Nested(WindowOut)
    by_status = fields.Nested(StatusCounts)
    by_category = fields.Nested(CategoryCounts)
    by_priority = fields.Nested(PriorityCounts)
    by_sentiment = fields.Nested(SentimentCounts)
    avg_urgency_score = fields.Float(
        allow_none=True, metadata={"description": "Mean of the scored tickets; null if none."}
    )
    per_day = fields.List(
        fields.Nested(DayCount),
        metadata={
            "description": "Tickets created per UTC day, the 30 days ending today (or "
            "created_to's last day), zero-filled, oldest first."
        },
    )
    median_resolution_hours = fields.Float(
        allow_none=True,
        metadata={
            "description": "Median of resolved_at - created_at over resolved/closed tickets, "
            "in hours (2 decimals); null if none."
        },
    )
    resolved_count = fields.Integer(
        metadata={"description": "Resolved/closed tickets with resolved_at (the median's n)."}
    )
    triage = fields.Nested(TriageMetricsOut)
