"""SQLAlchemy event hooks attached once per process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event


def listen_once(target: Any, *hooks: tuple[str, Callable]) -> None:
    """Attach each ``(event name, function)`` to ``target`` (a session class, ``Engine`` …)
    unless it already is: features register at every app's creation, and a process may
    create several apps (tests, the CLI beside a worker)."""
    for name, hook in hooks:
        if not event.contains(target, name, hook):
            event.listen(target, name, hook)
