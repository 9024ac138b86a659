"""Token and cost totals for LlamaIndex calls: `AssemblyAICostHandler`.

A `TokenCountingHandler` (same counters, same `reset_counts()`, same
`token_budget`) that also prices every LLM event: cache reads and writes as such,
the in-region increase applied (`aai_gateway.costs` has the rules). The counts
are the gateway's own usage, which `AssemblyAI` responses carry in
`raw["usage"]`, streams included; the prices come from the gateway's live
catalogue or the bundled snapshot, and the handler says which, and of when.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from llama_index.core.callbacks import CBEventType, EventPayload, TokenCountingHandler

from aai_gateway.costs import (
    CostReadout,
    CostTotals,
    PriceRegion,
    PriceTable,
    parse_usage,
)

__all__ = ["AssemblyAICostHandler"]

_UNKNOWN_MODEL = "unknown"


def _call_region(
    fields: Mapping[str, Any], call_kwargs: object, default: PriceRegion
) -> PriceRegion:
    """The tier an LLM call paid, from its kwargs, else the LLM's own fields."""
    kwargs = call_kwargs if isinstance(call_kwargs, Mapping) else {}
    if "global" in (kwargs.get("model_region"), fields.get("model_region")):
        return "global"
    region = fields.get("region")
    return region if region in ("us", "eu") else default


def _response_model(response: object, fallback: str) -> str:
    raw = getattr(response, "raw", None)
    kwargs = getattr(response, "additional_kwargs", None) or {}
    for source in (raw if isinstance(raw, Mapping) else {}, kwargs):
        model = source.get("model")
        if isinstance(model, str) and model:
            return model
    return fallback


class AssemblyAICostHandler(CostReadout, TokenCountingHandler):
    """`TokenCountingHandler` plus the estimated cost of every LLM call.

    Args:
        prices: The price table (`aai_gateway.costs.fetch_prices(client)`;
            default: the bundled snapshot).
        region: The tier of calls that do not show theirs. A call's
            `model_region="global"` (a call kwarg, or the LLM's field) wins,
            then the LLM's `region` (both read from the payload our `AssemblyAI`
            reports); for other LLMs, this. Default `us`.
        tokenizer: As for `TokenCountingHandler` (used only for responses
            without usage).
        **kwargs: The other `TokenCountingHandler` arguments.

    Example:
        ```python
        from llama_index.core.callbacks import CallbackManager
        from llama_index_aai_gateway.callbacks import AssemblyAICostHandler

        handler = AssemblyAICostHandler()
        llm = AssemblyAI(callback_manager=CallbackManager([handler]))
        llm.complete("Summarize the meeting")
        print(handler.total_llm_token_count, handler.total_cost, handler.price_source)
        ```
    """

    def __init__(
        self,
        prices: PriceTable | None = None,
        *,
        region: PriceRegion | None = None,
        tokenizer: Callable[[str], list[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(tokenizer=tokenizer, **kwargs)
        self._prices = prices
        self._default_region: PriceRegion = region or "us"
        self.totals = CostTotals(prices, region=self._default_region)
        self._calls: dict[str, tuple[PriceRegion, str]] = {}
        self._lock = threading.Lock()

    def on_event_start(
        self,
        event_type: CBEventType,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        parent_id: str = "",
        **kwargs: Any,
    ) -> str:
        """Note the tier and model of an LLM call about to run."""
        if event_type == CBEventType.LLM and payload is not None:
            serialized = payload.get(EventPayload.SERIALIZED)
            fields = serialized if isinstance(serialized, Mapping) else {}
            call_kwargs = payload.get(EventPayload.ADDITIONAL_KWARGS)
            model = fields.get("model_name") or fields.get("model")
            with self._lock:
                self._calls[event_id] = (
                    _call_region(fields, call_kwargs, self._default_region),
                    model if isinstance(model, str) else _UNKNOWN_MODEL,
                )
        return super().on_event_start(event_type, payload, event_id, parent_id)

    def on_event_end(
        self,
        event_type: CBEventType,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        **kwargs: Any,
    ) -> None:
        """Count the event's tokens (as `TokenCountingHandler`) and price them."""
        super().on_event_end(event_type, payload, event_id, **kwargs)
        if event_type != CBEventType.LLM or payload is None:
            return
        with self._lock:
            region, model = self._calls.pop(
                event_id, (self._default_region, _UNKNOWN_MODEL)
            )
        response = payload.get(EventPayload.RESPONSE) or payload.get(
            EventPayload.COMPLETION
        )
        raw = getattr(response, "raw", None)
        raw = raw if isinstance(raw, Mapping) else {}
        usage = parse_usage(raw.get("usage"))
        self.totals.add(usage, _response_model(response, model), region)

    def reset_counts(self) -> None:
        """Reset the token counts and the cost totals."""
        super().reset_counts()
        self.totals = CostTotals(self._prices, region=self._default_region)

    def __repr__(self) -> str:
        return repr(self.totals)
