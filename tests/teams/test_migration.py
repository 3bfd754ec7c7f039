"""The teams migration rebuilds ``tickets`` (and ``users`` on the way down) on SQLite: nothing
that references them may cascade away, on either engine."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import MIGRATIONS
from ticketing.core.extensions import db

BEFORE = "e5f7a9b1c3d5"


def counts(conn) -> dict[str, int]:
    tables = ("tickets", "replies", "ticket_tags", "users", "api_tokens")
    return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}


def test_upgrade_and_downgrade_keep_replies_tags_and_tokens(app, client, make_ticket):
    ticket = make_ticket(tags=["vip"])
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Hello"})
    with app.app_context():
        with db.engine.connect() as conn:
            before = counts(conn)
        assert before["replies"] == 1 and before["ticket_tags"] == 1 and before["api_tokens"] >= 1
        downgrade(directory=MIGRATIONS, revision=BEFORE)
        with db.engine.connect() as conn:
            assert counts(conn) == before
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            assert counts(conn) == before
    assert client.get(f"/api/tickets/{ticket['id']}").get_json()["version"] >= 1
    assert client.get("/api/tickets?q=printer").get_json()["meta"]["total"] == 1
