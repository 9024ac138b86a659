"""`GET /v1/models`: spec sections 8 and 10."""

from __future__ import annotations

import pytest

from tests.testing.helpers import make_client


def catalogue(client) -> dict[str, dict]:
    response = client.get("/models")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"data"}
    return {model["id"]: model for model in body["data"]}


def test_us_catalogue(emu, gateway) -> None:
    models = catalogue(gateway)
    for name in (
        "claude-sonnet-4-6",
        "claude-opus-4-6",
        "claude-haiku-4-5-20251001",
        "claude-sonnet-5",
        "gpt-5",
        "gpt-5-mini",
        "gpt-4.1",
        "gpt-oss-20b",
        "gpt-oss-120b",
        "gemini-2.5-flash",
        "gemini-3-pro-preview",
        "qwen3.5-4b-32k-fast",
        "kimi-k2.5",
    ):
        assert name in models


def test_entry_shape(emu, gateway) -> None:
    model = catalogue(gateway)["claude-sonnet-4-6"]
    assert set(model) == {
        "id",
        "name",
        "description",
        "creator",
        "context_length",
        "supported_parameters",
        "default_parameters",
        "top_provider",
        "pricing",
        "retirement_date",
        "available_regions",
        "providers",
        "default_provider",
    }
    assert model["creator"] == "anthropic"
    assert model["context_length"] == 200_000
    assert model["top_provider"]["context_length"] == 200_000
    assert model["retirement_date"] == 0
    assert model["default_provider"] == {"id": "bedrock", "name": "Amazon Bedrock"}
    pricing = model["pricing"]
    assert pricing["global"]["prompt"] == 3.0
    assert pricing["global"]["completions"] == 15.0
    assert {"input_cache_read", "input_cache_write", "input_cache_write_1h"} <= set(
        pricing["global"]
    )
    assert pricing["us"]["prompt"] == pytest.approx(3.3)
    assert pricing["regional_increase_percent"] == 10
    assert not {"object", "created", "owned_by"} & set(model)


def test_capability_rules(emu, gateway) -> None:
    models = catalogue(gateway)
    for name, model in models.items():
        params = set(model["supported_parameters"])
        assert ("stream" in params) is (not name.startswith("gpt-oss-")), name
        assert ("tools" in params) is (name != "qwen3.5-4b-32k-fast"), name
        assert "max_tokens" in params
    no_format = {
        "claude-sonnet-5",
        "gpt-4.1",
        "gpt-oss-20b",
        "gpt-oss-120b",
        "qwen3.5-4b-32k-fast",
    }
    assert {
        n
        for n, m in models.items()
        if "response_format" not in m["supported_parameters"]
    } == no_format
    assert "temperature" not in models["claude-sonnet-5"]["supported_parameters"]
    assert models["qwen3.5-4b-32k-fast"]["context_length"] == 32_768


def test_eu_catalogue_is_claude_and_gemini_only(serve) -> None:
    _, client = serve(region="eu")
    models = catalogue(client)
    assert {m["creator"] for m in models.values()} == {"anthropic", "google"}
    assert "claude-sonnet-4-6" in models
    assert "gpt-5" not in models
    assert all("eu" in m["available_regions"] for m in models.values())


def test_us_only_models_have_no_eu_pricing(emu, gateway) -> None:
    gpt = catalogue(gateway)["gpt-5"]
    assert "eu" not in gpt["available_regions"]
    assert "eu" not in gpt["pricing"]


def test_region_is_checked() -> None:
    from aai_gateway.testing import GatewayEmulator

    with pytest.raises(ValueError, match="region"):
        GatewayEmulator(region="ap")  # type: ignore[arg-type]


def test_models_through_a_plain_client(emu, server) -> None:
    with make_client(server.base_url) as client:
        assert len(catalogue(client)) >= 13
