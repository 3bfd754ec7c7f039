"""HTTP only: load with a schema, call one service, dump with a schema."""

from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from ..core import jobs
from ..core.access import admin_only, current_user, current_user_id, is_admin
from ..core.context import current_actor
from ..core.errors import Forbidden
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from ..models import Ticket
from . import bulk, concurrency, idempotency, services
from .bulk_schemas import BulkIn, BulkOut
from .schemas import (
    ReplyIn,
    ReplyList,
    ReplyOut,
    TicketIn,
    TicketListQuery,
    TicketOut,
    TicketPage,
    TicketPatch,
)

blp = Blueprint("tickets", __name__, url_prefix="/api", description="Tickets and their replies")

ETAG_HEADER = {
    "ETag": {
        "description": "The ticket's version; send it back as If-Match to update safely",
        "schema": {"type": "string"},
    }
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag you read: the update is refused with 412 (the current ticket in "
    "the error) when the ticket changed since. Without it, the last write wins.",
}


@blp.route("/tickets")
class TicketCollection(MethodView):
    @blp.arguments(TicketListQuery, location="query", as_kwargs=False)
    @blp.response(200, TicketPage)
    @blp.alt_response(400, schema=ErrorEnvelope, description="A cursor this list did not give")
    @blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter or sort")
    def get(self, params):
        """List tickets: filters (comma = OR), full-text ``q``, sort and pages."""
        page = services.list_tickets(params)
        return {"items": page.items, "meta": page.meta()}

    @idempotency.documented(blp)
    # An instance, not the class: webargs would build a schema (deep copies of its fields)
    # for every request. Loading keeps no state on the schema.
    @blp.arguments(TicketIn())
    @blp.response(201, TicketOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Create a ticket; it is queued for triage once stored."""
        ticket = services.create_ticket(data, created_by_id=current_user_id())
        location = url_for("tickets.TicketItem", ticket_id=ticket.id)
        idempotency.created(location)
        commit_keeping(ticket)
        return ticket, 201, {"Location": location}


def commit_keeping(ticket: Ticket) -> None:
    """Commit a new ticket and answer from what was just written: the session keeps the
    values it flushed instead of expiring them (which costs four read-back round trips, a
    tenth of a create). A new ticket has no replies yet. In-process jobs (development,
    tests) triage it inside the commit, through their own session: then it is read back."""
    if "replies" in inspect(ticket).unloaded:
        set_committed_value(ticket, "replies", [])
    session = db.session()
    session.expire_on_commit = False
    try:
        db.session.commit()
    finally:
        session.expire_on_commit = True
    if not jobs.state().is_async:
        db.session.expire(ticket)


@blp.route("/tickets/bulk")
class BulkCollection(MethodView):
    @blp.arguments(BulkIn)
    @blp.doc(
        parameters=[
            {
                **IF_MATCH,
                "description": "The ETags of the tickets as you read "
                "them (comma-separated): 412 (the changed tickets in error.current) if any changed",
            }
        ]
    )
    @blp.response(200, BulkOut, description="Done at once (small sets)")
    @blp.alt_response(202, schema=BulkOut, description="Queued: poll status_url for progress")
    @blp.alt_response(412, schema=ErrorEnvelope, description="Some tickets changed since")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Change many tickets at once (the checked ``ids`` or every ticket the ``filter``
        selects): each is saved and audited on its own. Up to ``BULK_INLINE_MAX`` tickets are
        done in this request (200); more run as a job (202 + ``Location``)."""
        ids = bulk.resolve_ids(data.get("ids"), data.get("filter"))
        wanted = concurrency.parse_if_match(request.headers.get("If-Match"))
        if wanted is not None:
            listed = db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))).all()
            stale = concurrency.stale(listed, wanted)
            if stale:
                current = TicketOut(many=True).dump(stale[:50])
                db.session.rollback()
                raise concurrency.precondition_failed(
                    current, f"{len(stale)} of these tickets changed since you loaded them."
                )
        record = bulk.create_bulk(ids, data["changes"], current_user())
        db.session.commit()
        if bulk.runs_inline(record):
            bulk.run_bulk(record.id, actor=current_actor())
            return bulk.get_bulk(record.id)
        bulk.enqueue_bulk(record)
        db.session.commit()
        url = url_for("tickets.BulkItem", bulk_id=record.id)
        return record, 202, {"Location": url}


@blp.route("/tickets/bulk/<bulk_id>")
class BulkItem(MethodView):
    @blp.response(200, BulkOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such bulk edit")
    def get(self, bulk_id):
        """A bulk edit's progress: poll it until ``done`` or ``failed``."""
        return bulk.get_bulk(bulk_id)


@blp.route("/tickets/<int:ticket_id>")
class TicketItem(MethodView):
    @blp.response(200, TicketOut, headers=ETAG_HEADER)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    def get(self, ticket_id):
        """One ticket, with its ``ETag``."""
        ticket = services.get_ticket(ticket_id)
        return ticket, 200, {"ETag": concurrency.etag(ticket)}

    @blp.arguments(TicketPatch(partial=True))
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, TicketOut, headers=ETAG_HEADER)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(
        412, schema=ErrorEnvelope, description="Changed since your If-Match: error.current"
    )
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, ticket_id):
        """Change some fields; a category, priority, assignee or team set here is manual and
        sticks. With ``If-Match``, a stale version is refused (412)."""
        wanted = concurrency.parse_if_match(request.headers.get("If-Match"))
        if wanted is None:
            ticket = services.get_ticket(ticket_id)
        else:
            ticket = services.get_ticket_for_update(ticket_id)
            if not concurrency.matches(ticket, wanted):
                current = TicketOut().dump(ticket)
                db.session.rollback()
                raise concurrency.precondition_failed(current)
        services.update_ticket(ticket, data)
        db.session.commit()
        return ticket, 200, {"ETag": concurrency.etag(ticket)}

    @admin_only
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    def delete(self, ticket_id):
        """Delete a ticket with its replies and tag links (admins only)."""
        services.delete_ticket(services.get_ticket(ticket_id))
        db.session.commit()


@blp.route("/tickets/<int:ticket_id>/replies")
class ReplyCollection(MethodView):
    @blp.response(200, ReplyList)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    def get(self, ticket_id):
        """The ticket's thread, oldest first (public replies and internal notes)."""
        return {"items": services.list_replies(services.get_ticket(ticket_id))}

    @idempotency.documented(blp)
    @blp.arguments(ReplyIn)
    @blp.response(201, ReplyOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data, ticket_id):
        """Add a public reply or an internal note, authored by you; an admin may post it on
        behalf of someone else (``on_behalf_of``), which the reply records beside its author."""
        data = dict(data)
        on_behalf_of = data.pop("on_behalf_of", None)
        if on_behalf_of is not None and not is_admin():
            raise Forbidden("Only an admin may post a reply on behalf of someone else.")
        ticket = services.get_ticket(ticket_id)
        reply = services.add_reply(ticket, data, author=current_user(), on_behalf_of=on_behalf_of)
        location = url_for("tickets.ReplyItem", ticket_id=ticket_id, reply_id=reply.id)
        idempotency.created(location)
        db.session.commit()
        return reply, 201, {"Location": location}


@blp.route("/tickets/<int:ticket_id>/replies/<int:reply_id>")
class ReplyItem(MethodView):
    @blp.response(200, ReplyOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket or reply")
    def get(self, ticket_id, reply_id):
        """One reply or internal note of the ticket (where a created reply's Location
        points)."""
        return services.get_reply(services.get_ticket(ticket_id), reply_id)
