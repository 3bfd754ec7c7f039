"""What the mail routes answer."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..core.vocab import InboundSource, InboundStatus, values
from ..tickets.schemas import AttachmentOut


class AttachmentList(Schema):
    items = fields.List(fields.Nested(AttachmentOut))


class InboundOut(Schema):
    id = fields.Integer()
    message_id = fields.String()
    source = fields.String(metadata={"enum": list(values(InboundSource))})
    status = fields.String(metadata={"enum": list(values(InboundStatus))})
    reason = fields.String(allow_none=True, metadata={"description": "Why it was ignored/failed"})
    from_address = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    ticket_id = fields.Integer(allow_none=True)
    reply_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    processed_at = fields.DateTime(allow_none=True)
