"""The triage API with the local fallback: auto-triage, manual stickiness, re-triage rules,
de-duplicated jobs, history, metrics, suggestions and validation."""

from __future__ import annotations

import signal

import pytest
from rq import SimpleWorker

from ticketing.classification import services
from ticketing.classification.jobs import run_triage
from ticketing.classification.result import TriageResult
from ticketing.core.context import current_actor
from ticketing.core.extensions import db
from ticketing.models import Ticket


@pytest.fixture
def config_overrides():
    return {"AUTO_CLASSIFY": True}


def run_queued_jobs(state) -> None:
    """Drain the classification queue in this process (rq's SimpleWorker, burst mode),
    restoring the signal handlers the worker installs so the test process keeps its own."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker(
            [state.queues["classification"]],
            connection=state.connection,
            job_class=state.job_class,
        ).work(burst=True)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def history(client, ticket_id: int) -> list[dict]:
    response = client.get(f"/api/tickets/{ticket_id}/classifications")
    assert response.status_code == 200
    return response.get_json()["items"]


def test_a_new_ticket_is_triaged_after_it_is_stored(client, make_ticket):
    created = make_ticket(subject="Cannot log in", body="Password reset link never arrives.")
    # The embedded queue ran the job in-process; the create answer already shows it.
    assert created["triage_status"] == "done"
    assert (created["category"], created["category_source"]) == ("account", "fallback")
    assert created["sentiment"] and created["urgency_score"] is not None
    assert created["suggested_title"] and created["explanation"]
    runs = history(client, created["id"])
    assert len(runs) == 1 and runs[0]["source"] == "fallback" and runs[0]["attempts"] == 1


@pytest.mark.parametrize("config_overrides", [{"AUTO_CLASSIFY": False}])
def test_auto_classify_off_leaves_new_tickets_alone(client, make_ticket):
    created = make_ticket()
    assert created["triage_status"] is None and created["category"] is None
    assert history(client, created["id"]) == []


def test_a_category_given_at_create_is_manual_and_survives_triage(client, make_ticket):
    created = make_ticket(
        subject="Refund please",
        body="I was charged twice for my subscription, refund one charge.",
        category="technical",
    )
    assert (created["category"], created["category_source"]) == ("technical", "manual")
    assert created["priority_source"] == "fallback"  # not chosen: triage sets it
    job = client.post(f"/api/tickets/{created['id']}/classify").get_json()
    assert job["result"]["category"] == "billing"  # triage disagrees ...
    ticket = client.get(f"/api/tickets/{created['id']}").get_json()
    assert (ticket["category"], ticket["category_source"]) == ("technical", "manual")  # ... kept
    assert ticket["classified_at"] >= created["classified_at"]


def test_a_patched_category_and_priority_stick_through_retriage(client, make_ticket):
    created = make_ticket(subject="Site down", body="Production is down for all our users!")
    assert created["category_source"] == "fallback"
    patched = client.patch(
        f"/api/tickets/{created['id']}", json={"category": "general", "priority": "low"}
    ).get_json()
    assert (patched["category_source"], patched["priority_source"]) == ("manual", "manual")
    # Editing the body re-triages: sentiment etc. refresh, the manual choices stay.
    edited = client.patch(
        f"/api/tickets/{created['id']}",
        json={"body": "Production is down for everyone and I am furious, this is unacceptable!"},
    ).get_json()
    assert len(history(client, created["id"])) == 2
    assert (edited["category"], edited["priority"]) == ("general", "low")
    assert (edited["category_source"], edited["priority_source"]) == ("manual", "manual")
    assert edited["sentiment"] == "angry"
    assert edited["classified_at"] > created["classified_at"]


def test_editing_subject_or_body_retriages_a_status_change_does_not(client, make_ticket):
    created = make_ticket(subject="Question", body="How do I export my data to CSV?")
    tid = created["id"]
    assert len(history(client, tid)) == 1
    client.patch(f"/api/tickets/{tid}", json={"status": "in_progress"})
    client.patch(f"/api/tickets/{tid}", json={"tags": ["vip"], "note": "called them"})
    assert len(history(client, tid)) == 1
    client.patch(f"/api/tickets/{tid}", json={"subject": "Cannot pay my invoice"})
    assert len(history(client, tid)) == 2
    client.patch(f"/api/tickets/{tid}", json={"body": "The payment page errors with 500."})
    assert len(history(client, tid)) == 3
    client.patch(f"/api/tickets/{tid}", json={"body": "The payment page errors with 500."})
    assert len(history(client, tid)) == 3  # the same text again is not a change


def test_triage_acts_as_triage_via_job(app, client, make_ticket):
    seen = []

    def spy(subject: str, body: str) -> TriageResult:
        seen.append(current_actor())
        from ticketing.classification.fallback import classify

        return classify(subject, body)

    services.set_classifier(app, spy)
    make_ticket()
    assert [(a.type, a.via) for a in seen] == [("triage", "job")]


def test_a_classifier_that_raises_still_leaves_a_result(app, client, make_ticket):
    def broken(subject: str, body: str) -> TriageResult:
        raise RuntimeError("boom")

    services.set_classifier(app, broken)
    ticket = make_ticket(subject="Invoice wrong", body="The invoice total is wrong.")
    assert ticket["triage_status"] == "done" and ticket["category"] == "billing"
    assert "RuntimeError: boom" in ticket["triage_error"]


@pytest.mark.parametrize("config_overrides", [{"AUTO_CLASSIFY": False, "JOBS_ASYNC": True}])
def test_repeated_classify_returns_the_same_job_until_it_has_run(app, client, make_ticket):
    tid = make_ticket()["id"]
    first = client.post(f"/api/tickets/{tid}/classify")
    second = client.post(f"/api/tickets/{tid}/classify")
    assert first.status_code == second.status_code == 202
    job = first.get_json()
    assert job["status"] == "queued" and job["ticket_id"] == tid
    assert second.get_json()["id"] == job["id"]
    assert first.headers["Location"] == job["status_url"] == f"/api/jobs/{job['id']}"
    assert client.get(f"/api/tickets/{tid}").get_json()["triage_status"] == "queued"
    assert client.get(job["status_url"]).get_json()["status"] == "queued"

    state = app.extensions["jobs"]
    assert state.queues["classification"].count == 1
    run_queued_jobs(state)

    done = client.get(job["status_url"]).get_json()
    assert done["status"] == "done" and done["result"]["ticket_id"] == tid
    assert client.get(f"/api/tickets/{tid}").get_json()["triage_status"] == "done"
    assert len(history(client, tid)) == 1
    third = client.post(f"/api/tickets/{tid}/classify").get_json()
    assert third["id"] != job["id"] and third["status"] == "queued"


@pytest.mark.parametrize("config_overrides", [{"AUTO_CLASSIFY": True, "JOBS_ASYNC": True}])
def test_a_job_run_twice_stores_one_result(app, client, make_ticket):
    ticket = make_ticket()
    assert ticket["triage_status"] == "queued"
    with app.app_context():
        job_id = db.session.get(Ticket, ticket["id"]).triage_job_id
        first = run_triage(ticket["id"], job_id)
        second = run_triage(ticket["id"], job_id)
    assert first == second
    assert len(history(client, ticket["id"])) == 1


def test_job_resource_for_unknown_job_and_ticket_is_404(client):
    response = client.get("/api/jobs/triage-999-nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    for url in ("/api/tickets/999/classify", "/api/tickets/999/classifications"):
        response = client.post(url) if url.endswith("classify") else client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["message"] == "Ticket 999 not found."


def test_history_is_newest_first_and_paginated(client, make_ticket):
    tid = make_ticket()["id"]
    for _ in range(3):
        client.post(f"/api/tickets/{tid}/classify")
    page = client.get(f"/api/tickets/{tid}/classifications?per_page=2&page=1").get_json()
    assert page["meta"] == {"page": 1, "per_page": 2, "total": 4, "pages": 2, "total_exact": True}
    ids = [r["id"] for r in page["items"]]
    assert ids == sorted(ids, reverse=True)
    rest = client.get(f"/api/tickets/{tid}/classifications?per_page=2&page=2").get_json()
    assert len(rest["items"]) == 2 and rest["items"][0]["id"] < ids[-1]


def test_metrics_count_sources_and_agreement(client, make_ticket):
    a = make_ticket(subject="Refund", body="Please refund my double charge.")
    make_ticket(subject="App crashes", body="The app crashes on start.", category="billing")
    client.patch(f"/api/tickets/{a['id']}", json={"category": "general"})
    metrics = client.get("/api/classification/metrics").get_json()
    assert metrics["by_source"]["manual"] == 2
    assert metrics["runs"]["fallback"] == 2 and metrics["runs"]["total"] == 2
    assert metrics["agreement"]["category"] == {"rate": 0.0, "agreed": 0, "compared": 2}
    assert metrics["agreement"]["priority"]["rate"] == 1.0
    filtered = client.get("/api/classification/metrics?category=general").get_json()
    assert filtered["runs"]["total"] == 1
    bad = client.get("/api/classification/metrics?category=nope")
    assert bad.status_code == 422 and "category" in bad.get_json()["error"]["fields"]


def test_suggest_answers_with_the_fallback_and_says_so(client):
    response = client.post(
        "/api/classify",
        json={"subject": "Charged twice", "body": "I was charged twice, I need a refund now!"},
    )
    assert response.status_code == 200
    suggestion = response.get_json()
    assert suggestion["source"] == "fallback" and suggestion["category"] == "billing"
    assert suggestion["suggested_title"] and 0 <= suggestion["confidence"] <= 1
    assert suggestion["error"] is None
    no_subject = client.post("/api/classify", json={"body": "My login code never arrives"})
    assert no_subject.get_json()["category"] == "account"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": "   "}, "body"),
        ({"body": ""}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": 5}, "body"),
        ({"body": "fine", "subject": "s" * 201}, "subject"),
        ({"body": "fine", "colour": "red"}, "colour"),
    ],
)
def test_suggest_refuses_invalid_input_with_422(client, payload, field):
    response = client.post("/api/classify", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_suggest_malformed_json_is_400(client):
    response = client.post("/api/classify", data="{", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_openapi_documents_the_triage_routes(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/tickets/{ticket_id}/classify",
        "/api/jobs/{job_id}",
        "/api/classify",
        "/api/tickets/{ticket_id}/classifications",
        "/api/classification/metrics",
    ):
        assert path in paths, path
    assert "202" in paths["/api/tickets/{ticket_id}/classify"]["post"]["responses"]


def test_a_queue_outage_never_fails_the_save_and_the_ticket_waits_queued(
    app, client, make_ticket, monkeypatch
):
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import Queue

    from ticketing.classification.jobs import recover_stalled_triage

    earlier = make_ticket()  # triaged before the outage

    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(Queue, "enqueue", down)
    created = client.post("/api/tickets", json={"subject": "Hello", "body": "Invoice question"})
    assert created.status_code == 201
    ticket = created.get_json()
    # The row is the record of the work: it waits, queued, for the bell that did not ring.
    assert ticket["triage_status"] == "queued" and ticket["triage_error"] is None
    # Asking again finds the job already recorded: nothing new to queue.
    again = client.post(f"/api/tickets/{ticket['id']}/classify")
    assert again.status_code == 202 and again.get_json()["status"] == "queued"

    # New work that needs the bell: 503, and the row still records it.
    response = client.post(f"/api/tickets/{earlier['id']}/classify")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "queue_unavailable"
    assert client.get(f"/api/tickets/{earlier['id']}").get_json()["triage_status"] == "queued"

    monkeypatch.undo()
    with app.app_context():  # a worker's poll finds the waiting tickets and rings the bell
        assert recover_stalled_triage() == 2
    for tid in (ticket["id"], earlier["id"]):
        assert client.get(f"/api/tickets/{tid}").get_json()["triage_status"] == "done"


@pytest.mark.parametrize("job_id", ["nope", "¸jó¡\x85=", "x" * 65, "..%2F..%2Fetc"])
def test_an_unknown_or_malformed_job_id_is_404(client, job_id):
    response = client.get(f"/api/jobs/{job_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
