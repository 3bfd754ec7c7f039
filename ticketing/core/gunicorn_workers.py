"""gunicorn workers that answer the requests gunicorn itself refuses in the API's one error
envelope, not gunicorn's HTML page.

gunicorn rejects a request line longer than ``limit_request_line`` (414) and too many or too
large headers (431) before the app sees the request, with an HTML body. These workers write
``{"error": {"code", "message"}}`` as JSON instead (and log the refusal like gunicorn does);
every other error is gunicorn's own handling. ``gunicorn.conf.py`` names them.
"""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

#: exception -> (status, reason, code, message)
_REFUSALS = (
    (
        LimitRequestLine,
        414,
        "URI Too Long",
        "uri_too_long",
        "The URL is longer than the server accepts ({limit} bytes for the request line).",
        "limit_request_line",
    ),
    (
        LimitRequestHeaders,
        431,
        "Request Header Fields Too Large",
        "headers_too_large",
        "The request headers are larger or more numerous than the server accepts.",
        "limit_request_field_size",
    ),
)


def envelope_response(status: int, reason: str, code: str, message: str) -> bytes:
    """A complete HTTP/1.1 answer carrying the error envelope (the connection closes)."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class JsonRefusals:
    """Mixin over a gunicorn worker: its own refusals in the JSON envelope."""

    def handle_error(self, req, client, addr, exc):
        for kind, status, reason, code, message, setting in _REFUSALS:
            if isinstance(exc, kind):
                ip = (addr or ("",))[0]
                self.log.warning("Invalid request from ip=%s: %s", ip, exc)
                text = message.format(limit=getattr(self.cfg, setting, "?"))
                try:
                    util.write_nonblock(client, envelope_response(status, reason, code, text))
                except Exception:  # noqa: BLE001 - the client may be gone; as gunicorn does
                    self.log.debug("Failed to send error message.")
                return None
        return super().handle_error(req, client, addr, exc)


class JsonThreadWorker(JsonRefusals, ThreadWorker):
    """gthread, with JSON refusals."""


class JsonSyncWorker(JsonRefusals, SyncWorker):
    """sync, with JSON refusals."""
