"""Notifications: what a person should know about their tickets (SLA warnings, breaches,
escalations), listed in the page's bell until read. Other features write ``Notification`` rows
in their own transactions; this package tracks them (``events.notification_saving`` / ``_saved``,
so the mail feature can mail them) and serves each person their own."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import events
    from ..models import Notification
    from .routes import blp

    events.track(
        Notification, "notification", events.notification_saving, events.notification_saved
    )
    api.register_blueprint(blp)
