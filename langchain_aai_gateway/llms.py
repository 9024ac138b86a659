"""`AssemblyAILLM`: the gateway's `prompt` field as a LangChain text-completion model."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseLLM, LangSmithParams
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from typing_extensions import Self

from aai_gateway import ChatCompletion, ChatCompletionChunk
from langchain_aai_gateway._common import GatewayModelMixin
from langchain_aai_gateway._convert import response_metadata, to_usage_metadata

__all__ = ["AssemblyAILLM"]


class AssemblyAILLM(GatewayModelMixin, BaseLLM):
    """A text-completion model on AssemblyAI's LLM Gateway (sends `prompt`).

    Takes the same fields as `ChatAssemblyAI` (model, key, region, transcript,
    fallbacks, retries, ...) and streams tokens to callbacks as they arrive.

    Example:
        ```python
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import PromptTemplate
        from langchain_aai_gateway import AssemblyAILLM, TRANSCRIPT_TAG

        prompt = PromptTemplate.from_template("{transcript} Who spoke first?")
        chain = prompt.partial(transcript=TRANSCRIPT_TAG) | AssemblyAILLM(
            model="claude-haiku-4-5-20251001", transcript_id="..."
        ) | StrOutputParser()
        chain.invoke({})
        ```
    """

    @property
    def _llm_type(self) -> str:
        return "assemblyai-gateway-llm"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return self._gateway_identifying_params()

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        return self._gateway_ls_params("llm", stop, kwargs)

    def with_transcript(self, transcript_id: str) -> Self:
        """A copy of this model bound to one transcript."""
        return self.model_copy(update={"transcript_id": transcript_id})

    def _prompt_request(
        self, prompt: str, stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self._build_request({"prompt": prompt}, stop, kwargs)

    def _streams(self, kwargs: Mapping[str, Any]) -> bool:
        return bool(kwargs.get("stream", self.streaming))

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        generations: list[list[Generation]] = []
        for prompt in prompts:
            if self._streams(kwargs):
                chunks = self._stream(prompt, stop, run_manager, **kwargs)
                generations.append([_join(chunks)])
            else:
                request = self._prompt_request(prompt, stop, kwargs)
                answer = self._complete(request, kwargs)
                generations.append([_generation(answer, request["model"])])
        return LLMResult(generations=generations)

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        async def one(prompt: str) -> Generation:
            if self._streams(kwargs):
                chunks = self._astream(prompt, stop, run_manager, **kwargs)
                return _join([c async for c in chunks])
            request = self._prompt_request(prompt, stop, kwargs)
            answer = await self._acomplete(request, kwargs)
            return _generation(answer, request["model"])

        answers = await asyncio.gather(*(one(p) for p in prompts))
        return LLMResult(generations=[[a] for a in answers])

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        request = self._prompt_request(prompt, stop, kwargs)
        usage = self._include_usage(kwargs)
        for chunk in self._iter_chunks(request, kwargs):
            for piece in _pieces(chunk, request["model"], include_usage=usage):
                if run_manager:
                    run_manager.on_llm_new_token(piece.text, chunk=piece)
                yield piece

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        request = self._prompt_request(prompt, stop, kwargs)
        usage = self._include_usage(kwargs)
        async for chunk in self._aiter_chunks(request, kwargs):
            for piece in _pieces(chunk, request["model"], include_usage=usage):
                if run_manager:
                    await run_manager.on_llm_new_token(piece.text, chunk=piece)
                yield piece


def _info(
    answer: ChatCompletion | ChatCompletionChunk, model: str, *, include_usage: bool
) -> dict[str, Any]:
    info = response_metadata(answer, model)
    if answer.usage is not None and include_usage:
        info["usage_metadata"] = to_usage_metadata(answer.usage)
    return info


def _generation(answer: ChatCompletion, model: str) -> Generation:
    return Generation(
        text=answer.content or "",
        generation_info=_info(answer, model, include_usage=True),
    )


def _pieces(
    chunk: ChatCompletionChunk, model: str, *, include_usage: bool
) -> list[GenerationChunk]:
    """The text of one core chunk, then (on the last chunk) the metadata, apart."""
    pieces = [GenerationChunk(text=chunk.content)] if chunk.content else []
    if chunk.final:
        info = _info(chunk, model, include_usage=include_usage)
        pieces.append(GenerationChunk(text="", generation_info=info))
    return pieces


def _join(chunks: Iterator[GenerationChunk] | list[GenerationChunk]) -> Generation:
    joined: GenerationChunk | None = None
    for chunk in chunks:
        joined = chunk if joined is None else joined + chunk
    return joined or Generation(text="")
