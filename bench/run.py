"""Run every benchmark (``bench/bench_*.py``), one after another, each in its own process.

Prints every result line as it comes (one JSON object per line) and writes them all, with
the machine's description, to ``bench/results/<date>-<quick|full>.json``. ``--quick``
is passed through to each benchmark. Every line's ``ratio`` is oriented so that above 1
means Saphan does better (for times: the peer's over Saphan's), except where a benchmark
states a ``bar`` on its own ratio. A benchmark that fails gives a line with
``skipped`` and the end of its error output; the others still run. ``--only NAME``
runs the benchmarks whose file name contains NAME.

Not part of CI: figures depend on the machine and on what else it is doing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import BENCH, ROOT, machine

RESULTS = BENCH / "results"
TIME_UNITS = {"s", "ms", "us", "µs", "ns"}


def oriented(line: dict[str, Any]) -> dict[str, Any]:
    """Make ``ratio`` read "above 1 is better for Saphan": a time or a latency is better
    when smaller, so its ratio is the peer's figure over Saphan's, whatever the benchmark
    printed (kept as ``ratio_printed`` when it differs). A line with a ``bar`` keeps its
    own ratio: its bar is stated on that ratio."""
    value, other = line.get("value"), line.get("peer_value")
    if line.get("unit") not in TIME_UNITS or not value or not other or "bar" in line:
        return line
    ratio = float(f"{other / value:.4g}")
    if line.get("ratio") != ratio:
        line["ratio_printed"] = line.get("ratio")
        line["ratio"] = ratio
    return line


def run_one(path: Path, quick: bool) -> tuple[list[dict[str, Any]], float]:
    started = time.perf_counter()
    command = [sys.executable, str(path), *(["--quick"] if quick else [])]
    lines: list[dict[str, Any]] = []
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        for text in proc.stdout:
            text = text.strip()
            if not text.startswith("{"):
                continue
            try:
                line = json.loads(text)
            except ValueError:
                continue
            line.setdefault("bench", path.stem)
            lines.append(oriented(line))
            print(json.dumps(line, ensure_ascii=False), flush=True)
        errors = proc.stderr.read()
    if proc.returncode != 0:
        failed = {
            "name": path.stem,
            "bench": path.stem,
            "skipped": f"exit {proc.returncode}: {errors.strip()[-600:]}",
        }
        lines.append(failed)
        print(json.dumps(failed, ensure_ascii=False), flush=True)
    return lines, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short version of each")
    parser.add_argument("--only", help="run only benchmarks whose file name contains this")
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    described = machine()
    started = datetime.now(UTC)
    results: list[dict[str, Any]] = []
    seconds: dict[str, float] = {}
    for path in sorted(BENCH.glob("bench_*.py")):
        if args.only and args.only not in path.name:
            continue
        lines, took = run_one(path, args.quick)
        results += lines
        seconds[path.stem] = round(took, 1)
    total = round(sum(seconds.values()), 1)
    print(
        json.dumps({"name": "run", "mode": mode, "seconds": total, "per_bench": seconds}),
        flush=True,
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{started:%Y-%m-%d}-{mode}.json"
    document = {
        "mode": mode,
        "started": started.isoformat(timespec="seconds"),
        "seconds": total,
        "per_bench_seconds": seconds,
        "machine": described,
        "results": results,
    }
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
