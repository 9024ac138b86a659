"""Every client under test, pointed at one emulator, with one call and one stream each."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import assemblyai as aai
import httpx
from httpx_sse import EventSource, aconnect_sse
from langchain_openai import ChatOpenAI
from llama_index.core.llms import ChatMessage
from llama_index.llms.openai_like import OpenAILike

from aai_gateway import AsyncGatewayClient, GatewayClient
from benchmarks._emulator import API_KEY, MODEL
from benchmarks._frameworks import EchoLLM, fake_chat_model
from langchain_aai_gateway import ChatAssemblyAI
from llama_index_aai_gateway import AssemblyAI

HEADERS = {"authorization": API_KEY}


def words(count: int) -> str:
    return " ".join(f"w{i}" for i in range(count))


def request(prompt: str) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 100_000, "messages": [_user(prompt)]}


def _user(prompt: str) -> dict[str, str]:
    return {"role": "user", "content": prompt}


def li_messages(prompt: str) -> list[ChatMessage]:
    return [ChatMessage(role="user", content=prompt)]


@dataclass
class Clients:
    """One instance of each client, built once and reused (as users do)."""

    base_url: str
    reply: str = "Echo: Hello there"

    def __post_init__(self) -> None:
        url, key = self.base_url, API_KEY
        self.httpx = httpx.Client()
        self.core = GatewayClient(base_url=url, api_key=key)
        self.acore = AsyncGatewayClient(base_url=url, api_key=key)
        self.lc = ChatAssemblyAI(
            model=MODEL, base_url=url, api_key=key, max_tokens=100_000
        )
        self.openai = self.new_openai()
        self.li = AssemblyAI(model=MODEL, base_url=url, api_key=key, max_tokens=100_000)
        self.like = self.new_like()
        self.fake = fake_chat_model(self.reply)
        self.echo = EchoLLM(reply=self.reply)
        self.sdk = aai.LLMGateway(client=aai.Client(settings=self.sdk_settings()))

    def sdk_settings(self) -> aai.Settings:
        """The official SDK's settings: it takes the host, without `/v1`.

        The same as setting `ASSEMBLYAI_LLM_GATEWAY_BASE_URL` and
        `ASSEMBLYAI_API_KEY` before `import assemblyai`.
        """
        host = self.base_url.removesuffix("/v1")
        return aai.Settings(api_key=API_KEY, llm_gateway_base_url=host)

    def new_asdk(self) -> aai.AsyncLLMGateway:
        """A fresh `AsyncLLMGateway` (its pool belongs to the loop that uses it)."""
        return aai.AsyncLLMGateway(client=aai.AsyncClient(settings=self.sdk_settings()))

    def new_openai(self, **options: Any) -> ChatOpenAI:
        """A fresh `ChatOpenAI` (`options`: more constructor arguments)."""
        return ChatOpenAI(  # type: ignore[call-arg]
            model=MODEL,
            base_url=self.base_url,
            api_key=API_KEY,
            extra_body={"max_tokens": 100_000},
            **options,
        )

    def new_like(self) -> OpenAILike:
        """A fresh `OpenAILike`, for the same reason."""
        return OpenAILike(
            model=MODEL,
            api_base=self.base_url,
            api_key=API_KEY,
            is_chat_model=True,
            max_tokens=100_000,
        )

    def with_reply(self, reply: str) -> Clients:
        self.reply = reply
        self.fake = fake_chat_model(reply)
        self.echo = EchoLLM(reply=reply)
        return self


def sdk_create(gateway: aai.LLMGateway, prompt: str, **options: Any) -> Any:
    """`gateway.chat.completions.create(...)` with the benchmark's request."""
    return gateway.chat.completions.create(
        model=MODEL, messages=[_user(prompt)], max_tokens=100_000, **options
    )


async def asdk_create(gateway: aai.AsyncLLMGateway, prompt: str, **options: Any) -> Any:
    """`sdk_create` for `AsyncLLMGateway`."""
    return await gateway.chat.completions.create(
        model=MODEL, messages=[_user(prompt)], max_tokens=100_000, **options
    )


def raw_call(client: httpx.Client, base_url: str, prompt: str) -> object:
    body = request(prompt)
    response = client.post(f"{base_url}/chat/completions", json=body, headers=HEADERS)
    return json.loads(response.content)


def raw_stream(
    client: httpx.Client,
    base_url: str,
    prompt: str,
    framework: Iterable[object] = (),
) -> int:
    """Stream with httpx + httpx-sse + `json.loads`; returns the number of events.

    With `framework` (a framework's own in-memory stream), one of its chunks is
    taken per event, so its per-chunk work runs between the reads as it does in
    a real stream rather than in a tight loop of its own; the rest is drained.
    """
    body = {**request(prompt), "stream": True}
    count = 0
    pending = iter(framework)
    with client.stream(
        "POST", f"{base_url}/chat/completions", json=body, headers=HEADERS
    ) as response:
        for sse in EventSource(response).iter_sse():
            if sse.data != "[DONE]":
                json.loads(sse.data)
                next(pending, None)
                count += 1
    for _ in pending:
        pass
    return count


async def araw_stream(client: httpx.AsyncClient, base_url: str, prompt: str) -> int:
    body = {**request(prompt), "stream": True}
    count = 0
    url = f"{base_url}/chat/completions"
    async with aconnect_sse(client, "POST", url, json=body, headers=HEADERS) as source:
        async for sse in source.aiter_sse():
            if sse.data != "[DONE]":
                json.loads(sse.data)
                count += 1
    return count


def drain(stream: Any) -> int:
    count = 0
    for _ in stream:
        count += 1
    return count


async def adrain(stream: Any) -> int:
    count = 0
    async for _ in stream:
        count += 1
    return count


def bind(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: fn(*args)
