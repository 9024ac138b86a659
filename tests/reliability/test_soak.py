"""The soak test: 10,000 requests through both adapters with 5% injected faults.

Kept out of the default run (marker `soak`, deselected by `addopts`). Run it with

    python -m pytest tests/reliability/test_soak.py -m soak -s

(`SOAK_REQUESTS=2000` for a shorter run). Four lanes share the load: LangChain and
LlamaIndex, each sync (16 threads on one model) and async (64 tasks in flight on
the same model), half the calls streamed. Before a request, with probability
5%, one fault of a random kind from the fault matrix is queued on the emulator
(or the request goes to a closed port). It checks that every request ends in
the right answer or a typed `aai_gateway.APIError`, that none takes longer than
a bound (nothing hangs), that no pooled connection is left checked out and no
socket stays open to the emulator once the models are closed, and that memory
(traced and resident) stays flat after warm-up. The emulator runs in a child
process, so the resident figure is the clients' own; the emulator's is reported
beside it. The figures are printed and written to
`SOAK_REPORT` (default `soak-report.json` in the working directory), and
recorded in `docs/reliability.md`. With matplotlib installed (the `bench` extra)
the memory checkpoints are also drawn over time as a line chart, written to
`SOAK_CHART` (default `docs/images/soak-memory.png`).
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import os
import random
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import aai_gateway as core
from aai_gateway.testing import Fault
from tests.reliability.conftest import (
    MODEL,
    TEST_KEY,
    _http_clients,
    _pool_counts,
    busy_connections,
    close_model,
    core_clients,
)
from tests.reliability.emulator_process import EmulatorProcess, rss_mb

# Ten thousand requests take minutes, not the suite's per-test two.
pytestmark = [pytest.mark.soak, pytest.mark.e2e, pytest.mark.timeout(1800)]

TOTAL = int(os.environ.get("SOAK_REQUESTS", "10000"))
FAULT_RATE = 0.05
TIMEOUT = 5.0  # the models' request timeout (and so the per-event stream timeout)
HANG_BOUND = 40.0  # no single call may take longer (3 attempts x 5 s + waits)
THREADS = 16
TASKS_IN_FLIGHT = 64
TRACED_SLACK_MB = 40.0
RSS_SLACK_MB = 16.0
SOAK_CHART = Path(__file__).resolve().parents[2] / "docs" / "images" / "soak-memory.png"

FAULTS: dict[str, Callable[[], Fault]] = {
    "429-retry-after-1s": lambda: Fault(status=429, headers={"retry-after": "1"}),
    "429-retry-after-120s": lambda: Fault(status=429, headers={"retry-after": "120"}),
    "429-beyond-retries": lambda: Fault(status=429, times=3),
    "500": lambda: Fault(status=500),
    "502": lambda: Fault(status=502),
    "503": lambda: Fault(status=503),
    "504": lambda: Fault(status=504),
    "500-should-not-retry": lambda: Fault(
        status=500, headers={"x-should-retry": "false"}
    ),
    "slow-first-byte": lambda: Fault(first_byte_delay=TIMEOUT + 1.0),
    "stall": lambda: Fault(stall_after_events=2, stall_seconds=TIMEOUT + 1.0),
    "drop-after-events": lambda: Fault(drop_after_events=2),
    "drop-before-events": lambda: Fault(drop_after_events=0),
    "error-event": lambda: Fault(error_event_after=1),
    "malformed": lambda: Fault(malformed=True),
    "wrong-content-type": lambda: Fault(content_type="text/html"),
    "401": lambda: Fault(status=401),
    "400-errors": lambda: Fault(
        status=400,
        body={
            "code": 400,
            "message": "invalid request body",
            "request_id": "r",
            "metadata": {"errors": ["a", "b"]},
        },
    ),
}
REFUSED = "connection-refused"
KINDS = [*FAULTS, REFUSED]


def sockets_to(port: int) -> int:
    """ESTABLISHED client-side TCP sockets to `port` on loopback."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] == "01":
                count += 1
    return count


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Tally:
    """Outcomes, latencies and memory samples, shared by every lane."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.faults: collections.Counter[str] = collections.Counter()
        self.wrong: list[str] = []
        self.slowest = 0.0
        self.done = 0
        self.memory: list[tuple[int, float, float, float, float, float]] = []
        self.started = time.monotonic()
        self.emulator_pid = 0
        self.async_in_flight = 0

    def record(self, prompt: str, answer: str | None, error: Any, took: float) -> None:
        with self.lock:
            self.done += 1
            self.slowest = max(self.slowest, took)
            if error is None:
                self.outcomes["ok"] += 1
                if answer != f"Echo: {prompt}":
                    self.wrong.append(f"{prompt!r} -> {answer!r}")
            elif isinstance(error, core.APIError):
                self.outcomes[type(error).__name__] += 1
            else:
                self.outcomes[f"UNTYPED {type(error).__name__}"] += 1
                self.wrong.append(f"{prompt!r} -> {error!r}")
            if self.done % max(TOTAL // 10, 1) == 0:
                gc.collect()
                traced = tracemalloc.get_traced_memory()[0] / 2**20
                # tracemalloc's own tables are in RSS but not in the traced figure.
                overhead = tracemalloc.get_tracemalloc_memory() / 2**20
                server = rss_mb(self.emulator_pid)
                seconds = time.monotonic() - self.started
                self.memory.append(
                    (self.done, rss_mb(), traced, overhead, server, seconds)
                )


class Lane:
    """One adapter, sync or async, with its models and its share of requests."""

    def __init__(self, adapter: str, base_url: str, refused_url: str) -> None:
        self.adapter = adapter
        self.model = self._build(base_url)
        self.refused = self._build(refused_url)

    def _build(self, base_url: str) -> Any:
        options = {
            "model": MODEL,
            "api_key": TEST_KEY,
            "base_url": base_url,
            "timeout": TIMEOUT,
        }
        if self.adapter == "langchain":
            from langchain_aai_gateway import ChatAssemblyAI

            return ChatAssemblyAI(**options)
        from llama_index_aai_gateway import AssemblyAI

        return AssemblyAI(**options)

    def call(self, model: Any, prompt: str, streamed: bool) -> str:
        if self.adapter == "langchain":
            if streamed:
                return "".join(str(c.content) for c in model.stream(prompt))
            return str(model.invoke(prompt).content)
        if streamed:
            return "".join(r.delta or "" for r in model.stream_complete(prompt))
        return str(model.complete(prompt).text)

    async def acall(self, model: Any, prompt: str, streamed: bool) -> str:
        if self.adapter == "langchain":
            if streamed:
                return "".join([str(c.content) async for c in model.astream(prompt)])
            return str((await model.ainvoke(prompt)).content)
        if streamed:
            chunks = await model.astream_complete(prompt)
            return "".join([r.delta or "" async for r in chunks])
        return str((await model.acomplete(prompt)).text)


class Soak:
    def __init__(self, emulator: EmulatorProcess) -> None:
        self.emulator = emulator
        refused = f"http://127.0.0.1:{closed_port()}/v1"
        self.lanes = [
            Lane(a, emulator.base_url, refused) for a in ("langchain", "llama_index")
        ]
        self.tally = Tally()
        self.tally.emulator_pid = emulator.pid
        self.random = random.Random(7)
        self.random_lock = threading.Lock()

    def plan(self, lane: Lane, n: int) -> tuple[Any, str, bool]:
        """Pick the model (maybe the refused one) and queue a fault 5% of the time."""
        with self.random_lock:
            faulty = self.random.random() < FAULT_RATE
            kind = self.random.choice(KINDS) if faulty else None
        model = lane.model
        if kind == REFUSED:
            model = lane.refused
        elif kind is not None:
            self.emulator.add_fault(FAULTS[kind]())
        if kind is not None:
            with self.tally.lock:
                self.tally.faults[kind] += 1
        return model, f"soak {lane.adapter} {n}", n % 2 == 1

    def run_sync(self, lane: Lane, count: int) -> None:
        def one(n: int) -> None:
            model, prompt, streamed = self.plan(lane, n)
            started = time.monotonic()
            answer, error = None, None
            try:
                answer = lane.call(model, prompt, streamed)
            except Exception as exc:
                error = exc
            self.tally.record(prompt, answer, error, time.monotonic() - started)

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(one, range(count)))

    async def run_async(self, lane: Lane, count: int) -> None:
        gate = asyncio.Semaphore(TASKS_IN_FLIGHT)

        async def one(n: int) -> None:
            async with gate:
                model, prompt, streamed = self.plan(lane, 10**6 + n)
                started = time.monotonic()
                answer, error = None, None
                try:
                    answer = await asyncio.wait_for(
                        lane.acall(model, prompt, streamed), HANG_BOUND * 2
                    )
                except Exception as exc:
                    error = exc
                self.tally.record(prompt, answer, error, time.monotonic() - started)

        await asyncio.gather(*(one(n) for n in range(count)))
        # This loop's pool only: the sync lane may still be using the model.
        with self.tally.lock:
            self.tally.async_in_flight += sum(
                _pool_counts(http)[0]
                for client in core_clients(lane.model)
                if hasattr(client, "_clients")
                for http in _http_clients(client)
            )

    def run(self) -> None:
        # One call per lane first, so the figures start from built pools (the cold
        # start itself is tests/reliability/test_concurrency.py's).
        for lane in self.lanes:
            assert lane.call(lane.model, "warm up", False) == "Echo: warm up"
        share = TOTAL // 4
        threads = [
            threading.Thread(target=self.run_sync, args=(lane, share))
            for lane in self.lanes
        ]
        threads += [
            threading.Thread(
                target=lambda lane=lane: asyncio.run(self.run_async(lane, share))
            )
            for lane in self.lanes
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=3600)
            assert not thread.is_alive(), "a soak lane hung"


def _checkpoints(tally: Tally) -> list[dict[str, float]]:
    return [
        {
            "done": d,
            "rss_mb": round(r, 1),
            "traced_mb": round(t, 2),
            "tracemalloc_overhead_mb": round(o, 1),
            "rss_less_tracemalloc_mb": round(r - o, 1),
            "emulator_rss_mb": round(e, 1),
            "seconds": round(s, 1),
        }
        for d, r, t, o, e, s in tally.memory
    ]


def _draw(checkpoints: list[dict[str, float]]) -> None:
    """The memory checkpoints as a line chart, when matplotlib is installed."""
    from benchmarks._charts import MISSING, have_matplotlib, write_soak_chart

    if not have_matplotlib():
        print(MISSING.replace("charts", "soak chart"))
        return
    path = Path(os.environ.get("SOAK_CHART", str(SOAK_CHART)))
    print(f"soak chart: {write_soak_chart(checkpoints, path)}")


@pytest.fixture(scope="module")
def soak_server() -> Iterator[EmulatorProcess]:
    # In a child process, so the memory figures are the clients' own.
    emulator = EmulatorProcess(rate_limit=None)
    try:
        yield emulator
    finally:
        emulator.close()


def test_soak(soak_server: EmulatorProcess) -> None:
    server = soak_server
    tracemalloc.start()
    soak = Soak(server)
    started = time.monotonic()
    soak.run()
    elapsed = time.monotonic() - started
    tally = soak.tally
    in_flight = sum(busy_connections(lane.model) for lane in soak.lanes)
    for lane in soak.lanes:
        close_model(lane.model)
        close_model(lane.refused)
    gc.collect()
    deadline = time.monotonic() + 10
    while sockets_to(server.port) and time.monotonic() < deadline:
        time.sleep(0.1)
    report = {
        "requests": tally.done,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(tally.done / elapsed, 1),
        "outcomes": dict(tally.outcomes.most_common()),
        "faults_injected": dict(tally.faults.most_common()),
        "slowest_call_seconds": round(tally.slowest, 2),
        "in_flight_after": in_flight + tally.async_in_flight,
        "sockets_open_after_close": sockets_to(server.port),
        "memory_checkpoints": _checkpoints(tally),
        "async_transport": os.environ.get("AAI_GATEWAY_ASYNC_TRANSPORT", "auto"),
    }
    tracemalloc.stop()
    text = json.dumps(report, indent=2)
    print(text)
    Path(os.environ.get("SOAK_REPORT", "soak-report.json")).write_text(text)
    _draw(report["memory_checkpoints"])

    assert tally.done == TOTAL // 4 * 4
    assert tally.wrong == []
    assert not [k for k in tally.outcomes if k.startswith("UNTYPED")]
    assert sum(tally.faults.values()) >= TOTAL * FAULT_RATE / 2
    assert tally.slowest < HANG_BOUND
    assert report["in_flight_after"] == 0
    assert report["sockets_open_after_close"] == 0
    # Flat memory: from the 20% checkpoint (warm) to the end.
    warm, last = tally.memory[1], tally.memory[-1]
    assert last[2] - warm[2] < TRACED_SLACK_MB, report["memory_checkpoints"]
    assert last[1] - warm[1] < RSS_SLACK_MB, report["memory_checkpoints"]
