"""A scriptable fake of the Anthropic Messages API on 127.0.0.1, for the real SDK to talk to.

Each request takes the next scripted answer (the last one repeats). Every request is recorded
with its arrival time, headers and JSON body, so tests can count attempts and check spacing.

Like the real API, it **refuses** (400 ``invalid_request_error``, the real error shape with a
``request_id``) what the real API refuses before any model runs: a request without ``model``,
``max_tokens`` or ``messages``; messages that do not start with the user, do not alternate
roles, or hold empty text; a ``tool_choice`` naming no tool; and in a ``strict`` tool's
schema an object without ``additionalProperties: false``, numeric bounds (``minimum``,
``maximum``, ``multipleOf`` …), string bounds (``minLength``, ``maxLength``), array bounds other
than ``minItems`` 0/1, unsupported string formats, or more optional properties in all strict
tools together than the grammar compiler takes (the "compiled grammar is too large" 400).
The messages are worded as the real API words them.

It also implements the Message Batches endpoints the SDK uses (create, retrieve, results as
JSONL): each request of a batch is validated like a message and answered from the script;
``batch_polls_to_end`` says how many retrieves see ``in_progress`` before ``ended``.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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


def expired() -> dict[str, Any]:
    """In a batch: the request expired before it was processed."""
    return {"kind": "expired"}


def missing() -> dict[str, Any]:
    """In a batch: the request is absent from the results."""
    return {"kind": "missing"}


# ---------------------------------------------------------------- what the real API refuses
NUMERIC_BOUNDS = ("exclusiveMaximum", "exclusiveMinimum", "maximum", "minimum", "multipleOf")
STRING_BOUNDS = ("maxLength", "minLength")
ARRAY_BOUNDS = ("maxItems", "uniqueItems", "contains", "minContains", "maxContains")
STRING_FORMATS = {
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "uri",
    "ipv4",
    "ipv6",
    "uuid",
}
#: Optional properties over all strict tools of a request that the grammar compiler takes.
MAX_OPTIONAL_PROPERTIES = 24
CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class Refused(Exception):
    """The request is invalid: a 400 ``invalid_request_error`` with this message."""


def _unsupported(kind: str, names: list[str], where: str) -> Refused:
    listed = ", ".join(sorted(names))
    return Refused(f"{where}: For '{kind}' type, properties {listed} are not supported")


def _bounds(kind: str, schema: dict) -> list[str]:
    """The keywords of ``schema`` strict mode does not support for its type."""
    if kind in ("integer", "number"):
        return [k for k in NUMERIC_BOUNDS if k in schema]
    if kind == "string":
        bad = [k for k in STRING_BOUNDS if k in schema]
        if schema.get("format") and schema["format"] not in STRING_FORMATS:
            bad.append("format")
        return bad
    if kind == "array":
        bad = [k for k in ARRAY_BOUNDS if k in schema]
        if schema.get("minItems") not in (None, 0, 1):
            bad.append("minItems")
        return bad
    return []


def check_strict_schema(schema: Any, where: str) -> int:
    """Raise Refused as the real API does; returns the number of optional properties."""
    if not isinstance(schema, dict):
        raise Refused(f"{where}: schema must be an object")
    if "oneOf" in schema:
        raise Refused(f"{where}: 'oneOf' is not supported, use 'anyOf'")
    kind = schema.get("type")
    bad = _bounds(kind, schema)
    if bad:
        raise _unsupported(kind, bad, where)
    subs = [*(schema.get("anyOf") or []), *(schema.get("allOf") or [])]
    optional = 0
    if kind == "array" and "items" in schema:
        subs.append(schema["items"])
    if kind == "object":
        if schema.get("additionalProperties") is not False:
            raise Refused(
                f"{where}: For 'object' type, 'additionalProperties' must be explicitly set "
                "to false"
            )
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        optional = len([p for p in properties if p not in required])
        subs.extend(properties.values())
    return optional + sum(check_strict_schema(sub, where) for sub in subs)


def _check_messages(messages: Any, prefix: str) -> None:
    """The real API's checks on ``messages``: a non-empty list starting with the user, roles
    alternating, no empty text content."""
    if not isinstance(messages, list) or not messages:
        raise Refused(f"{prefix}messages: at least one message is required")
    previous = None
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if i == 0 and role != "user":
            raise Refused(f'{prefix}messages: first message must use the "user" role')
        if role == previous:
            raise Refused(f'{prefix}messages: roles must alternate between "user" and "assistant"')
        previous = role
        content = message.get("content")
        if content == "" or content == []:
            raise Refused(f"{prefix}messages.{i}: text content blocks must be non-empty")


def check_message_params(body: Any, prefix: str = "") -> None:
    """What the Messages API checks before running a model."""
    if not isinstance(body, dict):
        raise Refused(f"{prefix or 'body'}: Input should be an object")
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            raise Refused(f"{prefix}{name}: Field required")
    _check_messages(body.get("messages"), prefix)
    tools = body.get("tools") or []
    names = {t.get("name") for t in tools if isinstance(t, dict)}
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool" and choice.get("name") not in names:
        raise Refused(f"{prefix}tool_choice: Tool '{choice.get('name')}' not found in tools")
    optional = 0
    for i, tool in enumerate(tools):
        if isinstance(tool, dict) and tool.get("strict"):
            optional += check_strict_schema(tool.get("input_schema"), f"{prefix}tools.{i}.custom")
    if optional > MAX_OPTIONAL_PROPERTIES:
        raise Refused(
            "The compiled grammar is too large, which would cause performance issues. "
            "Simplify your tool schemas or reduce the number of strict tools."
        )


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
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_polls_to_end: int = 0
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
        """Messages API calls seen (batch endpoints not counted)."""
        return len(self.message_requests)

    @property
    def message_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path == "/v1/messages"]

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
                path = self.path.split("?")[0]
                with fake.lock:
                    fake.requests.append(
                        Seen(time.monotonic(), path, dict(self.headers.items()), body)
                    )
                try:
                    if path == "/v1/messages/batches":
                        fake.create_batch(self, body)
                        return
                    check_message_params(body)
                except Refused as err:
                    fake.send_json(self, 400, error_body("invalid_request_error", str(err)))
                    return
                fake.respond(self, fake.next_step(), body)

            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                with fake.lock:
                    fake.requests.append(
                        Seen(time.monotonic(), path, dict(self.headers.items()), {})
                    )
                fake.get_batch(self, path)

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
            payload = error_body(step["type"], f"fake {step['type']}")
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

    def send_json(self, handler, status: int, payload: Any, content_type="application/json"):
        encoded = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
        handler.send_response(status)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(encoded)))
        handler.send_header("request-id", f"req_fake_{len(self.requests)}")
        handler.end_headers()
        handler.wfile.write(encoded)

    # ------------------------------------------------------------ Message Batches
    def create_batch(self, handler, body: dict) -> None:
        requests = body.get("requests")
        if not isinstance(requests, list) or not requests:
            raise Refused("requests: List should have at least 1 item after validation")
        seen: set[str] = set()
        for i, item in enumerate(requests):
            cid = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(cid, str) or not CUSTOM_ID.match(cid):
                raise Refused(
                    f"requests.{i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
                )
            if cid in seen:
                raise Refused(f"requests.{i}.custom_id: Duplicate custom_id '{cid}'")
            seen.add(cid)
            check_message_params(item.get("params"), f"requests.{i}.params.")
        batch_id = f"msgbatch_fake{uuid.uuid4().hex[:16]}"
        now = datetime.now(UTC)
        answers = {item["custom_id"]: (self.next_step(), item["params"]) for item in requests}
        with self.lock:
            self.batches[batch_id] = {
                "answers": answers,
                "created_at": now,
                "polls": 0,
                "ended_at": None,
            }
        self.send_json(handler, 200, self.batch_object(batch_id))

    def batch_object(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        ended = batch["ended_at"] is not None
        kinds = [step["kind"] for step, _ in batch["answers"].values()]
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if ended:
            for kind in kinds:
                if kind in ("tool", "text"):
                    counts["succeeded"] += 1
                elif kind == "expired":
                    counts["expired"] += 1
                elif kind != "missing":
                    counts["errored"] += 1
        else:
            counts["processing"] = len(kinds)
        host, port = self.server.server_address[:2]
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "created_at": batch["created_at"].isoformat(),
            "expires_at": (batch["created_at"] + timedelta(hours=24)).isoformat(),
            "ended_at": batch["ended_at"].isoformat() if ended else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": (
                f"http://{host}:{port}/v1/messages/batches/{batch_id}/results" if ended else None
            ),
        }

    def get_batch(self, handler, path: str) -> None:
        match = re.fullmatch(r"/v1/messages/batches/([\w-]+)(/results)?", path)
        batch = self.batches.get(match.group(1)) if match else None
        if batch is None:
            self.send_json(handler, 404, error_body("not_found_error", f"{path} not found"))
            return
        batch_id = match.group(1)
        if match.group(2):
            if batch["ended_at"] is None:
                self.send_json(
                    handler,
                    400,
                    error_body(
                        "invalid_request_error", f"Batch {batch_id} has not finished processing"
                    ),
                )
                return
            self.send_json(handler, 200, self.results_jsonl(batch), "application/binary")
            return
        with self.lock:
            batch["polls"] += 1
            if batch["ended_at"] is None and batch["polls"] > self.batch_polls_to_end:
                batch["ended_at"] = datetime.now(UTC)
        self.send_json(handler, 200, self.batch_object(batch_id))

    def results_jsonl(self, batch: dict) -> str:
        lines = []
        for cid, (step, params) in batch["answers"].items():
            kind = step["kind"]
            if kind == "missing":
                continue
            if kind == "tool":
                tool_name = (params.get("tool_choice") or {}).get("name", "record_triage")
                block = {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": tool_name,
                    "input": step["input"],
                }
                result = {"type": "succeeded", "message": self.message([block], "tool_use", params)}
            elif kind == "text":
                result = {
                    "type": "succeeded",
                    "message": self.message(
                        [{"type": "text", "text": step["text"]}], "end_turn", params
                    ),
                }
            elif kind == "expired":
                result = {"type": "expired"}
            else:
                detail = error_body(step.get("type", "api_error"), "fake batch error")
                result = {"type": "errored", "error": detail}
            lines.append(json.dumps({"custom_id": cid, "result": result}))
        return "\n".join(lines) + "\n"

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


def error_body(kind: str, message: str) -> dict[str, Any]:
    """The real API's error shape."""
    return {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": f"req_fake{uuid.uuid4().hex[:12]}",
    }


def refused_url() -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
