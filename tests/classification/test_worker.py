"""Commit, then enqueue: a real worker process on real Redis triages a ticket the API created.

The worker (``flask tickets worker``) runs in its own process with its own database
connection, so it only finds the ticket if the API committed it before enqueueing. The
worker is started first and waits for jobs, so a job enqueued before the commit would be
picked up at once and find no ticket. It triages with Claude through the fake Messages API.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq import Worker

from tests.conftest import IN_CI

from .fake_anthropic import GOOD_TRIAGE, tool

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture
def config_overrides(claude_settings):
    return {**claude_settings, "AUTO_CLASSIFY": True, "JOBS_ASYNC": True}


@pytest.fixture
def worker_process(app, redis_url, database_url, claude_settings, tmp_path):
    if not redis_url:
        assert not IN_CI, "CI must run the real-worker test (TEST_REDIS_URL)"
        pytest.skip("needs a real Redis: set TEST_REDIS_URL (CI always does)")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "APP_ENV": "development",
        "SECRET_KEY": "worker-test-secret-key",
        "ANTHROPIC_API_KEY": claude_settings["ANTHROPIC_API_KEY"],
        "ANTHROPIC_BASE_URL": claude_settings["ANTHROPIC_BASE_URL"],
        "CLASSIFY_TIMEOUT": "5",
        "CLAUDE_BATCH_POLL_SECONDS": "1",
        "FLASK_APP": "wsgi",
    }
    env.pop("TEST_DATABASE_URL", None)
    log = (tmp_path / "worker.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "tickets", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    connection = app.extensions["jobs"].connection
    deadline = time.monotonic() + 60
    while not Worker.all(connection=connection):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("worker did not start: " + (tmp_path / "worker.log").read_text()[-2000:])
        time.sleep(0.1)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_a_real_worker_triages_a_committed_ticket_with_claude(
    client, fake_api, worker_process, tmp_path
):
    fake_api.answer(tool())
    created = client.post(
        "/api/tickets", json={"subject": "Double charge", "body": "Charged twice, refund me."}
    ).get_json()
    assert created["triage_status"] == "queued"  # not run in the request: a worker will

    def finished():
        ticket = client.get(f"/api/tickets/{created['id']}").get_json()
        return ticket if ticket["triage_status"] in ("done", "failed") else None

    ticket = wait_for(finished)
    assert ticket, "worker never finished: " + (tmp_path / "worker.log").read_text()[-2000:]
    assert ticket["triage_status"] == "done"
    assert (ticket["category"], ticket["category_source"]) == (GOOD_TRIAGE["category"], "claude")
    assert fake_api.count == 1
    runs = client.get(f"/api/tickets/{created['id']}/classifications").get_json()["items"]
    assert len(runs) == 1 and runs[0]["source"] == "claude"

    # The classify endpoint goes through the same worker; the job resource follows it.
    job = client.post(f"/api/tickets/{created['id']}/classify").get_json()
    assert job["status"] in ("queued", "running")

    def job_done():
        state = client.get(job["status_url"]).get_json()
        return state if state["status"] == "done" else None

    done = wait_for(job_done)
    assert done and done["result"]["source"] == "claude" and done["result"]["job_id"] == job["id"]


def test_a_real_worker_submits_an_imported_batch_polls_it_again_and_applies_it(
    client, runner, fake_api, worker_process, tmp_path
):
    """import --batch-triage rings one submission job; the worker submits the batch, finds it
    still processing, schedules its next poll (RQ's scheduler in the worker), then applies it."""
    fake_api.answer(tool())
    fake_api.batch_polls_to_end = 1
    path = tmp_path / "in.csv"
    path.write_text("subject,body\nInvoice wrong,The amount is wrong.\nNo refund,Still none.\n")
    result = runner.invoke(args=["tickets", "import", str(path), "--batch-triage"])
    assert result.exit_code == 0, result.output

    def applied():
        items = client.get("/api/classification/batches").get_json()["items"]
        return items if items and items[0]["status"] == "applied" else None

    items = wait_for(applied, timeout=60)
    assert items, "batch never applied: " + (tmp_path / "worker.log").read_text()[-3000:]
    assert items[0]["request_count"] == 2 and items[0]["applied"] == 2
    polls = [r for r in fake_api.requests if r.path.startswith("/v1/messages/batches/")]
    assert len([r for r in polls if not r.path.endswith("/results")]) >= 2  # polled again
    tickets = client.get("/api/tickets").get_json()["items"]
    assert {t["category_source"] for t in tickets} == {"claude"}
    assert fake_api.count == 0
