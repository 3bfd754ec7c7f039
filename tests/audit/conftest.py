"""Fixtures for the audit tests."""

from __future__ import annotations

import pytest

from ticketing.core.context import Actor, set_actor


class RequestActor:
    """Does what the accounts boundary does: sets each request's actor in a ``before_request``.

    Registered after the app's own hooks, so it also overrides a real sign-in (the ``client``
    may be an admin). ``None`` leaves the request's actor alone."""

    def __init__(self, app) -> None:
        self.actor: Actor | None = None
        app.before_request(self._apply)

    def _apply(self) -> None:
        if self.actor is not None:
            set_actor(self.actor)


@pytest.fixture
def request_actor(app) -> RequestActor:
    return RequestActor(app)
