"""The active policies are kept per process between requests (``core.memo``): a create reads
no policy row, and a change committed anywhere is used by every process's next create."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from tests.conftest import bearer_client, make_config
from tests.sla.conftest import berlin, iso
from ticketing import create_app
from ticketing.core import memo
from ticketing.core.extensions import db
from ticketing.models import SlaPolicy
from ticketing.sla import services


def policy_reads(app, action) -> int:
    """How many statements reading ``sla_policies`` ``action()`` runs."""
    seen: list[str] = []

    def spy(_conn, _cursor, statement, *_args):
        if "FROM sla_policies" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    return len(seen)


def create(client, subject: str) -> int:
    response = client.post("/api/tickets", json={"subject": subject, "body": "Some text."})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def sla_of(client, ticket_id: int) -> dict:
    return client.get(f"/api/tickets/{ticket_id}/sla").get_json()


@pytest.fixture
def other_process(app, admin_user):
    """A second app on the same database and Redis, as another gunicorn worker would be."""
    cfg = make_config(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config.get("REDIS_URL"),
        RATELIMIT_STORAGE_URI=app.config.get("RATELIMIT_STORAGE_URI"),
        EXPORT_DIR=app.config["EXPORT_DIR"],
        MAIL_DIR=app.config["MAIL_DIR"],
    )
    other = create_app(cfg)
    other.extensions["kv"] = app.extensions["kv"]  # the same Redis (embedded: one fakeredis)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_create_reads_no_policy_once_the_process_holds_them(app, client, sla_defaults):
    first = create(client, "One")
    assert policy_reads(app, lambda: create(client, "Two")) == 0
    assert sla_of(client, first)["policy_name"] == "Default"


def test_a_policy_change_in_one_process_is_used_by_the_next_create_in_another(
    app, client, admin_user, clock, other_process
):
    other = bearer_client(other_process, admin_user)
    assert sla_of(other, create(other, "Warm"))["policy_name"] == "Default"
    # The change is committed by the first process (the admin API).
    policies = client.get("/api/sla/policies").get_json()
    default = next(p for p in policies["items"] if p["name"] == "Default")
    changed = client.patch(f"/api/sla/policies/{default['id']}", json={"first_response_minutes": 7})
    assert changed.status_code == 200, changed.get_json()
    due = sla_of(other, create(other, "After"))["first_response"]["due_at"]
    assert due == iso(berlin(2026, 11, 30, 9, 7))


def test_a_transaction_that_changes_a_policy_sees_its_own_change(app_ctx, sla_defaults):
    from ticketing.tickets import services as tickets

    tickets.create_ticket({"subject": "Warm", "body": "Fills the memo."})
    db.session.commit()
    db.session.execute(db.update(SlaPolicy).values(first_response_minutes=11))
    ticket = tickets.create_ticket({"subject": "Same transaction", "body": "Sees it."})
    policy = services.match_policy(ticket.priority, ticket.category)
    assert policy.first_response_minutes == 11
    db.session.rollback()
    # Rolled back: the stored value again (a needless re-read at most, never a stale one).
    assert services.match_policy(None, None).first_response_minutes != 11


def test_a_change_made_outside_the_orm_is_seen_within_the_bound(app_ctx, sla_defaults, monkeypatch):
    assert services.match_policy(None, None) is not None
    db.session.commit()
    db.session.execute(text("UPDATE sla_policies SET active = false"))
    db.session.commit()
    assert services.match_policy(None, None) is not None  # the process's copy, still in bound
    db.session.commit()
    monkeypatch.setattr(memo.memo(services.POLICY_MEMO), "seconds", 0)
    assert services.match_policy(None, None) is None


def test_without_redis_every_create_reads_the_policies(app, client, sla_defaults, monkeypatch):
    from redis.exceptions import ConnectionError as RedisDown

    def down(*_args, **_kwargs):
        raise RedisDown("down")

    monkeypatch.setattr(app.extensions["kv"], "get", down)
    create(client, "One")
    assert policy_reads(app, lambda: create(client, "Two")) == 1


def test_the_snapshots_are_read_only(app_ctx, sla_defaults):
    policy = services.match_policy(None, None)
    with pytest.raises(AttributeError):
        policy.first_response_minutes = 1
    assert policy.calendar.timezone == "Europe/Berlin"
