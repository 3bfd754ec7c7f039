"""The list's page statements, kept per process by the exact parameters that built them.

A list page is one statement (``listing``), but building it is most of a list request's own
Python: the filters, the keyset or offset window, the outer query's ~60 columns with their
subqueries, the rollup count — and then SQLAlchemy walks the whole new object to find its
compiled form in the cache (its cache key) and maps the cached result columns onto the new
object's. The same list is asked again and again: the page refreshing after a change, every
agent whose view is "open tickets", a search's next look. So each process keeps the last
``SIZE`` (64) statements by their parameters (filters, sort, page or cursor, and what decides the
total's source) and runs a kept one as it is: a statement is immutable and carries its values,
and its cache key is computed once per object (at 100,000 tickets, request CPU in the test
client, old and new interleaved: the open-billing list 5.4–5.7 → 2.8–3.0 ms under load ~3.5;
one ticket's ``GET`` is 1.8–2.5 ms).

Nothing is kept that is not decided by those parameters: a filter on SLA clocks compares with
"now" and is built every time (the caller passes no key). The rows are always read fresh.
"""

from __future__ import annotations

from ..core.statements import Kept, kept

#: Statements kept per process: ~56 kB each with what SQLAlchemy memoizes on it (128 distinct
#: pages kept grew a process by 7.2 MB), so at most ~3.6 MB.
SIZE = 64


def statements() -> Kept:
    return kept("list_pages", SIZE)
