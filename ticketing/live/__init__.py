"""Live updates without a worker per open page: a change feed read from the audit trail by
cursor (``GET /api/changes?after=…``, one primary-key range scan) and presence ("Ana is
replying") kept a few seconds in the key-value store. The page polls the feed."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from .routes import blp

    api.register_blueprint(blp)
