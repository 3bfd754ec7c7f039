"""The page's HTML shell: served outside the API, locked down by its headers."""

import json
import re
from pathlib import Path

import ticketing.web

STATIC = Path(ticketing.web.__file__).parent / "static"
SCRIPTS = sorted(STATIC.rglob("*.js"))


def test_index_serves_the_staff_page_with_a_strict_csp(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'data-mode="app"' in html
    assert '<script type="module" src="/web/static/app.js">' in html
    assert "/web/static/app.css" in html
    # The theme is set by a classic script in <head>, before the body is painted.
    head = html.split("<body", 1)[0]
    assert re.search(r'<script src="/web/static/theme\.js"></script>', head)
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
    assert data["statuses"] == ["open", "in_progress", "resolved", "closed"]
    assert data["urgency_floors"] == {"critical": 75, "high": 50, "medium": 30}
    assert "unclassified" not in data["categories"]
    # Everything the core hands out reaches the page unchanged, plus the page's few extras.
    assert vocab.as_data().items() <= data.items()
    assert (data["unclassified"], data["unset"], data["manual_source"]) == (
        vocab.UNCLASSIFIED,
        vocab.UNSET,
        "manual",
    )
    assert data["triage_sources"] == ["claude", "fallback"]


def test_static_files_are_served(client):
    # A module script is refused by the browser unless it is served as JavaScript, and every
    # module is revalidated, so a browser never runs a new app.js against an old ui.js.
    for name in ("app.js", "theme.js", "api.js", "views/tickets.js"):
        js = client.get(f"/web/static/{name}")
        assert js.status_code == 200 and "javascript" in js.mimetype, name
        assert js.headers["Cache-Control"] == "no-cache" and js.headers["ETag"], name
        js.close()
    css = client.get("/web/static/app.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    css.close()


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
