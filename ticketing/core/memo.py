"""A value each process keeps between requests, forgotten by every process when it changes.

For small tables read on a hot path and changed rarely by an admin (the active SLA policies,
read by every ticket create): one Redis GET instead of a database query per request.

* **Invalidated on change.** The owner marks a database session that changed what the value
  depends on (``mark``); after that session commits, this process forgets its copy and writes
  a new random **generation** to Redis. Every use reads the generation first and uses only a
  copy loaded under the same one, so a change committed by any process is seen by every other
  from its next use. A session that holds uncommitted changes of its own reads the database
  (``changed``), so a transaction always sees what it wrote.
* **Bounded.** A copy never outlives ``seconds``: the bound for a change made outside the ORM
  (raw SQL, a migration) or committed while Redis was unreachable.
* **Fails closed.** With Redis unreachable (or the generation missing and not settable) the
  copy is not used: every use loads from the database, as without the memo.

The order makes it safe: a use reads the generation *before* loading, a change writes a new
one *after* its commit; a value loaded before a change is therefore never kept under the
generation that follows the change. What is kept must be plain, read-only data (never ORM
objects: another request's session must not see them).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from . import kv

log = logging.getLogger(__name__)

PREFIX = "ticketing:memo:"


class Memo:
    def __init__(self, name: str, seconds: float) -> None:
        self.name = name
        self.key = PREFIX + name
        self.seconds = seconds
        self._entry: tuple[str, float, Any] | None = None
        self._lock = threading.Lock()

    def _generation(self) -> str | None:
        try:
            store = kv.store()
            found = store.get(self.key)
            if found is None:  # first use, or Redis lost its data: start a new generation
                store.set(self.key, secrets.token_hex(8), nx=True)
                found = store.get(self.key)
        except RedisError:
            return None
        if found is None:
            return None
        return found.decode() if isinstance(found, bytes) else found

    def get(self, load: Callable[[], Any]) -> Any:
        """The kept value, or ``load()``'s (then kept under the generation read first)."""
        if self.seconds <= 0:
            return load()
        generation = self._generation()
        if generation is None:
            return load()
        entry = self._entry
        if entry is not None and entry[0] == generation and entry[1] > time.monotonic():
            return entry[2]
        value = load()
        with self._lock:
            self._entry = (generation, time.monotonic() + self.seconds, value)
        return value

    def invalidate(self) -> None:
        """Forget the value here, and in every other process (a new generation)."""
        with self._lock:
            self._entry = None
        try:
            kv.store().set(self.key, secrets.token_hex(8))
        except RedisError:
            log.warning("memo %s: Redis unreachable, other processes forget in %ss",
                        self.name, self.seconds)  # fmt: skip


def _flag(name: str) -> str:
    return f"memo_changed:{name}"


def register(app: Flask, name: str, seconds: float) -> Memo:
    memo = Memo(name, seconds)
    app.extensions[PREFIX + name] = memo
    return memo


def memo(name: str) -> Memo:
    return current_app.extensions[PREFIX + name]


def mark(session: Session, name: str) -> None:
    """This session changed what the memo ``name`` holds: it reads the database until it
    ends, and its commit makes every process forget the memo."""
    session.info[_flag(name)] = True


def changed(session: Session, name: str) -> bool:
    return bool(session.info.get(_flag(name)))


def after_commit(session: Session, name: str) -> None:
    """Session hook (the owner listens with it): forget ``name`` if this commit changed it.
    A rolled-back change keeps the mark until the session's next commit: one needless
    invalidation, never a missed one."""
    if session.info.pop(_flag(name), False) and has_app_context():
        found = current_app.extensions.get(PREFIX + name)
        if found is not None:
            found.invalidate()
