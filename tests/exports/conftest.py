"""Export test helpers: parse the CSV as a spreadsheet import would, make exports directly."""

from __future__ import annotations

import csv
import io

import pytest

from ticketing.core.extensions import db
from ticketing.exports import services

BOM = b"\xef\xbb\xbf"


def parse_csv(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of an export file (which must start with the UTF-8 BOM)."""
    assert data.startswith(BOM), data[:10]
    reader = csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline=""))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


@pytest.fixture
def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


@pytest.fixture
def pending_export(app):
    """Create a committed, never-enqueued export; returns its id."""

    def _make(filters: dict | None = None, columns: list[str] | None = None, **fields) -> str:
        with app.app_context():
            export = services.create_export(filters or {}, columns)
            for key, value in fields.items():
                setattr(export, key, value)
            db.session.commit()
            return export.id

    return _make


def export_row(app, export_id: str):
    with app.app_context():
        export = services.get_export(export_id)
        db.session.expunge(export)
        return export
