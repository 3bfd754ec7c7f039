"""Periodic upkeep: features register tasks; the worker runs them all on a schedule.

A task is a function with no arguments that returns a small dict of what it did (it commits
its own work: each task is an entry point, like a job). ``run_all`` runs every task of the
current app, one after the other; a failing task is logged and reported, and does not stop
the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from .extensions import db

log = logging.getLogger(__name__)

Task = Callable[[], Any]


def register(app: Flask, name: str, task: Task) -> None:
    """Run ``task`` in every upkeep round of ``app``, reported under ``name``."""
    app.extensions.setdefault("upkeep", {})[name] = task


def register_poll(app: Flask, queue: str, poll: Task) -> None:
    """Have every worker serving ``queue`` run ``poll`` every ``WORKER_POLL_SECONDS``: it
    looks in the database for work waiting and rings its bell, so a bell Redis lost is rung
    again."""
    app.extensions.setdefault("upkeep_polls", {})[queue] = poll


def poll_all(app: Flask, queues: list[str]) -> dict[str, Any]:
    """The polls of ``queues``, in ``app``'s context; a failing one is logged (the database
    or the queue may be down: the next round tries again)."""
    report: dict[str, Any] = {}
    polls = app.extensions.get("upkeep_polls", {})
    with app.app_context():
        for name, poll in polls.items():
            if name not in queues:
                continue
            try:
                report[name] = poll()
            except Exception as err:  # noqa: BLE001 - a poll must never stop the worker
                db.session.rollback()
                log.warning("poll %s failed: %s: %s", name, type(err).__name__, err)
                report[name] = {"error": type(err).__name__}
    return report


def tasks(app: Flask | None = None) -> dict[str, Task]:
    app = app or current_app
    return dict(app.extensions.get("upkeep", {}))


def run_all() -> dict[str, Any]:
    """One upkeep round: every registered task, in registration order."""
    report: dict[str, Any] = {}
    for name, task in tasks().items():
        try:
            report[name] = task()
        except Exception as err:  # noqa: BLE001 - one broken task must not stop the others
            db.session.rollback()
            log.exception("upkeep task %s failed", name)
            report[name] = {"error": f"{type(err).__name__}: {err}"[:500]}
    log.info("upkeep done: %s", report)
    return report
