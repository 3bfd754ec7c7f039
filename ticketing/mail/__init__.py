"""E-mail: tickets in by mail (IMAP polling, a webhook), replies out (an outbox sent by a job).

Subscribes to the ticket and reply events: a new ticket, a public reply and a resolution write
an outbox row in the saving transaction (``outbox``); the row is sent after the commit. See
docs/mail.md.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import cli, events, upkeep
    from ..core.extensions import db
    from . import imap, inbound, outbox, status_page
    from .cli import COMMANDS
    from .routes import blp

    events.ticket_saving.connect(outbox.on_ticket_saving, weak=False)
    outbox.register(db.session)
    events.reply_saving.connect(outbox.on_reply_saving, weak=False)
    events.ticket_saved.connect(outbox.on_saved, weak=False)
    events.reply_saved.connect(outbox.on_saved, weak=False)
    events.notification_saving.connect(outbox.on_notification_saving, weak=False)
    events.notification_saved.connect(outbox.on_saved, weak=False)
    events.password_reset_requested.connect(outbox.on_password_reset_requested, weak=False)
    events.password_reset_mailed.connect(outbox.on_password_reset_mailed, weak=False)
    upkeep.register(app, "mail_outbox", outbox.deliver_due)
    upkeep.register(app, "mail_inbound", inbound.process_pending)
    upkeep.register(app, "mail_imap", imap.start_polling)
    api.register_blueprint(blp)
    app.register_blueprint(status_page.page)
    cli.add_commands(app, COMMANDS)
