"""Who a token or session cookie belongs to, remembered for a few seconds per process.

Every ``/api`` request used to read its token's or session's row joined to its user: one
query that often cost as much as the work itself (a live suggestion does no other database
work). This cache keeps that answer for ``AUTH_CACHE_SECONDS`` (default 5; 0 turns it off),
and stays safe:

* **Invalidated on any change that may refuse someone.** A flush or bulk statement touching
  ``users``, ``api_tokens`` (except the ``last_used_at`` touch) or ``user_sessions`` marks the
  database session; after its commit this process forgets every entry and writes a new random
  **generation** to Redis (``ticketing:auth:generation``). Every request reads the generation
  first (one Redis GET) and uses only entries stored under the same one, so a revocation in
  any process is seen by every other from its next request.
* **Fails closed.** With Redis unreachable (or the generation missing) the cache is not used
  and every request reads the database, as without it. An entry never outlives
  ``AUTH_CACHE_SECONDS``, which bounds the one gap left: a revocation committed while Redis
  was unreachable *and* a process whose entry predates it (at most that many seconds).
* **Never hands out another request's objects.** It keeps a detached copy of the user's
  columns and merges it into the asking request's session without a query.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context
from redis.exceptions import RedisError
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from ..core import kv
from ..core.extensions import db
from ..models import ApiToken, User, UserSession

log = logging.getLogger(__name__)

GENERATION_KEY = "ticketing:auth:generation"
#: Execution option for a statement that changes nothing the cache depends on.
UNCHANGED = "auth_cache_unchanged"
_WATCHED = (User, ApiToken, UserSession)
_FLAG = "auth_changed"


@dataclass(frozen=True)
class Entry:
    user: User  # a detached copy: columns only
    generation: str
    expires: float
    extra: Any = None


class AuthCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[tuple, Entry] = {}
        self._lock = threading.Lock()

    # -- the generation ---------------------------------------------------------------
    def generation(self) -> str | None:
        """The current generation, or None when the cache must not be used."""
        if self.seconds <= 0:
            return None
        try:
            store = kv.store()
            found = store.get(GENERATION_KEY)
            if found is None:  # first use, or Redis lost its data: start a new one
                store.set(GENERATION_KEY, secrets.token_hex(8), nx=True)
                found = store.get(GENERATION_KEY)
        except RedisError:
            return None
        return found.decode() if isinstance(found, bytes) else found

    def invalidate(self) -> None:
        """Forget everything here, and tell every other process (a new generation)."""
        with self._lock:
            self._entries.clear()
        try:
            kv.store().set(GENERATION_KEY, secrets.token_hex(8))
        except RedisError:
            # Other processes keep their entries until they expire (AUTH_CACHE_SECONDS).
            log.warning("auth cache: Redis unreachable, other processes forget in %ss",
                        self.seconds)  # fmt: skip

    # -- entries ----------------------------------------------------------------------
    def get(self, key: tuple, generation: str | None) -> Entry | None:
        if generation is None:
            return None
        entry = self._entries.get(key)
        if entry is None or entry.generation != generation or entry.expires < time.monotonic():
            return None
        return entry

    def put(self, key: tuple, generation: str | None, user: User, extra: Any = None) -> None:
        if generation is None:
            return
        entry = Entry(_detached_copy(user), generation, time.monotonic() + self.seconds, extra)
        with self._lock:
            if len(self._entries) > 10_000:  # a bound, not an LRU: entries live seconds
                self._entries.clear()
            self._entries[key] = entry


def _detached_copy(user: User) -> User:
    columns = inspect(User).column_attrs
    copy = User(**{attr.key: getattr(user, attr.key) for attr in columns})
    make_transient_to_detached(copy)
    return copy


def attach(entry: Entry) -> User:
    """The cached user as an object of this request's database session (no query)."""
    return db.session.merge(entry.user, load=False)


def cache(app: Flask | None = None) -> AuthCache:
    return (app or current_app).extensions["auth_cache"]


# -- invalidation hooks -------------------------------------------------------------------
def _mark_flush(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED):
            session.info[_FLAG] = True
            return


def _mark_statement(state) -> None:
    if not (state.is_update or state.is_delete) or state.execution_options.get(UNCHANGED):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in _WATCHED:
        state.session.info[_FLAG] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False) and has_app_context():
        target = current_app.extensions.get("auth_cache")
        if target is not None:
            target.invalidate()


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)


def init_app(app: Flask) -> None:
    app.extensions["auth_cache"] = AuthCache(app.config.get("AUTH_CACHE_SECONDS", 5))
    if not getattr(init_app, "_hooked", False):  # session events are global: hook once
        event.listen(Session, "before_flush", _mark_flush)
        event.listen(Session, "do_orm_execute", _mark_statement)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
        init_app._hooked = True
