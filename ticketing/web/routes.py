"""Serve the single page (staff view at ``/``, public "Submit a request" at ``/submit``).

Plain Flask, not part of the OpenAPI document: the page talks to the same ``/api`` a REST
client uses, so nothing here reads or writes tickets.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ..core import vocab

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)

#: No inline script or style, nothing from another origin: a stray HTML string cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def page_vocabulary() -> dict[str, object]:
    """The vocabulary the page reads (its ``data-vocab`` JSON island): it keeps no copy."""
    return {
        **vocab.as_data(),
        "triage_sources": list(vocab.values(vocab.TriageSource)),
        "manual_source": vocab.Source.MANUAL.value,
        "unclassified": vocab.UNCLASSIFIED,
        "unset": vocab.UNSET,
    }


def _page(mode: str) -> Response:
    response = Response(render_template("index.html", mode=mode, vocab=page_vocabulary()))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def index() -> Response:
    """The staff page: tickets, detail, new ticket, dashboard, exports, login."""
    return _page("app")


@bp.get("/submit")
def submit() -> Response:
    """The public "Submit a request" page (same template and script, public mode)."""
    return _page("public")
