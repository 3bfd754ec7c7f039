"""A private redis-server on a free port that a test may stop and start again (never the
shared one), and helpers to fire requests in parallel."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """``redis-server`` bound to 127.0.0.1 on a port picked now, without persistence."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=0.5).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def is_down(self) -> bool:
        try:
            redis.Redis.from_url(self.url, socket_timeout=0.5).ping()
        except redis.RedisError:
            return True
        return False


def in_parallel(n: int, call: Callable[[int], object]) -> list[object]:
    """Run ``call(i)`` for i in 0..n-1 on n threads released at the same moment."""
    barrier = threading.Barrier(n)

    def run(i: int) -> object:
        barrier.wait(timeout=30)
        return call(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


class CheckCounter:
    """Wraps werkzeug's password check to count how many passwords were really checked."""

    def __init__(self, real: Callable[..., bool]) -> None:
        self.real = real
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, *args, **kwargs) -> bool:
        with self.lock:
            self.count += 1
        return self.real(*args, **kwargs)
