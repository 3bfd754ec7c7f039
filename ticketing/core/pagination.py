"""One page of a list: the ``{"items", "meta"}`` answer every collection gives."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from .extensions import db

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
    #: False when ``total`` is an estimate or a cap (a very broad search), not a count.
    total_exact: bool = True
    #: The token that opens the next page by keyset (lists that offer one; None: last page).
    next_cursor: str | None = None

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0

    def meta(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "pages": self.pages,
            "total_exact": self.total_exact,
            "next_cursor": self.next_cursor,
        }

    def as_dict(self) -> dict[str, Any]:
        """The list answer (dumped by a ``page_schema``)."""
        return {"items": self.items, "meta": self.meta()}


def paginate(stmt: Select, page: int, per_page: int) -> Page:
    """Run ``stmt`` (already ordered) for one page, with an exact count of every row."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), page, per_page, total or 0)
