"""Event-loop lifecycle: no pool, socket or memory is left behind by a finished loop.

The async client keeps one pool per running loop. A loop that `asyncio.run` ends,
or one made and closed by hand, must take its pool with it: through the core client
and through both adapters, on the aiohttp pool and on httpx's own.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
import tracemalloc
import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from aai_gateway import AsyncGatewayClient
from aai_gateway._http.transport import ASYNC_TRANSPORT_ENV
from tests.reliability.conftest import LLAMA_INDEX_WARNINGS, MODEL, TEST_KEY

pytestmark = [pytest.mark.e2e, LLAMA_INDEX_WARNINGS]

Call = Callable[[], Awaitable[object]]


@pytest.fixture(params=["aiohttp", "httpx"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(ASYNC_TRANSPORT_ENV, request.param)
    return str(request.param)


@pytest.fixture(params=["core", "langchain", "llama_index"])
def call(
    request: pytest.FixtureRequest, emulator: Any, emulator_url: str
) -> Iterator[Call]:
    """One async chat call through the named surface, against the shared emulator."""
    options = {"api_key": TEST_KEY, "base_url": emulator_url}
    if request.param == "core":
        client = AsyncGatewayClient(**options)
        yield lambda: client.achat({"model": MODEL, "prompt": "Hello"})
    elif request.param == "langchain":
        from langchain_aai_gateway import ChatAssemblyAI

        chat = ChatAssemblyAI(model=MODEL, **options)
        yield lambda: chat.ainvoke("Hello")
    else:
        from llama_index.core.llms import ChatMessage

        from llama_index_aai_gateway import AssemblyAI

        llm = AssemblyAI(model=MODEL, **options)
        yield lambda: llm.achat([ChatMessage(role="user", content="Hello")])


def _alive_pools() -> int:
    gc.collect()
    return sum(isinstance(o, httpx.AsyncClient) for o in gc.get_objects())


def _open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:  # closed while listing (the emulator's own sockets)
            continue
    return count


def _settled_sockets(expected: int) -> int:
    """The open sockets, once the emulator's thread has closed its own ends."""
    deadline = time.monotonic() + 5.0
    count = _open_sockets()
    while count > expected and time.monotonic() < deadline:
        time.sleep(0.05)
        count = _open_sockets()
    return count


def test_a_thousand_asyncio_runs_leave_at_most_one_pool(
    emulator: Any, emulator_url: str
) -> None:
    client = AsyncGatewayClient(api_key=TEST_KEY, base_url=emulator_url)
    request = {"model": MODEL, "prompt": "Hello"}
    before = _alive_pools()
    for _ in range(1000):
        asyncio.run(client.achat(request))
        emulator.reset()  # the emulator's request log is not the client's memory
    assert client._clients == {}
    assert _alive_pools() - before <= 1


def test_traced_memory_stays_flat_across_asyncio_runs(
    emulator: Any, emulator_url: str, transport: str
) -> None:
    client = AsyncGatewayClient(api_key=TEST_KEY, base_url=emulator_url)
    request = {"model": MODEL, "prompt": "Hello"}
    tracemalloc.start()
    try:
        for run in range(150):
            asyncio.run(client.achat(request))
            emulator.reset()
            if run == 49:
                gc.collect()
                early = tracemalloc.get_traced_memory()[0]
        gc.collect()
        late = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # A pool kept per run costs 10 KB or more: 100 of them would pass 1 MB.
    assert late - early < 300_000, (early, late)


def test_asyncio_runs_through_each_surface_leave_no_pool_behind(
    call: Call, transport: str
) -> None:
    before = _alive_pools()
    for _ in range(50):
        asyncio.run(call())
    assert _alive_pools() - before <= 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_closed_hand_made_loops_leave_no_socket_and_no_warning(
    call: Call, transport: str
) -> None:
    asyncio.run(call())  # first-use costs (imports, caches) out of the count
    gc.collect()
    sockets = _open_sockets()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(10):
            loop = asyncio.new_event_loop()
            loop.run_until_complete(call())
            loop.close()
        gc.collect()
    assert _settled_sockets(sockets) == sockets
    assert [str(w.message) for w in caught] == []
