"""The CSV itself: BOM, header, RFC 4180 quoting, formula neutralisation, formats — on the
csv.writer path (every engine) and the COPY fast path (PostgreSQL)."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime

import pytest

from ticketing.core.extensions import db
from ticketing.exports.csvwriter import DEFAULT_COLUMNS, FORMULA_PREFIXES, write_csv

from ..stats.helpers import insert_tickets, mixed_tickets
from .conftest import BOM, parse_csv

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
#: The COPY fast path exists on PostgreSQL only; SQLite always uses csv.writer.
PATHS = ["csv_module", "copy"] if ON_POSTGRES else ["csv_module"]


def export_bytes(app, filters=None, columns=DEFAULT_COLUMNS, path="csv_module") -> bytes:
    with app.app_context():
        assert path == "csv_module" or db.engine.dialect.name == "postgresql"
        buffer = io.BytesIO()
        write_csv(buffer, filters or {}, columns, use_copy=path == "copy")
        db.session.rollback()
        return buffer.getvalue()


@pytest.mark.parametrize("path", PATHS)
def test_bom_header_and_one_line_per_ticket(app, path):
    insert_tickets(app, [{"subject": "A"}, {"subject": "B"}])
    data = export_bytes(app, path=path)
    assert data.startswith(BOM + b"id,subject,body,status,priority,category,")
    header, rows = parse_csv(data)
    assert header == list(DEFAULT_COLUMNS)
    assert [r["subject"] for r in rows] == ["A", "B"]


@pytest.mark.parametrize("path", PATHS)
def test_empty_selection_is_just_the_header(app, path):
    data = export_bytes(app, path=path)
    assert data == BOM + (",".join(DEFAULT_COLUMNS) + "\n").encode()


@pytest.mark.parametrize("path", PATHS)
def test_commas_quotes_newlines_and_unicode_survive_a_round_trip(app, path):
    body = 'Line one, with a comma\nLine "two"\r\nThree; ünïcødé — 日本語 🚀'
    insert_tickets(app, [{"subject": 'Say "hi", please', "body": body, "note": "a\nb"}])
    data = export_bytes(app, path=path)
    # RFC 4180: quoted field, inner quotes doubled, the line breaks kept inside the quotes.
    assert b'"Say ""hi"", please"' in data
    assert ('"' + body.replace('"', '""') + '"').encode() in data
    _, rows = parse_csv(data)
    assert rows[0]["subject"] == 'Say "hi", please'
    assert rows[0]["body"] == body
    assert rows[0]["note"] == "a\nb"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("prefix", FORMULA_PREFIXES, ids=repr)
def test_every_formula_prefix_is_neutralised_in_every_text_column(app, path, prefix):
    payload = prefix + 'HYPERLINK("http://evil.example","x")'
    insert_tickets(
        app,
        [
            {
                "subject": prefix + "cmd|' /C calc'!A0",
                "body": payload,
                "note": payload,
                "requester_email": prefix + "x@example.com",
                "requester_name": payload,
                "explanation": payload,
                "suggested_title": payload,
                "tags": [prefix.strip() + "sum(1)" if prefix.strip() else "plain"],
            }
        ],
    )
    columns = ["subject", "body", "note", "requester_email", "requester_name", "explanation",
               "suggested_title", "tags"]  # fmt: skip
    _, rows = parse_csv(export_bytes(app, columns=columns, path=path))
    row = rows[0]
    for name in columns:
        if name == "tags" and not prefix.strip():
            continue  # a tag is trimmed when stored: it cannot start with tab or CR
        assert row[name].startswith("'" + prefix), (name, row[name])
    assert row["subject"] == "'" + prefix + "cmd|' /C calc'!A0"


@pytest.mark.parametrize("path", PATHS)
def test_harmless_text_and_values_are_left_alone(app, path):
    created = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    insert_tickets(
        app,
        [
            {
                "subject": "Total is 1+1 = 2",
                "body": "user@example.com wrote - thanks",
                "urgency_score": 0,
                "confidence": 0.87,
                "priority": "high",
                "tags": ["vip", "billing-issue", "a b"],
                "created_at": created,
                "resolved_at": None,
                "status": "open",
            }
        ],
    )
    _, rows = parse_csv(export_bytes(app, path=path))
    row = rows[0]
    assert row["subject"] == "Total is 1+1 = 2"
    assert row["body"] == "user@example.com wrote - thanks"
    assert row["urgency_score"] == "0"
    assert row["confidence"] == "0.87"
    assert row["tags"] == "a b, billing-issue, vip"
    assert row["created_at"] == "2026-03-04T05:06:07.890123+00:00"
    assert row["resolved_at"] == ""
    assert row["category"] == ""


@pytest.mark.skipif(not ON_POSTGRES, reason="the COPY path exists on PostgreSQL only")
def test_copy_and_csv_module_paths_give_the_same_rows(app):
    specs = mixed_tickets(datetime.now(UTC), n=60)
    specs[3]["body"] = '=1+2, "quoted"\nnext line ✓'
    specs[4]["note"] = "@SUM(A1)"
    specs[5]["tags"] = ["zeta", "=alpha"]
    insert_tickets(app, specs)
    filters = {"status": ["open", "resolved"]}
    copy_rows = parse_csv(export_bytes(app, filters, path="copy"))
    module_rows = parse_csv(export_bytes(app, filters, path="csv_module"))
    assert copy_rows == module_rows
    assert len(copy_rows[1]) == sum(1 for s in specs if s["status"] in ("open", "resolved"))


@pytest.mark.parametrize("path", PATHS)
def test_chosen_columns_in_the_chosen_order(app, path):
    insert_tickets(app, [{"subject": "Only", "status": "closed", "tags": ["x"]}])
    header, rows = parse_csv(export_bytes(app, columns=["status", "tags", "id"], path=path))
    assert header == ["status", "tags", "id"]
    assert rows == [{"status": "closed", "tags": "x", "id": "1"}]
