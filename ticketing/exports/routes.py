"""HTTP only: load with a schema, call the service, dump with a schema."""

from __future__ import annotations

from flask import redirect, send_file, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import current_user, is_admin
from ..core.context import current_actor
from ..core.errors import QueueUnavailable
from ..core.extensions import db, limiter
from ..core.ratelimits import config_limit, per_user_key
from ..core.schemas import ErrorEnvelope
from ..core.vocab import ActorType
from ..tickets import idempotency
from . import jobs, services
from .schemas import ExportIn, ExportListQuery, ExportOut, ExportPage
from .stores import get_storage

blp = Blueprint("exports", __name__, url_prefix="/api", description="CSV exports of tickets")


def _actor_user_id() -> int | None:
    actor = current_actor()
    return actor.id if actor.type == ActorType.USER else None


def _owner_scope() -> int | None:
    """Whose exports this request may see: admins every one, an agent only their own."""
    if is_admin():
        return None
    user = current_user()
    return user.id if user is not None else -1


@blp.route("/exports")
class ExportCollection(MethodView):
    @limiter.limit(config_limit("EXPORT_RATE_LIMIT"), key_func=per_user_key)
    @idempotency.documented(blp)
    @blp.arguments(ExportIn)
    @blp.response(202, ExportOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter or column")
    @blp.alt_response(429, schema=ErrorEnvelope, description="Too many exports started")
    @blp.alt_response(503, schema=ErrorEnvelope, description="The job queue is unavailable")
    def post(self, data):
        """Start exporting the tickets the filters select; poll ``status_url`` until done."""
        columns = data.pop("columns", None)
        q = data.pop("q", None)
        export = services.create_export(data, columns, q, created_by_id=_actor_user_id())
        db.session.flush()
        idempotency.created(url_for("exports.ExportItem", export_id=export.id))
        db.session.commit()
        try:
            jobs.enqueue_export(export.id, export.job_id)
        except QueueUnavailable:
            db.session.commit()  # the export is recorded as failed, with why
            raise
        db.session.refresh(export)  # in-process mode the job has already run
        status_url = url_for("exports.ExportItem", export_id=export.id)
        return export, 202, {"Location": status_url}

    @blp.arguments(ExportListQuery, location="query", as_kwargs=False)
    @blp.response(200, ExportPage)
    def get(self, params):
        """Recent exports, newest first."""
        page = services.list_exports(params["page"], params["per_page"], owner_id=_owner_scope())
        return {"items": page.items, "meta": page.meta()}


@blp.route("/exports/<export_id>")
class ExportItem(MethodView):
    @blp.response(200, ExportOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such export")
    def get(self, export_id):
        """One export: pending | running | done | failed | expired."""
        return services.get_export(export_id, owner_id=_owner_scope())


@blp.route("/exports/<export_id>/download")
class ExportDownload(MethodView):
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="text/csv",
        description="The CSV file (UTF-8 with BOM), as an attachment",
    )
    @blp.alt_response(302, description="Redirect to the object store's short-lived URL")
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such export")
    @blp.alt_response(409, schema=ErrorEnvelope, description="The export is not done")
    @blp.alt_response(410, schema=ErrorEnvelope, description="The export has expired")
    def get(self, export_id):
        """Download the finished CSV."""
        export = services.get_export(export_id, owner_id=_owner_scope())
        key = services.downloadable_key(export)
        name = services.file_name(export)
        services.note_download(export)
        db.session.commit()
        storage = get_storage()
        url = storage.download_url(key, name)
        if url:
            return redirect(url, code=302)
        response = send_file(
            storage.open(key),
            mimetype="text/csv",
            as_attachment=True,
            download_name=name,
            conditional=False,
        )
        response.content_length = storage.size(key)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["Cache-Control"] = "private, no-store"
        return response
