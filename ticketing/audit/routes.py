"""HTTP only: a ticket's audit trail."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.schemas import ErrorEnvelope
from . import services
from .schemas import EventPage, EventQuery

blp = Blueprint("audit", __name__, url_prefix="/api", description="The audit trail")


@blp.route("/tickets/<int:ticket_id>/events")
class TicketEvents(MethodView):
    @blp.arguments(EventQuery, location="query", as_kwargs=False)
    @blp.response(200, EventPage)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket, and never was")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid page or per_page")
    def get(self, params, ticket_id):
        """Every change to the ticket, oldest first (still served for a deleted ticket)."""
        page = services.list_events(ticket_id, params["page"], params["per_page"])
        return {"items": page.items, "meta": page.meta()}
