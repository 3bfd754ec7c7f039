"""Serve the single page (staff view at ``/``, public "Submit a request" at ``/submit``) and
its files (native ES modules, CSS) under a content-versioned URL.

Plain Flask, not part of the OpenAPI document: the page talks to the same ``/api`` a REST
client uses, so nothing here reads or writes tickets. It hands the page the vocabulary as data.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    request_finished,
    send_from_directory,
)

from ..core import vocab
from ..core.access import public
from ..core.errors import NotFound

blp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)

#: No inline script or style, nothing from another origin: a stray HTML string cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def page_vocabulary() -> dict[str, object]:
    """The vocabulary the page reads (its ``data-vocab`` JSON island): it keeps no copy."""
    return vocab.as_data()


#: How long a browser keeps a file fetched under the current version's URL.
ASSET_MAX_AGE = 365 * 24 * 3600


def _static_files() -> list[str]:
    static = Path(blp.static_folder)
    return sorted(p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file())


@lru_cache(maxsize=8)
def _content_hash(signature: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _mtime, _size in signature:
        digest.update(name.encode())
        digest.update((Path(blp.static_folder) / name).read_bytes())
    return digest.hexdigest()[:16]


def asset_version() -> str:
    """A hash of every static file: an edited file or a new deploy makes new URLs. Re-read only
    when a file's size or mtime changed (so an edit shows on the next page load)."""
    static = Path(blp.static_folder)
    stats = ((name, (static / name).stat()) for name in _static_files())
    return _content_hash(tuple((name, st.st_mtime_ns, st.st_size) for name, st in stats))


def page_modules() -> list[str]:
    """The ES modules app.js imports, directly or not: the page names them all up front
    (``modulepreload``), so a browser can fetch them at once instead of import by import."""
    scripts = (name for name in _static_files() if name.endswith(".js"))
    return [name for name in scripts if name not in ("app.js", "theme.js")]


@blp.get("/web/v/<version>/<path:filename>")
def asset(version: str, filename: str) -> Response:
    """A static file under a versioned URL. The modules import each other by relative paths,
    so they all share the page's version: cached for a year when it is the current one (a
    change is a new URL, so a browser never mixes old and new modules), revalidated if not."""
    current = version == asset_version()
    response = send_from_directory(
        blp.static_folder, filename, max_age=ASSET_MAX_AGE if current else None
    )
    if current:
        response.cache_control.immutable = True
    return response


@blp.record_once
def _register(state) -> None:
    request_finished.connect(_shareable_assets, state.app, weak=False)


def _shareable_assets(_app, response: Response, **_extra) -> None:
    """A cached file carries nobody's session: Flask re-sends a permanent session's cookie on
    every response (with ``Vary: Cookie``), which would store one person's cookie with a public
    file and, as the cookie is re-signed each second, make the browser fetch it again anyway.
    Runs after the session was saved (``request_finished``)."""
    if request.endpoint == "web.asset" and response.cache_control.immutable:
        del response.headers["Set-Cookie"]
        response.vary.discard("Cookie")


def _page(mode: str) -> Response:
    page = render_template(
        "index.html",
        mode=mode,
        vocab=page_vocabulary(),
        version=asset_version(),
        modules=page_modules(),
    )
    response = Response(page)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/")
def index() -> Response:
    """The staff page: tickets, detail, new ticket, dashboard, exports, login."""
    return _page("app")


@blp.get("/submit")
def submit() -> Response:
    """The public "Submit a request" page (same template and script, public mode)."""
    return _page("public")


@blp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on their own: the same icon the pages link to."""
    response = send_from_directory(blp.static_folder, "favicon.svg", mimetype="image/svg+xml")
    response.cache_control.max_age = 24 * 3600
    return response


#: The interactive API documentation's files: Swagger UI from the pinned ``swagger-ui-bundle``
#: package (no CDN), and the page's own script and style (``docs/``).
API_DOCS_FILES = {
    "swagger-ui.css": "bundle",
    "swagger-ui-bundle.js": "bundle",
    "docs.js": "own",
    "docs.css": "own",
}
API_DOCS_CSP = CONTENT_SECURITY_POLICY


def _swagger_ui_dir() -> str:
    import swagger_ui_bundle

    return swagger_ui_bundle.swagger_ui_path


@blp.get("/api/docs")
@public
def api_docs() -> Response:
    """Interactive documentation of ``/api/openapi.json`` (Swagger UI), open to anyone like
    the document itself; trying an operation out needs a signed-in session or a token."""
    response = Response(render_template("api-docs.html", version=asset_version()))
    response.headers["Content-Security-Policy"] = API_DOCS_CSP
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/api/docs/assets/<path:filename>")
@public
def api_docs_asset(filename: str) -> Response:
    """One of the documentation page's files (any other name is a 404)."""
    where = API_DOCS_FILES.get(filename)
    if where is None:
        raise NotFound("No such file.")
    folder = _swagger_ui_dir() if where == "bundle" else str(Path(__file__).parent / "docs")
    return send_from_directory(folder, filename, max_age=24 * 3600)
