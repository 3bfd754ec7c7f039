"""HTTP only: load the filters, compute the figures, dump them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..schemas import ErrorEnvelope, TicketFilterQuery
from . import services
from .schemas import StatsOut

blp = Blueprint("stats", __name__, url_prefix="/api", description="Ticket statistics")


@blp.route("/stats")
class Stats(MethodView):
    @blp.arguments(TicketFilterQuery, location="query", as_kwargs=False)
    @blp.response(200, StatsOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter")
    def get(self, filters):
        """Figures over the tickets the list's filters select (all tickets without filters)."""
        return services.ticket_stats(filters)
