"""Fixtures for the LlamaIndex adapter: a scripted gateway at the HTTP boundary."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    MessageRole,
)
from llama_index.core.tools import FunctionTool

from aai_gateway import TRANSCRIPT_TAG
from llama_index_aai_gateway import AssemblyAI
from tests.conftest import TEST_KEY, completion_body, sse_body, sse_response
from tests.contract import check_request

BASE_URL = "https://gw.test/v1"
REF_PREFIX = "[[assemblyai-transcript:"
T = TypeVar("T")

# LlamaIndex's workflow machinery (inspect.getmembers over agents) touches pydantic's
# deprecated instance attributes (`__fields__`, `model_computed_fields`); the warnings
# and ReActAgent's use of `ctx.is_running` are theirs, not ours.
_LLAMA_INDEX_WARNINGS = pytest.mark.filterwarnings(
    "ignore::pydantic.warnings.PydanticDeprecatedSince20",
    "ignore::pydantic.warnings.PydanticDeprecatedSince211",
    "ignore:is_running called from within a step:DeprecationWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "llama_index" in item.nodeid.split("::")[0]:
            item.add_marker(_LLAMA_INDEX_WARNINGS)


def text_reply(content: str | None = "Hello.", **extra: Any) -> dict[str, Any]:
    """A non-streaming gateway body with text."""
    return completion_body(content, **extra)


def tool_reply(
    *calls: tuple[str, str, dict[str, Any]], content: str | None = None
) -> dict[str, Any]:
    """A non-streaming gateway body calling tools: (id, name, arguments)."""
    body = completion_body(content)
    body["choices"][0]["message"]["tool_calls"] = [
        {
            "id": cid,
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)},
        }
        for cid, name, args in calls
    ]
    body["choices"][0]["finish_reason"] = "tool_use"
    return body


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-6",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def text_stream(*pieces: str, usage: bool = True) -> list[dict[str, Any]]:
    """SSE chunk payloads streaming `pieces`, then a finish chunk and a usage chunk."""
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": p}) for p in pieces]
    events.append(chunk({}, "end_turn"))
    if usage:
        events.append(
            {
                "model": "claude-sonnet-4-6",
                "choices": [],
                "usage": {
                    "prompt_tokens": 4,
                    "completion_tokens": 3,
                    "total_tokens": 7,
                },
            }
        )
    return events


class FakeGateway:
    """Answers chat requests from a script; records every request body.

    A scripted reply is a dict (a JSON body), a list (SSE chunk payloads) or an
    `httpx.Response` (sent as is). With nothing scripted it answers "Hello.".
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.replies: list[Any] = []

    def script(self, *replies: Any) -> FakeGateway:
        self.replies.extend(replies)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        check_request(json.loads(request.content))
        reply = self.replies.pop(0) if self.replies else text_reply()
        if isinstance(reply, httpx.Response):
            return reply
        if isinstance(reply, list):
            return sse_response(sse_body(*reply))
        return httpx.Response(200, json=reply, headers={"x-request-id": "req-1"})

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    @property
    def last(self) -> dict[str, Any]:
        return self.bodies[-1]


@pytest.fixture
def fake() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def make_llm(fake: FakeGateway) -> Iterator[Callable[..., AssemblyAI]]:
    """Build an `AssemblyAI` wired to `fake` through user-supplied httpx clients."""
    transport = httpx.MockTransport(fake)
    sync_client = httpx.Client(transport=transport)
    async_client = httpx.AsyncClient(transport=transport)

    def make(**fields: Any) -> AssemblyAI:
        options: dict[str, Any] = {
            "api_key": TEST_KEY,
            "base_url": BASE_URL,
            "max_retries": 0,
            **fields,
        }
        return AssemblyAI(
            http_client=sync_client, http_async_client=async_client, **options
        )

    yield make
    sync_client.close()
    asyncio.run(async_client.aclose())


@pytest.fixture
def live_llm(emulator_url: str) -> Iterator[AssemblyAI]:
    """An `AssemblyAI` on the emulator over real sockets, with its own pools."""
    llm = AssemblyAI(api_key=TEST_KEY, base_url=emulator_url)
    yield llm
    llm.close()


def run_closing(llm: AssemblyAI, coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)`, then close the pool `llm` built on that loop."""

    async def main() -> T:
        try:
            return await coro
        finally:
            await llm.aclose()

    return asyncio.run(main())


@pytest.fixture
def llm(make_llm: Callable[..., AssemblyAI]) -> AssemblyAI:
    return make_llm()


class Caller:
    """Runs one LlamaIndex endpoint through its sync or async twin."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.llm: AssemblyAI | None = None

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self.llm is not None
        return run_closing(self.llm, coro)

    def chat(
        self, llm: AssemblyAI, messages: list[ChatMessage], **kwargs: Any
    ) -> ChatResponse:
        self.llm = llm
        if self.mode == "sync":
            response: ChatResponse = llm.chat(messages, **kwargs)
            return response
        response = self._run(llm.achat(messages, **kwargs))
        return response

    def complete(
        self, llm: AssemblyAI, prompt: str, **kwargs: Any
    ) -> CompletionResponse:
        self.llm = llm
        if self.mode == "sync":
            response: CompletionResponse = llm.complete(prompt, **kwargs)
            return response
        response = self._run(llm.acomplete(prompt, **kwargs))
        return response

    def stream_chat(
        self, llm: AssemblyAI, messages: list[ChatMessage], **kwargs: Any
    ) -> list[ChatResponse]:
        self.llm = llm
        if self.mode == "sync":
            return list(llm.stream_chat(messages, **kwargs))

        async def collect() -> list[ChatResponse]:
            return [r async for r in await llm.astream_chat(messages, **kwargs)]

        return self._run(collect())

    def stream_complete(
        self, llm: AssemblyAI, prompt: str, **kwargs: Any
    ) -> list[CompletionResponse]:
        self.llm = llm
        if self.mode == "sync":
            return list(llm.stream_complete(prompt, **kwargs))

        async def collect() -> list[CompletionResponse]:
            return [r async for r in await llm.astream_complete(prompt, **kwargs)]

        return self._run(collect())


@pytest.fixture
def call(mode: str) -> Caller:
    return Caller(mode)


class WordHashEmbedding(BaseEmbedding):
    """A deterministic bag-of-words embedding, so retrieval order can be asserted.

    Each distinct lower-cased word adds its length minus 3 (long words say more
    than short ones) at a position chosen by its hash; vectors are
    normalised, so documents sharing words with the query score higher.
    """

    dim: int = 4096

    @classmethod
    def class_name(cls) -> str:
        return "WordHashEmbedding"

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dim
        for word in set(re.findall(r"[a-z0-9]+", text.lower())):
            slot = int(hashlib.sha256(word.encode()).hexdigest(), 16) % self.dim
            vector[slot] += max(len(word) - 3, 0)
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        return [v / norm for v in vector]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)


# -- transcripts by reference, read from the emulator's request log -------------------


def chat_bodies(emulator: Any) -> list[dict[str, Any]]:
    """The JSON bodies of the chat requests the emulator received, oldest first."""
    return [r.json for r in emulator.requests if r.path == "/v1/chat/completions"]


def assert_by_reference(body: dict[str, Any], transcript_id: str) -> None:
    """The request carries one transcript by reference, exactly as the gateway wants."""
    assert body["transcript_id"] == transcript_id
    assert REF_PREFIX not in json.dumps(body)
    texts = [
        part if isinstance(part, str) else part.get("text", "")
        for m in body["messages"]
        for part in (
            [m["content"]]
            if isinstance(m.get("content"), str)
            else m.get("content") or []
        )
    ]
    assert sum(t.count(TRANSCRIPT_TAG) for t in texts) == 1, texts


# -- two plain tools and one user turn, shared by the tool-calling tests ---------------

USER = [ChatMessage(role=MessageRole.USER, content="Hi")]


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


TOOLS: list[Any] = [
    FunctionTool.from_defaults(add),
    FunctionTool.from_defaults(multiply),
]
