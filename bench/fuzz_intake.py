"""Run the HTTP intake fuzzing test with many cases (default 20,000) and print how it went."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/test_fuzz_intake.py"],
        cwd=ROOT,
        env={**os.environ, "FUZZ_CASES": str(args.cases)},
        check=False,
    )
    seconds = time.perf_counter() - started
    verdict = "no 5xx, no partial writes" if result.returncode == 0 else "FAILED"
    print(f"fuzzed the HTTP intake with {args.cases:,} cases in {seconds:.0f}s: {verdict}")
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
