"""HTTP only: macros (CRUD, apply to a ticket) and saved views (with live counts)."""

from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import current_user
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from ..tickets import bulk, concurrency
from ..tickets import services as tickets
from ..tickets.schemas import TicketOut
from . import services
from .schemas import (
    MacroBulkIn,
    MacroBulkOut,
    MacroIn,
    MacroList,
    MacroOut,
    MacroPatch,
    ViewIn,
    ViewList,
    ViewOut,
    ViewPatch,
)

macros_blp = Blueprint(
    "macros", __name__, url_prefix="/api", description="Macros: canned replies with actions"
)
views_blp = Blueprint(
    "views", __name__, url_prefix="/api/views", description="Saved views with live counts"
)

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ticket's ETag as you read it (412 when it changed since)",
}


@macros_blp.route("/macros")
class MacroCollection(MethodView):
    @macros_blp.response(200, MacroList)
    def get(self):
        """Your macros and the shared ones, by name."""
        return {"items": services.visible_macros(current_user())}

    @macros_blp.arguments(MacroIn)
    @macros_blp.response(201, MacroOut)
    @macros_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Create a macro (yours; ``shared`` shows it to everyone)."""
        macro = services.save_macro(None, data, current_user())
        db.session.commit()
        return macro, 201, {"Location": url_for("macros.MacroItem", macro_id=macro.id)}


@macros_blp.route("/macros/<int:macro_id>")
class MacroItem(MethodView):
    @macros_blp.response(200, MacroOut)
    @macros_blp.alt_response(404, schema=ErrorEnvelope, description="No such macro")
    def get(self, macro_id):
        """One macro (yours or shared)."""
        return services.get_macro(macro_id, current_user())

    @macros_blp.arguments(MacroPatch(partial=True))
    @macros_blp.response(200, MacroOut)
    @macros_blp.alt_response(404, schema=ErrorEnvelope, description="No such macro")
    @macros_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, macro_id):
        """Change a macro (its owner or an admin)."""
        user = current_user()
        macro = services.save_macro(services.get_macro(macro_id, user), data, user)
        db.session.commit()
        return macro

    @macros_blp.response(204)
    @macros_blp.alt_response(404, schema=ErrorEnvelope, description="No such macro")
    def delete(self, macro_id):
        """Delete a macro (its owner or an admin)."""
        user = current_user()
        services.delete_macro(services.get_macro(macro_id, user), user)
        db.session.commit()


@macros_blp.route("/tickets/<int:ticket_id>/macros/<int:macro_id>")
class MacroApply(MethodView):
    @macros_blp.doc(parameters=[IF_MATCH])
    @macros_blp.response(200, TicketOut)
    @macros_blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket or macro")
    @macros_blp.alt_response(412, schema=ErrorEnvelope, description="The ticket changed since")
    @macros_blp.alt_response(422, schema=ErrorEnvelope, description="The macro no longer fits")
    def post(self, ticket_id, macro_id):
        """Apply a macro to a ticket: its reply (placeholders filled) and its field actions,
        in one transaction."""
        user = current_user()
        macro = services.get_macro(macro_id, user)
        wanted = concurrency.parse_if_match(request.headers.get("If-Match"))
        if wanted is None:
            ticket = tickets.get_ticket(ticket_id)
        else:
            ticket = tickets.get_ticket_for_update(ticket_id)
            if not concurrency.matches(ticket, wanted):
                current = TicketOut().dump(ticket)
                db.session.rollback()
                raise concurrency.precondition_failed(current)
        services.apply_macro(macro, ticket, user)
        db.session.commit()
        return ticket, 200, {"ETag": concurrency.etag(ticket)}


@macros_blp.route("/macros/<int:macro_id>/apply")
class MacroBulkApply(MethodView):
    @macros_blp.arguments(MacroBulkIn)
    @macros_blp.response(200, MacroBulkOut)
    @macros_blp.alt_response(404, schema=ErrorEnvelope, description="No such macro")
    @macros_blp.alt_response(422, schema=ErrorEnvelope, description="Too many, or does not fit")
    def post(self, data, macro_id):
        """Apply a macro to many tickets (the checked ``ids`` or every ticket the ``filter``
        selects, up to ``BULK_INLINE_MAX``): each gets its reply and actions, audited on its
        own; all or none."""
        user = current_user()
        macro = services.get_macro(macro_id, user)
        ids = bulk.resolve_ids(data.get("ids"), data.get("filter"))
        applied = services.apply_macro_to_many(macro, ids, user)
        db.session.commit()
        return {"total": len(ids), "applied": applied}


@views_blp.route("")
class ViewCollection(MethodView):
    @views_blp.response(200, ViewList)
    def get(self):
        """The built-in views, yours and the shared ones, each with its ticket count now."""
        return {"items": services.views_for(current_user())}

    @views_blp.arguments(ViewIn)
    @views_blp.response(201, ViewOut)
    @views_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Save a view (yours; ``shared`` shows it to everyone)."""
        view = services.save_view(None, data, current_user())
        db.session.commit()
        return _view_out(view), 201, {"Location": url_for("views.ViewItem", view_id=view.id)}


def _view_out(view) -> dict:
    return next(v for v in services.views_for(current_user()) if v["id"] == str(view.id))


@views_blp.route("/<int:view_id>")
class ViewItem(MethodView):
    @views_blp.response(200, ViewOut)
    @views_blp.alt_response(404, schema=ErrorEnvelope, description="No such view")
    def get(self, view_id):
        """One saved view with its count."""
        return _view_out(services.get_view(view_id, current_user()))

    @views_blp.arguments(ViewPatch(partial=True))
    @views_blp.response(200, ViewOut)
    @views_blp.alt_response(404, schema=ErrorEnvelope, description="No such view")
    @views_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, view_id):
        """Change a view (its owner or an admin)."""
        user = current_user()
        view = services.save_view(services.get_view(view_id, user), data, user)
        db.session.commit()
        return _view_out(view)

    @views_blp.response(204)
    @views_blp.alt_response(404, schema=ErrorEnvelope, description="No such view")
    def delete(self, view_id):
        """Delete a view (its owner or an admin)."""
        user = current_user()
        services.delete_view(services.get_view(view_id, user), user)
        db.session.commit()
