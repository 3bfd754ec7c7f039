"""Who is calling: one ``before_request`` for every ``/api`` route.

A request is authenticated by ``Authorization: Bearer <token>`` (API clients) or by the
session cookie set at sign-in (the web page). Every matched ``/api`` route needs one of them
unless its view is marked ``@public``; a view marked ``@admin_only`` also needs the admin role.
Cookie-authenticated unsafe requests must echo the session's CSRF token in ``X-CSRF-Token``.
The same marks drive the OpenAPI document (``openapi.py``), so the doc cannot drift.

Sessions are rows in ``user_sessions`` (the cookie carries the session id; the database holds
its hash). A cookie request reads its row with its user in one query, a token request its
token's row with its user; that answer is remembered for a few seconds (``authcache.py``)
and forgotten by every process as soon as any sign-out, sign-out everywhere, password change
or reset, role change, token revocation or disabled account is committed — so those are
refused from the very next request; with Redis unreachable the cache is simply not used.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

from ..core.access import ADMIN, PUBLIC, SAFE_METHODS, access_for, auth_via
from ..core.context import SYSTEM, set_actor, user_actor
from ..core.errors import Forbidden, Unauthenticated
from ..core.extensions import db
from ..core.vocab import Role
from ..models import User, utcnow
from . import authcache, services

CSRF_HEADER = "X-CSRF-Token"


def unauthorized(message: str, error: str | None = None) -> Unauthenticated:
    challenge = 'Bearer realm="ticketing"'
    if error:
        challenge += f', error="{error}"'
    return Unauthenticated(message, headers={"WWW-Authenticate": challenge})


def start_session(user: User) -> str:
    """Sign ``user`` in on this browser: a fresh session (no fixation), recorded in the
    database, and a CSRF token. The caller commits."""
    previous = session.get("sid")
    if isinstance(previous, str):
        services.end_session(previous)  # whoever was signed in on this browser is signed out
    session.clear()
    session.permanent = True
    sid = secrets.token_urlsafe(32)
    services.open_session(user, sid)
    session["uid"] = user.id
    session["sid"] = sid
    session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def end_session() -> bool:
    """Sign this browser out, server-side: the session's row is marked ended, so a copy of
    the (signed, not stored) cookie is worthless. The caller commits *before* the cookie is
    cleared (``forget_cookie``): a sign-out that cannot be recorded must fail, not pretend."""
    sid = session.get("sid")
    return isinstance(sid, str) and services.end_session(sid)


def forget_cookie() -> None:
    session.clear()


def csrf_token() -> str | None:
    return session.get("csrf") if auth_via() == "web" else None


def _user_from_bearer(header: str) -> User | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    text = value.strip()
    remembered = authcache.cache()
    generation = remembered.generation()  # read before the database (see authcache)
    key = ("token", services.hash_token(text))
    entry = remembered.get(key, generation)
    if entry is not None:
        return authcache.attach(entry)
    match = services.resolve_token(text)
    if match is None:
        return None
    if match.touched:
        db.session.commit()  # the last_used_at write (at most once a minute per token)
    remembered.put(key, generation, match.user)
    return match.user


def _user_from_session() -> User | None:
    uid, sid = session.get("uid"), session.get("sid")
    if not (isinstance(uid, int) and isinstance(sid, str)):
        return None
    remembered = authcache.cache()
    generation = remembered.generation()
    key = ("session", services.hash_session_id(sid), uid)
    entry = remembered.get(key, generation)
    if entry is not None and entry.extra > utcnow():  # the session's own expiry
        return authcache.attach(entry)
    found = services.session_user(sid, uid, with_expiry=True)
    if found is None:
        session.clear()  # ended, expired, or its user disabled: worthless from now on
        return None
    user, expires_at = found
    remembered.put(key, generation, user, extra=expires_at)
    return user


def authenticate_request() -> None:
    """Identify the caller of an ``/api`` route and refuse what it may not do."""
    set_actor(SYSTEM)
    if not request.path.startswith("/api/") or request.url_rule is None:
        return  # the page, static files, or an unknown URL (404/405 answer as usual)
    if request.method == "OPTIONS":
        return  # Flask's automatic answer: the Allow header, no data
    access = access_for(current_app, request.endpoint, request.method)
    header = request.headers.get("Authorization")
    user, via = None, None
    if header:
        user, via = _user_from_bearer(header), "api"
        if user is None and access != PUBLIC:
            raise unauthorized(
                "The token is invalid, revoked or its user is disabled.", "invalid_token"
            )
    else:
        user, via = _user_from_session(), "web"
    if user is not None:
        g.user, g.auth_via = user, via
        set_actor(user_actor(user, via))
    if access == PUBLIC:
        return
    if user is None:
        raise unauthorized("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
    if via == "web" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = session.get("csrf") or ""
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise Forbidden(
                f"Missing or wrong {CSRF_HEADER} header (get the token from /api/auth/me).",
                code="csrf_failed",
            )
    if access == ADMIN and user.role != Role.ADMIN:
        raise Forbidden("Only an admin may do this.")


def forget_actor(_exc: BaseException | None = None) -> None:
    """A pooled thread must not carry this request's actor into the next one."""
    set_actor(SYSTEM)


class SessionInterface(SecureCookieSessionInterface):
    """``SESSION_COOKIE_SECURE = None`` means: Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config.get("SESSION_COOKIE_SECURE")
        if configured is None:
            return has_request_context() and request.is_secure
        return bool(configured)


def init_app(app: Flask) -> None:
    authcache.init_app(app)
    app.session_interface = SessionInterface()
    app.before_request(authenticate_request)
    app.teardown_request(forget_actor)
