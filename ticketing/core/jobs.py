"""The job queue: RQ on Redis when ``REDIS_URL`` is set, in-process otherwise.

One code path in both modes. Jobs are plain functions taking ids; ``AppJob`` runs each
inside a fresh application context (so a job has its own database session, even when it
runs in-process during a request). Without ``REDIS_URL`` the queues live on an in-process
fakeredis server and run jobs synchronously as they are enqueued (``JOBS_ASYNC`` overrides).
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from . import kv
from .context import Actor, acting_as
from .errors import QueueUnavailable
from .vocab import ActorType, Via

log = logging.getLogger(__name__)

#: Every queue the app uses, in the order a worker serves them: the upkeep first, so it runs
#: on time whatever the backlog (drain jobs hand the worker back every few seconds); the
#: tickets' vectors last, so a triage backlog is always served before them.
QUEUES = ("upkeep", "classification", "mail", "exports", "default", "vectors")
#: A bell's de-duplication key lives this long at most (a lost enqueue cannot block it longer).
BELL_TTL = 60
BELL_PREFIX = "ticketing:bell:"


class AppJob(Job):
    """An RQ job that runs inside the Flask app bound to its class."""

    flask_app: Flask | None = None

    def perform(self) -> Any:
        app = type(self).flask_app
        if app is None:
            return super().perform()
        state: JobState = app.extensions["jobs"]
        if state.pid != os.getpid():
            # A forked work horse must not reuse the parent's pooled connections.
            with app.app_context():
                app.extensions["sqlalchemy"].engines[None].dispose(close=False)
            state.pid = os.getpid()
        # A job acts as the system via ``job`` whoever enqueued it (the triage job narrows
        # this to ``triage``), in-process or on a worker alike.
        with app.app_context(), acting_as(Actor(type=ActorType.SYSTEM, via=Via.JOB)):
            return super().perform()


@dataclass
class JobState:
    connection: Redis
    is_async: bool
    job_class: type[AppJob]
    queues: dict[str, Queue] = field(default_factory=dict)
    pid: int = field(default_factory=os.getpid)


def init_app(app: Flask) -> None:
    connection = kv.connect(app)
    is_async = app.config.get("JOBS_ASYNC")
    if is_async is None:
        is_async = bool(app.config.get("REDIS_URL"))
    job_class = type("AppJob", (AppJob,), {"flask_app": app})
    state = JobState(connection=connection, is_async=is_async, job_class=job_class)
    for name in QUEUES:
        state.queues[name] = Queue(
            name, connection=connection, is_async=is_async, job_class=job_class
        )
    app.extensions["jobs"] = state


def state() -> JobState:
    return current_app.extensions["jobs"]


def get_queue(name: str) -> Queue:
    return state().queues[name]


def enqueue(queue: str, func, *args: Any, **options: Any) -> Job:
    """Put ``func(*args)`` on ``queue``. Call only after the data it reads is committed.

    Raises ``QueueUnavailable`` when Redis cannot be reached.
    """
    try:
        job = get_queue(queue).enqueue(func, *args, **options)
    except RedisError as err:
        raise QueueUnavailable() from err
    log.info("enqueued job %s %s on %s", job.id, job.func_name, queue)
    return job


def enqueue_later(queue: str, seconds: float, func, *args: Any, **options: Any) -> Job | None:
    """Put ``func(*args)`` on ``queue`` in ``seconds`` (the worker runs RQ's scheduler). In
    embedded mode nothing runs later, so nothing is scheduled (None): the caller's other path
    (upkeep, a command) does the work. Raises ``QueueUnavailable`` when Redis is down."""
    if not state().is_async:
        return None
    try:
        job = get_queue(queue).enqueue_in(timedelta(seconds=seconds), func, *args, **options)
    except RedisError as err:
        raise QueueUnavailable() from err
    log.info("scheduled job %s %s on %s in %.0f s", job.id, job.func_name, queue, seconds)
    return job


def ring(
    queue: str, func, name: str, hint: Any = None, bell_ttl: int = BELL_TTL, **options: Any
) -> bool:
    """Wake a worker for work the database records (Redis only rings the bell).

    On RQ: enqueue ``func()`` unless a job rung under ``name`` still waits (``SET NX`` on a
    key the job clears with ``answer_bell`` when it starts); returns whether it enqueued.
    A queue whose jobs may wait longer than ``BELL_TTL`` behind others passes a longer
    ``bell_ttl``: the key then names its job, and a ring that finds the key checks that the
    job really still waits (a job lost or removed without starting does not silence the bell).
    In-process: run ``func(hint)`` now — the hint narrows it to the item just saved.
    Raises ``QueueUnavailable`` when Redis cannot be reached.
    """
    st = state()
    if not st.is_async:
        enqueue(queue, func, hint, **options)
        return True
    key = BELL_PREFIX + name
    job_id = f"{name}-{uuid.uuid4().hex[:16]}"
    try:
        if not st.connection.set(key, job_id, nx=True, ex=bell_ttl):
            if bell_ttl <= BELL_TTL or _bell_job_waits(st, key):
                return False
            st.connection.set(key, job_id, ex=bell_ttl)
        job = get_queue(queue).enqueue(func, job_id=job_id, **options)
    except RedisError as err:
        _forget_bell(key)
        raise QueueUnavailable() from err
    log.info("rang %s: job %s on %s", name, job.id, queue)
    return True


def _bell_job_waits(st: JobState, key: str) -> bool:
    """Whether the job a bell's key names is still queued (not started, lost or removed)."""
    pending = st.connection.get(key)
    if not pending:
        return False
    try:
        job = st.job_class.fetch(pending.decode(), connection=st.connection)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    return getattr(status, "value", status) in ("queued", "deferred", "scheduled")


def answer_bell(name: str) -> None:
    """A woken job starts: the next save rings again (no Redis, nothing to clear)."""
    _forget_bell(BELL_PREFIX + name)


def _forget_bell(key: str) -> None:
    try:
        state().connection.delete(key)
    except RedisError:
        pass


def fetch_job(job_id: str) -> Job | None:
    """The RQ job, or None; raises ``QueueUnavailable`` when Redis cannot be reached."""
    try:
        return state().job_class.fetch(job_id, connection=state().connection)
    except NoSuchJobError:
        return None
    except RedisError as err:
        raise QueueUnavailable() from err


#: RQ statuses of a job that is no longer on its way (``job_status``: done, running, failed).
_NOT_WAITING = frozenset({"finished", "started", "failed", "stopped", "canceled"})


def job_waits(job_id: str) -> bool:
    """Whether the job ``job_id`` exists and still waits to run (``job_status`` would say
    ``queued``): one HGET of its status, not the whole job. Raises ``QueueUnavailable``."""
    st = state()
    try:
        status = st.connection.hget(st.job_class.key_for(job_id), "status")
    except RedisError as err:
        raise QueueUnavailable() from err
    if not status:
        return False
    return (status.decode() if isinstance(status, bytes) else status) not in _NOT_WAITING


def job_status(job: Job, refresh: bool = True) -> str:
    """RQ's statuses folded into the API's four: queued | running | done | failed (raises
    ``QueueUnavailable`` when Redis cannot be reached). ``refresh=False``: the status the job
    was fetched with (``fetch_job`` just read it: no second round trip)."""
    try:
        status = job.get_status(refresh=refresh)
    except RedisError as err:
        raise QueueUnavailable() from err
    value = getattr(status, "value", status)
    if value == "finished":
        return "done"
    if value == "started":
        return "running"
    if value in ("failed", "stopped", "canceled"):
        return "failed"
    return "queued"


def queue_health() -> str:
    try:
        state().connection.ping()
    except Exception as err:  # noqa: BLE001 - any failure means "down"
        return f"down: {type(err).__name__}"
    return "ok" if current_app.config.get("REDIS_URL") else "embedded"
