"""Headers a caller adds: checked before anything is sent, merged whatever their case."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aai_gateway import AsyncGatewayClient, GatewayClient

REQUEST = {
    "model": "claude-sonnet-4-6",
    "messages": [{"role": "user", "content": "Hi"}],
}
ANSWER = {
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi."}}],
    "model": "claude-sonnet-4-6",
}
SECRET = "hdr-secret-value"
BAD = {
    "line break in a value": ({"x-team": f"{SECRET}\r\nx-evil: 1"}, ValueError),
    "non-ASCII value": ({"x-team": f"{SECRET}\u00e9"}, ValueError),
    "colon in a name": ({"x:team": SECRET}, ValueError),
    "empty name": ({"": SECRET}, ValueError),
    "value not a string": ({"x-team": 3}, TypeError),
    "not a mapping": (["x-team", SECRET], TypeError),
}


class _Recorder:
    """A mock transport that answers every request and keeps it."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=ANSWER)


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("kind", [GatewayClient, AsyncGatewayClient])
def test_bad_default_headers_are_refused_when_the_client_is_built(
    kind: type[Any], case: tuple[Any, type[Exception]]
) -> None:
    headers, error = case
    with pytest.raises(error, match="`default_headers`") as caught:
        kind(api_key="test-key", default_headers=headers)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_extra_headers_are_refused_before_sending(
    case: tuple[Any, type[Exception]],
) -> None:
    headers, error = case
    recorder = _Recorder()
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    with (
        GatewayClient(api_key="test-key", http_client=http) as client,
        pytest.raises(error, match="`extra_headers`") as caught,
    ):
        client.chat(REQUEST, extra_headers=headers)
    assert recorder.requests == []
    assert SECRET not in str(caught.value)


async def test_bad_extra_headers_are_refused_before_streaming() -> None:
    recorder = _Recorder()
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with AsyncGatewayClient(api_key="test-key", http_client=http) as client:
        with pytest.raises(ValueError, match="`extra_headers`"):
            client.astream_chat(REQUEST, extra_headers={"x-team": "a\nb"})
    assert recorder.requests == []


@pytest.mark.parametrize("where", ["default_headers", "extra_headers"])
def test_a_callers_header_replaces_ours_whatever_its_case(where: str) -> None:
    recorder = _Recorder()
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    mine = {"User-Agent": "me/1", "Accept": "application/json"}
    options = {"default_headers": mine} if where == "default_headers" else {}
    per_call = {"extra_headers": mine} if where == "extra_headers" else {}
    with GatewayClient(api_key="test-key", http_client=http, **options) as client:
        client.chat(REQUEST, **per_call)
    sent = recorder.requests[0].headers
    assert sent.get_list("user-agent") == ["me/1"]
    assert sent.get_list("accept") == ["application/json"]


async def test_the_async_client_merges_headers_the_same_way() -> None:
    recorder = _Recorder()
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with AsyncGatewayClient(
        api_key="test-key", http_client=http, default_headers={"X-Team": "a"}
    ) as client:
        await client.achat(REQUEST, extra_headers={"x-team": "b"})
    assert recorder.requests[0].headers.get_list("x-team") == ["b"]
