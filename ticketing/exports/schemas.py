"""Export request and resource schemas (the filters are the ticket list's own)."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields, validate

from ..core.schemas import CommaList, PageQuery, page_schema
from ..core.vocab import ExportStatus, values
from ..tickets.schemas import TicketFilterQuery
from .csvwriter import ALLOWED_COLUMNS, DEFAULT_COLUMNS


class ExportIn(TicketFilterQuery):
    """The GET /api/tickets filters (``q`` included) plus an optional column list."""

    columns = CommaList(
        ALLOWED_COLUMNS,
        item_max=40,
        metadata={
            "description": "Columns in order (list or comma-separated). Default: "
            + ", ".join(DEFAULT_COLUMNS)
        },
    )


class ExportOut(Schema):
    id = fields.String(metadata={"format": "uuid"})
    status = fields.String(metadata={"enum": list(values(ExportStatus))})
    status_url = fields.Method("get_status_url")
    download_url = fields.Method(
        "get_download_url",
        allow_none=True,
        metadata={"description": "Set once the export is done (until it expires)."},
    )
    filters = fields.Dict(keys=fields.String())
    columns = fields.List(fields.String())
    row_count = fields.Integer(allow_none=True)
    size_bytes = fields.Integer(allow_none=True)
    duration_ms = fields.Integer(allow_none=True)
    attempts = fields.Integer()
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)

    def get_status_url(self, obj) -> str:
        return url_for("exports.ExportItem", export_id=obj.id)

    def get_download_url(self, obj) -> str | None:
        if obj.status != ExportStatus.DONE:
            return None
        return url_for("exports.ExportDownload", export_id=obj.id)


ExportPage = page_schema(ExportOut, "ExportPage")


class ExportListQuery(PageQuery):
    #: Bounded so the OFFSET stays a sane integer (a huge page is a 422, not a 500).
    page = fields.Integer(load_default=1, validate=validate.Range(max=1_000_000))
