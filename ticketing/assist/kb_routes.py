"""HTTP only: the knowledge base for agents (``/api/kb``) and for anyone (``/api/help``)."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core import ratelimits
from ..core.access import current_user_id, public
from ..core.extensions import db, limiter
from ..core.schemas import ErrorEnvelope
from ..tickets.services import get_ticket
from . import kb
from .kb_schemas import (
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticlePatch,
    ArticleQuery,
    DeflectionOut,
    HelpSuggestIn,
    HelpSuggestOut,
    OutcomeIn,
    OutcomeOut,
    PublicArticleOut,
    PublicArticlePage,
    PublicArticleQuery,
)
from .pii import redact_for_publication

blp = Blueprint("kb", __name__, url_prefix="/api", description="Knowledge base")
help_blp = Blueprint("help_api", __name__, url_prefix="/api/help", description="Public help")


@blp.route("/kb/articles")
class Articles(MethodView):
    @blp.arguments(ArticleQuery, location="query", as_kwargs=False)
    @blp.response(200, ArticlePage)
    @blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter")
    def get(self, params):
        """Articles, drafts included: ``q`` (best match first), ``status``, ``tag``."""
        page = kb.list_articles(params, published_only=False)
        return {"items": page.items, "meta": page.meta()}

    @blp.arguments(ArticleIn)
    @blp.response(201, ArticleOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Write an article (a draft unless ``status: published``)."""
        article = kb.create_article(data, current_user_id())
        db.session.commit()
        return article, 201, {"Location": url_for("kb.ArticleItem", article_id=article.id)}


@blp.route("/kb/articles/<int:article_id>")
class ArticleItem(MethodView):
    @blp.response(200, ArticleOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such article")
    def get(self, article_id):
        """One article, draft or published."""
        return kb.get_article(article_id)

    @blp.arguments(ArticlePatch(partial=True))
    @blp.response(200, ArticleOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such article")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, article_id):
        """Edit, publish (``status: published``) or unpublish an article."""
        article = kb.update_article(kb.get_article(article_id), data, current_user_id())
        db.session.commit()
        return article

    @blp.response(204)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such article")
    def delete(self, article_id):
        """Delete an article."""
        kb.delete_article(kb.get_article(article_id))
        db.session.commit()


@blp.route("/tickets/<int:ticket_id>/kb-article")
class ArticleFromTicket(MethodView):
    @blp.response(201, ArticleOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(409, schema=ErrorEnvelope, description="Not resolved, or no public reply")
    def post(self, ticket_id):
        """Draft an article from this resolved ticket: its question (personal data withheld)
        and the public reply that resolved it. It stays a draft until an agent publishes it."""
        article = kb.draft_from_ticket(
            get_ticket(ticket_id), current_user_id(), redact_for_publication
        )
        db.session.commit()
        return article, 201, {"Location": url_for("kb.ArticleItem", article_id=article.id)}


@blp.route("/kb/deflection")
class Deflection(MethodView):
    @blp.response(200, DeflectionOut)
    def get(self):
        """How often customers shown articles on /submit did not send a request after all."""
        return kb.deflection()


@help_blp.route("/articles")
class PublicArticles(MethodView):
    @public
    @help_blp.arguments(PublicArticleQuery, location="query", as_kwargs=False)
    @help_blp.response(200, PublicArticlePage)
    @help_blp.alt_response(422, schema=ErrorEnvelope, description="An invalid filter")
    def get(self, params):
        """Published articles (anyone): ``q`` finds the best match first."""
        page = kb.list_articles(params, published_only=True)
        return {"items": page.items, "meta": page.meta()}


@help_blp.route("/articles/<int:article_id>")
class PublicArticle(MethodView):
    @public
    @help_blp.response(200, PublicArticleOut)
    @help_blp.alt_response(404, schema=ErrorEnvelope, description="No such published article")
    def get(self, article_id):
        """One published article (a draft is a 404 here)."""
        return kb.get_article(article_id, published_only=True)


@help_blp.route("/suggestions")
class Suggestions(MethodView):
    @public
    @limiter.limit(
        ratelimits.config_limit("HELP_SUGGEST_RATE_LIMIT"), key_func=ratelimits.client_address
    )
    @help_blp.arguments(HelpSuggestIn)
    @help_blp.response(200, HelpSuggestOut)
    @help_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    @help_blp.alt_response(429, schema=ErrorEnvelope, description="Too many requests")
    def post(self, data):
        """Published articles that may answer what a customer is typing on /submit; the
        answer's ``visit`` records what was shown (send it back with later calls)."""
        visit_id = str(data["visit"]) if data.get("visit") else None
        visit, items = kb.suggest(data["subject"], data["body"], visit_id)
        db.session.commit()
        return {"visit": visit.id if visit else None, "items": items}


@help_blp.route("/suggestions/<uuid:visit_id>")
class SuggestionOutcome(MethodView):
    @public
    @limiter.limit(
        ratelimits.config_limit("HELP_SUGGEST_RATE_LIMIT"), key_func=ratelimits.client_address
    )
    @help_blp.arguments(OutcomeIn)
    @help_blp.response(200, OutcomeOut)
    @help_blp.alt_response(404, schema=ErrorEnvelope, description="No such visit")
    @help_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    @help_blp.alt_response(429, schema=ErrorEnvelope, description="Too many requests")
    def post(self, data, visit_id):
        """What the customer did: opened an article, and/or still sent the request."""
        visit = kb.record_outcome(str(visit_id), data)
        db.session.commit()
        return visit
