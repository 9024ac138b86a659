"""The pure mappings: LangChain messages to wire messages, answers to messages."""

from __future__ import annotations

import copy

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from aai_gateway import ChatCompletion, ChatCompletionChunk, ToolCall, Usage
from aai_gateway.types import ToolCallDelta
from langchain_aai_gateway._convert import (
    StreamConverter,
    _text_chunk,
    from_gateway_completion,
    to_gateway_messages,
    to_usage_metadata,
)

MODEL = "claude-sonnet-4-6"


def test_roles_names_and_tool_calls() -> None:
    messages = [
        SystemMessage("Be brief.", name="rules"),
        HumanMessage("Hi", name="maria"),
        AIMessage("", tool_calls=[{"name": "f", "args": {"x": 1}, "id": "c1"}]),
        ToolMessage("42", tool_call_id="c1", name="f"),
        AIMessage("Done", name="bot"),
    ]
    assert to_gateway_messages(messages, MODEL) == [
        {"role": "system", "content": "Be brief.", "name": "rules"},
        {"role": "user", "content": "Hi", "name": "maria"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "f", "arguments": '{"x": 1}'},
                }
            ],
        },
        # No `name` on a tool result: the vendor's ToolMessage has none.
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
        {"role": "assistant", "content": "Done", "name": "bot"},
    ]


def test_tool_message_list_content_and_error_status() -> None:
    message = ToolMessage(
        [{"type": "text", "text": "boom"}, "again"], tool_call_id="c1", status="error"
    )
    assert to_gateway_messages([message], MODEL) == [
        {"role": "tool", "tool_call_id": "c1", "content": "boom\nagain"}
    ]


def test_consecutive_same_role_messages_are_kept_apart() -> None:
    wire = to_gateway_messages([HumanMessage("a"), HumanMessage("b")], MODEL)
    assert [m["content"] for m in wire] == ["a", "b"]


def test_user_text_parts_stay_parts() -> None:
    wire = to_gateway_messages(
        [HumanMessage([{"type": "text", "text": "a"}, "b"])], MODEL
    )
    assert wire[0]["content"] == [
        {"type": "text", "text": "a"},
        {"type": "text", "text": "b"},
    ]


def test_assistant_history_drops_duplicated_tool_blocks_and_reasoning() -> None:
    message = AIMessage(
        [
            {"type": "reasoning", "reasoning": "hmm"},
            {"type": "text", "text": "Calling."},
            {"type": "tool_use", "id": "c1", "name": "f", "input": {}},
        ],
        tool_calls=[{"name": "f", "args": {}, "id": "c1"}],
    )
    wire = to_gateway_messages([message], MODEL)[0]
    assert wire["content"] == "Calling."
    assert wire["tool_calls"][0]["function"] == {"name": "f", "arguments": "{}"}


def test_tool_use_block_without_tool_calls_becomes_a_tool_call() -> None:
    # Anthropic-format history; tests/langchain/test_anthropic_history.py has more.
    message = AIMessage([{"type": "tool_use", "id": "c1", "name": "f", "input": {}}])
    [wire] = to_gateway_messages([message], MODEL)
    assert wire["tool_calls"] == [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    ]
    assert wire["content"] is None


def test_other_tool_call_blocks_without_tool_calls_are_refused() -> None:
    message = AIMessage([{"type": "tool_call", "id": "c1", "name": "f", "args": {}}])
    with pytest.raises(ValueError, match="'tool_call'"):
        to_gateway_messages([message], MODEL)


@pytest.mark.parametrize(
    "part",
    [
        {"type": "image", "base64": "AAAA", "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        {"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"},
        {"type": "file", "base64": "AAAA", "mime_type": "application/pdf"},
        {"type": "video", "url": "https://x/y.mp4"},
    ],
    ids=["image", "image_url", "audio", "pdf", "video"],
)
def test_media_parts_raise_naming_part_and_model(part: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="takes text only") as info:
        to_gateway_messages([HumanMessage(["Look:", part])], MODEL)
    assert repr(part["type"]) in str(info.value)
    assert MODEL in str(info.value)
    assert "messages[0] (HumanMessage)" in str(info.value)


def test_unknown_part_and_message_types_raise() -> None:
    with pytest.raises(ValueError, match="'mystery'"):
        to_gateway_messages([HumanMessage([{"type": "mystery"}])], MODEL)
    with pytest.raises(TypeError, match="FunctionMessage"):
        to_gateway_messages([FunctionMessage(content="x", name="f")], MODEL)
    with pytest.raises(ValueError, match="'wizard'"):
        to_gateway_messages([ChatMessage(content="x", role="wizard")], MODEL)


def test_chat_message_roles_map() -> None:
    wire = to_gateway_messages(
        [
            ChatMessage(content="s", role="developer"),
            ChatMessage(content="u", role="human"),
        ],
        MODEL,
    )
    assert [m["role"] for m in wire] == ["system", "user"]


def test_inputs_are_not_mutated() -> None:
    messages = [
        HumanMessage([{"type": "text", "text": "a"}]),
        AIMessage("", tool_calls=[{"name": "f", "args": {"x": [1]}, "id": "c1"}]),
    ]
    before = copy.deepcopy(messages)
    to_gateway_messages(messages, MODEL)
    assert messages == before


def test_usage_details_only_when_sent() -> None:
    assert to_usage_metadata(Usage(3, 4, 7)) == {
        "input_tokens": 3,
        "output_tokens": 4,
        "total_tokens": 7,
    }
    assert to_usage_metadata(Usage(10, 4, 14, 6, 2, 1)) == {
        "input_tokens": 10,
        "output_tokens": 4,
        "total_tokens": 14,
        "input_token_details": {"cache_read": 6, "cache_creation": 2},
        "output_token_details": {"reasoning": 1},
    }


def test_completion_to_message() -> None:
    completion = ChatCompletion(
        content=None,
        tool_calls=(ToolCall("c1", "f", '{"x": 1}'), ToolCall("c2", "g", "{bad", 1)),
        finish_reason="tool_calls",
        raw_finish_reason="tool_use",
        usage=Usage(3, 4, 7),
        model="claude-sonnet-4-6",
        request_id="req-9",
        thinking="mulling",
    )
    message = from_gateway_completion(completion, "requested")
    assert message.content == ""
    assert message.tool_calls == [
        {"name": "f", "args": {"x": 1}, "id": "c1", "type": "tool_call"}
    ]
    assert message.invalid_tool_calls[0]["name"] == "g"
    assert message.invalid_tool_calls[0]["args"] == "{bad"
    assert message.additional_kwargs == {"reasoning_content": "mulling"}
    assert message.response_metadata == {
        "model_name": "claude-sonnet-4-6",
        "finish_reason": "tool_calls",
        "native_finish_reason": "tool_use",
        "model_provider": "assemblyai",
        "request_id": "req-9",
        # A hand-built Usage has no raw object: the counts in ChatOpenAI's names.
        "token_usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }


def test_completion_without_model_names_the_requested_one() -> None:
    message = from_gateway_completion(ChatCompletion(content="hi"), "requested")
    assert message.response_metadata["model_name"] == "requested"


def _merge(
    chunks: list[ChatCompletionChunk], **options: bool
) -> tuple[list[AIMessageChunk], AIMessageChunk]:
    converter = StreamConverter("asked", **options)
    messages = [g.message for c in chunks for g in converter.convert(c)]
    merged = messages[0]
    for message in messages[1:]:
        merged = merged + message
    return messages, merged  # type: ignore[return-value]


def test_stream_tool_calls_merge_by_index_with_name_and_id_once() -> None:
    chunks = [
        ChatCompletionChunk(tool_calls=(ToolCallDelta(0, "c1", "f", '{"x"'),)),
        # A provider that repeats the name and id on every fragment.
        ChatCompletionChunk(
            tool_calls=(
                ToolCallDelta(0, "c1", "f", ": 1}"),
                ToolCallDelta(1, "c2", "g", ""),
            )
        ),
        ChatCompletionChunk(tool_calls=(ToolCallDelta(1, None, None, "{}"),)),
        ChatCompletionChunk(
            final=True, finish_reason="tool_calls", usage=Usage(3, 4, 7), model="m"
        ),
    ]
    messages, merged = _merge(chunks)
    assert merged.tool_calls == [
        {"name": "f", "args": {"x": 1}, "id": "c1", "type": "tool_call"},
        {"name": "g", "args": {}, "id": "c2", "type": "tool_call"},
    ]
    assert merged.response_metadata["finish_reason"] == "tool_calls"
    assert merged.response_metadata["model_name"] == "m"
    assert merged.usage_metadata == {
        "input_tokens": 3,
        "output_tokens": 4,
        "total_tokens": 7,
    }
    assert sum(1 for m in messages if m.usage_metadata) == 1
    assert sum(1 for m in messages if "model_name" in m.response_metadata) == 1
    assert messages[-1].chunk_position == "last"


def test_stream_text_and_calls_in_one_delta_are_split() -> None:
    chunk = ChatCompletionChunk(
        content="Hi", tool_calls=(ToolCallDelta(0, "c1", "f", "{}"),), final=True
    )
    messages, merged = _merge([chunk])
    assert [m.content for m in messages] == ["Hi", "", ""]
    assert messages[1].tool_call_chunks[0]["name"] == "f"
    assert merged.content == "Hi"
    assert merged.response_metadata["model_name"] == "asked"


def test_stream_usage_can_be_left_out() -> None:
    _, merged = _merge(
        [ChatCompletionChunk(final=True, usage=Usage(1, 1, 2))], include_usage=False
    )
    assert merged.usage_metadata is None


@pytest.mark.parametrize("content", ["w1", " ", "Grüße, 世界 🎉", "x" * 5000])
def test_text_chunks_are_the_objects_the_constructors_build(content: str) -> None:
    fast, built = StreamConverter.text(content), _text_chunk(content)
    for ours, theirs in [(fast, built), (fast.message, built.message)]:
        assert type(ours) is type(theirs)
        assert ours.__dict__ == theirs.__dict__
        assert list(ours.__dict__) == list(theirs.__dict__)
        assert ours.__pydantic_fields_set__ == theirs.__pydantic_fields_set__
        assert ours.__pydantic_extra__ == theirs.__pydantic_extra__
        assert ours.__pydantic_private__ == theirs.__pydantic_private__
        assert repr(ours) == repr(theirs)
        assert ours.model_dump() == theirs.model_dump()
    assert fast.message.to_json() == built.message.to_json()
    assert fast.text == content
    assert (fast + fast).message == (built + built).message


def test_text_chunks_share_no_containers() -> None:
    first, second = StreamConverter.text("a"), StreamConverter.text("b")
    first.message.additional_kwargs["x"] = 1
    first.message.response_metadata["y"] = 2
    first.message.tool_call_chunks.append(
        {"name": None, "args": "", "id": None, "index": 0, "type": "tool_call_chunk"}
    )
    first.message.id = "run-1"
    assert second.message == _text_chunk("b").message
    assert StreamConverter.text("b").message.__pydantic_fields_set__ == {
        "content",
        "additional_kwargs",
        "response_metadata",
    }


def test_text_deltas_convert_like_the_general_path() -> None:
    converter = StreamConverter("asked")
    (fast,) = converter.convert(ChatCompletionChunk(content="Hi"))
    (general,) = converter.convert(ChatCompletionChunk(content="Hi", thinking=""))
    (thinking,) = converter.convert(ChatCompletionChunk(content="Hi", thinking="h"))
    assert fast == general == _text_chunk("Hi")
    assert thinking.message.additional_kwargs == {"reasoning_content": "h"}
