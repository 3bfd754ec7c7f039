"""The public help centre: ``/help`` (published articles, a search box) and ``/help/<id>``.

Server-rendered, no script at all, under a Content-Security-Policy that allows none; the
article bodies are sanitised HTML (``kb.render``). Drafts are a 404 here.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from ..core.errors import NotFound
from . import kb

bp = Blueprint("help", __name__, template_folder="templates")

#: Nothing runs; styles and images only from this site.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _page(html: str, status: int = 200) -> Response:
    response = Response(html, status=status)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.get("/help")
def index() -> Response:
    q = (request.args.get("q") or "").strip()[:200]
    found = kb.search(q or None, published_only=True)[:50]
    articles = [(a, kb.excerpt(a.body)) for a, _score in found]
    return _page(render_template("help/index.html", q=q, articles=articles))


@bp.get("/help/<int:article_id>")
def article(article_id: int) -> Response:
    try:
        found = kb.get_article(article_id, published_only=True)
    except NotFound:
        return _page(render_template("help/missing.html"), 404)
    return _page(render_template("help/article.html", article=found, html=kb.render(found.body)))
