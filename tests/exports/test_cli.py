"""flask tickets export -o FILE and flask tickets exports prune."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ticketing.core.extensions import db
from ticketing.models import Export, utcnow

from ..stats.helpers import insert_tickets
from .conftest import parse_csv


@pytest.fixture
def tickets(app):
    return insert_tickets(
        app,
        [
            {"subject": "=HYPERLINK(1)", "status": "open", "body": "refund, please\nnow"},
            {"subject": "Other", "status": "closed", "body": "A refund question"},
            {"subject": "Third", "status": "open", "body": "Login broken"},
        ],
    )


def test_export_writes_the_same_file_as_the_job(app, client, runner, tickets, tmp_path):
    out = tmp_path / "open.csv"
    result = runner.invoke(
        args=["tickets", "export", "--status", "open", "-q", "refund", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote 1 tickets to {out}" in result.output
    header, rows = parse_csv(out.read_bytes())
    assert [r["subject"] for r in rows] == ["'=HYPERLINK(1)"]
    job = client.post("/api/exports", json={"status": "open", "q": "refund"}).get_json()
    downloaded = client.get(client.get(job["status_url"]).get_json()["download_url"]).data
    assert parse_csv(downloaded) == (header, rows)
    assert not list(tmp_path.glob(".*.tmp"))  # no temp file left behind


def test_export_with_columns_and_all_tickets(runner, tickets, tmp_path):
    out = tmp_path / "all.csv"
    result = runner.invoke(args=["tickets", "export", "--columns", "id,status", "-o", str(out)])
    assert result.exit_code == 0, result.output
    header, rows = parse_csv(out.read_bytes())
    assert header == ["id", "status"]
    assert [r["status"] for r in rows] == ["open", "closed", "open"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "archived"], "--status"),
        (["--created-from", "someday"], "--created-from"),
        (["--columns", "id,password_hash"], "password_hash"),
        (["--bogus"], "No such option"),
    ],
)
def test_export_refuses_bad_input_with_a_usage_error(runner, tickets, tmp_path, args, message):
    out = tmp_path / "x.csv"
    result = runner.invoke(args=["tickets", "export", *args, "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


def test_export_needs_an_output_file(runner, tickets):
    result = runner.invoke(args=["tickets", "export"])
    assert result.exit_code == 2
    assert "-o" in result.output


def test_export_into_a_missing_directory_fails_cleanly(runner, tickets, tmp_path):
    out = tmp_path / "nope" / "x.csv"
    result = runner.invoke(args=["tickets", "export", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


def test_prune_reports_what_it_did(app, client, runner, tickets):
    export_id = client.post("/api/exports", json={}).get_json()["id"]
    with app.app_context():
        db.session.get(Export, export_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    path = Path(app.config["EXPORT_DIR"]) / f"{export_id}.csv"
    assert path.exists()
    result = runner.invoke(args=["tickets", "exports", "prune"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 export(s), deleted 1 file(s)" in result.output
    assert not path.exists()
    assert client.get(f"/api/exports/{export_id}").get_json()["status"] == "expired"
    again = runner.invoke(args=["tickets", "exports", "prune"])
    assert "Expired 0 export(s), deleted 0 file(s)" in again.output


@pytest.mark.parametrize("args", [["prune", "extra"], ["prune", "--force"], ["vacuum"]])
def test_prune_refuses_bad_input(runner, args):
    result = runner.invoke(args=["tickets", "exports", *args])
    assert result.exit_code == 2, result.output
