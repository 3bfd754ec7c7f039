"""A circuit breaker around Claude, shared by every process through the key-value store.

Each Claude call that fails the way an outage does (timeout, connection error, 429, 5xx)
counts one consecutive failure; any accepted call resets the count. At
``CLAUDE_BREAKER_FAILURES`` consecutive failures the breaker **opens** for
``CLAUDE_BREAKER_COOLDOWN`` seconds: triage and live suggestions skip Claude and answer with
the local classifier at once (a job that was retrying stops too); reply drafts and thread
summaries use their local versions (:func:`guarded`). When the cool-down ends the
breaker is **half-open**: one caller (a ``SET NX`` probe key) tries Claude; success closes it,
failure opens it again for another cool-down. ``CLAUDE_BREAKER_FAILURES=0`` turns it off.

The state lives in ``core.kv`` (Redis with ``REDIS_URL``), so a worker's failures protect the
web processes too, and ``/api/health`` and the dashboard show it. If the store itself is
down, the breaker lets calls through (each call keeps its own timeout and retries).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app
from redis.exceptions import RedisError

from . import kv

log = logging.getLogger(__name__)
T = TypeVar("T")

FAILURES_KEY = "ticketing:claude:breaker:failures"
OPEN_KEY = "ticketing:claude:breaker:open"
PROBE_KEY = "ticketing:claude:breaker:probe"
#: The count expires if nothing happens for a day (an old streak is not "consecutive").
FAILURES_TTL = 24 * 3600


@dataclass
class Breaker:
    """The shared breaker with one app's settings (cheap to build per call)."""

    threshold: int
    cooldown: float
    probe_seconds: float

    @classmethod
    def from_app(cls, app: Flask | None = None) -> Breaker:
        cfg = (app or current_app).config
        return cls(
            threshold=int(cfg["CLAUDE_BREAKER_FAILURES"]),
            cooldown=float(cfg["CLAUDE_BREAKER_COOLDOWN"]),
            probe_seconds=float(cfg["CLASSIFY_TIMEOUT"]) + 5.0,
        )

    @property
    def enabled(self) -> bool:
        return self.threshold > 0

    def allow(self) -> bool:
        """May this caller call Claude now? False while open, and in half-open for all but
        the one caller that takes the probe."""
        if not self.enabled:
            return True
        try:
            store = kv.store()
            if store.exists(OPEN_KEY):
                return False
            failures = int(store.get(FAILURES_KEY) or 0)
            if failures < self.threshold:
                return True
            # Half-open: the cool-down is over; exactly one caller tries.
            return bool(store.set(PROBE_KEY, "1", nx=True, px=int(self.probe_seconds * 1000)))
        except RedisError:
            return True

    def success(self) -> None:
        """Claude accepted a request: the streak ends and the breaker closes."""
        if not self.enabled:
            return
        try:
            store = kv.store()
            streak = int(store.get(FAILURES_KEY) or 0)
            if streak:
                store.delete(FAILURES_KEY, PROBE_KEY, OPEN_KEY)
                if streak >= self.threshold:
                    log.warning("Claude circuit breaker closed: the API answers again")
        except RedisError:
            pass

    def failure(self, error: str) -> None:
        """One more consecutive failure; at the threshold the breaker opens (again)."""
        if not self.enabled:
            return
        try:
            store = kv.store()
            failures = int(store.incr(FAILURES_KEY))
            store.expire(FAILURES_KEY, FAILURES_TTL)
            if failures < self.threshold:
                return
            now = time.time()
            state = {
                "failures": failures,
                "opened_at": datetime.now(UTC).isoformat(),
                "until": _iso(now + self.cooldown),
                "last_error": error[:300],
            }
            opened = store.set(OPEN_KEY, json.dumps(state), nx=True, px=int(self.cooldown * 1000))
            store.delete(PROBE_KEY)
        except RedisError:
            return
        if opened:
            log.error(
                "Claude circuit breaker open for %.0f s after %d consecutive failures (%s): "
                "triage and suggestions use the local classifier meanwhile",
                self.cooldown,
                failures,
                error[:200],
            )


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def state(app: Flask | None = None) -> dict[str, Any]:
    """What health and the dashboard show: ``closed``, ``open`` (with until when and why) or
    ``half_open``, and the current streak of failures."""
    breaker = Breaker.from_app(app)
    out: dict[str, Any] = {
        "state": "closed",
        "failures": 0,
        "threshold": breaker.threshold,
        "cooldown_seconds": breaker.cooldown,
    }
    if not breaker.enabled:
        out["state"] = "off"
        return out
    try:
        store = kv.store()
        raw_open = store.get(OPEN_KEY)
        out["failures"] = int(store.get(FAILURES_KEY) or 0)
    except RedisError:
        out["state"] = "unknown"
        return out
    if raw_open:
        opened = json.loads(raw_open)
        out.update(state="open", until=opened["until"], opened_at=opened["opened_at"])
        out["last_error"] = opened.get("last_error")
    elif out["failures"] >= breaker.threshold:
        out["state"] = "half_open"
    return out


def claude_outages() -> tuple[type[BaseException], ...]:
    """The SDK's errors that mean Claude is unavailable rather than this request wrong: they
    are retried (triage) and counted by the breaker."""
    import anthropic

    return (
        anthropic.RateLimitError,
        anthropic.InternalServerError,  # 500, and its subclasses 503, 504, 529 (Overloaded)
        anthropic.APIConnectionError,  # includes APITimeoutError
        anthropic.RequestTimeoutError,  # 408
        anthropic.ConflictError,  # 409
    )


def guarded(call: Callable[[], T], what: str) -> T | None:
    """``call()`` (one Claude request) through the breaker: ``None`` without calling while it
    is open, and when the call fails the way an outage does (:func:`claude_outages`; counted).
    Any other error is raised: the caller's fallback handles it, and it is not an outage."""
    outage = claude_outages()
    breaker = Breaker.from_app()
    if not breaker.allow():
        log.info("%s: Claude circuit breaker open; the local version answers", what)
        return None
    try:
        result = call()
    except outage as err:
        breaker.failure(f"{type(err).__name__}: {err}")
        log.warning("%s: Claude failed (%s); the local version answers", what, err)
        return None
    breaker.success()
    return result


def ask_claude(what: str, timeout: float, **request: Any) -> Any | None:
    """One Messages API call (``request``: model, messages …) with the app's key and base URL
    and one SDK retry, through the breaker (:func:`guarded`): the message, or ``None`` when
    Claude is unavailable and the caller's local version should answer."""
    import anthropic

    config = current_app.config
    client = anthropic.Anthropic(
        api_key=config["ANTHROPIC_API_KEY"],
        base_url=config.get("ANTHROPIC_BASE_URL") or None,
        max_retries=1,
        timeout=timeout,
    )
    return guarded(lambda: client.messages.create(**request), what)
