"""Response shapes of reply drafts."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..core.vocab import DraftGenerator, DraftOutcome, DraftSourceType, values


class DraftSourceOut(Schema):
    key = fields.String(metadata={"description": "T<ticket id>, A<article id> or M<macro id>"})
    type = fields.String(metadata={"enum": list(values(DraftSourceType))})
    id = fields.Integer()
    title = fields.String()


class DraftOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    body = fields.String(metadata={"description": "The proposed reply (empty: nothing to go on)"})
    sources = fields.List(fields.Nested(DraftSourceOut))
    answered = fields.Boolean(metadata={"description": "False: the sources do not answer it"})
    generator = fields.String(metadata={"enum": list(values(DraftGenerator))})
    language = fields.String(allow_none=True)
    outcome = fields.String(metadata={"enum": list(values(DraftOutcome))})
    edit_distance = fields.Integer(allow_none=True)
    reply_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class AcceptanceRow(Schema):
    key = fields.String()
    pending = fields.Integer()
    sent_unchanged = fields.Integer()
    edited = fields.Integer()
    discarded = fields.Integer()
    acceptance = fields.Float(allow_none=True, metadata={"description": "sent / decided"})
    mean_edit_distance = fields.Float(allow_none=True)


class AcceptanceOut(Schema):
    by_source = fields.List(fields.Nested(AcceptanceRow))
    by_generator = fields.List(fields.Nested(AcceptanceRow))


class SummaryOut(Schema):
    summary = fields.String(
        allow_none=True,
        metadata={"description": "One paragraph; null while the thread is shorter than "
                  "SUMMARY_MIN_MESSAGES"},
    )  # fmt: skip
    generator = fields.String(allow_none=True, metadata={"enum": list(values(DraftGenerator))})
    messages = fields.Integer(metadata={"description": "The request and its public replies"})
    created_at = fields.DateTime(allow_none=True)
