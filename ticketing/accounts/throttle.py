"""Counters on flask-limiter's storage for limits that a decorator cannot express.

Failed sign-ins count per account and per address, and only failures count; public intake
counts accepted submissions per address. Both use the app's limiter storage (memory in
embedded mode, Redis with ``REDIS_URL``) and strategy, so they hold across processes.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from limits import RateLimitItem, parse

from ..errors import APIError
from ..extensions import limiter


def _item(config_key: str) -> RateLimitItem:
    return parse(current_app.config[config_key])


def _enabled() -> bool:
    return bool(limiter.enabled)


def retry_after(config_key: str, *key: str) -> int:
    """Seconds until the window of this counter resets (at least 1)."""
    reset_at, _remaining = limiter.limiter.get_window_stats(_item(config_key), *key)
    return max(1, math.ceil(reset_at - time.time()))


def too_many(config_key: str, key: tuple[str, ...], message: str) -> APIError:
    wait = retry_after(config_key, *key)
    return APIError(
        429, f"{message} Try again in {wait} s.", "rate_limited", headers={"Retry-After": str(wait)}
    )


def exhausted(config_key: str, *key: str) -> bool:
    """True when this counter has no attempt left (nothing is counted)."""
    return _enabled() and not limiter.limiter.test(_item(config_key), *key)


def hit(config_key: str, *key: str) -> bool:
    """Count one attempt; False when the limit was already reached (atomic)."""
    return not _enabled() or limiter.limiter.hit(_item(config_key), *key)


def clear(config_key: str, *key: str) -> None:
    if _enabled():
        limiter.limiter.clear(_item(config_key), *key)
