"""make audit-deps: pins checked against the stored vulnerability database; refreshed through
pip-audit when it can answer, never failing for want of a network."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

import pytest

from scripts import audit_deps

PINS = "flask==3.1.3\nmoto[server]==5.2.5  # a comment\nrequests>=2\n# nothing==1\n"


@pytest.fixture
def requirements(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text(PINS)
    return path


def database(tmp_path, packages, refreshed=None):
    path = tmp_path / "db.json"
    when = (refreshed or datetime.now(UTC)).isoformat(timespec="seconds")
    path.write_text(json.dumps({"refreshed_at": when, "packages": packages}))
    return path


def run(capsys, *args) -> tuple[int, str]:
    code = audit_deps.main([str(a) for a in args])
    return code, capsys.readouterr().out


def test_only_exact_pins_are_read(requirements):
    assert audit_deps.read_pins([requirements]) == {"flask": "3.1.3", "moto": "5.2.5"}


def test_a_pinned_version_listed_as_vulnerable_fails_the_check(tmp_path, requirements, capsys):
    db = database(
        tmp_path,
        {
            "flask": {"version": "3.1.3", "vulns": [{"id": "PYSEC-1", "fix_versions": ["3.1.4"]}]},
            "moto": {"version": "5.2.5", "vulns": []},
        },
    )
    code, out = run(capsys, requirements, "--db", db, "--offline")
    assert code == 1
    assert "VULNERABLE flask==3.1.3: PYSEC-1 (fixed in: 3.1.4)" in out


def test_a_clean_database_passes_and_changed_pins_are_only_warnings(tmp_path, requirements, capsys):
    db = database(
        tmp_path,
        {"flask": {"version": "3.1.3", "vulns": []}, "moto": {"version": "5.0.0", "vulns": []}},
        refreshed=datetime.now(UTC) - timedelta(days=90),
    )
    code, out = run(capsys, requirements, "--db", db, "--offline")
    assert code == 0
    assert "not in the database (changed since its refresh): moto==5.2.5" in out
    assert "the database is 90 days old" in out


def fake_pip_audit(tmp_path, answer: dict | None, exit_code: int = 1) -> str:
    script = tmp_path / "fake_pip_audit.py"
    body = f"print({json.dumps(json.dumps(answer))})" if answer is not None else ""
    script.write_text(f"import sys\n{body}\nsys.exit({exit_code})\n")
    return f"{sys.executable} {script}"


def test_a_refresh_stores_what_pip_audit_found(tmp_path, requirements, capsys):
    db = database(tmp_path, {})
    answer = {
        "dependencies": [
            {"name": "Flask", "version": "3.1.3", "vulns": [
                {"id": "GHSA-x", "fix_versions": ["3.2"], "aliases": ["CVE-1"],
                 "description": "bad"}]},
            {"name": "moto", "version": "5.2.5", "vulns": []},
        ]
    }  # fmt: skip
    code, out = run(
        capsys, requirements, "--db", db, "--pip-audit", fake_pip_audit(tmp_path, answer)
    )
    assert code == 1 and "VULNERABLE flask==3.1.3: GHSA-x" in out
    stored = json.loads(db.read_text())
    assert stored["packages"]["flask"]["vulns"][0]["aliases"] == ["CVE-1"]
    assert stored["packages"]["moto"] == {"version": "5.2.5", "vulns": []}


@pytest.mark.parametrize(
    "answer",
    [
        None,  # no output at all (pip-audit crashed: no network)
        {"dependencies": [{"name": "flask", "skip_reason": "Dependency not found on PyPI"}]},
    ],
)
def test_without_a_network_the_stored_database_is_used_and_nothing_fails(
    tmp_path, requirements, capsys, answer
):
    packages = {
        "flask": {"version": "3.1.3", "vulns": []},
        "moto": {"version": "5.2.5", "vulns": []},
    }
    db = database(tmp_path, packages)
    before = db.read_text()
    code, out = run(
        capsys, requirements, "--db", db, "--pip-audit", fake_pip_audit(tmp_path, answer)
    )
    assert code == 0 and "using the stored database" in out
    assert db.read_text() == before  # an empty answer never overwrites what was known


def test_the_shipped_database_and_pins_are_readable(capsys):
    code, out = run(capsys, "--offline")
    # 1 would mean the committed database lists a pinned version as vulnerable: act on it.
    assert code in (0, 1) and "pinned packages checked" in out
