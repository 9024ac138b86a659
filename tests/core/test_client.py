"""The clients against a gateway faked at the HTTP boundary, each test sync and async."""

from __future__ import annotations

import asyncio
import inspect
import json
import pickle
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from aai_gateway import (
    APIConnectionError,
    APITimeoutError,
    AsyncGatewayClient,
    AuthenticationError,
    GatewayClient,
    RateLimitError,
    StreamInterruptedError,
)
from aai_gateway._settings import check_seconds
from aai_gateway.errors import (
    APIResponseValidationError,
    APIStreamError,
    BadRequestError,
    InternalServerError,
    MissingAPIKeyError,
    TranscriptNotFoundError,
)
from tests.conftest import (
    TEST_KEY,
    USER_HI,
    Gateway,
    completion_body,
    sse_body,
    sse_response,
)

Make = Callable[..., Gateway]


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=completion_body())


def sequence(
    *responses: httpx.Response | Exception,
) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def error(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        headers=headers,
        json={
            "code": status,
            "message": "something went wrong",
            "request_id": f"req-{status}",
        },
    )


def test_request_headers_and_body(gateway: Make) -> None:
    gw = gateway(ok)
    answer = gw.chat(
        {**USER_HI, "max_tokens": 50, "transcript_id": None, "prompt_cache_key": "k1"}
    )
    request = gw.requests[0]
    assert answer.content == "Hello."
    assert request.url == "https://gw.test/v1/chat/completions"
    assert request.headers["authorization"] == TEST_KEY
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("aai-gateway-python/")
    # Only what the caller set, known fields first, compact and stable.
    assert (
        request.content
        == b'{"model":"claude-sonnet-4-6","messages":[{"role":"user","content":"Hi"}],"max_tokens":50,"prompt_cache_key":"k1"}'
    )


def test_stream_request_asks_for_usage(gateway: Make) -> None:
    gw = gateway(
        lambda r: sse_response(
            sse_body({"choices": [{"index": 0, "delta": {"content": "x"}}]})
        )
    )
    gw.stream(USER_HI)
    assert gw.bodies()[0]["stream"] is True
    assert gw.bodies()[0]["stream_options"] == {"include_usage": True}
    assert gw.requests[0].headers["accept"] == "text/event-stream"


def test_missing_key_names_the_variable_and_sends_nothing(gateway: Make) -> None:
    gw = gateway(ok, api_key=None)
    with pytest.raises(MissingAPIKeyError, match="ASSEMBLYAI_API_KEY"):
        gw.chat(USER_HI)
    assert gw.requests == []


def test_key_from_environment(gateway: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "env-key")
    gw = gateway(ok, api_key=None)
    gw.chat(USER_HI)
    assert gw.requests[0].headers["authorization"] == "env-key"


@pytest.mark.parametrize(
    ("kwargs", "url"),
    [
        ({}, "https://llm-gateway.assemblyai.com/v1"),
        ({"region": "eu"}, "https://llm-gateway.eu.assemblyai.com/v1"),
        (
            {"region": "eu", "base_url": "http://127.0.0.1:9/v1/"},
            "http://127.0.0.1:9/v1",
        ),
    ],
)
def test_base_url_and_region(kwargs: dict, url: str) -> None:
    assert GatewayClient(**kwargs).base_url == url
    assert AsyncGatewayClient(**kwargs).base_url == url


def test_bad_region_is_refused() -> None:
    with pytest.raises(ValueError, match="region"):
        GatewayClient(region="asia")  # type: ignore[arg-type]


def test_retries_5xx_then_succeeds(gateway: Make) -> None:
    gw = gateway(
        sequence(error(503), error(500), httpx.Response(200, json=completion_body()))
    )
    assert gw.chat(USER_HI).content == "Hello."
    assert len(gw.requests) == 3


def test_gives_up_after_max_retries(gateway: Make) -> None:
    gw = gateway(sequence(error(502)))
    with pytest.raises(InternalServerError) as info:
        gw.chat(USER_HI)
    assert len(gw.requests) == 3
    assert info.value.status_code == 502
    assert info.value.request_id == "req-502"
    assert "req-502" in str(info.value)


def test_should_retry_header_wins(gateway: Make) -> None:
    gw = gateway(sequence(error(500, **{"x-should-retry": "false"})))
    with pytest.raises(InternalServerError):
        gw.chat(USER_HI)
    assert len(gw.requests) == 1
    gw = gateway(
        sequence(
            error(400, **{"x-should-retry": "true"}),
            httpx.Response(200, json=completion_body()),
        )
    )
    assert gw.chat(USER_HI).content == "Hello."


def test_rate_limit_honours_retry_after_ms(gateway: Make) -> None:
    gw = gateway(
        sequence(
            error(429, **{"retry-after-ms": "5"}),
            httpx.Response(200, json=completion_body()),
        )
    )
    assert gw.chat(USER_HI).content == "Hello."
    assert len(gw.requests) == 2


def test_long_retry_after_raises_at_once(gateway: Make) -> None:
    gw = gateway(sequence(error(429, **{"retry-after": "300"})))
    with pytest.raises(RateLimitError) as info:
        gw.chat(USER_HI)
    assert info.value.retry_after == 300.0
    assert len(gw.requests) == 1


def test_bad_request_is_not_retried_and_lists_every_error(gateway: Make) -> None:
    body = {
        "code": 400,
        "message": "invalid request body",
        "request_id": "r-4",
        "metadata": {
            "errors": [
                "model x does not support tools",
                "model x does not support tool_choice",
            ]
        },
    }
    gw = gateway(sequence(httpx.Response(400, json=body)))
    with pytest.raises(BadRequestError) as info:
        gw.chat(USER_HI)
    assert len(gw.requests) == 1
    text = str(info.value)
    assert "400" in text
    assert "does not support tools" in text
    assert "does not support tool_choice" in text
    assert "r-4" in text
    assert info.value.errors == (
        "model x does not support tools",
        "model x does not support tool_choice",
    )


def test_auth_error_envelope_and_no_key_in_message(gateway: Make) -> None:
    body = {
        "error": f"Authentication error, API token missing/invalid: {TEST_KEY}",
        "status": "error",
        "request_id": "r-1",
    }
    gw = gateway(sequence(httpx.Response(401, json=body)))
    with pytest.raises(AuthenticationError) as info:
        gw.chat(USER_HI)
    assert TEST_KEY not in str(info.value)
    assert "Authentication error" in str(info.value)
    assert TEST_KEY not in repr(pickle.loads(pickle.dumps(info.value)).__dict__)


def test_unknown_transcript_says_so(gateway: Make) -> None:
    gw = gateway(
        sequence(
            httpx.Response(
                404,
                json={
                    "request_id": "r",
                    "message": "transcript not found",
                    "code": 404,
                },
            )
        )
    )
    with pytest.raises(TranscriptNotFoundError, match="'tx-1' was not found"):
        gw.chat(
            {"model": "m", "prompt": "Sum up {{ transcript }}", "transcript_id": "tx-1"}
        )


def test_connection_errors_retried_then_raised(gateway: Make) -> None:
    gw = gateway(sequence(httpx.ConnectError("refused")))
    with pytest.raises(APIConnectionError) as info:
        gw.chat(USER_HI)
    assert not isinstance(info.value, APITimeoutError)
    assert len(gw.requests) == 3
    gw = gateway(sequence(httpx.ReadTimeout("slow")))
    with pytest.raises(APITimeoutError):
        gw.chat(USER_HI)


def test_connection_error_then_success(gateway: Make) -> None:
    gw = gateway(
        sequence(
            httpx.ConnectError("refused"), httpx.Response(200, json=completion_body())
        )
    )
    assert gw.chat(USER_HI).content == "Hello."


def test_malformed_json_body_is_a_validation_error(gateway: Make) -> None:
    gw = gateway(
        sequence(httpx.Response(200, content=b"{nope", headers={"x-request-id": "r-x"}))
    )
    with pytest.raises(APIResponseValidationError, match="r-x"):
        gw.chat(USER_HI)


def test_invalid_input_raises_before_sending(gateway: Make) -> None:
    gw = gateway(ok)
    bad = [
        {"model": "m", "messages": []},
        {"model": "", "prompt": "x"},
        {"model": "m", "prompt": "x", "messages": [{"role": "user", "content": "x"}]},
        {"model": "m", "messages": [{"role": "robot", "content": "x"}]},
        {
            "model": "m",
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "x"}}],
                }
            ],
        },
        {"model": "m", "prompt": "x", "temperature": 3},
        {"model": "m", "prompt": "x", "max_tokens": 0},
        {"model": "m", "prompt": "x", "model_region": "us"},
        {"model": "m", "prompt": "x", "fallback_config": {"depth": 3}},
        {"model": "m", "prompt": "{{ transcript }}", "transcript_id": 42},
        {"model": "m", "prompt": "{{transcript}}", "transcript_id": "t"},
        {
            "model": "qwen3.5-4b-32k-fast",
            "prompt": "x",
            "tools": [
                {"type": "function", "function": {"name": "f", "parameters": {}}}
            ],
        },
    ]
    for request in bad:
        with pytest.raises((ValueError, TypeError)):
            gw.chat(request)
    assert gw.requests == []


def test_stream_error_payload_raises_with_request_id(gateway: Make) -> None:
    body = sse_body(
        {"choices": [{"index": 0, "delta": {"content": "a"}}]},
        {"error": {"message": "upstream failed"}, "request_id": "r-s"},
        done=False,
    )
    gw = gateway(lambda r: sse_response(body))
    got, exc = gw.stream_until_error(USER_HI)
    assert [c.content for c in got] == ["a"]
    assert isinstance(exc, APIStreamError)
    assert "upstream failed" in str(exc)
    assert exc.request_id == "r-s"


def test_stream_with_wrong_content_type(gateway: Make) -> None:
    gw = gateway(
        lambda r: httpx.Response(
            200,
            headers={"content-type": "text/html", "x-request-id": "r-h"},
            content=b"<html>",
        )
    )
    got, exc = gw.stream_until_error(USER_HI)
    assert got == []
    assert isinstance(exc, APIResponseValidationError)
    assert exc.request_id == "r-h"


def test_stream_answered_with_json_becomes_one_chunk(gateway: Make) -> None:
    gw = gateway(ok)
    chunks = gw.stream(USER_HI)
    assert len(chunks) == 1
    assert chunks[0].final
    assert chunks[0].content == "Hello."
    assert chunks[0].usage is not None


def test_model_that_cannot_stream_is_asked_once_without_streaming(
    gateway: Make,
) -> None:
    gw = gateway(ok)
    chunks = gw.stream({**USER_HI, "model": "gpt-oss-20b"})
    assert [(c.content, c.final) for c in chunks] == [("Hello.", True)]
    assert len(gw.requests) == 1
    assert "stream" not in gw.bodies()[0]


def test_stream_refused_by_gateway_falls_back(gateway: Make) -> None:
    refusal = httpx.Response(
        400,
        json={
            "code": 400,
            "message": "invalid request body",
            "request_id": "r",
            "metadata": {"errors": ["model new-model does not support stream"]},
        },
    )
    gw = gateway(sequence(refusal, httpx.Response(200, json=completion_body())))
    chunks = gw.stream({**USER_HI, "model": "new-model"})
    assert [c.content for c in chunks] == ["Hello."]
    assert [("stream" in b) for b in gw.bodies()] == [True, False]


def broken_stream(
    events: int, mode: str = "sync"
) -> Callable[[httpx.Request], httpx.Response]:
    pieces = [
        sse_body(
            {"choices": [{"index": 0, "delta": {"content": f"t{n} "}}]}, done=False
        )
        for n in range(events)
    ]
    drop = httpx.RemoteProtocolError(
        "peer closed connection without sending complete message body"
    )

    def body() -> Iterator[bytes]:
        yield from pieces
        raise drop

    async def abody() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece
        raise drop

    def handler(request: httpx.Request) -> httpx.Response:
        return sse_response(body() if mode == "sync" else abody())

    return handler


def test_drop_after_tokens_is_never_retried(mode: str) -> None:
    gw = Gateway(mode, broken_stream(3, mode))
    got, exc = gw.stream_until_error(USER_HI)
    assert [c.content for c in got] == ["t0 ", "t1 ", "t2 "]
    assert isinstance(exc, StreamInterruptedError)
    assert exc.events_received == 3
    assert "after 3 chunk(s)" in str(exc)
    assert len(gw.requests) == 1


def test_drop_before_first_token_is_retried() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            return broken_stream(0)(request)
        return sse_response(
            sse_body({"choices": [{"index": 0, "delta": {"content": "ok"}}]})
        )

    gw = Gateway("sync", handler)
    assert [c.content for c in gw.stream(USER_HI)] == ["ok", ""]
    assert len(attempts) == 2


def test_models_catalogue_needs_no_key_and_is_cached(gateway: Make) -> None:
    catalogue = {
        "data": [
            {
                "id": "claude-sonnet-4-6",
                "context_length": 200000,
                "supported_parameters": ["tools", "stream"],
                "available_regions": None,
            },
            {"name": "no id"},
        ]
    }
    gw = gateway(lambda r: httpx.Response(200, json=catalogue), api_key=None)
    if gw.mode == "sync":
        models = gw.sync.list_models()
        gw.sync.list_models()
        supports = gw.sync.supports("claude-sonnet-4-6", "temperature")
    else:

        async def run() -> tuple:
            found = await gw.aio.alist_models()
            await gw.aio.alist_models()
            return found, gw.aio.supports("claude-sonnet-4-6", "temperature")

        models, supports = asyncio.run(run())
    assert [(m.id, m.context_length, m.available_regions) for m in models] == [
        ("claude-sonnet-4-6", 200000, ())
    ]
    assert "authorization" not in gw.requests[0].headers
    assert len(gw.requests) == 1
    assert supports is False


def test_async_client_survives_several_event_loops() -> None:
    client = AsyncGatewayClient(api_key=TEST_KEY, base_url="https://gw.test/v1")
    seen = []

    async def one(close: bool) -> None:
        http = await client._http()
        assert await client._http() is http
        seen.append(http)
        if close:
            await client.aclose()

    asyncio.run(one(close=True))
    asyncio.run(one(close=False))
    assert seen[0] is not seen[1]
    # The second pool was closed when its loop shut down, without aclose().
    assert all(http.is_closed for http in seen)


def test_user_clients_are_never_closed() -> None:
    sync_http = httpx.Client(transport=httpx.MockTransport(ok))
    with GatewayClient(api_key=TEST_KEY, http_client=sync_http) as client:
        client.chat(USER_HI)
    assert not sync_http.is_closed
    async_http = httpx.AsyncClient(transport=httpx.MockTransport(ok))

    async def run() -> None:
        async with AsyncGatewayClient(
            api_key=TEST_KEY, http_client=async_http
        ) as client:
            await client.achat(USER_HI)

    asyncio.run(run())
    assert not async_http.is_closed


def test_constructors_touch_nothing() -> None:
    client = GatewayClient(api_key=TEST_KEY)
    assert client._client is None
    assert TEST_KEY not in repr(client)
    with pytest.raises(TypeError):
        pickle.dumps(client)


@pytest.mark.parametrize(
    ("sync_name", "async_name"),
    [
        ("chat", "achat"),
        ("stream_chat", "astream_chat"),
        ("list_models", "alist_models"),
        ("get_model", "aget_model"),
        ("close", "aclose"),
    ],
)
def test_every_sync_method_has_an_async_twin(sync_name: str, async_name: str) -> None:
    sync_sig = inspect.signature(getattr(GatewayClient, sync_name))
    async_sig = inspect.signature(getattr(AsyncGatewayClient, async_name))
    assert list(sync_sig.parameters) == list(async_sig.parameters)
    public_sync = {n for n in dir(GatewayClient) if not n.startswith("_")}
    public_async = {n for n in dir(AsyncGatewayClient) if not n.startswith("_")}
    assert {
        ("a" + n) for n in public_sync - {"supports", "base_url", "tag_placement"}
    } <= public_async | {"abase_url"}


def test_tag_placement_auto_adds_the_tag(gateway: Make) -> None:
    gw = gateway(ok, transcript_tag_placement="auto")
    gw.chat(
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Who spoke?"},
            ],
            "transcript_id": "t-1",
        }
    )
    sent = gw.bodies()[0]
    assert sent["messages"][1]["content"].startswith("Transcript:\n{{ transcript }}")
    assert sent["transcript_id"] == "t-1"


TRANSCRIPT_REQUEST = {
    "model": "m",
    "messages": [{"role": "user", "content": "Who spoke?"}],
    "transcript_id": "t-1",
}


def test_the_old_tag_placement_keyword_warns_and_still_works(gateway: Make) -> None:
    with pytest.warns(DeprecationWarning, match="tag_placement") as caught:
        gw = gateway(ok, tag_placement="auto")
    # One warning per client built (the fixture builds the sync and the async one).
    assert [str(w.message) for w in caught] == [
        f"`{name}` takes `transcript_tag_placement` now; `tag_placement` is "
        "deprecated and goes in the next release (docs/migration.md)"
        for name in ("GatewayClient", "AsyncGatewayClient")
    ]
    gw.chat(TRANSCRIPT_REQUEST)
    assert "{{ transcript }}" in gw.bodies()[0]["messages"][0]["content"]


@pytest.mark.parametrize(
    "cls", [GatewayClient, AsyncGatewayClient], ids=["sync", "async"]
)
def test_the_tag_placement_warning_points_at_the_caller(cls: type) -> None:
    with pytest.warns(DeprecationWarning, match="`transcript_tag_placement` now") as w:
        client = cls(tag_placement="auto")
    assert w[0].filename == __file__
    assert client.transcript_tag_placement == "auto"


@pytest.mark.parametrize(
    "cls", [GatewayClient, AsyncGatewayClient], ids=["sync", "async"]
)
def test_the_old_tag_placement_attribute_warns_and_reads_the_new_one(
    cls: type,
) -> None:
    client = cls(transcript_tag_placement="auto")
    with pytest.warns(
        DeprecationWarning, match="is now `transcript_tag_placement`"
    ) as w:
        assert client.tag_placement == "auto"
    assert w[0].filename == __file__
    assert cls.__name__ in str(w[0].message)


@pytest.mark.parametrize(
    "cls", [GatewayClient, AsyncGatewayClient], ids=["sync", "async"]
)
def test_tag_placement_under_both_names_or_a_bad_one_is_refused(cls: type) -> None:
    with pytest.raises(TypeError, match="pass only `transcript_tag_placement`"):
        cls(tag_placement="auto", transcript_tag_placement="strict")
    with pytest.raises(ValueError, match="`transcript_tag_placement` must be"):
        cls(transcript_tag_placement="always")


def test_strict_placement_refuses_a_request_without_the_tag(gateway: Make) -> None:
    gw = gateway(ok)
    with pytest.raises(
        ValueError, match=r"no message contains.*transcript_tag_placement='auto'"
    ):
        gw.chat(TRANSCRIPT_REQUEST)
    assert gw.requests == []


@pytest.mark.parametrize(
    "cls", [GatewayClient, AsyncGatewayClient], ids=["sync", "async"]
)
@pytest.mark.parametrize("name", ["stream_chunk_timeout", "stream_deadline"])
@pytest.mark.parametrize("value", [0, -1.5, True, "10"])
def test_stream_bounds_are_refused_with_the_shared_message(
    cls: type, name: str, value: object
) -> None:
    with pytest.raises(ValueError) as shared:
        check_seconds(name)(value)
    with pytest.raises(ValueError) as refused:
        cls(**{name: value})
    assert str(refused.value) == str(shared.value)
    assert f"`{name}` must be a positive number of seconds" in str(refused.value)


def test_sent_json_is_deterministic(gateway: Make) -> None:
    gw = gateway(ok)
    request = {
        "model": "m",
        "temperature": 0,
        "messages": [{"role": "user", "content": "é"}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "f",
                    "parameters": {"type": "object", "properties": {"b": {}, "a": {}}},
                },
            }
        ],
    }
    gw.chat(request)
    gw.chat(dict(reversed(list(request.items()))))
    first, second = (r.content for r in gw.requests)
    assert first == second
    assert list(
        json.loads(first)["tools"][0]["function"]["parameters"]["properties"]
    ) == ["b", "a"]
    assert "é".encode() in first


def test_a_dropped_client_closes_its_pool() -> None:
    import gc
    import weakref

    client = GatewayClient(api_key=TEST_KEY)
    http = client._http()
    finalizer = client._finalizer
    assert finalizer is not None
    assert finalizer.alive
    ref = weakref.ref(client)
    del client
    gc.collect()
    assert ref() is None
    assert http.is_closed
    assert not finalizer.alive


def test_a_base_url_changed_after_construction_is_used() -> None:
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(200, json=completion_body())

    http = httpx.Client(transport=httpx.MockTransport(answer))
    client = GatewayClient(
        base_url="http://a.test/v1", api_key=TEST_KEY, http_client=http
    )
    client.chat(USER_HI)
    client.base_url = "http://b.test/v1"
    client.chat(USER_HI)
    assert hosts == ["a.test", "b.test"]
