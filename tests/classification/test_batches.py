"""Bulk triage through the Message Batches API, via the real SDK against the fake server:
submit (CLI, import), poll, apply results idempotently, fall back per ticket when a request
errors, expires or is missing, and queue one by one when the API refuses the batch."""

from __future__ import annotations

import csv

import pytest

from ticketing.classification import batches
from ticketing.core.extensions import db
from ticketing.models import Classification, TriageBatch

from .fake_anthropic import error, expired, missing, text, tool


@pytest.fixture
def config_overrides(claude_settings):
    return claude_settings


def tickets(make_ticket, n: int) -> list[dict]:
    return [
        make_ticket(subject=f"Charged twice #{i}", body=f"Refund one of the two charges, ref {i}.")
        for i in range(n)
    ]


def get(client, ticket_id: int) -> dict:
    return client.get(f"/api/tickets/{ticket_id}").get_json()


def runs(app) -> int:
    with app.app_context():
        return db.session.query(Classification).count()


def test_classify_all_batch_submits_one_batch_and_applies_every_result_at_half_price(
    app, client, runner, make_ticket, fake_api
):
    made = tickets(make_ticket, 3)
    result = runner.invoke(args=["tickets", "classify", "--all", "--batch"])
    assert result.exit_code == 0, result.output
    assert "Submitted batch #1 (msgbatch_fake" in result.output

    created = [r for r in fake_api.requests if r.path == "/v1/messages/batches"]
    assert len(created) == 1 and fake_api.count == 0  # no live Messages call
    requests = created[0].body["requests"]
    assert [r["custom_id"] for r in requests] == [f"batch-1-{t['id']}" for t in made]
    assert all(r["params"]["tools"][0]["strict"] for r in requests)

    for ticket in made:  # the poll job ran (embedded mode) and the batch had ended
        stored = get(client, ticket["id"])
        assert stored["category_source"] == "claude" and stored["triage_status"] == "done"
        run = client.get(f"/api/tickets/{ticket['id']}/classifications").get_json()["items"][0]
        assert run["job_id"] == f"batch-1-{ticket['id']}" and run["batch_id"] == 1
        assert run["cost_usd"] == pytest.approx((321 * 1 + 54 * 5) / 1_000_000 / 2)
    listed = client.get("/api/classification/batches").get_json()
    assert listed["items"][0]["status"] == "applied" and listed["items"][0]["applied"] == 3

    # Applying again changes nothing (the results are keyed by custom_id).
    before = runs(app)
    with app.app_context():
        batch = db.session.get(TriageBatch, 1)
        batch.status = "in_progress"
        db.session.commit()
        report = batches.poll_batch(1)
    assert report["applied"] == 0 and runs(app) == before


def test_a_batch_still_processing_is_applied_by_a_later_poll(
    app, client, runner, make_ticket, fake_api
):
    fake_api.batch_polls_to_end = 1
    (ticket,) = tickets(make_ticket, 1)
    runner.invoke(args=["tickets", "classify", "--id", str(ticket["id"]), "--batch"])
    assert get(client, ticket["id"])["triage_status"] == "queued"
    item = client.get("/api/classification/batches/1").get_json()
    assert item["status"] == "in_progress" and item["polled_at"]

    # Workers never claim a ticket the batch poller answers for (nothing is claimable).
    with app.app_context():
        from ticketing.classification.jobs import recover_stalled_triage

        assert recover_stalled_triage() == 0
    out = runner.invoke(args=["tickets", "batches", "--poll"])
    assert "Polled 1 open batch(es)" in out.output and "applied" in out.output
    assert get(client, ticket["id"])["category_source"] == "claude"


def test_errored_expired_missing_and_unusable_results_get_the_fallback_with_the_reason(
    client, runner, make_ticket, fake_api
):
    made = tickets(make_ticket, 5)
    fake_api.answer(tool(), error(500, "api_error"), expired(), missing(), text("no tool"))
    runner.invoke(args=["tickets", "classify", "--all", "--batch"])
    stored = [get(client, t["id"]) for t in made]
    assert stored[0]["category_source"] == "claude" and stored[0]["triage_error"] is None
    reasons = [s["triage_error"] for s in stored[1:]]
    assert reasons[0].startswith("batch request errored: fake batch error")
    assert reasons[1] == "batch request expired"
    assert reasons[2] == "batch request missing from the results"
    assert reasons[3].startswith("unusable answer: no record_triage tool call")
    assert all(
        s["category_source"] == "fallback" and s["triage_status"] == "done" for s in stored[1:]
    )


def test_a_refused_batch_queues_its_tickets_one_by_one(
    client, runner, make_ticket, fake_api, anon_client
):
    made = tickets(make_ticket, 2)
    fake_api.answer(tool())
    # The fake refuses a batch whose custom_ids repeat; make it refuse with a fault instead.
    original = fake_api.create_batch

    def refuse(handler, body):
        fake_api.send_json(
            handler,
            401,
            {
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            },
        )

    fake_api.create_batch = refuse
    result = runner.invoke(args=["tickets", "classify", "--all", "--batch"])
    fake_api.create_batch = original
    assert "refused (AuthenticationError (HTTP 401)" in result.output
    assert "queued one by one" in result.output
    assert fake_api.count == 2  # then each ticket went through a live call
    assert all(get(client, t["id"])["category_source"] == "claude" for t in made)
    assert client.get("/api/classification/batches/1").get_json()["status"] == "failed"


def test_without_a_key_batch_is_a_clear_error(app, runner, make_ticket):
    app.config["ANTHROPIC_API_KEY"] = None
    tickets(make_ticket, 1)
    result = runner.invoke(args=["tickets", "classify", "--all", "--batch"])
    assert result.exit_code == 1 and "needs ANTHROPIC_API_KEY" in result.output


def test_an_import_can_triage_through_a_batch(app, client, runner, fake_api, tmp_path):
    app.config["AUTO_CLASSIFY"] = True
    path = tmp_path / "in.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["subject", "body"])
        for i in range(3):
            writer.writerow([f"Invoice {i} wrong", "The amount on my invoice is wrong."])
    result = runner.invoke(args=["tickets", "import", str(path), "--batch-triage"])
    assert result.exit_code == 0, result.output
    created = [r for r in fake_api.requests if r.path == "/v1/messages/batches"]
    assert len(created) == 1 and len(created[0].body["requests"]) == 3
    assert fake_api.count == 0
    items = client.get("/api/tickets").get_json()["items"]
    assert {t["category_source"] for t in items} == {"claude"}


def test_batch_api_404_and_openapi(client):
    assert client.get("/api/classification/batches/99").status_code == 404
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/classification/batches" in paths and "/api/classification/claude" in paths
