"""The knowledge base: articles agents write (or draft from a resolved ticket in one click),
searched by the same stemmed terms as similar tickets, published ones readable by anyone
(``/help``, ``/api/help/…``) and suggested on ``/submit`` as the customer types.

Search is done in Python over the articles' cached terms rather than by a per-engine index: a
help desk's knowledge base holds tens to a few thousand articles, which this scores in a few
milliseconds on both engines with one piece of code (measure before it holds 10,000+).

Deflection: each ``/submit`` visit that was shown suggestions is one ``help_suggestions`` row
(the articles shown, the one opened, whether the request was still sent). A visit shown
suggestions and not followed by a request within ``DEFLECTION_WINDOW`` counts as deflected.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import nh3
from markdown_it import MarkdownIt
from sqlalchemy import func, select

from ..core.errors import Conflict, NotFound
from ..core.extensions import db
from ..core.pagination import Page
from ..core.vocab import CLOSED_STATUSES, ArticleStatus
from ..models import Ticket, utcnow
from .models import Article, HelpSuggestion
from .similar import resolutions
from .terms import similarity, terms_of

#: Tags the rendered body may keep (links get rel=nofollow; nothing else survives).
ALLOWED_TAGS = frozenset(
    "p br hr h1 h2 h3 h4 strong em code pre blockquote ul ol li a "
    "table thead tbody tr th td".split()
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: The least score for an article to be offered on /submit or found by a search.
MIN_SCORE = 0.12
#: A visit shown suggestions that sent no request within this time counts as deflected.
DEFLECTION_WINDOW = timedelta(minutes=30)

_md = MarkdownIt("commonmark", {"html": False}).enable("table")


def render(markdown: str) -> str:
    """Markdown to HTML that is safe to show anywhere: raw HTML in the source is shown as
    text, and the result is sanitised again (allow-list of tags, http(s)/mailto links only)."""
    return nh3.clean(
        _md.render(markdown or ""),
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener noreferrer",
    )


_MARKUP = re.compile(r"[#*_`>\[\]()|~-]+")


def excerpt(markdown: str, limit: int = 200) -> str:
    """The first words of an article as plain text."""
    text = " ".join(_MARKUP.sub(" ", markdown or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def get_article(article_id: int, published_only: bool = False) -> Article:
    article = db.session.get(Article, article_id)
    if article is None or (published_only and article.status != ArticleStatus.PUBLISHED):
        raise NotFound(f"Article {article_id}")
    return article


def _apply(article: Article, data: dict[str, Any]) -> None:
    for key, value in data.items():
        setattr(article, key, value)
    if article.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = utcnow()
    if article.status == ArticleStatus.DRAFT:
        article.published_at = None


def create_article(data: dict[str, Any], user_id: int | None) -> Article:
    article = Article(created_by_id=user_id, updated_by_id=user_id, status=ArticleStatus.DRAFT)
    _apply(article, data)
    db.session.add(article)
    db.session.flush()
    return article


def update_article(article: Article, data: dict[str, Any], user_id: int | None) -> Article:
    _apply(article, data)
    article.updated_by_id = user_id
    article.updated_at = utcnow()
    db.session.flush()
    return article


def delete_article(article: Article) -> None:
    db.session.delete(article)
    db.session.flush()


def search(
    q: str | None, published_only: bool, status: str | None = None, tag: str | None = None
) -> list[tuple[Article, float]]:
    """Articles matching ``q`` best first (all of them, newest first, without ``q``)."""
    stmt = select(Article)
    if published_only:
        stmt = stmt.where(Article.status == ArticleStatus.PUBLISHED)
    elif status:
        stmt = stmt.where(Article.status == status)
    articles = [a for a in db.session.scalars(stmt) if not tag or tag in (a.tags or [])]
    if not q:
        articles.sort(key=lambda a: (a.updated_at, a.id), reverse=True)
        return [(a, 0.0) for a in articles]
    wanted = terms_of("", q)
    scored = []
    for article in articles:
        score, _shared = similarity(wanted, terms_of(article.title, article.body))
        if score >= MIN_SCORE:
            scored.append((article, round(score, 4)))
    scored.sort(key=lambda s: (-s[1], -s[0].id))
    return scored


def list_articles(params: dict[str, Any], published_only: bool) -> Page:
    found = search(params.get("q"), published_only, params.get("status"), params.get("tag"))
    page, per_page = params["page"], params["per_page"]
    items = [a for a, _score in found[(page - 1) * per_page : page * per_page]]
    return Page(items, page, per_page, len(found), True)


def draft_from_ticket(ticket: Ticket, user_id: int | None, redact) -> Article:
    """A draft article from a resolved ticket: its question (personal data withheld) and the
    team's public reply that resolved it. An agent edits and publishes it."""
    if ticket.status not in CLOSED_STATUSES:
        raise Conflict(f"Ticket {ticket.id} is not resolved yet: there is no answer to keep.")
    answer = resolutions([ticket.id]).get(ticket.id)
    if answer is None:
        raise Conflict(f"Ticket {ticket.id} has no public reply from the team to turn into help.")
    body = f"## The question\n\n{redact(ticket.body)}\n\n## The answer\n\n{redact(answer.body)}\n"
    title = (ticket.suggested_title or ticket.subject)[:200]
    return create_article(
        {"title": title, "body": body[:50_000], "tags": [], "source_ticket_id": ticket.id},
        user_id,
    )


def suggest(subject: str, body: str, visit_id: str | None) -> tuple[HelpSuggestion | None, list]:
    """Published articles that may answer what the customer is typing; the visit records
    what it was shown (created on the first suggestions it gets)."""
    found = search(f"{subject} {subject} {body}", published_only=True)[:3]
    visit = db.session.get(HelpSuggestion, visit_id) if visit_id else None
    if found:
        if visit is None:
            visit = HelpSuggestion(article_ids=[])
            db.session.add(visit)
        shown = list(visit.article_ids or [])
        visit.article_ids = shown + [a.id for a, _s in found if a.id not in shown]
        db.session.flush()
    return visit, [a for a, _s in found]


def record_outcome(visit_id: str, data: dict[str, Any]) -> HelpSuggestion:
    visit = db.session.get(HelpSuggestion, visit_id)
    if visit is None:
        raise NotFound(f"Suggestion visit {visit_id}")
    if data.get("opened") and data["opened"] in (visit.article_ids or []):
        visit.opened_article_id = data["opened"]
    if data.get("submitted") and visit.submitted_at is None:
        visit.submitted_at = utcnow()
    db.session.flush()
    return visit


def deflection() -> dict[str, Any]:
    """Visits shown suggestions (settled: older than the window), how many still sent a
    request, and the deflection rate (those that did not, over all)."""
    settled = HelpSuggestion.created_at < utcnow() - DEFLECTION_WINDOW
    shown, submitted = db.session.execute(
        select(func.count(), func.count(HelpSuggestion.submitted_at)).where(settled)
    ).one()
    rate = None if not shown else round((shown - submitted) / shown, 4)
    return {"shown": shown, "submitted": submitted, "deflected": shown - submitted, "rate": rate}
