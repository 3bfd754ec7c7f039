"""CSV exports of ticket lists, written by a job."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import cli, upkeep
    from . import cli as commands
    from . import jobs, services, stores
    from .routes import blp

    stores.init_app(app)
    upkeep.register(app, "exports", services.run_upkeep)
    # Exports waiting without a live claim are rung on every poll of a worker serving the
    # exports queue, and by the upkeep (in-process mode: run at once).
    upkeep.register(app, "exports_waiting", jobs.ring_waiting_exports)
    upkeep.register_poll(app, jobs.QUEUE, jobs.ring_waiting_exports)
    api.register_blueprint(blp)
    cli.add_commands(app, commands.COMMANDS)
