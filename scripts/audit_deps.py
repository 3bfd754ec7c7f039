"""Check the pinned dependencies against known vulnerabilities: ``make audit-deps``.

    python scripts/audit_deps.py            # refresh the database if the network allows, then check
    python scripts/audit_deps.py --offline  # check against the stored database only

The pins are read from ``requirements.txt`` and ``requirements-dev.txt``. With a network,
pip-audit (PyPI's vulnerability data, the same advisories as OSV) is asked about exactly those
pins and its answer is stored in ``scripts/vulnerability-db.json`` — commit it. Without a
network (CI here, a plane) the stored answer is used: a pinned version the database lists as
vulnerable fails the check (exit 1) either way; a pin changed since the last refresh is reported
as unchecked, and a database older than ``--max-age-days`` as stale — warnings, never a failure
of an offline run. Exit 0: no known vulnerability in the pinned versions.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "scripts" / "vulnerability-db.json"
DEFAULT_REQUIREMENTS = (ROOT / "requirements.txt", ROOT / "requirements-dev.txt")
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def canonical(name: str) -> str:
    """PyPI's name normalisation (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(files) -> dict[str, str]:
    pins: dict[str, str] = {}
    for path in files:
        for line in Path(path).read_text().splitlines():
            match = PIN.match(line)
            if match:
                pins[canonical(match[1])] = match[2]
    return pins


def refresh(pins: dict[str, str], pip_audit: list[str], timeout: int) -> dict | None:
    """Ask pip-audit about exactly these pins; None when it could not answer (offline)."""
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "pins.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in sorted(pins.items())))
        command = [
            *pip_audit,
            "--requirement", str(requirements),
            "--no-deps", "--disable-pip",
            "--format", "json",
            "--progress-spinner", "off",
            "--vulnerability-service", "pypi",
            "--timeout", str(timeout),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout * 20)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as err:
            print(f"audit-deps: pip-audit did not run ({err}); using the stored database")
            return None
    try:
        answer = json.loads(done.stdout)
        dependencies = answer["dependencies"]
    except (ValueError, KeyError, TypeError):
        reason = (done.stderr.strip().splitlines() or ["no answer"])[-1][:200]
        print(f"audit-deps: no vulnerability data ({reason}); using the stored database")
        return None
    packages = {}
    for dep in dependencies:
        if "version" not in dep:  # skipped by pip-audit (e.g. not on PyPI): stays unchecked
            continue
        vulns = [
            {
                "id": v.get("id"),
                "aliases": v.get("aliases", []),
                "fix_versions": v.get("fix_versions", []),
                "description": (v.get("description") or "")[:300],
            }
            for v in dep.get("vulns", [])
        ]
        packages[canonical(dep["name"])] = {"version": dep["version"], "vulns": vulns}
    if not packages:  # every pin skipped: the service did not answer (e.g. no network)
        skipped = next((d.get("skip_reason") for d in dependencies), None) or "nothing checked"
        print(f"audit-deps: no vulnerability data ({skipped[:160]}); using the stored database")
        return None
    return {
        "refreshed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "service": "pypi (via pip-audit)",
        "packages": dict(sorted(packages.items())),
    }


@dataclass
class Report:
    vulnerable: list[str]
    unchecked: list[str]
    stale_days: int | None

    @property
    def ok(self) -> bool:
        return not self.vulnerable


def check(pins: dict[str, str], db: dict, max_age_days: int, now: datetime) -> Report:
    known = db.get("packages", {})
    vulnerable, unchecked = [], []
    for name, version in sorted(pins.items()):
        entry = known.get(name)
        if entry is None or entry.get("version") != version:
            unchecked.append(f"{name}=={version}")
            continue
        for vuln in entry.get("vulns", []):
            fix = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            vulnerable.append(f"{name}=={version}: {vuln.get('id')} (fixed in: {fix})")
    stale = None
    if db.get("refreshed_at"):
        age = (now - datetime.fromisoformat(db["refreshed_at"])).days
        stale = age if age > max_age_days else None
    return Report(vulnerable, unchecked, stale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirements", nargs="*", type=Path, default=list(DEFAULT_REQUIREMENTS))
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--offline", action="store_true", help="do not refresh; use the database")
    parser.add_argument("--max-age-days", type=int, default=30)
    parser.add_argument("--timeout", type=int, default=15, help="seconds per network request")
    parser.add_argument("--pip-audit", default=None, help="the pip-audit command to run")
    args = parser.parse_args(argv)

    pins = read_pins(args.requirements)
    db = json.loads(args.db.read_text()) if args.db.exists() else {}
    if not args.offline:
        command = args.pip_audit or shutil.which("pip-audit") or ""
        fresh = refresh(pins, command.split(), args.timeout) if command else None
        if fresh is not None:
            db = fresh
            args.db.write_text(json.dumps(db, indent=1) + "\n")
            print(f"audit-deps: database refreshed ({len(db['packages'])} packages) -> {args.db}")
    report = check(pins, db, args.max_age_days, datetime.now(UTC))
    when = db.get("refreshed_at") or "never (no pin could be checked)"
    print(f"audit-deps: {len(pins)} pinned packages checked against the database of {when}")
    for line in report.unchecked:
        print(f"  warning: not in the database (changed since its refresh): {line}")
    if report.stale_days is not None:
        print(f"  warning: the database is {report.stale_days} days old; refresh it online")
    for line in report.vulnerable:
        print(f"  VULNERABLE {line}")
    checked = len(pins) - len(report.unchecked)
    verdict = "vulnerabilities found" if not report.ok else "no known vulnerability"
    print(f"audit-deps: {verdict} ({checked} of {len(pins)} pins checked)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
