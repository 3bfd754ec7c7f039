"""The tickets package's schemas: *In (request bodies), *Out (responses), *Query (query
strings). Other features reuse ``TicketFilterQuery`` (stats, exports) and ``TicketOut``."""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate

from ..core.access import current_user_id
from ..core.extensions import MAX_ID
from ..core.schemas import (
    NON_SPACE,
    NOT_BLANK,
    CommaList,
    CursorPageMeta,
    DateOrDateTime,
    FastDumpSchema,
    PageQuery,
    StrictSchema,
    not_blank,
    page_schema,
    strip_strings,
)
from ..core.vocab import (
    UNCLASSIFIED,
    AssignmentSource,
    Category,
    MailStatus,
    Priority,
    Sentiment,
    SlaClock,
    SlaFilter,
    SlaState,
    Source,
    TicketStatus,
    TriageStatus,
    values,
)
from ..models import utcnow
from .services import reply_count, waiting_since
from .slaquery import DUE_SORT_KEYS, summary

MAX_TAGS = 20
#: An ISO 639-1 language code.
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
SORT_KEYS = (
    "created_at",
    "updated_at",
    "priority",
    "urgency_score",
    "assignee",
    "team",
    *DUE_SORT_KEYS,
)
#: ``assignee=me``: the signed-in user; ``none``: nobody (also ``team=none``).
ME, NONE = "me", "none"
ID = validate.Range(1, MAX_ID)


def normalise_tag(raw: str) -> str:
    return re.sub(r"\s+", " ", raw.strip().lower())


class TagName(fields.String):
    """A tag as typed by a person; stored trimmed and lowercase."""

    def openapi_schema(self) -> dict:
        return {"type": "string", "minLength": 1, "maxLength": 50, "pattern": NON_SPACE}

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= len(value.strip()) <= 50:
            raise ValidationError("Each tag must be 1 to 50 characters.")
        # Lower-casing can lengthen a few letters ("İ" -> "i̇"); the stored tag keeps 50.
        return normalise_tag(value)[:50]


class TicketIn(StrictSchema):
    """Create a ticket. A category or priority given here is a person's choice (``manual``)."""

    subject = fields.String(required=True, validate=validate.Length(1, 200), metadata=NOT_BLANK)
    body = fields.String(
        required=True,
        validate=[validate.Length(1, 20_000), not_blank("Body")],
        metadata=NOT_BLANK,
    )
    status = fields.String(
        load_default=TicketStatus.OPEN.value, validate=validate.OneOf(values(TicketStatus))
    )
    priority = fields.String(allow_none=True, validate=validate.OneOf(values(Priority)))
    category = fields.String(allow_none=True, validate=validate.OneOf(values(Category)))
    note = fields.String(allow_none=True, validate=validate.Length(0, 5_000))
    requester_email = fields.Email(allow_none=True, validate=validate.Length(3, 254))
    requester_name = fields.String(allow_none=True, validate=validate.Length(0, 120))
    tags = fields.List(TagName(), validate=validate.Length(max=MAX_TAGS))
    assignee_id = fields.Integer(
        allow_none=True,
        validate=ID,
        metadata={
            "description": "An active user's id, or null for nobody (a person's choice: "
            "routing never overrides it)"
        },
    )
    team_id = fields.Integer(
        allow_none=True, validate=ID, metadata={"description": "A team's id, or null"}
    )

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("subject", "requester_email", "requester_name"))

    @post_load
    def tidy(self, data, **kwargs):
        if data.get("requester_email"):
            data["requester_email"] = data["requester_email"].lower()
        if data.get("requester_name") == "":
            data["requester_name"] = None
        if "tags" in data:
            data["tags"] = list(dict.fromkeys(data["tags"]))
        return data


class TicketPatch(TicketIn):
    """Partial update: only the fields sent change. ``category: null`` makes it unclassified."""

    status = fields.String(validate=validate.OneOf(values(TicketStatus)))

    class Meta:
        unknown = RAISE


class TagOut(Schema):
    name = fields.String()


class OwnerRef(Schema):
    """A user or team as a ticket names it."""

    id = fields.Integer()
    name = fields.String()


class TicketOut(FastDumpSchema):
    id = fields.Integer()
    subject = fields.String()
    body = fields.String()
    status = fields.String(metadata={"enum": list(values(TicketStatus))})
    priority = fields.String(allow_none=True, metadata={"enum": list(values(Priority))})
    priority_source = fields.String(allow_none=True, metadata={"enum": list(values(Source))})
    category = fields.String(allow_none=True, metadata={"enum": list(values(Category))})
    category_source = fields.String(allow_none=True, metadata={"enum": list(values(Source))})
    sentiment = fields.String(allow_none=True, metadata={"enum": list(values(Sentiment))})
    urgency_score = fields.Integer(allow_none=True)
    confidence = fields.Float(allow_none=True)
    explanation = fields.String(allow_none=True)
    suggested_title = fields.String(allow_none=True)
    classified_at = fields.DateTime(allow_none=True)
    triage_status = fields.String(allow_none=True, metadata={"enum": list(values(TriageStatus))})
    triage_error = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    requester_email = fields.String(allow_none=True)
    requester_name = fields.String(allow_none=True)
    language = fields.String(
        allow_none=True, metadata={"description": "ISO 639-1 code, detected when saved"}
    )
    tags = fields.List(fields.String(), attribute="tag_names")
    assignee_id = fields.Integer(allow_none=True)
    assignee = fields.Nested(OwnerRef, allow_none=True)
    assignee_source = fields.String(
        allow_none=True, metadata={"enum": list(values(AssignmentSource))}
    )
    team_id = fields.Integer(allow_none=True)
    team = fields.Nested(OwnerRef, allow_none=True)
    team_source = fields.String(allow_none=True, metadata={"enum": list(values(AssignmentSource))})
    version = fields.Integer(
        metadata={"description": "Bumped by every change; the ETag is made from it"}
    )
    reply_count = fields.Method("get_reply_count")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    waiting_since = fields.Method(
        "get_waiting_since",
        allow_none=True,
        metadata={
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "Since when the requester has waited for the team's answer: their "
            "first message after the team's last public reply; null when nobody waits on the "
            "team (resolved, waiting on the customer or a third party, or answered).",
        },
    )

    sla = fields.Method(
        "get_sla",
        allow_none=True,
        metadata={
            "type": "object",
            "nullable": True,
            "description": "The SLA clocks in brief (null: the ticket has none); "
            "GET /api/tickets/<id>/sla has the detail.",
            "properties": {
                "flag": {"type": "string", "enum": list(values(SlaFilter))},
                **{
                    f"{clock}_state": {"type": "string", "enum": list(values(SlaState))}
                    for clock in values(SlaClock)
                },
                **{
                    key: {"type": "string", "format": "date-time", "nullable": True}
                    for key in DUE_SORT_KEYS
                },
                "next_due_clock": {
                    "type": "string",
                    "nullable": True,
                    "enum": [*values(SlaClock), None],
                    "description": "The clock next_due_at belongs to (null: none still counts)",
                },
            },
        },
    )

    def get_sla(self, obj) -> dict | None:
        brief = summary(obj.sla, utcnow())
        if brief is None:
            return None
        return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in brief.items()}

    def get_reply_count(self, obj) -> int:
        return reply_count(obj)

    def get_waiting_since(self, obj) -> str | None:
        since = waiting_since(obj)
        return since.isoformat() if since else None


TicketPage = page_schema(TicketOut, "TicketPage", CursorPageMeta)


class LanguageList(CommaList):
    """``language=de,fr``: ISO 639-1 codes, any case."""

    def __init__(self, **kwargs):
        super().__init__(item_max=2, **kwargs)

    def openapi_schema(self) -> dict:
        return {"type": "string", "pattern": r"^ *[A-Za-z]{2} *(, *[A-Za-z]{2} *)*$"}


class OwnerList(CommaList):
    """``assignee=me,none,7`` / ``team=3,none``: ids, ``none`` (and ``me`` for people)."""

    def __init__(self, me: bool, **kwargs):
        super().__init__(item_max=10, **kwargs)
        self.me = me

    def openapi_schema(self) -> dict:
        word = f"{ME}|{NONE}|[1-9][0-9]{{0,8}}" if self.me else f"{NONE}|[1-9][0-9]{{0,8}}"
        return {"type": "string", "pattern": f"^({word})(,({word}))*$"}

    def _deserialize(self, value, attr, data, **kwargs):
        items = super()._deserialize(value, attr, data, **kwargs)
        resolved = []
        for item in items:
            if item == ME and self.me:
                user_id = current_user_id()
                if user_id is None:
                    raise ValidationError("'me' needs a signed-in user.")
                item = str(user_id)
            elif item != NONE and not (item.isdigit() and 1 <= int(item) <= MAX_ID):
                words = f"'{ME}', '{NONE}'" if self.me else f"'{NONE}'"
                raise ValidationError(f"Use ids, {words}.")
            resolved.append(item)
        return list(dict.fromkeys(resolved))


class TicketFilterQuery(Schema):
    """The list's filters; shared by the list, stats and exports."""

    class Meta:
        unknown = RAISE

    status = CommaList(values(TicketStatus))
    category = CommaList((*values(Category), UNCLASSIFIED))
    priority = CommaList(values(Priority))
    sentiment = CommaList(values(Sentiment))
    tag = CommaList(item_max=50)
    has_note = fields.Boolean()
    requester = fields.String(validate=validate.Length(1, 254))
    language = LanguageList(metadata={"description": "ISO 639-1 codes: language=de,fr"})
    assignee = OwnerList(
        me=True, metadata={"description": "User ids, me (you) or none (unassigned)"}
    )
    team = OwnerList(me=False, metadata={"description": "Team ids or none"})
    sla = CommaList(
        values(SlaFilter),
        metadata={"description": "SLA clocks: breached, at_risk (75% used), ok (OR)"},
    )
    created_from = DateOrDateTime()
    created_to = DateOrDateTime(end_of_day=True)
    q = fields.String(validate=validate.Length(1, 200))

    @post_load
    def tidy(self, data, **kwargs):
        if "tag" in data:
            data["tag"] = [normalise_tag(t) for t in data["tag"]]
        if "requester" in data:
            data["requester"] = data["requester"].strip().lower()
        if "language" in data:
            data["language"] = [code.strip().lower() for code in data["language"]]
            if not all(LANGUAGE_CODE.match(code) for code in data["language"]):
                raise ValidationError("Use ISO 639-1 codes such as en, de.", "language")
        if "q" in data:
            data["q"] = data["q"].strip()
            if not data["q"]:
                del data["q"]
        frm, to = data.get("created_from"), data.get("created_to")
        if frm and to and frm > to:
            raise ValidationError("Must not be after created_to.", "created_from")
        return data


class TicketListQuery(TicketFilterQuery, PageQuery):
    class Meta:
        unknown = RAISE

    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf([*SORT_KEYS, *(f"-{k}" for k in SORT_KEYS)]),
    )
    cursor = fields.String(
        metadata={
            "description": "A previous page's meta.next_cursor: the page after it by keyset "
            "(send the same sort; page is then ignored). A cursor this API did not give: 400"
        },
    )


class ReplyIn(StrictSchema):
    body = fields.String(
        required=True,
        validate=[validate.Length(1, 20_000), not_blank("Body")],
        metadata=NOT_BLANK,
    )
    internal = fields.Boolean(load_default=False)
    attachment_ids = fields.List(
        fields.Integer(validate=validate.Range(1, 2**31 - 1)),
        validate=validate.Length(max=20),
        metadata={
            "description": "Files uploaded first to POST /api/tickets/{id}/attachments; a public "
            "reply's e-mail carries them"
        },
    )
    on_behalf_of = fields.Nested(
        "OnBehalfOf",
        metadata={
            "description": "Admins only (others get 403): the person this reply is posted for, "
            "e.g. a customer who phoned in. The author is always the signed-in user."
        },
    )


class OnBehalfOf(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 120), metadata=NOT_BLANK)
    email = fields.Email(validate=validate.Length(3, 254))

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("name", "email"))


class OnBehalfOfOut(Schema):
    name = fields.String()
    email = fields.String(allow_none=True)


class DeliveryOut(Schema):
    status = fields.String(
        metadata={"enum": list(values(MailStatus)), "description": "The e-mail's state"}
    )
    to = fields.String()
    error = fields.String(
        allow_none=True, metadata={"description": "Why it failed, is retried, or was not sent"}
    )
    saved_to = fields.String(
        allow_none=True, metadata={"description": "No mail server configured: the .eml file"}
    )
    sent_at = fields.DateTime(allow_none=True)
    attempts = fields.Integer()


class AttachmentOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    reply_id = fields.Integer(allow_none=True)
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()
    download_url = fields.Function(
        lambda a: f"/api/attachments/{a.id}",
        metadata={"description": "Signed-in agents only; always a download"},
    )


class ReplyOut(FastDumpSchema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    author_name = fields.String(
        allow_none=True, metadata={"description": "Who posted it (the signed-in user)"}
    )
    author_email = fields.String(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    on_behalf_of = fields.Nested(
        OnBehalfOfOut, allow_none=True, metadata={"description": "Set by an admin, else null"}
    )
    body = fields.String()
    internal = fields.Boolean()
    from_customer = fields.Boolean(metadata={"description": "Written by the customer (by mail)"})
    attachments = fields.List(fields.Nested(AttachmentOut))
    delivery = fields.Nested(
        DeliveryOut,
        allow_none=True,
        metadata={"description": "The e-mail that carries a public reply to the customer"},
    )
    created_at = fields.DateTime()


class ReplyList(Schema):
    items = fields.List(fields.Nested(ReplyOut))


#: The public form's body limit (tighter than an agent's 20,000).
INTAKE_MAX_BODY = 10_000


class IntakeIn(StrictSchema):
    """A request from the public form: no account, strict sizes."""

    subject = fields.String(required=True, validate=validate.Length(1, 200), metadata=NOT_BLANK)
    body = fields.String(
        required=True,
        validate=[validate.Length(1, INTAKE_MAX_BODY), not_blank("Body")],
        metadata=NOT_BLANK,
    )
    email = fields.Email(required=True, validate=validate.Length(3, 254))
    name = fields.String(allow_none=True, validate=validate.Length(0, 120))

    @pre_load
    def strip(self, data, **kwargs):
        return strip_strings(data, ("subject", "email", "name"))

    @post_load
    def tidy(self, data, **kwargs):
        data["email"] = data["email"].lower()
        if not data.get("name"):
            data["name"] = None
        return data


class IntakeOut(Schema):
    reference = fields.Integer(metadata={"description": "The new request's number"})
    message = fields.String()
    status_url = fields.String(
        metadata={"description": "The request's own page: its status and the public thread"}
    )
