"""Tickets: CRUD, the list with filters and search, replies, public intake, seed and import.

Every other feature builds on this package's services and schemas. Saving a ticket or a reply
sends the ``core.events`` signals other features subscribe to.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import cli, events, upkeep
    from ..models import Reply, Ticket
    from . import cli as commands
    from . import concurrency, idempotency, ivf, rollups, vector_drain, vectors
    from .intake import blp as intake_blp
    from .routes import blp

    events.track(Ticket, "ticket", events.ticket_saving, events.ticket_saved)
    events.track(Reply, "reply", events.reply_saving, events.reply_saved, "ticket_id")
    events.ticket_saving.connect(concurrency.bump_version, weak=False)
    events.ticket_saving.connect(vectors.on_ticket_saving, weak=False)
    # After core.events' hooks (registered with the extensions): a ticket_saving receiver's
    # changes are counted too.
    rollups.register()
    upkeep.register(app, "ticket_rollups", rollups.prune)
    upkeep.register(app, "idempotency_keys", idempotency.purge_expired)
    upkeep.register(app, "vectors_missing", vector_drain.ring_if_missing)
    upkeep.register(app, "vector_index", ivf.upkeep)
    idempotency.init_app(app)
    api.register_blueprint(blp)
    api.register_blueprint(intake_blp)
    cli.add_commands(app, commands.COMMANDS)
