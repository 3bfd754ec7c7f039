"""Who is calling: one ``before_request`` for every ``/api`` route.

A request is authenticated by ``Authorization: Bearer <token>`` (API clients) or by the
session cookie set at sign-in (the web page). Every matched ``/api`` route needs one of them
unless its view is marked ``@public``; a view marked ``@admin_only`` also needs the admin role.
Cookie-authenticated unsafe requests must echo the session's CSRF token in ``X-CSRF-Token``.
The same marks drive the OpenAPI document (``openapi.py``), so the doc cannot drift.
"""

from __future__ import annotations

import hmac
import secrets
import time

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from redis.exceptions import RedisError

from ..core import kv
from ..core.access import ADMIN, PUBLIC, SAFE_METHODS, access_for, auth_via
from ..core.context import SYSTEM, Actor, set_actor
from ..core.errors import Forbidden, Unauthenticated
from ..core.extensions import db
from ..core.vocab import ActorType, Role
from ..models import User
from . import services

CSRF_HEADER = "X-CSRF-Token"


def unauthorized(message: str, error: str | None = None) -> Unauthenticated:
    challenge = 'Bearer realm="ticketing"'
    if error:
        challenge += f', error="{error}"'
    return Unauthenticated(message, headers={"WWW-Authenticate": challenge})


#: Redis key marking a signed-out session id (kept as long as such a cookie could live).
SIGNED_OUT_KEY = "ticketing:signed-out:{sid}"
#: Redis key: a user's sessions started before this moment (Unix time in microseconds) are
#: void (password changed).
SESSIONS_AFTER_KEY = "ticketing:sessions-after:{uid}"


def start_session(user: User) -> str:
    """Sign ``user`` in on this browser: a fresh session (no fixation) and CSRF token."""
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["sid"] = secrets.token_urlsafe(16)
    session["iat"] = _now_us()
    session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def end_session() -> None:
    """Sign this browser out, server-side too: the cookie is signed, not stored, so a copy
    of it would stay valid; its session id is remembered as signed out until it expires."""
    sid = session.get("sid")
    session.clear()
    if isinstance(sid, str):
        lifetime = current_app.permanent_session_lifetime
        try:
            kv.store().set(SIGNED_OUT_KEY.format(sid=sid), 1, ex=lifetime)
        except RedisError as err:  # the cookie is cleared anyway; say the rest failed
            current_app.logger.warning("sign-out not recorded server-side: %s", err)


def end_all_sessions(user: User) -> None:
    """Void every session ``user`` has open on any browser (after a password change)."""
    lifetime = current_app.permanent_session_lifetime
    try:
        kv.store().set(SESSIONS_AFTER_KEY.format(uid=user.id), _now_us(), ex=lifetime)
    except RedisError as err:
        current_app.logger.warning("other sessions not ended server-side: %s", err)


def _now_us() -> int:
    """Unix time in microseconds: sessions started moments apart stay distinguishable."""
    return time.time_ns() // 1000


def _session_void(uid: int, sid: str, issued: int) -> bool:
    """Signed out on this browser, or started before the user's sessions were all ended."""
    try:
        out, after = kv.store().mget(
            SIGNED_OUT_KEY.format(sid=sid), SESSIONS_AFTER_KEY.format(uid=uid)
        )
    except RedisError as err:
        # Fail open for a Redis blip (every signed-in person would be thrown out otherwise);
        # bearer tokens and disabled users are checked in the database regardless.
        current_app.logger.warning("session revocation list unavailable: %s", err)
        return False
    return out is not None or (after is not None and issued < int(after))


def csrf_token() -> str | None:
    return session.get("csrf") if auth_via() == "web" else None


def _user_from_bearer(header: str) -> User | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    match = services.resolve_token(value.strip())
    if match is None:
        return None
    if match.touched:
        db.session.commit()  # the last_used_at write (at most once a minute per token)
    return match.user


def _user_from_session() -> User | None:
    uid, sid, issued = session.get("uid"), session.get("sid"), session.get("iat")
    if not (isinstance(uid, int) and isinstance(sid, str) and isinstance(issued, int)):
        return None
    if _session_void(uid, sid, issued):
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active:
        session.clear()  # disabled or deleted: the cookie is worthless from now on
        return None
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
        set_actor(Actor(type=ActorType.USER, via=via, id=user.id, label=user.email, role=user.role))
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


def no_sniffing(response):
    """API answers are data: a browser must never sniff one into HTML."""
    if request.path.startswith("/api/"):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.before_request(authenticate_request)
    app.after_request(no_sniffing)
    app.teardown_request(forget_actor)
