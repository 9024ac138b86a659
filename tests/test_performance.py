"""A fast CI subset of `python -m benchmarks`: client CPU as ratios to the floor.

Everything runs in this process over `httpx.MockTransport` with canned bodies, so
only client work is timed. Contenders are interleaved and the best of several
rounds is kept, so a noisy machine slows all of them alike; the limits leave
room for that noise but not for a doubled per-chunk cost.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from llama_index.core.llms import ChatMessage

from aai_gateway import AsyncGatewayClient, GatewayClient
from benchmarks._frameworks import EchoLLM
from langchain_aai_gateway import ChatAssemblyAI
from llama_index_aai_gateway import AssemblyAI

pytestmark = pytest.mark.performance

URL = "http://gateway.test/v1"
MODEL = "claude-sonnet-4-6"
WORDS = [f"w{i}" for i in range(800)]
CALL = {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]}


def _event(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _stream_body() -> bytes:
    events = [
        _event({"model": MODEL, "choices": [{"index": 0, "delta": {"content": w}}]})
        for w in WORDS
    ]
    end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    usage = {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 800}}
    return b"".join([*events, _event(end), _event(usage), b"data: [DONE]\n\n"])


STREAM = _stream_body()
ANSWER = json.dumps(
    {
        "model": MODEL,
        "choices": [{"message": {"role": "assistant", "content": "Hello"}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
).encode()


def _handler(request: httpx.Request) -> httpx.Response:
    if b'"stream":true' in request.content:
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, headers=headers, content=STREAM)
    return httpx.Response(
        200, headers={"content-type": "application/json"}, content=ANSWER
    )


def _best(
    contenders: dict[str, Callable[[], object]], rounds: int = 7
) -> dict[str, float]:
    """The lowest CPU time of each contender over interleaved rounds.

    The collector is off while timing: in the full suite the heap holds every
    earlier test's objects, and a collection over it would land on whichever
    contender allocated last (it doubled the core's figure in one CI run).
    """
    for fn in contenders.values():
        fn()
    best = dict.fromkeys(contenders, float("inf"))
    gc.collect()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in contenders.items():
                start = time.process_time()
                fn()
                best[name] = min(best[name], time.process_time() - start)
    finally:
        gc.enable()
    return best


def _raw_stream(client: httpx.Client) -> None:
    body = {**CALL, "stream": True}
    with client.stream("POST", f"{URL}/chat/completions", json=body) as response:
        for sse in EventSource(response).iter_sse():
            if sse.data != "[DONE]":
                json.loads(sse.data)


@pytest.fixture(scope="module")
def http() -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(_handler))


def test_per_chunk_cpu_stays_near_raw_httpx_sse(http: httpx.Client) -> None:
    client = GatewayClient(base_url=URL, api_key="k", http_client=http)
    best = _best(
        {
            "raw": lambda: _raw_stream(http),
            "core": lambda: list(client.stream_chat(CALL)),
        }
    )
    # In memory the floor is only httpx-sse + json (~5 us a chunk), so the ratio
    # is higher than over sockets (docs/performance.md): 1.2-1.5 on 2 cores, and
    # about 2.5 if the core's own per-chunk work doubled.
    assert best["core"] / best["raw"] < 2.3, best


def test_async_per_chunk_cpu_stays_near_the_sync_client(http: httpx.Client) -> None:
    aio = httpx.AsyncClient(transport=httpx.MockTransport(_handler))
    client = AsyncGatewayClient(base_url=URL, api_key="k", http_client=aio)
    sync = GatewayClient(base_url=URL, api_key="k", http_client=http)

    async def drain() -> None:
        async for _ in client.astream_chat(CALL):
            pass

    loop = asyncio.new_event_loop()
    try:
        best = _best(
            {
                "sync": lambda: list(sync.stream_chat(CALL)),
                "async": lambda: loop.run_until_complete(drain()),
            }
        )
    finally:
        loop.close()
    assert best["async"] / best["sync"] < 2.0, best


def test_langchain_per_chunk_cpu_stays_near_raw_plus_framework(
    http: httpx.Client,
) -> None:
    llm = ChatAssemblyAI(model=MODEL, base_url=URL, api_key="k", http_client=http)
    reply = AIMessage(" ".join(WORDS))
    fake = GenericFakeChatModel(messages=itertools.repeat(reply))
    best = _best(
        {
            "raw": lambda: _raw_stream(http),
            # The fake yields a chunk per word and per space: two per gateway chunk.
            "fake": lambda: list(fake.stream("Hi")),
            "ours": lambda: list(llm.stream("Hi")),
        },
        rounds=5,
    )
    # 0.5-1.0 on 2 cores; twice the adapter's cost would be about 1.8.
    assert best["ours"] / (best["raw"] + best["fake"] / 2) < 1.6, best


def test_per_call_cpu_stays_near_raw_httpx(http: httpx.Client) -> None:
    client = GatewayClient(base_url=URL, api_key="k", http_client=http)

    def raw() -> None:
        for _ in range(50):
            json.loads(http.post(f"{URL}/chat/completions", json=CALL).content)

    def core() -> None:
        for _ in range(50):
            client.chat(CALL)

    best = _best({"raw": raw, "core": core})
    assert best["core"] / best["raw"] < 2.0, best


def test_llama_index_per_chunk_cpu_stays_near_raw_plus_framework(
    http: httpx.Client,
) -> None:
    llm = AssemblyAI(model=MODEL, base_url=URL, api_key="k", http_client=http)
    echo = EchoLLM(reply=" ".join(WORDS))  # one response per word, like the stream
    messages = [ChatMessage(role="user", content="Hi")]
    best = _best(
        {
            "raw": lambda: _raw_stream(http),
            "echo": lambda: list(echo.stream_chat(messages)),
            "ours": lambda: list(llm.stream_chat(messages)),
        },
        rounds=5,
    )
    # About 1.4 on 2 cores; twice the adapter's cost would be about 2.8.
    assert best["ours"] / (best["raw"] + best["echo"]) < 2.0, best


# -- the charts `python -m benchmarks` draws ------------------------------------------


def _report() -> Any:
    from benchmarks._report import Report

    report = Report()
    scenario = "per call (us)"
    report.add(
        scenario, {"raw httpx (floor)": 700.0, "ChatAssemblyAI.invoke": 900.0}, "us"
    )
    report.ratio(scenario, "ChatAssemblyAI.invoke", floor=800.0, alternative=1800.0)
    wall = "400 calls, 100 in flight, 20 ms latency (ms wall)"
    report.add(
        wall,
        {
            "raw aiohttp (floor)": 360.0,
            "GenericFakeChatModel.abatch (no I/O)": 90.0,
            "ChatAssemblyAI.abatch": 430.0,
        },
        "ms",
    )
    return report


def test_charts_are_drawn_for_the_scenarios_measured(tmp_path: Any) -> None:
    pytest.importorskip("matplotlib")
    from benchmarks._charts import write_charts

    written = write_charts(_report(), tmp_path)

    assert sorted(p.name for p in written) == [
        "perf-400-calls.png",
        "perf-per-call.png",
    ]
    for path in written:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert 5_000 < len(data) < 250_000  # a real picture, commit-sized


def test_charts_are_skipped_with_a_message_without_matplotlib(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks._charts import write_charts

    # A `None` entry makes the import system report the package as missing.
    monkeypatch.setitem(sys.modules, "matplotlib", None)

    assert write_charts(_report(), tmp_path) == []
    assert "charts skipped: matplotlib is not installed" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
