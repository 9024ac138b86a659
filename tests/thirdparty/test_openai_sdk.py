"""The `openai` SDK, sync and async, pointed at the emulator as at the gateway.

`OpenAI(base_url=<gateway>/v1, api_key=<AssemblyAI key>)`; gateway fields go
through `extra_body`. The SDK's own retries stay on (its default, two), so a
4xx it retried would show in the emulator's request log.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

pytest.importorskip("openai")

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import openai
import pydantic
from openai.types import Model
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessageFunctionToolCall,
    ParsedChatCompletion,
)
from pydantic import BaseModel

from aai_gateway.testing import (
    TRANSCRIPT_TAG,
    EmulatorServer,
    Fault,
    GatewayEmulator,
)
from tests.thirdparty.conftest import (
    MEETING_FORMAT,
    MEETING_QUESTION,
    MEETING_SCHEMA,
    MODEL,
    NO_STREAM_MODEL,
    SUPPORT_CALL,
    TEST_KEY,
    WEATHER_QUESTION,
    WEATHER_TOOL,
    WRONG_KEY,
    assert_drawn_from,
    chat_requests,
    only_chat_body,
    tool_arguments,
    transcript_text,
    words,
)

pytestmark = pytest.mark.e2e

HELLO: list[Any] = [{"role": "user", "content": "Hello there, gateway"}]
HELLO_ANSWER = "Echo: Hello there, gateway"
# `chat.completions.stream()` parses tool arguments, which it allows for strict
# tools only.
STRICT_WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        **WEATHER_TOOL["function"],
        "strict": True,
        "parameters": {
            **WEATHER_TOOL["function"]["parameters"],
            "additionalProperties": False,
        },
    },
}


class Meeting(BaseModel):
    """What `chat.completions.parse` asks the model for."""

    title: str
    attendees: int
    topics: list[str]


class Api:
    """`openai.OpenAI` (one per test, closed by `close()`) or `openai.AsyncOpenAI`
    (one per call, inside that call's event loop, closed by `async with`)."""

    def __init__(self, mode: str, base_url: str, api_key: str = TEST_KEY) -> None:
        self.mode = mode
        self._options: dict[str, Any] = {"base_url": base_url, "api_key": api_key}
        self._sync: openai.OpenAI | None = None

    def sync_client(self) -> openai.OpenAI:
        if self._sync is None:
            self._sync = openai.OpenAI(**self._options)
        return self._sync

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    def _run(self, call: Any) -> Any:
        async def run() -> Any:
            async with openai.AsyncOpenAI(**self._options) as client:
                return await call(client)

        return asyncio.run(run())

    def create(self, **kwargs: Any) -> ChatCompletion:
        if self.mode == "sync":
            result = self.sync_client().chat.completions.create(**kwargs)
        else:

            async def call(client: openai.AsyncOpenAI) -> Any:
                return await client.chat.completions.create(**kwargs)

            result = self._run(call)
        assert isinstance(result, ChatCompletion)
        return result

    def stream(self, **kwargs: Any) -> list[ChatCompletionChunk]:
        """Every chunk of a `stream=True` call; the stream is closed afterwards."""
        if self.mode == "sync":
            with self.sync_client().chat.completions.create(
                stream=True, **kwargs
            ) as chunks:
                return list(chunks)

        async def call(client: openai.AsyncOpenAI) -> Any:
            async with await client.chat.completions.create(
                stream=True, **kwargs
            ) as chunks:
                return [chunk async for chunk in chunks]

        return list(self._run(call))

    def accumulate(self, **kwargs: Any) -> tuple[list[str], ParsedChatCompletion[None]]:
        """`chat.completions.stream(...)`: the SDK's own stream assembly.

        Returns the event types seen and `get_final_completion()`.
        """
        if self.mode == "sync":
            with self.sync_client().chat.completions.stream(**kwargs) as stream:
                events: list[str] = [event.type for event in stream]
                return events, stream.get_final_completion()

        async def call(client: openai.AsyncOpenAI) -> Any:
            async with client.chat.completions.stream(**kwargs) as stream:
                events = [event.type async for event in stream]
                return events, await stream.get_final_completion()

        events, final = self._run(call)
        assert isinstance(final, ParsedChatCompletion)
        return list(events), final

    def parse(self, **kwargs: Any) -> Any:
        """`chat.completions.parse(...)`: structured output into a pydantic model."""
        if self.mode == "sync":
            return self.sync_client().chat.completions.parse(**kwargs)

        async def call(client: openai.AsyncOpenAI) -> Any:
            return await client.chat.completions.parse(**kwargs)

        return self._run(call)

    def models(self) -> tuple[Any, list[Model], list[Model]]:
        """`models.list()`: the page, its `data`, and what iterating it yields."""
        if self.mode == "sync":
            page = self.sync_client().models.list()
            return page, page.data, list(page)

        async def call(client: openai.AsyncOpenAI) -> Any:
            page = await client.models.list()
            return page, page.data, [model async for model in page]

        page, data, iterated = self._run(call)
        return page, list(data), list(iterated)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """`client.post(...)`: a raw call to an endpoint the SDK has no method for."""
        if self.mode == "sync":
            return self.sync_client().post(path, body=body, cast_to=object)

        async def call(client: openai.AsyncOpenAI) -> Any:
            return await client.post(path, body=body, cast_to=object)

        return self._run(call)


@pytest.fixture
def make_api(mode: str, server: EmulatorServer) -> Any:
    """Build `Api`s for this test's mode on the emulator; closed at teardown."""
    made: list[Api] = []

    def make(api_key: str = TEST_KEY) -> Api:
        made.append(Api(mode, server.base_url, api_key))
        return made[-1]

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api: Any) -> Api:
    result = make_api()
    assert isinstance(result, Api)
    return result


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and str(uuid.UUID(value)) == value


def _text(chunks: list[ChatCompletionChunk]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


# -- chat completions --------------------------------------------------------------


def test_plain_completion(api: Api, emu: GatewayEmulator) -> None:
    completion = api.create(model=MODEL, messages=HELLO, max_tokens=50)
    assert completion.model == MODEL
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == HELLO_ANSWER
    assert choice.message.tool_calls is None
    # Not one of OpenAI's literals: the SDK builds responses without validating.
    assert str(choice.finish_reason) == "end_turn"
    assert completion.usage is not None
    assert (
        completion.usage.prompt_tokens,
        completion.usage.completion_tokens,
        completion.usage.total_tokens,
    ) == (3, 4, 7)
    # Gateway fields OpenAI does not know stay readable as extras.
    extra = completion.model_extra or {}
    assert _is_uuid(extra["request_id"])
    assert extra["http_status_code"] == 200
    assert extra["request"]["max_tokens"] == 50
    sent = chat_requests(emu)
    assert len(sent) == 1
    assert sent[0].headers["authorization"] == "Bearer " + TEST_KEY
    # The openai SDK leaves `stream` out of a non-streamed call.
    assert sent[0].json == {"model": MODEL, "messages": HELLO, "max_tokens": 50}


def test_streamed_completion(api: Api, emu: GatewayEmulator) -> None:
    chunks = api.stream(
        model=MODEL, messages=HELLO, stream_options={"include_usage": True}
    )
    body = only_chat_body(emu)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert _text(chunks) == HELLO_ANSWER
    assert chunks[0].choices[0].delta.role == "assistant"
    assert len({(c.id, c.object, c.created, c.model) for c in chunks}) == 1
    assert chunks[0].object == "chat.completion.chunk"
    assert chunks[0].model == MODEL
    # Claude's native value, outside OpenAI's literals, arrives as sent.
    finishes = [c.model_dump()["choices"][0]["finish_reason"] for c in chunks[:-1]]
    assert finishes[-1] == "end_turn"
    assert set(finishes[:-1]) == {None}
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (
        last.usage.prompt_tokens,
        last.usage.completion_tokens,
        last.usage.total_tokens,
    ) == (3, 4, 7)


def test_stream_text_matches_the_plain_answer(api: Api) -> None:
    plain = api.create(model=MODEL, messages=HELLO).choices[0].message.content
    chunks = api.stream(model=MODEL, messages=HELLO)
    assert _text(chunks) == plain
    assert all(c.usage is None for c in chunks)


def test_the_sdks_stream_helper_assembles_the_answer(api: Api) -> None:
    events, final = api.accumulate(
        model=MODEL, messages=HELLO, stream_options={"include_usage": True}
    )
    assert final.choices[0].message.content == HELLO_ANSWER
    assert str(final.choices[0].finish_reason) == "end_turn"
    assert final.model == MODEL
    assert final.usage is not None
    assert final.usage.total_tokens == 7
    assert events.count("content.done") == 1
    assert events.count("content.delta") >= 4  # a word a chunk


def test_tool_call_then_tool_result(api: Api, emu: GatewayEmulator) -> None:
    question = [{"role": "user", "content": WEATHER_QUESTION}]
    first = api.create(model=MODEL, messages=question, tools=[WEATHER_TOOL])
    assert str(first.choices[0].finish_reason) == "tool_use"
    message = first.choices[0].message
    assert message.content is None
    assert message.tool_calls is not None
    assert len(message.tool_calls) == 1
    call = message.tool_calls[0]
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert tool_arguments(call.function.arguments) == {"city": "Paris"}

    # The assistant message goes back as the SDK returned it: the SDK sends the
    # fields it set, `content: null` beside `tool_calls` included.
    second = api.create(
        model=MODEL,
        messages=[
            *question,
            message,
            {"role": "tool", "tool_call_id": call.id, "content": "18 C and sunny"},
        ],
        tools=[WEATHER_TOOL],
    )
    assert second.choices[0].message.content == "Tool results: 18 C and sunny"
    assert second.choices[0].message.tool_calls is None
    sent = [r.json for r in chat_requests(emu)]
    assert len(sent) == 2
    assert sent[1]["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }


def test_the_sdks_stream_helper_assembles_tool_calls(api: Api) -> None:
    events, final = api.accumulate(
        model=MODEL,
        messages=[{"role": "user", "content": WEATHER_QUESTION}],
        tools=[STRICT_WEATHER_TOOL],
    )
    calls = final.choices[0].message.tool_calls
    assert calls is not None
    assert len(calls) == 1
    assert calls[0].function.name == "get_weather"
    assert tool_arguments(calls[0].function.arguments) == {"city": "Paris"}
    assert calls[0].function.parsed_arguments == {"city": "Paris"}
    assert events.count("tool_calls.function.arguments.delta") > 1
    assert events.count("tool_calls.function.arguments.done") == 1


def test_structured_output(api: Api, emu: GatewayEmulator) -> None:
    completion = api.create(
        model=MODEL,
        messages=[{"role": "user", "content": MEETING_QUESTION}],
        response_format=MEETING_FORMAT,
    )
    content = completion.choices[0].message.content
    assert content is not None
    value = json.loads(content)
    jsonschema.validate(value, MEETING_SCHEMA)
    assert value["title"] == "Q3 planning"
    assert value["attendees"] == 4
    assert only_chat_body(emu)["response_format"] == MEETING_FORMAT


def test_parse_into_a_pydantic_model(api: Api, emu: GatewayEmulator) -> None:
    completion = api.parse(
        model=MODEL,
        messages=[{"role": "user", "content": MEETING_QUESTION}],
        response_format=Meeting,
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Meeting)
    assert parsed.title == "Q3 planning"
    assert parsed.attendees == 4
    assert len(parsed.topics) >= 1
    sent = only_chat_body(emu)["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == "Meeting"
    assert sent["json_schema"]["strict"] is True


@pytest.mark.parametrize(
    ("model", "error"),
    [
        ("gpt-5", openai.LengthFinishReasonError),
        # Claude's native `max_tokens` is not the `length` the SDK looks for, so
        # the cut JSON reaches pydantic.
        (MODEL, pydantic.ValidationError),
    ],
)
def test_parse_cut_short_by_max_tokens(
    api: Api, emu: GatewayEmulator, model: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        api.parse(
            model=model,
            messages=[{"role": "user", "content": MEETING_QUESTION}],
            response_format=Meeting,
            max_tokens=1,
        )
    assert only_chat_body(emu)["max_tokens"] == 1


def test_transcript_injection_through_extra_body(
    api: Api, emu: GatewayEmulator
) -> None:
    prompt = f"Summarise this call: {TRANSCRIPT_TAG}"
    completion = api.create(
        model=MODEL,
        messages=[{"role": "user", "content": prompt}],
        extra_body={"transcript_id": SUPPORT_CALL},
    )
    text = transcript_text(emu, SUPPORT_CALL)
    body = only_chat_body(emu)
    assert body["transcript_id"] == SUPPORT_CALL
    assert body["messages"] == [{"role": "user", "content": prompt}]
    content = completion.choices[0].message.content
    assert_drawn_from(content, text, "Summarise this call: ")
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == words(prompt) - 3 + words(text)


def test_streamed_transcript_injection(api: Api, emu: GatewayEmulator) -> None:
    chunks = api.stream(
        model=MODEL,
        messages=[{"role": "user", "content": f"Summarise: {TRANSCRIPT_TAG}"}],
        extra_body={"transcript_id": SUPPORT_CALL},
    )
    text = transcript_text(emu, SUPPORT_CALL)
    assert_drawn_from(_text(chunks), text, "Summarise: ")
    assert only_chat_body(emu)["transcript_id"] == SUPPORT_CALL


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_wrong_key(make_api: Any, emu: GatewayEmulator, stream: bool) -> None:
    api = make_api(WRONG_KEY)
    send: Any = api.stream if stream else api.create
    with pytest.raises(openai.AuthenticationError) as caught:
        send(model=MODEL, messages=HELLO)
    error = caught.value
    assert error.status_code == 401
    # Envelope B (`{"error": "<text>", ...}`): how the SDK words its message and body
    # from it differs between releases (2.x quotes the text, 3.x only the status).
    assert (
        error.response.json()["error"]
        == "Authentication error, API token missing/invalid"
    )
    # The SDK reads the id from an `x-request-id` header; the gateway puts it in
    # the body only.
    assert error.request_id is None
    assert _is_uuid(error.response.json()["request_id"])
    sent = chat_requests(emu)
    assert len(sent) == 1  # a 401 is not retried
    assert sent[0].headers["authorization"] == "Bearer " + WRONG_KEY


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_unknown_model(api: Api, emu: GatewayEmulator, stream: bool) -> None:
    send: Any = api.stream if stream else api.create
    with pytest.raises(openai.BadRequestError) as caught:
        send(model="no-such-model", messages=HELLO)
    error = caught.value
    assert not isinstance(error, openai.InternalServerError)
    assert error.status_code == 400
    assert isinstance(error.body, dict)
    assert error.body["message"] == "invalid request body"
    assert error.body["metadata"] == {
        "errors": ["model no-such-model is not supported"]
    }
    assert _is_uuid(error.body["request_id"])
    sent = chat_requests(emu)
    assert len(sent) == 1  # a 400 is not retried
    assert sent[0].headers["x-stainless-retry-count"] == "0"


def test_a_5xx_is_retried_so_the_request_count_means_something(
    api: Api, emu: GatewayEmulator
) -> None:
    emu.add_fault(Fault(status=503, headers={"retry-after-ms": "10"}))
    completion = api.create(model=MODEL, messages=HELLO)
    assert completion.choices[0].message.content == HELLO_ANSWER
    sent = chat_requests(emu)
    assert [r.headers["x-stainless-retry-count"] for r in sent] == ["0", "1"]


def test_streaming_a_model_that_cannot_stream_is_refused(api: Api) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        api.stream(model=NO_STREAM_MODEL, messages=HELLO)
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["metadata"]["errors"] == [
        f"model {NO_STREAM_MODEL} does not support stream"
    ]


# -- models that cannot stream, gateway extension fields ---------------------------


def test_non_streamed_call_to_a_model_that_cannot_stream(
    api: Api, emu: GatewayEmulator
) -> None:
    completion = api.create(model=NO_STREAM_MODEL, messages=HELLO)
    assert "stream" not in only_chat_body(emu)
    assert completion.choices[0].message.content == HELLO_ANSWER
    assert str(completion.choices[0].finish_reason) == "stop"
    assert completion.model == NO_STREAM_MODEL


def test_explicit_stream_false_to_a_model_that_cannot_stream(
    api: Api, emu: GatewayEmulator
) -> None:
    # `stream=False` passed explicitly is sent, as the assemblyai SDK always does.
    completion = api.create(model=NO_STREAM_MODEL, messages=HELLO, stream=False)
    assert only_chat_body(emu)["stream"] is False
    assert completion.choices[0].message.content == HELLO_ANSWER


def test_fail_fast_and_max_timeout_through_extra_body(
    api: Api, emu: GatewayEmulator
) -> None:
    completion = api.create(
        model=MODEL,
        messages=HELLO,
        extra_body={"fail_fast": True, "max_timeout": 12.5},
    )
    body = only_chat_body(emu)
    assert (body["fail_fast"], body["max_timeout"]) == (True, 12.5)
    assert completion.choices[0].message.content == HELLO_ANSWER


# -- models (spec section 16, q14) -------------------------------------------------


def test_models_list_parses_the_bare_data_envelope(
    api: Api, emu: GatewayEmulator
) -> None:
    # Answer to q14: `{"data": [...]}` without `object: "list"` parses; the SDK
    # does not validate, so OpenAI's required fields the gateway lacks are None.
    page, data, iterated = api.models()
    assert page.object is None
    ids = [m.id for m in data]
    assert MODEL in ids
    assert NO_STREAM_MODEL in ids
    assert [m.id for m in iterated] == ids  # no further page is asked for
    claude = data[ids.index(MODEL)]
    assert isinstance(claude, Model)
    assert claude.model_dump(include={"object", "created", "owned_by"}) == {
        "object": None,
        "created": None,
        "owned_by": None,
    }
    extra = claude.model_extra or {}
    assert extra["creator"] == "anthropic"
    assert "stream" in extra["supported_parameters"]
    assert extra["pricing"]["global"]["prompt"] > 0
    assert [r.path for r in emu.requests] == ["/v1/models"]
    assert emu.requests[0].headers["authorization"] == "Bearer " + TEST_KEY


def test_models_list_needs_no_valid_key(make_api: Any) -> None:
    _, data, _ = make_api(WRONG_KEY).models()
    assert MODEL in {m.id for m in data}


# -- speech understanding: no SDK method; `client.post` reaches it -----------------


def test_understanding_through_client_post(api: Api, emu: GatewayEmulator) -> None:
    request = {
        "speaker_identification": {
            "speaker_type": "role",
            "known_values": ["agent", "customer"],
        }
    }
    result = api.post(
        "/understanding",
        {"transcript_id": SUPPORT_CALL, "speech_understanding": {"request": request}},
    )
    assert isinstance(result, dict)
    assert _is_uuid(result["request_id"])
    response = result["speech_understanding"]["response"]
    assert response["speaker_identification"]["mapping"] == {
        "A": "agent",
        "B": "customer",
    }
    sent = [r for r in emu.requests if r.path == "/v1/understanding"]
    assert len(sent) == 1
    assert sent[0].headers["authorization"] == "Bearer " + TEST_KEY


def test_understanding_validation_error_through_client_post(api: Api) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        api.post(
            "/understanding/validate",
            {"speech_understanding": {"request": {"translation": {}}}},
        )
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["metadata"]["errors"] == [
        "translation.target_languages must be a non-empty array of language codes"
    ]
