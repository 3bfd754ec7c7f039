"""`make run`'s development server writes plain text to a log: no ANSI colour codes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_development_server_warning_is_plain_text_in_a_log(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
        "FLASK_APP": "wsgi",
        "REDIS_URL": "",
        "SECRET_KEY": "dev-server-test",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as out:  # a file, as in a terminal-less start (CI, a service)
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while b"Running on" not in log.read_bytes() and time.monotonic() < deadline:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=20)
    text = log.read_bytes()
    assert b"WARNING: This is a development server" in text, text[-2000:]
    assert b"\x1b[" not in text, text[-2000:]
