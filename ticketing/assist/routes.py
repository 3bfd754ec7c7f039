"""HTTP only: similar tickets and duplicate flags."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.errors import NotFound
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from ..tickets.services import get_ticket
from . import duplicates, similar
from .schemas import DuplicateList, DuplicateQuery, SimilarList, SimilarQuery

blp = Blueprint(
    "assist", __name__, url_prefix="/api", description="Similar tickets and duplicate flags"
)


@blp.route("/tickets/<int:ticket_id>/similar")
class Similar(MethodView):
    @blp.arguments(SimilarQuery, location="query", as_kwargs=False)
    @blp.response(200, SimilarList)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(422, schema=ErrorEnvelope, description="An invalid k or scope")
    def get(self, params, ticket_id):
        """The ``k`` tickets most like this one (``scope``: all, open or resolved), each with
        a score in 0..1, the words they share, and for a resolved one the public reply that
        resolved it."""
        matches = similar.similar_tickets(get_ticket(ticket_id), params["k"], params["scope"])
        return {"items": matches, "meta": params}


@blp.route("/duplicates")
class Duplicates(MethodView):
    @blp.arguments(DuplicateQuery, location="query", as_kwargs=False)
    @blp.response(200, DuplicateList)
    @blp.alt_response(422, schema=ErrorEnvelope, description="Not a list of ticket ids")
    def get(self, params):
        """Which of these tickets are flagged as a likely duplicate of an open ticket from the
        same requester (flagged when created; never merged automatically)."""
        return {"items": duplicates.flags_for(params["ticket"])}


@blp.route("/tickets/<int:ticket_id>/duplicate")
class DuplicateFlag(MethodView):
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorEnvelope, description="The ticket is not flagged")
    def delete(self, ticket_id):
        """Clear the flag: this ticket is not a duplicate."""
        if not duplicates.dismiss(ticket_id):
            raise NotFound(f"A duplicate flag on ticket {ticket_id}")
        db.session.commit()
