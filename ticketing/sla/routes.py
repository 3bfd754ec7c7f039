"""HTTP only: calendars and policies (admins change them, everyone signed in reads them), a
ticket's clocks, attainment."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import admin_only
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from ..tickets.services import get_ticket
from . import attainment, clocks, services
from .schemas import (
    AttainmentOut,
    AttainmentQuery,
    CalendarIn,
    CalendarList,
    CalendarOut,
    CalendarPatch,
    PolicyIn,
    PolicyList,
    PolicyOut,
    PolicyPatch,
    TicketSlaOut,
)

blp = Blueprint("sla", __name__, url_prefix="/api", description="SLA calendars and policies")


@blp.route("/sla/calendars")
class Calendars(MethodView):
    @blp.response(200, CalendarList)
    def get(self):
        """Every business calendar."""
        return {"items": services.list_calendars()}

    @admin_only
    @blp.arguments(CalendarIn)
    @blp.response(201, CalendarOut)
    @blp.alt_response(409, schema=ErrorEnvelope, description="The name is taken")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """A new calendar: time zone, working hours, holidays (or 24/7)."""
        row = services.create_calendar(data)
        db.session.commit()
        return row, 201, {"Location": url_for("sla.CalendarItem", calendar_id=row.id)}


@blp.route("/sla/calendars/<int:calendar_id>")
class CalendarItem(MethodView):
    @blp.response(200, CalendarOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such calendar")
    def get(self, calendar_id):
        return services.get_calendar(calendar_id)

    @admin_only
    @blp.arguments(CalendarPatch)
    @blp.response(200, CalendarOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such calendar")
    @blp.alt_response(409, schema=ErrorEnvelope, description="The name is taken")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, calendar_id):
        """Change a calendar (clocks already running keep their due times until their
        ticket's priority, category or status changes)."""
        row = services.update_calendar(services.get_calendar(calendar_id), data)
        db.session.commit()
        return row

    @admin_only
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such calendar")
    @blp.alt_response(409, schema=ErrorEnvelope, description="Policies still use it")
    def delete(self, calendar_id):
        services.delete_calendar(services.get_calendar(calendar_id))
        db.session.commit()


@blp.route("/sla/policies")
class Policies(MethodView):
    @blp.response(200, PolicyList)
    def get(self):
        """Every policy; a ticket gets the most specific active one (priority, then category)."""
        return {"items": services.list_policies()}

    @admin_only
    @blp.arguments(PolicyIn)
    @blp.response(201, PolicyOut)
    @blp.alt_response(409, schema=ErrorEnvelope, description="Name or scope taken")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """A new policy: targets in business minutes of its calendar."""
        row = services.create_policy(data)
        db.session.commit()
        return row, 201, {"Location": url_for("sla.PolicyItem", policy_id=row.id)}


@blp.route("/sla/policies/<int:policy_id>")
class PolicyItem(MethodView):
    @blp.response(200, PolicyOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such policy")
    def get(self, policy_id):
        return services.get_policy(policy_id)

    @admin_only
    @blp.arguments(PolicyPatch)
    @blp.response(200, PolicyOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such policy")
    @blp.alt_response(409, schema=ErrorEnvelope, description="Name or scope taken")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, policy_id):
        row = services.update_policy(services.get_policy(policy_id), data)
        db.session.commit()
        return row

    @admin_only
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such policy")
    def delete(self, policy_id):
        """Delete a policy; tickets it timed keep their clocks."""
        services.delete_policy(services.get_policy(policy_id))
        db.session.commit()


@blp.route("/tickets/<int:ticket_id>/sla")
class TicketClocks(MethodView):
    @blp.response(200, TicketSlaOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket, or no clocks")
    def get(self, ticket_id):
        """The ticket's first-response and resolution clocks, with business time left."""
        ticket = get_ticket(ticket_id)
        if ticket.sla is None:
            services.clock_of(ticket_id)  # raises NotFound
        return clocks.clock_view(ticket.sla)


@blp.route("/sla/attainment")
class Attainment(MethodView):
    @blp.arguments(AttainmentQuery, location="query", as_kwargs=False)
    @blp.response(200, AttainmentOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="An invalid period")
    def get(self, period):
        """Share of clocks met (of those met or breached) for tickets created in the period,
        overall and per priority, computed in the database."""
        return attainment.attainment(period.get("created_from"), period.get("created_to"))
