"""The pure mappings in `llama_index_aai_gateway._convert`."""

from __future__ import annotations

import copy

import pytest
from llama_index.core.base.llms.types import (
    AudioBlock,
    CacheControl,
    CachePoint,
    ChatMessage,
    ChatResponse,
    DocumentBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    VideoBlock,
)

from aai_gateway import ChatCompletion, ChatCompletionChunk, Usage
from aai_gateway.costs import parse_usage
from aai_gateway.types import ToolCallDelta
from llama_index_aai_gateway._convert import (
    StreamState,
    build_response_kwargs,
    from_gateway_completion,
    to_gateway_messages,
    tool_selections,
    trim_to_one_tool_call,
)


@pytest.mark.parametrize(
    ("role", "wire"),
    [
        (MessageRole.SYSTEM, "system"),
        (MessageRole.DEVELOPER, "system"),
        (MessageRole.USER, "user"),
        (MessageRole.ASSISTANT, "assistant"),
        (MessageRole.CHATBOT, "assistant"),
        (MessageRole.MODEL, "assistant"),
        (MessageRole.TOOL, "tool"),
        (MessageRole.FUNCTION, "tool"),
    ],
)
def test_every_role_maps_onto_the_four_the_gateway_takes(
    role: MessageRole, wire: str
) -> None:
    message = ChatMessage(
        role=role, content="x", additional_kwargs={"tool_call_id": "c1"}
    )
    [mapped] = to_gateway_messages([message])
    assert mapped["role"] == wire
    assert mapped["content"] == "x"
    assert ("tool_call_id" in mapped) is (wire == "tool")


def test_text_blocks_join_with_a_newline_and_thinking_is_left_out() -> None:
    message = ChatMessage(
        role="assistant",
        blocks=[
            ThinkingBlock(content="secret reasoning"),
            TextBlock(text="a"),
            TextBlock(text="b"),
        ],
    )
    assert to_gateway_messages([message]) == [{"role": "assistant", "content": "a\nb"}]


@pytest.mark.parametrize(
    ("block", "kind"),
    [
        (AudioBlock(url="https://x.test/a.mp3"), "audio"),
        (VideoBlock(url="https://x.test/a.mp4"), "video"),
        (DocumentBlock(url="https://x.test/a.pdf"), "document"),
    ],
)
def test_non_text_blocks_raise_naming_the_block(block: object, kind: str) -> None:
    message = ChatMessage(role="user", blocks=[TextBlock(text="see"), block])
    with pytest.raises(
        ValueError,
        match=rf"messages\[1\]\.blocks\[1\] is a '{kind}' block in a 'user' message",
    ):
        to_gateway_messages([ChatMessage(role="system", content="s"), message])


def test_tool_call_block_outside_an_assistant_message_raises() -> None:
    message = ChatMessage(
        role="user", blocks=[ToolCallBlock(tool_name="add", tool_kwargs={})]
    )
    with pytest.raises(ValueError, match="'tool_call' block in a 'user' message"):
        to_gateway_messages([message])


def test_tool_result_without_an_id_raises() -> None:
    with pytest.raises(ValueError, match="tool_call_id"):
        to_gateway_messages([ChatMessage(role="tool", content="3")])


def test_assistant_tool_calls_from_blocks_win_over_legacy_kwargs() -> None:
    legacy = [
        {
            "id": "old",
            "type": "function",
            "function": {"name": "add", "arguments": "{}"},
        }
    ]
    message = ChatMessage(
        role="assistant",
        blocks=[
            ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={"a": 1})
        ],
        additional_kwargs={"tool_calls": legacy},
    )
    [mapped] = to_gateway_messages([message])
    assert mapped == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "add", "arguments": '{"a": 1}'},
            }
        ],
    }


def test_legacy_tool_calls_are_used_when_there_are_no_blocks() -> None:
    legacy = [
        {
            "id": "old",
            "type": "function",
            "function": {"name": "add", "arguments": {"a": 2}},
        }
    ]
    message = ChatMessage(
        role="assistant", content="Adding.", additional_kwargs={"tool_calls": legacy}
    )
    [mapped] = to_gateway_messages([message])
    assert mapped["content"] == "Adding."
    assert mapped["tool_calls"] == [
        {
            "id": "old",
            "type": "function",
            "function": {"name": "add", "arguments": '{"a": 2}'},
        }
    ]


def test_cache_point_becomes_cache_control() -> None:
    message = ChatMessage(
        role="system",
        blocks=[
            TextBlock(text="long"),
            CachePoint(cache_control=CacheControl(type="ephemeral")),
        ],
    )
    [mapped] = to_gateway_messages([message])
    assert mapped["cache_control"] == {"type": "ephemeral", "ttl": "5m"}


def test_a_cache_point_with_content_after_it_raises_naming_it() -> None:
    message = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="long"),
            CachePoint(cache_control=CacheControl(type="ephemeral")),
            TextBlock(text="question"),
        ],
    )
    with pytest.raises(ValueError, match=r"messages\[0\]\.blocks\[1\] is a CachePoint"):
        to_gateway_messages([message])


def test_a_message_mark_in_additional_kwargs_is_sent() -> None:
    mark = {"type": "ephemeral", "ttl": "1h"}
    message = ChatMessage(
        role="user", content="long", additional_kwargs={"cache_control": mark}
    )
    [mapped] = to_gateway_messages([message])
    assert mapped["cache_control"] == mark
    bad = ChatMessage(role="user", content="x", additional_kwargs={"cache_control": 1})
    with pytest.raises(ValueError, match=r"additional_kwargs\['cache_control'\] is 1"):
        to_gateway_messages([bad])
    both = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="long"),
            CachePoint(cache_control=CacheControl(type="ephemeral")),
        ],
        additional_kwargs={"cache_control": mark},
    )
    with pytest.raises(ValueError, match="keep one"):
        to_gateway_messages([both])


def test_raw_usage_keeps_the_gateway_object_with_both_names() -> None:
    usage = parse_usage(
        {
            "prompt_tokens": 4,
            "completion_tokens": 2,
            "total_tokens": 6,
            "prompt_tokens_details": {"cached_tokens": 1},
        }
    )
    response = from_gateway_completion(ChatCompletion(content="hi", usage=usage))
    assert response.raw["usage"] == {
        "prompt_tokens": 4,
        "completion_tokens": 2,
        "total_tokens": 6,
        "prompt_tokens_details": {"cached_tokens": 1},
        "input_tokens": 4,
        "output_tokens": 2,
        "cache_read_tokens": 1,
    }


def test_mapping_does_not_mutate_its_input() -> None:
    messages = [
        ChatMessage(
            role="assistant",
            blocks=[
                ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={"a": 1})
            ],
        ),
        ChatMessage(role="tool", content="1", additional_kwargs={"tool_call_id": "c1"}),
    ]
    before = copy.deepcopy(messages)
    to_gateway_messages(messages)
    assert messages == before


def test_stream_state_keeps_ids_from_the_first_delta_and_parses_whole_arguments() -> (
    None
):
    state = StreamState()
    state.add(
        ChatCompletionChunk(
            tool_calls=(ToolCallDelta(index=0, id="c1", name="add", arguments='{"a"'),)
        )
    )
    response = state.add(
        ChatCompletionChunk(tool_calls=(ToolCallDelta(index=0, arguments=": 1}"),))
    )
    [block] = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    assert (block.tool_call_id, block.tool_name, block.tool_kwargs) == (
        "c1",
        "add",
        {"a": 1},
    )
    final = state.add(ChatCompletionChunk(final=True, finish_reason="tool_calls"))
    assert final.message.content is None
    assert final.additional_kwargs["finish_reason"] == "tool_calls"


def _text_stream() -> list[ChatCompletionChunk]:
    raw = {"id": "x", "choices": [{"index": 0, "delta": {"content": "Hel"}}]}
    return [
        ChatCompletionChunk(content="Hel", model="m", raw=raw),
        ChatCompletionChunk(content=""),
        ChatCompletionChunk(content="lo", usage=Usage(3, 2, 5), raw={"usage": {}}),
        ChatCompletionChunk(content="!", raw={"id": "x"}),
    ]


def test_text_only_stream_responses_match_the_general_path() -> None:
    # `StreamState.add` builds text-only responses on a shorter path; each must
    # equal, field for field and in what is set, what the general path builds.
    fast, general = StreamState(), StreamState()
    for chunk in _text_stream():
        got = fast.add(chunk)
        general._acc.add(chunk)
        want = general._full_response(chunk)
        assert got == want
        assert got.model_dump() == want.model_dump()
        assert got.model_dump(exclude_unset=True) == want.model_dump(exclude_unset=True)
        for ours, theirs in (
            (got, want),
            (got.message, want.message),
            (got.message.blocks[0], want.message.blocks[0]),
        ):
            assert type(ours) is type(theirs)
            assert list(ours.__dict__) == list(theirs.__dict__)
            assert ours.__dict__ == theirs.__dict__
            assert ours.model_fields_set == theirs.model_fields_set
            assert ours.__pydantic_extra__ == theirs.__pydantic_extra__
            assert ours.__pydantic_private__ == theirs.__pydantic_private__
        assert repr(got) == repr(want)
        assert got.model_dump_json() == want.model_dump_json()
    assert got.message.content == "Hello!"
    assert got.raw == {"id": "x"}


def test_text_only_responses_share_no_container() -> None:
    state = StreamState()
    first, second = (state.add(c) for c in _text_stream()[:2])
    first.additional_kwargs["x"] = 1
    first.message.additional_kwargs["y"] = 2
    first.message.blocks.append(TextBlock(text="more"))
    first.message.model_fields_set.add("x")
    assert second.additional_kwargs == {}
    assert second.message.additional_kwargs == {}
    assert len(second.message.blocks) == 1
    assert "x" not in second.message.model_fields_set
    assert first.raw is not second.raw


def test_stream_state_takes_the_general_path_once_a_call_or_thinking_arrives() -> None:
    state = StreamState()
    state.add(ChatCompletionChunk(content="Hi"))
    with_call = state.add(
        ChatCompletionChunk(tool_calls=(ToolCallDelta(index=0, id="c1", name="f"),))
    )
    after = state.add(ChatCompletionChunk(content=" there"))
    assert [type(b) for b in with_call.message.blocks] == [TextBlock, ToolCallBlock]
    assert [type(b) for b in after.message.blocks] == [TextBlock, ToolCallBlock]
    assert after.message.additional_kwargs["tool_calls"][0]["id"] == "c1"
    thinking = StreamState()
    thinking.add(ChatCompletionChunk(thinking="hmm"))
    later = thinking.add(ChatCompletionChunk(content="Hi"))
    assert [type(b) for b in later.message.blocks] == [ThinkingBlock, TextBlock]


def test_tool_selections_read_legacy_kwargs_and_bad_json() -> None:
    message = ChatMessage(
        role="assistant",
        content="",
        additional_kwargs={
            "tool_calls": [
                {"id": "c9", "function": {"name": "add", "arguments": "not json"}}
            ]
        },
    )
    [selection] = tool_selections(
        ChatResponse(message=message), error_on_no_tool_call=True
    )
    assert (selection.tool_id, selection.tool_name, selection.tool_kwargs) == (
        "c9",
        "add",
        {},
    )


def test_trim_does_not_mutate_the_response() -> None:
    message = ChatMessage(
        role="assistant",
        blocks=[
            ToolCallBlock(tool_call_id="a", tool_name="x"),
            ToolCallBlock(tool_call_id="b", tool_name="y"),
        ],
        additional_kwargs={"tool_calls": [{"id": "a"}, {"id": "b"}]},
    )
    response = ChatResponse(message=message)
    trimmed = trim_to_one_tool_call(response)
    assert len(response.message.blocks) == 2
    assert len(response.message.additional_kwargs["tool_calls"]) == 2
    assert [
        b.tool_call_id for b in trimmed.message.blocks if isinstance(b, ToolCallBlock)
    ] == ["a"]
    assert trimmed.message.additional_kwargs["tool_calls"] == [{"id": "a"}]


@pytest.mark.parametrize(
    ("inlined", "expected"), [((), None), (("t-2", "t-3"), ["t-2", "t-3"])]
)
def test_inlined_transcripts_are_reported_only_when_there_are_some(
    inlined: tuple[str, ...], expected: list[str] | None
) -> None:
    answer = build_response_kwargs(ChatCompletion("Hi", inlined_transcripts=inlined))
    assert answer.get("inlined_transcripts") == expected
    last = build_response_kwargs(
        ChatCompletionChunk(final=True, inlined_transcripts=inlined)
    )
    assert last.get("inlined_transcripts") == expected
