"""Who and through what: the actor set at each boundary (HTTP, CLI, jobs) lands on the events."""

from __future__ import annotations

import getpass

import click
import pytest
from rq import SimpleWorker

from ticketing.core import jobs
from ticketing.core.context import Actor, acting_as, current_actor
from ticketing.core.extensions import db
from ticketing.models import TicketEvent
from ticketing.tickets import services

from .helpers import changes, events
from .jobs import close_ticket, triage_like


@pytest.fixture
def cli_command(app):
    """A throwaway ``flask tickets`` subcommand that changes one ticket through the services."""

    @app.cli.commands["tickets"].command("test-audit-reopen")
    @click.argument("ticket_id", type=int)
    def reopen(ticket_id: int) -> None:
        services.update_ticket(services.get_ticket(ticket_id), {"status": "open"})
        db.session.commit()
        click.echo(f"{current_actor().type}/{current_actor().via}")

    return "test-audit-reopen"


def test_a_cli_command_acts_as_system_via_cli(client, runner, make_ticket, cli_command):
    ticket = make_ticket(status="closed")
    result = runner.invoke(args=["tickets", cli_command, str(ticket["id"])])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "system/cli"
    last = events(client, ticket["id"])[-1]
    assert (last["field"], last["old_value"], last["new_value"]) == ("status", "closed", "open")
    assert (last["actor_type"], last["via"], last["request_id"]) == ("system", "cli", None)
    assert last["actor_label"] == getpass.getuser()  # the operator's account names the change
    assert current_actor() == Actor()  # the CLI's actor does not outlive the command


def test_a_job_acts_as_system_via_job(client, make_ticket, app):
    ticket = make_ticket()
    with app.app_context():
        job = jobs.enqueue("default", close_ticket, ticket["id"])
    last = events(client, ticket["id"])[-1]
    assert (last["field"], last["new_value"]) == ("status", "closed")
    assert (last["actor_type"], last["via"]) == ("system", "job")
    assert last["request_id"] == f"job:{job.id}"


def test_triage_changes_appear_under_triage(client, make_ticket, app):
    ticket = make_ticket()
    with app.app_context():
        jobs.enqueue("classification", triage_like, ticket["id"])
    items = events(client, ticket["id"])
    assert changes(items)[1:] == [
        ("updated", "category", None, "billing"),
        ("updated", "category_source", None, "claude"),
        ("updated", "sentiment", None, "angry"),
        ("updated", "urgency_score", None, "87"),
    ]  # triage_status is bookkeeping, not audited
    assert {(e["actor_type"], e["via"], e["actor_label"]) for e in items[1:]} == {
        ("triage", "job", "Claude")
    }


@pytest.mark.parametrize("config_overrides", [{"JOBS_ASYNC": True}], ids=["async"])
def test_a_job_run_by_a_worker_is_recorded_as_job(app, client, make_ticket):
    """Enqueued for real (Redis when TEST_REDIS_URL is set), then served by an RQ worker."""
    ticket = make_ticket()
    state = app.extensions["jobs"]
    with app.app_context():
        job = jobs.enqueue("default", close_ticket, ticket["id"])
    queue = state.queues["default"]
    assert [e["action"] for e in events(client, ticket["id"])] == ["created"]
    worker = SimpleWorker([queue], connection=state.connection, job_class=state.job_class)
    assert worker.work(burst=True)
    last = events(client, ticket["id"])[-1]
    assert (last["new_value"], last["actor_type"], last["via"]) == ("closed", "system", "job")
    assert last["request_id"] == f"job:{job.id}"


def test_the_request_actor_is_recorded_and_does_not_outlive_the_request(
    request_actor, client, make_ticket
):
    ticket = make_ticket()
    request_actor.actor = Actor(type="user", via="api", id=7, label="bo@example.com")
    client.patch(f"/api/tickets/{ticket['id']}", json={"priority": "high"})
    last = events(client, ticket["id"])[-2]  # the priority, then its source
    assert (last["field"], last["actor_type"], last["actor_id"], last["actor_label"]) == (
        "priority",
        "user",
        7,
        "bo@example.com",
    )
    assert current_actor() == Actor()


def test_service_calls_under_acting_as_are_recorded_with_that_actor(app_ctx):
    ticket = services.create_ticket({"subject": "From code", "body": "x"})
    with acting_as(Actor(type="system", via="cli", label="import")):
        services.update_ticket(ticket, {"status": "resolved"})
    db.session.commit()
    rows = db.session.query(TicketEvent).order_by(TicketEvent.id).all()
    assert [(r.action, r.via, r.actor_label) for r in rows] == [
        ("created", "api", None),
        ("updated", "cli", "import"),
    ]


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("agent", 404)], ids=["admin", "agent"]
)
def test_a_deleted_tickets_trail_is_for_admins(request_actor, client, make_ticket, role, status):
    ticket = make_ticket()
    client.delete(f"/api/tickets/{ticket['id']}")
    request_actor.actor = Actor(type="user", via="web", id=1, label="x", role=role)
    response = client.get(f"/api/tickets/{ticket['id']}/events")
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["items"][-1]["action"] == "deleted"
    else:
        assert response.get_json()["error"]["code"] == "not_found"


def test_an_agent_reads_the_trail_of_a_live_ticket(request_actor, client, make_ticket):
    ticket = make_ticket()
    request_actor.actor = Actor(type="user", via="web", id=2, label="bo", role="agent")
    assert client.get(f"/api/tickets/{ticket['id']}/events").status_code == 200
