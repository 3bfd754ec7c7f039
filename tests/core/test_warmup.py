"""Warm-up: a process builds its classifier tables and language models before it serves."""

from __future__ import annotations

import runpy

from ticketing.core import warmup

from ..conftest import ROOT


def test_warm_runs_every_registered_step_and_survives_a_broken_one(app, monkeypatch):
    logged = []
    monkeypatch.setattr(warmup.log, "exception", lambda msg, *args: logged.append(msg % args))
    ran = []
    warmup.register(app, "broken", lambda _app: 1 / 0)
    warmup.register(app, "fine", lambda a: ran.append(a))

    spent = warmup.warm(app)

    assert ran == [app]  # the step after the broken one still ran
    assert {"classifier", "broken", "fine"} <= set(spent)
    assert logged == ["warm-up step broken failed"]


def test_the_classifier_is_warm_after_the_warm_up(app):
    warmup.warm(app)
    # The detector is built and kept on the app: the first request does not build it.
    assert app.extensions["language_detector"].detect("Mein Passwort funktioniert nicht") == "de"


def test_gunicorn_loads_and_warms_the_app_before_forking(monkeypatch):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["preload_app"] is True

    warmed = []

    class Server:  # what gunicorn passes to when_ready: .app.wsgi() is the loaded app
        class app:  # noqa: N801
            @staticmethod
            def wsgi():
                return "the app"

    class Worker:  # what gunicorn passes to post_worker_init: .wsgi is the worker's app
        wsgi = "the app"

    monkeypatch.setattr(warmup, "warm", lambda app, after_fork: warmed.append((app, after_fork)))
    settings["when_ready"](Server)
    settings["post_worker_init"](Worker)
    # The master warms what a fork may inherit; each worker, after the fork, the rest (the
    # ONNX session: inherited, it aborted every web worker on SIGTERM).
    assert warmed == [("the app", False), ("the app", True)]

    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["preload_app"] is False


def test_the_embedding_model_is_warmed_after_a_fork_only_when_asked(app):
    steps = {name: late for name, (_step, late) in app.extensions["warmup"].items()}
    assert steps == {"classifier": False, "embeddings": True}
    assert "embeddings" not in warmup.warm(app, after_fork=False)
    assert set(warmup.warm(app, after_fork=True)) == {"embeddings"}
    assert {"classifier", "embeddings"} <= set(warmup.warm(app))
