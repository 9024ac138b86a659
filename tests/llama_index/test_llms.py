"""`AssemblyAI` against a gateway faked at the HTTP boundary (httpx.MockTransport)."""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.base import BaseLLM
from llama_index.core.base.llms.types import (
    ChatMessage,
    ImageBlock,
    LLMMetadata,
    MessageRole,
    TextBlock,
    ThinkingBlock,
)
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.llms.function_calling import FunctionCallingLLM

from aai_gateway import AuthenticationError, RateLimitError
from aai_gateway.errors import MissingAPIKeyError, TranscriptNotFoundError
from llama_index_aai_gateway import AssemblyAI
from tests.llama_index.conftest import (
    BASE_URL,
    USER,
    Caller,
    FakeGateway,
    chunk,
    text_reply,
    text_stream,
)

# -- class shape, fields, serialization -----------------------------------------------


def test_is_a_function_calling_llm_with_a_stable_name() -> None:
    names = [base.__name__ for base in AssemblyAI.__mro__]
    assert BaseLLM.__name__ in names
    assert FunctionCallingLLM.__name__ in names
    assert AssemblyAI.class_name() == "AssemblyAI"
    assert AssemblyAI(api_key="test-key").to_dict()["class_name"] == "AssemblyAI"


def test_secrets_stay_out_of_repr_and_serialization() -> None:
    llm = AssemblyAI(
        api_key="test-key", default_headers={"x-secret": "hdr-secret"}, max_tokens=42
    )
    dumped = llm.to_dict()
    assert dumped["max_tokens"] == 42
    for text in (
        repr(llm),
        str(llm),
        llm.to_json(),
        json.dumps(dumped),
        json.dumps(llm.to_payload()),
    ):
        assert "test-key" not in text
        assert "hdr-secret" not in text
    assert "api_key" not in dumped


def test_round_trips_through_to_dict() -> None:
    llm = AssemblyAI(
        model="gpt-5",
        temperature=0.5,
        transcript_id="t1",
        fallbacks=[{"model": "gpt-5-mini"}],
    )
    again = AssemblyAI.from_dict(llm.to_dict())
    assert (again.model, again.temperature, again.transcript_id, again.fallbacks) == (
        "gpt-5",
        0.5,
        "t1",
        [{"model": "gpt-5-mini"}],
    )


def test_rejects_bad_field_values_and_clients() -> None:
    with pytest.raises(ValueError, match="temperature"):
        AssemblyAI(temperature=3)
    with pytest.raises(ValueError, match="max_tokens"):
        AssemblyAI(max_tokens=0)
    with pytest.raises(ValueError, match="region"):
        AssemblyAI(region="mars")
    with pytest.raises(TypeError, match="http_client"):
        AssemblyAI(http_client=httpx.AsyncClient())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "window", "num_output", "tools"),
    [
        ({"model": "claude-sonnet-4-6"}, 200_000, 1000, True),
        ({"model": "gpt-4.1", "max_tokens": 300}, 1_047_576, 300, True),
        ({"model": "qwen3.5-4b-32k-fast"}, 32_768, 1000, False),
        ({"model": "some-new-model"}, 32_768, 1000, True),
        ({"model": "claude-sonnet-4-6", "context_window": 50_000}, 50_000, 1000, True),
    ],
)
def test_metadata_comes_from_the_bundled_table(
    fields: dict[str, Any],
    window: int,
    num_output: int,
    tools: bool,
    fake: FakeGateway,
    make_llm: Any,
) -> None:
    meta = make_llm(**fields).metadata
    assert (meta.context_window, meta.num_output, meta.is_function_calling_model) == (
        window,
        num_output,
        tools,
    )
    assert meta.is_chat_model is True
    assert meta.model_name == fields["model"]
    assert meta.system_role == MessageRole.SYSTEM
    assert fake.requests == []  # never a network call


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"model": "gpt-5", "max_tokens": 42},
        {"model": "some-new-model", "context_window": 50_000},
        {"model": "qwen3.5-4b-32k-fast"},
    ],
)
def test_payload_is_the_one_llama_index_would_build(fields: dict[str, Any]) -> None:
    # What the base class builds from `metadata`, plus the region tier (for the
    # cost handler); each caller gets its own dict.
    llm = AssemblyAI(api_key="test-key", **fields)
    payload = llm.to_payload()
    tier = {"region": None, "model_region": None}
    assert payload == {**BaseLLM.to_payload(llm), **tier}
    payload["model_name"] = "changed"
    assert llm.to_payload() == {**BaseLLM.to_payload(llm), **tier}
    llm.max_tokens = 7
    assert llm.to_payload()["num_output"] == 7


def test_payload_follows_a_subclass_metadata() -> None:
    class Custom(AssemblyAI):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(model_name="custom")

    assert Custom(api_key="test-key").to_payload()["model_name"] == "custom"


# -- the eight endpoints ---------------------------------------------------------------


def test_chat_sends_messages_and_fields_and_reports_usage(
    call: Caller, fake: FakeGateway, make_llm: Any
) -> None:
    llm = make_llm(temperature=0.2, max_tokens=50)
    response = call.chat(llm, [ChatMessage(role="system", content="Be brief."), *USER])
    assert fake.last == {
        "model": "claude-sonnet-4-6",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
        ],
        "max_tokens": 50,
        "temperature": 0.2,
    }
    assert fake.requests[0].headers["authorization"] == "test-key"
    assert response.message.role == MessageRole.ASSISTANT
    assert response.message.content == "Hello."
    usage = {
        "prompt_tokens": 5,
        "completion_tokens": 2,
        "input_tokens": 5,
        "output_tokens": 2,
        "total_tokens": 7,
    }
    assert usage.items() <= response.additional_kwargs.items()
    assert usage.items() <= dict(response.raw or {})["usage"].items()
    assert response.additional_kwargs["finish_reason"] == "stop"
    assert isinstance(response.raw, dict)


def test_complete_sends_one_user_message(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    response = call.complete(llm, "Say hi")
    assert fake.last["messages"] == [{"role": "user", "content": "Say hi"}]
    assert response.text == "Hello."
    assert response.additional_kwargs["total_tokens"] == 7
    assert dict(response.raw or {})["usage"]["input_tokens"] == 5


def test_stream_chat_chunks_are_cumulative(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(text_stream("Hel", "lo", " there"))
    chunks = call.stream_chat(llm, USER)
    assert fake.last["stream"] is True
    assert [c.delta for c in chunks] == ["Hel", "lo", " there", ""]
    assert [c.message.content for c in chunks] == [
        "Hel",
        "Hello",
        "Hello there",
        "Hello there",
    ]
    assert all(
        len([b for b in c.message.blocks if isinstance(b, TextBlock)]) == 1
        for c in chunks
    )
    last = chunks[-1]
    assert last.additional_kwargs["input_tokens"] == 4
    assert dict(last.raw or {})["usage"]["completion_tokens"] == 3


def test_stream_complete_is_cumulative(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(text_stream("a", " b"))
    chunks = call.stream_complete(llm, "go")
    assert [c.text for c in chunks] == ["a", "a b", "a b"]
    assert [c.delta for c in chunks] == ["a", " b", ""]
    assert chunks[-1].additional_kwargs["total_tokens"] == 7


def test_stream_of_a_model_that_cannot_stream_still_yields_the_answer(
    call: Caller, fake: FakeGateway, make_llm: Any
) -> None:
    llm = make_llm(model="gpt-oss-20b")
    fake.script(text_reply("Whole answer."))
    chunks = call.stream_chat(llm, USER)
    assert "stream" not in fake.last
    assert [c.message.content for c in chunks] == ["Whole answer."]
    assert chunks[0].delta == "Whole answer."


def test_async_streaming_has_the_shape_llamaindex_decorators_need(
    llm: AssemblyAI,
) -> None:
    for name in ("astream_chat", "astream_complete", "achat", "acomplete"):
        method = getattr(AssemblyAI, name)
        assert inspect.iscoroutinefunction(method), name
        assert not inspect.isasyncgenfunction(method), name


def test_every_sync_endpoint_has_an_async_twin_with_the_same_parameters() -> None:
    for name in (
        "chat",
        "complete",
        "stream_chat",
        "stream_complete",
        "structured_predict",
        "stream_structured_predict",
        "chat_with_tools",
        "stream_chat_with_tools",
        "close",
    ):
        sync = inspect.signature(getattr(AssemblyAI, name)).parameters
        twin = inspect.signature(getattr(AssemblyAI, "a" + name)).parameters
        assert list(sync) == list(twin), name


def test_callback_events_do_not_nest_so_tokens_are_counted_once(
    call: Caller, fake: FakeGateway, make_llm: Any
) -> None:
    counter = TokenCountingHandler()
    llm = make_llm(callback_manager=CallbackManager([counter]))
    call.complete(llm, "Say hi")
    assert len(counter.llm_token_counts) == 1
    assert counter.prompt_llm_token_count == 5
    assert counter.completion_llm_token_count == 2


# -- request building ------------------------------------------------------------------


def test_gateway_fields_and_precedence(
    call: Caller, fake: FakeGateway, make_llm: Any
) -> None:
    llm = make_llm(
        fallbacks=[{"model": "gpt-5"}],
        fallback_config={"depth": 1},
        post_processing_steps=[{"type": "json-repair"}],
        model_region="global",
        reasoning={"effort": "low"},
        max_tokens=10,
        additional_kwargs={"max_tokens": 20, "stop": ["x"]},
    )
    call.chat(
        llm,
        USER,
        max_tokens=30,
        tool_required=True,
        allow_parallel_tool_calls=False,
        temperature=None,
    )
    body = fake.last
    assert body["fallbacks"] == [{"model": "gpt-5"}]
    assert body["fallback_config"] == {"depth": 1}
    assert body["post_processing_steps"] == [{"type": "json-repair"}]
    assert body["model_region"] == "global"
    assert body["reasoning"] == {"effort": "low"}
    assert body["max_tokens"] == 30  # per call > additional_kwargs > field
    assert body["stop"] == ["x"]
    assert "tool_required" not in body
    assert "allow_parallel_tool_calls" not in body
    assert "temperature" not in body


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"temperature": 0.0, "max_tokens": 10, "transcript_id": "t1"},
        {
            "fallbacks": [{"model": "gpt-5"}],
            "fallback_config": {"depth": 1},
            "post_processing_steps": [{"type": "json-repair"}],
            "model_region": "global",
            "reasoning": {"effort": "low"},
        },
    ],
)
def test_a_call_without_kwargs_sends_what_the_merging_path_sends(
    fields: dict[str, Any],
) -> None:
    # With no per-call kwargs and no `additional_kwargs` the request is built
    # without the merge; a framework-only kwarg forces the merge and must not
    # change the request.
    llm = AssemblyAI(api_key="test-key", **fields)
    messages = [ChatMessage(role="user", content="Hi")]
    plain, options = llm._build_request(messages, {})
    merged, merged_options = llm._build_request(messages, {"verbose": False})
    assert plain == merged
    assert list(plain) == list(merged)
    assert options == merged_options == {}
    assert fields.items() <= plain.items()


def test_missing_key_fails_at_the_first_call_naming_the_variable(
    call: Caller, fake: FakeGateway, make_llm: Any
) -> None:
    llm = make_llm(api_key=None)
    with pytest.raises(MissingAPIKeyError, match="ASSEMBLYAI_API_KEY"):
        call.chat(llm, USER)
    assert fake.requests == []


def test_key_is_read_from_the_environment(
    call: Caller, fake: FakeGateway, make_llm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "env-key")
    call.chat(make_llm(api_key=None), USER)
    assert fake.requests[0].headers["authorization"] == "env-key"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            401,
            {
                "error": "Authentication error, API token missing/invalid",
                "status": "error",
            },
            AuthenticationError,
        ),
        (
            429,
            {
                "code": 429,
                "message": "too many requests for this action",
                "request_id": "r",
            },
            RateLimitError,
        ),
    ],
)
def test_errors_are_the_core_types(
    call: Caller,
    fake: FakeGateway,
    llm: AssemblyAI,
    status: int,
    body: dict[str, Any],
    error: type[Exception],
) -> None:
    fake.script(httpx.Response(status, json=body))
    with pytest.raises(error) as info:
        call.chat(llm, USER)
    assert "test-key" not in str(info.value)


def test_stream_errors_are_the_core_types(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(
        httpx.Response(401, json={"error": "Authentication error", "status": "error"})
    )
    with pytest.raises(AuthenticationError):
        call.stream_chat(llm, USER)


# -- transcripts -------------------------------------------------------------------------


def test_per_call_transcript_id_overrides_the_field(
    call: Caller, fake: FakeGateway, make_llm: Any
) -> None:
    llm = make_llm(transcript_id="field-id")
    call.complete(llm, "Summarize: {{ transcript }}", transcript_id="call-id")
    assert fake.last["transcript_id"] == "call-id"
    assert fake.last["messages"][0]["content"] == "Summarize: {{ transcript }}"
    call.complete(llm, "Summarize: {{ transcript }}")
    assert fake.last["transcript_id"] == "field-id"


def test_transcript_without_the_exact_tag_fails_before_sending(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    with pytest.raises(ValueError, match=r"\{ transcript \}"):
        call.complete(llm, "Summarize: { transcript }", transcript_id="t1")
    with pytest.raises(ValueError, match="no message contains"):
        call.stream_complete(llm, "Summarize it", transcript_id="t1")
    assert fake.requests == []


def test_auto_placement_adds_the_tag(
    call: Caller, fake: FakeGateway, make_llm: Any
) -> None:
    llm = make_llm(transcript_tag_placement="auto")
    call.chat(llm, USER, transcript_id="t1")
    assert "{{ transcript }}" in fake.last["messages"][0]["content"]


def test_copies_share_one_pool_even_before_first_use(
    fake: FakeGateway, llm: AssemblyAI
) -> None:
    bound = llm.with_transcript("t2")
    bound.complete("Q: {{ transcript }}")
    llm.complete("Q")
    assert len(llm._pools.sync) == 1
    assert bound._pools is llm._pools


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("api_key", "other-key"),
        ("base_url", "http://other.test/v1"),
        ("region", "eu"),
        ("timeout", 5.0),
        ("max_retries", 0),
        ("transcript_tag_placement", "auto"),
        ("inline_transcripts", True),
        ("transcript_base_url", "http://other.test"),
        ("stream_chunk_timeout", None),
        ("stream_deadline", 30.0),
        ("default_headers", {"x-team": "a"}),
    ],
)
def test_a_changed_client_field_gets_its_own_pool(field: str, value: Any) -> None:
    llm = AssemblyAI(api_key="test-key")
    first = llm._sync_client()
    setattr(llm, field, value)
    second = llm._sync_client()
    assert second is not first
    assert len(llm._pools.sync) == 2


def test_with_transcript_is_a_cheap_copy(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    bound = llm.with_transcript("t2")
    assert llm.transcript_id is None
    assert bound.transcript_id == "t2"
    call.complete(bound, "Q: {{ transcript }}")
    assert fake.last["transcript_id"] == "t2"
    call.complete(llm, "Q")
    assert "transcript_id" not in fake.last


def test_unknown_transcript_raises_transcript_not_found(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(
        httpx.Response(
            404,
            json={"code": 404, "message": "transcript not found", "request_id": "r"},
        )
    )
    with pytest.raises(TranscriptNotFoundError):
        call.complete(llm, "Q: {{ transcript }}", transcript_id="nope")


# -- messages ------------------------------------------------------------------------------


def test_non_text_blocks_raise_before_sending(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    message = ChatMessage(
        role="user",
        blocks=[TextBlock(text="look"), ImageBlock(url="https://x.test/a.png")],
    )
    with pytest.raises(
        ValueError, match=r"messages\[0\]\.blocks\[1\] is a 'image' block"
    ):
        call.chat(llm, [message])
    with pytest.raises(ValueError, match="'image' block"):
        call.stream_chat(llm, [message])
    assert fake.requests == []


def test_thinking_stays_out_of_content(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    reply = text_reply("Answer.")
    reply["choices"][0]["message"]["thinking"] = "Let me think."
    fake.script(reply)
    message = call.chat(llm, USER).message
    assert message.content == "Answer."
    assert [b.content for b in message.blocks if isinstance(b, ThinkingBlock)] == [
        "Let me think."
    ]


def test_streamed_thinking_goes_to_thinking_delta(
    call: Caller, fake: FakeGateway, llm: AssemblyAI
) -> None:
    fake.script(
        [chunk({"thinking": "hmm"}), chunk({"content": "Yes."}), chunk({}, "stop")]
    )
    chunks = call.stream_chat(llm, USER)
    assert chunks[0].additional_kwargs["thinking_delta"] == "hmm"
    assert chunks[-1].message.content == "Yes."
    assert [
        b.content for b in chunks[-1].message.blocks if isinstance(b, ThinkingBlock)
    ] == ["hmm"]


def test_base_url_reaches_the_client(fake: FakeGateway, llm: AssemblyAI) -> None:
    llm.chat(USER)
    assert str(fake.requests[0].url) == f"{BASE_URL}/chat/completions"


def test_constructor_and_metadata_load_no_certificates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ssl

    calls: list[object] = []
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: calls.append(a))
    llm = AssemblyAI(api_key="test-key", region="eu")
    assert llm.metadata.context_window == 200_000
    llm.with_transcript("t1")
    assert calls == []


def test_a_changed_field_gets_a_fresh_client(
    fake: FakeGateway, llm: AssemblyAI
) -> None:
    llm.chat(USER)
    llm.default_headers = {"x-team": "blue"}
    llm.chat(USER)
    assert "x-team" not in fake.requests[0].headers
    assert fake.requests[1].headers["x-team"] == "blue"


def test_deep_copies_after_use_build_their_own_pools(
    fake: FakeGateway, llm: AssemblyAI
) -> None:
    import copy

    llm.chat(USER)
    twin = copy.deepcopy(llm)
    assert twin.model_copy(deep=True).model == llm.model
    twin.additional_kwargs["stop"] = ["x"]
    assert llm.additional_kwargs == {}
    twin.chat(USER)
    assert fake.last["stop"] == ["x"]


def test_per_call_timeout_reaches_the_request(
    fake: FakeGateway, llm: AssemblyAI
) -> None:
    llm.chat(USER, timeout=7.5)
    assert fake.requests[0].extensions["timeout"]["read"] == 7.5
    assert "timeout" not in fake.last
