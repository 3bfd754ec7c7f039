"""Who is acting, and through what: read by the audit trail, set at each boundary.

A route sets the signed-in user (via ``web`` or ``api``), a CLI command sets ``cli``, a triage
job acts as ``triage`` via ``job``. Stored in a ContextVar so jobs and threads keep their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import Flask, g

from .vocab import ActorType, Via


@dataclass(frozen=True)
class Actor:
    type: str = ActorType.SYSTEM
    via: str = Via.API
    id: int | None = None
    label: str | None = None
    role: str | None = None  # admin | agent, for a signed-in user


SYSTEM = Actor()


def user_actor(user, via: str) -> Actor:
    """The actor for a signed-in ``user`` (a ``models.User``) acting through ``via``."""
    return Actor(type=ActorType.USER, via=via, id=user.id, label=user.email, role=user.role)


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


def init_app(app: Flask) -> None:
    """Scope the actor to each request: whatever a ``before_request`` sets (the signed-in
    user) is undone at teardown, so it never leaks into the next thing the thread runs.

    The remembering hook is put first, ahead of any ``before_request`` that sets the actor.
    """

    def remember_actor() -> None:
        g._actor_token = _actor.set(_actor.get())

    def restore_actor(exc: BaseException | None) -> None:
        token = g.pop("_actor_token", None)
        if token is not None:
            _actor.reset(token)

    app.before_request_funcs.setdefault(None, []).insert(0, remember_actor)
    app.teardown_request(restore_actor)
