"""HTTP only: the change feed and presence."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import current_user, current_user_id
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from ..tickets import services as tickets
from . import services
from .schemas import ChangesOut, ChangesQuery, PresenceIn

blp = Blueprint("live", __name__, url_prefix="/api", description="Live updates and presence")


@blp.route("/changes")
class Changes(MethodView):
    @blp.arguments(ChangesQuery, location="query", as_kwargs=False)
    @blp.response(200, ChangesOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid cursor")
    def get(self, params):
        """Every ticket change after ``after`` (oldest first, from the audit trail), the next
        cursor, and who else is on ``ticket``. Poll it every ``poll_seconds``."""
        answer = services.changes_after(params.get("after"))
        db.session.commit()  # end the read transaction now (the page polls this often)
        ticket_id = params.get("ticket")
        answer["presence"] = services.presence(ticket_id, current_user_id()) if ticket_id else []
        answer["poll_seconds"] = services.poll_seconds()
        return answer


@blp.route("/tickets/<int:ticket_id>/presence")
class Presence(MethodView):
    @blp.arguments(PresenceIn)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def put(self, data, ticket_id):
        """Say you are viewing or replying on this ticket (renew it every few seconds)."""
        tickets.get_ticket(ticket_id)
        services.set_presence(ticket_id, current_user(), data["state"])

    @blp.response(204)
    def delete(self, ticket_id):
        """You left the ticket."""
        services.set_presence(ticket_id, current_user(), None)
