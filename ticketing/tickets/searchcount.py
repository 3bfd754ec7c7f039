"""Which text searches are known, for a short while, to match more than the count's cap.

A text search's capped count is most of its cost on PostgreSQL: the GIN index's bitmap of
every match (two posting lists of ~11,700 tickets each for "refund invoice" at 100,000
tickets), then a heap visit per match up to the cap, whatever the cap. A search whose count
reached the cap shows "1,000+ tickets", and the same search is asked again and again: the next
page, the list refreshing after a change, another agent with the same saved view. So each
process remembers, for ``SEARCH_MANY_SECONDS`` (30 s), that these filters matched more than the
cap, and within that time answers "1,000+" without counting, and reads the page by walking the
sort's index (safe once the matches are known to be many: the walk meets a page of them soon).

The page itself is always read fresh and exact; only the "1,000+" label can be up to that long
out of date, and only downward (matches falling under the cap: a bulk close, say). The last
page of a search still knows its exact total, and a search that turns out to have few matches
is forgotten at once. Only "more than the cap" is kept: an exact count below it is always
counted again. ``SEARCH_MANY_SECONDS=0`` counts every time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from cachetools import TTLCache
from flask import current_app

from ..core.statements import frozen

#: Parameters that choose the page or its order, not which tickets match.
NOT_MATCHING = frozenset({"sort", "cursor", "page", "per_page"})
#: Searches remembered per process (the least recently stored are dropped first).
SIZE = 2048
EXTENSION = "ticketing:search_many"


class ManyMatches:
    """A bounded, expiring set of search keys known to match more than their cap."""

    def __init__(
        self, seconds: float, size: int = SIZE, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._known: TTLCache | None = TTLCache(size, seconds, timer) if seconds > 0 else None
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe

    def __contains__(self, key: Hashable) -> bool:
        if self._known is None:
            return False
        with self._lock:
            return key in self._known

    def add(self, key: Hashable) -> None:
        if self._known is not None:
            with self._lock:
                self._known[key] = True

    def discard(self, key: Hashable) -> None:
        if self._known is not None:
            with self._lock:
                self._known.pop(key, None)


def key(params: Mapping[str, Any], cap: int) -> Hashable:
    """What decides a search's matches: its filters (``me`` is already an id) and the cap."""
    return cap, tuple(
        sorted((name, frozen(v)) for name, v in params.items() if name not in NOT_MATCHING)
    )


def known() -> ManyMatches:
    found = current_app.extensions.get(EXTENSION)
    if found is None or found.seconds != current_app.config["SEARCH_MANY_SECONDS"]:
        found = current_app.extensions[EXTENSION] = ManyMatches(
            current_app.config["SEARCH_MANY_SECONDS"]
        )
    return found
