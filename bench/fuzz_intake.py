"""Run the HTTP intake fuzzing test with many cases (default 20,000) and print how it went: cases, answers by status,
and the verdict on 5xx and partial writes. Mutated samples are plain, prefixed, SOAP 1.1 and 1.2 wrapped and
offline examples, and random bytes."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "fuzz.json"
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz_intake.py"],
            cwd=ROOT,
            env={**os.environ, "FUZZ_CASES": str(args.cases), "FUZZ_REPORT": str(report)},
            check=False,
        )
        figures = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    seconds = time.perf_counter() - started
    verdict = "no 5xx, no partial writes" if result.returncode == 0 else "FAILED"
    print(f"fuzzed the HTTP intake with {args.cases:,} cases in {seconds:.0f}s: {verdict}")
    if figures:
        answers = ", ".join(f"{count:,} x {status}" for status, count in figures["by_status"].items())
        print(f"{figures['cases']:,} requests answered: {answers}")
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
