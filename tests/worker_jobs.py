"""Job functions the worker tests enqueue (importable by a worker subprocess)."""

from __future__ import annotations

import logging
import time

from redis import Redis

log = logging.getLogger("tests.worker_jobs")


def slow_job(redis_url: str, key: str, first_run_seconds: float, later_seconds: float) -> str:
    """Note each start and finish in the Redis list ``key``; the first run takes longer."""
    redis = Redis.from_url(redis_url)
    attempt = redis.incr(f"{key}:attempts")
    redis.rpush(key, f"started {attempt}")
    log.info("slow job working, attempt %s", attempt)
    seconds = first_run_seconds if attempt == 1 else later_seconds
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)
    redis.rpush(key, f"finished {attempt}")
    return f"done after attempt {attempt}"
