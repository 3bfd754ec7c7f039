"""The circuit breaker around Claude and the bound on live calls, against the fake
Messages API: a Claude that keeps failing or hanging stops costing every ticket its
timeouts and retries, and a web thread never waits for a Claude slot."""

from __future__ import annotations

import threading
import time

import pytest

from ticketing.classification.claude import BREAKER_OPEN
from ticketing.classification.services import BUSY
from ticketing.core import breaker

from .fake_anthropic import error, hang, tool

BODY = {"subject": "Charged twice", "body": "I was charged twice on my invoice, refund please."}


@pytest.fixture
def config_overrides(claude_settings):
    return {
        **claude_settings,
        "CLAUDE_BREAKER_FAILURES": 3,
        "CLAUDE_BREAKER_COOLDOWN": 60.0,
        "AUTO_CLASSIFY": True,
    }


def create(client, n: int) -> dict:
    response = client.post("/api/tickets", json={**BODY, "subject": f"Charged twice {n}"})
    assert response.status_code == 201
    return client.get(f"/api/tickets/{response.get_json()['id']}").get_json()


def test_consecutive_failures_open_the_breaker_and_triage_skips_claude(client, fake_api, app):
    fake_api.answer(error(500, "api_error"))
    # Three attempts per ticket (CLASSIFY_MAX_RETRIES 2): the first ticket's three failures
    # open the breaker.
    first = create(client, 1)
    assert first["triage_status"] == "done" and fake_api.count == 3
    health = client.get("/api/health").get_json()
    assert health["status"] == "degraded"
    claude = health["checks"]["claude"]
    assert claude["status"] == "circuit_open" and claude["breaker"]["state"] == "open"
    assert claude["breaker"]["failures"] == 3 and "HTTP 500" in claude["breaker"]["last_error"]
    card = client.get("/api/classification/claude").get_json()
    assert card["status"] == "circuit_open" and card["breaker"]["state"] == "open"

    started = time.monotonic()
    tickets = [create(client, n) for n in range(2, 7)]
    elapsed = time.monotonic() - started
    assert fake_api.count == 3  # not one more call while open
    for ticket in tickets:
        assert ticket["triage_status"] == "done" and ticket["category"] == "billing"
    runs = client.get(f"/api/tickets/{tickets[0]['id']}/classifications").get_json()["items"]
    assert runs[0]["source"] == "fallback" and runs[0]["error"].startswith(BREAKER_OPEN)
    assert elapsed < 10  # no timeouts, no backoff

    suggestion = client.post("/api/classify", json=BODY).get_json()
    assert suggestion["source"] == "fallback" and suggestion["error"].startswith(BREAKER_OPEN)
    assert fake_api.count == 3


def test_after_the_cool_down_one_probe_closes_it_again(client, fake_api, app):
    fake_api.answer(error(503, "overloaded_error"))
    create(client, 1)
    assert client.get("/api/health").get_json()["checks"]["claude"]["status"] == "circuit_open"
    # The cool-down ends (its key expires in the shared store): half-open.
    with app.app_context():
        from ticketing.core import kv

        kv.store().delete(breaker.OPEN_KEY)
        assert breaker.state()["state"] == "half_open"
        probe = breaker.Breaker.from_app()
        assert probe.allow() is True  # this caller takes the probe...
        assert probe.allow() is False  # ...and every other waits for its outcome
        kv.store().delete(breaker.PROBE_KEY)
    fake_api.answer(tool())
    ticket = create(client, 2)
    assert ticket["category"] == "billing" and fake_api.count == 4
    with app.app_context():
        assert breaker.state()["state"] == "closed" and breaker.state()["failures"] == 0
    assert client.get("/api/health").get_json()["checks"]["claude"]["status"] == "ok"


def test_a_failed_probe_opens_it_for_another_cool_down(client, fake_api, app):
    fake_api.answer(error(500, "api_error"))
    create(client, 1)
    with app.app_context():
        from ticketing.core import kv

        kv.store().delete(breaker.OPEN_KEY)
    create(client, 2)
    assert fake_api.count == 4  # the probe, and no retry after it failed
    with app.app_context():
        assert breaker.state()["state"] == "open"


def test_a_hanging_claude_costs_two_timeouts_in_all_not_four_per_ticket(client, fake_api, app):
    app.config.update(CLAUDE_BREAKER_FAILURES=2, CLASSIFY_TIMEOUT=0.3, CLASSIFY_MAX_RETRIES=3)
    fake_api.answer(hang(30))
    started = time.monotonic()
    tickets = [create(client, n) for n in range(5)]
    elapsed = time.monotonic() - started
    assert fake_api.count == 2
    assert all(t["triage_status"] == "done" for t in tickets)
    assert elapsed < 8, elapsed  # without the breaker: 5 tickets x 4 timeouts + backoff


def test_live_suggestions_never_wait_for_a_claude_slot(client, fake_api, app):
    app.config["CLAUDE_LIVE_CONCURRENCY"] = 1
    app.config["CLASSIFY_SUGGEST_TIMEOUT"] = 20.0
    app.config["CLAUDE_BREAKER_FAILURES"] = 0
    fake_api.answer(hang(10), tool())
    first: dict = {}
    auth = {"Authorization": client.environ_base["HTTP_AUTHORIZATION"]}

    def slow() -> None:
        first["answer"] = app.test_client().post("/api/classify", json=BODY, headers=auth)

    holder = threading.Thread(target=slow)
    holder.start()
    deadline = time.monotonic() + 10
    while fake_api.count < 1:  # the first suggestion holds the only slot
        assert time.monotonic() < deadline
        time.sleep(0.02)
    started = time.monotonic()
    busy = client.post("/api/classify", json=BODY)
    waited = time.monotonic() - started
    assert busy.status_code == 200
    answer = busy.get_json()
    assert answer["source"] == "fallback" and answer["error"] == BUSY
    assert answer["category"] == "billing"
    # Answered while the slot is still held (the first call hangs 10 s), Claude not asked.
    assert holder.is_alive() and fake_api.count == 1
    assert waited < 8
    holder.join(timeout=30)
    assert first["answer"].status_code == 200  # the hanging call ended (then the fallback)
    # The slot is free again once the first call is over.
    again = client.post("/api/classify", json=BODY).get_json()
    assert again["source"] == "claude" and fake_api.count == 2
