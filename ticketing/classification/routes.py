"""HTTP only: triage jobs, live suggestions, history and metrics."""

from __future__ import annotations

import re
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core import jobs as queue
from ..core.errors import NotFound
from ..core.extensions import limiter
from ..core.ratelimits import config_limit, per_user_key
from ..core.redact import without_paths
from ..core.schemas import ErrorEnvelope, PageQuery
from ..core.vocab import JobStatus, TriageStatus
from . import batches, services, status
from .jobs import enqueue_triage, run_triage
from .schemas import (
    BatchOut,
    BatchPage,
    ClassificationPage,
    ClaudeStatusOut,
    JobOut,
    SuggestIn,
    SuggestionOut,
)

blp = Blueprint(
    "classification", __name__, url_prefix="/api", description="Triage: classify tickets"
)


#: What RQ's job ids look like (uuid4 hex); anything else cannot name a job.
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def job_resource(job_id: str) -> dict[str, Any]:
    """A triage job as the API shows it; its state comes from the database (the ticket row
    is the record of the work), RQ only for an id the database does not know.

    Raises NotFound when neither knows the id, QueueUnavailable when RQ must be asked and
    Redis does not answer.
    """
    if not JOB_ID.match(job_id):
        raise NotFound(f"Job {job_id[:64]}")
    run = services.run_for_job(job_id)
    ticket = services.ticket_for_job(job_id)
    rq_job = queue.fetch_job(job_id) if run is None and ticket is None else None
    if rq_job is not None and not _is_triage(rq_job):
        rq_job = None  # another kind of job (an export …): its own resource decides who sees it
    if run is None and ticket is None and rq_job is None:
        raise NotFound(f"Job {job_id}")
    rq_status = queue.job_status(rq_job) if rq_job is not None else None
    error = None
    if run is not None:
        status, error = JobStatus.DONE, run.error
    elif ticket is not None and ticket.triage_status == TriageStatus.FAILED:
        status, error = JobStatus.FAILED, ticket.triage_error
    elif rq_status == JobStatus.FAILED:
        status, error = JobStatus.FAILED, _rq_error(rq_job)
    elif ticket is not None and ticket.triage_status in (TriageStatus.QUEUED, TriageStatus.RUNNING):
        status = ticket.triage_status
    else:
        status = rq_status or JobStatus.QUEUED
    ticket_id = run.ticket_id if run is not None else ticket.id if ticket is not None else None
    if ticket_id is None and rq_job is not None and rq_job.args:
        ticket_id = rq_job.args[0] if isinstance(rq_job.args[0], int) else None
    return {
        "id": job_id,
        "kind": "triage",
        "status": status,
        "status_url": url_for("classification.JobItem", job_id=job_id),
        "ticket_id": ticket_id,
        "ticket_url": url_for("tickets.TicketItem", ticket_id=ticket_id) if ticket_id else None,
        "result": run,
        "error": error,
    }


def _is_triage(rq_job) -> bool:
    """Whether an RQ job is a triage run: this resource serves only those."""
    try:
        return rq_job.func_name == f"{run_triage.__module__}.{run_triage.__name__}"
    except Exception:  # noqa: BLE001 - a job whose payload cannot be read is nobody's triage
        return False


def _rq_error(rq_job) -> str:
    result = rq_job.latest_result() if hasattr(rq_job, "latest_result") else None
    text = getattr(result, "exc_string", None) or "the job failed"
    return without_paths(text.strip().splitlines()[-1][:500])


@blp.route("/tickets/<int:ticket_id>/classify")
class ClassifyTicket(MethodView):
    @limiter.limit(config_limit("CLASSIFY_RATE_LIMIT"), key_func=per_user_key)
    @blp.response(202, JobOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(429, schema=ErrorEnvelope, description="Too many classify requests")
    @blp.alt_response(503, schema=ErrorEnvelope, description="The job queue is unavailable")
    def post(self, ticket_id):
        """Queue triage for one ticket (the same job while one is queued or running)."""
        job = enqueue_triage(ticket_id)
        resource = job_resource(job.job_id)
        return resource, 202, {"Location": resource["status_url"]}


@blp.route("/jobs/<job_id>")
class JobItem(MethodView):
    @blp.response(200, JobOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such job")
    @blp.alt_response(503, schema=ErrorEnvelope, description="The job queue is unavailable")
    def get(self, job_id):
        """A triage job's state: queued | running | done | failed, with the result or error."""
        return job_resource(job_id)


@blp.route("/classify")
class Suggest(MethodView):
    @limiter.limit(config_limit("SUGGEST_RATE_LIMIT"), key_func=per_user_key)
    @blp.arguments(SuggestIn)
    @blp.response(200, SuggestionOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    @blp.alt_response(429, schema=ErrorEnvelope, description="Too many suggestions")
    def post(self, data):
        """Suggest a triage for text being typed (short timeout; falls back, never fails)."""
        return services.suggest(data.get("subject"), data["body"])


@blp.route("/tickets/<int:ticket_id>/classifications")
class TicketClassifications(MethodView):
    @blp.arguments(PageQuery, location="query", as_kwargs=False)
    @blp.response(200, ClassificationPage)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    def get(self, params, ticket_id):
        """The ticket's triage runs, newest first, paginated like the ticket list."""
        page = services.list_history(ticket_id, params["page"], params["per_page"])
        return {"items": page.items, "meta": page.meta()}


@blp.route("/classification/claude")
class ClaudeStatus(MethodView):
    @blp.response(200, ClaudeStatusOut)
    def get(self):
        """Claude for the dashboard: configuration fault, budget, spend per ticket and month."""
        return status.summary(open_batches=batches.open_count())


@blp.route("/classification/batches")
class Batches(MethodView):
    @blp.arguments(PageQuery, location="query", as_kwargs=False)
    @blp.response(200, BatchPage)
    def get(self, params):
        """Message Batches submissions of triage, newest first."""
        page = batches.list_batches(params["page"], params["per_page"])
        return {"items": page.items, "meta": page.meta()}


@blp.route("/classification/batches/<int:batch_id>")
class BatchItem(MethodView):
    @blp.response(200, BatchOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such batch")
    def get(self, batch_id):
        """One batch: how many requests, answered, applied."""
        return batches.get_batch(batch_id)
