"""Bodies and URLs a real gunicorn hands the app (or refuses itself) get the JSON envelope.

gunicorn de-chunks a ``Transfer-Encoding: chunked`` body (no Content-Length reaches the app),
and refuses an over-long request line before the app sees it: both paths are checked against
the real server (``gunicorn.conf.py``, embedded mode on the test database). It must still
stop promptly on SIGTERM.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import ROOT
from .test_procfile import free_port

pytestmark = pytest.mark.slow

FORM = {"subject": "Printer", "body": "On fire", "email": "a@example.com", "name": "A"}


@pytest.fixture
def gunicorn(database_url, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "ANTHROPIC_"))}
    for key in ("REDIS_URL", "FLASK_APP", "PYTEST_XDIST_WORKER"):
        env.pop(key, None)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        DATABASE_URL=database_url,
        PORT=str(port),
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        AUTO_CLASSIFY="0",
        EXPORT_DIR=str(tmp_path / "exports"),
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
        try:
            if call(port, "GET", "/api/health")[0] == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "gunicorn did not answer /api/health"
        time.sleep(0.2)
    try:
        yield port, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        log.close()


def call(port: int, method: str, path: str, body: bytes | None = None, chunked=False):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    try:
        if chunked:
            parts = (body[i : i + 65536] for i in range(0, len(body), 65536))
            connection.request(method, path, body=parts, headers=headers, encode_chunked=True)
        else:
            connection.request(method, path, body=body, headers=headers)
    except (BrokenPipeError, ConnectionResetError):
        # The server answered (a 413) and closed before reading the rest of an oversized
        # body, as servers may: its answer is already on the socket, read it as clients do.
        pass
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    kind = response.getheader("Content-Type", "")
    return response.status, json.loads(raw) if "json" in kind else raw


def code(answer) -> tuple[int, str]:
    status, body = answer
    assert isinstance(body, dict), body
    return status, body["error"]["code"]


def test_bodies_and_urls_under_gunicorn_answer_in_the_envelope(gunicorn):
    port, process = gunicorn
    nul = json.dumps({**FORM, "subject": "a\u0000b"}).encode()
    surrogate = json.dumps({**FORM, "body": "x\ud800y"}).encode()
    big = json.dumps({**FORM, "body": "x" * 3_000_000}).encode()
    deep = b"[" * 5000 + b"]" * 5000
    for chunked in (False, True):
        assert code(call(port, "POST", "/api/intake", nul, chunked)) == (422, "validation_error")
        assert code(call(port, "POST", "/api/intake", surrogate, chunked)) == (
            422,
            "validation_error",
        )
        assert code(call(port, "POST", "/api/intake", big, chunked)) == (413, "payload_too_large")
        assert code(call(port, "POST", "/api/intake", deep, chunked)) == (400, "json_too_deep")
        good = json.dumps(FORM).encode()
        assert call(port, "POST", "/api/intake", good, chunked)[0] == 201
    assert code(call(port, "GET", "/api/tickets?q=" + "a" * 9000)) == (414, "uri_too_long")
    assert code(call(port, "GET", "/api/tickets?q=" + "a" * 5000)) == (401, "unauthorized")

    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    assert time.monotonic() - started < 40
