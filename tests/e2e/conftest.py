"""End-to-end fixtures: a live server on 127.0.0.1 with a seeded database, driven by
Debian's Chromium through Playwright (never a downloaded browser).

Without ``/usr/bin/chromium`` (or the playwright package) the e2e tests skip with the reason —
except under ``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import IN_CI, make_config, migrate_database, worker_id
from ticketing import create_app
from ticketing.core.extensions import db

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SEEDED = 40


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true but the e2e browser is unavailable: {reason}", pytrace=False)
    pytest.skip(f"e2e tests need Debian's chromium: {reason}")


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:  # pragma: no cover - depends on the machine
        _unavailable(f"playwright is not installed ({err})")
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def e2e_database_url(database_template, tmp_path_factory, pg_base_url):
    """A database of its own (the per-test databases are truncated under the server's feet)."""
    kind, where = database_template
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("e2e") / "e2e.db"
        shutil.copyfile(where, path)
        yield f"sqlite:///{path}"
        return
    base = sa.make_url(pg_base_url)
    name = f"{base.database}_e2e_{worker_id()}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    migrate_database(url)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def live_app(e2e_database_url, tmp_path_factory):
    # Embedded mode (in-process queue and limiter), as `make run` serves it; new tickets are
    # triaged as they are created so the list shows triaged tickets once triage is merged.
    cfg = make_config(
        SQLALCHEMY_DATABASE_URI=e2e_database_url,
        REDIS_URL=None,
        RATELIMIT_STORAGE_URI="memory://",
        EXPORT_DIR=str(tmp_path_factory.mktemp("e2e-exports")),
        AUTO_CLASSIFY=True,
    )
    app = create_app(cfg)
    # As gunicorn does before it serves: the first triage would otherwise build the
    # classifier's tables and load the language models inside a test's 5-8 s timeouts.
    from ticketing.core.warmup import warm

    warm(app)
    with app.app_context():
        from ticketing.tickets.seed import seed

        seed(SEEDED, days=30, seed_value=6)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        """The access log would bury a failing test's output."""


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve the app on a free port of 127.0.0.1 in a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


E2E_EMAIL = "e2e.agent@example.com"
E2E_PASSWORD = "e2e-password-Long-enough-1"  # noqa: S105 - a test account


def ensure_e2e_user(app) -> None:
    """Create the agent account the e2e browser signs in with (once per server)."""
    from ticketing.accounts import services as accounts
    from ticketing.models import User

    with app.app_context():
        if db.session.scalar(sa.select(User.id).where(User.email == E2E_EMAIL)):
            return
        accounts.create_user(E2E_EMAIL, "E2E Agent", "agent", E2E_PASSWORD)
        db.session.commit()


class ApiClient:
    """JSON calls on the live server sharing the browser context's cookies (and CSRF token)."""

    def __init__(self, request):
        self.request = request
        self.csrf: str | None = None

    def call(self, method: str, path: str, body=None, expect: int | None = None):
        headers = {"Accept": "application/json"}
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        options = {"headers": headers, "method": method}
        if body is not None:
            options["data"] = body
        response = self.request.fetch(path, **options)
        if expect is not None:
            assert response.status == expect, (method, path, response.status, response.text())
        return response

    def json(self, method: str, path: str, body=None, expect: int = 200):
        return self.call(method, path, body, expect).json()

    def get(self, path: str):
        return self.json("GET", path)

    def post(self, path: str, body, expect: int = 201):
        return self.json("POST", path, body, expect)

    def patch(self, path: str, body):
        return self.json("PATCH", path, body)

    def sign_in_if_needed(self, app) -> None:
        """No accounts on the server (404): nothing to do. Accounts (401): log in."""
        me = self.call("GET", "/api/auth/me")
        if me.status in (404, 405):
            return
        if me.status == 200:
            self.csrf = me.json().get("csrf_token")
            return
        ensure_e2e_user(app)
        data = self.json("POST", "/api/auth/login", {"email": E2E_EMAIL, "password": E2E_PASSWORD})
        self.csrf = data.get("csrf_token")


@pytest.fixture
def new_context(browser, live_server, live_app):
    """Make browser contexts (closed after the test). Each starts signed in when the server
    has accounts, like a person who logged in earlier; ``signed_in=False`` starts signed out."""
    contexts = []

    def _make(signed_in: bool = True, **options):
        options.setdefault("base_url", live_server)
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(8000)
        context.api = ApiClient(context.request)
        if signed_in:
            context.api.sign_in_if_needed(live_app)
        contexts.append(context)
        return context

    yield _make
    for context in contexts:
        context.close()


class PageWatch:
    """Collects what a person would never want: script errors, dialogs, CSP violations."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)
        page.on("dialog", self._dialog)

    def _console(self, msg):
        # A failed fetch (a 4xx the page handles, e.g. an API not merged yet) is logged by
        # Chromium as "Failed to load resource"; anything else is a real error.
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.errors.append(f"console: {msg.text}")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def watched_page(context):
    page = context.new_page()
    page.watch = PageWatch(page)
    return page


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    pg = watched_page(context)
    yield pg
    assert pg.watch.errors == [], pg.watch.errors
    assert pg.watch.dialogs == [], pg.watch.dialogs


@pytest.fixture
def api(context) -> ApiClient:
    return context.api


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save what the page looks like under tests/e2e/artifacts/ (git-ignored) for a human."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
