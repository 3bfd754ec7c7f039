"""Who may call a route: the marks views carry, and who the caller is.

A view method marked ``@public`` is open to anonymous callers, ``@admin_only`` needs the
admin role, anything else needs a signed-in user (agent or admin). The accounts package
authenticates each request (``accounts.auth``) and stores the user on ``g``; the OpenAPI
document (``core.openapi``) reads the same marks, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from flask import Flask, g, has_request_context

from .vocab import Role

if TYPE_CHECKING:
    from ..models import User

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
AGENT = "agent"  # any signed-in user (agents and admins)
ADMIN = "admin"
_ACCESS_ATTR = "_ticketing_access"
#: Endpoints outside the smorest views that anyone may read: the OpenAPI document (and the
#: Swagger/ReDoc pages, when configured), all served by flask-smorest's ``api-docs`` blueprint.
PUBLIC_BLUEPRINTS = frozenset({"api-docs"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def public(func: F) -> F:
    """Mark a view method as open to anonymous callers."""
    setattr(func, _ACCESS_ATTR, PUBLIC)
    return func


def admin_only(func: F) -> F:
    """Mark a view method as reserved to admins (agents get 403)."""
    setattr(func, _ACCESS_ATTR, ADMIN)
    return func


_BODY_ATTR = "_ticketing_bodies"


def accepts_body(*mimetypes: str) -> Callable[[F], F]:
    """Mark a view method as taking a body other than JSON (e.g. ``message/rfc822``,
    ``multipart/form-data``); every other /api write must send JSON."""

    def mark(func: F) -> F:
        setattr(func, _BODY_ATTR, frozenset(mimetypes))
        return func

    return mark


def bodies_for(app: Flask, endpoint: str | None, method: str) -> frozenset[str]:
    """The non-JSON body types a route's view method declares it accepts."""
    if endpoint is None:
        return frozenset()
    return getattr(_view_method(app, endpoint, method), _BODY_ATTR, frozenset())


def access_for(app: Flask, endpoint: str | None, method: str) -> str:
    """The access level a route's view method declares (``agent`` when it says nothing)."""
    if endpoint is None:
        return AGENT
    if endpoint.split(".", 1)[0] in PUBLIC_BLUEPRINTS:
        return PUBLIC
    return getattr(_view_method(app, endpoint, method), _ACCESS_ATTR, AGENT)


def _view_method(app: Flask, endpoint: str, method: str):
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    func = view
    if view_class is not None:
        name = method.lower()
        func = getattr(view_class, name, None) or (
            getattr(view_class, "get", None) if name == "head" else None
        )
    return func


def current_user() -> User | None:
    """The signed-in user of this request (None when anonymous or outside a request)."""
    return g.get("user") if has_request_context() else None


def current_user_id() -> int | None:
    user = current_user()
    return user.id if user is not None else None


def is_admin() -> bool:
    user = current_user()
    return user is not None and user.role == Role.ADMIN


def auth_via() -> str | None:
    """``api`` (bearer token), ``web`` (session cookie) or None."""
    return g.get("auth_via") if has_request_context() else None
