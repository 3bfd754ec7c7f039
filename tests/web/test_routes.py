"""The page's HTML shell: served outside the API, locked down by its headers."""

import json
import re
from pathlib import Path

import ticketing.web
from ticketing.core.vocab import TicketStatus, values

STATIC = Path(ticketing.web.__file__).parent / "static"
SCRIPTS = sorted(STATIC.rglob("*.js"))
ASSET = r"/web/v/[0-9a-f]{16}/"


def asset_url(html: str, name: str) -> str:
    return re.search(rf'"({ASSET}{re.escape(name)})"', html).group(1)


def test_index_serves_the_staff_page_with_a_strict_csp(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'data-mode="app"' in html
    head = html.split("<body", 1)[0]
    assert re.search(rf'<script type="module" src="{ASSET}app\.js"></script>', head)
    assert re.search(rf'<link rel="stylesheet" href="{ASSET}app\.css">', head)
    # The theme is set by a classic script in <head>, before the body is painted.
    assert re.search(rf'<script src="{ASSET}theme\.js"></script>', head)
    # Every other module is named up front, so the browser need not wait for each import.
    preloaded = re.findall(rf'<link rel="modulepreload" href="{ASSET}([^"]+)">', head)
    assert sorted(preloaded) == sorted(
        p.relative_to(STATIC).as_posix() for p in SCRIPTS if p.name not in ("app.js", "theme.js")
    )
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Nothing runs inline: every script comes from the page's own static file.
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []


def test_submit_serves_the_public_page(client):
    response = client.get("/submit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-mode="public"' in html
    assert "<title>Submit a request" in html


def test_the_vocabulary_reaches_the_page_as_parseable_json(client):
    from ticketing.core import vocab

    html = client.get("/").get_data(as_text=True)
    raw = re.search(r"data-vocab='([^']*)'", html).group(1)
    data = json.loads(raw.replace("&#34;", '"').replace("&amp;", "&").replace("&#39;", "'"))
    assert data["statuses"] == list(values(TicketStatus))
    assert data["urgency_floors"] == {"critical": 75, "high": 48, "medium": 24}
    assert "unclassified" not in data["categories"]
    # Everything the core hands out reaches the page unchanged, plus the page's few extras.
    assert vocab.as_data().items() <= data.items()
    assert (data["unclassified"], data["unset"], data["manual_source"]) == (
        vocab.UNCLASSIFIED,
        vocab.UNSET,
        "manual",
    )
    assert data["triage_sources"] == ["claude", "fallback", "learned"]


def test_static_files_are_served(client):
    # A module script is refused by the browser unless it is served as JavaScript.
    for name in ("app.js", "theme.js", "api.js", "views/tickets.js"):
        js = client.get(f"/web/static/{name}")
        assert js.status_code == 200 and "javascript" in js.mimetype, name
        js.close()
    css = client.get("/web/static/app.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    css.close()


def test_page_files_are_cached_under_their_version_without_anyones_cookie(app, agent_user):
    """The page's files are kept by the browser until they change (a change is a new URL,
    so old and new modules never mix), and a signed-in person's cookie never rides along."""
    browser = app.test_client()
    login = {"email": agent_user.email, "password": agent_user.password}
    assert browser.post("/api/auth/login", json=login).status_code == 200
    page = browser.get("/")
    assert "session=" in page.headers["Set-Cookie"]  # the page itself refreshes the session
    for name in ("app.js", "views/ticket-edit.js", "app.css"):
        response = browser.get(asset_url(page.get_data(as_text=True), name))
        assert response.status_code == 200, name
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.vary, name
        response.close()
    # A URL of another version (a page from before a deploy) is served but revalidated.
    stale = browser.get("/web/v/0000000000000000/app.js")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    stale.close()
    assert browser.get("/web/v/0000000000000000/../routes.py").status_code == 404
    assert browser.get("/web/v/0000000000000000/nothing.js").status_code == 404


def test_the_version_changes_when_a_file_does(monkeypatch, tmp_path):
    import shutil

    from ticketing.web.routes import asset_version, blp

    copy = tmp_path / "static"
    shutil.copytree(STATIC, copy)
    monkeypatch.setattr(blp, "static_folder", str(copy))
    before = asset_version()
    assert asset_version() == before  # stable while nothing changes
    (copy / "views" / "login.js").write_text("export const changed = 1;\n")
    assert asset_version() != before


def test_every_module_import_resolves_to_a_served_file(client):
    """A relative import naming a missing file would break the whole page at load."""
    imported = set()
    for script in SCRIPTS:
        source = script.read_text(encoding="utf-8")
        for target in re.findall(r'^import [^;]*? from "(\.[^"]+)";$', source, flags=re.M):
            path = (script.parent / target).resolve().relative_to(STATIC.resolve()).as_posix()
            imported.add(path)
            response = client.get(f"/web/static/{path}")
            assert response.status_code == 200, (script.name, target)
            response.close()
    # Every module but the entry point and the classic theme script is imported by another.
    everything = {p.relative_to(STATIC).as_posix() for p in SCRIPTS}
    assert everything - imported == {"app.js", "theme.js"}


def test_the_page_is_not_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/" not in paths and "/submit" not in paths


def test_unknown_api_paths_still_answer_json_not_the_page(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/json"


def test_no_script_is_over_500_lines():
    """One module per concern: a view that outgrows this is split into smaller ones."""
    sizes = {p.name: len(p.read_text().splitlines()) for p in SCRIPTS}
    assert max(sizes.values()) <= 500, sizes


def test_no_script_ever_writes_html_strings():
    """Ticket data reaches the page as text only: no HTML-string sinks in any script."""
    assert len(SCRIPTS) > 10
    for script in SCRIPTS:
        code = re.sub(r"/\*.*?\*/", "", script.read_text(), flags=re.S)  # comments name them
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in code, (script.name, sink)


def test_api_docs_is_swagger_ui_from_the_pinned_package_under_the_strict_csp(anon_client):
    response = anon_client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # Nothing from another origin, nothing inline.
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', html.split("<body", 1)[0]))
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "docs.js", "docs.css"):
        assert f"/api/docs/assets/{name}" in html
        asset = anon_client.get(f"/api/docs/assets/{name}")
        assert asset.status_code == 200, name
    bundle = anon_client.get("/api/docs/assets/swagger-ui-bundle.js").get_data(as_text=True)
    assert "SwaggerUIBundle" in bundle
    # Only those files: the package's other files and paths outside it are not served.
    for name in ("index.html", "../routes.py", "oauth2-redirect.html"):
        refused = anon_client.get(f"/api/docs/assets/{name}")
        assert refused.status_code == 404 and refused.mimetype == "application/json"


def test_the_favicon_is_served_and_linked(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.get_data()
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)
