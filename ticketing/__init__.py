"""ticketing: a help desk with AI triage (a Flask modular monolith).

``create_app`` is the table of contents. The layers (import-linter checks them, ``make lint``):
``core`` imports no feature; ``models`` imports ``core``; ``tickets`` imports both; every
other feature package imports those three only; nothing imports ``web``. Each feature package
has ``init_app(app, api)`` that registers its blueprints, CLI commands, event receivers and
upkeep tasks; a new feature is a new package added to ``FEATURES``.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from flask import Flask

from config import Config

#: Feature packages, in the order they are set up (accounts first: every /api request is
#: authenticated before anything else runs).
FEATURES = (
    "accounts",
    "tickets",
    "classification",
    "audit",
    "stats",
    "exports",
    "mail",
    "teams",
    "assist",
    "sla",
    "notifications",
    "live",
    "workflow",
    "web",
)


def create_app(config: Config | None = None) -> Flask:
    """Build the app: a table of contents of register_* steps, nothing else."""
    app = Flask(__name__, instance_relative_config=True)
    configure(app, config or Config())
    register_middleware(app)
    register_extensions(app)
    register_features(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def configure(app: Flask, config: Config) -> None:
    config.validate()
    app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "ticketing.db"
        )
    if not app.config.get("EXPORT_DIR"):
        app.config["EXPORT_DIR"] = str(Path(app.instance_path) / "exports")
    if not app.config.get("MAIL_DIR"):
        app.config["MAIL_DIR"] = str(Path(app.instance_path) / "mail")
    from .core.logs import configure_logging

    configure_logging(app)


def register_middleware(app: Flask) -> None:
    """Behind a platform router, trust its X-Forwarded-* headers (``TRUSTED_PROXY_COUNT``)
    so ``request.scheme``, ``request.host`` and ``request.remote_addr`` (the rate limiter's
    key) are the client's, not the router's."""
    hops = int(app.config["TRUSTED_PROXY_COUNT"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def register_extensions(app: Flask) -> None:
    from .core import context, events, headers, jobs, kv, ratelimits, withcommit
    from .core.extensions import db, limiter, migrate
    from .core.sqlite import register_sqlite_pragmas

    db.init_app(app)
    register_sqlite_pragmas(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    limiter.init_app(app)
    ratelimits.init_app(app)
    headers.init_app(app)
    kv.init_app(app)
    jobs.init_app(app)
    context.init_app(app)
    events.register(db.session)
    withcommit.register()


def register_features(app: Flask) -> None:
    from .core import api as api_module

    api = api_module.init_app(app)
    for name in FEATURES:
        import_module(f".{name}", __name__).init_app(app, api)
    api_module.register_request_guards(app)


def register_error_handlers(app: Flask) -> None:
    from .core.errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .core import cli

    cli.init_app(app)
