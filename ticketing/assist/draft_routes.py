"""HTTP only: reply drafts and their acceptance, thread summaries."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import current_user_id
from ..core.extensions import db, limiter
from ..core.ratelimits import config_limit, per_user_key
from ..core.schemas import ErrorEnvelope
from ..tickets.services import get_ticket
from . import drafts, summary
from .draft_schemas import AcceptanceOut, DraftOut, SummaryOut

blp = Blueprint("drafts", __name__, url_prefix="/api", description="Reply drafts")


@blp.route("/tickets/<int:ticket_id>/draft")
class Draft(MethodView):
    @limiter.limit(config_limit("DRAFT_RATE_LIMIT"), key_func=per_user_key)
    @blp.response(201, DraftOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(429, schema=ErrorEnvelope, description="Too many drafts")
    def post(self, ticket_id):
        """Propose a public reply (never sent: the agent edits and sends it), grounded in the
        replies that resolved similar tickets and in published articles, cited in
        ``sources``. With Claude when configured, else the best matching source filled in."""
        draft = drafts.draft_reply(get_ticket(ticket_id), current_user_id())
        db.session.commit()
        return draft, 201


@blp.route("/tickets/<int:ticket_id>/summary")
class Summary(MethodView):
    @blp.response(200, SummaryOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    def get(self, ticket_id):
        """One paragraph on the thread (request and public replies), for threads of at least
        ``SUMMARY_MIN_MESSAGES`` messages; made again when the thread changed since the last
        one (Claude when configured, else the first request and the latest exchange)."""
        found = summary.summary_for(get_ticket(ticket_id))
        db.session.commit()
        return {
            "summary": found.body,
            "generator": found.generator,
            "messages": found.messages,
            "created_at": found.created_at,
        }


@blp.route("/drafts/<int:draft_id>/discard")
class Discard(MethodView):
    @blp.response(200, DraftOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such draft")
    @blp.alt_response(409, schema=ErrorEnvelope, description="Already sent or discarded")
    def post(self, draft_id):
        """The agent threw the draft away (recorded for the acceptance rate)."""
        draft = drafts.discard(drafts.get_draft(draft_id))
        db.session.commit()
        return draft


@blp.route("/drafts/acceptance")
class Acceptance(MethodView):
    @blp.response(200, AcceptanceOut)
    def get(self):
        """How drafts fared, per source type and per generator: sent unchanged, edited (mean
        edit distance), discarded, pending, and the acceptance rate."""
        return drafts.acceptance()
