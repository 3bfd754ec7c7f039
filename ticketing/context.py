"""Who is acting, and through what: read by the audit trail, set at each boundary.

A route sets the signed-in user (via ``web`` or ``api``), a CLI command sets ``cli``, a triage
job acts as ``triage`` via ``job``. Stored in a ContextVar so jobs and threads keep their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    type: str = "system"  # user | triage | system
    via: str = "api"  # web | api | cli | job
    id: int | None = None
    label: str | None = None
    role: str | None = None  # admin | agent, for a signed-in user


SYSTEM = Actor()
_actor: ContextVar[Actor] = ContextVar("actor", default=SYSTEM)


def current_actor() -> Actor:
    return _actor.get()


def set_actor(actor: Actor) -> None:
    """Set the actor for the rest of this context (a request sets it once, at the start)."""
    _actor.set(actor)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Run a block as ``actor`` and restore the previous one afterwards."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)
