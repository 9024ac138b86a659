"""`get_assemblyai_callback()`: tokens and cost of every call, by hand from the catalogue."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage

from aai_gateway import GatewayClient
from aai_gateway.costs import BUNDLED_PRICES_AS_OF, fetch_prices
from langchain_aai_gateway import AssemblyAILLM, ChatAssemblyAI
from langchain_aai_gateway.callbacks import (
    AssemblyAICallbackHandler,
    get_assemblyai_callback,
)
from tests.conftest import TEST_KEY, completion_body
from tests.langchain.conftest import MODEL, FakeGateway

M = 1_000_000
# The emulator's catalogue, claude-sonnet-4-6, USD per 1M tokens (asserted below):
# us tier prompt 3.3, completions 16.5; global tier prompt 3.0, completions 15.0,
# input_cache_read 0.3, input_cache_write 3.75, input_cache_write_1h 6.0.
# "Hello there" is 2 input tokens and its answer "Echo: Hello there" 3 output
# tokens (the emulator counts words), streamed or not.
US_CALL = (2 * 3.3 + 3 * 16.5) / M
GLOBAL_CALL = (2 * 3.0 + 3 * 15.0) / M


@pytest.fixture
def client(emulator_url: str) -> Iterator[GatewayClient]:
    with GatewayClient(api_key=TEST_KEY, base_url=emulator_url) as gateway:
        yield gateway


@pytest.fixture
def llm(emulator_url: str, sync_http: httpx.Client) -> ChatAssemblyAI:
    return ChatAssemblyAI(
        model=MODEL, api_key=TEST_KEY, base_url=emulator_url, http_client=sync_http
    )


def test_the_catalogue_numbers_used_by_hand(client: GatewayClient) -> None:
    model = client.get_model(MODEL)
    assert model is not None
    assert model.raw["pricing"]["us"] == {"prompt": 3.3, "completions": 16.5}
    assert model.raw["pricing"]["global"] == {
        "prompt": 3.0,
        "completions": 15.0,
        "input_cache_read": 0.3,
        "input_cache_write": 3.75,
        "input_cache_write_1h": 6.0,
    }


async def _async_calls(llm: ChatAssemblyAI) -> None:
    await llm.ainvoke("Hello there")
    async for _ in llm.astream("Hello there"):
        pass
    await asyncio.gather(llm.ainvoke("Hello there"), llm.ainvoke("Hello there"))


def test_every_call_in_the_block_is_totalled_sync_async_streamed_and_batched(
    llm: ChatAssemblyAI, client: GatewayClient, emulator_url: str, emulator: Any
) -> None:
    text_llm = AssemblyAILLM(model=MODEL, api_key=TEST_KEY, base_url=emulator_url)
    with get_assemblyai_callback(client=client) as cb:
        llm.invoke("Hello there")  # 1
        for _ in llm.stream([HumanMessage("Hello there")]):  # 2
            pass
        llm.batch(["Hello there", "Hello there"])  # 3, 4: worker threads
        asyncio.run(_async_calls(llm))  # 5 to 8
        text_llm.invoke("Hello there")  # 9: the text model
        llm.invoke("Hello there", model_region="global")  # 10: the global tier
    llm.invoke("Hello there")  # outside the block: not counted
    chats = [r for r in emulator.requests if r.path == "/v1/chat/completions"]
    assert len(chats) == 11
    assert cb.successful_requests == 10
    assert (cb.prompt_tokens, cb.completion_tokens, cb.total_tokens) == (20, 30, 50)
    assert cb.total_cost == pytest.approx(9 * US_CALL + GLOBAL_CALL)
    assert cb.total_cost == pytest.approx((18 * 3.3 + 27 * 16.5 + 6.0 + 45.0) / M)
    assert cb.price_source == "catalogue (GET /v1/models)"
    assert cb.unpriced_models == set()
    assert (cb.cache_read_tokens, cb.cache_creation_tokens) == (0, 0)


def test_without_a_client_the_bundled_snapshot_prices_and_says_so(
    llm: ChatAssemblyAI,
) -> None:
    with get_assemblyai_callback() as cb:
        llm.invoke("Hello there")
    # The bundled sonnet tier: global 3.0 / 15.0, raised by the documented 10 %.
    assert cb.total_cost == pytest.approx((2 * 3.0 * 1.1 + 3 * 15.0 * 1.1) / M)
    assert cb.prices_as_of == BUNDLED_PRICES_AS_OF
    assert "bundled snapshot" in cb.price_source
    assert "Total Cost (USD)" in repr(cb)


def _cached_answer(request: httpx.Request) -> httpx.Response:
    body = completion_body("Cached.")
    body["usage"] = {
        "prompt_tokens": 1_000,
        "completion_tokens": 50,
        "total_tokens": 1_050,
        "prompt_tokens_details": {
            "cached_tokens": 600,
            "cache_creation": {
                "ephemeral_5m_input_tokens": 200,
                "ephemeral_1h_input_tokens": 100,
            },
        },
    }
    return httpx.Response(200, json=body)


@pytest.mark.parametrize("mode", ["sync", "async"], ids=["sync", "async"])
def test_cache_reads_and_writes_are_priced_as_such(
    fake_gateway: Any, client: GatewayClient, mode: str
) -> None:
    gateway: FakeGateway = fake_gateway(_cached_answer)
    llm = ChatAssemblyAI(model=MODEL, model_region="global", **gateway.options())
    with get_assemblyai_callback(prices=fetch_prices(client)) as cb:
        if mode == "sync":
            llm.invoke("Hi")
        else:
            asyncio.run(llm.ainvoke("Hi"))
    assert json.loads(gateway.requests[-1].content)["model_region"] == "global"
    assert (cb.cache_read_tokens, cb.cache_creation_tokens) == (600, 300)
    # Uncached: 1,000 - 600 read - 300 written = 100 tokens, global tier.
    expected = (100 * 3.0 + 600 * 0.3 + 200 * 3.75 + 100 * 6.0 + 50 * 15.0) / M
    assert cb.total_cost == pytest.approx(expected)


def test_a_handler_passed_in_config_counts_and_a_nested_block_counts_its_own(
    llm: ChatAssemblyAI, client: GatewayClient
) -> None:
    handler = AssemblyAICallbackHandler(fetch_prices(client), region="global")
    llm.invoke("Hello there", config={"callbacks": [handler]})
    assert handler.total_cost == pytest.approx(GLOBAL_CALL)
    with get_assemblyai_callback() as outer:
        llm.invoke("Hello there")
        with get_assemblyai_callback() as inner:
            llm.invoke("Hello there")
        llm.invoke("Hello there")
    assert (outer.successful_requests, inner.successful_requests) == (2, 1)


def test_a_failed_call_is_not_counted(llm: ChatAssemblyAI) -> None:
    with (
        get_assemblyai_callback() as cb,
        pytest.raises(Exception, match="not supported"),
    ):
        llm.invoke("Hello there", model="no-such-model")
    assert cb.successful_requests == 0
    assert cb.total_tokens == 0
