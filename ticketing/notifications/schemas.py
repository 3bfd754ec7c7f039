"""The notifications API's schemas."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..core.schemas import PageMeta, PageQuery, StrictSchema
from ..core.vocab import SlaEvent, values


class NotificationQuery(PageQuery):
    unread = fields.Boolean(
        load_default=False, metadata={"description": "Only the ones not read yet"}
    )


class NotificationOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    event = fields.String(metadata={"enum": list(values(SlaEvent))})
    field = fields.String(metadata={"description": "The clock, or the escalated field"})
    message = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Function(lambda n: n.read_at is not None, metadata={"type": "boolean"})


class NotificationMeta(PageMeta):
    unread = fields.Integer(metadata={"description": "Unread notifications in all"})


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    meta = fields.Nested(NotificationMeta)


class NotificationPatch(StrictSchema):
    read = fields.Boolean(required=True)


class ReadAllOut(Schema):
    marked = fields.Integer(metadata={"description": "How many were unread"})
    unread = fields.Integer()
