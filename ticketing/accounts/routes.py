"""Sign-in, the caller's own tokens, and user management (admins). HTTP only."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core import events, ratelimits
from ..core.access import admin_only, auth_via, current_user, public
from ..core.context import Actor, set_actor, user_actor
from ..core.errors import InvalidInput, Unauthenticated
from ..core.events import note_access
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope, PageQuery
from ..core.vocab import AccessAction, ActorType, Via
from . import services
from .auth import csrf_token, end_session, forget_cookie, start_session
from .schemas import (
    ForgotPasswordIn,
    ForgotPasswordOut,
    LoginIn,
    PasswordChangeIn,
    PasswordResetIn,
    SessionOut,
    TokenCreatedOut,
    TokenIn,
    TokenList,
    UserIn,
    UserOut,
    UserPage,
    UserPatch,
)

auth_blp = Blueprint(
    "auth", __name__, url_prefix="/api/auth", description="Sign-in and your own API tokens"
)
users_blp = Blueprint(
    "users", __name__, url_prefix="/api/users", description="User management (admins only)"
)


@auth_blp.route("/login")
class Login(MethodView):
    @public
    @auth_blp.arguments(LoginIn)
    @auth_blp.response(200, SessionOut)
    @auth_blp.alt_response(401, schema=ErrorEnvelope, description="Wrong e-mail or password")
    @auth_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    @auth_blp.alt_response(429, schema=ErrorEnvelope, description="Too many failed sign-ins")
    def post(self, data):
        """Sign in with e-mail and password: sets the session cookie, returns the CSRF token.

        Attempts are limited per account (``LOGIN_RATE_LIMIT_EMAIL``) and per client address
        (``LOGIN_RATE_LIMIT_IP``): each is counted before the password is checked; over either
        limit every attempt gets 429, and a successful sign-in is not counted.
        """
        email = services.normalise_email(data["email"])
        keys = _sign_in_keys(email)
        _count_attempt(keys, email)
        outcome = services.authenticate(email, data["password"])
        if outcome.user is None:
            account = outcome.account
            note_access(
                AccessAction.SIGN_IN_FAILED,
                subject_id=account.id if account else None,
                subject_label=email,
                details={"reason": outcome.failure},
                actor=ANONYMOUS,
            )
            db.session.commit()  # the failure is recorded, whatever the answer
            raise Unauthenticated("Wrong e-mail or password.", code="invalid_credentials")
        user = outcome.user
        acting = user_actor(user, Via.WEB)
        set_actor(acting)
        token = start_session(user)
        note_access(AccessAction.SIGN_IN, subject_id=user.id, subject_label=user.email)
        db.session.commit()
        ratelimits.clear(*keys[0])  # a success clears the account's count ...
        ratelimits.refund(*keys[1])  # ... and is not held against the address
        return {"user": user, "csrf_token": token}


NOT_RECORDED = "The sign-out could not be recorded (the database is unavailable)"

#: A caller nobody has identified (a failed sign-in).
ANONYMOUS = Actor(type=ActorType.SYSTEM, via=Via.WEB)


def _sign_in_keys(email: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (
        ("LOGIN_RATE_LIMIT_EMAIL", "login-email", email),
        ("LOGIN_RATE_LIMIT_IP", "login-ip", ratelimits.client_address()),
    )


def _count_attempt(keys, email: str, message: str = "Too many failed sign-ins.") -> None:
    """Count this attempt against every limit (atomically), or refuse it with 429.

    The counters run on a connection of their own; the request's session gives its connection
    back first (it has nothing to write yet), so a burst of requests can never hold every
    pooled connection while each waits for a second one."""
    db.session.commit()
    counted = []
    for config_key, *key in keys:
        attempt = ratelimits.hit(config_key, *key)
        if not attempt:
            for earlier in counted:
                ratelimits.refund(*earlier)  # refused: not held against the other limit
            if attempt.first_refusal:
                note_access(
                    AccessAction.SIGN_IN_THROTTLED,
                    subject_label=email,
                    details={"limit": config_key},
                    actor=ANONYMOUS if current_user() is None else None,
                )
                db.session.commit()
            raise ratelimits.refused(attempt.retry_after, message)
        counted.append((config_key, *key))


@auth_blp.route("/logout")
class Logout(MethodView):
    @auth_blp.response(204)
    @auth_blp.alt_response(503, schema=ErrorEnvelope, description=NOT_RECORDED)
    def post(self):
        """Sign out this browser: the session ends server-side (a copy of the cookie is
        worthless), then the cookie is cleared. 503 when that cannot be recorded."""
        if end_session():
            note_access(AccessAction.SIGN_OUT, **_me())
        db.session.commit()  # a database outage here is a 503, and the cookie stays
        forget_cookie()


@auth_blp.route("/logout-everywhere")
class LogoutEverywhere(MethodView):
    @auth_blp.response(204)
    @auth_blp.alt_response(503, schema=ErrorEnvelope, description=NOT_RECORDED)
    def post(self):
        """Sign out every browser you are signed in on, this one included (API tokens are not
        affected: revoke them under /api/auth/tokens)."""
        ended = services.end_sessions(current_user())
        note_access(AccessAction.SIGN_OUT_EVERYWHERE, **_me(), details={"sessions_ended": ended})
        db.session.commit()
        if auth_via() == "web":
            forget_cookie()


def _me() -> dict:
    user = current_user()
    return {"subject_id": user.id, "subject_label": user.email}


@auth_blp.route("/me")
class Me(MethodView):
    @auth_blp.response(200, SessionOut)
    def get(self):
        """The signed-in user and, for a cookie session, the CSRF token to send back."""
        return {"user": current_user(), "csrf_token": csrf_token()}


@auth_blp.route("/password")
class MyPassword(MethodView):
    @auth_blp.arguments(PasswordChangeIn)
    @auth_blp.response(204)
    @auth_blp.alt_response(422, schema=ErrorEnvelope, description="Wrong current password")
    @auth_blp.alt_response(429, schema=ErrorEnvelope, description="Too many wrong passwords")
    def post(self, data):
        """Change your own password (the current one is required).

        Each try counts as a sign-in attempt for the account (``LOGIN_RATE_LIMIT_EMAIL``)
        before the current password is checked. Every session you have open ends; a cookie
        session continues with a fresh session id and CSRF token (read them from
        ``GET /api/auth/me``); API tokens are not affected.
        """
        user = current_user()
        keys = _sign_in_keys(user.email)[:1]
        _count_attempt(keys, user.email, "Too many wrong passwords.")
        if not services.password_matches(user, data["current_password"]):
            message = "The current password is wrong."
            raise InvalidInput(message, fields={"current_password": [message]})
        ratelimits.refund(*keys[0])
        services.change_own_password(user, data["new_password"])
        if auth_via() == "web":
            start_session(user)  # this browser carries on, with a new session
        db.session.commit()


FORGOT_ANSWER = (
    "If an account exists for this address, we have sent it a link to choose a new password."
)


@auth_blp.route("/forgot")
class ForgotPassword(MethodView):
    @public
    @auth_blp.arguments(ForgotPasswordIn)
    @auth_blp.response(202, ForgotPasswordOut)
    @auth_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    @auth_blp.alt_response(429, schema=ErrorEnvelope, description="Too many requests")
    def post(self, data):
        """ "Forgot your password?": mail a reset link to the address, if it is an active
        user's and mail is configured (``SMTP_URL``).

        The answer is the same 202 whether or not the address has an account. The link
        (``/#/reset?token=…``) works for ``PASSWORD_RESET_MAX_AGE`` seconds and once. Requests
        are limited per address (``FORGOT_RATE_LIMIT_EMAIL``) and per client address
        (``FORGOT_RATE_LIMIT_IP``), counted whether or not the account exists.
        """
        email = services.normalise_email(data["email"])
        keys = (
            ("FORGOT_RATE_LIMIT_EMAIL", "forgot-email", email),
            ("FORGOT_RATE_LIMIT_IP", "forgot-ip", ratelimits.client_address()),
        )
        _count_attempt(keys, email, "Too many requests for a reset link.")
        base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
        queued = services.request_password_reset(email, base)
        db.session.commit()
        if queued:
            events.password_reset_mailed.send(current_app._get_current_object())
        return {"message": FORGOT_ANSWER}, 202


@auth_blp.route("/reset")
class ResetPassword(MethodView):
    @public
    @auth_blp.arguments(PasswordResetIn)
    @auth_blp.response(204)
    @auth_blp.alt_response(
        422, schema=ErrorEnvelope, description="Invalid, expired or used link; invalid password"
    )
    @auth_blp.alt_response(429, schema=ErrorEnvelope, description="Too many attempts")
    def post(self, data):
        """Choose a new password with a mailed reset link (``POST /api/auth/forgot``).

        The password rules are those of ``POST /api/auth/password``. The link works once;
        every session the person has open ends (they sign in again); API tokens are not
        affected. Attempts count against ``LOGIN_RATE_LIMIT_IP``.
        """
        keys = _sign_in_keys("")[1:]
        _count_attempt(keys, "(password reset link)", "Too many attempts.")
        services.reset_password_with_token(data["token"], data["new_password"])
        db.session.commit()
        ratelimits.refund(*keys[0])


@auth_blp.route("/tokens")
class MyTokens(MethodView):
    @auth_blp.response(200, TokenList)
    def get(self):
        """Your API tokens (revoked ones included, with ``revoked_at``); never their text."""
        return {"items": services.list_tokens(current_user())}

    @auth_blp.arguments(TokenIn, required=False)
    @auth_blp.response(201, TokenCreatedOut)
    @auth_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Create an API token for yourself; its text is in this answer only."""
        token, text = services.create_token(current_user(), data["name"])
        db.session.commit()
        return _created_token(token, text)


@auth_blp.route("/tokens/<int:token_id>")
class MyToken(MethodView):
    @auth_blp.response(204)
    @auth_blp.alt_response(404, schema=ErrorEnvelope, description="No such token of yours")
    def delete(self, token_id):
        """Revoke one of your tokens: refused from the next request on."""
        services.revoke_token(services.get_token(token_id, current_user()))
        db.session.commit()


def _created_token(token, text: str):
    token.plaintext = text  # not a column: lives only until this answer is dumped
    return token, 201


@users_blp.route("")
class Users(MethodView):
    @admin_only
    @users_blp.arguments(PageQuery, location="query", as_kwargs=False)
    @users_blp.response(200, UserPage)
    def get(self, params):
        """Every user, oldest first."""
        return services.list_users(params["page"], params["per_page"]).as_dict()

    @admin_only
    @users_blp.arguments(UserIn)
    @users_blp.response(201, UserOut)
    @users_blp.alt_response(409, schema=ErrorEnvelope, description="The e-mail is taken")
    @users_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Create a user (agent by default) with an initial password."""
        user = services.create_user(**data)
        db.session.commit()
        return user, 201, {"Location": url_for("users.UserItem", user_id=user.id)}


@users_blp.route("/<int:user_id>")
class UserItem(MethodView):
    @admin_only
    @users_blp.response(200, UserOut)
    @users_blp.alt_response(404, schema=ErrorEnvelope, description="No such user")
    def get(self, user_id):
        """One user."""
        return services.get_user(user_id)

    @admin_only
    @users_blp.arguments(UserPatch(partial=True), required=False)
    @users_blp.response(200, UserOut)
    @users_blp.alt_response(404, schema=ErrorEnvelope, description="No such user")
    @users_blp.alt_response(
        409, schema=ErrorEnvelope, description="Your own role or account, or the last admin"
    )
    @users_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, user_id):
        """Change name, role, active or password. A new role or password ends the person's
        sessions; ``active: false`` ends them and revokes every token, at once."""
        user = services.update_user(services.get_user(user_id), data, by=current_user())
        db.session.commit()
        return user


@users_blp.route("/<int:user_id>/tokens")
class UserTokens(MethodView):
    @admin_only
    @users_blp.response(200, TokenList)
    @users_blp.alt_response(404, schema=ErrorEnvelope, description="No such user")
    def get(self, user_id):
        """A user's API tokens (never their text)."""
        return {"items": services.list_tokens(services.get_user(user_id))}

    @admin_only
    @users_blp.arguments(TokenIn, required=False)
    @users_blp.response(201, TokenCreatedOut)
    @users_blp.alt_response(404, schema=ErrorEnvelope, description="No such user")
    @users_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data, user_id):
        """Create a token for a user (e.g. an integration); its text is in this answer only."""
        token, text = services.create_token(services.get_user(user_id), data["name"])
        db.session.commit()
        return _created_token(token, text)


@users_blp.route("/<int:user_id>/tokens/<int:token_id>")
class UserToken(MethodView):
    @admin_only
    @users_blp.response(204)
    @users_blp.alt_response(404, schema=ErrorEnvelope, description="No such token of this user")
    def delete(self, user_id, token_id):
        """Revoke a user's token."""
        services.revoke_token(services.get_token(token_id, services.get_user(user_id)))
        db.session.commit()
