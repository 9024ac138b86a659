"""One model shared by many callers: every answer reaches the caller that asked.

The emulator echoes each prompt, and every prompt is unique, so an answer names
its request. Half the calls stream and half do not, on the same model.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.reliability.conftest import (
    ADAPTERS,
    Runner,
    busy_connections,
    open_connections,
)

pytestmark = pytest.mark.e2e

THREADS = 16
CALLS_PER_THREAD = 2
TASKS = 200


def _sync_call(model: Any, adapter: str, prompt: str, streamed: bool) -> str:
    if adapter == "langchain":
        if streamed:
            return "".join(str(c.content) for c in model.stream(prompt))
        return str(model.invoke(prompt).content)
    if streamed:
        return "".join(r.delta or "" for r in model.stream_complete(prompt))
    return str(model.complete(prompt).text)


async def _async_call(model: Any, adapter: str, prompt: str, streamed: bool) -> str:
    if adapter == "langchain":
        if streamed:
            return "".join([str(c.content) async for c in model.astream(prompt)])
        return str((await model.ainvoke(prompt)).content)
    if streamed:
        return "".join(
            [r.delta or "" async for r in await model.astream_complete(prompt)]
        )
    return str((await model.acomplete(prompt)).text)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_sixteen_threads_share_one_model(
    make_runner: Any, emulator: Any, adapter: str
) -> None:
    runner: Runner = make_runner(adapter, "sync", False)
    model = runner.model()
    # Warm: routing only. The cold start is test_a_cold_start_from_many_threads_...
    assert _sync_call(model, adapter, "warm up", False) == "Echo: warm up"

    def worker(thread: int) -> list[tuple[str, str]]:
        pairs = []
        for n in range(CALLS_PER_THREAD):
            prompt = f"thread {thread} call {n}"
            pairs.append((prompt, _sync_call(model, adapter, prompt, n % 2 == 1)))
        return pairs

    with ThreadPoolExecutor(THREADS) as pool:
        results = [p for pairs in pool.map(worker, range(THREADS)) for p in pairs]
    assert len(results) == THREADS * CALLS_PER_THREAD
    for prompt, answer in results:
        assert answer == f"Echo: {prompt}"
    assert len(emulator.requests) == 1 + THREADS * CALLS_PER_THREAD
    assert busy_connections(model) == 0
    assert open_connections(model) <= THREADS


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_two_hundred_tasks_share_one_model(
    make_runner: Any, emulator: Any, adapter: str
) -> None:
    runner: Runner = make_runner(adapter, "async", False)
    model = runner.model()
    prompts = [f"task {n}" for n in range(TASKS)]

    async def main() -> list[str]:
        answers = await asyncio.wait_for(
            asyncio.gather(
                *(
                    _async_call(model, adapter, p, n % 2 == 1)
                    for n, p in enumerate(prompts)
                )
            ),
            timeout=120,
        )
        assert busy_connections(model) == 0
        return list(answers)

    answers = asyncio.run(main())
    assert answers == [f"Echo: {p}" for p in prompts]
    assert len(emulator.requests) == TASKS


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_cold_start_from_many_threads_builds_one_pool(
    make_runner: Any, emulator: Any, adapter: str
) -> None:
    runner: Runner = make_runner(adapter, "sync", False)
    model = runner.model()
    start = threading.Barrier(THREADS)

    def worker(thread: int) -> str:
        start.wait()
        return _sync_call(model, adapter, f"cold {thread}", False)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with ThreadPoolExecutor(THREADS) as pool:
            answers = list(pool.map(worker, range(THREADS)))
        clients = _count_http_clients(model)
        gc.collect()
    assert answers == [f"Echo: cold {n}" for n in range(THREADS)]
    leaked = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert (clients, leaked) == (1, [])


def _count_http_clients(model: Any) -> int:
    from tests.reliability.conftest import _http_clients, core_clients

    return sum(len(_http_clients(c)) for c in core_clients(model))
