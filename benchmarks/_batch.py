"""Account-scale batch runs (issue 16): 2,000 transcripts at 1,200 requests a minute.

`python -m benchmarks --only batch`. Each run gets a fresh emulator in a child
process (this module's `serve`: no bundled meetings, 2,000 short ones added,
20 ms per answer), so every rate-limit window starts empty and the benchmark
process's CPU time holds the client's work only.

- Paced: `TranscriptBatch.arun()` (what `aai-gateway batch` runs) over the whole
  listing, against a limit of 1,200 requests a minute per model: the achieved
  rate, the share of 429s, client CPU per item and wall time.
- The floors, at the same pace (evenly spaced at the rate the batch keeps) and
  unpaced: a raw aiohttp loop sending the same requests (the same listing pages,
  then the batch's own request template for each transcript, 16 in flight), and
  the core client alone (its listing, then `AsyncGatewayClient.achat` in the same
  loop), which splits the batch's cost into the client's and its own. Pacing
  changes the cost of every request (each one wakes an idle loop and an idle
  server), so the paced batch is compared with the paced floor.
- Every comparison is interleaved: each round runs every contender once (a fresh
  emulator each when paced), and the median of the rounds is kept, so load
  drifting on a shared machine hits all of them alike.
- Ray: `run_on_ray()` (2 workers, batches of 16) on a local Ray instance, against
  a fresh limited emulator; its wall time, Ray's start-up included, against the
  median wall time of the local runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp
import httpx

from aai_gateway import AsyncGatewayClient
from aai_gateway.batch import BatchSummary, TranscriptBatch
from aai_gateway.batch._pacing import HEADROOM
from benchmarks._emulator import API_KEY, MODEL, child_emulator
from benchmarks._report import Report

LIMIT = 1200
COUNT = 2000
CONCURRENCY = 16
DELAY = 0.02
PROMPT = "What was agreed, and who owns the follow-up?"
HEADERS = {"authorization": API_KEY}


@contextlib.contextmanager
def _emulator(limit: int | None, count: int) -> Iterator[str]:
    """An emulator with `count` meetings in a child process; yields its root URL."""
    args = ["--count", str(count), "--limit", str(limit or 0)]
    with child_emulator("benchmarks._batch", args) as root:
        yield root


def _batch(root: str, out: Path, count: int) -> TranscriptBatch:
    return TranscriptBatch(
        out,
        model=MODEL,
        prompt=PROMPT,
        max_transcripts=count,
        max_concurrency=CONCURRENCY,
        show_progress=False,
        base_url=f"{root}/v1",
        transcript_base_url=root,
    )


def _timed(run: Any) -> tuple[BatchSummary, float, float]:
    """The summary, wall seconds and CPU seconds of `run()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    summary = run()
    return summary, time.perf_counter() - wall, time.process_time() - cpu


def _ids(root: str, count: int) -> list[str]:
    headers = {"authorization": API_KEY}
    ids: list[str] = []
    params: dict[str, str] = {"limit": "200", "status": "completed"}
    with httpx.Client(base_url=root, headers=headers) as client:
        while len(ids) < count:
            page = client.get("/v2/transcript", params=params).json()
            ids += [t["id"] for t in page["transcripts"]]
            if not page["transcripts"]:
                break
            params["before_id"] = page["transcripts"][-1]["id"]
    return ids[:count]


async def _raw_ids(session: aiohttp.ClientSession, root: str, count: int) -> list[str]:
    """The floor's listing: the pages the batch asks for, with `json.loads`."""
    ids: list[str] = []
    params = {"limit": "200", "status": "completed"}
    while len(ids) < count:
        url = f"{root}/v2/transcript"
        async with session.get(url, params=params, headers=HEADERS) as response:
            page = await response.json()
        ids += [t["id"] for t in page["transcripts"]]
        if not page["transcripts"]:
            break
        params["before_id"] = page["transcripts"][-1]["id"]
    return ids[:count]


class _Spacing:
    """The floor's pacing: requests evenly spaced at `rate` a second (`None`: none)."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.next_at: float | None = None

    async def wait(self) -> None:
        if self.rate is None:
            return
        now = asyncio.get_running_loop().time()
        at = now if self.next_at is None else max(now, self.next_at)
        self.next_at = at + 1.0 / self.rate
        if at > now:
            await asyncio.sleep(at - now)


async def _raw_loop(
    root: str, template: dict[str, Any], count: int, rate: float | None
) -> None:
    """The floor: the same requests from a bare aiohttp session, 16 in flight."""
    url = f"{root}/v1/chat/completions"
    async with aiohttp.ClientSession() as session:
        queue, spacing = iter(await _raw_ids(session, root, count)), _Spacing(rate)

        async def worker() -> None:
            for tid in queue:
                await spacing.wait()
                body = {**template, "transcript_id": tid}
                async with session.post(url, json=body, headers=HEADERS) as response:
                    await response.json()
                    if response.status != 200:
                        raise RuntimeError(f"raw loop: status {response.status}")

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def _core_loop(
    root: str, template: dict[str, Any], count: int, rate: float | None
) -> None:
    """The core client alone: its listing, then `achat` over the same requests."""
    client = AsyncGatewayClient(
        base_url=f"{root}/v1", transcript_base_url=root, api_key=API_KEY, max_retries=0
    )
    async with client:
        rows = client.aiter_transcripts(
            max_results=count, status="completed", limit=200
        )
        queue, spacing = iter([row.id async for row in rows]), _Spacing(rate)

        async def worker() -> None:
            for tid in queue:
                await spacing.wait()
                await client.achat({**template, "transcript_id": tid})

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


RAW = "raw aiohttp loop (floor)"
CORE = "AsyncGatewayClient.achat loop"
ARUN = "TranscriptBatch.arun"


class _Sample(NamedTuple):
    """One run of one contender: CPU seconds per item, wall seconds, the summary."""

    cpu: float
    wall: float
    summary: BatchSummary | None = None


def _cpu_of(root: str, work: Path, count: int, name: str, paced: bool) -> _Sample:
    """One run of one contender against the emulator at `root`."""
    batch = _batch(root, work / f"{name}-{paced}-{time.monotonic_ns()}.jsonl", count)
    rate = LIMIT * HEADROOM / 60.0 if paced else None
    template = dict(batch.job.template)  # type: ignore[union-attr]
    summary = None
    wall, started = time.perf_counter(), time.process_time()
    if name == RAW:
        asyncio.run(_raw_loop(root, template, count, rate))
    elif name == CORE:
        asyncio.run(_core_loop(root, template, count, rate))
    else:
        summary = asyncio.run(batch.arun()) if name == ARUN else batch.run()
        if summary.succeeded != count:
            raise RuntimeError(f"the batch did not finish: {summary}")
    cpu = (time.process_time() - started) / count
    return _Sample(cpu, time.perf_counter() - wall, summary)


def _unpaced(report: Report, work: Path, count: int, rounds: int) -> None:
    """CPU per item without a limit (an emulator answering every request)."""
    names = (RAW, CORE, ARUN, "run")
    samples: dict[str, list[float]] = {n: [] for n in names}
    with _emulator(None, count) as root:
        for _ in range(rounds):
            for name in names:
                samples[name].append(_cpu_of(root, work, count, name, False).cpu)
    label = {RAW: RAW, CORE: CORE, ARUN: ARUN, "run": "TranscriptBatch.run (threads)"}
    scenario = "batch: client CPU per item, unpaced (us)"
    report.add(
        scenario,
        {label[n]: statistics.median(v) * 1e6 for n, v in samples.items()},
        "us",
    )
    _ratios(report, scenario, label.values())


def _ratios(report: Report, scenario: str, names: Any) -> None:
    rows = {r.contender: r.value for r in report.rows if r.scenario == scenario}
    for name in names:
        report.ratio(scenario, name, floor=rows[RAW], alternative=rows[CORE])


def _paced(report: Report, work: Path, count: int, rounds: int) -> list[_Sample]:
    """CPU per item at the limit's pace, interleaved rounds (a fresh limited
    emulator for every run); the batch's runs."""
    samples: dict[str, list[_Sample]] = {n: [] for n in (RAW, CORE, ARUN)}
    for _ in range(rounds):
        for name, runs in samples.items():
            with _emulator(LIMIT, count) as root:
                runs.append(_cpu_of(root, work, count, name, paced=True))
    scenario = "batch: client CPU per item, paced at 1,200/min (us)"
    cpu = {n: statistics.median(s.cpu for s in v) * 1e6 for n, v in samples.items()}
    report.add(scenario, cpu, "us")
    _ratios(report, scenario, samples)
    return samples[ARUN]


def _on_ray(work: Path, count: int) -> tuple[BatchSummary, float, float]:
    import ray

    started = time.perf_counter()
    ray.init(include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    start_up = time.perf_counter() - started
    try:
        with _emulator(LIMIT, count) as root:
            batch = _batch(root, work / "ray.jsonl", count)
            summary, wall, _ = _timed(
                lambda: batch.run_on_ray(num_workers=2, batch_size=16)
            )
    finally:
        ray.shutdown()
    if summary.succeeded != count:
        raise RuntimeError(f"the Ray batch did not finish: {summary}")
    return summary, wall, start_up


def _requests(summary: BatchSummary) -> int:
    return summary.succeeded + summary.failed + summary.rate_limited


def _rate_rows(
    report: Report, label: str, runs: list[tuple[BatchSummary, float]]
) -> tuple[float, float]:
    """The median rate, 429 share and wall time of `runs`; the rate and the share."""
    rate = statistics.median(s.succeeded * 60.0 / wall for s, wall in runs)
    share = statistics.median(s.rate_limited / max(1, _requests(s)) for s, _ in runs)
    report.add(
        "batch: 2,000 transcripts at a 1,200/min limit",
        {
            f"{label}: achieved rate (req/min)": rate,
            f"{label}: 429s (% of requests)": share * 100,
            f"{label}: wall time (s)": statistics.median(w for _, w in runs),
        },
        "",
    )
    return rate, share * 100


def batch_runs(report: Report, quick: bool) -> None:
    """The batch scenario: paced local and Ray runs, and the CPU floors."""
    os.environ["ASSEMBLYAI_API_KEY"] = API_KEY  # the runs and the Ray workers read it
    count = 400 if quick else COUNT
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        _unpaced(report, work, count, rounds=1 if quick else 3)
        local = _paced(report, work, count, rounds=1 if quick else 3)
        runs = [(s.summary, s.wall) for s in local if s.summary is not None]
        rate, share = _rate_rows(report, "local (arun)", runs)
        on_ray, ray_wall, start_up = _on_ray(work, count)
        _rate_rows(report, "Ray (2 workers)", [(on_ray, ray_wall)])
        report.add(
            "batch: 2,000 transcripts at a 1,200/min limit",
            {"Ray (2 workers): ray.init start-up (s)": start_up},
            "",
        )
    rows = {
        r.contender: r
        for r in report.rows
        if r.scenario.startswith("batch: client CPU per item, paced")
    }
    wall = statistics.median(w for _, w in runs)
    report.check(
        "batch: achieved rate below the limit", (1 - rate / LIMIT) * 100, 10, "%"
    )
    report.check("batch: 429s of requests", share, 1, "%")
    report.check(
        "batch: client CPU per item vs raw aiohttp, paced",
        rows[ARUN].vs_floor or 0.0,
        1.3,
    )
    report.check(
        "batch on Ray: wall time (start-up included) vs local",
        (ray_wall + start_up) / wall,
        1.5,
    )


def serve() -> None:
    """`python -m benchmarks._batch --port N --count 2000 --limit 1200`."""
    from aai_gateway.testing import GatewayEmulator

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--limit", type=int, default=LIMIT, help="0: no limit")
    args = parser.parse_args()
    emulator = GatewayEmulator(
        rate_limit=args.limit or None,
        response_delay=DELAY,
        meetings=False,
        record_limit=1,
    )
    for n in range(args.count):
        emulator.add_transcript(
            [
                ("A", f"Call {n}: we agreed to renew the contract for another year."),
                ("B", f"Sam owns the follow-up email for call {n}."),
            ],
            created=f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00.{n:06d}",
        )
    emulator.serve_forever("127.0.0.1", args.port)


if __name__ == "__main__":
    serve()
