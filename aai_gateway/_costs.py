"""What calls cost: the catalogue's prices applied to the core's `Usage`.

Framework-neutral arithmetic shared by the LangChain and LlamaIndex callbacks and
the batch runner. Prices are USD per 1M tokens, read from the gateway's model
catalogue (`GET /v1/models`, gateway-spec section 8) when a client is given, else
from a bundled snapshot whose date and source every total states.

How a call is priced (gateway-spec sections 3.9, 3.11, 4.2 and 8):

- `input_tokens` counts every prompt token, cached ones included (the OpenAI
  convention the gateway follows: `prompt_tokens_details` are parts of it), so
  uncached prompt tokens are `input - cache reads - cache writes`;
- cache reads are priced at `input_cache_read`, cache writes at
  `input_cache_write` (5-minute TTL) or `input_cache_write_1h`; a tier without a
  cache price prices those tokens as plain prompt tokens;
- `global` routing (`model_region="global"`) pays the `global` tier; in-region
  requests (`us`, `eu`) pay the region's tier where the catalogue lists one, else
  the `global` price raised by `regional_increase_percent` (10 % when the
  catalogue does not say: the documented increase of 2026-07-01).

The totals are estimates: the gateway's invoice is the authority.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aai_gateway._catalog import (
    ModelInfo,
    ModelPricing,
    PriceRegion,
    TokenPrices,
    parse_pricing,
)
from aai_gateway._types import Usage

__all__ = [
    "BUNDLED_PRICES_AS_OF",
    "DOCUMENTED_REGIONAL_INCREASE",
    "Cost",
    "CostReadout",
    "CostTotals",
    "PriceTable",
    "afetch_prices",
    "bundled_prices",
    "fetch_prices",
    "price_usage",
    "resolve_prices",
]

DOCUMENTED_REGIONAL_INCREASE = 0.10
"""In-region requests cost 10 % more since 2026-07-01 (gateway-spec section 3.9)."""

BUNDLED_PRICES_AS_OF = "2026-12-05"
"""The date of the bundled price snapshot."""

_BUNDLED_SOURCE = (
    "bundled snapshot: the providers' published list prices as the gateway's "
    "global tier, not read from the gateway; pass a client for the live catalogue"
)
_PER_TOKEN = 1_000_000

# model: (prompt, completion, cache read, cache write 5 m, cache write 1 h), USD
# per 1M tokens, global tier.
_BUNDLED: Mapping[
    str, tuple[float, float, float | None, float | None, float | None]
] = {
    "claude-opus-4-6": (5.0, 25.0, 0.5, 6.25, 10.0),
    "claude-opus-4-5-20251101": (5.0, 25.0, 0.5, 6.25, 10.0),
    "claude-sonnet-4-6": (3.0, 15.0, 0.3, 3.75, 6.0),
    "claude-sonnet-4-5-20250929": (3.0, 15.0, 0.3, 3.75, 6.0),
    "claude-haiku-4-5-20251001": (1.0, 5.0, 0.1, 1.25, 2.0),
    "gpt-5": (1.25, 10.0, 0.125, None, None),
    "gpt-5-mini": (0.25, 2.0, 0.025, None, None),
    "gpt-5-nano": (0.05, 0.4, 0.005, None, None),
    "gpt-4.1": (2.0, 8.0, 0.5, None, None),
    "gemini-2.5-pro": (1.25, 10.0, None, None, None),
    "gemini-2.5-flash": (0.3, 2.5, None, None, None),
}


def resolve_prices(pricing: ModelPricing, region: PriceRegion) -> TokenPrices | None:
    """The tier a request in `region` pays (see the module docstring).

    Returns:
        The prices, or `None` when the catalogue has none for `region`.
    """
    base = pricing.tiers.get("global")
    own = pricing.tiers.get(region)
    if region == "global" or base is None:
        return own
    increase = pricing.regional_increase
    factor = 1 + (DOCUMENTED_REGIONAL_INCREASE if increase is None else increase)

    def pick(mine: float | None, theirs: float | None) -> float | None:
        if mine is not None:
            return mine
        return None if theirs is None else theirs * factor

    return TokenPrices(
        prompt=own.prompt if own else base.prompt * factor,
        completion=own.completion if own else base.completion * factor,
        cache_read=pick(own.cache_read if own else None, base.cache_read),
        cache_write=pick(own.cache_write if own else None, base.cache_write),
        cache_write_1h=pick(own.cache_write_1h if own else None, base.cache_write_1h),
    )


@dataclass(frozen=True, slots=True)
class Cost:
    """What one call cost, in USD, by kind of token.

    Attributes:
        model: The model that answered.
        region: The tier paid (`us`, `eu` or `global`).
        prompt: Uncached prompt tokens.
        cache_read: Prompt tokens read from the cache.
        cache_write: Prompt tokens written to the cache (both TTLs).
        completion: Output tokens.
        source: Where the prices came from (`catalogue` or the bundled snapshot).
        as_of: When the prices were read (ISO 8601).
    """

    model: str
    region: PriceRegion
    prompt: float
    cache_read: float
    cache_write: float
    completion: float
    source: str
    as_of: str

    @property
    def total(self) -> float:
        """The whole call, USD."""
        return self.prompt + self.cache_read + self.cache_write + self.completion


def price_usage(usage: Usage, prices: TokenPrices) -> tuple[float, float, float, float]:
    """USD for (uncached prompt, cache reads, cache writes, completion) tokens."""
    read = usage.cache_read_tokens or 0
    written = usage.cache_creation_tokens or 0
    written_1h = min(usage.cache_creation_1h_tokens or 0, written)
    uncached = max(usage.input_tokens - read - written, 0)
    read_price = prices.prompt if prices.cache_read is None else prices.cache_read
    write_price = prices.prompt if prices.cache_write is None else prices.cache_write
    write_1h_price = (
        write_price if prices.cache_write_1h is None else prices.cache_write_1h
    )
    writes = (written - written_1h) * write_price + written_1h * write_1h_price
    return (
        uncached * prices.prompt / _PER_TOKEN,
        read * read_price / _PER_TOKEN,
        writes / _PER_TOKEN,
        usage.output_tokens * prices.completion / _PER_TOKEN,
    )


@dataclass(frozen=True)
class PriceTable:
    """Prices per model id, with where they came from and when.

    Attributes:
        models: Model id -> its prices per region tier.
        source: Where the prices came from (the live catalogue, or the bundled
            snapshot).
        as_of: When they were read (ISO 8601).

    Example:
        ```python
        from aai_gateway import GatewayClient, Usage
        from aai_gateway.costs import fetch_prices

        prices = fetch_prices(GatewayClient())  # the live catalogue
        cost = prices.cost(Usage(1200, 80, 1280), "claude-sonnet-4-6", "us")
        ```
    """

    models: Mapping[str, ModelPricing]
    source: str
    as_of: str

    @classmethod
    def from_models(
        cls, models: Iterable[ModelInfo], *, as_of: str | None = None
    ) -> PriceTable:
        """The prices of fetched catalogue entries (`as_of` defaults to now, UTC)."""
        when = as_of or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        priced = {m.id: m.pricing for m in models if m.pricing is not None}
        return cls(priced, "catalogue (GET /v1/models)", when)

    def prices(self, model: str, region: PriceRegion = "us") -> TokenPrices | None:
        """The tier `model` pays in `region`, or `None` when it has no prices here."""
        pricing = self.models.get(model)
        return None if pricing is None else resolve_prices(pricing, region)

    def cost(self, usage: Usage, model: str, region: PriceRegion = "us") -> Cost | None:
        """What a call with `usage` cost, or `None` when `model` has no prices here."""
        prices = self.prices(model, region)
        if prices is None:
            return None
        prompt, read, write, completion = price_usage(usage, prices)
        return Cost(
            model, region, prompt, read, write, completion, self.source, self.as_of
        )


def bundled_prices() -> PriceTable:
    """The bundled snapshot (dated `BUNDLED_PRICES_AS_OF`), for offline estimates."""
    models: dict[str, ModelPricing] = {}
    for model, (prompt, completion, read, write, write_1h) in _BUNDLED.items():
        tier = {"prompt": prompt, "completions": completion}
        cached = {
            "input_cache_read": read,
            "input_cache_write": write,
            "input_cache_write_1h": write_1h,
        }
        tier.update({k: v for k, v in cached.items() if v is not None})
        pricing = parse_pricing({"global": tier, "regional_increase_percent": 10})
        if pricing is not None:
            models[model] = pricing
    return PriceTable(models, _BUNDLED_SOURCE, BUNDLED_PRICES_AS_OF)


class _Catalogue(Protocol):
    def list_models(self, *, refresh: bool = ...) -> list[ModelInfo]: ...


class _AsyncCatalogue(Protocol):
    async def alist_models(self, *, refresh: bool = ...) -> list[ModelInfo]: ...


def fetch_prices(client: _Catalogue) -> PriceTable:
    """The live catalogue's prices, read now through `client` (`GatewayClient`)."""
    return PriceTable.from_models(client.list_models(refresh=True))


async def afetch_prices(client: _AsyncCatalogue) -> PriceTable:
    """`fetch_prices` through an `AsyncGatewayClient`."""
    return PriceTable.from_models(await client.alist_models(refresh=True))


class CostTotals:
    """Running totals of tokens and cost over many calls; thread-safe.

    The one place the LangChain and LlamaIndex callbacks and the batch runner
    add calls up, so they report the same numbers.

    Args:
        prices: The price table (default: the bundled snapshot).
        region: The tier of a call whose region `add` is not told.

    Example:
        ```python
        totals = CostTotals()
        totals.add(completion.usage, completion.model or "claude-sonnet-4-6")
        print(totals.total_cost, totals.price_source, totals.prices_as_of)
        ```
    """

    def __init__(
        self, prices: PriceTable | None = None, *, region: PriceRegion = "us"
    ) -> None:
        self.prices = prices if prices is not None else bundled_prices()
        self.region: PriceRegion = region
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.total_tokens = 0
        self.cache_read_tokens = 0
        self.cache_creation_tokens = 0
        self.successful_requests = 0
        self.total_cost = 0.0
        self.unpriced_models: set[str] = set()
        self._lock = threading.Lock()

    @property
    def price_source(self) -> str:
        """Where the prices came from."""
        return self.prices.source

    @property
    def prices_as_of(self) -> str:
        """When the prices were read (ISO 8601)."""
        return self.prices.as_of

    def add(
        self, usage: Usage | None, model: str, region: PriceRegion | None = None
    ) -> Cost | None:
        """Count one successful call; return its cost (`None`: no usage or no prices).

        A model without prices still has its tokens counted and is listed in
        `unpriced_models`, so a total never hides calls it could not price.
        """
        cost = None
        if usage is not None:
            cost = self.prices.cost(usage, model, region or self.region)
        with self._lock:
            self.successful_requests += 1
            if usage is None:
                return None
            self.prompt_tokens += usage.input_tokens
            self.completion_tokens += usage.output_tokens
            self.total_tokens += usage.total_tokens
            self.cache_read_tokens += usage.cache_read_tokens or 0
            self.cache_creation_tokens += usage.cache_creation_tokens or 0
            if cost is None:
                self.unpriced_models.add(model)
            else:
                self.total_cost += cost.total
        return cost

    def summary(self) -> dict[str, Any]:
        """The totals as a JSON-ready dict (for reports and logs)."""
        with self._lock:
            return {
                "successful_requests": self.successful_requests,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens,
                "cache_read_tokens": self.cache_read_tokens,
                "cache_creation_tokens": self.cache_creation_tokens,
                "total_cost_usd": self.total_cost,
                "unpriced_models": sorted(self.unpriced_models),
                "price_source": self.price_source,
                "prices_as_of": self.prices_as_of,
            }

    def __repr__(self) -> str:
        return (
            f"Tokens Used: {self.total_tokens}\n"
            f"\tPrompt Tokens: {self.prompt_tokens}\n"
            f"\t\tPrompt Tokens Cached: {self.cache_read_tokens}\n"
            f"\t\tPrompt Tokens Written to Cache: {self.cache_creation_tokens}\n"
            f"\tCompletion Tokens: {self.completion_tokens}\n"
            f"Successful Requests: {self.successful_requests}\n"
            f"Total Cost (USD): ${self.total_cost:.6f} "
            f"(estimate; prices: {self.price_source}, as of {self.prices_as_of})"
        )


class CostReadout:
    """The cost and cache read-outs of a callback holding a `CostTotals`.

    Both adapters' callbacks inherit it, so they name and report their totals
    alike; the framework's own token counters stay the framework's.
    """

    totals: CostTotals

    @property
    def total_cost(self) -> float:
        """Estimated USD of the priced calls."""
        return self.totals.total_cost

    @property
    def cache_read_tokens(self) -> int:
        """Prompt tokens read from the cache."""
        return self.totals.cache_read_tokens

    @property
    def cache_creation_tokens(self) -> int:
        """Prompt tokens written to the cache."""
        return self.totals.cache_creation_tokens

    @property
    def successful_requests(self) -> int:
        """Calls that returned an answer."""
        return self.totals.successful_requests

    @property
    def unpriced_models(self) -> set[str]:
        """Models whose calls were counted but had no prices in the table."""
        return set(self.totals.unpriced_models)

    @property
    def price_source(self) -> str:
        """Where the prices came from."""
        return self.totals.price_source

    @property
    def prices_as_of(self) -> str:
        """When the prices were read (ISO 8601)."""
        return self.totals.prices_as_of
