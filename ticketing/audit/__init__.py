"""The audit trail: every change to a ticket, recorded by one session hook (recorder.py)
and served at ``GET /api/tickets/<id>/events``."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    """Turn the recorder on for this process; ``AUDIT_ENABLED`` switches it per app."""
    from .recorder import register
    from .routes import blp

    register()
    api.register_blueprint(blp)
