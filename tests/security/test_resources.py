"""Resources answer only who may read the object behind them, and say nothing of the server."""

from __future__ import annotations

from tests.conftest import bearer_client


def test_an_export_job_is_not_readable_as_a_triage_job(app, make_user, make_ticket):
    make_ticket()
    owner = bearer_client(app, make_user(email="owner@example.com"))
    other = bearer_client(app, make_user(email="other@example.com"))
    export = owner.post("/api/exports", json={}).get_json()
    job_id = f"export-{export['id']}"
    with app.app_context():
        from ticketing.core import jobs

        assert jobs.fetch_job(job_id) is not None  # the queue knows it ...
    for who in (other, owner):
        response = who.get(f"/api/jobs/{job_id}")
        assert response.status_code == 404  # ... but this resource serves triage jobs only
        assert "triage" not in response.get_data(as_text=True)
    # The export's own resource answers its owner, and nobody else.
    assert owner.get(f"/api/exports/{export['id']}").status_code == 200
    assert other.get(f"/api/exports/{export['id']}").status_code == 404


def test_a_triage_job_is_still_served(agent_client, make_ticket):
    ticket = make_ticket()
    job = agent_client.post(f"/api/tickets/{ticket['id']}/classify").get_json()
    response = agent_client.get(job["status_url"])
    assert response.status_code == 200
    assert response.get_json()["kind"] == "triage"


def test_export_failures_show_no_server_paths(app, client, make_ticket, tmp_path):
    make_ticket()
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    app.extensions["export_storage"].root = blocker  # writes cannot create files here
    export = client.post("/api/exports", json={}).get_json()
    shown = client.get(export["status_url"]).get_json()
    assert shown["status"] == "failed"
    download = client.get(export["status_url"] + "/download")
    assert download.status_code == 409
    for text in (shown["error"], download.get_json()["error"]["message"]):
        assert str(tmp_path) not in text and "/" not in text.replace("<path>", ""), text
        assert "<path>" in text


def test_failure_reasons_lose_every_absolute_path():
    from ticketing.core.redact import failure_reason, without_paths

    err = PermissionError(13, "Permission denied", "/srv/app/instance/exports/x.csv.part")
    assert failure_reason(err) == "PermissionError: [Errno 13] Permission denied: '<path>'"
    assert without_paths(r"see C:\data\x.csv and file:///etc/passwd") == "see <path> and <path>"
    kept = "10/minute, https://example.com/docs and a/b"
    assert without_paths(kept) == kept
