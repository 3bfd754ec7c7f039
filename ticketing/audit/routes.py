"""HTTP only: a ticket's audit trail, and the account-and-access log (admins)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import admin_only
from ..core.events import note_access
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from ..core.vocab import AccessAction
from . import services
from .schemas import AccessEventPage, AccessLogFilter, AccessLogQuery, EventPage, EventQuery

blp = Blueprint("audit", __name__, url_prefix="/api", description="The audit trail")
access_blp = Blueprint(
    "access_log",
    __name__,
    url_prefix="/api/access-log",
    description="The account-and-access log: sign-ins, accounts, tokens, exports (admins only)",
)


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


@access_blp.route("")
class AccessLog(MethodView):
    @admin_only
    @access_blp.arguments(AccessLogQuery, location="query", as_kwargs=False)
    @access_blp.response(200, AccessEventPage)
    @access_blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter")
    def get(self, params):
        """The access log, newest first: filter by action, user, e-mail, address and time.

        Read-only: the log has no update or delete operation."""
        page = services.list_access_events(params, params["page"], params["per_page"])
        return page.as_dict()


@access_blp.route("/export")
class AccessLogExport(MethodView):
    @admin_only
    @access_blp.arguments(AccessLogFilter, location="query", as_kwargs=False)
    @access_blp.response(
        200,
        {"type": "string"},
        content_type="text/csv",
        description="The filtered log as CSV (UTF-8, oldest first), as an attachment",
    )
    @access_blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter")
    def get(self, params):
        """Download the filtered access log as CSV (this download is itself logged)."""
        export = services.access_log_csv(params)
        note_access(
            AccessAction.ACCESS_LOG_EXPORTED,
            details={"filters": AccessLogFilter().dump(params), "row_count": export.rows},
        )
        db.session.commit()
        name = f"access-log-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.csv"
        return Response(
            stream_with_context(export.lines),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
            },
        )
