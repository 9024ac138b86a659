"""Run the benchmark suite: `python -m benchmarks` from the repository root.

Starts two emulators in child processes on loopback (one answering at once, one
after 20 ms), measures this package against the floor (raw httpx, raw aiohttp)
and the alternatives (ChatOpenAI, OpenAILike) in one run, and prints the results
and a PASS/FAIL line per target; the figures are also drawn as PNG charts into
`docs/images/` (`perf-*.png`; skipped with a message without matplotlib, or with
`--no-charts`). Needs `pip install -e ".[dev,bench]"`.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks._batch import batch_runs
from benchmarks._charts import IMAGES, write_charts
from benchmarks._contenders import Clients
from benchmarks._cpu import per_call, per_chunk, per_chunk_async
from benchmarks._emulator import emulator_process
from benchmarks._latency import concurrency, time_to_first_token
from benchmarks._parsing import large_event
from benchmarks._report import Report, checks_table, results_table
from benchmarks._startup import construction, imports, memory


def machine() -> str:
    today = datetime.date.today().isoformat()
    return (
        f"{today}; {os.cpu_count()} cores; Python {platform.python_version()} "
        f"({platform.python_implementation()}); {platform.platform()}"
    )


def _plain(only: set[str], clients: Clients, report: Report, quick: bool) -> None:
    rounds, stream_rounds = (5, 3) if quick else (15, 7)
    steps: dict[str, Callable[[], None]] = {
        "call": lambda: per_call(clients, report, rounds=rounds),
        "chunk": lambda: per_chunk(clients, report, rounds=stream_rounds, chunks=2000),
        "achunk": lambda: per_chunk_async(
            clients, report, rounds=stream_rounds, chunks=2000
        ),
        "memory": lambda: memory(clients, report, short=2000, long=20000),
    }
    for name, step in steps.items():
        if name in only:
            step()


def _delayed(only: set[str], clients: Clients, report: Report, quick: bool) -> None:
    if "first-token" in only:
        time_to_first_token(clients, report, rounds=10 if quick else 30)
    if "concurrency" in only:
        concurrency(clients, report, rounds=2 if quick else 5)


PLAIN = ("call", "chunk", "achunk", "memory")
DELAYED = ("first-token", "concurrency")
SCENARIOS = (*PLAIN, *DELAYED, "construction", "imports", "large-event", "batch")


def _settled(clients: Clients) -> Clients:
    """`clients`, with everything alive so far moved out of the collector's way.

    The frameworks' modules make a large heap; a full collection over it costs
    ~200 ms and would land in a random round of a random contender. Frozen, it
    is skipped by every collection, for every contender alike.
    """
    gc.collect()
    gc.freeze()
    return clients


def run(quick: bool, only: set[str]) -> Report:
    report = Report()
    if only.intersection(PLAIN):
        with emulator_process() as base_url:
            _plain(only, _settled(Clients(base_url)), report, quick)
    if only.intersection(DELAYED):
        with emulator_process(delay=0.02) as base_url:
            _delayed(only, _settled(Clients(base_url)), report, quick)
    if "construction" in only:
        construction(report, rounds=5 if quick else 15)
    if "imports" in only:
        imports(report)
    if "large-event" in only:
        large_event(report, rounds=3 if quick else 7)
    if "batch" in only:
        batch_runs(report, quick)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument(
        "--only",
        action="append",
        choices=SCENARIOS,
        help="run only this scenario (repeatable); all of them by default",
    )
    parser.add_argument(
        "--no-charts", action="store_true", help="do not redraw docs/images/perf-*.png"
    )
    parser.add_argument(
        "--charts-dir", type=Path, default=IMAGES, help="where the charts go"
    )
    args = parser.parse_args()
    report = run(args.quick, set(args.only or SCENARIOS))
    print(f"Machine: {machine()}\n")
    print(results_table(report), end="\n\n")
    print(checks_table(report))
    if not args.no_charts:
        for path in write_charts(report, args.charts_dir):
            print(f"chart: {path}")
    failed = [c.target for c in report.checks if not c.passed]
    print(f"\n{len(report.checks) - len(failed)} of {len(report.checks)} targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
