"""Macros and saved views."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from ..core.schemas import NOT_BLANK, StrictSchema, strip_strings
from ..tickets.bulk_schemas import BulkChanges
from ..tickets.schemas import ID, TicketFilterQuery

PLACEHOLDERS = ("requester_name", "ticket_id", "subject", "agent_name")


class MacroActions(BulkChanges):
    """Field actions (the bulk changes' shape); may be empty for a reply-only macro."""

    @validates_schema
    def something(self, data, **kwargs):
        """Unlike a bulk edit, a macro may change no field (a canned reply only)."""


class MacroIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 80), metadata=NOT_BLANK)
    body = fields.String(
        allow_none=True,
        validate=validate.Length(0, 20_000),
        metadata={
            "description": "The reply; placeholders: "
            + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        },
    )
    internal = fields.Boolean(load_default=False, metadata={"description": "An internal note"})
    actions = fields.Nested(MacroActions, load_default=dict)
    shared = fields.Boolean(load_default=False, metadata={"description": "Everyone sees it"})

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("name",))

    @validates_schema
    def does_something(self, data, **kwargs):
        if not (data.get("body") or "").strip() and not data.get("actions"):
            raise ValidationError("A macro needs a reply or an action.", "_schema")


class MacroPatch(MacroIn):
    internal = fields.Boolean()
    actions = fields.Nested(MacroActions)
    shared = fields.Boolean()

    @validates_schema
    def does_something(self, data, **kwargs):
        """A partial change may touch any one field."""


class MacroOut(Schema):
    id = fields.Integer()
    name = fields.String()
    body = fields.String(allow_none=True)
    internal = fields.Boolean()
    actions = fields.Dict(keys=fields.String())
    shared = fields.Boolean()
    owner_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class MacroList(Schema):
    items = fields.List(fields.Nested(MacroOut))


class MacroBulkIn(StrictSchema):
    """``ids`` (the checked rows) or ``filter`` ("select all matching"), as for a bulk edit."""

    ids = fields.List(
        fields.Integer(validate=ID), validate=validate.Length(1, 10_000), metadata={"example": [1]}
    )
    filter = fields.Nested(TicketFilterQuery, metadata={"description": "The list's filters"})

    @validates_schema
    def one_selection(self, data, **kwargs):
        if ("ids" in data) == ("filter" in data):
            raise ValidationError("Give either ids or filter.", "_schema")


class MacroBulkOut(Schema):
    total = fields.Integer(metadata={"description": "Tickets selected"})
    applied = fields.Integer(metadata={"description": "Tickets the macro was applied to"})


class ViewIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 80), metadata=NOT_BLANK)
    filters = fields.Nested(
        TicketFilterQuery,
        load_default=dict,
        metadata={"description": "The list's filters (query-string values)"},
    )
    shared = fields.Boolean(load_default=False)
    position = fields.Integer(load_default=0, validate=validate.Range(0, 10_000))

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("name",))


class ViewPatch(ViewIn):
    filters = fields.Nested(TicketFilterQuery)
    shared = fields.Boolean()
    position = fields.Integer(validate=validate.Range(0, 10_000))


class ViewOut(Schema):
    id = fields.String(metadata={"description": "A number, or a built-in view's name"})
    name = fields.String()
    filters = fields.Dict(keys=fields.String())
    sort = fields.String(
        allow_none=True, metadata={"description": "The list's sort the view opens with"}
    )
    shared = fields.Boolean()
    builtin = fields.Boolean()
    owner_id = fields.Integer(allow_none=True)
    count = fields.Integer(metadata={"description": "Tickets the view selects now"})
    count_exact = fields.Boolean()


class ViewList(Schema):
    items = fields.List(fields.Nested(ViewOut))
