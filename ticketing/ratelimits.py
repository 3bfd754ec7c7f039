"""Who a rate limit counts against, shared by every throttled route."""

from __future__ import annotations

from flask_limiter.util import get_remote_address

from .accounts.auth import current_user


def per_user_key() -> str:
    """The signed-in user (colleagues behind one office address don't share a budget), else
    the client's address (behind a proxy, see TRUSTED_PROXY_COUNT)."""
    user = current_user()
    if user is not None:
        return f"user:{user.id}"
    return get_remote_address() or "unknown"
