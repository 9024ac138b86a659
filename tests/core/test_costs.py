"""Prices from the catalogue applied to usage (`aai_gateway.costs`), by hand."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest

from aai_gateway import AsyncGatewayClient, GatewayClient, Usage
from aai_gateway.costs import (
    BUNDLED_PRICES_AS_OF,
    CostTotals,
    ModelPricing,
    PriceTable,
    TokenPrices,
    afetch_prices,
    bundled_prices,
    fetch_prices,
    parse_usage,
    resolve_prices,
)
from tests.conftest import TEST_KEY

M = 1_000_000
SONNET = "claude-sonnet-4-6"
# The emulator's catalogue entry for claude-sonnet-4-6 (USD per 1M tokens), asserted
# below so the arithmetic that uses them is checked against what it serves:
# global: prompt 3.0, completions 15.0, input_cache_read 0.3, input_cache_write 3.75,
# input_cache_write_1h 6.0; us and eu: prompt 3.3, completions 16.5;
# regional_increase_percent 10.
CACHED = Usage(
    input_tokens=10_000,
    output_tokens=500,
    total_tokens=10_500,
    cache_read_tokens=6_000,
    cache_creation_tokens=3_000,
    cache_creation_1h_tokens=1_000,
)


def _fetch(emulator_url: str, mode: str) -> PriceTable:
    if mode == "sync":
        with GatewayClient(api_key=TEST_KEY, base_url=emulator_url) as client:
            return fetch_prices(client)

    async def fetch() -> PriceTable:
        async with AsyncGatewayClient(api_key=TEST_KEY, base_url=emulator_url) as c:
            return await afetch_prices(c)

    return asyncio.run(fetch())


@pytest.fixture(params=["sync", "async"], ids=["sync", "async"])
def live_prices(request: Any, emulator_url: str) -> PriceTable:
    return _fetch(emulator_url, request.param)


def test_the_live_catalogue_prices_with_source_and_date(
    live_prices: PriceTable, emulator: Any
) -> None:
    assert live_prices.models[SONNET] == ModelPricing(
        {
            "global": TokenPrices(3.0, 15.0, 0.3, 3.75, 6.0),
            "us": TokenPrices(3.3, 16.5),
            "eu": TokenPrices(3.3, 16.5),
        },
        regional_increase=0.10,
    )
    assert live_prices.source == "catalogue (GET /v1/models)"
    fetched = dt.datetime.fromisoformat(live_prices.as_of)
    assert abs(dt.datetime.now(dt.timezone.utc) - fetched) < dt.timedelta(minutes=1)
    assert [r.path for r in emulator.requests] == ["/v1/models"]


def test_global_routing_prices_cache_reads_and_both_write_ttls(
    live_prices: PriceTable,
) -> None:
    cost = live_prices.cost(CACHED, SONNET, "global")
    assert cost is not None
    # Uncached prompt: 10,000 - 6,000 read - 3,000 written = 1,000 tokens.
    assert cost.prompt == pytest.approx(1_000 * 3.0 / M)
    assert cost.cache_read == pytest.approx(6_000 * 0.3 / M)
    # 2,000 written for 5 minutes, 1,000 for an hour.
    assert cost.cache_write == pytest.approx((2_000 * 3.75 + 1_000 * 6.0) / M)
    assert cost.completion == pytest.approx(500 * 15.0 / M)
    assert cost.total == pytest.approx(0.003 + 0.0018 + 0.0135 + 0.0075)
    assert (cost.model, cost.region, cost.source) == (
        SONNET,
        "global",
        "catalogue (GET /v1/models)",
    )


@pytest.mark.parametrize("region", ["us", "eu"])
def test_in_region_pays_the_region_tier_and_the_increase_on_cache_prices(
    live_prices: PriceTable, region: str
) -> None:
    cost = live_prices.cost(CACHED, SONNET, region)  # type: ignore[arg-type]
    assert cost is not None
    assert cost.prompt == pytest.approx(1_000 * 3.3 / M)
    # The region tier lists no cache prices: global's, raised by 10 %.
    assert cost.cache_read == pytest.approx(6_000 * 0.3 * 1.1 / M)
    assert cost.cache_write == pytest.approx((2_000 * 3.75 + 1_000 * 6.0) * 1.1 / M)
    assert cost.completion == pytest.approx(500 * 16.5 / M)


def test_a_model_without_prices_costs_none() -> None:
    assert bundled_prices().cost(CACHED, "no-such-model") is None


@pytest.mark.parametrize(
    ("pricing", "expected"),
    [
        ({"global": {"prompt": 2.0, "completions": 8.0}}, 2.2),  # documented 10 %
        (
            {
                "global": {"prompt": 2.0, "completions": 8.0},
                "regional_increase_percent": 25,
            },
            2.5,
        ),
        (
            {
                "global": {"prompt": 2.0, "completions": 8.0},
                "regional_increase_percent": 0.25,
            },
            2.5,
        ),
        ({"us": {"prompt": 9.0, "completions": 9.0}}, 9.0),
    ],
    ids=["unstated", "percent", "fraction", "region-only"],
)
def test_regional_increase_readings(pricing: dict[str, Any], expected: float) -> None:
    body = {"data": [{"id": "m", "pricing": pricing}]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    http = httpx.Client(transport=transport)
    with GatewayClient(
        api_key=TEST_KEY, base_url="https://gw.test/v1", http_client=http
    ) as client:
        table = fetch_prices(client)
    model = table.models["m"]
    prices = resolve_prices(model, "us")
    assert prices is not None
    assert prices.prompt == pytest.approx(expected)


def test_a_price_tier_without_cache_prices_charges_the_prompt_price() -> None:
    prices = TokenPrices(prompt=2.0, completion=8.0)
    table = PriceTable({"m": ModelPricing({"global": prices})}, "test", "2026-01-01")
    cost = table.cost(CACHED, "m", "global")
    assert cost is not None
    assert cost.cache_read + cost.cache_write == pytest.approx(9_000 * 2.0 / M)


def test_totals_add_up_calls_and_name_what_they_could_not_price(
    live_prices: PriceTable,
) -> None:
    totals = CostTotals(live_prices, region="us")
    plain = Usage(1_000, 200, 1_200, cache_read_tokens=0, cache_creation_tokens=0)
    totals.add(plain, SONNET)
    totals.add(CACHED, SONNET, "global")
    totals.add(Usage(50, 5, 55), "mystery-model")
    totals.add(None, SONNET)  # an answer without usage: a request, no tokens
    assert totals.successful_requests == 4
    assert totals.prompt_tokens == 1_000 + 10_000 + 50
    assert totals.completion_tokens == 200 + 500 + 5
    assert totals.total_tokens == 1_200 + 10_500 + 55
    assert (totals.cache_read_tokens, totals.cache_creation_tokens) == (6_000, 3_000)
    first = (1_000 * 3.3 + 200 * 16.5) / M
    second = (1_000 * 3.0 + 6_000 * 0.3 + 2_000 * 3.75 + 1_000 * 6.0 + 500 * 15.0) / M
    assert totals.total_cost == pytest.approx(first + second)
    summary = totals.summary()
    assert summary["unpriced_models"] == ["mystery-model"]
    assert summary["total_cost_usd"] == pytest.approx(first + second)
    assert summary["price_source"] == "catalogue (GET /v1/models)"
    assert "Total Cost (USD)" in repr(totals)


def test_the_bundled_snapshot_states_its_date_and_source() -> None:
    table = bundled_prices()
    assert table.as_of == BUNDLED_PRICES_AS_OF
    assert "bundled snapshot" in table.source
    assert CostTotals().prices_as_of == BUNDLED_PRICES_AS_OF
    prices = table.prices(SONNET, "global")
    assert prices == TokenPrices(3.0, 15.0, 0.3, 3.75, 6.0)


def test_cache_counts_follow_one_rule_present_when_reported() -> None:
    reported = parse_usage(
        {
            "prompt_tokens": 5,
            "completion_tokens": 1,
            "prompt_tokens_details": {
                "cached_tokens": 0,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 0,
                    "ephemeral_1h_input_tokens": 0,
                },
            },
        }
    )
    assert reported is not None
    assert (reported.cache_read_tokens, reported.cache_creation_tokens) == (0, 0)
    assert reported.cache_creation_1h_tokens == 0
    silent = parse_usage({"prompt_tokens": 5, "completion_tokens": 1})
    assert silent is not None
    assert (silent.cache_read_tokens, silent.cache_creation_tokens) == (None, None)
    anthropic_names = parse_usage(
        {
            "input_tokens": 5,
            "output_tokens": 1,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 3,
        }
    )
    assert anthropic_names is not None
    assert (
        anthropic_names.cache_read_tokens,
        anthropic_names.cache_creation_tokens,
    ) == (0, 3)


def test_usage_keeps_the_object_the_gateway_sent() -> None:
    body = {"prompt_tokens": 5, "completion_tokens": 1, "extra": {"a": 1}}
    usage = parse_usage(body)
    assert usage is not None
    assert dict(usage.raw) == body
    assert usage == Usage(5, 1, 6)  # `raw` takes no part in equality
