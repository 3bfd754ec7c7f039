"""A scriptable fake of the Anthropic Messages API on 127.0.0.1, for the real SDK to talk to.

Each request takes the next scripted answer (the last one repeats). Every request is recorded
with its arrival time, headers and JSON body, so tests can count attempts and check spacing.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD_TRIAGE = {
    "category": "billing",
    "priority": "high",
    "sentiment": "frustrated",
    "urgency_score": 72,
    "confidence": 0.91,
    "explanation": "The customer was charged twice and asks for a refund.",
    "suggested_title": "Double charge on invoice, refund requested",
}


def tool(inputs: Any = None, **changes: Any) -> dict[str, Any]:
    """A tool answer: GOOD_TRIAGE (or ``inputs``) with ``changes`` applied."""
    data = dict(GOOD_TRIAGE) if inputs is None else inputs
    if isinstance(data, dict):
        data = {**data, **changes}
    return {"kind": "tool", "input": data}


def text(message: str = "I think this is billing.") -> dict[str, Any]:
    """A plain text answer with no tool call."""
    return {"kind": "text", "text": message}


def raw(status: int, body: str, content_type: str = "application/json", **headers) -> dict:
    """Exactly these bytes (e.g. malformed JSON)."""
    return {"kind": "raw", "status": status, "body": body, "type": content_type, "headers": headers}


def error(status: int, kind: str, retry_after: str | None = None) -> dict[str, Any]:
    """An API error envelope (``rate_limit_error``, ``overloaded_error``, ``api_error`` …)."""
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return {"kind": "error", "status": status, "type": kind, "headers": headers}


def hang(seconds: float = 30.0) -> dict[str, Any]:
    """Accept the request and answer nothing for ``seconds`` (past the client's timeout)."""
    return {"kind": "hang", "seconds": seconds}


@dataclass
class Seen:
    at: float
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeAnthropic:
    script: list[dict[str, Any]] = field(default_factory=lambda: [tool()])
    requests: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, *steps: dict[str, Any]) -> None:
        """Script the next answers, in order; the last one repeats."""
        with self.lock:
            self.script = list(steps)

    def next_step(self) -> dict[str, Any]:
        with self.lock:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    @property
    def count(self) -> int:
        return len(self.requests)

    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm
                # and delayed ACKs add ~40 ms to every answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                raw_body = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw_body or b"{}")
                except ValueError:
                    body = {}
                with fake.lock:
                    fake.requests.append(
                        Seen(time.monotonic(), self.path, dict(self.headers.items()), body)
                    )
                fake.respond(self, fake.next_step(), body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def respond(self, handler: BaseHTTPRequestHandler, step: dict[str, Any], body: dict) -> None:
        kind = step["kind"]
        headers: dict[str, str] = {}
        if kind == "hang":
            self.stopping.wait(step["seconds"])
            handler.close_connection = True
            return
        if kind == "tool":
            tool_name = (body.get("tool_choice") or {}).get("name", "record_triage")
            block = {"type": "tool_use", "id": "toolu_1", "name": tool_name, "input": step["input"]}
            payload = self.message([block], "tool_use", body)
            status, data, content_type = 200, json.dumps(payload), "application/json"
        elif kind == "text":
            payload = self.message([{"type": "text", "text": step["text"]}], "end_turn", body)
            status, data, content_type = 200, json.dumps(payload), "application/json"
        elif kind == "raw":
            status, data, content_type = step["status"], step["body"], step["type"]
            headers.update(step["headers"])
        else:  # error
            payload = {
                "type": "error",
                "error": {"type": step["type"], "message": f"fake {step['type']}"},
            }
            status, data, content_type = step["status"], json.dumps(payload), "application/json"
            headers.update(step["headers"])
        encoded = data.encode()
        handler.send_response(status)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(encoded)))
        handler.send_header("request-id", f"req_fake_{self.count}")
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(encoded)

    @staticmethod
    def message(content: list, stop_reason: str, body: dict) -> dict[str, Any]:
        return {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-haiku-5-5"),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 321, "output_tokens": 54},
        }


def refused_url() -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
