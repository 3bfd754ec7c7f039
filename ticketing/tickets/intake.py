"""Public intake: a customer without an account submits a request.

Strict per-address limit (``INTAKE_RATE_LIMIT``, accepted submissions), size limits from the
schema (subject 200, body 10,000 characters), and an answer that holds only the new reference
number — never another ticket's data. Triage follows the save like every new ticket's.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..core import ratelimits
from ..core.access import public
from ..core.context import Actor, acting_as
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from ..core.vocab import ActorType, Via
from . import idempotency, links, services
from .schemas import IntakeIn, IntakeOut

blp = Blueprint("intake", __name__, url_prefix="/api", description="Public request intake")


@blp.route("/intake")
class Intake(MethodView):
    @public
    @idempotency.documented(blp)
    @blp.arguments(IntakeIn)
    @blp.response(201, IntakeOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    @blp.alt_response(429, schema=ErrorEnvelope, description="Too many requests from this address")
    def post(self, data):
        """Submit a support request without an account; answers only with its reference."""
        key = ("intake", ratelimits.client_address())
        if not ratelimits.hit("INTAKE_RATE_LIMIT", *key):
            raise ratelimits.too_many(
                "INTAKE_RATE_LIMIT", key, "Too many requests from your address."
            )
        fields = {
            "subject": data["subject"],
            "body": data["body"],
            "requester_email": data["email"],
            "requester_name": data["name"],
        }
        with acting_as(Actor(type=ActorType.SYSTEM, via=Via.WEB, label=data["email"])):
            ticket = services.create_ticket(fields)
            status_url = links.status_url(ticket.id)
            idempotency.created(status_url)
            db.session.commit()
        body = {
            "reference": ticket.id,
            "status_url": status_url,
            "message": "Thank you: we received your request and will answer by e-mail.",
        }
        return body, 201, {"Location": status_url}
