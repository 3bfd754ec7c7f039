"""SQLite connection settings: foreign keys on (for cascades), WAL for concurrent readers, and
writers that wait up to 15 s for the write lock (a burst of sign-ins queues, never fails)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from .extensions import db


def register_sqlite_pragmas(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
