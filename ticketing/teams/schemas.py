"""Teams, their members and the agents who may be assigned tickets."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from ..core.extensions import MAX_ID
from ..core.schemas import NOT_BLANK, StrictSchema, strip_strings
from ..core.vocab import AssignmentMode, Category, Priority, Role, values
from ..tickets.schemas import TagName

ID = validate.Range(1, MAX_ID)


class TeamIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 80), metadata=NOT_BLANK)
    assignment = fields.String(
        load_default=AssignmentMode.ROUND_ROBIN.value,
        validate=validate.OneOf(values(AssignmentMode)),
        metadata={"description": "How routed tickets are handed to a member"},
    )
    member_ids = fields.List(
        fields.Integer(validate=ID),
        validate=validate.Length(max=500),
        metadata={"description": "Active users' ids: the whole membership"},
    )
    lead_id = fields.Integer(
        allow_none=True,
        validate=ID,
        metadata={
            "description": "The team's lead (an active user; made a member): SLA escalation "
            "gives breached tickets to them. null: no lead"
        },
    )

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("name",))


class TeamPatch(TeamIn):
    assignment = fields.String(validate=validate.OneOf(values(AssignmentMode)))


class MemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    away = fields.Boolean()
    active = fields.Boolean()


class TeamOut(Schema):
    id = fields.Integer()
    name = fields.String()
    assignment = fields.String(metadata={"enum": list(values(AssignmentMode))})
    members = fields.List(fields.Nested(MemberOut))
    lead_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class TeamList(Schema):
    items = fields.List(fields.Nested(TeamOut))


class AgentOut(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    role = fields.String(metadata={"enum": list(values(Role))})
    away = fields.Boolean(metadata={"description": "Routing assigns them nothing new"})
    team_ids = fields.Method("get_team_ids")

    def get_team_ids(self, obj) -> list[int]:
        return [team.id for team in obj.teams]


class AgentList(Schema):
    items = fields.List(fields.Nested(AgentOut))


class AwayIn(StrictSchema):
    away = fields.Boolean(required=True)


class RuleIn(StrictSchema):
    """Tickets matching every condition given (category, priority, tag) go to ``team_id``;
    a rule without conditions matches every ticket. The lowest ``position`` is tried first."""

    team_id = fields.Integer(required=True, validate=ID)
    category = fields.String(allow_none=True, validate=validate.OneOf(values(Category)))
    priority = fields.String(allow_none=True, validate=validate.OneOf(values(Priority)))
    tag = TagName(allow_none=True)
    position = fields.Integer(load_default=0, validate=validate.Range(0, 10_000))
    active = fields.Boolean(load_default=True)


class RulePatch(RuleIn):
    team_id = fields.Integer(validate=ID)
    position = fields.Integer(validate=validate.Range(0, 10_000))
    active = fields.Boolean()


class RuleOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    category = fields.String(allow_none=True, metadata={"enum": list(values(Category))})
    priority = fields.String(allow_none=True, metadata={"enum": list(values(Priority))})
    tag = fields.String(allow_none=True)
    team_id = fields.Integer()
    active = fields.Boolean()
    created_at = fields.DateTime()


class RuleList(Schema):
    items = fields.List(fields.Nested(RuleOut))
