"""What SQL a request sends, seen from the engine."""

from __future__ import annotations

from sqlalchemy import event

from ticketing.core.extensions import db


def statements_until_commit(app, client, body: dict) -> list[str]:
    """The SQL a ``POST /api/tickets`` sends up to its COMMIT, lower-cased, one line each."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    committed: list[int] = []

    def spy(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.lower().split()))

    def on_commit(_conn):
        committed.append(len(seen))

    event.listen(engine, "before_cursor_execute", spy)
    event.listen(engine, "commit", on_commit)
    try:
        answer = client.post("/api/tickets", json=body)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
        event.remove(engine, "commit", on_commit)
    assert answer.status_code == 201, answer.get_json()
    assert committed, "the create committed"
    return seen[: committed[0]]
