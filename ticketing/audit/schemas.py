"""The audit trail's response shapes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..core.extensions import MAX_ID
from ..core.schemas import NOT_BLANK, CommaList, DateOrDateTime, PageQuery, page_schema
from ..core.vocab import AccessAction, ActorType, Via, values
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


class AccessLogFilter(Schema):
    """Filters of the access log (its list and its CSV)."""

    class Meta:
        unknown = EXCLUDE

    action = CommaList(
        choices=values(AccessAction), metadata={"description": "One or more actions (OR)"}
    )
    user_id = fields.Integer(
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Entries by or about this user"},
    )
    email = fields.String(
        validate=validate.Length(1, 254),
        metadata={"description": "Entries whose actor or subject has this e-mail", **NOT_BLANK},
    )
    address = fields.String(validate=validate.Length(1, 64), metadata=NOT_BLANK)
    created_from = DateOrDateTime()
    created_to = DateOrDateTime(end_of_day=True)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        frm, to = data.get("created_from"), data.get("created_to")
        if frm and to and frm > to:
            raise ValidationError("Must not be after created_to.", "created_from")


class AccessLogQuery(AccessLogFilter, PageQuery):
    """Filters, then ``page`` and ``per_page`` (default 50)."""

    per_page = fields.Integer(load_default=50)


class AccessEventOut(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    action = fields.String(metadata={"enum": list(values(AccessAction))})
    actor_id = fields.Integer(allow_none=True, metadata={"description": "null: not a user"})
    actor_label = fields.String(
        allow_none=True, metadata={"description": "The actor's e-mail, 'cli', or null"}
    )
    via = fields.String(metadata={"enum": list(values(Via))})
    subject_id = fields.Integer(allow_none=True)
    subject_label = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    details = fields.Dict(keys=fields.String())


AccessEventPage = page_schema(AccessEventOut, "AccessEventPage")
