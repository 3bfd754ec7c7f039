"""HTTP only: load with a schema, call one service, dump with a schema."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..classification.jobs import after_ticket_saved
from ..extensions import db
from ..schemas import (
    ErrorEnvelope,
    ReplyIn,
    ReplyList,
    ReplyOut,
    TicketIn,
    TicketListQuery,
    TicketOut,
    TicketPage,
    TicketPatch,
)
from . import services

blp = Blueprint("tickets", __name__, url_prefix="/api", description="Tickets and their replies")


@blp.route("/tickets")
class TicketCollection(MethodView):
    @blp.arguments(TicketListQuery, location="query", as_kwargs=False)
    @blp.response(200, TicketPage)
    @blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter or sort")
    def get(self, params):
        """List tickets: filters (comma = OR), full-text ``q``, sort and pages."""
        page = services.list_tickets(params)
        return {"items": page.items, "meta": page.meta()}

    @blp.arguments(TicketIn)
    @blp.response(201, TicketOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Create a ticket; it is queued for triage once stored."""
        ticket = services.create_ticket(data)
        db.session.commit()
        after_ticket_saved(ticket.id, created=True)
        return ticket, 201, {"Location": url_for("tickets.TicketItem", ticket_id=ticket.id)}


@blp.route("/tickets/<int:ticket_id>")
class TicketItem(MethodView):
    @blp.response(200, TicketOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    def get(self, ticket_id):
        """One ticket."""
        return services.get_ticket(ticket_id)

    @blp.arguments(TicketPatch(partial=True))
    @blp.response(200, TicketOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, ticket_id):
        """Change some fields; a category or priority set here is manual and sticks."""
        ticket = services.get_ticket(ticket_id)
        changed = services.update_ticket(ticket, data)
        db.session.commit()
        after_ticket_saved(
            ticket.id, created=False, text_changed=bool(changed & services.TRIAGE_INPUTS)
        )
        return ticket

    @blp.response(204)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    def delete(self, ticket_id):
        """Delete a ticket with its replies and tag links."""
        services.delete_ticket(services.get_ticket(ticket_id))
        db.session.commit()


@blp.route("/tickets/<int:ticket_id>/replies")
class ReplyCollection(MethodView):
    @blp.response(200, ReplyList)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    def get(self, ticket_id):
        """The ticket's thread, oldest first (public replies and internal notes)."""
        return {"items": services.list_replies(services.get_ticket(ticket_id))}

    @blp.arguments(ReplyIn)
    @blp.response(201, ReplyOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data, ticket_id):
        """Add a public reply or an internal note."""
        reply = services.add_reply(services.get_ticket(ticket_id), data)
        db.session.commit()
        return reply
