"""Rate limits: who a limit counts against, and counters a decorator cannot express.

Routes throttled per person use ``@limiter.limit(..., key_func=per_user_key)``. Failed
sign-ins (per account and per address, only failures count) and public intake (accepted
submissions per address) use the counters below, on the limiter's own storage (memory in
embedded mode, Redis with ``REDIS_URL``) and strategy, so they hold across processes.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from .access import current_user
from .errors import RateLimited
from .extensions import limiter


def client_address() -> str:
    """The caller's address (behind a proxy, see TRUSTED_PROXY_COUNT)."""
    return get_remote_address() or "unknown"


def per_user_key() -> str:
    """The signed-in user (colleagues behind one office address don't share a budget), else
    the client's address."""
    user = current_user()
    if user is not None:
        return f"user:{user.id}"
    return client_address()


def config_limit(config_key: str):
    """A limit string read from the app's config when the request is served."""

    def limit() -> str:
        return current_app.config[config_key]

    return limit


def _item(config_key: str) -> RateLimitItem:
    return parse(current_app.config[config_key])


def _enabled() -> bool:
    return bool(limiter.enabled)


def retry_after(config_key: str, *key: str) -> int:
    """Seconds until the window of this counter resets (at least 1)."""
    reset_at, _remaining = limiter.limiter.get_window_stats(_item(config_key), *key)
    return max(1, math.ceil(reset_at - time.time()))


def too_many(config_key: str, key: tuple[str, ...], message: str) -> RateLimited:
    wait = retry_after(config_key, *key)
    return RateLimited(f"{message} Try again in {wait} s.", headers={"Retry-After": str(wait)})


def exhausted(config_key: str, *key: str) -> bool:
    """True when this counter has no attempt left (nothing is counted)."""
    return _enabled() and not limiter.limiter.test(_item(config_key), *key)


def hit(config_key: str, *key: str) -> bool:
    """Count one attempt; False when the limit was already reached (atomic)."""
    return not _enabled() or limiter.limiter.hit(_item(config_key), *key)


def clear(config_key: str, *key: str) -> None:
    if _enabled():
        limiter.limiter.clear(_item(config_key), *key)
