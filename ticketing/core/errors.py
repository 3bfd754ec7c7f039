"""Domain errors, and the one place that turns them (and every other error) into HTTP answers.

Services, jobs and CLI commands raise the domain errors below; they know nothing of HTTP.
``HTTP_STATUS`` maps each kind to its status once, and ``register_error_handlers`` answers
every error of the app in one envelope:
``{"error": {"code": "validation_error", "message": "...", "fields": {...}}}``.
A CLI command catches ``DomainError`` and prints its message; a job records it on its row.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import InterfaceError as SAInterfaceError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Something a caller asked for cannot be done; ``code`` is a stable snake_case word."""

    code = "error"
    default_message = "The request cannot be completed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        if code:
            self.code = code
        self.fields = fields
        #: Transport hints a caller may honour (``Retry-After``, ``WWW-Authenticate``).
        self.headers = headers or {}
        #: Extra members of the error envelope (e.g. the current state on a 412).
        self.body = body


class BadRequest(DomainError):
    """A request that is malformed as a whole (e.g. a list cursor this API never gave)."""

    code = "bad_request"
    default_message = "The request is malformed."


class InvalidInput(DomainError):
    code = "validation_error"
    default_message = "The request has invalid fields."


class Unauthenticated(DomainError):
    code = "unauthorized"
    default_message = "Sign in first."


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "You may not do this."


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, what: str = "Resource", **kwargs: Any) -> None:
        super().__init__(f"{what} not found.", **kwargs)


class Conflict(DomainError):
    code = "conflict"
    default_message = "The request conflicts with the current state."


class Gone(DomainError):
    code = "gone"
    default_message = "This is no longer available."


class PreconditionFailed(DomainError):
    code = "precondition_failed"
    default_message = "The resource changed since you read it."


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    default_message = "The upload is larger than the limit."


class RateLimited(DomainError):
    code = "rate_limited"
    default_message = "Too many requests; retry later."


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    default_message = "A service this needs is unavailable; try again later."


class QueueUnavailable(ServiceUnavailable):
    code = "queue_unavailable"
    default_message = "The job queue is unavailable; try again later."


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"
    default_message = "The database is unavailable; try again later."


#: The one mapping from a kind of domain error to its HTTP status (most specific first).
HTTP_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422,
    BadRequest: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    PreconditionFailed: 412,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    RateLimited: 429,
    ServiceUnavailable: 503,
}

#: Codes for errors that reach us as HTTP exceptions (routing, werkzeug, the limiter).
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def http_status(err: DomainError) -> int:
    for kind in type(err).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 400


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    fields: dict | None = None,
    extra: dict | None = None,
):
    body: dict = {"code": code or _CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    if extra:
        body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    return response


def wants_json() -> bool:
    """Everything under /api answers JSON; so does any client that asks for it."""
    if request.path.startswith("/api"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def validation_message(fields: dict) -> str:
    return "The request has invalid fields: " + ", ".join(sorted(fields))


def is_database_down(err: BaseException) -> bool:
    """A driver error that means the database cannot be reached (not a bad statement)."""
    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return True
    return isinstance(err, OperationalError | SAInterfaceError)


def _handle_domain_error(err: DomainError):
    response = error_response(http_status(err), err.message, err.code, err.fields, err.body)
    response.headers.update(err.headers)
    return response


def _handle_validation_error(err: ValidationError):
    messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
    return error_response(422, validation_message(messages), fields=messages)


def _handle_http_exception(err: HTTPException):
    if not wants_json():
        return err
    status = err.code or 500
    message = err.description or "Request failed."
    fields = None
    messages = (getattr(err, "data", None) or {}).get("messages")
    if status == 422 and isinstance(messages, dict):
        # webargs nests by location ({"json": {...}, "query": {...}}): flatten for clients.
        fields = {}
        for located in messages.values():
            fields.update(located if isinstance(located, dict) else {"_schema": located})
        message = validation_message(fields)
    elif status == 400 and messages:
        return error_response(400, "The request body is not valid JSON.", "malformed_json")
    if status == 413:
        limit = request.max_content_length  # a route may set its own (the mail webhook)
        message = f"The request body is larger than the {limit} byte limit."
    elif status == 429:
        message = f"Too many requests: limit is {err.description}. Retry later."
    response = error_response(status, message, fields=fields)
    # Keep headers werkzeug/limiter put on the exception (Allow, Retry-After, X-RateLimit-*).
    original = err.get_response()
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if name in original.headers:
            response.headers[name] = original.headers[name]
    return response


def _handle_unexpected(err: Exception):
    if is_database_down(err):
        log.warning("database unavailable on %s %s: %s", request.method, request.path, err)
        _reset_session()
        return _handle_domain_error(DatabaseUnavailable())
    log.exception("unhandled error on %s %s", request.method, request.path)
    if not wants_json():
        return "Internal server error", 500
    return error_response(500, "An unexpected error occurred. It has been logged.")


def _reset_session() -> None:
    """Drop a session whose connection broke, so the next request starts clean."""
    from .extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already gone
        db.session.remove()


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(ValidationError, _handle_validation_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
