"""Token counting before a call on the LangChain models: offline estimates.

`get_num_tokens`, `get_num_tokens_from_messages` (tools too) and `trim_messages`
with the model as the counter work without a network and without transformers'
GPT-2 fallback (whose one-time warning would fail this suite), and count what a
request would send.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    trim_messages,
)
from langchain_core.tools import tool

from aai_gateway.tokens import Tokenizer, count_message_tokens
from langchain_aai_gateway import AssemblyAILLM, ChatAssemblyAI
from tests.conftest import TEST_KEY
from tests.langchain._settings_cases import Wire
from tests.langchain.conftest import invoke_in

MODELS = ["claude-sonnet-4-6", "gpt-5"]


@tool
def lookup(query: str) -> str:
    """Look something up in the meeting notes."""
    return query


def _history() -> list[BaseMessage]:
    call = {"name": "lookup", "args": {"query": "budget"}, "id": "call_1"}
    return [
        SystemMessage("You answer questions about meetings."),
        HumanMessage("What did Ana say about the budget?"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("Ana asked for ten percent more.", tool_call_id="call_1"),
        AIMessage("She asked for ten percent more."),
        HumanMessage("And Ben?", name="carol"),
    ]


@pytest.fixture(autouse=True)
def _empty_tiktoken_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Where tiktoken itself would have to download; the estimate never reads it.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))


@pytest.mark.parametrize("cls", [ChatAssemblyAI, AssemblyAILLM])
@pytest.mark.parametrize("model", MODELS)
def test_get_num_tokens_counts_text_offline(cls: Any, model: str) -> None:
    llm = cls(model=model, api_key=TEST_KEY)
    text = "Summarize the meeting, please."
    assert llm.get_token_ids(text) == Tokenizer(model)(text)
    assert llm.get_num_tokens(text) == 8


@pytest.mark.parametrize("model", MODELS)
def test_messages_and_tools_are_counted_as_a_request_sends_them(
    mode: str, model: str
) -> None:
    wire = Wire()
    llm = ChatAssemblyAI(model=model, **wire.options())
    try:
        invoke_in(mode, llm.bind_tools([lookup]), _history())
    finally:
        wire.close()
    [body] = wire.bodies()
    sent = count_message_tokens(body["messages"], model, tools=body["tools"])
    without_tools = llm.get_num_tokens_from_messages(_history())
    assert llm.get_num_tokens_from_messages(_history(), tools=[lookup]) == sent
    assert without_tools == count_message_tokens(body["messages"], model)
    assert without_tools < sent


def test_custom_token_ids_win() -> None:
    llm = ChatAssemblyAI(
        model="claude-sonnet-4-6", custom_get_token_ids=lambda text: [0] * len(text)
    )
    assert llm.get_num_tokens("abc") == 3
    assert llm.get_num_tokens_from_messages([HumanMessage("abc")]) > 3


def test_trim_messages_with_the_model_as_counter_works_offline() -> None:
    llm = ChatAssemblyAI(model="claude-sonnet-4-6", api_key=TEST_KEY)
    history = _history()
    limit = llm.get_num_tokens_from_messages(history) - 1
    trimmed = trim_messages(
        history,
        max_tokens=limit,
        token_counter=llm,
        strategy="last",
        include_system=True,
        start_on="human",
    )
    assert trimmed[0] == history[0]  # the system message is kept
    assert len(trimmed) < len(history)
    assert trimmed[-1] == history[-1]
    assert llm.get_num_tokens_from_messages(trimmed) <= limit


def test_the_estimate_against_the_emulators_usage(llm: ChatAssemblyAI) -> None:
    # The emulator counts a prompt in words (`aai_gateway.testing`); every word is
    # at least one token, and the estimate adds the chat framing on top.
    messages = [
        SystemMessage("You are a careful meeting assistant."),
        HumanMessage(
            "The quarterly planning meeting covered hiring, the budget and the "
            "launch date. Who owns the launch checklist?"
        ),
    ]
    answer = llm.invoke(messages)
    assert answer.usage_metadata is not None
    used = answer.usage_metadata["input_tokens"]
    estimate = llm.get_num_tokens_from_messages(messages)
    words = sum(len(str(m.content).split()) for m in messages)
    assert used == words
    assert estimate >= used + 2 * 3 + 3
