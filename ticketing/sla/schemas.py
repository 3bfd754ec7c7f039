"""The SLA API's schemas: calendars, policies, a ticket's clocks, attainment."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

from ..core.schemas import NOT_BLANK, DateOrDateTime, StrictSchema, strip_strings
from ..core.vocab import Category, Priority, SlaEscalation, SlaState, values
from .calendar import WEEKDAYS, CalendarError, holiday_countries, parse_hours, time_zones

_HHMM = r"([01][0-9]|2[0-3]):[0-5][0-9]"
#: ``HH:MM-HH:MM`` (an end of 24:00 is midnight at the end of the day).
SPAN = rf"^{_HHMM}-({_HHMM}|24:00)$"


def _spans() -> fields.List:
    return fields.List(
        fields.String(validate=validate.Regexp(SPAN)),
        validate=validate.Length(max=6),
        metadata={"description": "Local working spans, e.g. 09:00-12:00"},
    )


#: ``{"mon": ["09:00-17:00"], …}``: local working spans per weekday (absent = closed).
HoursIn = StrictSchema.from_dict({day: _spans() for day in WEEKDAYS}, name="HoursIn")


class Hours(fields.Nested):
    def __init__(self, **kwargs):
        super().__init__(HoursIn, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            parse_hours(value)
        except CalendarError as err:
            raise ValidationError(str(err)) from err
        return value


class CalendarIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 80), metadata=NOT_BLANK)
    timezone = fields.String(
        load_default="UTC",
        validate=validate.OneOf(time_zones()),
        metadata={"description": "IANA time zone, e.g. Europe/Berlin"},
    )
    hours = Hours(load_default=dict)
    always_open = fields.Boolean(load_default=False, metadata={"description": "24/7"})
    holiday_country = fields.String(
        allow_none=True,
        validate=validate.OneOf(holiday_countries()),
        metadata={"description": "ISO 3166 country whose public holidays are days off"},
    )
    holiday_subdivision = fields.String(
        allow_none=True,
        validate=validate.Length(1, 16),
        metadata={"description": "Region of that country (e.g. BE for Berlin)"},
    )
    custom_holidays = fields.List(
        fields.Date(), load_default=list, validate=validate.Length(max=366)
    )

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("name", "timezone", "holiday_country", "holiday_subdivision"))

    @post_load
    def tidy(self, data, **kwargs):
        if data.get("holiday_subdivision"):
            data["holiday_subdivision"] = data["holiday_subdivision"].upper()
        if "custom_holidays" in data:
            data["custom_holidays"] = sorted({d.isoformat() for d in data["custom_holidays"]})
        return data


class CalendarPatch(CalendarIn):
    name = fields.String(validate=validate.Length(1, 80), metadata=NOT_BLANK)
    timezone = fields.String(validate=validate.OneOf(time_zones()))
    hours = Hours()
    always_open = fields.Boolean()
    custom_holidays = fields.List(fields.Date(), validate=validate.Length(max=366))


class CalendarOut(Schema):
    id = fields.Integer()
    name = fields.String()
    timezone = fields.String()
    hours = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    always_open = fields.Boolean()
    holiday_country = fields.String(allow_none=True)
    holiday_subdivision = fields.String(allow_none=True)
    custom_holidays = fields.List(fields.String())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CalendarList(Schema):
    items = fields.List(fields.Nested(CalendarOut))


MINUTES = validate.Range(1, 365 * 24 * 60)


class PolicyIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 80), metadata=NOT_BLANK)
    priority = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(values(Priority)),
        metadata={"description": "null = any priority"},
    )
    category = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(values(Category)),
        metadata={"description": "null = any category"},
    )
    calendar_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    first_response_minutes = fields.Integer(
        required=True, validate=MINUTES, metadata={"description": "Business minutes"}
    )
    resolution_minutes = fields.Integer(
        required=True, validate=MINUTES, metadata={"description": "Business minutes"}
    )
    pause_on_hold = fields.Boolean(load_default=False)
    escalation = fields.String(
        load_default=SlaEscalation.NONE.value, validate=validate.OneOf(values(SlaEscalation))
    )
    active = fields.Boolean(load_default=True)

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("name",))


class PolicyPatch(PolicyIn):
    name = fields.String(validate=validate.Length(1, 80), metadata=NOT_BLANK)
    priority = fields.String(allow_none=True, validate=validate.OneOf(values(Priority)))
    category = fields.String(allow_none=True, validate=validate.OneOf(values(Category)))
    calendar_id = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    first_response_minutes = fields.Integer(validate=MINUTES)
    resolution_minutes = fields.Integer(validate=MINUTES)
    pause_on_hold = fields.Boolean()
    escalation = fields.String(validate=validate.OneOf(values(SlaEscalation)))
    active = fields.Boolean()


class PolicyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    priority = fields.String(allow_none=True, metadata={"enum": list(values(Priority))})
    category = fields.String(allow_none=True, metadata={"enum": list(values(Category))})
    calendar_id = fields.Integer()
    first_response_minutes = fields.Integer()
    resolution_minutes = fields.Integer()
    pause_on_hold = fields.Boolean()
    escalation = fields.String(metadata={"enum": list(values(SlaEscalation))})
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PolicyList(Schema):
    items = fields.List(fields.Nested(PolicyOut))


class ClockOut(Schema):
    state = fields.String(metadata={"enum": list(values(SlaState))})
    due_at = fields.DateTime(allow_none=True, metadata={"description": "null while paused"})
    at = fields.DateTime(allow_none=True, metadata={"description": "When the clock stopped"})
    at_risk = fields.Boolean(metadata={"description": "75% of the target used"})
    overdue = fields.Boolean()
    seconds_left = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Business seconds until due (negative: overdue); null once stopped"
        },
    )


class TicketSlaOut(Schema):
    ticket_id = fields.Integer()
    policy_id = fields.Integer(allow_none=True)
    policy_name = fields.String(allow_none=True)
    started_at = fields.DateTime()
    paused_seconds = fields.Integer(metadata={"description": "Business seconds spent paused"})
    first_response = fields.Nested(ClockOut)
    resolution = fields.Nested(ClockOut)


class AttainmentQuery(Schema):
    created_from = DateOrDateTime()
    created_to = DateOrDateTime(end_of_day=True)

    @post_load
    def check(self, data, **kwargs):
        frm, to = data.get("created_from"), data.get("created_to")
        if frm and to and frm > to:
            raise ValidationError("Must not be after created_to.", "created_from")
        return data


class AttainmentRow(Schema):
    key = fields.String(allow_none=True, metadata={"description": "The priority (or team)"})
    first_response_met = fields.Integer()
    first_response_total = fields.Integer(metadata={"description": "Clocks met or breached"})
    first_response_pct = fields.Float(allow_none=True)
    resolution_met = fields.Integer()
    resolution_total = fields.Integer()
    resolution_pct = fields.Float(allow_none=True)


class TeamAttainmentRow(AttainmentRow):
    team_id = fields.Integer(allow_none=True, metadata={"description": "null: no team"})


class AttainmentOut(Schema):
    created_from = fields.DateTime(allow_none=True)
    created_to = fields.DateTime(allow_none=True)
    overall = fields.Nested(AttainmentRow)
    by_priority = fields.List(fields.Nested(AttainmentRow))
    by_team = fields.List(fields.Nested(TeamAttainmentRow))
