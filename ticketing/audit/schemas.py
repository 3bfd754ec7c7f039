"""The audit trail's response shapes."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..core.schemas import PageQuery, page_schema
from ..core.vocab import ActorType, Via, values
from .recorder import ACTIONS


class EventQuery(PageQuery):
    """``page`` from 1; ``per_page`` 1..100, default 100 so the page sees a whole trail."""

    per_page = fields.Integer(load_default=100)


class EventOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    action = fields.String(metadata={"enum": list(ACTIONS)})
    field = fields.String(
        allow_none=True, metadata={"description": "The changed field; null for whole-ticket events"}
    )
    old_value = fields.String(
        allow_none=True, metadata={"description": "As text; tags sorted, comma-separated"}
    )
    new_value = fields.String(allow_none=True)
    actor_type = fields.String(metadata={"enum": list(values(ActorType))})
    actor_id = fields.Integer(allow_none=True)
    actor_label = fields.String(allow_none=True)
    via = fields.String(metadata={"enum": list(values(Via))})
    request_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


EventPage = page_schema(EventOut, "EventPage")
