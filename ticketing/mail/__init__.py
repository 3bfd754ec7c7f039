"""E-mail: tickets in by mail (IMAP polling, a webhook), replies out (an outbox sent by a job).

Subscribes to the ticket and reply events: a new ticket, a public reply and a resolution write
an outbox row in the saving transaction (``outbox``); the row is sent after the commit. See
docs/mail.md.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import events, upkeep
    from . import inbound, outbox
    from .routes import blp

    events.ticket_saving.connect(outbox.on_ticket_saving, weak=False)
    events.reply_saving.connect(outbox.on_reply_saving, weak=False)
    events.ticket_saved.connect(outbox.on_saved, weak=False)
    events.reply_saved.connect(outbox.on_saved, weak=False)
    upkeep.register(app, "mail_outbox", outbox.deliver_due)
    upkeep.register(app, "mail_inbound", inbound.process_pending)
    api.register_blueprint(blp)
