"""Added time to first token, and 400 calls with 100 in flight (targets 3 and 4)."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiohttp
import httpx
from httpx_sse import EventSource

from benchmarks._contenders import HEADERS, Clients, li_messages, request
from benchmarks._frameworks import EchoLLM, fake_chat_model
from benchmarks._measure import wall_medians
from benchmarks._report import Report

PROMPT = "Hello there"


def _first_token(
    start: float, items: Iterable[Any], has_text: Callable[[Any], bool]
) -> float:
    """Seconds from `start` to the first item with text; the rest is read too."""
    first = None
    for item in items:
        if first is None and has_text(item):
            first = time.perf_counter() - start
    if first is None:
        raise RuntimeError("no token arrived")
    return first


def _raw_first(client: httpx.Client, base_url: str) -> float:
    start = time.perf_counter()
    body = {**request(PROMPT), "stream": True}
    url = f"{base_url}/chat/completions"
    with client.stream("POST", url, json=body, headers=HEADERS) as response:
        events = (e.data for e in EventSource(response).iter_sse())
        parsed = (json.loads(d) for d in events if d != "[DONE]")
        return _first_token(start, parsed, lambda p: bool(p["choices"]))


def time_to_first_token(clients: Clients, report: Report, rounds: int) -> None:
    c, url = clients, clients.base_url
    body, msgs = request(PROMPT), li_messages(PROMPT)

    def timed(
        make: Callable[[], Iterable[Any]], text: Callable[[Any], bool]
    ) -> Callable[[], float]:
        return lambda: _first_token(time.perf_counter(), make(), text)

    ms = wall_medians(
        {
            "raw httpx (floor)": lambda: _raw_first(c.httpx, url),
            "aai_gateway stream_chat": timed(
                lambda: c.core.stream_chat(body), lambda x: bool(x.content)
            ),
            "ChatAssemblyAI.stream": timed(
                lambda: c.lc.stream(PROMPT), lambda x: bool(x.content)
            ),
            "AssemblyAI (LlamaIndex).stream_chat": timed(
                lambda: c.li.stream_chat(msgs), lambda x: bool(x.delta)
            ),
            "ChatOpenAI.stream": timed(
                lambda: c.openai.stream(PROMPT), lambda x: bool(x.content)
            ),
            "OpenAILike.stream_chat": timed(
                lambda: c.like.stream_chat(msgs), lambda x: bool(x.delta)
            ),
        },
        rounds=rounds,
    )
    values = {k: v * 1e3 for k, v in ms.items()}
    scenario = "time to first token (ms)"
    report.add(scenario, values, "ms")
    floor = values["raw httpx (floor)"]
    for name in list(values)[1:4]:
        report.check(
            f"first token: {name} minus raw httpx", values[name] - floor, 2.0, " ms"
        )


async def _in_flight(
    calls: int, limit: int, one: Callable[[], Awaitable[object]]
) -> None:
    gate = asyncio.Semaphore(limit)

    async def guarded() -> None:
        async with gate:
            await one()

    await asyncio.gather(*(guarded() for _ in range(calls)))


async def _wall(run: Callable[[], Awaitable[object]], rounds: int) -> float:
    await run()  # warm-up: opens the connections
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _aiohttp_run(base_url: str, calls: int, limit: int, rounds: int) -> float:
    async def main() -> float:
        connector = aiohttp.TCPConnector(limit=limit)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one() -> object:
                url = f"{base_url}/chat/completions"
                async with session.post(
                    url, json=request(PROMPT), headers=HEADERS
                ) as r:
                    return await r.json()

            return await _wall(lambda: _in_flight(calls, limit, one), rounds)

    return asyncio.run(main())


def _httpx_run(base_url: str, calls: int, limit: int, rounds: int) -> float:
    async def main() -> float:
        async with httpx.AsyncClient(
            limits=httpx.Limits(max_connections=limit)
        ) as client:

            async def one() -> object:
                url = f"{base_url}/chat/completions"
                r = await client.post(url, json=request(PROMPT), headers=HEADERS)
                return r.json()

            return await _wall(lambda: _in_flight(calls, limit, one), rounds)

    return asyncio.run(main())


def _gated(
    one: Callable[[], Awaitable[object]], calls: int, limit: int, rounds: int
) -> float:
    return asyncio.run(_wall(lambda: _in_flight(calls, limit, one), rounds))


def _batched(llm: Any, calls: int, limit: int, rounds: int) -> float:
    config = {"max_concurrency": limit}
    return asyncio.run(
        _wall(lambda: llm.abatch([PROMPT] * calls, config=config), rounds)
    )


def concurrency(
    clients: Clients, report: Report, rounds: int, calls: int = 400, limit: int = 100
) -> None:
    c, url = clients, clients.base_url
    body, msgs = request(PROMPT), li_messages(PROMPT)
    fake, echo = fake_chat_model(PROMPT), EchoLLM(reply=PROMPT)
    values = {
        "raw aiohttp (floor)": _aiohttp_run(url, calls, limit, rounds),
        # The frameworks' own cost for the same calls, with no I/O at all.
        "GenericFakeChatModel.abatch (no I/O)": _batched(fake, calls, limit, rounds),
        "LlamaIndex echo LLM achat, semaphore (no I/O)": _gated(
            lambda: echo.achat(msgs), calls, limit, rounds
        ),
        "raw httpx.AsyncClient": _httpx_run(url, calls, limit, rounds),
        "aai_gateway achat, semaphore": _gated(
            lambda: c.acore.achat(body), calls, limit, rounds
        ),
        "ChatAssemblyAI.abatch": _batched(c.lc, calls, limit, rounds),
        "AssemblyAI (LlamaIndex).achat, semaphore": _gated(
            lambda: c.li.achat(msgs), calls, limit, rounds
        ),
        "ChatOpenAI.abatch": _batched(c.openai, calls, limit, rounds),
        "OpenAILike.achat, semaphore": _gated(
            lambda: c.like.achat(msgs), calls, limit, rounds
        ),
    }
    scenario = f"{calls} calls, {limit} in flight, 20 ms latency (ms wall)"
    ms = {k: v * 1e3 for k, v in values.items()}
    report.add(scenario, ms, "ms")
    floor = ms["raw aiohttp (floor)"]
    for name in ms:
        if "(no I/O)" not in name:
            report.ratio(scenario, name, floor=floor)
    core, lc, li = (
        "aai_gateway achat, semaphore",
        "ChatAssemblyAI.abatch",
        "AssemblyAI (LlamaIndex).achat, semaphore",
    )
    for name in (core, lc, li):
        report.check(f"100 in flight: {name} vs raw aiohttp", ms[name] / floor, 1.5)
    # As in the per-call rows, an adapter's floor is the raw floor plus its
    # framework's own cost for the same 400 calls; the targets above stay
    # against raw aiohttp alone.
    lc_floor = floor + ms["GenericFakeChatModel.abatch (no I/O)"]
    li_floor = floor + ms["LlamaIndex echo LLM achat, semaphore (no I/O)"]
    report.ratio(scenario, lc, floor=lc_floor, alternative=ms["ChatOpenAI.abatch"])
    report.ratio(
        scenario, li, floor=li_floor, alternative=ms["OpenAILike.achat, semaphore"]
    )
