"""`TranscriptQueryEngine`: whole-meeting questions, answered by reference."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any

from llama_index.core.base.llms.types import (
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
)
from llama_index.core.base.response.schema import (
    AsyncStreamingResponse,
    Response,
    StreamingResponse,
)
from llama_index.core.bridge.pydantic import Field, field_validator
from llama_index.core.prompts import PromptTemplate
from llama_index.core.query_engine import CustomQueryEngine

from aai_gateway import TRANSCRIPT_TAG
from llama_index_aai_gateway.llms import AssemblyAI

__all__ = ["DEFAULT_TRANSCRIPT_PROMPT", "TranscriptQueryEngine"]

DEFAULT_TRANSCRIPT_PROMPT = PromptTemplate(
    "Answer the question using only the meeting transcript below. If the "
    "transcript does not say, answer that it does not say.\n\n"
    f"Transcript:\n{TRANSCRIPT_TAG}\n\n"
    "Question: {query_str}\nAnswer: "
)


class TranscriptQueryEngine(CustomQueryEngine):
    """Answer questions about one meeting from its whole transcript.

    The transcript is never downloaded: the gateway injects it at the
    `{{ transcript }}` tag of the prompt (`transcript_id` travels with the request).
    Wrap it in a `QueryEngineTool` so agents can ask meetings questions.

    Example:
        ```python
        engine = TranscriptQueryEngine(llm=AssemblyAI(), transcript_id="...")
        print(engine.query("What did we decide about pricing?"))
        ```
    """

    llm: AssemblyAI = Field(description="The gateway LLM that answers.")
    transcript_id: str = Field(min_length=1, description="The meeting's transcript.")
    prompt: PromptTemplate = Field(
        default=DEFAULT_TRANSCRIPT_PROMPT,
        description="A template with `{query_str}` and the exact `{{ transcript }}` tag.",
    )
    streaming: bool = Field(default=False, description="Answer as a token stream.")

    @field_validator("prompt")
    @classmethod
    def _has_tag(cls, prompt: PromptTemplate) -> PromptTemplate:
        if TRANSCRIPT_TAG not in prompt.get_template():
            msg = (
                f"`prompt` must contain the exact tag {TRANSCRIPT_TAG!r} where the "
                "transcript goes (write it as is in a PromptTemplate)"
            )
            raise ValueError(msg)
        return prompt

    def _text(self, query_str: str) -> str:
        return self.prompt.format(query_str=query_str)

    def _metadata(self, response: CompletionResponse | None = None) -> dict[str, Any]:
        extra = response.additional_kwargs if response is not None else {}
        return {"transcript_id": self.transcript_id, **extra}

    def custom_query(self, query_str: str) -> Response | StreamingResponse:
        """Answer `query_str` from the transcript."""
        kwargs = {"transcript_id": self.transcript_id}
        if self.streaming:
            stream = self.llm.stream_complete(self._text(query_str), **kwargs)
            metadata = self._metadata()
            return StreamingResponse(_deltas(stream, metadata), metadata=metadata)
        answer = self.llm.complete(self._text(query_str), **kwargs)
        return Response(answer.text, metadata=self._metadata(answer))

    async def acustom_query(self, query_str: str) -> Response | AsyncStreamingResponse:
        """Async `custom_query`."""
        kwargs = {"transcript_id": self.transcript_id}
        if self.streaming:
            stream = await self.llm.astream_complete(self._text(query_str), **kwargs)
            metadata = self._metadata()
            return AsyncStreamingResponse(_adeltas(stream, metadata), metadata=metadata)
        answer = await self.llm.acomplete(self._text(query_str), **kwargs)
        return Response(answer.text, metadata=self._metadata(answer))


def _deltas(
    stream: CompletionResponseGen, metadata: dict[str, Any]
) -> Generator[str, None, None]:
    """The text deltas; at the end, the last response's usage, model, ... go into `metadata`."""
    response = None
    for response in stream:
        yield response.delta or ""
    if response is not None:
        metadata.update(response.additional_kwargs)


async def _adeltas(
    stream: CompletionResponseAsyncGen, metadata: dict[str, Any]
) -> AsyncGenerator[str, None]:
    """Async `_deltas`."""
    response = None
    async for response in stream:
        yield response.delta or ""
    if response is not None:
        metadata.update(response.additional_kwargs)
