"""The official `assemblyai` SDK 1.8.2 gateway client, sync and async, on the emulator.

The SDK is configured the way its users do it: `ASSEMBLYAI_API_KEY` and
`ASSEMBLYAI_LLM_GATEWAY_BASE_URL` (the host, without `/v1`) in the environment,
read when `assemblyai` is imported; or explicitly, with a `Client` built from
`Settings(llm_gateway_base_url=...)`, or an `api_key=` argument.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

pytest.importorskip("assemblyai.llm_gateway", reason="assemblyai>=1.8.2 not installed")

import assemblyai as aai
import jsonschema  # type: ignore[import-untyped, unused-ignore]

from aai_gateway.testing import TRANSCRIPT_TAG, EmulatorServer, GatewayEmulator
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

HELLO = [{"role": "user", "content": "Hello there, gateway"}]
HELLO_ANSWER = "Echo: Hello there, gateway"


class Sdk:
    """The SDK's gateway as a user builds it: `LLMGateway` or `AsyncLLMGateway`.

    `settings` builds an explicit `Client`/`AsyncClient` from them; without it the
    gateway uses the process-wide settings (the environment). The sync gateway
    lives for the test (`close()`); an async one lives for one call, inside that
    call's event loop.
    """

    def __init__(
        self,
        mode: str,
        *,
        settings: aai.Settings | None = None,
        api_key: str | None = None,
    ) -> None:
        self.mode = mode
        self._settings = settings
        self._api_key = api_key
        self._sync: aai.LLMGateway | None = None
        self._explicit: aai.Client | None = None

    def sync_gateway(self) -> aai.LLMGateway:
        if self._sync is None:
            if self._settings is not None:
                self._explicit = aai.Client(settings=self._settings)
            self._sync = aai.LLMGateway(client=self._explicit, api_key=self._api_key)
        return self._sync

    def close(self) -> None:
        # The sync gateway has no close(): its pool is its client's httpx.Client.
        if self._sync is not None:
            self._sync.client.http_client.close()
        if self._explicit is not None:
            self._explicit.http_client.close()

    def _run(self, call: Any) -> Any:
        async def run() -> Any:
            client = (
                aai.AsyncClient(settings=self._settings)
                if self._settings is not None
                else None
            )
            try:
                async with aai.AsyncLLMGateway(
                    client=client, api_key=self._api_key
                ) as gateway:
                    return await call(gateway)
            finally:
                if client is not None:
                    await client.aclose()

        return asyncio.run(run())

    def create(self, **kwargs: Any) -> aai.LLMGatewayChatCompletion:
        if self.mode == "sync":
            result = self.sync_gateway().chat.completions.create(stream=False, **kwargs)
        else:

            async def call(gateway: aai.AsyncLLMGateway) -> Any:
                return await gateway.chat.completions.create(stream=False, **kwargs)

            result = self._run(call)
        assert isinstance(result, aai.LLMGatewayChatCompletion)
        return result

    def stream(self, **kwargs: Any) -> list[aai.LLMGatewayCompletionChunk]:
        if self.mode == "sync":
            return list(
                self.sync_gateway().chat.completions.create(stream=True, **kwargs)
            )

        async def call(gateway: aai.AsyncLLMGateway) -> Any:
            chunks = await gateway.chat.completions.create(stream=True, **kwargs)
            return [chunk async for chunk in chunks]

        return list(self._run(call))

    def models(self) -> aai.LLMGatewayModelList:
        if self.mode == "sync":
            return self.sync_gateway().models.list()

        async def call(gateway: aai.AsyncLLMGateway) -> Any:
            return await gateway.models.list()

        result = self._run(call)
        assert isinstance(result, aai.LLMGatewayModelList)
        return result

    def understand(self, **kwargs: Any) -> aai.LLMGatewayUnderstandingResponse:
        if self.mode == "sync":
            return self.sync_gateway().understanding.create(**kwargs)

        async def call(gateway: aai.AsyncLLMGateway) -> Any:
            return await gateway.understanding.create(**kwargs)

        result = self._run(call)
        assert isinstance(result, aai.LLMGatewayUnderstandingResponse)
        return result

    def validate(self, **kwargs: Any) -> None:
        if self.mode == "sync":
            self.sync_gateway().understanding.validate(**kwargs)
            return

        async def call(gateway: aai.AsyncLLMGateway) -> None:
            await gateway.understanding.validate(**kwargs)

        self._run(call)


@pytest.fixture
def user_env(monkeypatch: pytest.MonkeyPatch, server: EmulatorServer) -> None:
    """The environment a user sets, read as `import assemblyai` reads it.

    Set after `tests/conftest.py` cleared both variables. The SDK builds its
    process-wide `settings` at import, so a fresh `Settings()` stands in for that
    import; the cached default `Client` is dropped with it.
    """
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("ASSEMBLYAI_LLM_GATEWAY_BASE_URL", server.url)
    monkeypatch.setattr(aai, "settings", aai.Settings())
    monkeypatch.setattr(aai.Client, "_default", None)


@pytest.fixture
def make_sdk(mode: str, user_env: None) -> Any:
    """Build `Sdk`s for this test's mode; each is closed at teardown."""
    made: list[Sdk] = []

    def make(**options: Any) -> Sdk:
        made.append(Sdk(mode, **options))
        return made[-1]

    yield make
    for sdk in made:
        sdk.close()


@pytest.fixture
def sdk(make_sdk: Any) -> Sdk:
    """The gateway configured from the environment alone: `LLMGateway()`."""
    result = make_sdk()
    assert isinstance(result, Sdk)
    return result


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and str(uuid.UUID(value)) == value


# -- configuration ---------------------------------------------------------------


def test_environment_points_the_sdk_at_the_emulator(
    sdk: Sdk, emu: GatewayEmulator, server: EmulatorServer
) -> None:
    if sdk.mode == "sync":
        settings = sdk.sync_gateway().client.settings
        assert settings.llm_gateway_base_url == server.url
        assert settings.api_key == TEST_KEY
    completion = sdk.create(model=MODEL, messages=HELLO)
    assert completion.choices[0].message.content == HELLO_ANSWER
    sent = chat_requests(emu)
    assert len(sent) == 1
    # The SDK appends `/v1/...` to the host itself, and sends the raw key.
    assert sent[0].path == "/v1/chat/completions"
    assert sent[0].headers["authorization"] == TEST_KEY
    assert "AssemblyAI/1.0 (sdk=Python/1.8.2" in sent[0].headers["user-agent"]


@pytest.mark.parametrize("trailing_slash", [False, True], ids=["host", "host-slash"])
def test_explicit_settings_and_api_key_argument(
    make_sdk: Any,
    emu: GatewayEmulator,
    server: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    trailing_slash: bool,
) -> None:
    # Nothing in the environment: only what is passed counts.
    monkeypatch.delenv("ASSEMBLYAI_API_KEY")
    monkeypatch.delenv("ASSEMBLYAI_LLM_GATEWAY_BASE_URL")
    host = server.url + ("/" if trailing_slash else "")
    settings = aai.Settings(api_key=WRONG_KEY, llm_gateway_base_url=host)
    # `api_key=` wins over the key in the client's settings.
    sdk = make_sdk(settings=settings, api_key=TEST_KEY)
    completion = sdk.create(model=MODEL, messages=HELLO)
    assert completion.choices[0].message.content == HELLO_ANSWER
    sent = chat_requests(emu)
    assert [r.path for r in sent] == ["/v1/chat/completions"]
    assert sent[0].headers["authorization"] == TEST_KEY


# -- chat completions --------------------------------------------------------------


def test_plain_completion(sdk: Sdk, emu: GatewayEmulator) -> None:
    completion = sdk.create(model=MODEL, messages=HELLO, max_tokens=50)
    assert _is_uuid(completion.request_id)
    assert len(completion.choices) == 1
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == HELLO_ANSWER
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "end_turn"  # Claude's native value
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (
        3,
        4,
        7,
    )
    assert (usage.input_tokens, usage.output_tokens) == (3, 4)
    assert completion.http_status_code == 200
    assert completion.llm_status_code == 200
    assert isinstance(completion.response_time, int)
    assert completion.response_time > 0
    # Fields the SDK does not declare stay reachable (`extra="allow"`).
    extra = completion.dict()
    assert extra["model"] == MODEL
    assert extra["request"]["max_tokens"] == 50
    assert only_chat_body(emu) == {
        "model": MODEL,
        "messages": HELLO,
        "stream": False,
        "max_tokens": 50,
    }


def test_streamed_completion(sdk: Sdk, emu: GatewayEmulator) -> None:
    chunks = sdk.stream(
        model=MODEL, messages=HELLO, stream_options={"include_usage": True}
    )
    assert only_chat_body(emu)["stream"] is True
    content = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert "".join(content) == HELLO_ANSWER
    assert len([piece for piece in content if piece]) == 4  # one word a chunk
    assert chunks[0].choices[0].delta.role == "assistant"
    # The fields the SDK's chunk model requires, the same on every chunk.
    assert len({(c.id, c.object, c.created, c.model) for c in chunks}) == 1
    assert chunks[0].object == "chat.completion.chunk"
    assert chunks[0].model == MODEL
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "end_turn"
    assert set(finishes[:-1]) == {None}
    # `include_usage`: the last chunk carries usage and no choices, then `[DONE]`.
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (
        last.usage.prompt_tokens,
        last.usage.completion_tokens,
        last.usage.total_tokens,
    ) == (3, 4, 7)
    assert [c.usage for c in chunks[:-1]] == [None] * (len(chunks) - 1)


def test_stream_text_matches_the_plain_answer(sdk: Sdk) -> None:
    plain = sdk.create(model=MODEL, messages=HELLO).choices[0].message.content
    chunks = sdk.stream(model=MODEL, messages=HELLO)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == plain
    # Without `include_usage` no chunk carries usage.
    assert all(c.usage is None for c in chunks)


def test_tool_call_then_tool_result(sdk: Sdk, emu: GatewayEmulator) -> None:
    question = [{"role": "user", "content": WEATHER_QUESTION}]
    first = sdk.create(model=MODEL, messages=question, tools=[WEATHER_TOOL])
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_use"
    assert message.content is None
    assert message.tool_calls is not None
    assert len(message.tool_calls) == 1
    call = message.tool_calls[0]
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert tool_arguments(call.function.arguments) == {"city": "Paris"}

    second = sdk.create(
        model=MODEL,
        messages=[
            *question,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [call.dict()],
            },
            {"role": "tool", "tool_call_id": call.id, "content": "18 C and sunny"},
        ],
        tools=[WEATHER_TOOL],
    )
    assert second.choices[0].message.content == "Tool results: 18 C and sunny"
    assert second.choices[0].finish_reason == "end_turn"
    assert second.choices[0].message.tool_calls is None
    sent = [r.json for r in chat_requests(emu)]
    assert sent[1]["messages"][1]["tool_calls"] == [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ]


def test_round_tripping_the_sdks_message_model(
    make_sdk: Any,
    emu: GatewayEmulator,
    server: EmulatorServer,
    lenient_server: EmulatorServer,
) -> None:
    # `message.dict()` of the SDK's response model carries `thinking`,
    # `tool_call_id` and `name` as null: the strict reading (the default) refuses
    # those nulls, the lenient one takes them as absent.
    question = [{"role": "user", "content": WEATHER_QUESTION}]
    strict = make_sdk()
    first = strict.create(model=MODEL, messages=question, tools=[WEATHER_TOOL])
    message = first.choices[0].message
    assert message.tool_calls is not None
    call_id = message.tool_calls[0].id
    result = {"role": "tool", "tool_call_id": call_id, "content": "sunny"}
    turn = [*question, message.dict(), result]
    with pytest.raises(aai.LLMGatewayError) as caught:
        strict.create(model=MODEL, messages=turn, tools=[WEATHER_TOOL])
    assert caught.value.status_code == 400
    errors = caught.value.errors or []
    assert sorted(e.split(":")[0] for e in errors) == [
        "messages[1] name",
        "messages[1] thinking",
        "messages[1] tool_call_id",
    ]
    assert all("null" in e for e in errors)
    # Leaving the nulls out works under either reading.
    clean = [*question, message.dict(exclude_none=True), result]
    answer = strict.create(model=MODEL, messages=clean, tools=[WEATHER_TOOL])
    assert answer.choices[0].message.content == "Tool results: sunny"

    lenient = make_sdk(
        settings=aai.Settings(api_key=TEST_KEY, llm_gateway_base_url=lenient_server.url)
    )
    answer = lenient.create(model=MODEL, messages=turn, tools=[WEATHER_TOOL])
    assert answer.choices[0].message.content == "Tool results: sunny"


def test_streamed_tool_call_fragments_parse(sdk: Sdk) -> None:
    question = [{"role": "user", "content": WEATHER_QUESTION}]
    plain = sdk.create(model=MODEL, messages=question, tools=[WEATHER_TOOL])
    assert plain.choices[0].message.tool_calls is not None
    expected = plain.choices[0].message.tool_calls[0]
    chunks = sdk.stream(model=MODEL, messages=question, tools=[WEATHER_TOOL])
    fragments = [
        call
        for c in chunks
        if c.choices
        for call in c.choices[0].delta.tool_calls or []
    ]
    assert {f.index for f in fragments} == {0}
    # Ids derive from the raw body, which differs in `stream`: only the shape holds.
    ids = [f.id for f in fragments if f.id]
    assert len(ids) == 1
    assert ids[0].startswith("call_")
    assert len(ids[0]) == len(expected.id)
    names = [f.function.name for f in fragments if f.function and f.function.name]
    assert names == ["get_weather"]
    arguments = "".join(
        f.function.arguments or "" for f in fragments if f.function is not None
    )
    assert len(fragments) > 2  # the arguments really came in pieces
    assert tool_arguments(arguments) == {"city": "Paris"}
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_use"


def test_structured_output(sdk: Sdk, emu: GatewayEmulator) -> None:
    completion = sdk.create(
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


def test_transcript_injection(sdk: Sdk, emu: GatewayEmulator) -> None:
    prompt = f"Summarise this call: {TRANSCRIPT_TAG}"
    completion = sdk.create(
        model=MODEL,
        messages=[{"role": "user", "content": prompt}],
        transcript_id=SUPPORT_CALL,
    )
    text = transcript_text(emu, SUPPORT_CALL)
    assert text.startswith("Thank you for calling Northwind support")
    # The SDK sent the tag untouched; the gateway put the transcript in its place.
    body = only_chat_body(emu)
    assert body["transcript_id"] == SUPPORT_CALL
    assert body["messages"] == [{"role": "user", "content": prompt}]
    content = completion.choices[0].message.content
    assert_drawn_from(content, text, "Summarise this call: ")
    assert completion.usage.prompt_tokens == words(prompt) - 3 + words(text)
    assert completion.dict()["request"]["transcript_id"] == SUPPORT_CALL


def test_transcript_near_miss_tag_is_not_replaced(sdk: Sdk) -> None:
    completion = sdk.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Summarise {{transcript}}"}],
        transcript_id=SUPPORT_CALL,
    )
    assert completion.choices[0].message.content == "Echo: Summarise {{transcript}}"


def test_unknown_transcript(sdk: Sdk, emu: GatewayEmulator) -> None:
    with pytest.raises(aai.LLMGatewayError) as caught:
        sdk.create(
            model=MODEL,
            messages=[{"role": "user", "content": f"Summarise {TRANSCRIPT_TAG}"}],
            transcript_id=str(uuid.uuid4()),
        )
    assert caught.value.status_code == 404
    assert str(caught.value) == "transcript not found"
    assert _is_uuid(caught.value.request_id)
    assert len(chat_requests(emu)) == 1


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_wrong_key(make_sdk: Any, emu: GatewayEmulator, stream: bool) -> None:
    sdk = make_sdk(api_key=WRONG_KEY)
    send: Any = sdk.stream if stream else sdk.create
    with pytest.raises(aai.LLMGatewayError) as caught:
        send(model=MODEL, messages=HELLO)
    error = caught.value
    assert error.status_code == 401
    assert str(error) == "Authentication error, API token missing/invalid"
    assert _is_uuid(error.request_id)
    assert error.errors is None
    sent = chat_requests(emu)
    assert len(sent) == 1  # the SDK never retries
    assert sent[0].headers["authorization"] == WRONG_KEY


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_unknown_model(sdk: Sdk, emu: GatewayEmulator, stream: bool) -> None:
    send: Any = sdk.stream if stream else sdk.create
    with pytest.raises(aai.LLMGatewayError) as caught:
        send(model="no-such-model", messages=HELLO)
    error = caught.value
    assert error.status_code == 400
    assert str(error) == "invalid request body"
    assert error.errors == ["model no-such-model is not supported"]
    assert _is_uuid(error.request_id)
    assert len(chat_requests(emu)) == 1


def test_unsupported_parameter_lists_every_error(sdk: Sdk) -> None:
    with pytest.raises(aai.LLMGatewayError) as caught:
        sdk.create(model="qwen3.5-4b-32k-fast", messages=HELLO, tools=[WEATHER_TOOL])
    assert caught.value.status_code == 400
    assert caught.value.errors == ["model qwen3.5-4b-32k-fast does not support tools"]


def test_streaming_a_model_that_cannot_stream_is_refused(
    sdk: Sdk, emu: GatewayEmulator
) -> None:
    with pytest.raises(aai.LLMGatewayError) as caught:
        sdk.stream(model=NO_STREAM_MODEL, messages=HELLO)
    assert caught.value.status_code == 400
    assert caught.value.errors == [f"model {NO_STREAM_MODEL} does not support stream"]


# -- what SDK 1.8.2 always sends ---------------------------------------------------


def test_non_streamed_call_to_a_model_that_cannot_stream(
    sdk: Sdk, emu: GatewayEmulator
) -> None:
    # SDK 1.8.2 sends `"stream": false` on every non-streamed call: a gateway that
    # gated the key's presence would refuse its own SDK on `gpt-oss-*`.
    completion = sdk.create(model=NO_STREAM_MODEL, messages=HELLO)
    assert only_chat_body(emu)["stream"] is False
    assert completion.choices[0].message.content == HELLO_ANSWER
    assert completion.choices[0].finish_reason == "stop"  # an OpenAI model
    assert completion.dict()["model"] == NO_STREAM_MODEL


@pytest.mark.parametrize("model", [MODEL, NO_STREAM_MODEL])
def test_fail_fast_and_max_timeout_are_accepted(
    sdk: Sdk, emu: GatewayEmulator, model: str
) -> None:
    completion = sdk.create(
        model=model, messages=HELLO, fail_fast=True, max_timeout=12.5
    )
    body = only_chat_body(emu)
    assert body["fail_fast"] is True
    assert body["max_timeout"] == 12.5
    assert completion.choices[0].message.content == HELLO_ANSWER


# -- models ------------------------------------------------------------------------


def test_models_list(sdk: Sdk, emu: GatewayEmulator) -> None:
    listed = sdk.models()
    by_id = {m.id: m for m in listed.data}
    assert len(by_id) == len(listed.data) > 5
    claude = by_id[MODEL]
    assert "stream" in claude.supported_parameters
    assert claude.creator == "anthropic"
    assert claude.context_length > 0
    assert claude.pricing.global_.prompt > 0
    assert claude.pricing.global_.completions > 0
    assert "us" in claude.available_regions
    assert claude.default_provider.id == "bedrock"
    assert claude.retirement_date >= 0
    assert "stream" not in by_id[NO_STREAM_MODEL].supported_parameters
    assert "tools" not in by_id["qwen3.5-4b-32k-fast"].supported_parameters
    assert [r.path for r in emu.requests] == ["/v1/models"]
    assert emu.requests[0].headers["authorization"] == TEST_KEY


def test_models_list_needs_no_valid_key(make_sdk: Any) -> None:
    listed = make_sdk(api_key=WRONG_KEY).models()
    assert MODEL in {m.id for m in listed.data}


# -- speech understanding ----------------------------------------------------------


def test_understanding(sdk: Sdk, emu: GatewayEmulator) -> None:
    request = {
        "speaker_identification": {
            "speaker_type": "name",
            "known_values": ["Jordan", "Maria"],
        },
        "translation": {"target_languages": ["es"]},
    }
    result = sdk.understand(transcript_id=SUPPORT_CALL, request=request)
    assert _is_uuid(result.request_id)
    response = result.speech_understanding["response"]
    assert response["speaker_identification"] == {
        "status": "success",
        "mapping": {"A": "Jordan", "B": "Maria"},
    }
    assert response["translation"] == {"status": "success"}
    assert result.speech_understanding["request"] == request
    assert result.translated_texts is not None
    text = transcript_text(emu, SUPPORT_CALL)
    assert result.translated_texts == {"es": "[es] " + text}
    assert result.utterances is not None
    assert [u["speaker"] for u in result.utterances[:2]] == ["Jordan", "Maria"]
    sent = [r for r in emu.requests if r.path == "/v1/understanding"]
    assert len(sent) == 1
    assert sent[0].json == {
        "transcript_id": SUPPORT_CALL,
        "speech_understanding": {"request": request},
    }


def test_understanding_unknown_transcript(sdk: Sdk) -> None:
    with pytest.raises(aai.LLMGatewayError) as caught:
        sdk.understand(
            transcript_id=str(uuid.uuid4()),
            request={"translation": {"target_languages": ["de"]}},
        )
    assert caught.value.status_code == 404
    assert str(caught.value) == "transcript not found"


def test_understanding_validate(sdk: Sdk, emu: GatewayEmulator) -> None:
    request = {"translation": {"target_languages": ["de"]}}
    sdk.validate(request=request)
    sdk.validate(request=request, transcript_id=SUPPORT_CALL)
    sent = [r.json for r in emu.requests if r.path == "/v1/understanding/validate"]
    assert sent == [
        {"speech_understanding": {"request": request}},
        {"speech_understanding": {"request": request}, "transcript_id": SUPPORT_CALL},
    ]
    with pytest.raises(aai.LLMGatewayError) as caught:
        sdk.validate(request={"translation": {"target_languages": []}})
    assert caught.value.status_code == 400
    assert caught.value.errors == [
        "translation.target_languages must be a non-empty array of language codes"
    ]
    assert _is_uuid(caught.value.request_id)


def test_understanding_wrong_key(make_sdk: Any) -> None:
    sdk = make_sdk(api_key=WRONG_KEY)
    with pytest.raises(aai.LLMGatewayError) as caught:
        sdk.understand(
            transcript_id=SUPPORT_CALL,
            request={"translation": {"target_languages": ["de"]}},
        )
    assert caught.value.status_code == 401
    assert _is_uuid(caught.value.request_id)
