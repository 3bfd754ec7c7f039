"""A small shared key-value store on Redis (``REDIS_URL``), for state that is not work.

Short-lived flags live here (a circuit breaker's state, a lock), separate from the job queue's
connection: neither depends on the other's internals. Nothing security depends on lives here
(sessions and sign-in limits are in the database), so an outage cannot open anything. In
embedded mode (no ``REDIS_URL``) it is an in-process fakeredis server.
"""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis


def connect(app: Flask) -> Redis:
    url = app.config.get("REDIS_URL")
    if url:
        return Redis.from_url(url, **app.config["REDIS_OPTIONS"])
    import fakeredis  # embedded mode only

    return fakeredis.FakeRedis()


def init_app(app: Flask) -> None:
    app.extensions["kv"] = connect(app)


def store() -> Redis:
    return current_app.extensions["kv"]
