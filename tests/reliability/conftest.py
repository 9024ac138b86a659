"""Reliability fixtures: both adapters driven the same way over real sockets.

`Runner` sends one prompt through `ChatAssemblyAI` (LangChain) or `AssemblyAI`
(LlamaIndex), sync or async, streamed or not, against the shared emulator, and
returns what a caller would see (the text or the error), what the framework's
callbacks saw, and how many pooled connections were still busy afterwards.

Retry waits go through a fake clock (`sleeps`): the delays the client chose are
recorded exactly and not slept, so the fault matrix stays fast and its timing
assertions cannot flake. One real-time check of `retry-after` lives in
`tests/e2e/test_core_emulator.py::test_rate_limited_then_served_after_retry_after`.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

TEST_KEY = "test-key"
MODEL = "claude-sonnet-4-6"
ADAPTERS = ("langchain", "llama_index")

# LlamaIndex's own deprecation warnings (the same targeted ignores as tests/llama_index).
LLAMA_INDEX_WARNINGS = pytest.mark.filterwarnings(
    "ignore::pydantic.warnings.PydanticDeprecatedSince20",
    "ignore::pydantic.warnings.PydanticDeprecatedSince211",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "reliability" in item.nodeid.split("::")[0]:
            item.add_marker(LLAMA_INDEX_WARNINGS)


# -- a fake clock for the client's retry waits ------------------------------------


class _Delegate:
    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _FakeTime(_Delegate):
    def __init__(self, sleeps: list[float]) -> None:
        super().__init__(time)
        self._sleeps = sleeps

    def sleep(self, seconds: float) -> None:
        self._sleeps.append(seconds)


class _FakeAsyncio(_Delegate):
    def __init__(self, sleeps: list[float]) -> None:
        super().__init__(asyncio)
        self._sleeps = sleeps

    async def sleep(self, seconds: float) -> None:
        self._sleeps.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the clients chose between attempts (recorded, not slept)."""
    import aai_gateway._http.client as client_module

    recorded: list[float] = []
    monkeypatch.setattr(client_module, "time", _FakeTime(recorded))
    monkeypatch.setattr(client_module, "asyncio", _FakeAsyncio(recorded))
    return recorded


# -- pooled connections --------------------------------------------------------------


def core_clients(model: Any) -> list[Any]:
    """The `aai_gateway` clients a LangChain or LlamaIndex model has built so far."""
    pools = getattr(model, "_pools", None)
    if pools is not None:  # LlamaIndex
        return [*pools.sync.values(), *pools.aio.values()]
    return [entry[1] for entry in model._clients.values()]  # LangChain


def _http_clients(client: Any) -> list[httpx.Client | httpx.AsyncClient]:
    if hasattr(client, "_clients"):  # AsyncGatewayClient: one pool per event loop
        return [entry[0] for entry in list(client._clients.values())]
    return [client._client] if client._client is not None else []


def _pool_counts(http: Any) -> tuple[int, int]:
    """(checked out, open) connections of one httpx client, on either async pool."""
    transport = http._transport
    pool = getattr(transport, "_pool", None)
    if pool is not None:  # httpcore (httpx's own pool)
        busy = len(pool._requests) + sum(
            1 for c in pool.connections if not (c.is_idle() or c.is_closed())
        )
        return busy, sum(1 for c in pool.connections if not c.is_closed())
    session = getattr(transport, "client", None)  # httpx-aiohttp
    connector = getattr(session, "connector", None)
    if connector is None or connector.closed:
        return 0, 0
    busy = len(connector._acquired)
    idle = sum(len(conns) for conns in connector._conns.values())
    return busy, busy + idle


def busy_connections(model: Any) -> int:
    """Connections checked out of the model's pools (in flight or never released)."""
    return sum(
        _pool_counts(http)[0]
        for client in core_clients(model)
        for http in _http_clients(client)
    )


def open_connections(model: Any) -> int:
    """Connections the model's pools hold open, idle ones included."""
    return sum(
        _pool_counts(http)[1]
        for client in core_clients(model)
        for http in _http_clients(client)
    )


def close_model(model: Any) -> None:
    """Close the sync pools a model built (async pools close with their loop)."""
    for client in core_clients(model):
        if not hasattr(client, "_clients"):
            client.close()


# -- callbacks -----------------------------------------------------------------------


from langchain_core.callbacks import BaseCallbackHandler as _LCHandler  # noqa: E402
from llama_index.core.callbacks import CBEventType, EventPayload  # noqa: E402
from llama_index.core.callbacks.base_handler import (  # noqa: E402
    BaseCallbackHandler as _LIHandler,
)


class LangChainRecorder(_LCHandler):
    """Tokens and errors LangChain's callbacks saw (module level: it pickles)."""

    run_inline = True

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.errors: list[BaseException] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.errors.append(error)


class LlamaIndexRecorder(_LIHandler):
    """Errors LlamaIndex's callback manager reported for LLM events."""

    def __init__(self) -> None:
        super().__init__(event_starts_to_ignore=[], event_ends_to_ignore=[])
        self.errors: list[BaseException] = []

    def on_event_start(
        self,
        event_type: Any,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        parent_id: str = "",
        **kwargs: Any,
    ) -> str:
        return event_id

    def on_event_end(
        self,
        event_type: Any,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        **kwargs: Any,
    ) -> None:
        error = (payload or {}).get(EventPayload.EXCEPTION)
        if event_type == CBEventType.LLM and error is not None:
            self.errors.append(error)

    def start_trace(self, trace_id: str | None = None) -> None:
        return None

    def end_trace(
        self,
        trace_id: str | None = None,
        trace_map: dict[str, list[str]] | None = None,
    ) -> None:
        return None


# -- the runner ----------------------------------------------------------------------


@dataclass
class Outcome:
    """What one call through an adapter ended with."""

    chunks: list[str] = field(default_factory=list)
    error: BaseException | None = None
    callback_errors: list[BaseException] = field(default_factory=list)
    busy_after: int = 0

    @property
    def text(self) -> str:
        return "".join(self.chunks)


class Runner:
    """One adapter, one mode (sync/async), streamed or not."""

    def __init__(self, adapter: str, mode: str, streamed: bool, base_url: str) -> None:
        self.adapter = adapter
        self.mode = mode
        self.streamed = streamed
        self.base_url = base_url
        self.models: list[Any] = []

    def __repr__(self) -> str:
        return f"Runner({self.adapter}, {self.mode}, streamed={self.streamed})"

    def model(self, **fields: Any) -> Any:
        options: dict[str, Any] = {
            "model": MODEL,
            "api_key": TEST_KEY,
            "base_url": self.base_url,
            **fields,
        }
        if self.adapter == "langchain":
            from langchain_aai_gateway import ChatAssemblyAI

            made: Any = ChatAssemblyAI(**options)
        else:
            from llama_index.core.callbacks import CallbackManager

            from llama_index_aai_gateway import AssemblyAI

            handler = LlamaIndexRecorder()
            made = AssemblyAI(callback_manager=CallbackManager([handler]), **options)
        self.models.append(made)
        return made

    def run(self, model: Any, prompt: Any, /, **kwargs: Any) -> Outcome:
        """Send `prompt` (text, or the framework's messages); the error is in the outcome."""
        outcome = Outcome()
        handler = LangChainRecorder() if self.adapter == "langchain" else None
        try:
            if self.mode == "sync":
                self._sync(model, prompt, handler, outcome, kwargs)
            else:
                asyncio.run(self._async(model, prompt, handler, outcome, kwargs))
        except Exception as exc:
            outcome.error = exc
        recorders = [handler] if handler is not None else _llama_recorders(model)
        outcome.callback_errors = [e for r in recorders for e in r.errors]
        return outcome

    def _sync(
        self, model: Any, prompt: Any, handler: Any, out: Outcome, kw: Any
    ) -> None:
        try:
            if self.adapter == "langchain":
                config = {"callbacks": [handler]}
                if self.streamed:
                    for chunk in model.stream(prompt, config=config, **kw):
                        out.chunks.append(chunk.content)
                else:
                    out.chunks.append(model.invoke(prompt, config=config, **kw).content)
            else:
                messages = _llama_messages(prompt)
                if self.streamed:
                    for response in model.stream_chat(messages, **kw):
                        out.chunks.append(response.delta or "")
                else:
                    out.chunks.append(model.chat(messages, **kw).message.content)
        finally:
            out.busy_after = busy_connections(model)

    async def _async(
        self, model: Any, prompt: Any, handler: Any, out: Outcome, kw: Any
    ) -> None:
        try:
            if self.adapter == "langchain":
                config = {"callbacks": [handler]}
                if self.streamed:
                    async for chunk in model.astream(prompt, config=config, **kw):
                        out.chunks.append(chunk.content)
                else:
                    answer = await model.ainvoke(prompt, config=config, **kw)
                    out.chunks.append(answer.content)
            else:
                messages = _llama_messages(prompt)
                if self.streamed:
                    async for response in await model.astream_chat(messages, **kw):
                        out.chunks.append(response.delta or "")
                else:
                    answer = await model.achat(messages, **kw)
                    out.chunks.append(answer.message.content)
        finally:
            out.busy_after = busy_connections(model)


def _llama_recorders(model: Any) -> list[Any]:
    manager = getattr(model, "callback_manager", None)
    return [h for h in getattr(manager, "handlers", []) if hasattr(h, "errors")]


def _llama_messages(prompt: Any) -> list[Any]:
    from llama_index.core.base.llms.types import ChatMessage

    if not isinstance(prompt, str):
        return list(prompt)
    return [ChatMessage(role="user", content=prompt)]


def unique_prompt(tag: str = "") -> str:
    """A prompt no other request uses, so its echo identifies it."""
    return f"question {tag}{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_runner(emulator_url: str) -> Iterator[Any]:
    made: list[Runner] = []

    def make(
        adapter: str, mode: str, streamed: bool, base_url: str | None = None
    ) -> Runner:
        made.append(Runner(adapter, mode, streamed, base_url or emulator_url))
        return made[-1]

    yield make
    for runner in made:
        for model in runner.models:
            close_model(model)
            assert open_connections(model) == 0, f"{runner} left connections open"
