"""Accounts: users, roles, API tokens, sign-in, and the authentication of every request."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import cli, upkeep
    from . import auth, services
    from . import cli as commands
    from .routes import auth_blp, users_blp

    auth.init_app(app)
    upkeep.register(app, "sessions", services.prune_sessions)
    api.register_blueprint(auth_blp)
    api.register_blueprint(users_blp)
    cli.add_commands(app, commands.COMMANDS)
