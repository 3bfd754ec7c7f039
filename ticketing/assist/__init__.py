"""Answer faster: similar tickets (with the replies that resolved them) and duplicate flags.

Subscribes to "ticket saving": a new ticket near-identical to an open one from the same
requester is flagged in the same transaction (``duplicates.on_ticket_saving``).
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import events
    from . import duplicates
    from .routes import blp

    events.ticket_saving.connect(duplicates.on_ticket_saving, weak=False)
    api.register_blueprint(blp)
