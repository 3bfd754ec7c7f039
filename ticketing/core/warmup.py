"""Warm-up: work a process should do once, before it serves, rather than on its first request.

Features register warm-up steps (building the classifier's tables, loading the language
models); ``warm(app)`` runs them. gunicorn calls it in the master after loading the app and
before forking (``preload_app``), so every worker starts warm and shares the memory
copy-on-write; the worker calls it before it takes work. Steps must not open database or
Redis connections (a connection made before a fork is shared by the children) and must be
safe to run twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)

Step = Callable[[Flask], None]


def register(app: Flask, name: str, step: Step, after_fork: bool = False) -> None:
    """Run ``step(app)`` when ``app``'s process warms up, reported under ``name``.
    ``after_fork``: what a forked process must not inherit (a native library's threads): a
    web server that forks runs it in each child (:func:`warm` with ``after_fork=True``)."""
    app.extensions.setdefault("warmup", {})[name] = (step, after_fork)


def warm(app: Flask, after_fork: bool | None = None) -> dict[str, float]:
    """Run the registered steps (``after_fork`` None: all of them; False: those safe before a
    fork; True: those kept for after it); returns seconds per step. A failing step is logged
    and skipped (the work then happens on first use, as without a warm-up)."""
    spent: dict[str, float] = {}
    for name, (step, late) in app.extensions.get("warmup", {}).items():
        if after_fork is not None and late != after_fork:
            continue
        started = time.perf_counter()
        try:
            step(app)
        except Exception:  # noqa: BLE001 - a warm-up must never stop a process from serving
            log.exception("warm-up step %s failed", name)
        spent[name] = round(time.perf_counter() - started, 3)
    log.info("warm-up done: %s", spent)
    return spent
