"""Rate limits: who a limit counts against, and the counters that guard sign-in and intake.

Two kinds of limit, and what each does when a backing service is down:

* **Security limits** — failed sign-ins per account and per address, a wrong current password,
  public intake per address — count in the **database** (table ``rate_counters``). Each
  attempt is counted *before* it is checked (hit, then check) with one atomic upsert, and an
  attempt over the limit is refused and not counted. So N parallel attempts never get more
  than the limit through, in any number of processes; and they need nothing but the database
  the sign-in needs anyway: Redis down changes nothing, and the database down is a 503 for the
  sign-in itself. Never per-process memory. The window slides: the previous window's count
  weighs in proportion to how much of it still overlaps (no double burst at a boundary).
* **Cost limits** on signed-in work (classify, suggest, starting exports) are flask-limiter
  decorators on Redis (``REDIS_URL``; in memory in embedded mode). If Redis stops answering
  they fail open (``RATELIMIT_SWALLOW_ERRORS``): the callers are authenticated staff, the limit
  protects a budget rather than an account, and classify and exports need the queue anyway
  (503 without it).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask, current_app
from flask_limiter.util import get_remote_address
from limits import parse
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    String,
    Table,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from . import upkeep
from .access import current_user
from .errors import RateLimited
from .extensions import db, limiter

#: The counters (a core table: core imports no model). One row per key and window; a row
#: outlives its window by one more (the sliding estimate reads it), then upkeep prunes it.
rate_counters = Table(
    "rate_counters",
    db.metadata,
    Column("counter_key", String(320), primary_key=True),
    Column("slot", BigInteger, primary_key=True, autoincrement=False),
    Column("hits", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
)
_C = rate_counters.c


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


@dataclass(frozen=True)
class Attempt:
    """The outcome of counting one attempt. True when it may go ahead."""

    allowed: bool
    #: Seconds until an attempt would be allowed again (0 when this one was).
    retry_after: int = 0
    #: This is the first refusal of this key in this window (worth one log line, not 1,000).
    first_refusal: bool = False

    def __bool__(self) -> bool:
        return self.allowed


def _enabled() -> bool:
    return bool(limiter.enabled)


def _limit(config_key: str) -> tuple[int, int]:
    item = parse(current_app.config[config_key])
    return int(item.amount), int(item.get_expiry())


def _name(config_key: str, key: tuple[str, ...]) -> str:
    return ":".join((config_key, *key))[:320]


def _add(conn: Connection, name: str, slot: int, period: int) -> int:
    """Count one in (name, slot) atomically and return the new count."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(rate_counters).values(
        counter_key=name, slot=slot, hits=1, expires_at=(slot + 2) * period
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[_C.counter_key, _C.slot], set_={"hits": _C.hits + 1}
    ).returning(_C.hits)
    return int(conn.execute(stmt).scalar_one())


def _take_back(conn: Connection, name: str, slot: int) -> None:
    conn.execute(
        update(rate_counters)
        .where(_C.counter_key == name, _C.slot == slot, _C.hits > 0)
        .values(hits=_C.hits - 1)
    )


def _count(conn: Connection, name: str, slot: int) -> int:
    return int(conn.scalar(select(_C.hits).where(_C.counter_key == name, _C.slot == slot)) or 0)


def _wait(limit: int, period: int, now: float, previous: int, current: int) -> int:
    """Seconds until ``previous·overlap + current + 1 <= limit`` holds again."""
    fraction = (now % period) / period
    room = limit - 1 - current
    if room >= 0 and previous > 0:
        needed = 1 - room / previous  # fraction of this window at which one more fits
        return max(1, math.ceil((needed - fraction) * period))
    # Next window: this window's count is the one that weighs, shrinking as it slides away.
    needed = max(0.0, 1 - (limit - 1) / current) if current else 0.0
    return max(1, math.ceil((1 - fraction + needed) * period))


def hit(config_key: str, *key: str) -> Attempt:
    """Count one attempt against the limit ``config_key`` names, then decide (atomic).

    A refused attempt is not counted, so the counter holds exactly the attempts let through.
    Runs on its own connection and commits at once: the count stands whatever the request
    does next (a failed sign-in rolls its own transaction back).
    """
    if not _enabled():
        return Attempt(True)
    limit, period = _limit(config_key)
    name = _name(config_key, key)
    now = time.time()
    slot = int(now // period)
    with db.engine.begin() as conn:
        current = _add(conn, name, slot, period)
        previous = _count(conn, name, slot - 1)
        overlap = 1 - (now % period) / period
        if previous * overlap + current <= limit:
            return Attempt(True)
        _take_back(conn, name, slot)
        first = _add(conn, name + ":refused", slot, period) == 1
        wait = _wait(limit, period, now, previous, current - 1)
    return Attempt(False, wait, first)


def refund(config_key: str, *key: str) -> None:
    """Take back one attempt counted by ``hit`` (e.g. a sign-in that succeeded)."""
    if not _enabled():
        return
    _, period = _limit(config_key)
    with db.engine.begin() as conn:
        _take_back(conn, _name(config_key, key), int(time.time() // period))


def clear(config_key: str, *key: str) -> None:
    """Forget every attempt of this key (a successful sign-in clears its account's count)."""
    if not _enabled():
        return
    name = _name(config_key, key)
    with db.engine.begin() as conn:
        conn.execute(delete(rate_counters).where(_C.counter_key.in_((name, name + ":refused"))))


def retry_after(config_key: str, *key: str) -> int:
    """Seconds until this key may try again (at least 1)."""
    limit, period = _limit(config_key)
    name = _name(config_key, key)
    now = time.time()
    slot = int(now // period)
    with db.engine.connect() as conn:
        current, previous = _count(conn, name, slot), _count(conn, name, slot - 1)
    return _wait(limit, period, now, previous, current)


def too_many(config_key: str, key: tuple[str, ...], message: str) -> RateLimited:
    return refused(retry_after(config_key, *key), message)


def refused(wait: int, message: str) -> RateLimited:
    return RateLimited(f"{message} Try again in {wait} s.", headers={"Retry-After": str(wait)})


def prune() -> dict[str, int]:
    """Upkeep: drop counters whose window no longer weighs on any estimate."""
    with db.engine.begin() as conn:
        gone = conn.execute(delete(rate_counters).where(_C.expires_at < int(time.time())))
    return {"counters_removed": gone.rowcount}


def init_app(app: Flask) -> None:
    upkeep.register(app, "rate_counters", prune)
