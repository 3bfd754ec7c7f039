"""Logging: one line per event on stdout, with the request id or job id when there is one."""

from __future__ import annotations

import logging
import sys
import uuid

from flask import Flask, g, has_request_context, request


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = "-"
        if has_request_context():
            record.request_id = getattr(g, "request_id", "-")
        else:
            try:
                from rq import get_current_job

                job = get_current_job()
            except Exception:  # noqa: BLE001 - logging must never fail
                job = None
            if job is not None:
                record.request_id = f"job:{job.id}"
        return True


_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class OneLineFormatter(logging.Formatter):
    """One event, one line: a multi-line message or traceback is folded with `` | ``.

    Log routers (Heroku's Logplex, journald, most aggregators) split on newlines, so a
    traceback printed as-is becomes dozens of unrelated events.
    """

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if "\n" in text:
            text = " | ".join(part.rstrip() for part in text.splitlines() if part.strip())
        return text


def configure_logging(app: Flask) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_ticketing", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler._ticketing = True  # type: ignore[attr-defined]
        handler.setFormatter(OneLineFormatter(_FORMAT))
        handler.addFilter(ContextFilter())
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    # Alembic announces its plugins at INFO whenever it loads; that noise would land in the
    # output of every CLI command (and spoil --json). Migrations configure their own logging.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The development server (``flask run``) colours its lines with ANSI codes whatever its
    # output is; in a log file or a pipe they are noise ("\x1b[31m\x1b[1mWARNING: This is a
    # development server…"). Plain text unless stdout is a terminal (werkzeug has no public
    # switch for it: this flag is what it sets itself where a console cannot show colour).
    if not sys.stdout.isatty():
        from werkzeug import serving

        serving._log_add_style = False

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        ok = incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum()
        g.request_id = incoming if ok else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        if has_request_context() and getattr(g, "request_id", None):
            response.headers["X-Request-ID"] = g.request_id
        return response
