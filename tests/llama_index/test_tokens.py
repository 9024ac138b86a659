"""Token counting for LlamaIndex, offline: the tokenizer hooks and a chat estimate.

`AssemblyAI(...).tokenizer` (and `gateway_tokenizer(model)`) serve
`TokenCountingHandler`, `Settings.tokenizer` and `PromptHelper` without a network,
even with `TIKTOKEN_CACHE_DIR` pointed at an empty folder (where LlamaIndex's own
default tokenizer would download).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import llama_index.core
import pytest
from llama_index.core import PromptTemplate, Settings
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.indices.prompt_helper import PromptHelper
from llama_index.core.tools import FunctionTool

from aai_gateway.tokens import Tokenizer, count_message_tokens
from llama_index_aai_gateway.tokens import (
    count_message_tokens as count_chat_tokens,
)
from llama_index_aai_gateway.tokens import gateway_tokenizer
from tests.llama_index.conftest import Caller, FakeGateway, text_reply

MODEL = "claude-sonnet-4-6"
QUESTION = "Who owns the launch checklist?"  # 6 tokens in cl100k_base


@pytest.fixture(autouse=True)
def _empty_tiktoken_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))


def test_the_tokenizer_is_the_models_estimate(make_llm: Any) -> None:
    llm = make_llm(model="gpt-5")
    assert llm.tokenizer("Hello world") == [13225, 2375]  # o200k_base
    assert make_llm(model=MODEL).tokenizer("Hello world") == [9906, 1917]
    assert gateway_tokenizer(MODEL)(QUESTION) == Tokenizer(MODEL)(QUESTION)


def test_the_token_counting_handler_uses_it_when_no_usage_came(
    call: Caller, fake: FakeGateway, make_llm: Any
) -> None:
    # German, where the two encodings differ (cl100k_base: 12 and 7 tokens).
    llm = make_llm(model="gpt-5")
    handler = TokenCountingHandler(tokenizer=llm.tokenizer)
    llm.callback_manager = CallbackManager([handler])
    fake.script(text_reply("Ben ist zuständig.", usage=None))
    call.complete(llm, "Wer ist für die Startcheckliste zuständig?")
    assert handler.prompt_llm_token_count == 10  # o200k_base
    assert handler.completion_llm_token_count == 5


def test_settings_tokenizer_takes_it(
    make_llm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `Settings.tokenizer` is global: the test's value is undone afterwards.
    monkeypatch.setattr(llama_index.core, "global_tokenizer", None)
    Settings.tokenizer = make_llm(model=MODEL).tokenizer
    assert Settings.tokenizer(QUESTION) == Tokenizer(MODEL)(QUESTION)


def test_prompt_helper_budgets_with_it(make_llm: Any) -> None:
    llm = make_llm(model=MODEL, context_window=80, max_tokens=20)
    helper = PromptHelper.from_llm_metadata(llm.metadata, tokenizer=llm.tokenizer)
    prompt = PromptTemplate("Answer from the notes.\n{context_str}\nAnswer:")
    notes = " ".join(f"Point {n} was agreed by everyone present." for n in range(40))
    [truncated] = helper.truncate(prompt, [notes], padding=0)
    available = 80 - 20 - llm.tokenizer.count(prompt.format(context_str=""))
    assert 0 < llm.tokenizer.count(truncated) <= available
    assert len(truncated) < len(notes)


def test_a_chat_estimate_counts_what_chat_sends(
    call: Caller, fake: FakeGateway, make_llm: Any
) -> None:
    def lookup(query: str) -> str:
        """Look something up in the meeting notes."""
        return query

    tools = [FunctionTool.from_defaults(lookup)]
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content="Answer about meetings."),
        ChatMessage(role=MessageRole.USER, content=QUESTION),
    ]
    llm = make_llm(model=MODEL)
    call.chat(llm, messages, tools=tools)
    body = fake.last
    sent = count_message_tokens(body["messages"], MODEL, tools=body["tools"])
    assert count_chat_tokens(messages, MODEL, tools) == sent
    assert count_chat_tokens(messages, MODEL) == count_message_tokens(
        body["messages"], MODEL
    )
    assert count_chat_tokens(messages, MODEL) < sent
