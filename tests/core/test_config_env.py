"""The environment variables a whole program is pointed with, read as the SDK reads them.

`ASSEMBLYAI_LLM_GATEWAY_BASE_URL` (the gateway, with or without `/v1`),
`ASSEMBLYAI_LLM_GATEWAY_HTTP_TIMEOUT` (the default timeout) and `ASSEMBLYAI_BASE_URL`
(the transcript REST root) mean the same here as in the official `assemblyai` SDK.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from aai_gateway import AsyncGatewayClient, GatewayClient
from aai_gateway._config import (
    BASE_URL_ENV,
    DEFAULT_TIMEOUT,
    TIMEOUT_ENV,
    TRANSCRIPT_BASE_URL_ENV,
    coerce_timeout,
    default_timeout,
    resolve_base_url,
    resolve_transcript_base_url,
    with_api_path,
)
from aai_gateway._transcripts._rest_types import resolve_rest_base_url
from aai_gateway.testing import MEETING_IDS
from tests.conftest import TEST_KEY, completion_body

CLIENTS = pytest.mark.parametrize(
    "client_cls", [GatewayClient, AsyncGatewayClient], ids=["sync", "async"]
)
HELLO = {"model": "claude-sonnet-4-6", "prompt": "Hello"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own SDK settings must not decide these tests.
    for name in (BASE_URL_ENV, TIMEOUT_ENV, TRANSCRIPT_BASE_URL_ENV):
        monkeypatch.delenv(name, raising=False)


def test_names_are_the_official_sdks() -> None:
    # assemblyai 1.8.2 `Settings`: prefix `assemblyai_`, fields `llm_gateway_base_url`,
    # `llm_gateway_http_timeout` and `base_url` (the transcript API).
    assert BASE_URL_ENV == "ASSEMBLYAI_LLM_GATEWAY_BASE_URL"
    assert TIMEOUT_ENV == "ASSEMBLYAI_LLM_GATEWAY_HTTP_TIMEOUT"
    assert TRANSCRIPT_BASE_URL_ENV == "ASSEMBLYAI_BASE_URL"


# -- the gateway URL, with or without /v1 -------------------------------------------

SPELLINGS = ["http://h:1", "http://h:1/", "http://h:1/v1", "http://h:1/v1/"]


@pytest.mark.parametrize("given", SPELLINGS)
def test_every_spelling_of_a_gateway_url_becomes_one(given: str) -> None:
    assert with_api_path(given) == "http://h:1/v1"
    assert resolve_base_url(given, None) == "http://h:1/v1"
    assert resolve_base_url(given, "eu") == "http://h:1/v1"


def test_a_path_prefix_is_kept() -> None:
    # A proxy under a path: the SDK would append /v1 after it too.
    assert (
        resolve_base_url("https://proxy.test/llm", None) == "https://proxy.test/llm/v1"
    )
    assert resolve_base_url("https://proxy.test/llm/v1", None) == (
        "https://proxy.test/llm/v1"
    )


@CLIENTS
@pytest.mark.parametrize("given", SPELLINGS)
def test_clients_take_the_url_either_way(
    client_cls: Any, given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client_cls(base_url=given).base_url == "http://h:1/v1"
    monkeypatch.setenv(BASE_URL_ENV, given)
    assert client_cls().base_url == "http://h:1/v1"


@CLIENTS
def test_gateway_precedence(client_cls: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (
        client_cls(region="eu").base_url == "https://llm-gateway.eu.assemblyai.com/v1"
    )
    monkeypatch.setenv(BASE_URL_ENV, "  http://env.test  ")
    # The variable wins over the region, an explicit URL over both.
    assert client_cls(region="eu").base_url == "http://env.test/v1"
    assert client_cls(base_url="http://arg.test").base_url == "http://arg.test/v1"
    monkeypatch.setenv(BASE_URL_ENV, "   ")
    assert client_cls().base_url == "https://llm-gateway.assemblyai.com/v1"


@pytest.mark.parametrize("bad", ["llm-gateway.assemblyai.com", "ftp://h/v1", "h:8000"])
def test_a_url_without_http_is_refused_naming_its_source(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match=r"`base_url` must be an http:// or https://"):
        resolve_base_url(bad, None)
    monkeypatch.setenv(BASE_URL_ENV, bad)
    with pytest.raises(ValueError, match=f"the {BASE_URL_ENV} environment variable"):
        resolve_base_url(None, None)
    # Refused at construction, before any request, with the value shown.
    with pytest.raises(ValueError, match=repr(bad).replace(".", r"\.")):
        GatewayClient()
    with pytest.raises(ValueError, match=r"`transcript_base_url` must be"):
        resolve_transcript_base_url(bad, None)


def test_a_bad_region_is_named() -> None:
    for resolve in (resolve_base_url, resolve_transcript_base_url):
        with pytest.raises(ValueError, match="`region` must be 'us' or 'eu'"):
            resolve(None, "asia")  # type: ignore[arg-type]


# -- the transcript REST host ---------------------------------------------------------


@CLIENTS
def test_transcript_host_precedence(
    client_cls: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    eu = "https://api.eu.assemblyai.com"
    assert client_cls(region="eu").transcript_base_url == eu
    monkeypatch.setenv(TRANSCRIPT_BASE_URL_ENV, "http://rest.test/")
    assert client_cls(region="eu").transcript_base_url == "http://rest.test"
    assert (
        client_cls(transcript_base_url="http://arg.test/v2/").transcript_base_url
        == "http://arg.test"
    )
    # The gateway variable moves the gateway only.
    assert client_cls().base_url == "https://llm-gateway.assemblyai.com/v1"


@pytest.mark.parametrize(
    "given", ["http://r:1", "http://r:1/", "http://r:1/v2", "http://r:1/v2/"]
)
def test_a_transcript_root_may_end_in_v2(given: str) -> None:
    assert resolve_rest_base_url(given, None) == "http://r:1"
    assert resolve_rest_base_url(None, "eu") == "https://api.eu.assemblyai.com"


# -- the timeout ----------------------------------------------------------------------


def test_timeout_variable_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_timeout() is DEFAULT_TIMEOUT
    monkeypatch.setenv(TIMEOUT_ENV, " 30 ")
    assert coerce_timeout(None) == httpx.Timeout(30.0, connect=5.0)
    monkeypatch.setenv(TIMEOUT_ENV, "2.5")
    assert default_timeout() == httpx.Timeout(2.5, connect=2.5)
    # An explicit timeout wins over the variable.
    assert coerce_timeout(7) == httpx.Timeout(7.0, connect=5.0)


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "nan", "inf", "30s"])
def test_a_bad_timeout_variable_is_named(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, bad)
    with pytest.raises(ValueError, match=f"the {TIMEOUT_ENV} environment variable"):
        GatewayClient()
    with pytest.raises(ValueError, match=repr(bad)):
        AsyncGatewayClient()
    # An explicit timeout means the variable is not read.
    assert GatewayClient(timeout=5).timeout == httpx.Timeout(5.0)


def _timeouts_sent(mode: str, **options: Any) -> list[dict[str, float | None]]:
    """The timeouts on the requests a client sends for one chat call."""
    seen: list[dict[str, float | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json=completion_body())

    transport = httpx.MockTransport(handler)
    base = {"api_key": TEST_KEY, "base_url": "https://gw.test", **options}
    if mode == "sync":
        with GatewayClient(http_client=httpx.Client(transport=transport), **base) as c:
            c.chat(HELLO)
        return seen

    async def run() -> None:
        http = httpx.AsyncClient(transport=transport)
        async with AsyncGatewayClient(http_client=http, **base) as client:
            await client.achat(HELLO)
        await http.aclose()

    asyncio.run(run())
    return seen


def test_the_timeout_variable_reaches_the_request(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "12")
    [sent] = _timeouts_sent(mode)
    assert sent == {"connect": 5.0, "read": 12.0, "write": 12.0, "pool": 12.0}
    [sent] = _timeouts_sent(mode, timeout=3)
    assert sent["read"] == 3.0


# -- a whole program pointed at the emulator by environment alone ---------------------


@pytest.fixture
def pointed(
    emulator_server: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The environment the emulator's command line prints, plus the key."""
    url = emulator_server[1].url
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", TEST_KEY)
    monkeypatch.setenv(BASE_URL_ENV, url)  # the SDK's form: no /v1
    monkeypatch.setenv(TRANSCRIPT_BASE_URL_ENV, url)
    return emulator


def test_environment_alone_reaches_the_emulator(pointed: Any, mode: str) -> None:
    meeting = MEETING_IDS["support_call"]
    request = {
        "model": "claude-sonnet-4-6",
        "messages": [{"role": "user", "content": "Summarise {{ transcript }}"}],
        "transcript_id": meeting,
    }
    if mode == "sync":
        with GatewayClient() as client:
            transcript = client.get_transcript(meeting)
            answer = client.chat(HELLO)
            client.chat(request)
    else:

        async def run() -> tuple[Any, Any]:
            async with AsyncGatewayClient() as client:
                got = await client.aget_transcript(meeting)
                said = await client.achat(HELLO)
                await client.achat(request)
                return got, said

        transcript, answer = asyncio.run(run())
    assert transcript.id == meeting
    assert answer.content == "Echo: Hello"
    assert [r.path for r in pointed.requests] == [
        f"/v2/transcript/{meeting}",
        "/v1/chat/completions",
        "/v1/chat/completions",
    ]
