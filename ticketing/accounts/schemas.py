"""Accounts and intake schemas: *In (bodies), *Out (responses). No schema dumps a password
or a token hash; the token text appears only in ``TokenCreatedOut``."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
    pre_load,
    validate,
)

from ..core.schemas import NOT_BLANK, StrictSchema, page_schema, strip_strings
from ..core.vocab import Role, values

#: Fixed (not configurable) so the OpenAPI document states the real limits.
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024


class LoginIn(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 1024), load_only=True)


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String(metadata={"enum": list(values(Role))})
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


class UserIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(3, 254))
    name = fields.String(required=True, validate=validate.Length(1, 120), metadata=NOT_BLANK)
    role = fields.String(load_default=Role.AGENT.value, validate=validate.OneOf(values(Role)))
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH),
    )

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("email", "name"))


class PasswordChangeIn(StrictSchema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(1, PASSWORD_MAX_LENGTH)
    )
    new_password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH),
    )


class ForgotPasswordIn(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(1, 254))


class ForgotPasswordOut(Schema):
    message = fields.String(
        metadata={"description": "The same text whether or not the address has an account"}
    )


class PasswordResetIn(StrictSchema):
    token = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(1, 500),
        metadata={"description": "The token of the mailed link (``/#/reset?token=…``)"},
    )
    new_password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH),
    )


class UserPatch(StrictSchema):
    name = fields.String(validate=validate.Length(1, 120), metadata=NOT_BLANK)
    role = fields.String(validate=validate.OneOf(values(Role)))
    active = fields.Boolean()
    password = fields.String(
        load_only=True, validate=validate.Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
    )

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("name",))


UserPage = page_schema(UserOut, "UserPage")


class TokenIn(StrictSchema):
    name = fields.String(
        load_default="api token", validate=validate.Length(1, 80), metadata=NOT_BLANK
    )

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("name",))


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
