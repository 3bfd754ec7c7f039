"""The web page: one template and a small vanilla-JS app that drives the JSON API."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from .routes import blp

    app.register_blueprint(blp)
