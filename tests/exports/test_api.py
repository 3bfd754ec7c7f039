"""POST/GET /api/exports and the download: shapes the page relies on, filters, errors."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ticketing.core.extensions import db
from ticketing.models import Export

from ..stats.helpers import insert_tickets, mixed_tickets
from .conftest import parse_csv


def start(client, **body):
    response = client.post("/api/exports", json=body)
    assert response.status_code == 202, response.get_json()
    return response


def download(client, export: dict):
    assert export["status"] == "done", export
    response = client.get(export["download_url"])
    assert response.status_code == 200, response.data[:300]
    return parse_csv(response.data)


def test_post_answers_202_with_the_resource_and_a_status_url(client, make_ticket):
    make_ticket(subject="Refund please", status="open")
    response = start(client, status="open")
    body = response.get_json()
    uuid.UUID(body["id"])  # unguessable id
    assert body["status_url"] == f"/api/exports/{body['id']}"
    assert response.headers["Location"].endswith(body["status_url"])
    assert body["filters"] == {"status": "open"}
    # In-process mode (no Redis) the job has run by the time the POST answers.
    item = client.get(body["status_url"]).get_json()
    assert item["status"] == "done"
    assert item["row_count"] == 1
    assert item["size_bytes"] > 0
    assert item["download_url"] == f"/api/exports/{body['id']}/download"
    expires = datetime.fromisoformat(item["expires_at"])
    finished = datetime.fromisoformat(item["finished_at"])
    assert expires - finished == timedelta(hours=24)
    assert item["error"] is None
    assert item["created_at"]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "open,in_progress"},
        {"category": "unclassified,billing", "priority": "high"},
        {"q": "refund"},
        {"q": "refund", "status": "resolved,closed,on_hold"},
        {"has_note": True, "sentiment": "frustrated,calm"},
        {"tag": "vip"},
        {"created_from": "2026-01-01", "created_to": "2026-06-30"},
    ],
)
def test_rows_are_exactly_those_the_list_returns(app, client, query):
    specs = mixed_tickets(datetime(2026, 7, 1, tzinfo=UTC), n=70)
    for i, spec in enumerate(specs):
        spec["tags"] = ["vip"] if i % 3 == 0 else []
        spec["created_at"] = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=3 * i)
    insert_tickets(app, specs)
    listed = client.get("/api/tickets", query_string={**query, "per_page": 100}).get_json()
    expected = sorted(t["id"] for t in listed["items"])
    assert 0 < len(expected) < 70  # the filter really narrows the set
    export = client.get(start(client, **query).get_json()["status_url"]).get_json()
    _, rows = download(client, export)
    assert [int(r["id"]) for r in rows] == expected
    assert export["row_count"] == len(expected)


def test_filters_as_json_lists_are_accepted_and_shown_back(client, make_ticket):
    make_ticket(status="closed")
    body = start(client, status=["open", "closed"], q="fire").get_json()
    assert body["filters"] == {"status": "open,closed", "q": "fire"}


def test_columns_choose_and_order_the_csv(client, make_ticket):
    make_ticket(subject="Hello", tags=["b", "a"])
    body = start(client, columns=["subject", "tags", "id"]).get_json()
    assert body["columns"] == ["subject", "tags", "id"]
    header, rows = download(client, client.get(body["status_url"]).get_json())
    assert header == ["subject", "tags", "id"]
    assert rows[0]["tags"] == "a, b"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"columns": ["subject", "password_hash"]}, "columns"),
        ({"columns": []}, "columns"),
        ({"status": "archived"}, "status"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"page": 2}, "page"),
        ({"q": ""}, "q"),
    ],
)
def test_bad_input_is_a_422_and_nothing_is_stored(app, client, body, field):
    response = client.post("/api/exports", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    with app.app_context():
        assert db.session.query(Export).count() == 0


def test_malformed_json_is_a_400(client):
    response = client.post("/api/exports", data="{", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/exports/0b7c5a52-9a4e-4b1e-8f57-3f1f4c3d2e10",
        "/api/exports/0b7c5a52-9a4e-4b1e-8f57-3f1f4c3d2e10/download",
        "/api/exports/not-a-uuid",
        "/api/exports/not-a-uuid/download",
        "/api/exports/..%2F..%2Fetc%2Fpasswd/download",
    ],
)
def test_unknown_or_malformed_id_is_a_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("status", ["pending", "running"])
def test_download_is_a_409_until_done(client, pending_export, status):
    export_id = pending_export(status=status)
    response = client.get(f"/api/exports/{export_id}/download")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "export_not_ready"
    assert client.get(f"/api/exports/{export_id}").get_json()["download_url"] is None


def test_download_of_a_failed_export_is_a_409_with_the_reason(client, pending_export):
    export_id = pending_export(status="failed", error="OSError: disk full")
    response = client.get(f"/api/exports/{export_id}/download")
    assert response.status_code == 409
    assert "disk full" in response.get_json()["error"]["message"]


def test_download_of_an_expired_export_is_a_410(client, pending_export):
    export_id = pending_export(status="expired", storage_key=None)
    response = client.get(f"/api/exports/{export_id}/download")
    assert response.status_code == 410
    assert response.get_json()["error"]["code"] == "export_expired"


def test_download_streams_an_attachment_named_with_the_utc_time(client, make_ticket):
    make_ticket()
    export = client.get(start(client).get_json()["status_url"]).get_json()
    response = client.get(export["download_url"])
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="tickets-\d{8}T\d{6}Z\.csv"', disposition)
    stamp = datetime.fromisoformat(export["created_at"]).strftime("%Y%m%dT%H%M%SZ")
    assert stamp in disposition
    assert int(response.headers["Content-Length"]) == export["size_bytes"] == len(response.data)


def test_download_never_reads_outside_export_dir(app, client, pending_export, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    for key in ("../secret.txt", str(secret), "..", "a/../../secret.txt"):
        export_id = pending_export(status="done", storage_key=key)
        response = client.get(f"/api/exports/{export_id}/download")
        assert response.status_code == 404, key
        assert b"top secret" not in response.data


def test_a_done_export_whose_file_vanished_is_a_410(app, client, make_ticket):
    make_ticket()
    export = client.get(start(client).get_json()["status_url"]).get_json()
    (Path(app.config["EXPORT_DIR"]) / f"{export['id']}.csv").unlink()
    assert client.get(export["download_url"]).status_code == 410


def test_object_store_download_redirects(app, client, make_ticket, monkeypatch):
    make_ticket()
    export = client.get(start(client).get_json()["status_url"]).get_json()
    storage = app.extensions["export_storage"]
    seen = {}

    def presigned(key, filename):
        seen["args"] = (key, filename)
        return "https://bucket.example/obj?sig=abc"

    monkeypatch.setattr(storage, "download_url", presigned)
    response = client.get(export["download_url"])
    assert response.status_code == 302
    assert response.headers["Location"] == "https://bucket.example/obj?sig=abc"
    assert seen["args"][0] == f"{export['id']}.csv"
    assert re.fullmatch(r"tickets-\d{8}T\d{6}Z\.csv", seen["args"][1])


def test_list_is_recent_first_and_paginated(app, client, pending_export):
    base = datetime(2026, 11, 1, tzinfo=UTC)
    ids = [pending_export(created_at=base + timedelta(minutes=i)) for i in range(5)]
    page = client.get("/api/exports?per_page=2").get_json()
    assert [x["id"] for x in page["items"]] == [ids[4], ids[3]]
    assert page["meta"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3, "total_exact": True}
    last = client.get("/api/exports?per_page=2&page=3").get_json()
    assert [x["id"] for x in last["items"]] == [ids[0]]
    item = page["items"][0]
    for key in ("status", "row_count", "size_bytes", "download_url", "expires_at", "filters",
                "created_at", "error", "status_url"):  # fmt: skip
        assert key in item


def test_list_can_be_restricted_to_one_owner(app):
    from ticketing.exports import services
    from ticketing.models import User

    with app.app_context():
        ana = User(email="ana@example.com", name="Ana", role="agent")
        bob = User(email="bob@example.com", name="Bob", role="agent")
        db.session.add_all([ana, bob])
        db.session.flush()
        mine = services.create_export({}, created_by_id=ana.id)
        services.create_export({}, created_by_id=bob.id)
        db.session.commit()
        page = services.list_exports(owner_id=ana.id)
        assert [e.id for e in page.items] == [mine.id]
        assert page.total == 1
        assert services.get_export(mine.id, owner_id=ana.id).id == mine.id
        with pytest.raises(services.NotFound):
            services.get_export(mine.id, owner_id=bob.id)


def test_export_is_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    assert {"/api/exports", "/api/exports/{export_id}", "/api/exports/{export_id}/download"} <= set(
        spec["paths"]
    )
    assert "202" in spec["paths"]["/api/exports"]["post"]["responses"]


def test_list_page_out_of_range_is_a_422_not_a_crash(client):
    response = client.get("/api/exports?page=9223372036854775809")
    assert response.status_code == 422
    assert "page" in response.get_json()["error"]["fields"]
    assert client.get("/api/exports?page=-3&per_page=0").get_json()["meta"]["page"] == 1


def test_queue_down_is_a_503_and_the_export_is_recorded_failed(app, client, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import Queue

    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(Queue, "enqueue", down)
    response = client.post("/api/exports", json={"status": "open"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "queue_unavailable"
    items = client.get("/api/exports").get_json()["items"]
    assert [(x["status"], x["error"]) for x in items] == [
        ("failed", "The job queue is unavailable; try again later.")
    ]


def test_agents_see_their_own_exports_and_admins_see_every_one(
    client, agent_client, make_user, app, make_ticket
):
    from tests.conftest import bearer_client

    make_ticket()
    other_agent = bearer_client(app, make_user(role="agent"))
    mine = agent_client.post("/api/exports", json={}).get_json()["id"]
    theirs = other_agent.post("/api/exports", json={}).get_json()["id"]

    assert [e["id"] for e in agent_client.get("/api/exports").get_json()["items"]] == [mine]
    assert agent_client.get(f"/api/exports/{theirs}").status_code == 404
    assert agent_client.get(f"/api/exports/{theirs}/download").status_code == 404
    assert agent_client.get(f"/api/exports/{mine}/download").status_code == 200
    every = {e["id"] for e in client.get("/api/exports").get_json()["items"]}
    assert every == {mine, theirs}
    assert client.get(f"/api/exports/{theirs}/download").status_code == 200


def test_starting_exports_is_rate_limited_per_person(app, client, agent_client, make_ticket):
    app.config["EXPORT_RATE_LIMIT"] = "2/minute"
    make_ticket()
    assert client.post("/api/exports", json={}).status_code == 202
    assert client.post("/api/exports", json={}).status_code == 202
    limited = client.post("/api/exports", json={})
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    # A colleague has an allowance of their own; reading is never limited.
    assert agent_client.post("/api/exports", json={}).status_code == 202
    assert client.get("/api/exports").status_code == 200
