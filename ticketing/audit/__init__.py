"""The audit trail of tickets (every change, recorded by one session hook: recorder.py, served
at ``GET /api/tickets/<id>/events``) and the account-and-access log (access.py, fed by the
``access_noted`` event, served to admins at ``GET /api/access-log``)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    """Turn the recorders on for this process; ``AUDIT_ENABLED`` switches the ticket trail
    per app (the access log is always on); the upkeep prunes the access log."""
    from ..core import events, upkeep
    from . import access
    from .recorder import register
    from .routes import access_blp, blp

    register()
    events.access_noted.connect(access.record, app, weak=False)
    upkeep.register(app, "access_log", access.prune)
    api.register_blueprint(blp)
    api.register_blueprint(access_blp)
