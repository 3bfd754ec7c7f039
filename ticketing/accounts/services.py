"""Accounts rules: users, passwords, API tokens. Services flush; the caller commits.

Passwords are stored as werkzeug hashes (scrypt). API tokens are ``tkt_`` + 43 URL-safe
characters; only their SHA-256 is stored (a token is already high-entropy, so a fast hash is
enough and lets a request find its token with one indexed lookup). The token text exists only
in the answer to its creation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.errors import Conflict, InvalidInput, NotFound
from ..core.extensions import db
from ..core.pagination import Page, paginate
from ..core.vocab import Role, values
from ..models import ApiToken, User, utcnow
from .schemas import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

TOKEN_PREFIX = "tkt_"  # noqa: S105 - a label, not a secret
#: Characters of the token kept in clear to recognise it in lists (``tkt_`` + 8).
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8


def _hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    """A hash to check against when the e-mail is unknown, so both cases cost the same."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def generate_password() -> str:
    """A random password (~128 bits) for accounts created without one."""
    return secrets.token_urlsafe(16)


def _check_password_rules(password: str) -> None:
    minimum = PASSWORD_MIN_LENGTH
    if len(password) < minimum:
        raise InvalidInput(
            "The password is too short.",
            fields={"password": [f"Must be at least {minimum} characters."]},
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            "The password is too long.",
            fields={"password": [f"At most {PASSWORD_MAX_LENGTH} characters."]},
        )


def _check_role(role: str) -> None:
    if role not in values(Role):
        raise InvalidInput(
            "Unknown role.", fields={"role": [f"Must be one of: {', '.join(values(Role))}."]}
        )


@dataclass
class NewUser:
    user: User
    #: The generated password when none was given (show it once), else None.
    generated_password: str | None


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id}")
    return user


def get_user_by_email(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise NotFound(f"User {normalise_email(email)}")
    return user


def create_user_account(
    email: str, name: str, role: str = Role.AGENT, password: str | None = None
) -> NewUser:
    """Create a user; without a password one is generated and handed back once."""
    email = normalise_email(email)
    _check_role(role)
    if find_user(email) is not None:
        raise Conflict(
            "A user with this e-mail already exists.", fields={"email": ["Already taken."]}
        )
    generated = None
    if password is None:
        password = generated = generate_password()
    else:
        _check_password_rules(password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=_hash_password(password),
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    return NewUser(user, generated)


def create_user(email: str, name: str, role: str = Role.AGENT, password: str | None = None) -> User:
    """Create a user (see ``create_user_account`` to learn a generated password)."""
    return create_user_account(email, name, role, password).user


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id)))


def list_users(page: int = 1, per_page: int = 100) -> Page:
    """Users, oldest first."""
    return paginate(select(User).order_by(User.id), page, per_page)


def update_user(user: User, data: dict, by: User | None = None) -> User:
    """Change name, role, active or password.

    Nobody changes their own role or disables themselves (``by``: who asks), and the last
    active admin cannot be demoted or disabled: the service never locks every admin out.
    """
    if "role" in data:
        _check_role(data["role"])
    if by is not None and by.id == user.id:
        if data.get("role", user.role) != user.role or data.get("active", True) is False:
            raise Conflict("You cannot change your own role or disable your own account.")
    demoting = data.get("role", user.role) != Role.ADMIN or data.get("active", user.active) is False
    if user.role == Role.ADMIN and user.active and demoting and _active_admins() <= 1:
        raise Conflict("This is the last active admin; create another admin first.")
    for key in ("name", "role", "active"):
        if key in data:
            setattr(user, key, data[key].strip() if key == "name" else data[key])
    if data.get("password") is not None:
        set_password(user, data["password"])
    if data:
        user.updated_at = utcnow()
        db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    _check_password_rules(password)
    user.password_hash = _hash_password(password)


def disable_user(user: User) -> User:
    """An inactive user can neither sign in nor use a token (checked on every request)."""
    return update_user(user, {"active": False})


def _active_admins() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active.is_(True))
    )


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost either way)."""
    user = find_user(email) if email else None
    stored = user.password_hash if user is not None and user.password_hash else None
    if stored is None:
        stored = _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    ok = check_password_hash(stored, password or "")
    if user is None or not user.password_hash or not ok or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s current password (no sign-in is recorded)."""
    return bool(user.password_hash) and check_password_hash(user.password_hash, password or "")


def hash_token(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``: the row and the token text (shown once, never stored)."""
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip() or "token",
        token_hash=hash_token(text),
        prefix=text[:PREFIX_LENGTH],
    )
    db.session.add(token)
    db.session.flush()
    return token, text


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        )
    )


def get_token(token_id: int, user: User | None = None) -> ApiToken:
    """A token by id; with ``user`` only one of that user's (others are 'not found')."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (user is not None and token.user_id != user.id):
        raise NotFound(f"Token {token_id}")
    return token


def find_tokens(ref: str) -> list[ApiToken]:
    """Tokens matching an id (digits) or a shown prefix such as ``tkt_AbCd1234``."""
    if ref.isdigit():
        token = db.session.get(ApiToken, int(ref))
        return [token] if token is not None else []
    if not ref.startswith(TOKEN_PREFIX) or len(ref) < len(TOKEN_PREFIX) + 4:
        return []
    return list(db.session.scalars(select(ApiToken).where(ApiToken.prefix.startswith(ref))))


def revoke_token(token: ApiToken) -> ApiToken:
    """Revoke at once: the next request with this token is refused. Idempotent."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


@cache
def _token_lookup() -> Select:
    """Built once: constructing the statement cost more than running it (profiled)."""
    return (
        select(ApiToken.id, ApiToken.last_used_at, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    )


@dataclass
class TokenMatch:
    user: User
    #: True when ``last_used_at`` was written (the caller must commit).
    touched: bool


def resolve_token(text: str) -> TokenMatch | None:
    """The active user owning this unrevoked token, or None.

    ``last_used_at`` is written at most once per ``TOKEN_TOUCH_SECONDS`` per token, so a busy
    client does not turn every read into a write (the caller commits).
    """
    if not text.startswith(TOKEN_PREFIX) or len(text) > 200:
        return None
    row = db.session.execute(_token_lookup(), {"token_hash": hash_token(text)}).first()
    if row is None or not row.User.active:
        return None
    now = utcnow()
    interval = timedelta(seconds=current_app.config["TOKEN_TOUCH_SECONDS"])
    touched = row.last_used_at is None or now - row.last_used_at >= interval
    if touched:
        db.session.execute(
            update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now),
            execution_options={"synchronize_session": False},
        )
    return TokenMatch(row.User, touched)


def ensure_admin(email: str = "admin@example.com", name: str = "Admin") -> NewUser | None:
    """Create an admin with a generated password when no active admin exists; else None."""
    if _active_admins():
        return None
    existing = find_user(email)
    if existing is not None:
        # The e-mail is taken by a non-admin or disabled account: promote it with a new password.
        password = generate_password()
        existing.role, existing.active = Role.ADMIN, True
        existing.password_hash = _hash_password(password)
        db.session.flush()
        return NewUser(existing, password)
    return create_user_account(email, name, Role.ADMIN)
