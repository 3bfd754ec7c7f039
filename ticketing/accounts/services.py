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
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, bindparam, delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import events
from ..core.context import user_actor
from ..core.errors import Conflict, InvalidInput, NotFound
from ..core.events import note_access
from ..core.extensions import db
from ..core.pagination import Page, paginate
from ..core.vocab import AccessAction, Role, Via, values
from ..models import ApiToken, User, UserSession, utcnow
from .authcache import UNCHANGED
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
    note_access(
        AccessAction.USER_CREATED, **_about(user), details={"role": role, "name": user.name}
    )
    return NewUser(user, generated)


def _about(user: User) -> dict:
    """The access log's subject fields for ``user``."""
    return {"subject_id": user.id, "subject_label": user.email}


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
    A new role, a reset password or disabling ends every session the person has open; disabling
    also revokes their API tokens (enabling the account again brings neither back). Each of
    these is noted in the access log.
    """
    if "role" in data:
        _check_role(data["role"])
    if by is not None and by.id == user.id:
        if data.get("role", user.role) != user.role or data.get("active", True) is False:
            raise Conflict("You cannot change your own role or disable your own account.")
    demoting = data.get("role", user.role) != Role.ADMIN or data.get("active", user.active) is False
    if user.role == Role.ADMIN and user.active and demoting and _active_admins() <= 1:
        raise Conflict("This is the last active admin; create another admin first.")
    if "name" in data:
        user.name = data["name"].strip()
    if "role" in data and data["role"] != user.role:
        note_access(
            AccessAction.ROLE_CHANGED,
            **_about(user),
            details={"from": user.role, "to": data["role"]},
        )
        user.role = data["role"]
        end_sessions(user)
    if "active" in data and data["active"] != user.active:
        user.active = data["active"]
        if user.active:
            note_access(AccessAction.USER_ENABLED, **_about(user))
        else:
            note_access(AccessAction.USER_DISABLED, **_about(user), details=_lock_out(user))
    if data.get("password") is not None:
        set_password(user, data["password"])
        note_access(AccessAction.PASSWORD_RESET, **_about(user))
        end_sessions(user)
    if data:
        user.updated_at = utcnow()
        db.session.flush()
    return user


def _lock_out(user: User) -> dict:
    """End the person's sessions and revoke their tokens; say how many of each."""
    tokens = [t for t in list_tokens(user) if t.revoked_at is None]
    for token in tokens:
        revoke_token(token)
    return {"sessions_ended": end_sessions(user), "tokens_revoked": len(tokens)}


def set_password(user: User, password: str) -> None:
    _check_password_rules(password)
    user.password_hash = _hash_password(password)


def change_own_password(user: User, new_password: str) -> int:
    """The person's own password change: every session they have open ends (the caller
    starts a new one for the browser that asked). Returns how many ended."""
    set_password(user, new_password)
    ended = end_sessions(user)
    note_access(AccessAction.PASSWORD_CHANGED, **_about(user), details={"sessions_ended": ended})
    return ended


def disable_user(user: User) -> User:
    """An inactive user can neither sign in nor use a token; their sessions end and their
    tokens are revoked at once."""
    return update_user(user, {"active": False})


def _active_admins() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active.is_(True))
    )


@dataclass
class SignIn:
    """The outcome of checking an e-mail and password."""

    user: User | None
    #: Why it failed (``unknown_account``, ``wrong_password``, ``disabled``), for the log.
    failure: str | None = None
    #: The account the e-mail names, even when the sign-in failed.
    account: User | None = None


def authenticate(email: str, password: str) -> SignIn:
    """Check an e-mail and password (the same cost whether or not the account exists)."""
    account = find_user(email) if email else None
    stored = account.password_hash if account is not None and account.password_hash else None
    if stored is None:
        stored = _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    ok = check_password_hash(stored, password or "")
    if account is None or not account.password_hash:
        return SignIn(None, "unknown_account", account)
    if not ok:
        return SignIn(None, "wrong_password", account)
    if not account.active:
        return SignIn(None, "disabled", account)
    account.last_login_at = utcnow()
    db.session.flush()
    return SignIn(account, None, account)


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
    note_access(AccessAction.TOKEN_CREATED, **_about(user), details=_token_details(token))
    return token, text


def _token_details(token: ApiToken) -> dict:
    return {"token_id": token.id, "name": token.name, "prefix": token.prefix}


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
        owner = db.session.get(User, token.user_id)
        note_access(AccessAction.TOKEN_REVOKED, **_about(owner), details=_token_details(token))
    return token


@cache
def _token_lookup() -> Select:
    """Built once: constructing the statement cost more than running it (profiled)."""
    return (
        select(ApiToken.id, ApiToken.last_used_at, ApiToken.name, ApiToken.prefix, User)
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
    first_use = False
    if touched:
        stmt = update(ApiToken).where(ApiToken.id == row.id)
        if row.last_used_at is None:  # two first requests at once: only one is the first
            stmt = stmt.where(ApiToken.last_used_at.is_(None))
        done = db.session.execute(
            stmt.values(last_used_at=now),
            # Only a timestamp: nothing the auth cache remembers changed.
            execution_options={"synchronize_session": False, UNCHANGED: True},
        )
        first_use = row.last_used_at is None and done.rowcount == 1
    if first_use:
        user = row.User
        note_access(
            AccessAction.TOKEN_FIRST_USED,
            **_about(user),
            details={"token_id": row.id, "name": row.name, "prefix": row.prefix},
            actor=user_actor(user, Via.API),
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
        update_user(existing, {"role": Role.ADMIN, "active": True, "password": password})
        return NewUser(existing, password)
    return create_user_account(email, name, Role.ADMIN)


# --------------------------------------------------------------------------- sessions


def hash_session_id(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def open_session(user: User, sid: str) -> UserSession:
    """Record a new sign-in (the cookie carries ``sid``; only its hash is stored)."""
    row = UserSession(
        id=hash_session_id(sid),
        user_id=user.id,
        expires_at=utcnow() + current_app.permanent_session_lifetime,
    )
    db.session.add(row)
    db.session.flush()
    return row


def session_user(sid: str, user_id: int, with_expiry: bool = False):
    """The active user of a live session (one indexed read), or None; with ``with_expiry``
    the pair ``(user, expires_at)``. (auth.py remembers the answer a few seconds; any change
    to sessions or users makes every process forget it: see authcache.py.)"""
    row = db.session.execute(
        select(UserSession.ended_at, UserSession.expires_at, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == hash_session_id(sid), UserSession.user_id == user_id)
    ).first()
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    if not row.User.active:
        return None
    return (row.User, row.expires_at) if with_expiry else row.User


def end_session(sid: str) -> bool:
    """End one session (sign-out on this browser); False when it was already over."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.id == hash_session_id(sid), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def end_sessions(user: User) -> int:
    """End every session ``user`` has open, on any browser; returns how many."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def prune_sessions() -> dict[str, int]:
    """Upkeep: forget sessions that ended or expired more than a day ago."""
    cutoff = utcnow() - timedelta(days=1)
    result = db.session.execute(
        delete(UserSession).where(
            (UserSession.expires_at < cutoff) | (UserSession.ended_at < cutoff)
        )
    )
    db.session.commit()
    return {"sessions_removed": result.rowcount}


# "Forgot your password?": a signed, time-limited link. The token carries the user id and a
# fingerprint of the password hash it was issued against, so it stops working once the password
# changes — by this link (single use) or any other way. Nothing is stored.
RESET_SALT = "ticketing.password-reset"


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _hash_fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:24]


def password_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"u": user.id, "p": _hash_fingerprint(user)})


def request_password_reset(email: str, base_url: str) -> bool:
    """Mail an active user a reset link (when the mail package is listening and mail is
    configured). Returns whether a mail was queued — for tests and logs only: the caller's
    answer must never depend on it (no account enumeration)."""
    user = find_user(email) if email else None
    if user is None or not user.active:
        return False
    minutes = max(int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60, 1)
    mail = events.PasswordResetMail(
        user_id=user.id,
        email=user.email,
        name=user.name,
        url=f"{base_url.rstrip('/')}/#/reset?token={password_reset_token(user)}",
        valid_minutes=minutes,
    )
    events.password_reset_requested.send(current_app._get_current_object(), mail=mail)
    return mail.queued


def _bad_link(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_reset_link", fields={"token": [message]})


def user_for_reset_token(token: str) -> User:
    """The user a reset link is for, if it is genuine, not expired, not used yet."""
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"])
    try:
        claims = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired as err:
        raise _bad_link("This link has expired. Ask for a new one.") from err
    except BadSignature as err:
        raise _bad_link("This link is not valid. Ask for a new one.") from err
    user = db.session.get(User, claims.get("u")) if isinstance(claims, dict) else None
    if user is None or not user.active or claims.get("p") != _hash_fingerprint(user):
        raise _bad_link("This link has already been used or is no longer valid.")
    return user


def reset_password_with_token(token: str, new_password: str) -> User:
    """Set a new password from a reset link: the link is spent (the hash it names is gone),
    every session of the person ends, and the access log notes it."""
    user = user_for_reset_token(token)
    set_password(user, new_password)
    user.updated_at = utcnow()
    ended = end_sessions(user)
    note_access(
        AccessAction.PASSWORD_RESET,
        **_about(user),
        details={"by": "email_link", "sessions_ended": ended},
        actor=user_actor(user, Via.WEB),
    )
    db.session.flush()
    return user
