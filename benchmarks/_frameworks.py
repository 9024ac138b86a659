"""The frameworks' own cost: fake models that do no I/O.

`GenericFakeChatModel` is LangChain's; its async stream is made native here (the
default runs each step in a thread, which would inflate the floor). `EchoLLM` is
the same for LlamaIndex: a `CustomLLM` whose chat methods carry LlamaIndex's
instrumentation decorators and answer from memory.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback


class FakeChatModel(GenericFakeChatModel):
    """`GenericFakeChatModel` answering `reply` forever, with native async methods.

    LangChain's default `_agenerate` runs `_generate` in a thread pool; a model
    with real async I/O (ours, `ChatOpenAI`) does not, so neither does the floor.
    """

    def _astream(  # type: ignore[override]
        self, messages: list[BaseMessage], stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        return _aiter(self._stream(messages, stop, **kwargs))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop, **kwargs)


def fake_chat_model(reply: str) -> FakeChatModel:
    return FakeChatModel(messages=itertools.repeat(AIMessage(reply)))


async def _aiter(items: Iterator[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


class EchoLLM(CustomLLM):
    """A LlamaIndex LLM that answers `reply`, streamed one word per response."""

    reply: str = ""

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(is_chat_model=True)

    def _responses(self) -> Iterator[ChatResponse]:
        text = ""
        for word in self.reply.split(" "):
            text += word
            message = ChatMessage(role=MessageRole.ASSISTANT, content=text)
            yield ChatResponse(message=message, delta=word)

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        message = ChatMessage(role=MessageRole.ASSISTANT, content=self.reply)
        return ChatResponse(message=message)

    @llm_chat_callback()
    async def achat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponse:
        return self.chat(messages)

    @llm_chat_callback()
    def stream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseGen:
        return self._responses()

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        return _aiter(self._responses())

    @llm_completion_callback()
    def complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        return CompletionResponse(text=self.reply)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        return iter([CompletionResponse(text=self.reply, delta=self.reply)])
