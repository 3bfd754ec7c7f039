"""Built SQL statements kept per process, by the exact values that built them.

Building a big statement (a list page, the stats' headline) and SQLAlchemy's walk of each new
object to find its compiled form (its cache key) can be a fifth of a request's Python, and the
same statement is asked for again and again. A statement is immutable and carries its values,
and its cache key is computed once per object: kept, it runs as it is. The caller keys it by
everything that decided it (never by "now" unless the key holds the time it was built for);
the rows are always read fresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from cachetools import LRUCache
from flask import current_app

PREFIX = "ticketing:statements:"


class Kept:
    """A bounded least-recently-used store of built statements (or anything immutable)."""

    def __init__(self, size: int) -> None:
        self._kept: LRUCache = LRUCache(size)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe

    def get(self, key: Hashable | None, build: Callable[[], Any]) -> Any:
        """The value kept under ``key``, else ``build()``'s (kept; never when ``key`` is
        ``None``). Two threads missing at once both build; the last one's is kept."""
        if key is None:
            return build()
        with self._lock:
            found = self._kept.get(key)
        if found is None:
            found = build()
            with self._lock:
                self._kept[key] = found
        return found

    def __len__(self) -> int:
        return len(self._kept)


def kept(name: str, size: int) -> Kept:
    """The app's store ``name`` (made on first use, ``size`` entries)."""
    found = current_app.extensions.get(PREFIX + name)
    if found is None:
        found = current_app.extensions.setdefault(PREFIX + name, Kept(size))
    return found


def frozen(value: Any) -> Hashable:
    """``value`` (request parameters: dicts, lists, sets, scalars) as a hashable key."""
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(frozen(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((k, frozen(v)) for k, v in value.items()))
    return value
