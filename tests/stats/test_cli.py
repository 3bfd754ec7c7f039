"""flask tickets stats: the API's figures as a table, or the API's JSON exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from .helpers import insert_tickets, mixed_tickets


@pytest.fixture
def mixed(app):
    return insert_tickets(app, mixed_tickets(datetime.now(UTC), n=40))


@pytest.mark.parametrize(
    ("args", "query"),
    [
        ([], ""),
        (["--status", "open", "--status", "closed"], "?status=open,closed"),
        (["--category", "unclassified,billing", "--no-note"],
         "?category=unclassified,billing&has_note=false"),
        (["--created-from", "2026-01-01", "--created-to", "2026-12-31", "-q", "refund"],
         "?created_from=2026-01-01&created_to=2026-12-31&q=refund"),
    ],
)  # fmt: skip
def test_json_is_the_api_answer(client, runner, mixed, args, query):
    result = runner.invoke(args=["tickets", "stats", "--json", *args])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1  # one JSON object, nothing else on stdout
    assert json.loads(lines[0]) == client.get("/api/stats" + query).get_json()


def test_table_shows_the_figures(client, runner, mixed):
    api = client.get("/api/stats?status=open").get_json()
    result = runner.invoke(args=["tickets", "stats", "--status", "open"])
    assert result.exit_code == 0, result.output
    out = result.output
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert f"{api['total']:,}" in lines["Tickets"]
    assert lines["open"].split()[1] == f"{api['by_status']['open']:,}"
    assert lines["closed"].split()[1] == "0"
    assert lines["unclassified"].split()[1] == f"{api['by_category']['unclassified']:,}"
    per_day_line = next(line for line in out.splitlines() if line.startswith("Average per day"))
    assert f"{api['avg_per_day']:,.2f}" in per_day_line
    assert f"{api['window']['days']} days" in per_day_line
    last_day = api["per_day"][-1]
    assert f"{last_day['date']}  {last_day['count']:>10,}" in out


def test_table_on_an_empty_database(runner):
    result = runner.invoke(args=["tickets", "stats"])
    assert result.exit_code == 0, result.output
    assert "Median resolution" in result.output
    assert "no triage history" in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--status", "bogus"], "--status"),
        (["--priority", "urgent"], "--priority"),
        (["--created-from", "last week"], "--created-from"),
        (["--created-from", "2026-11-10", "--created-to", "2026-11-01"], "--created-from"),
    ],
)
def test_bad_filter_is_a_clear_usage_error(runner, args, named):
    result = runner.invoke(args=["tickets", "stats", "--json", *args])
    assert result.exit_code == 2
    assert "Invalid filter" in result.output
    assert named in result.output


def test_help(runner):
    result = runner.invoke(args=["tickets", "stats", "--help"])
    assert result.exit_code == 0
    assert "--created-from" in result.output and "--json" in result.output


def test_created_window_on_the_cli(runner, app):
    now = datetime.now(UTC)
    insert_tickets(app, [{"created_at": now - timedelta(days=d)} for d in (1, 2, 50)])
    frm = (now - timedelta(days=10)).date().isoformat()
    result = runner.invoke(args=["tickets", "stats", "--json", "--created-from", frm])
    assert json.loads(result.output)["total"] == 2
