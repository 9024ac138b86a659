"""Run the benchmark suite: `python -m benchmarks` from the repository root.

Starts two emulators in child processes on loopback (one answering at once, one
after 20 ms), measures this package against the floor (raw httpx, raw aiohttp)
and the alternatives (ChatOpenAI, OpenAILike) in one run, and prints the results
and a PASS/FAIL line per target. Needs `pip install -e ".[dev,bench]"`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys

from benchmarks._contenders import Clients
from benchmarks._cpu import per_call, per_chunk, per_chunk_async
from benchmarks._emulator import emulator_process
from benchmarks._latency import concurrency, time_to_first_token
from benchmarks._report import Report, checks_table, results_table
from benchmarks._startup import construction, imports, memory


def machine() -> str:
    today = datetime.date.today().isoformat()
    return (
        f"{today}; {os.cpu_count()} cores; Python {platform.python_version()} "
        f"({platform.python_implementation()}); {platform.platform()}"
    )


def run(quick: bool) -> Report:
    report = Report()
    rounds = 5 if quick else 15
    with emulator_process() as base_url:
        clients = Clients(base_url)
        per_call(clients, report, rounds=rounds)
        per_chunk(clients, report, rounds=3 if quick else 7, chunks=2000)
        per_chunk_async(clients, report, rounds=3 if quick else 7, chunks=2000)
        memory(clients, report, short=2000, long=20000)
    with emulator_process(delay=0.02) as base_url:
        clients = Clients(base_url)
        time_to_first_token(clients, report, rounds=10 if quick else 30)
        concurrency(clients, report, rounds=2 if quick else 5)
    construction(report, rounds=rounds)
    imports(report)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    report = run(args.quick)
    print(f"Machine: {machine()}\n")
    print(results_table(report), end="\n\n")
    print(checks_table(report))
    failed = [c.target for c in report.checks if not c.passed]
    print(f"\n{len(report.checks) - len(failed)} of {len(report.checks)} targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
