"""An unknown model gets a "did you mean" from the bundled catalogue of its region."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from aai_gateway import AsyncGatewayClient, GatewayClient
from aai_gateway._catalog import (
    BUNDLED_MODEL_IDS,
    bundled_model_ids,
    suggest_models,
    unknown_model_hint,
)
from aai_gateway._exceptions import build_status_error
from aai_gateway.errors import APIStatusError, BadRequestError
from aai_gateway.testing import EmulatorServer, GatewayEmulator
from aai_gateway.testing._catalog_data import region_models
from tests.conftest import TEST_KEY


def test_the_eu_catalogue_is_claude_and_gemini_within_the_us_one() -> None:
    us, eu = BUNDLED_MODEL_IDS["us"], BUNDLED_MODEL_IDS["eu"]
    assert set(eu) < set(us)
    assert {m.split("-")[0] for m in eu} == {"claude", "gemini"}
    assert len(set(us)) == len(us)
    assert bundled_model_ids(None) == us
    assert bundled_model_ids("eu") == eu


@pytest.mark.parametrize("region", ["us", "eu"])
def test_the_emulators_models_are_in_the_bundled_catalogue(region: Any) -> None:
    # Written apart from the spec's lists: each side checks the other.
    assert set(region_models(region)) <= set(BUNDLED_MODEL_IDS[region])


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("claude-sonet-4-6", ["claude-sonnet-4-6"]),
        ("gpt5", ["gpt-5"]),
        ("GPT-5-MINI", ["gpt-5-mini"]),
        ("qwen3-32b", ["qwen3-32B"]),
        ("gemini-2.5-flsh", ["gemini-2.5-flash"]),
        ("sonnet-4-6", ["claude-sonnet-4-6"]),
        ("whisper-large", []),
    ],
)
def test_suggestions_are_the_closest_ids(typed: str, meant: list[str]) -> None:
    assert suggest_models(typed, bundled_model_ids("us")) == meant


def test_equally_close_ids_are_all_offered_and_the_model_never_is() -> None:
    ids = ("gemini-3.5-flash", "gemini-3.6-flash", "gemini-3.7-flash")
    assert set(suggest_models("gemini-flash", ids)) == set(ids)
    assert suggest_models("gemini-flash", ids, limit=1) == ["gemini-3.7-flash"]
    assert suggest_models("gpt-5", ["gpt-5"]) == []


def test_hints() -> None:
    assert unknown_model_hint("claude-sonet-4-6", "eu") == (
        "Instead of `claude-sonet-4-6`, did you mean `claude-sonnet-4-6`?"
    )
    # Known in another region than the client's.
    assert unknown_model_hint("gpt-5", "eu") == (
        "`gpt-5` is offered in the US region only, not in EU: set `region` "
        "(or `base_url`) to match."
    )
    # A host of no known region (an emulator, a proxy): ask, do not tell.
    assert "in the US region only: is the client pointed" in str(
        unknown_model_hint("gpt-5", None)
    )
    # Known where it was asked for, or like nothing: nothing useful to say.
    assert unknown_model_hint("claude-sonnet-4-6", None) is None
    assert unknown_model_hint("gpt-5", "us") is None
    assert unknown_model_hint("whisper-large", "us") is None
    # A fetched catalogue replaces the bundled one.
    assert unknown_model_hint("my-modl", "us", model_ids=["my-model"]) == (
        "Instead of `my-modl`, did you mean `my-model`?"
    )


def _error(
    status: int, body: Any, url: str = "https://gw.test/v1/chat/completions"
) -> APIStatusError:
    request = httpx.Request("POST", url)
    return build_status_error(httpx.Response(status, json=body, request=request), body)


ENVELOPE = {
    "code": 400,
    "message": "invalid request body",
    "request_id": "req-9",
    "metadata": {
        "errors": [
            "model claude-sonet-4-6 is not supported",
            "model gpt5 is not supported",
        ]
    },
}


def test_the_message_gets_one_hint_per_model_and_keeps_the_servers_words() -> None:
    error = _error(400, ENVELOPE)
    assert error.message == (
        "Error code: 400 - invalid request body: model claude-sonet-4-6 is not "
        "supported; model gpt5 is not supported (request_id: req-9). Instead of "
        "`claude-sonet-4-6`, did you mean `claude-sonnet-4-6`? Instead of `gpt5`, "
        "did you mean `gpt-5`?"
    )
    assert error.errors == tuple(ENVELOPE["metadata"]["errors"])  # type: ignore[index]


def test_the_region_is_read_from_the_host_or_given() -> None:
    body = {**ENVELOPE, "metadata": {"errors": ["model gpt-5 is not supported"]}}
    eu_host = "https://llm-gateway.eu.assemblyai.com/v1/chat/completions"
    assert "not in EU" in _error(400, body, eu_host).message
    assert "not pointed" not in _error(400, body, eu_host).message
    assert "is the client pointed" in _error(400, body).message
    response = httpx.Response(400, json=body)  # no request: region as given
    assert "not in EU" in build_status_error(response, body, region="eu").message
    given = build_status_error(response, body, model_ids=["gpt-5o"])
    assert given.message.endswith("did you mean `gpt-5o`?")


def test_legacy_404_and_other_statuses() -> None:
    legacy = {"error": {"code": 404, "message": "model gpt5 is not supported"}}
    assert _error(404, legacy).message.endswith("did you mean `gpt-5`?")
    failed = {"message": "model gpt5 is not supported", "code": 500}
    assert "did you mean" not in _error(500, failed).message
    plain = {**ENVELOPE, "metadata": {"errors": ["max_tokens must be >= 1"]}}
    assert _error(400, plain).message.endswith("(request_id: req-9)")


# -- through the clients, against the emulator ------------------------------------


@pytest.fixture(scope="module")
def eu_server() -> Iterator[EmulatorServer]:
    with GatewayEmulator(region="eu", rate_limit=None).serve() as server:
        yield server


def _call(mode: str, request: dict[str, Any], stream: bool, **options: Any) -> None:
    """One chat (or streamed chat) call by the sync or the async client."""
    options = {"api_key": TEST_KEY, "max_retries": 0, **options}
    if mode == "sync":
        with GatewayClient(**options) as client:
            if stream:
                list(client.stream_chat(request))
            else:
                client.chat(request)
        return

    async def run() -> None:
        async with AsyncGatewayClient(**options) as client:
            if stream:
                [c async for c in client.astream_chat(request)]
            else:
                await client.achat(request)

    asyncio.run(run())


def _refusal(mode: str, base_url: str, request: dict[str, Any], stream: bool) -> Any:
    with pytest.raises(BadRequestError) as caught:
        _call(mode, request, stream, base_url=base_url)
    return caught.value


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_an_unknown_model_through_the_client(
    mode: str, stream: bool, emulator_url: str, emulator: Any
) -> None:
    request = {"model": "claude-sonet-4-6", "prompt": "hi"}
    error = _refusal(mode, emulator_url, request, stream)
    assert error.errors == ("model claude-sonet-4-6 is not supported",)
    assert "did you mean `claude-sonnet-4-6`?" in error.message
    assert [r.json["model"] for r in emulator.requests] == ["claude-sonet-4-6"]


def test_a_model_of_another_region_through_the_client(
    mode: str, eu_server: EmulatorServer
) -> None:
    request = {"model": "gpt-5-mini", "prompt": "hi", "fallbacks": [{"model": "gpt5"}]}
    error = _refusal(mode, eu_server.base_url, request, stream=False)
    assert error.errors == (
        "model gpt-5-mini is not supported",
        "model gpt5 is not supported",
    )
    assert (
        "The bundled catalogue has `gpt-5-mini` in the US region only" in error.message
    )
    assert error.message.endswith("Instead of `gpt5`, did you mean `gpt-5`?")


def test_the_eu_host_says_which_region_has_the_model(mode: str) -> None:
    sent: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url)
        body = {**ENVELOPE, "metadata": {"errors": ["model gpt-5 is not supported"]}}
        return httpx.Response(400, json=body)

    transport = httpx.MockTransport(handler)
    http = (
        httpx.Client(transport=transport)
        if mode == "sync"
        else httpx.AsyncClient(transport=transport)
    )
    request = {"model": "gpt-5", "prompt": "hi"}
    with pytest.raises(BadRequestError) as caught:
        _call(mode, request, False, region="eu", http_client=http)
    if isinstance(http, httpx.Client):
        http.close()
    else:
        asyncio.run(http.aclose())
    assert sent[0].host == "llm-gateway.eu.assemblyai.com"
    assert caught.value.message.endswith(
        "`gpt-5` is offered in the US region only, not in EU: set `region` "
        "(or `base_url`) to match."
    )


def test_an_eu_client_behind_a_proxy_is_told_the_model_is_us_only(
    mode: str, eu_server: EmulatorServer
) -> None:
    # The emulator's host says nothing of a region: the client's own `region` does.
    request = {"model": "gpt-5-mini", "prompt": "hi"}
    with pytest.raises(BadRequestError) as caught:
        _call(mode, request, False, base_url=eu_server.base_url, region="eu")
    assert caught.value.message.endswith(
        "`gpt-5-mini` is offered in the US region only, not in EU: set `region` "
        "(or `base_url`) to match."
    )
    assert "is the client pointed" not in caught.value.message


def _house_gateway(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/models"):
        return httpx.Response(200, json={"data": [{"id": "house-model-7"}]})
    body = {"code": 400, "message": "invalid request body", "request_id": "req-h"}
    body["metadata"] = {"errors": ["model house-modl-7 is not supported"]}
    return httpx.Response(400, json=body)


def test_the_fetched_catalogue_is_what_a_hint_suggests_from(mode: str) -> None:
    transport = httpx.MockTransport(_house_gateway)
    options: dict[str, Any] = {"api_key": TEST_KEY, "base_url": "https://gw.test/v1"}
    request = {"model": "house-modl-7", "prompt": "hi"}

    def run_sync() -> list[BadRequestError]:
        errors = []
        with GatewayClient(
            http_client=httpx.Client(transport=transport), **options
        ) as gw:
            for fetch in (False, True):
                if fetch:
                    gw.list_models()
                with pytest.raises(BadRequestError) as caught:
                    gw.chat(request)
                errors.append(caught.value)
        return errors

    async def run_async() -> list[BadRequestError]:
        errors = []
        http = httpx.AsyncClient(transport=transport)
        async with http, AsyncGatewayClient(http_client=http, **options) as gw:
            for fetch in (False, True):
                if fetch:
                    await gw.alist_models()
                with pytest.raises(BadRequestError) as caught:
                    await gw.achat(request)
                errors.append(caught.value)
        return errors

    before, after = run_sync() if mode == "sync" else asyncio.run(run_async())
    assert "did you mean" not in before.message  # the bundled ids: nothing close
    assert after.message.endswith("did you mean `house-model-7`?")
