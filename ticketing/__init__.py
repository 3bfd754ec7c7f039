"""ticketing: support-ticket triage service (Flask modular monolith)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the app: a table of contents of register_* steps, nothing else."""
    app = Flask(__name__, instance_relative_config=True)
    configure(app, config or Config())
    register_middleware(app)
    register_extensions(app)
    register_blueprints(app)
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
    from .logs import configure_logging

    configure_logging(app)


def register_middleware(app: Flask) -> None:
    """Behind a platform router, trust its X-Forwarded-* headers (``TRUSTED_PROXY_COUNT``)
    so ``request.scheme``, ``request.host`` and ``request.remote_addr`` (the rate limiter's
    key) are the client's, not the router's."""
    hops = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def register_extensions(app: Flask) -> None:
    from . import audit, context, jobs
    from .exports import storage
    from .extensions import db, limiter, migrate
    from .sqlite import register_sqlite_pragmas

    db.init_app(app)
    register_sqlite_pragmas(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    limiter.init_app(app)
    jobs.init_app(app)
    storage.init_app(app)
    context.init_app(app)
    audit.init_app(app)


def register_blueprints(app: Flask) -> None:
    from . import api as api_module
    from .accounts import auth
    from .accounts.intake import blp as intake_blp
    from .accounts.routes import auth_blp, users_blp
    from .audit.routes import blp as audit_blp
    from .classification.routes import blp as classification_blp
    from .exports.routes import blp as exports_blp
    from .stats.routes import blp as stats_blp
    from .tickets.routes import blp as tickets_blp
    from .web.routes import bp as web_bp

    auth.init_app(app)  # first: every /api request is authenticated before anything else
    api = api_module.init_app(app)
    api.register_blueprint(tickets_blp)
    api.register_blueprint(stats_blp)
    api.register_blueprint(classification_blp)
    api.register_blueprint(auth_blp)
    api.register_blueprint(users_blp)
    api.register_blueprint(intake_blp)
    api.register_blueprint(audit_blp)
    api.register_blueprint(exports_blp)
    app.register_blueprint(web_bp)


def register_error_handlers(app: Flask) -> None:
    from .errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import tickets_cli

    app.cli.add_command(tickets_cli)
