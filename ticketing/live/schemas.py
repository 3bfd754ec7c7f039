"""The change feed and presence."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..core.extensions import MAX_ID
from ..core.schemas import StrictSchema
from ..core.vocab import PresenceState, values


class ChangesQuery(Schema):
    after = fields.Integer(
        validate=validate.Range(0, MAX_ID),
        metadata={"description": "The cursor of your last answer; omit it to get a start"},
    )
    ticket = fields.Integer(
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Also say who else is on this ticket (presence)"},
    )


class ChangeOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    action = fields.String()
    field = fields.String(allow_none=True)
    new_value = fields.String(
        allow_none=True,
        metadata={
            "description": "Only for status, priority, category, assignee, team, "
            "sentiment and urgency (never text)"
        },
    )
    actor_type = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_label = fields.String(allow_none=True)
    created_at = fields.DateTime()


class PresenceOut(Schema):
    user_id = fields.Integer()
    name = fields.String()
    state = fields.String(metadata={"enum": list(values(PresenceState))})


class ChangesOut(Schema):
    items = fields.List(fields.Nested(ChangeOut))
    cursor = fields.Integer(metadata={"description": "Pass it as ``after`` next time"})
    more = fields.Boolean(metadata={"description": "More changes wait: ask again at once"})
    presence = fields.List(fields.Nested(PresenceOut))
    poll_seconds = fields.Float(metadata={"description": "How often the page asks"})


class PresenceIn(StrictSchema):
    state = fields.String(required=True, validate=validate.OneOf(values(PresenceState)))
