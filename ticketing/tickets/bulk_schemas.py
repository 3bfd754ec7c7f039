"""Bulk edit request and resource."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..core.schemas import StrictSchema
from ..core.vocab import Category, JobStatus, Priority, TicketStatus, values
from .schemas import ID, MAX_TAGS, TagName, TicketFilterQuery


class BulkChanges(StrictSchema):
    """What to change on every ticket: fields set as given, tags added and removed."""

    status = fields.String(validate=validate.OneOf(values(TicketStatus)))
    priority = fields.String(allow_none=True, validate=validate.OneOf(values(Priority)))
    category = fields.String(allow_none=True, validate=validate.OneOf(values(Category)))
    assignee_id = fields.Integer(allow_none=True, validate=ID)
    team_id = fields.Integer(allow_none=True, validate=ID)
    tags_add = fields.List(TagName(), validate=validate.Length(max=MAX_TAGS))
    tags_remove = fields.List(TagName(), validate=validate.Length(max=MAX_TAGS))


class BulkIn(StrictSchema):
    """``ids`` (the checked rows) or ``filter`` (every ticket the list's filters select: "select
    all matching"), and the ``changes``. ``If-Match`` may list the ETags of the tickets as read."""

    ids = fields.List(
        fields.Integer(validate=ID), validate=validate.Length(1, 10_000), metadata={"example": [1]}
    )
    filter = fields.Nested(TicketFilterQuery, metadata={"description": "The list's filters"})
    changes = fields.Nested(BulkChanges, required=True)

    @validates_schema
    def one_selection(self, data, **kwargs):
        if ("ids" in data) == ("filter" in data):
            raise ValidationError("Give either ids or filter.", "_schema")
        if not data.get("changes"):
            raise ValidationError("Name at least one change.", "changes")


class BulkOut(Schema):
    id = fields.String(metadata={"format": "uuid"})
    status = fields.String(metadata={"enum": list(values(JobStatus))})
    status_url = fields.Method("get_status_url")
    total = fields.Integer(metadata={"description": "Tickets selected"})
    done = fields.Integer(metadata={"description": "Tickets worked through so far"})
    changed = fields.Integer(metadata={"description": "Tickets that really changed"})
    changes = fields.Dict(keys=fields.String())
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)

    def get_status_url(self, obj) -> str:
        return f"/api/tickets/bulk/{obj.id}"
