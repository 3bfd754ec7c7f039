"""The OpenAPI side of auth: security schemes, and 401/403 on every protected operation.

An apispec plugin reads the same ``@public`` / ``@admin_only`` marks the ``before_request``
enforces, so the document says exactly what the server does:
public operations carry ``security: []``; the others 401 (no or bad credentials), and 403
where it can happen (admin-only operations, and unsafe methods refused without a CSRF token).
"""

from __future__ import annotations

from apispec import BasePlugin
from flask import Flask

from .access import ADMIN, PUBLIC, SAFE_METHODS, access_for
from .schemas import ErrorEnvelope

SECURITY = [{"bearerAuth": []}, {"cookieAuth": []}]


class AuthDocPlugin(BasePlugin):
    def __init__(self, app: Flask) -> None:
        self.app = app

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        for method, operation in operations.items():
            if method.upper() not in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}:
                continue
            access = access_for(self.app, rule.endpoint, method.upper())
            if access == PUBLIC:
                operation["security"] = []
                continue
            responses = operation.setdefault("responses", {})
            if 401 not in responses and "401" not in responses:
                responses["401"] = "Unauthorized"
            needs_403 = access == ADMIN or method.upper() not in SAFE_METHODS
            if needs_403 and 403 not in responses and "403" not in responses:
                responses["403"] = "Forbidden"


def document(spec) -> None:
    """Declare the security schemes and the shared 401/403 responses."""
    spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (tkt_…) from /api/auth/tokens or `flask tickets users "
            "token create`.",
        },
    )
    spec.components.security_scheme(
        "cookieAuth",
        {
            "type": "apiKey",
            "in": "cookie",
            "name": "session",
            "description": "The session cookie set by POST /api/auth/login; unsafe requests "
            "must also send X-CSRF-Token.",
        },
    )
    spec.components.response(
        "Unauthorized",
        {
            "description": "No valid credentials (missing, wrong, revoked token or disabled user)",
            "content": {"application/json": {"schema": ErrorEnvelope}},
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        },
    )
    spec.components.response(
        "Forbidden",
        {
            "description": "The role may not do this, or the CSRF token is missing or wrong",
            "content": {"application/json": {"schema": ErrorEnvelope}},
        },
    )
