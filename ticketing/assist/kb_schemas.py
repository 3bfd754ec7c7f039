"""Request and response shapes of the knowledge base."""

from __future__ import annotations

from flask import url_for
from marshmallow import RAISE, Schema, fields, post_load, pre_load, validate

from ..core.extensions import MAX_ID
from ..core.schemas import NOT_BLANK, PageQuery, StrictSchema, not_blank, page_schema, strip_strings
from ..core.vocab import ArticleStatus, values
from . import kb


class ArticleIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(1, 200), metadata=NOT_BLANK)
    body = fields.String(
        required=True,
        validate=[validate.Length(1, 50_000), not_blank("Body")],
        metadata={**NOT_BLANK, "description": "Markdown (raw HTML is shown as text)"},
    )
    tags = fields.List(
        fields.String(validate=validate.Length(1, 50), metadata=NOT_BLANK),
        validate=validate.Length(max=20),
    )
    status = fields.String(validate=validate.OneOf(values(ArticleStatus)))

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("title",))

    @post_load
    def tidy(self, data, **kwargs):
        if "tags" in data:
            data["tags"] = list(dict.fromkeys(" ".join(t.lower().split()) for t in data["tags"]))
        return data


class ArticlePatch(ArticleIn):
    class Meta:
        unknown = RAISE


class ArticleOut(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String(metadata={"description": "Markdown as written"})
    body_html = fields.Method(
        "get_html", metadata={"description": "The body rendered to sanitised HTML"}
    )
    tags = fields.List(fields.String())
    status = fields.String(metadata={"enum": list(values(ArticleStatus))})
    source_ticket_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)

    def get_html(self, obj) -> str:
        return kb.render(obj.body)


class PublicArticleOut(Schema):
    """What anyone may read of a published article."""

    id = fields.Integer()
    title = fields.String()
    body_html = fields.Method("get_html")
    excerpt = fields.Method("get_excerpt")
    tags = fields.List(fields.String())
    url = fields.Method("get_url", metadata={"description": "Its public page"})
    published_at = fields.DateTime(allow_none=True)

    def get_html(self, obj) -> str:
        return kb.render(obj.body)

    def get_excerpt(self, obj) -> str:
        return kb.excerpt(obj.body)

    def get_url(self, obj) -> str:
        return url_for("help.article", article_id=obj.id)


class SuggestedArticleOut(PublicArticleOut):
    class Meta:
        exclude = ("body_html",)


ArticlePage = page_schema(ArticleOut, "ArticlePage")
PublicArticlePage = page_schema(PublicArticleOut, "PublicArticlePage")


class ArticleQuery(PageQuery):
    class Meta:
        unknown = RAISE

    q = fields.String(validate=validate.Length(1, 200))
    status = fields.String(validate=validate.OneOf(values(ArticleStatus)))
    tag = fields.String(validate=validate.Length(1, 50))


class PublicArticleQuery(PageQuery):
    class Meta:
        unknown = RAISE

    q = fields.String(validate=validate.Length(1, 200))
    tag = fields.String(validate=validate.Length(1, 50))


class HelpSuggestIn(StrictSchema):
    subject = fields.String(load_default="", validate=validate.Length(0, 200))
    body = fields.String(load_default="", validate=validate.Length(0, 10_000))
    visit = fields.UUID(
        allow_none=True,
        metadata={"description": "The id an earlier answer gave: one visit, one record"},
    )


class HelpSuggestOut(Schema):
    visit = fields.String(
        allow_none=True, metadata={"description": "Send it back with later calls and outcomes"}
    )
    items = fields.List(fields.Nested(SuggestedArticleOut))


class OutcomeIn(StrictSchema):
    opened = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "An article opened"}
    )
    submitted = fields.Boolean(metadata={"description": "The request was still sent"})


class OutcomeOut(Schema):
    visit = fields.String(attribute="id")
    opened_article_id = fields.Integer(allow_none=True)
    submitted = fields.Method("get_submitted")

    def get_submitted(self, obj) -> bool:
        return obj.submitted_at is not None


class DeflectionOut(Schema):
    shown = fields.Integer(metadata={"description": "Visits to /submit shown articles"})
    submitted = fields.Integer(metadata={"description": "Of those, how many still sent"})
    deflected = fields.Integer()
    rate = fields.Float(allow_none=True, metadata={"description": "deflected / shown"})
