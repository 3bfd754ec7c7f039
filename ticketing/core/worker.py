"""The RQ worker process (``flask tickets worker``, the Procfile's ``worker:`` line).

- Serves every queue the app uses (``jobs.QUEUES``), running each job in the app context
  (``AppJob``) in a forked work horse.
- Built on rq's ``HerokuWorker``: on SIGTERM (a platform restart or scale-down) the worker stops
  taking jobs; the job in hand gets ``WORKER_SHUTDOWN_GRACE`` seconds to finish, then
  ``ShutDownImminentException`` is raised inside it and the job is put back on its queue (a
  shutdown does not use up one of its retries), so another worker runs it again from the start.
  Jobs are idempotent, so a re-run is safe.
- Scheduled upkeep (``core.upkeep``: every task the features registered): every
  ``UPKEEP_INTERVAL_SECONDS`` one worker — whichever
  first takes a Redis key that lives for the interval — enqueues ``upkeep_job`` on the
  ``upkeep`` queue, which every worker serves first (so a backlog cannot delay it); any worker
  then runs it like any other job (app context, job id in logs).
- Polls (``core.upkeep.register_poll``): every ``WORKER_POLL_SECONDS`` each worker asks the
  database whether work waits (triage, exports) and rings its bell — a bell lost with Redis
  is rung again within seconds.
- Warm before forking (``core.warmup``): the fallback's tables, the language models and the
  anthropic SDK are loaded once in the parent, so no work horse rebuilds them.
- ``run_forever`` (the ``flask tickets worker`` command): when Redis goes away, rq's loop
  gives up; this waits with backoff, logs, reconnects and carries on. It returns only on a
  stop request (SIGTERM/SIGINT) or in burst mode.
"""

from __future__ import annotations

import logging
import signal
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from redis.exceptions import RedisError
from rq.exceptions import ShutDownImminentException
from rq.worker import HerokuWorker

from . import upkeep, warmup
from .jobs import QUEUES

log = logging.getLogger(__name__)

UPKEEP_KEY = "ticketing:upkeep:last"
UPKEEP_QUEUE = "upkeep"
#: Longest wait between reconnection attempts (seconds).
RECONNECT_MAX = 30.0


def upkeep_job() -> Any:
    """Periodic upkeep: every task the features registered (``core.upkeep``)."""
    return upkeep.run_all()


class TicketingWorker(HerokuWorker):
    """HerokuWorker that requeues a job cut short by shutdown and schedules the upkeep."""

    upkeep_interval: int = 0  # seconds; 0 = no upkeep from this worker
    poll_interval: float = 0  # seconds; 0 = no polls from this worker
    flask_app: Flask | None = None
    _polled_at: float | None = None

    @property
    def poll_due(self) -> bool:
        if self.flask_app is None or self.poll_interval <= 0:
            return False
        return self._polled_at is None or time.monotonic() - self._polled_at >= self.poll_interval

    def poll(self) -> dict[str, Any]:
        """Ring the bell of any work the database holds (``core.upkeep.register_poll``)."""
        self._polled_at = time.monotonic()
        return upkeep.poll_all(self.flask_app, self.queue_names())

    def schedule_upkeep(self, at: datetime | None = None) -> str | None:
        """Enqueue the upkeep job if no worker did so in the last interval; returns its id.

        ``SET key NX EX interval`` is the guard: exactly one worker wins per interval, and a
        crashed worker cannot hold it for longer than that.
        """
        if not self.upkeep_enabled:
            return None
        stamp = (at or datetime.now(UTC)).isoformat()
        if not self.connection.set(UPKEEP_KEY, stamp, nx=True, ex=self.upkeep_interval):
            return None
        queue = next((q for q in self.queues if q.name == UPKEEP_QUEUE), None)
        if queue is None:
            queue = self.queue_class(
                UPKEEP_QUEUE, connection=self.connection, job_class=self.job_class
            )
        job = queue.enqueue(
            upkeep_job,
            job_timeout=max(60, min(self.upkeep_interval, 3600)),
            result_ttl=self.upkeep_interval,
            failure_ttl=7 * 86400,
            description="ticketing upkeep",
        )
        log.info("upkeep scheduled as job %s", job.id)
        return job.id

    @property
    def upkeep_enabled(self) -> bool:
        return self.upkeep_interval > 0

    @property
    def should_run_maintenance_tasks(self) -> bool:
        if super().should_run_maintenance_tasks or self.poll_due:
            return True
        return self.upkeep_enabled and not self.connection.exists(UPKEEP_KEY)

    def run_maintenance_tasks(self) -> None:
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()
        try:
            self.schedule_upkeep()
        except Exception:  # noqa: BLE001 - upkeep must never take the worker down
            log.exception("could not schedule upkeep")
        if self.poll_due:
            self.poll()

    @property
    def dequeue_timeout(self) -> int:
        # Wake up at least once per upkeep interval (and poll interval) to see what is due.
        timeout = super().dequeue_timeout
        if self.upkeep_enabled:
            timeout = max(1, min(timeout, self.upkeep_interval))
        if self.poll_interval > 0:
            timeout = max(1, min(timeout, int(self.poll_interval)))
        return timeout

    @property
    def stop_requested(self) -> bool:
        return bool(self._stop_requested or self._shutdown_requested_date)

    def handle_exception(self, job, *exc_info) -> Any:
        if exc_info and isinstance(exc_info[1], ShutDownImminentException):
            self._interrupted_job_id = job.id
        return super().handle_exception(job, *exc_info)

    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string="", **kw):
        if getattr(self, "_interrupted_job_id", None) == job.id:
            self._interrupted_job_id = None
            # Cut short by a shutdown, not failed: give back the attempt and requeue it.
            job.retries_left = (job.retries_left or 0) + 1
            log.warning("job %s interrupted by shutdown; requeued on %s", job.id, queue.name)
        return super().handle_job_failure(
            job, queue, started_job_registry=started_job_registry, exc_string=exc_string, **kw
        )


def make_worker(
    app: Flask, queues: tuple[str, ...] | None = None, **options: Any
) -> TicketingWorker:
    """A worker on the app's Redis connection for ``queues`` (default: every queue)."""
    state = app.extensions["jobs"]
    names = queues or QUEUES
    unknown = [name for name in names if name not in state.queues]
    if unknown:
        raise ValueError(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    worker = TicketingWorker(
        [state.queues[name] for name in names],
        connection=state.connection,
        job_class=state.job_class,
        **options,
    )
    worker.imminent_shutdown_delay = int(app.config["WORKER_SHUTDOWN_GRACE"])
    worker.upkeep_interval = int(app.config["UPKEEP_INTERVAL_SECONDS"])
    worker.poll_interval = float(app.config["WORKER_POLL_SECONDS"])
    worker.flask_app = app
    return worker


def run_forever(
    app: Flask, queues: tuple[str, ...] | None = None, burst: bool = False, **work: Any
) -> None:
    """Run a worker; when it stops for any reason but a stop request (Redis went away, a
    timeout), wait with backoff until Redis answers, then start a fresh one. Never exits on
    an outage; SIGTERM/SIGINT while waiting end the process at once (nothing is in hand)."""
    warmup.warm(app)  # before any fork: no work horse rebuilds tables or imports
    delay = 1.0
    while True:
        worker = None
        started = time.monotonic()
        try:
            # Inside the try: building a worker talks to Redis (CLIENT SETNAME), which may be
            # down at start or gone again since the last PING.
            worker = make_worker(app, queues)
            worker.work(burst=burst, **work)
        except (RedisError, OSError) as err:
            log.error("worker stopped: %s: %s", type(err).__name__, err)
        if burst or (worker is not None and worker.stop_requested):
            return
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if time.monotonic() - started > 60:
            delay = 1.0  # it had been running fine: start over with a short wait
        delay = _wait_for_redis(app, delay)


def _wait_for_redis(app: Flask, delay: float) -> float:
    """Sleep ``delay``, doubling up to ``RECONNECT_MAX``, until Redis answers a PING;
    returns the next delay."""
    connection = app.extensions["jobs"].connection
    while True:
        log.warning("worker: Redis unavailable; reconnecting in %.0f s", delay)
        time.sleep(delay)
        delay = min(delay * 2, RECONNECT_MAX)
        try:
            connection.ping()
        except (RedisError, OSError) as err:
            log.warning("worker: Redis still unavailable (%s)", type(err).__name__)
            continue
        log.warning("worker: Redis answers again; resuming")
        return delay
