"""One vocabulary: the enums in ``ticketing/core/vocab.py`` are the only place their values
are listed. A literal list of two or more values of one enum anywhere else in the product —
Python or the page's JavaScript — is a second copy that will drift, and fails this test."""

from __future__ import annotations

import ast
import re
from enum import StrEnum
from pathlib import Path

from ticketing.core import vocab

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ticketing"
VOCAB_FILE = PACKAGE / "core" / "vocab.py"

ENUMS = [
    obj
    for obj in vars(vocab).values()
    if isinstance(obj, type) and issubclass(obj, StrEnum) and obj is not StrEnum
]
#: Each enum's value set, with the extra words the lists use for "no value".
VALUE_SETS = {enum.__name__: set(vocab.values(enum)) for enum in ENUMS}
EXTRA = {vocab.UNCLASSIFIED, vocab.UNSET}


def enum_like(strings: list[str]) -> str | None:
    """The enum whose values ``strings`` list (two or more of them), else None."""
    named = [s for s in strings if s not in EXTRA]
    if len(named) < 2 or len(set(named)) != len(named):
        return None
    for name, values in VALUE_SETS.items():
        if set(named) <= values:
            return name
    return None


def python_copies(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = node.keys
        else:
            continue
        strings = [e.value for e in items if isinstance(e, ast.Constant)]
        if len(strings) == len(items) and all(isinstance(s, str) for s in strings):
            name = enum_like(strings)
            if name:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name} {strings}")
    return found


JS_ARRAY = re.compile(r"\[([^\[\]]*)\]")
JS_STRING = re.compile(r"""^\s*["']([a-z_]+)["']\s*$""")


def javascript_copies(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in JS_ARRAY.finditer(text):
        parts = match.group(1).split(",")
        strings = [m.group(1) for m in map(JS_STRING.match, parts) if m]
        if len(strings) == len(parts) and (name := enum_like(strings)):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(ROOT)}:{line}: {name} {strings}")
    return found


def test_no_module_lists_vocabulary_values_itself():
    copies = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path != VOCAB_FILE:
            copies += python_copies(path)
    for path in sorted((PACKAGE / "web" / "static").rglob("*.js")):
        copies += javascript_copies(path)
    assert copies == [], "vocabulary listed outside core/vocab.py:\n" + "\n".join(copies)


def test_the_detector_finds_a_copy(tmp_path):
    """The check above can fail: a status list written out by hand is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text('OPEN = ("open", "in_progress")\nOK = ("subject", "body")\n')
    script = tmp_path / "sample.js"
    script.write_text('var levels = ["low", "medium", "high"];\nvar x = ["a", "b"];\n')
    assert [c.split(": ", 1)[1] for c in python_copies_at(sample)] == [
        "TicketStatus ['open', 'in_progress']"
    ]
    assert len(javascript_copies_at(script)) == 1


def python_copies_at(path: Path) -> list[str]:
    return [f"{path.name}: {c.split(': ', 1)[1]}" for c in _relative(python_copies, path)]


def javascript_copies_at(path: Path) -> list[str]:
    return _relative(javascript_copies, path)


def _relative(check, path: Path) -> list[str]:
    global ROOT
    saved, ROOT = ROOT, path.parent
    try:
        return check(path)
    finally:
        ROOT = saved
