"""The REST layer's shared pieces: the flask-smorest Api (OpenAPI from the marshmallow
schemas), request guards (JSON content type), and the health endpoint."""

from __future__ import annotations

import io
import re
import threading
from typing import Any

from flask import Flask, current_app, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from sqlalchemy import text
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from . import health, jobs
from . import openapi as auth_doc
from .access import bodies_for, public
from .errors import DatabaseUnavailable, DomainError, InvalidInput, UnsupportedMediaType
from .extensions import MAX_ID, db
from .schemas import ErrorEnvelope, HealthOut
from .vocab import HealthStatus

#: Text no database column can hold: NUL (PostgreSQL refuses it) and lone UTF-16 surrogates
#: (not encodable as UTF-8).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

#: Brackets outside JSON strings (a string token is skipped whole, escapes included).
_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_OPENERS = frozenset(b"[{")
_CHUNK = 64 * 1024

API_TITLE = "ticketing"
API_VERSION = "1.0.0"


class TicketingApi(Api):
    """flask-smorest Api whose documented error responses use the project's envelope, and
    whose OpenAPI document is written when first read, not while the app is built.

    flask-smorest documents each blueprint as it is registered: two thirds of building the
    app (~0.2 s of CPU for ~100 operations), paid by every process that never serves the
    document — each gunicorn worker, each ``flask tickets …`` command, each test's app.
    Here a blueprint's routes are registered at once and its documentation is queued; the
    first read of :attr:`spec` (``/api/openapi.json``, ``flask openapi``, a plugin) writes
    the queued blueprints in registration order, under a lock, so the document is the one
    eager registration gives."""

    ERROR_SCHEMA = ErrorEnvelope

    def __init__(self, *args, **kwargs):
        self._undocumented: list[tuple[Any, str, Any]] = []
        self._documenting = threading.Lock()
        self._spec = None
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        if self._undocumented:
            with self._documenting:
                while self._undocumented:
                    blp, name, parameters = self._undocumented[0]
                    blp.register_views_in_doc(
                        self, self._app, self._spec, name=name, parameters=parameters
                    )
                    self._spec.tag({"name": name, "description": blp.description})
                    self._undocumented.pop(0)
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register ``blp``'s routes now; its documentation when the document is read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

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
        """Database and queue state, and the features' checks (``degraded`` when one is not
        ok, e.g. Claude misconfigured); 503 when the database does not answer."""
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as err:  # noqa: BLE001 - any failure means "down"
            db.session.rollback()
            raise DatabaseUnavailable(
                f"The database does not answer ({type(err).__name__})."
            ) from err
        checks = health.report()
        return {
            "status": HealthStatus.OK
            if all(c.get("ok", True) for c in checks.values())
            else HealthStatus.DEGRADED,
            "database": db.engine.dialect.name,
            "queue": jobs.queue_health(),
            "version": API_VERSION,
            "checks": checks,
        }


def require_json_body() -> None:
    """Unsafe /api requests with a body must send JSON: anything else is a 415."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api"):
        return
    has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
    if has_body and not request.is_json:
        if request.mimetype in bodies_for(current_app, request.endpoint, request.method):
            return
        raise UnsupportedMediaType(
            "Send the request body as JSON (Content-Type: application/json)."
        )


def json_too_deep(raw: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays/objects deeper than ``limit`` (a linear scan, before
    any parser recurses into it: Python's raises RecursionError, a 500, past ~1,000)."""
    depth = 0
    for token in _JSON_TOKENS.finditer(raw):
        first = token.group()[0]
        if first in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif first != 0x22:  # a closing bracket ('"' starts a string token)
            depth -= 1
    return False


def _buffer_chunked_body() -> None:
    """A chunked body (no Content-Length) is read here, up to ``max_content_length`` (413
    beyond), and handed on as if it had been sent with a Content-Length: every check after
    this sees the same bytes however the client framed them."""
    environ = request.environ
    stream = environ.get("wsgi.input")
    if stream is None or not environ.get("wsgi.input_terminated"):
        return  # the server did not de-chunk: werkzeug reads it as empty
    limit = request.max_content_length
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if limit is not None and size > limit:
            raise RequestEntityTooLarge()
        parts.append(chunk)
    data = b"".join(parts)
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)
    request.__dict__.pop("stream", None)  # cached views of the old framing
    request.__dict__["content_length"] = len(data)


def read_json_body() -> None:
    """JSON bodies of /api requests, however framed: a chunked one is buffered within the
    size limit (413), and nesting deeper than ``MAX_JSON_DEPTH`` is a 400."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api"):
        return
    if not request.is_json:
        return
    framing = request.headers.get("Transfer-Encoding", "").lower()
    if request.content_length is None and "chunked" in framing:
        _buffer_chunked_body()
    limit = int(current_app.config["MAX_JSON_DEPTH"])
    if request.content_length and json_too_deep(request.get_data(cache=True), limit):
        raise DomainError(f"The JSON body nests deeper than {limit} levels.", code="json_too_deep")


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a non-negative id that fits the database's integer."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _unstorable_fields(value: Any, path: str) -> list[str]:
    if isinstance(value, str):
        return [path or "_body"] if UNSTORABLE.search(value) else []
    if isinstance(value, dict):
        return [
            bad
            for key, item in value.items()
            for bad in _unstorable_fields(item, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(value, list):
        return [bad for i, item in enumerate(value) for bad in _unstorable_fields(item, path)]
    return []


def reject_unstorable_text() -> None:
    """NUL or lone surrogates in JSON or the query string: a 422 naming the field, before any
    schema or database sees the value (PostgreSQL would fail the statement with a 500)."""
    if not request.path.startswith("/api"):
        return
    bad = [name for name, value in request.args.items(multi=True) if UNSTORABLE.search(value)]
    if request.is_json and request.content_length:
        bad += _unstorable_fields(request.get_json(silent=True), "")
    if bad:
        message = "Text may not contain NUL characters or unpaired surrogates."
        raise InvalidInput(message, fields={name: [message] for name in bad})


def custom_field_schema(converter, field, **kwargs) -> dict:
    """apispec hook: a custom field describes itself through ``openapi_schema()``."""
    describe = getattr(field, "openapi_schema", None)
    return describe() if describe else {}


def init_app(app: Flask) -> TicketingApi:
    """Bind a new Api to ``app`` (one per app: each keeps its own OpenAPI document)."""
    app.config.setdefault("API_TITLE", API_TITLE)
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.url_map.converters["int"] = IdConverter  # before any route is added
    api = TicketingApi(
        app,
        spec_kwargs={
            "extra_plugins": [auth_doc.AuthDocPlugin(app)],
            "security": auth_doc.SECURITY,
        },
    )
    auth_doc.document(api.spec)
    api.ma_plugin.converter.add_attribute_function(custom_field_schema)
    api.register_converter(
        IdConverter, lambda c: {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    )
    api.register_blueprint(meta_blp)
    return api


def register_request_guards(app: Flask) -> None:
    """Body checks for every /api request, after authentication (a stranger gets 401 before
    any word about their body)."""
    app.before_request(require_json_body)
    app.before_request(read_json_body)
    app.before_request(reject_unstorable_text)
