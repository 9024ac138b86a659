"""A call whose argument is not a request at all is refused with a TypeError naming it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aai_gateway import AsyncGatewayClient, GatewayClient
from tests.reliability.conftest import LLAMA_INDEX_WARNINGS, MODEL, TEST_KEY

pytestmark = LLAMA_INDEX_WARNINGS


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError("a request was sent")


def _core(mode: str) -> Callable[[str, Any], Any]:
    options: dict[str, Any] = {"api_key": TEST_KEY, "base_url": "https://gw.test/v1"}
    if mode == "sync":
        client = GatewayClient(
            http_client=httpx.Client(transport=httpx.MockTransport(_never)), **options
        )
        return lambda method, arg: list(getattr(client, method)(arg))
    aio = AsyncGatewayClient(
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(_never)), **options
    )

    async def call(method: str, arg: Any) -> Any:
        if method == "chat":
            return await aio.achat(arg)
        return [c async for c in aio.astream_chat(arg)]

    return lambda method, arg: asyncio.run(call(method, arg))


def _llama_index(mode: str) -> Callable[[str, Any], Any]:
    from llama_index_aai_gateway import AssemblyAI

    llm = AssemblyAI(model=MODEL, api_key=TEST_KEY, base_url="http://127.0.0.1:9/v1")
    if mode == "sync":
        return lambda method, arg: getattr(llm, method)(arg)

    async def call(method: str, arg: Any) -> Any:
        return await getattr(llm, f"a{method}")(arg)

    return lambda method, arg: asyncio.run(call(method, arg))


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("method", ["chat", "stream_chat"])
@pytest.mark.parametrize("arg", [None, [1, 2], "Hello", 42], ids=repr)
def test_core_refuses_a_request_that_is_not_a_mapping(
    mode: str, method: str, arg: Any
) -> None:
    with pytest.raises(TypeError, match=r"`request` must be a mapping"):
        _core(mode)(method, arg)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("method", ["chat", "stream_chat"])
@pytest.mark.parametrize(
    ("arg", "named"),
    [
        (None, r"`messages` must be a list of ChatMessage, got NoneType"),
        ("Hello", r"`messages` must be a list of ChatMessage, got str"),
        ([1, 2], r"`messages\[0\]` must be a ChatMessage, got int"),
    ],
    ids=["none", "str", "ints"],
)
def test_llama_index_refuses_messages_that_are_not_chat_messages(
    mode: str, method: str, arg: Any, named: str
) -> None:
    with pytest.raises(TypeError, match=named):
        _llama_index(mode)(method, arg)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("part", "named"),
    [
        ({"type": "text"}, "is a text part that has no `text`"),
        ({"type": "text", "text": 5}, "is a text part that has `text` 5"),
        ({"type": "text", "text": None}, "is a text part that has `text` None"),
    ],
)
def test_a_text_part_without_string_text_says_so(
    mode: str, part: dict[str, Any], named: str
) -> None:
    request = {"model": MODEL, "messages": [{"role": "user", "content": [part]}]}
    with pytest.raises(TypeError, match=named):
        _core(mode)("chat", request)
