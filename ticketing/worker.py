"""The RQ worker process: serves every queue the app uses, running jobs in the app context."""

from __future__ import annotations

from flask import Flask
from rq.worker import Worker

from .jobs import QUEUES


def make_worker(app: Flask, queues: tuple[str, ...] | None = None, **options) -> Worker:
    state = app.extensions["jobs"]
    names = queues or QUEUES
    return Worker(
        [state.queues[name] for name in names],
        connection=state.connection,
        job_class=state.job_class,
        **options,
    )
