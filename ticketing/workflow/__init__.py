"""How agents work many tickets: macros (a canned reply with placeholders plus field actions,
applied in one click) and saved views (named filter sets with live counts, four built in)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from .routes import macros_blp, views_blp

    api.register_blueprint(macros_blp)
    api.register_blueprint(views_blp)
