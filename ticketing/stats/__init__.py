"""Ticket statistics and triage metrics: aggregate queries only."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import cli
    from . import cli as commands
    from .routes import blp

    api.register_blueprint(blp)
    cli.add_commands(app, commands.COMMANDS)
