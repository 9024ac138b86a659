"""LlamaIndex token and cost totals: `TokenCountingHandler` and `AssemblyAICostHandler`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler

from aai_gateway import GatewayClient
from aai_gateway.costs import BUNDLED_PRICES_AS_OF, fetch_prices
from llama_index_aai_gateway import AssemblyAI
from llama_index_aai_gateway.callbacks import AssemblyAICostHandler
from tests.conftest import TEST_KEY
from tests.llama_index.conftest import Caller

M = 1_000_000
MODEL = "claude-sonnet-4-6"
# A prompt whose word count (the emulator's token count) is far from any
# tokenizer's, so counting the provider's usage is told apart from estimating:
# 3 words in, "Echo: " + 3 words = 4 words out.
PROMPT = "Antidisestablishmentarianism notwithstanding, summarize."
QUESTION = [ChatMessage(role="user", content=PROMPT)]
# The emulator's catalogue, claude-sonnet-4-6, us tier: prompt 3.3, completions
# 16.5 USD per 1M tokens; global: 3.0 and 15.0 (asserted in tests/langchain).
US_CALL = (3 * 3.3 + 4 * 16.5) / M


@pytest.fixture
def client(emulator_url: str) -> Iterator[GatewayClient]:
    with GatewayClient(api_key=TEST_KEY, base_url=emulator_url) as gateway:
        yield gateway


def _llm(emulator_url: str, handler: Any, **fields: Any) -> AssemblyAI:
    return AssemblyAI(
        api_key=TEST_KEY,
        base_url=emulator_url,
        model=MODEL,
        callback_manager=CallbackManager([handler]),
        **fields,
    )


def _calls(call: Caller, llm: AssemblyAI) -> None:
    call.chat(llm, QUESTION)
    call.stream_chat(llm, QUESTION)
    call.complete(llm, PROMPT)
    call.stream_complete(llm, PROMPT)


def test_token_counting_handler_counts_the_gateway_usage_exactly(
    call: Caller, emulator_url: str, emulator: Any
) -> None:
    handler = TokenCountingHandler()
    llm = _llm(emulator_url, handler)
    try:
        _calls(call, llm)
    finally:
        llm.close()
    usages = [r.json for r in emulator.requests if r.path == "/v1/chat/completions"]
    assert len(usages) == 4
    # One event per call (no nested events counted twice), each the provider's
    # 3 prompt and 4 completion tokens, streams included.
    assert [
        (e.prompt_token_count, e.completion_token_count)
        for e in handler.llm_token_counts
    ] == [(3, 4)] * 4
    assert handler.prompt_llm_token_count == 12
    assert handler.completion_llm_token_count == 16
    assert handler.total_llm_token_count == 28


def test_cost_handler_totals_tokens_and_cost_by_hand(
    call: Caller, emulator_url: str, client: GatewayClient
) -> None:
    handler = AssemblyAICostHandler(fetch_prices(client))
    llm = _llm(emulator_url, handler)
    try:
        _calls(call, llm)
    finally:
        llm.close()
    assert handler.total_llm_token_count == 28  # TokenCountingHandler's counters
    assert handler.successful_requests == 4
    assert handler.total_cost == pytest.approx(4 * US_CALL)
    assert handler.total_cost == pytest.approx((12 * 3.3 + 16 * 16.5) / M)
    assert handler.price_source == "catalogue (GET /v1/models)"
    assert (handler.cache_read_tokens, handler.cache_creation_tokens) == (0, 0)
    handler.reset_counts()
    assert (handler.total_llm_token_count, handler.total_cost) == (0, 0.0)


def test_global_routing_pays_the_global_tier_and_bundled_prices_say_so(
    call: Caller, emulator_url: str
) -> None:
    handler = AssemblyAICostHandler()
    llm = _llm(emulator_url, handler, model_region="global")
    plain = _llm(emulator_url, handler)
    try:
        call.chat(llm, QUESTION)  # the field: read from the LLM's payload
        call.stream_chat(plain, QUESTION, model_region="global")  # a call kwarg
    finally:
        llm.close()
        plain.close()
    # The bundled sonnet global tier: 3.0 / 15.0, twice.
    assert handler.total_cost == pytest.approx(2 * (3 * 3.0 + 4 * 15.0) / M)
    assert handler.prices_as_of == BUNDLED_PRICES_AS_OF
    assert "bundled snapshot" in handler.price_source
    assert "Total Cost (USD)" in repr(handler)


def test_the_llms_own_tier_prices_its_streamed_calls(
    call: Caller, emulator_url: str
) -> None:
    # Streamed too: the tier comes from the LLM's payload, not from the answer.
    handler = AssemblyAICostHandler()
    llm = _llm(emulator_url, handler, model_region="global")
    try:
        call.stream_chat(llm, QUESTION)
        call.stream_complete(llm, PROMPT)
    finally:
        llm.close()
    assert handler.total_cost == pytest.approx(2 * (3 * 3.0 + 4 * 15.0) / M)
    payload = llm.to_payload()
    assert (payload["region"], payload["model_region"]) == (None, "global")
    assert payload["model_name"] == MODEL
    assert TEST_KEY not in repr(payload)
