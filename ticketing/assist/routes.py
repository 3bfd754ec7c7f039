"""HTTP only: similar tickets, duplicate flags, merges."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import admin_only, current_user_id
from ..core.errors import NotFound
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from ..tickets.services import get_ticket
from . import duplicates, merge, similar
from .schemas import (
    BulkMergeIn,
    DuplicateList,
    DuplicateQuery,
    MergeIn,
    MergeList,
    MergeOut,
    SimilarList,
    SimilarQuery,
)

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
        matches, engine = similar.find_similar_to(ticket_id, params["k"], params["scope"])
        return {"items": matches, "meta": {**params, "engine": engine}}


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


@blp.route("/tickets/<int:ticket_id>/merge")
class Merge(MethodView):
    @blp.response(200, MergeOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="The ticket is not merged")
    def get(self, ticket_id):
        """The merge that took this ticket into another (the page follows it to the target)."""
        return merge.get_active_merge(ticket_id)

    @blp.arguments(MergeIn)
    @blp.response(201, MergeOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(409, schema=ErrorEnvelope, description="Already merged, or the target is")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Into itself, or invalid fields")
    def post(self, data, ticket_id):
        """Merge this ticket into ``into``: its replies, request and tags move there, it is
        closed with a link, both audit trails record it. An admin can undo it for a day."""
        record = merge.merge(get_ticket(ticket_id), get_ticket(data["into"]), current_user_id())
        db.session.commit()
        return record, 201, {"Location": url_for("assist.Merge", ticket_id=ticket_id)}


@blp.route("/tickets/<int:ticket_id>/merge/undo")
class MergeUndo(MethodView):
    @admin_only
    @blp.response(200, MergeOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="The ticket is not merged")
    @blp.alt_response(410, schema=ErrorEnvelope, description="Past the undo window")
    def post(self, ticket_id):
        """Undo this ticket's merge (admins, within ``MERGE_UNDO_HOURS``)."""
        record = merge.undo(merge.get_active_merge(ticket_id), current_user_id())
        db.session.commit()
        return record


@blp.route("/merges")
class BulkMerge(MethodView):
    @blp.arguments(BulkMergeIn)
    @blp.response(200, MergeList)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(409, schema=ErrorEnvelope, description="One is already merged")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Merge several tickets into one (the list's bulk action): all or none."""
        records = merge.merge_many(data["sources"], data["into"], current_user_id())
        db.session.commit()
        return {"items": records}
