"""marshmallow schemas: *In (request bodies), *Out (responses), *Query (query strings)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
)

from .models import CATEGORIES, PRIORITIES, SENTIMENTS, SOURCES, STATUSES, TRIAGE_STATUSES

MAX_TAGS = 20
SORT_KEYS = ("created_at", "updated_at", "priority", "urgency_score")


#: OpenAPI note for text that is trimmed and must keep a character (blank text is a 422).
#: Spelled out because Python's strip() also removes \x1c-\x1f and \x85, which JSON
#: Schema's (ECMA) ``\s`` does not count as space.
NON_SPACE = r"[^\s\x1c-\x1f\x85]"
NOT_BLANK = {"pattern": NON_SPACE}


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


class CommaList(fields.Field):
    """``status=open,in_progress`` (or the parameter repeated) -> ``["open", "in_progress"]``."""

    #: webargs hands every repeated value of the parameter to the field.
    is_multiple = True

    def __init__(self, choices: tuple[str, ...] | None = None, item_max: int = 254, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.item_max = item_max

    def _deserialize(self, value, attr, data, **kwargs):
        raw = value if isinstance(value, list) else [value]
        items: list[str] = []
        for chunk in raw:
            if not isinstance(chunk, str):
                raise ValidationError("Must be a comma-separated list of strings.")
            items.extend(p.strip() for p in chunk.split(",") if p.strip())
        if not items:
            raise ValidationError("Must name at least one value.")
        for item in items:
            if len(item) > self.item_max:
                raise ValidationError(f"Values are at most {self.item_max} characters.")
            if self.choices is not None and item not in self.choices:
                raise ValidationError(
                    f"Unknown value {item!r}; expected one of: {', '.join(self.choices)}."
                )
        return list(dict.fromkeys(items))

    def _serialize(self, value, attr, obj, **kwargs):
        return ",".join(value) if value else None

    def openapi_schema(self) -> dict:
        """How the OpenAPI document describes the parameter (a comma-separated string)."""
        if self.choices:
            one = "|".join(re.escape(c) for c in self.choices)
            return {"type": "string", "pattern": f"^({one})(,({one}))*$"}
        # At least one non-empty value; no value longer than the whole string's limit.
        return {"type": "string", "pattern": r"[^,\s\x1c-\x1f\x85]", "maxLength": self.item_max}


class DateOrDateTime(fields.Field):
    """``2026-11-01`` (a whole day) or a full ISO 8601 timestamp; naive values are UTC.

    Moments are clamped to 1970..3000: no ticket lies outside, so a filter bound beyond them
    selects the same rows, and date arithmetic (a whole end day, a 30-day window before it)
    never leaves the calendar."""

    EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
    LATEST = datetime(3000, 1, 1, tzinfo=UTC)

    def __init__(self, end_of_day: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.end_of_day = end_of_day

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Must be an ISO 8601 date or date-time.")
        text = value.strip()
        try:
            if len(text) == 10:
                moment = datetime.combine(date.fromisoformat(text), time.min, tzinfo=UTC)
                whole_day = self.end_of_day  # a bare end date includes that whole day
            else:
                moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
                whole_day = False
        except ValueError as err:
            raise ValidationError("Must be an ISO 8601 date or date-time.") from err
        if moment.year <= self.EARLIEST.year:
            return self.EARLIEST
        if moment.year >= self.LATEST.year:
            return self.LATEST
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
        return moment + timedelta(days=1) if whole_day else moment

    def openapi_schema(self) -> dict:
        return {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ]
        }

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if value else None


def not_blank(what: str):
    """A validator refusing text that is only whitespace ("Body must not be blank.")."""
    message = f"{what} must not be blank."

    def check(value: str) -> None:
        if not value.strip():
            raise ValidationError(message)

    return check


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _strip_strings(data: Any, keys: tuple[str, ...]) -> Any:
    if isinstance(data, dict):
        data = dict(data)
        for key in keys:
            if isinstance(data.get(key), str):
                data[key] = data[key].strip()
    return data


class TicketIn(_Strict):
    """Create a ticket. A category or priority given here is a person's choice (``manual``)."""

    subject = fields.String(required=True, validate=validate.Length(1, 200), metadata=NOT_BLANK)
    body = fields.String(
        required=True,
        validate=[validate.Length(1, 20_000), not_blank("Body")],
        metadata=NOT_BLANK,
    )
    status = fields.String(load_default="open", validate=validate.OneOf(STATUSES))
    priority = fields.String(allow_none=True, validate=validate.OneOf(PRIORITIES))
    category = fields.String(allow_none=True, validate=validate.OneOf(CATEGORIES))
    note = fields.String(allow_none=True, validate=validate.Length(0, 5_000))
    requester_email = fields.Email(allow_none=True, validate=validate.Length(3, 254))
    requester_name = fields.String(allow_none=True, validate=validate.Length(0, 120))
    tags = fields.List(TagName(), validate=validate.Length(max=MAX_TAGS))

    @pre_load
    def strip(self, data, **kwargs):
        return _strip_strings(data, ("subject", "requester_email", "requester_name"))

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

    status = fields.String(validate=validate.OneOf(STATUSES))

    class Meta:
        unknown = RAISE


class TagOut(Schema):
    name = fields.String()


class TicketOut(Schema):
    id = fields.Integer()
    subject = fields.String()
    body = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    priority = fields.String(allow_none=True, metadata={"enum": list(PRIORITIES)})
    priority_source = fields.String(allow_none=True, metadata={"enum": list(SOURCES)})
    category = fields.String(allow_none=True, metadata={"enum": list(CATEGORIES)})
    category_source = fields.String(allow_none=True, metadata={"enum": list(SOURCES)})
    sentiment = fields.String(allow_none=True, metadata={"enum": list(SENTIMENTS)})
    urgency_score = fields.Integer(allow_none=True)
    confidence = fields.Float(allow_none=True)
    explanation = fields.String(allow_none=True)
    suggested_title = fields.String(allow_none=True)
    classified_at = fields.DateTime(allow_none=True)
    triage_status = fields.String(allow_none=True, metadata={"enum": list(TRIAGE_STATUSES)})
    triage_error = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    requester_email = fields.String(allow_none=True)
    requester_name = fields.String(allow_none=True)
    tags = fields.List(fields.String(), attribute="tag_names")
    reply_count = fields.Method("get_reply_count")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)

    def get_reply_count(self, obj) -> int:
        return len(obj.replies)


class PageMeta(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()
    total_exact = fields.Boolean(
        metadata={"description": "false when the count stopped at SEARCH_COUNT_CAP"}
    )


class TicketPage(Schema):
    items = fields.List(fields.Nested(TicketOut))
    meta = fields.Nested(PageMeta)


#: The last page a list serves: deeper offsets are clamped (1,000,000 pages of 100 rows is far
#: past any real table, and keeps the OFFSET inside a 64-bit integer on every engine).
MAX_PAGE = 1_000_000


class PageQuery(Schema):
    """``page`` clamped to 1..MAX_PAGE and ``per_page`` to 1..100 rather than refused."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=25)

    @post_load
    def clamp(self, data, **kwargs):
        data["page"] = min(MAX_PAGE, max(1, data["page"]))
        data["per_page"] = min(100, max(1, data["per_page"]))
        return data


class TicketFilterQuery(Schema):
    """The list's filters; shared by the list, stats and exports."""

    class Meta:
        unknown = RAISE

    status = CommaList(STATUSES)
    category = CommaList((*CATEGORIES, "unclassified"))
    priority = CommaList(PRIORITIES)
    sentiment = CommaList(SENTIMENTS)
    tag = CommaList(item_max=50)
    has_note = fields.Boolean()
    requester = fields.String(validate=validate.Length(1, 254))
    created_from = DateOrDateTime()
    created_to = DateOrDateTime(end_of_day=True)
    q = fields.String(validate=validate.Length(1, 200))

    @post_load
    def tidy(self, data, **kwargs):
        if "tag" in data:
            data["tag"] = [normalise_tag(t) for t in data["tag"]]
        if "requester" in data:
            data["requester"] = data["requester"].strip().lower()
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


class ReplyIn(_Strict):
    body = fields.String(
        required=True,
        validate=[validate.Length(1, 20_000), not_blank("Body")],
        metadata=NOT_BLANK,
    )
    internal = fields.Boolean(load_default=False)
    author_name = fields.String(allow_none=True, validate=validate.Length(0, 120))
    author_email = fields.Email(allow_none=True, validate=validate.Length(3, 254))


class ReplyOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    author_name = fields.String(allow_none=True)
    author_email = fields.String(allow_none=True)
    body = fields.String()
    internal = fields.Boolean()
    created_at = fields.DateTime()


class ReplyList(Schema):
    items = fields.List(fields.Nested(ReplyOut))


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String())


class ErrorEnvelope(Schema):
    error = fields.Nested(ErrorBody, required=True)


class HealthOut(Schema):
    status = fields.String()
    database = fields.String()
    queue = fields.String()
    version = fields.String()
