"""The page keeps no copy of the vocabulary: it reads every list from the data-vocab island.

A status, priority, category, sentiment or role written into the JavaScript (a list, a map
keyed by them, a colour threshold per priority) would drift the day the vocabulary changes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ticketing.web
from ticketing.web.routes import page_vocabulary

STATIC = Path(ticketing.web.__file__).parent / "static"
SCRIPTS = sorted(STATIC.rglob("*.js"))

#: Lists whose values may not appear quoted anywhere in the code: the ticket's own fields.
TICKET_LISTS = ("statuses", "priorities", "categories", "sentiments", "roles")
#: Words that are spelled like a value but mean something else, per script.
HOMONYMS = {
    ("app.js", "account"): "the #/account route, not the category",
    (
        "views/filters.js",
        "none",
    ): "the list API's assignee=none / team=none, not a vocabulary value",
    ("session.js", "account"): "the #/account route (the phone's nav link), not the category",
    ("views/dashboard.js", "open"): "the stats' 'open' count field, not the status",
    ("views/exports.js", "pending"): "an export's status (ExportStatus), not a ticket's",
    ("views/assist.js", "open"): "the similar-tickets scope (SimilarScope), not the status",
    ("views/assist.js", "resolved"): "the similar-tickets scope (SimilarScope), not the status",
}


def _code(source: str) -> str:
    """The script without comments (which may name values to explain them)."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return re.sub(r"(^|\s)//[^\n]*", r"\1", source)


def _vocabulary(keys) -> set[str]:
    data = page_vocabulary()
    return {v for k in keys for v in data[k]}


def _every_list_value() -> set[str]:
    data = page_vocabulary()
    listed = {v for value in data.values() if isinstance(value, list) for v in value}
    return listed | set(data["urgency_floors"])


def quoted_values(code: str, values: set[str]) -> list[str]:
    """Values written as string literals ('open', "open", `open`)."""
    return [m[2] for m in re.finditer(r"""(["'`])([a-z_]+)\1""", code) if m[2] in values]


def listed_values(code: str, values: set[str]) -> list[str]:
    """Values written as an element of an array literal or as the key of an object literal."""
    found = []
    for group in re.finditer(r"\[([^\[\]]*)\]", code):
        found += [v for _, v in re.findall(r"""(["'`])([a-z_]+)\1""", group[1]) if v in values]
    for group in re.finditer(r"\{([^{}]*)\}", code):
        keys = re.findall(r"""(?:^|[,{])\s*(["']?)([a-z_]+)\1\s*:""", group[1])
        found += [k for _, k in keys if k in values]
    return found


def test_the_detector_finds_a_copied_list_a_keyed_map_and_a_threshold():
    statuses = {"open", "in_progress", "closed"}
    priorities = {"high", "critical"}
    assert listed_values('const S = ["open", "in_progress"];', statuses) == ["open", "in_progress"]
    assert listed_values("const C = { critical: 80, 'high': 60 };", priorities) == [
        "critical",
        "high",
    ]
    assert quoted_values('score >= 80 ? "critical" : "high"', priorities) == ["critical", "high"]
    assert listed_values("const K = [key, vocab.unset]; f({ x: 1 });", statuses) == []
    assert listed_values('{ return s === "open" ? "open" : "closed"; }', statuses) == []
    assert listed_values("{ a: 1,\n  open: 2 }", statuses) == ["open"]
    assert _code('a(); // ["open"]\n/* "closed" */ b("http://x");') == 'a(); \n b("http://x");'


def test_there_are_scripts_to_check():
    names = {p.relative_to(STATIC).as_posix() for p in SCRIPTS}
    assert {"app.js", "api.js", "dom.js", "vocab.js", "views/tickets.js"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(STATIC).as_posix())
def test_no_script_writes_a_ticket_vocabulary_value(script):
    """Not even one: a colour band per priority or a status test is a copy too."""
    code = _code(script.read_text(encoding="utf-8"))
    assert _unexplained(script, quoted_values(code, _vocabulary(TICKET_LISTS))) == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(STATIC).as_posix())
def test_no_script_holds_a_list_or_map_of_vocabulary_values(script):
    """No list or map of sources, triage or export statuses either."""
    code = _code(script.read_text(encoding="utf-8"))
    assert _unexplained(script, listed_values(code, _every_list_value())) == []


def _unexplained(script: Path, found: list[str]) -> list[str]:
    name = script.relative_to(STATIC).as_posix()
    return [v for v in found if (name, v) not in HOMONYMS]
