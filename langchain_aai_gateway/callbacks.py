"""Token and cost totals for LangChain calls: `get_assemblyai_callback()`.

The AssemblyAI counterpart of langchain-community's `get_openai_callback()`:
every call of `ChatAssemblyAI` or `AssemblyAI` inside the `with` block (sync,
async, streamed, in `.batch()` threads and `asyncio.gather` tasks) is added up,
tokens and estimated cost, with cache reads and writes priced as such and the
in-region increase applied (`aai_gateway.costs` has the rules). The prices come
from the gateway's live catalogue when a client is given, else from the bundled
snapshot; the handler says which, and of when.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import LLMResult
from langchain_core.tracers.context import register_configure_hook

from aai_gateway import GatewayClient, Usage
from aai_gateway.costs import (
    CostReadout,
    CostTotals,
    PriceRegion,
    PriceTable,
    fetch_prices,
    parse_usage,
)

__all__ = ["AssemblyAICallbackHandler", "get_assemblyai_callback"]

_UNKNOWN_MODEL = "unknown"


def _call_region(params: Mapping[str, Any], default: PriceRegion) -> PriceRegion:
    """The tier a call paid: `global` routing, else its region, else `default`."""
    if params.get("model_region") == "global":
        return "global"
    region = params.get("region")
    return region if region in ("us", "eu") else default


def _usage_from_metadata(metadata: Mapping[str, Any]) -> Usage:
    details = metadata.get("input_token_details") or {}
    return Usage(
        input_tokens=int(metadata.get("input_tokens") or 0),
        output_tokens=int(metadata.get("output_tokens") or 0),
        total_tokens=int(metadata.get("total_tokens") or 0),
        cache_read_tokens=details.get("cache_read"),
        cache_creation_tokens=details.get("cache_creation"),
    )


def _read_generation(generation: object) -> tuple[Usage | None, str]:
    """The usage and answering model of one generation (chat or text model).

    The raw `token_usage` is read first: it carries the cache writes' TTLs,
    which `usage_metadata` does not.
    """
    message = getattr(generation, "message", None)
    if isinstance(message, AIMessage):
        meta: Mapping[str, Any] = message.response_metadata
        usage_metadata: Mapping[str, Any] | None = message.usage_metadata
    else:
        meta = getattr(generation, "generation_info", None) or {}
        usage_metadata = meta.get("usage_metadata")
    model = meta.get("model_name")
    raw = meta.get("token_usage")
    usage = parse_usage(raw) if isinstance(raw, Mapping) else None
    if usage is None and usage_metadata:
        usage = _usage_from_metadata(usage_metadata)
    return usage, model if isinstance(model, str) and model else _UNKNOWN_MODEL


class AssemblyAICallbackHandler(CostReadout, BaseCallbackHandler):
    """Adds up the tokens and estimated cost of every call it sees.

    Use it through `get_assemblyai_callback()`, or pass it in
    `config={"callbacks": [handler]}`. The attributes match
    `get_openai_callback()`'s handler, plus the cache counts and the price
    source.

    Args:
        prices: The price table (default: the bundled snapshot).
        region: The tier of calls that do not name theirs (a `base_url` model);
            a call's own `region` or `model_region="global"` wins. Default `us`.

    Example:
        ```python
        handler = AssemblyAICallbackHandler()
        llm.invoke("Hi", config={"callbacks": [handler]})
        print(handler.total_cost, handler.price_source)
        ```
    """

    def __init__(
        self, prices: PriceTable | None = None, *, region: PriceRegion | None = None
    ) -> None:
        super().__init__()
        self.totals = CostTotals(prices, region=region or "us")
        self._regions: dict[UUID, PriceRegion] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return repr(self.totals)

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens, cached ones included."""
        return self.totals.prompt_tokens

    @property
    def completion_tokens(self) -> int:
        """Output tokens."""
        return self.totals.completion_tokens

    @property
    def total_tokens(self) -> int:
        """Prompt plus output tokens."""
        return self.totals.total_tokens

    @property
    def prompt_tokens_cached(self) -> int:
        """Prompt tokens read from the cache (`get_openai_callback`'s name)."""
        return self.totals.cache_read_tokens

    def _remember(self, run_id: UUID, kwargs: Mapping[str, Any]) -> None:
        params = kwargs.get("invocation_params") or {}
        with self._lock:
            self._regions[run_id] = _call_region(params, self.totals.region)

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        """Note the tier of the call about to run."""
        self._remember(run_id, kwargs)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        """Note the tier of the (text model) call about to run."""
        self._remember(run_id, kwargs)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Add the finished call's generations to the totals."""
        with self._lock:
            region = self._regions.pop(run_id, self.totals.region)
        for generations in response.generations:
            for generation in generations:
                usage, model = _read_generation(generation)
                self.totals.add(usage, model, region)

    def on_llm_error(
        self, error: BaseException, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """Forget a failed call (it is not counted)."""
        with self._lock:
            self._regions.pop(run_id, None)


_CURRENT: ContextVar[AssemblyAICallbackHandler | None] = ContextVar(
    "assemblyai_callback", default=None
)
register_configure_hook(_CURRENT, inheritable=True)


@contextmanager
def get_assemblyai_callback(
    *,
    prices: PriceTable | None = None,
    client: GatewayClient | None = None,
    region: PriceRegion | None = None,
) -> Iterator[AssemblyAICallbackHandler]:
    """Total the tokens and estimated cost of every call inside the block.

    Args:
        prices: A price table (`aai_gateway.costs.fetch_prices(client)`, or
            `await afetch_prices(async_client)` in async code).
        client: A `GatewayClient` whose live catalogue is read now for the prices
            (ignored when `prices` is given). Default: the bundled snapshot.
        region: The tier of calls that do not name theirs (see the handler).

    Yields:
        The handler; read its totals inside the block or after it.

    Example:
        ```python
        from langchain_aai_gateway.callbacks import get_assemblyai_callback

        with get_assemblyai_callback() as cb:
            llm.invoke("Summarize the meeting")
            await llm.ainvoke("And the action items?")
        print(cb.total_tokens, cb.total_cost, cb.price_source, cb.prices_as_of)
        ```

    A nested block counts its own calls only; the outer one does not see them.
    """
    if prices is None and client is not None:
        prices = fetch_prices(client)
    handler = AssemblyAICallbackHandler(prices, region=region)
    token = _CURRENT.set(handler)
    try:
        yield handler
    finally:
        _CURRENT.reset(token)
