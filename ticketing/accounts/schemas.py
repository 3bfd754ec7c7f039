"""Accounts and intake schemas: *In (bodies), *Out (responses). No schema dumps a password
or a token hash; the token text appears only in ``TokenCreatedOut``."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
    post_load,
    pre_load,
    validate,
)

from ..models import ROLES
from ..schemas import NOT_BLANK, PageMeta, _Strict, _strip_strings, not_blank

#: Fixed (not configurable) so the OpenAPI document states the real limits.
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024
INTAKE_MAX_BODY = 10_000


class LoginIn(_Strict):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 1024), load_only=True)


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String(metadata={"enum": list(ROLES)})
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)


class SessionOut(Schema):
    user = fields.Nested(UserOut)
    csrf_token = fields.String(
        allow_none=True,
        metadata={
            "description": "Send as X-CSRF-Token on unsafe requests made with the session "
            "cookie; null when authenticated by a bearer token (which needs none)."
        },
    )


class UserIn(_Strict):
    email = fields.Email(required=True, validate=validate.Length(3, 254))
    name = fields.String(required=True, validate=validate.Length(1, 120), metadata=NOT_BLANK)
    role = fields.String(load_default="agent", validate=validate.OneOf(ROLES))
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH),
    )

    @pre_load
    def strip(self, data, **kwargs):
        return _strip_strings(data, ("email", "name"))


class PasswordChangeIn(_Strict):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(1, PASSWORD_MAX_LENGTH)
    )
    new_password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH),
    )


class UserPatch(_Strict):
    name = fields.String(validate=validate.Length(1, 120), metadata=NOT_BLANK)
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean()
    password = fields.String(
        load_only=True, validate=validate.Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
    )

    @pre_load
    def strip(self, data, **kwargs):
        return _strip_strings(data, ("name",))


class UserPage(Schema):
    items = fields.List(fields.Nested(UserOut))
    meta = fields.Nested(PageMeta)


class TokenIn(_Strict):
    name = fields.String(
        load_default="api token", validate=validate.Length(1, 80), metadata=NOT_BLANK
    )

    @pre_load
    def strip(self, data, **kwargs):
        return _strip_strings(data, ("name",))


class TokenOut(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    prefix = fields.String(
        metadata={"description": "The token's first characters, to recognise it"}
    )
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    active = fields.Function(lambda token: token.revoked_at is None)


class TokenCreatedOut(TokenOut):
    token = fields.String(
        attribute="plaintext",
        metadata={"description": "The token text: shown only in this answer, store it now"},
    )


class TokenList(Schema):
    items = fields.List(fields.Nested(TokenOut))


class IntakeIn(_Strict):
    """A request from the public form: no account, strict sizes."""

    subject = fields.String(required=True, validate=validate.Length(1, 200), metadata=NOT_BLANK)
    body = fields.String(
        required=True,
        validate=[validate.Length(1, INTAKE_MAX_BODY), not_blank("Body")],
        metadata=NOT_BLANK,
    )
    email = fields.Email(required=True, validate=validate.Length(3, 254))
    name = fields.String(allow_none=True, validate=validate.Length(0, 120))

    @pre_load
    def strip(self, data, **kwargs):
        return _strip_strings(data, ("subject", "email", "name"))

    @post_load
    def tidy(self, data, **kwargs):
        data["email"] = data["email"].lower()
        if not data.get("name"):
            data["name"] = None
        return data


class IntakeOut(Schema):
    reference = fields.Integer(metadata={"description": "The new request's number"})
    message = fields.String()
