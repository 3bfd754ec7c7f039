"""Request and response shapes of the assist feature."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..core.extensions import MAX_ID
from ..core.schemas import CommaList, StrictSchema
from ..core.vocab import SimilarScope, TicketStatus, values


class SimilarQuery(Schema):
    class Meta:
        unknown = RAISE

    k = fields.Integer(load_default=5, validate=validate.Range(1, 20))
    scope = fields.String(
        load_default=SimilarScope.ALL.value, validate=validate.OneOf(values(SimilarScope))
    )


class TicketBrief(Schema):
    id = fields.Integer()
    subject = fields.String()
    status = fields.String(metadata={"enum": list(values(TicketStatus))})
    requester_email = fields.String(allow_none=True)
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)


class ResolutionOut(Schema):
    reply_id = fields.Integer()
    body = fields.String()
    author_name = fields.String(allow_none=True)
    created_at = fields.DateTime()


class WhyOut(Schema):
    shared_terms = fields.List(
        fields.String(), metadata={"description": "Words both tickets use, strongest first"}
    )


class SimilarOut(Schema):
    ticket = fields.Nested(TicketBrief)
    score = fields.Float(
        metadata={
            "description": "0..1: the cosine of the two tickets' sentence embeddings (engine "
            "embeddings) or of their weighted terms (engine full_text)"
        }
    )
    why = fields.Method("get_why", metadata={"description": "What makes them alike"})
    resolution = fields.Nested(
        ResolutionOut,
        allow_none=True,
        metadata={"description": "A resolved ticket's last public reply from the team"},
    )

    def get_why(self, obj) -> dict:
        return {"shared_terms": obj.shared_terms}


class SimilarMeta(Schema):
    k = fields.Integer()
    scope = fields.String()
    engine = fields.String(
        metadata={
            "enum": ["embeddings", "full_text"],
            "description": "What ranked them: sentence embeddings (the local model installed) "
            "or full-text terms",
        }
    )


class SimilarList(Schema):
    items = fields.List(fields.Nested(SimilarOut))
    meta = fields.Nested(SimilarMeta)


class IdList(CommaList):
    """``ticket=1,2,3``: up to 100 ticket ids."""

    MAX_ITEMS = 100

    def __init__(self, **kwargs):
        super().__init__(item_max=10, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        items = super()._deserialize(value, attr, data, **kwargs)
        if len(items) > self.MAX_ITEMS:
            raise ValidationError(f"At most {self.MAX_ITEMS} ids.")
        if not all(i.isascii() and i.isdigit() and int(i) <= MAX_ID for i in items):
            raise ValidationError("Must be ticket ids (whole numbers), comma-separated.")
        return [int(i) for i in items]

    def openapi_schema(self) -> dict:
        return {"type": "string", "pattern": r"^ *[0-9]{1,9} *(, *[0-9]{1,9} *)*$"}


class DuplicateQuery(Schema):
    class Meta:
        unknown = RAISE

    ticket = IdList(
        required=True, metadata={"description": "Ticket ids, comma-separated (at most 100)"}
    )


class DuplicateOut(Schema):
    ticket_id = fields.Integer()
    duplicate_of = fields.Nested(TicketBrief)
    score = fields.Float()
    created_at = fields.DateTime()


class DuplicateList(Schema):
    items = fields.List(fields.Nested(DuplicateOut))


class MergeIn(StrictSchema):
    into = fields.Integer(
        required=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "The ticket to merge this one into"},
    )


class BulkMergeIn(StrictSchema):
    sources = fields.List(
        fields.Integer(validate=validate.Range(1, MAX_ID)),
        required=True,
        validate=validate.Length(1, 100),
        metadata={"description": "Tickets to merge (at most 100)"},
    )
    into = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))


class MergeOut(Schema):
    id = fields.Integer()
    source_id = fields.Integer()
    target_id = fields.Integer()
    merged_by_id = fields.Integer(allow_none=True)
    merged_at = fields.DateTime()
    source_status = fields.String(metadata={"enum": list(values(TicketStatus))})
    moved_reply_ids = fields.List(fields.Integer())
    added_tags = fields.List(fields.String())
    undone_at = fields.DateTime(allow_none=True)
    undone_by_id = fields.Integer(allow_none=True)
    undo_until = fields.Method(
        "get_undo_until", metadata={"description": "An admin may undo it until then"}
    )

    def get_undo_until(self, obj) -> str:
        hours = current_app.config["MERGE_UNDO_HOURS"]
        return (obj.merged_at + timedelta(hours=hours)).isoformat()


class MergeList(Schema):
    items = fields.List(fields.Nested(MergeOut))
