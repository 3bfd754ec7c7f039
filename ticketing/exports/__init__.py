"""CSV exports of ticket lists, written by a job."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import cli, upkeep
    from . import cli as commands
    from . import services, stores
    from .routes import blp

    stores.init_app(app)
    upkeep.register(app, "exports", services.run_upkeep)
    api.register_blueprint(blp)
    cli.add_commands(app, commands.COMMANDS)
