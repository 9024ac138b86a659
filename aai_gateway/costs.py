"""What calls cost: the gateway catalogue's prices applied to token usage.

`PriceTable` holds prices per model with their source and date: the live
catalogue through `fetch_prices(client)` / `await afetch_prices(client)`, or the
bundled snapshot (`bundled_prices()`, dated `BUNDLED_PRICES_AS_OF`).
`CostTotals` adds calls up (tokens, cache reads and writes, USD), the way the
LangChain and LlamaIndex callbacks and the batch runner report them. Cache reads
and writes are priced as such, and in-region requests pay the regional increase
(the catalogue's regional tier where it lists one, else the documented increase);
`model_region="global"` pays the global tier.

Example:
    ```python
    from aai_gateway import GatewayClient
    from aai_gateway.costs import CostTotals, fetch_prices

    with GatewayClient() as client:
        totals = CostTotals(fetch_prices(client), region="us")
        completion = client.chat({"model": "claude-sonnet-4-6", "prompt": "Hi"})
        totals.add(completion.usage, completion.model or "claude-sonnet-4-6")
    print(totals.summary())
    ```
"""

from __future__ import annotations

from aai_gateway._catalog import ModelPricing, PriceRegion, TokenPrices
from aai_gateway._costs import (
    BUNDLED_PRICES_AS_OF,
    DOCUMENTED_REGIONAL_INCREASE,
    Cost,
    CostReadout,
    CostTotals,
    PriceTable,
    afetch_prices,
    bundled_prices,
    fetch_prices,
    price_usage,
    resolve_prices,
)
from aai_gateway._types import parse_usage

__all__ = [
    "BUNDLED_PRICES_AS_OF",
    "DOCUMENTED_REGIONAL_INCREASE",
    "Cost",
    "CostReadout",
    "CostTotals",
    "ModelPricing",
    "PriceRegion",
    "PriceTable",
    "TokenPrices",
    "afetch_prices",
    "bundled_prices",
    "fetch_prices",
    "parse_usage",
    "price_usage",
    "resolve_prices",
]
