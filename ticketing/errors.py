"""One error shape for the whole API, from app-level handlers.

``{"error": {"code": "validation_error", "message": "...", "fields": {...}}}``
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class APIError(Exception):
    """An error a route or service raises to answer with a given status and envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        fields: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "error")
        self.fields = fields
        self.headers = headers or {}


class NotFound(APIError):
    def __init__(self, what: str = "Resource") -> None:
        super().__init__(404, f"{what} not found.")


def error_response(status: int, message: str, code: str | None = None, fields: dict | None = None):
    body: dict = {"code": code or _CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    return response


def wants_json() -> bool:
    """Everything under /api answers JSON; so does any client that asks for it."""
    if request.path.startswith("/api"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(APIError)
    def handle_api_error(err: APIError):
        response = error_response(err.status, err.message, err.code, err.fields)
        response.headers.update(err.headers)
        return response

    @app.errorhandler(ValidationError)
    def handle_validation_error(err: ValidationError):
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return error_response(
            422, "The request has invalid fields: " + ", ".join(sorted(messages)), fields=messages
        )

    @app.errorhandler(HTTPException)
    def handle_http_exception(err: HTTPException):
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
            message = "The request has invalid fields: " + ", ".join(sorted(fields))
        elif status == 400 and messages:
            message = "The request body is not valid JSON."
            code = "malformed_json"
            return error_response(400, message, code)
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
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

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not wants_json():
            return "Internal server error", 500
        return error_response(500, "An unexpected error occurred. It has been logged.")
