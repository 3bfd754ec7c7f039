"""Teams and who works the queue: teams with members (admins manage them), agents marking
themselves away, and the routing rules that send triaged tickets to a team and one of its
available members (round-robin or least-open)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import cli
    from . import cli as commands
    from . import routing
    from .routes import agents_blp, blp, rules_blp

    routing.register()
    api.register_blueprint(blp)
    api.register_blueprint(agents_blp)
    api.register_blueprint(rules_blp)
    cli.add_commands(app, commands.COMMANDS)
