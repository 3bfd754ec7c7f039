"""The shared schema kit: field types, text rules, paging and the error envelope.

Every feature's ``schemas.py`` builds on these, so a rule (what "not blank" means, how a page
is clamped, what a comma list accepts) is written once and documented once in OpenAPI.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, missing, post_load

from .vocab import HealthStatus, values

#: OpenAPI note for text that is trimmed and must keep a character (blank text is a 422).
#: Spelled out because Python's strip() also removes \x1c-\x1f and \x85, which JSON
#: Schema's (ECMA) ``\s`` does not count as space.
NON_SPACE = r"[^\s\x1c-\x1f\x85]"
NOT_BLANK = {"pattern": NON_SPACE}


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


class StrictSchema(Schema):
    """Unknown fields are a 422, not silently dropped."""

    class Meta:
        unknown = RAISE


_ABSENT = object()
_ISO_FORMATS = (None, "iso", "iso8601")


def _inline(field: fields.Field, key: str):
    """How one field's value becomes JSON: a short inline conversion for the plain types
    (exactly what marshmallow's own ``_serialize`` does for them), else the field itself."""
    serialize = field._serialize  # noqa: SLF001 - the field's own formatting, minus lookups
    kind = type(field)
    if kind is fields.String:
        return lambda v, obj: v if v is None or type(v) is str else serialize(v, key, obj)
    if kind is fields.Integer and not field.as_string:
        return lambda v, obj: v if v is None or type(v) is int else serialize(v, key, obj)
    if kind is fields.Float and not field.as_string:
        return lambda v, obj: v if v is None or type(v) is float else serialize(v, key, obj)
    if kind is fields.DateTime and field.format in _ISO_FORMATS:
        return lambda v, obj: None if v is None else v.isoformat()
    return lambda v, obj: serialize(v, key, obj)


class FastDumpSchema(Schema):
    """A schema whose dump reads each attribute with a plain ``getattr`` and formats the
    plain types inline, with marshmallow's own formatting for every other field: the same
    output as ``Schema.dump`` (tests compare them over varied rows), at a fraction of the
    per-value cost — a 25-row ticket page dumps ~900 values. Hooks, ``only``/``exclude``,
    mappings and absent attributes go through marshmallow unchanged."""

    def _plan(self) -> list:
        plan = self.__dict__.get("_fast_plan")
        if plan is None:
            plan = []
            for name, field in self.dump_fields.items():
                key = field.data_key if field.data_key is not None else name
                attribute = (field.attribute or name) if field._CHECK_ATTRIBUTE else None  # noqa: SLF001
                plan.append((key, attribute, _inline(field, key), field, name))
            self.__dict__["_fast_plan"] = plan
        return plan

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        if many and obj is not None:
            return [self._serialize(item, many=False) for item in obj]
        if obj is None or isinstance(obj, dict):
            return super()._serialize(obj, many=many)
        out: dict[str, Any] = {}
        for key, attribute, convert, field, name in self._plan():
            if attribute is None or "." in attribute:  # computed, or a dotted path
                value = field.serialize(name, obj, accessor=self.get_attribute)
            else:
                raw = getattr(obj, attribute, _ABSENT)
                if raw is _ABSENT:
                    value = field.serialize(name, obj, accessor=self.get_attribute)
                else:
                    value = convert(raw, obj)
            if value is not missing:
                out[key] = value
        return out


def strip_strings(data: Any, keys: tuple[str, ...]) -> Any:
    if isinstance(data, dict):
        data = dict(data)
        for key in keys:
            if isinstance(data.get(key), str):
                data[key] = data[key].strip()
    return data


class PageMeta(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()
    total_exact = fields.Boolean(
        metadata={
            "description": "false when total is not exact: the count stopped at its cap "
            "(SEARCH_COUNT_CAP; SEARCH_TEXT_COUNT_CAP for a text search, which may be "
            "remembered for SEARCH_MANY_SECONDS) or, past the cap, is PostgreSQL's estimate"
        }
    )


class CursorPageMeta(PageMeta):
    next_cursor = fields.String(
        allow_none=True,
        metadata={
            "description": "Send as ?cursor= (same sort) for the next page by keyset, however "
            "deep; null on the last page"
        },
    )


def page_schema(item: type[Schema], name: str, meta: type[Schema] = PageMeta) -> type[Schema]:
    """A list answer's schema: ``{"items": [item, ...], "meta": meta}``."""
    return type(
        name,
        (Schema,),
        {"items": fields.List(fields.Nested(item)), "meta": fields.Nested(meta)},
    )


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


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # Before ``fields`` below, whose name shadows marshmallow's module in this class body.
    current = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "412 precondition_failed only: the ticket as it is now, so the "
            "client can show what changed since its copy"
        },
    )
    location = fields.String(
        metadata={
            "description": "409 on a retried Idempotency-Key whose answer was lost: where the "
            "resource it created is"
        }
    )
    fields = fields.Dict(keys=fields.String())


class ErrorEnvelope(Schema):
    error = fields.Nested(ErrorBody, required=True)


class HealthOut(Schema):
    status = fields.String(
        metadata={"enum": list(values(HealthStatus)), "description": "degraded: a check is not ok"}
    )
    database = fields.String()
    queue = fields.String()
    version = fields.String()
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        metadata={"description": "Each feature's check: at least ok (bool) and status."},
    )
