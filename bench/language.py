"""Language detectors on short support tickets: accuracy, speed and memory, one run.

    .venv/bin/python bench/language.py [--smoke]

Compared, each in its own process (so memory is its own): the product's detector (lingua,
low-accuracy mode, the default ``LANGUAGES``, minimum relative distance 0.2, the default
language when unsure), lingua in high-accuracy mode with the same settings, and langdetect
(seeded; skipped when not installed). Texts: a hand-written multilingual sample (12 short
tickets in each of 8 languages, tests/classification/data/languages.csv), the English sample
tickets, and the shared Bitext file when present (short, typo-heavy English: a detector that
calls it anything else makes the fallback wrongly say "not English").
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a path, sys.path[0] is bench/ itself, where bench/http.py would shadow the stdlib.
sys.path[0] = str(ROOT)

LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "pl")
MULTI = ROOT / "tests" / "classification" / "data" / "languages.csv"
SAMPLE = ROOT / "tests" / "classification" / "data" / "sample_tickets.csv"
BITEXT = [
    ROOT.parent / "shared" / "data" / "bitext-customer-service.csv",
    Path("/work/shared/data/bitext-customer-service.csv"),
]
DETECTORS = ("lingua-low", "lingua-high", "langdetect")


def texts(limit: int | None) -> dict[str, list[tuple[str, str]]]:
    sets = {"multilingual": [(r["text"], r["language"]) for r in csv.DictReader(MULTI.open())]}
    sets["sample_en"] = [
        (f"{r['subject']} {r['body']}".strip(), "en") for r in csv.DictReader(SAMPLE.open())
    ]
    bitext = next((p for p in BITEXT if p.exists()), None)
    if bitext is not None:
        rows = csv.DictReader(bitext.open(encoding="utf-8"))
        sets["bitext_en"] = [(f"{r['subject']} {r['body']}".strip(), "en") for r in rows]
    if limit:
        sets = {name: rows[:limit] for name, rows in sets.items()}
    return sets


def build(name: str):
    if name.startswith("lingua"):
        from ticketing.classification.language import Detector

        return Detector(LANGUAGES, "en", "high" if name == "lingua-high" else "low").detect
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0

    def guess(text: str) -> str:
        try:
            return detect(text)
        except Exception:  # noqa: BLE001 - no features in the text
            return "en"

    return guess


def measure(name: str, limit: int | None) -> dict:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    detect = build(name)
    detect("warm up: load the models")
    load_s = time.perf_counter() - started
    out = {"detector": name, "load_s": round(load_s, 2)}
    total_n = total_s = 0.0
    for set_name, rows in texts(limit).items():
        t0 = time.perf_counter()
        right = sum(detect(text) == lang for text, lang in rows)
        spent = time.perf_counter() - t0
        total_n += len(rows)
        total_s += spent
        out[set_name] = round(right / len(rows), 4)
    out["ms_per_text"] = round(total_s / total_n * 1000, 3)
    out["rss_mb"] = round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="20 texts per set, lingua-low only")
    parser.add_argument("--one", choices=DETECTORS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    limit = 20 if args.smoke else None
    if args.one:
        print(json.dumps(measure(args.one, limit)))
        return
    names = ("lingua-low",) if args.smoke else DETECTORS
    results = []
    for name in names:
        cmd = [sys.executable, __file__, "--one", name] + (["--smoke"] if args.smoke else [])
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{name}: not measured ({done.stderr.strip().splitlines()[-1:]})")
            continue
        results.append(json.loads(done.stdout))
    columns = [k for k in results[0] if k != "detector"] if results else []
    print("detector       " + "  ".join(f"{c:>12}" for c in columns))
    for row in results:
        print(f"{row['detector']:<14} " + "  ".join(f"{row[c]!s:>12}" for c in columns))
    low = next((r for r in results if r["detector"] == "lingua-low"), None)
    for other in results:
        if low and other is not low:
            speed = other["ms_per_text"] / low["ms_per_text"]
            print(
                f"lingua-low vs {other['detector']}: {speed:.1f}x faster, "
                f"{other['rss_mb'] - low['rss_mb']:+d} MB for {other['detector']}"
            )


if __name__ == "__main__":
    main()
