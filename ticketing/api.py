"""The REST layer's shared pieces: the flask-smorest Api (OpenAPI from the marshmallow
schemas), request guards (JSON content type), and the health endpoint."""

from __future__ import annotations

from flask import Flask, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from sqlalchemy import text

from . import jobs
from .accounts.auth import public
from .errors import APIError
from .extensions import db
from .schemas import ErrorEnvelope, HealthOut

API_TITLE = "ticketing"
API_VERSION = "1.0.0"


class TicketingApi(Api):
    """flask-smorest Api whose documented error responses use the project's envelope."""

    ERROR_SCHEMA = ErrorEnvelope

    def _register_error_handlers(self):
        # The app-level handlers in errors.py answer every error in the one envelope.
        pass


meta_blp = Blueprint("meta", __name__, url_prefix="/api", description="Service health")


@meta_blp.route("/health")
class Health(MethodView):
    @public
    @meta_blp.response(200, HealthOut)
    @meta_blp.alt_response(503, schema=ErrorEnvelope, description="The database does not answer")
    def get(self):
        """Database and queue state; 503 when the database does not answer."""
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as err:  # noqa: BLE001 - any failure means "down"
            db.session.rollback()
            raise APIError(
                503, f"The database does not answer ({type(err).__name__}).", "database_unavailable"
            ) from err
        return {
            "status": "ok",
            "database": db.engine.dialect.name,
            "queue": jobs.queue_health(),
            "version": API_VERSION,
        }


def require_json_body() -> None:
    """Unsafe /api requests with a body must send JSON: anything else is a 415."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api"):
        return
    has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
    if has_body and not request.is_json:
        raise APIError(415, "Send the request body as JSON (Content-Type: application/json).", None)


def init_app(app: Flask) -> TicketingApi:
    """Bind a new Api to ``app`` (one per app: each keeps its own OpenAPI document)."""
    app.config.setdefault("API_TITLE", API_TITLE)
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    from .accounts import openapi as auth_doc

    api = TicketingApi(
        app,
        spec_kwargs={
            "extra_plugins": [auth_doc.AuthDocPlugin(app)],
            "security": auth_doc.SECURITY,
        },
    )
    auth_doc.document(api.spec)
    app.before_request(require_json_body)
    api.register_blueprint(meta_blp)
    return api
