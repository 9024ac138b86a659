"""`ChatAssemblyAI` against a gateway faked at the HTTP boundary (sync and async)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from pydantic import BaseModel

from langchain_aai_gateway import TRANSCRIPT_TAG, ChatAssemblyAI
from tests.conftest import TEST_KEY, completion_body, sse_body, sse_response
from tests.langchain.conftest import (
    MODEL,
    invoke_in,
    json_handler,
    stream_handler,
    stream_in,
)

TRANSCRIPT = "5d8e2c1a-4b7f-4e2a-9c3d-1f6a8b0e7d21"


def test_fields_then_model_kwargs_then_call_kwargs(
    mode: str, fake_gateway: Any
) -> None:
    gateway = fake_gateway(json_handler())
    llm = ChatAssemblyAI(
        model=MODEL,
        temperature=0.2,
        max_tokens=50,
        stop=["END"],
        fallbacks=[{"model": "gpt-5"}],
        fallback_config={"depth": 1},
        model_region="global",
        post_processing_steps=[{"type": "json-repair"}],
        reasoning={"effort": "low"},
        model_kwargs={"prompt_cache_key": "k1"},
        extra_body={"zero_data_retention": True},
        **gateway.options(),
    )
    invoke_in(mode, llm, "Hi", model="gpt-5-mini", temperature=0.5, stop=["STOP"])
    assert gateway.bodies() == [
        {
            "model": "gpt-5-mini",
            "messages": [{"role": "user", "content": "Hi"}],
            "max_tokens": 50,
            "temperature": 0.5,
            "stop": ["STOP"],
            "fallbacks": [{"model": "gpt-5"}],
            "fallback_config": {"depth": 1},
            "post_processing_steps": [{"type": "json-repair"}],
            "model_region": "global",
            "reasoning": {"effort": "low"},
            "prompt_cache_key": "k1",
            "zero_data_retention": True,
        }
    ]
    assert gateway.requests[0].headers["authorization"] == TEST_KEY


def test_unknown_init_kwargs_warn_and_go_to_model_kwargs() -> None:
    with pytest.warns(UserWarning, match="top_k"):
        llm = ChatAssemblyAI(model=MODEL, top_k=3)  # type: ignore[call-arg]
    assert llm.model_kwargs == {"top_k": 3}


def test_answer_metadata_and_usage(mode: str, fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    message = invoke_in(mode, ChatAssemblyAI(model="asked", **gateway.options()), "Hi")
    assert isinstance(message, AIMessage)
    assert message.content == "Hello."
    assert message.response_metadata["model_name"] == "claude-sonnet-4-6"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["request_id"] == "req-1"
    assert message.response_metadata["model_provider"] == "assemblyai"
    assert message.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 2,
        "total_tokens": 7,
    }


STREAM_EVENTS = (
    {"model": MODEL, "choices": [{"index": 0, "delta": {"content": "Hel"}}]},
    {"model": MODEL, "choices": [{"index": 0, "delta": {"content": "lo"}}]},
    {
        "model": MODEL,
        "choices": [{"index": 0, "delta": {}, "finish_reason": "end_turn"}],
    },
    {
        "model": MODEL,
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    },
)


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:  # type: ignore[override]
        self.tokens.append(token)


def test_stream_chunks_callbacks_and_usage(mode: str, fake_gateway: Any) -> None:
    gateway = fake_gateway(stream_handler(*STREAM_EVENTS))
    handler = _Tokens()
    llm = ChatAssemblyAI(model=MODEL, **gateway.options())
    chunks = stream_in(mode, llm, "Hi", config={"callbacks": [handler]})
    assert [c.content for c in chunks] == ["Hel", "lo", ""]
    assert handler.tokens == ["Hel", "lo", ""]
    merged = chunks[0] + chunks[1] + chunks[2]
    assert merged.usage_metadata == {
        "input_tokens": 3,
        "output_tokens": 2,
        "total_tokens": 5,
    }
    assert merged.response_metadata["finish_reason"] == "stop"
    assert merged.response_metadata["model_name"] == MODEL
    assert gateway.bodies()[0]["stream_options"] == {"include_usage": True}


def test_invoke_streams_when_streaming_is_set(mode: str, fake_gateway: Any) -> None:
    gateway = fake_gateway(stream_handler(*STREAM_EVENTS))
    handler = _Tokens()
    llm = ChatAssemblyAI(model=MODEL, streaming=True, **gateway.options())
    message = invoke_in(mode, llm, "Hi", config={"callbacks": [handler]})
    assert message.content == "Hello"
    assert handler.tokens[:2] == ["Hel", "lo"]
    assert gateway.bodies()[0]["stream"] is True


def test_stream_usage_off(mode: str, fake_gateway: Any) -> None:
    gateway = fake_gateway(stream_handler(*STREAM_EVENTS))
    llm = ChatAssemblyAI(model=MODEL, stream_usage=False, **gateway.options())
    chunks = stream_in(mode, llm, "Hi")
    assert all(c.usage_metadata is None for c in chunks)
    assert gateway.bodies()[0]["stream_options"] == {"include_usage": False}


def test_media_content_raises_before_sending(mode: str, fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    llm = ChatAssemblyAI(model=MODEL, **gateway.options())
    image = {"type": "image", "base64": "AAAA", "mime_type": "image/png"}
    with pytest.raises(ValueError, match=r"'image' content part.*claude-sonnet-4-6"):
        invoke_in(mode, llm, [HumanMessage(["What is this?", image])])
    assert gateway.requests == []


def test_unsupported_parameter_named_before_sending(
    mode: str, fake_gateway: Any
) -> None:
    gateway = fake_gateway(json_handler())
    llm = ChatAssemblyAI(model="claude-sonnet-5", temperature=0.3, **gateway.options())
    with pytest.raises(ValueError, match="`temperature`"):
        invoke_in(mode, llm, "Hi")
    assert gateway.requests == []


@pytest.mark.parametrize(
    "text",
    [
        "Summarize { transcript }",
        "Summarize {{transcript}}",
        "Summarize {{ TRANSCRIPT }}",
    ],
)
def test_transcript_near_miss_is_explained(
    mode: str, fake_gateway: Any, text: str
) -> None:
    gateway = fake_gateway(json_handler())
    llm = ChatAssemblyAI(model=MODEL, **gateway.options())
    with pytest.raises(ValueError, match="exact tag") as info:
        invoke_in(mode, llm, text, transcript_id=TRANSCRIPT)
    assert "{{{{ transcript }}}}" in str(info.value)
    assert gateway.requests == []


def test_transcript_without_tag_refused_unless_auto(
    mode: str, fake_gateway: Any
) -> None:
    gateway = fake_gateway(json_handler())
    llm = ChatAssemblyAI(model=MODEL, transcript_id=TRANSCRIPT, **gateway.options())
    with pytest.raises(ValueError, match="transcript"):
        invoke_in(mode, llm, "Who spoke first?")
    auto = llm.model_copy(update={"transcript_tag_placement": "auto"})
    invoke_in(mode, auto, "Who spoke first?")
    body = gateway.bodies()[0]
    assert body["transcript_id"] == TRANSCRIPT
    assert TRANSCRIPT_TAG in body["messages"][0]["content"]


def test_with_transcript_composes_with_tools_and_structured_output(
    mode: str, fake_gateway: Any
) -> None:
    class Answer(BaseModel):
        speaker: str

    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "Answer", "arguments": '{"speaker": "A"}'},
    }
    body = completion_body(None)
    body["choices"][0]["message"]["tool_calls"] = [call]
    gateway = fake_gateway(json_handler(body))
    base = ChatAssemblyAI(model=MODEL, **gateway.options()).with_transcript(TRANSCRIPT)
    prompt = f"{TRANSCRIPT_TAG} Who spoke first?"
    invoke_in(mode, base.bind_tools([Answer]), prompt)
    assert invoke_in(mode, base.with_structured_output(Answer), prompt) == Answer(
        speaker="A"
    )
    bodies = gateway.bodies()
    assert [b["transcript_id"] for b in bodies] == [TRANSCRIPT, TRANSCRIPT]
    assert bodies[1]["tool_choice"] == {
        "type": "function",
        "function": {"name": "Answer"},
    }


def test_structured_output_forwards_kwargs_and_json_repair(
    mode: str, fake_gateway: Any
) -> None:
    gateway = fake_gateway(json_handler(completion_body('{"speaker": "B",}')))
    llm = ChatAssemblyAI(model=MODEL, **gateway.options())
    schema = {
        "title": "Answer",
        "type": "object",
        "properties": {"speaker": {"type": "string"}},
    }
    structured = llm.with_structured_output(
        schema,
        method="json_schema",
        json_repair=True,
        transcript_id=TRANSCRIPT,
        strict=True,
    )
    with pytest.raises(Exception):  # noqa: B017 - the fake does not repair
        invoke_in(mode, structured, f"{TRANSCRIPT_TAG} Who?")
    body = gateway.bodies()[0]
    assert body["transcript_id"] == TRANSCRIPT
    assert body["post_processing_steps"] == [{"type": "json-repair"}]
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "Answer",
            "schema": body["response_format"]["json_schema"]["schema"],
            "strict": True,
        },
    }


def test_bind_tools_options(fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    llm = ChatAssemblyAI(model="gpt-5", **gateway.options())

    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    def mul(a: int, b: int) -> int:
        """Multiply two numbers."""
        return a * b

    with pytest.warns(UserWarning, match="pass one tool's name"):
        bound = llm.bind_tools(
            [add, mul], tool_choice="any", parallel_tool_calls=False, strict=True
        )
    bound.invoke("x")
    body = gateway.bodies()[0]
    assert body["tool_choice"] == "auto"  # "required" is not documented
    assert body["parallel_tool_calls"] is False
    assert body["tools"][0]["function"]["strict"] is True
    assert [t["function"]["name"] for t in body["tools"]] == ["add", "mul"]


def test_bind_tools_response_format_for_agents(fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    llm = ChatAssemblyAI(model=MODEL, **gateway.options())
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "Out", "schema": {"type": "object"}},
    }
    llm.bind_tools([], response_format=fmt).invoke("x")
    assert gateway.bodies()[0]["response_format"] == fmt


def test_ls_params_honour_call_model_and_profile() -> None:
    llm = ChatAssemblyAI(model=MODEL, temperature=0.1, max_tokens=9, stop=["x"])
    params = llm._get_ls_params(model="gpt-5")
    assert params == {
        "ls_provider": "assemblyai",
        "ls_model_name": "gpt-5",
        "ls_model_type": "chat",
        "ls_temperature": 0.1,
        "ls_max_tokens": 9,
        "ls_stop": ["x"],
    }
    assert llm.profile is not None
    assert llm.profile["structured_output"] is True
    assert llm.profile["max_input_tokens"] == 200_000
    assert ChatAssemblyAI(model="gpt-4.1").profile["structured_output"] is False  # type: ignore[index]
    assert ChatAssemblyAI(model="unknown-model").profile is None


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {
            "temperature": 0.2,
            "max_tokens": 9,
            "transcript_id": "t-1",
            "fallbacks": [{"model": "gpt-5"}],
            "reasoning": {"effort": "low"},
            "model_kwargs": {"prompt_cache_key": "k"},
            "extra_body": {"seed": 1},
            "region": "eu",
        },
        {"base_url": "http://gateway.test/v1", "model_kwargs": {"x": None}},
    ],
)
def test_invocation_params_match_the_frameworks(fields: dict[str, Any]) -> None:
    llm = ChatAssemblyAI(model=MODEL, **fields)
    for stop, kwargs in [(None, {}), (["x"], {"model": "gpt-5", "tools": []})]:
        ours = llm._get_invocation_params(stop=stop, **kwargs)
        framework = BaseChatModel._get_invocation_params(llm, stop=stop, **kwargs)
        assert ours == framework
        assert list(ours) == list(framework)


def test_secret_never_in_repr_or_dump() -> None:
    llm = ChatAssemblyAI(model=MODEL, api_key="sk-very-secret")  # type: ignore[arg-type]
    assert "sk-very-secret" not in repr(llm)
    assert "sk-very-secret" not in str(llm)
    assert "sk-very-secret" not in str(llm.model_dump())
    assert "sk-very-secret" not in str(llm._get_invocation_params())


def test_key_from_env_and_model_name_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "env-key")
    llm = ChatAssemblyAI(model_name=MODEL)  # type: ignore[call-arg]
    assert llm.model == MODEL
    assert llm.api_key is not None
    assert llm.api_key.get_secret_value() == "env-key"


def test_client_rebuilt_when_settings_change(fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    llm = ChatAssemblyAI(model=MODEL, **gateway.options())
    first = llm._sync_client()
    assert llm._sync_client() is first
    llm.max_retries = 5
    assert llm._sync_client() is not first


def test_stream_is_swallowed_and_model_default_keeps(fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler())
    ChatAssemblyAI(model=MODEL, **gateway.options()).invoke("Hi", stream=False)
    assert "stream" not in gateway.bodies()[0]


def test_non_streaming_model_streams_one_chunk(fake_gateway: Any) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        assert not json.loads(request.content).get("stream")
        return httpx.Response(200, json=completion_body("All at once."))

    gateway = fake_gateway(handle)
    chunks = list(ChatAssemblyAI(model="gpt-oss-20b", **gateway.options()).stream("Hi"))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert isinstance(merged, AIMessageChunk)
    assert merged.content == "All at once."
    assert merged.usage_metadata is not None


def test_sse_stream_helpers_are_wired(fake_gateway: Any) -> None:
    # A plain SSE response without usage still ends with one final chunk.
    gateway = fake_gateway(
        lambda _r: sse_response(sse_body(STREAM_EVENTS[0], STREAM_EVENTS[2]))
    )
    chunks = list(ChatAssemblyAI(model=MODEL, **gateway.options()).stream("Hi"))
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].usage_metadata is None
