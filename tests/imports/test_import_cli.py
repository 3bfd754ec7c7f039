"""flask tickets import: good, bad and mixed rows, exit codes, batches, streaming."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ticketing.core.extensions import db
from ticketing.models import Ticket
from ticketing.tickets import imports

HEADER = "subject,body,category,priority,status,tags,requester_email,requester_name,created_at\n"


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def tickets(app) -> list[Ticket]:
    with app.app_context():
        rows = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
        for t in rows:
            _ = t.tag_names
        db.session.expunge_all()
        return list(rows)


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ticket))


def test_good_rows_are_imported_like_the_api_would_store_them(app, runner, client, tmp_path):
    path = write(
        tmp_path,
        HEADER + 'Refund please,"I was charged twice, refund me",billing,high,open,"Refund, VIP",'
        "A@Example.com,Ana Alvarez,2026-01-05T10:00:00Z\n"
        + "Login broken,Cannot log in since Monday,,,resolved,,,,2026-01-06\n"
        + '"  Multi-line  ","First line\nsecond line",technical,,,,,,\n',
    )
    result = runner.invoke(args=["tickets", "import", path])
    assert result.exit_code == 0, result.output
    assert "Imported 3 tickets" in result.output
    first, second, third = tickets(app)
    assert first.subject == "Refund please"
    assert (first.category, first.category_source) == ("billing", "manual")
    assert (first.priority, first.priority_source) == ("high", "manual")
    assert first.tag_names == ["refund", "vip"]
    assert first.requester_email == "a@example.com"
    assert first.created_at.isoformat() == "2026-01-05T10:00:00+00:00"
    assert second.category is None and second.category_source is None
    assert second.status == "resolved" and second.resolved_at is not None
    assert second.created_at.isoformat() == "2026-01-06T00:00:00+00:00"
    assert third.subject == "Multi-line" and third.body == "First line\nsecond line"
    assert third.status == "open"
    # The API shows the imported ticket like any other.
    shown = client.get(f"/api/tickets/{first.id}").get_json()
    assert shown["category_source"] == "manual" and shown["tags"] == ["refund", "vip"]


def test_bad_rows_are_reported_with_line_and_reason(app, runner, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + ",no subject,,,,,,,\n"
        + "Bad category,body,sales,,,,,,\n"
        + "Bad email,body,,,,,not-an-email,,\n"
        + "Future,body,,,,,,,2999-01-01\n"
        + "Bad date,body,,,,,,,yesterday\n"
        + "Blank body,   ,,,,,,,\n",
    )
    result = runner.invoke(args=["tickets", "import", path])
    assert result.exit_code == 1
    out = result.output
    assert "line 2: subject:" in out
    assert "line 3: category: Must be one of" in out
    assert "line 4: requester_email:" in out
    assert "line 5: created_at: Must not be in the future." in out
    assert "line 6: created_at: Must be an ISO 8601 date or date-time." in out
    assert "line 7: body: Body must not be blank." in out
    assert "Imported 0 tickets" in out and "6 rows rejected" in out
    assert count(app) == 0


def test_mixed_rows_import_the_good_ones_and_write_rejects(app, runner, tmp_path):
    rows = [HEADER]
    for i in range(1, 8):
        priority = "urgent" if i % 3 == 0 else "low"
        rows.append(f"Ticket {i},Body {i},,{priority},,,,,\n")
    path = write(tmp_path, "".join(rows))
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(
        args=["tickets", "import", path, "--rejects", str(rejects), "--batch-size", "2"]
    )
    assert result.exit_code == 1
    assert "Imported 5 tickets in 3 batch(es); 2 rows rejected." in result.output
    assert [t.subject for t in tickets(app)] == [f"Ticket {i}" for i in (1, 2, 4, 5, 7)]
    with rejects.open(newline="", encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [(r["line"], r["subject"], r["priority"]) for r in written] == [
        ("4", "Ticket 3", "urgent"),
        ("7", "Ticket 6", "urgent"),
    ]
    assert all(r["error"].startswith("priority: Must be one of") for r in written)
    # The rejects file, once fixed, imports cleanly (extra columns line/error are ignored).
    fixed = rejects.read_text(encoding="utf-8").replace("urgent", "high")
    again = runner.invoke(args=["tickets", "import", write(tmp_path, fixed, "fixed.csv")])
    assert again.exit_code == 0, again.output
    assert "Ignoring unknown column(s): line, error" in again.output
    assert count(app) == 7


def test_dry_run_validates_without_storing(app, runner, tmp_path):
    path = write(tmp_path, HEADER + "Fine,body,,,,,,,\nBad,body,,,weird,,,,\n")
    result = runner.invoke(args=["tickets", "import", path, "--dry-run"])
    assert result.exit_code == 1
    assert "line 3: status: Must be one of" in result.output
    assert "Dry run: 1 rows would be imported, 1 rejected; nothing was stored." in result.output
    assert count(app) == 0
    clean = write(tmp_path, HEADER + "Fine,body,,,,,,,\n", "clean.csv")
    assert runner.invoke(args=["tickets", "import", clean, "--dry-run"]).exit_code == 0
    assert count(app) == 0


def test_strict_stops_at_the_first_bad_row_and_stores_nothing(app, runner, tmp_path):
    rows = [HEADER] + [f"T{i},B{i},,,,,,,\n" for i in range(10)] + ["T,B,nope,,,,,,\n"]
    rows += ["After,bad row,,,,,,,\n", "Also,bad,nope,,,,,,\n"]
    path = write(tmp_path, "".join(rows))
    result = runner.invoke(args=["tickets", "import", path, "--strict", "--batch-size", "3"])
    assert result.exit_code == 1
    assert "line 12: category" in result.output
    assert "line 14" not in result.output
    assert "nothing imported" in result.output
    assert count(app) == 0


def test_bom_and_header_case_are_tolerated(app, runner, tmp_path):
    path = write(tmp_path, "\ufeffSubject, Body ,Tags\nHello,World,a;b\n")
    result = runner.invoke(args=["tickets", "import", path])
    assert result.exit_code == 0, result.output
    (ticket,) = tickets(app)
    assert ticket.subject == "Hello" and ticket.tag_names == ["a", "b"]


def test_row_with_too_many_cells_is_rejected(app, runner, tmp_path):
    path = write(tmp_path, "subject,body\nA,B,C\nGood,row\n")
    result = runner.invoke(args=["tickets", "import", path])
    assert result.exit_code == 1
    assert "line 2: _row: Has 1 more cell(s) than the header." in result.output
    assert count(app) == 1


@pytest.mark.parametrize(
    ("content", "encoding", "message"),
    [
        ("title,text\nA,B\n", "utf-8", "missing required column(s): subject, body"),
        ("subject\nA\n", "utf-8", "missing required column(s): body"),
        ("", "utf-8", "the file is empty"),
        ("subject,body\nCafé,crème brûlée\n", "latin-1", "line 2: the file is not UTF-8"),
    ],
)
def test_unusable_files_exit_2_with_a_clear_message(
    app, runner, tmp_path, content, encoding, message
):
    path = write(tmp_path, content, encoding=encoding)
    result = runner.invoke(args=["tickets", "import", path])
    assert result.exit_code == 2
    assert message in result.output
    assert count(app) == 0


def test_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["tickets", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_late_encoding_error_keeps_earlier_batches_and_rolls_back_the_current(
    app, runner, tmp_path
):
    good = "".join(f"Ticket number {i},A body long enough to pass the probe\n" for i in range(5))
    data = ("subject,body\n" + good).encode() + b"Caf\xe9,latin-1 byte\n"
    path = tmp_path / "late.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["tickets", "import", str(path), "--batch-size", "2"])
    assert result.exit_code == 2
    assert "line 7: the file is not UTF-8" in result.output
    assert "(4 tickets from earlier batches were imported)" in result.output
    assert count(app) == 4  # two whole batches; the batch in hand (ticket 5) was not stored


def test_a_failing_batch_is_rolled_back_whole(app, runner, tmp_path, monkeypatch):
    calls = {"n": 0}
    real = imports.build_ticket

    def flaky(data):
        calls["n"] += 1
        if calls["n"] == 5:  # the second ticket of the second batch
            raise RuntimeError("database went away")
        return real(data)

    monkeypatch.setattr(imports, "build_ticket", flaky)
    path = write(tmp_path, "subject,body\n" + "".join(f"T{i},B{i}\n" for i in range(6)))
    result = runner.invoke(args=["tickets", "import", path, "--batch-size", "3"])
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert [t.subject for t in tickets(app)] == ["T0", "T1", "T2"]


def test_the_file_is_streamed_not_loaded(app, tmp_path, monkeypatch):
    """Batches are stored while the reader is still inside the file."""
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("subject,body\n")
        for i in range(3000):
            handle.write(f"Subject {i},{'x' * 200}\n")
    positions: list[int] = []
    real_store = imports._store

    def store(rows):
        positions.append(len(rows))
        return real_store(rows)

    monkeypatch.setattr(imports, "_store", store)
    read: list[int] = []
    with app.app_context():
        report = imports.run_import(path, batch_size=1000, progress=read.append)
    assert report.imported == 3000 and report.batches == 3
    assert positions == [1000, 1000, 1000]
    assert len(read) >= 3 and sum(read) == path.stat().st_size
    assert read[0] < path.stat().st_size  # progress was reported before the end of the file
    assert count(app) == 3000


def test_help_lists_the_options(runner):
    result = runner.invoke(args=["tickets", "import", "--help"])
    assert result.exit_code == 0
    for option in ("--dry-run", "--strict", "--rejects", "--batch-size"):
        assert option in result.output


@pytest.mark.parametrize("config_overrides", [{"AUTO_CLASSIFY": True}])
def test_imported_tickets_are_triaged_like_new_ones_unless_no_triage(app, runner, tmp_path):
    path = write(tmp_path, HEADER + "Refund please,I was charged twice for my invoice,,,,,,,\n")
    result = runner.invoke(args=["tickets", "import", path])
    assert result.exit_code == 0, result.output
    path = write(tmp_path, HEADER + "Login broken,Cannot log in since Monday,,,,,,,\n")
    result = runner.invoke(args=["tickets", "import", "--no-triage", path])
    assert result.exit_code == 0, result.output
    assert "flask tickets classify --unclassified" in result.output
    triaged, skipped = tickets(app)
    assert (triaged.triage_status, triaged.category_source) == ("done", "fallback")
    assert (skipped.triage_status, skipped.category) == (None, None)
