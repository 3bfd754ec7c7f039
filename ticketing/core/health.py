"""Health checks that features add to ``GET /api/health``.

A check is a function with no arguments returning a small dict with at least ``ok`` (bool)
and ``status`` (a word); a feature registers it in its ``init_app``. The endpoint reports
every check under ``checks`` and says ``degraded`` when one is not ok — the service still
answers (200), but something an operator must fix is wrong (a misconfigured API key, say).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)

Check = Callable[[], dict[str, Any]]


def register(app: Flask, name: str, check: Check) -> None:
    app.extensions.setdefault("health_checks", {})[name] = check


def report(app: Flask | None = None) -> dict[str, dict[str, Any]]:
    """Every registered check's answer; a check that raises reports ``unknown``."""
    app = app or current_app
    out: dict[str, dict[str, Any]] = {}
    for name, check in app.extensions.get("health_checks", {}).items():
        try:
            out[name] = check()
        except Exception as err:  # noqa: BLE001 - health must answer whatever breaks
            log.warning("health check %s failed: %s", name, err)
            out[name] = {"ok": False, "status": "unknown", "error": type(err).__name__}
    return out
