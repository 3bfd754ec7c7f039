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
