"""Idempotency-Key on the creating POSTs: a retry (same key, same request) gets the first
answer back and creates nothing; the same key with another request is a 422."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ticketing.core.extensions import db
from ticketing.models import Export, IdempotencyKey, Reply, Ticket, utcnow

TICKET = {"subject": "Printer on fire", "body": "It is on fire. Please help."}


def count(app, model) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return n


def test_a_retried_create_replays_the_first_answer_and_creates_nothing(app, client):
    first = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(app, Ticket) == 1
    # The same JSON written differently is the same request.
    spaced = client.post(
        "/api/tickets",
        data='{ "body": "It is on fire. Please help.",  "subject": "Printer on fire" }',
        content_type="application/json",
        headers={"Idempotency-Key": "k-1"},
    )
    assert spaced.status_code == 201 and spaced.get_json()["id"] == first.get_json()["id"]
    # Without a key, or with another key, a POST creates as always.
    assert client.post("/api/tickets", json=TICKET).status_code == 201
    other_key = {"Idempotency-Key": "k-2"}
    assert client.post("/api/tickets", json=TICKET, headers=other_key).status_code == 201
    assert count(app, Ticket) == 3


def test_the_same_key_with_another_request_is_a_422(app, client):
    client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "k-1"})
    other = client.post(
        "/api/tickets", json={**TICKET, "subject": "Other"}, headers={"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 422
    error = other.get_json()["error"]
    assert error["code"] == "validation_error" and "Idempotency-Key" in error["fields"]
    # Another endpoint with the same key is another request too.
    ticket_id = client.get("/api/tickets").get_json()["items"][0]["id"]
    url = f"/api/tickets/{ticket_id}/replies"
    reply = client.post(url, json={"body": "On it"}, headers={"Idempotency-Key": "k-1"})
    assert reply.status_code == 422
    assert count(app, Ticket) == 1 and count(app, Reply) == 0


def test_keys_belong_to_their_caller(app, client, agent_client):
    mine = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "shared"})
    theirs = agent_client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "shared"})
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers


@pytest.mark.parametrize("key", ["", "with space", "x" * 256, "caf\u00e9"])
def test_a_malformed_key_is_a_400_in_the_error_envelope(app, client, key):
    response = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_idempotency_key"
    assert count(app, Ticket) == 0


def test_a_request_that_creates_nothing_binds_no_key(app, client):
    invalid = client.post("/api/tickets", json={"subject": ""}, headers={"Idempotency-Key": "k"})
    assert invalid.status_code == 422
    ok = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "k"})
    assert ok.status_code == 201 and count(app, Ticket) == 1


def test_replies_intake_and_exports_replay(app, client, anon_client):
    ticket = client.post("/api/tickets", json=TICKET).get_json()
    url = f"/api/tickets/{ticket['id']}/replies"
    replies = [
        client.post(url, json={"body": "We are on it"}, headers={"Idempotency-Key": "r"})
        for _ in range(2)
    ]
    assert [r.status_code for r in replies] == [201, 201]
    assert replies[0].get_json() == replies[1].get_json() and count(app, Reply) == 1

    form = {"subject": "Cannot log in", "body": "Reset fails", "email": "a@b.example", "name": "A"}
    intakes = [
        anon_client.post("/api/intake", json=form, headers={"Idempotency-Key": "i"})
        for _ in range(2)
    ]
    assert [r.status_code for r in intakes] == [201, 201]
    assert intakes[0].get_json() == intakes[1].get_json() and count(app, Ticket) == 2

    exports = [
        client.post("/api/exports", json={"status": "open"}, headers={"Idempotency-Key": "e"})
        for _ in range(2)
    ]
    assert [r.status_code for r in exports] == [202, 202]
    assert exports[0].get_json()["id"] == exports[1].get_json()["id"]
    assert exports[1].headers["Location"] == exports[0].headers["Location"]
    assert count(app, Export) == 1


def test_an_expired_key_creates_again(app, client):
    client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "old"})
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
        db.session.remove()
    again = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "old"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert count(app, Ticket) == 2


def test_upkeep_forgets_expired_keys(app, client):
    from ticketing.tickets import idempotency

    client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "a"})
    client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "b"})
    with app.app_context():
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "a")
            .values(created_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
        assert idempotency.purge_expired() == {"deleted": 1}
        assert db.session.scalars(select(IdempotencyKey.key)).all() == ["b"]
        db.session.remove()


def test_a_key_bound_without_an_answer_is_a_409_never_a_second_ticket(app, client):
    # What a crash between the creating commit and the recorded answer leaves behind.
    client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "half"})
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(status_code=None, response_body=None))
        db.session.commit()
        db.session.remove()
    retry = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "half"})
    assert retry.status_code == 409 and retry.get_json()["error"]["code"] == "conflict"
    # The key was stored with where the ticket is: the client can fetch it.
    location = retry.get_json()["error"]["location"]
    assert retry.headers["Location"] == location
    assert client.get(location).get_json()["subject"] == TICKET["subject"]
    assert count(app, Ticket) == 1


def test_the_key_commits_with_the_ticket_or_not_at_all(app, client, monkeypatch):
    """A failed creating commit leaves neither the ticket nor the key: a retry creates it."""
    from ticketing.tickets import services

    real = services.create_ticket

    def broken(*args, **kwargs):
        real(*args, **kwargs)
        db.session.flush()
        raise RuntimeError("the server died before committing")

    monkeypatch.setattr(services, "create_ticket", broken)
    failed = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "k"})
    assert failed.status_code == 500
    monkeypatch.undo()
    assert count(app, IdempotencyKey) == 0 and count(app, Ticket) == 0
    retry = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "k"})
    assert retry.status_code == 201 and count(app, Ticket) == 1


@pytest.mark.parametrize("config_overrides", [{"IDEMPOTENCY_WAIT_SECONDS": 60.0}])
def test_concurrent_requests_with_one_key_create_once_and_all_get_its_answer(app, admin_user):
    """Eight clients send the same keyed request at the same moment (real threads, each with
    its own connection): one ticket, and every client gets the same 201 (the losers wait for
    the winner's answer: generous here, as the winner triages in-process on a busy machine)."""
    from tests.conftest import bearer_client

    n = 8
    barrier = threading.Barrier(n)
    answers: list = [None] * n

    def send(i: int) -> None:
        client = bearer_client(app, admin_user)
        barrier.wait()
        answers[i] = client.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "race"})

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [201] * n, [a.get_json() for a in answers]
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert count(app, Ticket) == 1 and count(app, IdempotencyKey) == 1


def test_a_bound_reply_or_intake_key_without_an_answer_points_at_what_it_created(
    app, client, anon_client
):
    ticket = client.post("/api/tickets", json=TICKET).get_json()
    url = f"/api/tickets/{ticket['id']}/replies"
    first = client.post(url, json={"body": "We are on it"}, headers={"Idempotency-Key": "r"})
    assert first.status_code == 201
    assert client.get(first.headers["Location"]).get_json() == first.get_json()
    form = {"subject": "Cannot log in", "body": "Reset fails", "email": "a@b.example", "name": "A"}
    made = anon_client.post("/api/intake", json=form, headers={"Idempotency-Key": "i"})
    assert made.headers["Location"] == made.get_json()["status_url"]
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(status_code=None, response_body=None))
        db.session.commit()
        db.session.remove()

    retry = client.post(url, json={"body": "We are on it"}, headers={"Idempotency-Key": "r"})
    assert retry.status_code == 409
    assert retry.get_json()["error"]["location"] == first.headers["Location"]
    again = anon_client.post("/api/intake", json=form, headers={"Idempotency-Key": "i"})
    assert again.status_code == 409
    assert again.headers["Location"] == made.get_json()["status_url"]
    assert count(app, Reply) == 1 and count(app, Ticket) == 2


def test_a_reply_is_read_only_through_its_own_ticket(client):
    one = client.post("/api/tickets", json=TICKET).get_json()["id"]
    two = client.post("/api/tickets", json=TICKET).get_json()["id"]
    made = client.post(f"/api/tickets/{one}/replies", json={"body": "Noted", "internal": True})
    reply = made.get_json()["id"]
    assert client.get(f"/api/tickets/{one}/replies/{reply}").get_json()["body"] == "Noted"
    other = client.get(f"/api/tickets/{two}/replies/{reply}")
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/tickets/{one}/replies/999999").status_code == 404
