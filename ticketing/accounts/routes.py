"""Sign-in, the caller's own tokens, and user management (admins). HTTP only."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core import ratelimits
from ..core.access import admin_only, auth_via, current_user, public
from ..core.errors import InvalidInput, Unauthenticated
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope, PageQuery
from . import services
from .auth import csrf_token, end_all_sessions, end_session, start_session
from .schemas import (
    LoginIn,
    PasswordChangeIn,
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

        Failed attempts are limited per account (``LOGIN_RATE_LIMIT_EMAIL``) and per client
        address (``LOGIN_RATE_LIMIT_IP``); over either limit every attempt gets 429.
        """
        email_key = ("login-email", services.normalise_email(data["email"]))
        ip_key = ("login-ip", ratelimits.client_address())
        for config_key, key in (
            ("LOGIN_RATE_LIMIT_EMAIL", email_key),
            ("LOGIN_RATE_LIMIT_IP", ip_key),
        ):
            if ratelimits.exhausted(config_key, *key):
                raise ratelimits.too_many(config_key, key, "Too many failed sign-ins.")
        user = services.authenticate(data["email"], data["password"])
        if user is None:
            ratelimits.hit("LOGIN_RATE_LIMIT_EMAIL", *email_key)
            ratelimits.hit("LOGIN_RATE_LIMIT_IP", *ip_key)
            raise Unauthenticated("Wrong e-mail or password.", code="invalid_credentials")
        db.session.commit()
        ratelimits.clear("LOGIN_RATE_LIMIT_EMAIL", *email_key)
        token = start_session(user)
        return {"user": user, "csrf_token": token}


@auth_blp.route("/logout")
class Logout(MethodView):
    @auth_blp.response(204)
    def post(self):
        """Sign out this browser (the session cookie is cleared)."""
        end_session()


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

        A wrong current password counts as a failed sign-in for the account
        (``LOGIN_RATE_LIMIT_EMAIL``). A cookie session continues with a fresh session id and
        CSRF token (read them from ``GET /api/auth/me``); API tokens are not affected.
        """
        user = current_user()
        key = ("login-email", user.email)
        if ratelimits.exhausted("LOGIN_RATE_LIMIT_EMAIL", *key):
            raise ratelimits.too_many("LOGIN_RATE_LIMIT_EMAIL", key, "Too many wrong passwords.")
        if not services.password_matches(user, data["current_password"]):
            ratelimits.hit("LOGIN_RATE_LIMIT_EMAIL", *key)
            message = "The current password is wrong."
            raise InvalidInput(message, fields={"current_password": [message]})
        services.set_password(user, data["new_password"])
        db.session.commit()
        end_all_sessions(user)  # every browser signed in with the old password is out ...
        if auth_via() == "web":
            end_session()  # (this browser's old session id too, even within the same second)
            start_session(user)  # ... except this one, which carries on with a new session


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
        """Change name, role, active or password. ``active: false`` locks the user out at once."""
        user = services.update_user(services.get_user(user_id), data, by=current_user())
        db.session.commit()
        if "password" in data:
            end_all_sessions(user)  # a reset password signs the person out everywhere
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
