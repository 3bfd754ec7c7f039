"""Triage: Claude with a local fallback, queued and live.

Subscribes to "ticket saved": a new ticket, or an edit of its text, is marked for triage in
the saving transaction and a bell rings after the commit (``jobs.on_ticket_saving/_saved``);
workers claim the marked rows in batches (``claims``).
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import cli, events, health, upkeep, warmup
    from . import batches, jobs, learning, services, status
    from . import cli as commands
    from .routes import blp

    events.ticket_saving.connect(jobs.on_ticket_saving, weak=False)
    events.ticket_saved.connect(jobs.on_ticket_saved, weak=False)
    upkeep.register(app, "triage_waiting", jobs.recover_stalled_triage)
    upkeep.register_poll(app, jobs.QUEUE, jobs.ring_if_pending)
    upkeep.register(app, "triage_after_fault", jobs.retriage_after_fault)
    upkeep.register(app, "triage_batches", batches.upkeep)
    upkeep.register(app, "languages_detected", services.fill_missing_languages)
    upkeep.register(app, "learner_trained", learning.train_all)
    health.register(app, "claude", status.health_check)
    health.register(app, "learner", learning.health_check)
    warmup.register(app, "classifier", services.warm_up)
    warmup.register(app, "embeddings", services.warm_up_embeddings, after_fork=True)
    api.register_blueprint(blp)
    cli.add_commands(app, commands.COMMANDS)
