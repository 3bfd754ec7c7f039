"""HTTP only: load the filters, compute the figures, dump them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.schemas import ErrorEnvelope
from ..tickets.schemas import TicketFilterQuery
from . import services
from .schemas import StatsOut, TriageMetricsOut

blp = Blueprint("stats", __name__, url_prefix="/api", description="Ticket statistics")


@blp.route("/stats")
class Stats(MethodView):
    @blp.arguments(TicketFilterQuery, location="query", as_kwargs=False)
    @blp.response(200, StatsOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter")
    def get(self, filters):
        """Figures over the tickets the list's filters select (all tickets without filters)."""
        return services.ticket_stats(filters)


@blp.route("/classification/metrics")
class TriageMetrics(MethodView):
    @blp.arguments(TicketFilterQuery, location="query", as_kwargs=False)
    @blp.response(200, TriageMetricsOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter")
    def get(self, filters):
        """Triage quality: tickets by source, runs by source, agreement per field."""
        return services.triage_metrics(filters)
