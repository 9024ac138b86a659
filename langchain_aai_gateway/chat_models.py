"""`ChatAssemblyAI`: AssemblyAI's LLM Gateway as a LangChain chat model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import (
    BaseChatModel,
    LangSmithParams,
    LanguageModelInput,
    ModelProfile,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from typing_extensions import Self

from aai_gateway import ToolParam
from aai_gateway.adapters import resolve_tool_choice
from aai_gateway.tokens import Tokenizer
from aai_gateway.types import known_capabilities
from langchain_aai_gateway._common import GatewayModelMixin
from langchain_aai_gateway._convert import (
    StreamConverter,
    from_gateway_completion,
    to_gateway_messages,
)
from langchain_aai_gateway._structured import (
    JSON_REPAIR,
    StructuredMethod,
    structured_parser,
    to_gateway_response_format,
    tool_name,
    with_raw,
)

__all__ = ["ChatAssemblyAI"]


class ChatAssemblyAI(GatewayModelMixin, BaseChatModel):
    """A chat model on AssemblyAI's LLM Gateway (Claude, GPT, Gemini, Qwen, Kimi, ...).

    Talks to the gateway through `aai_gateway`'s client (no OpenAI SDK), natively
    sync and async, streaming tokens as they arrive. Tools, structured output,
    transcripts by id (`transcript_id`, injected at the `{{ transcript }}` tag),
    fallbacks and JSON repair are all fields or per-call kwargs. Errors are the
    core's classes and also `langchain_core.exceptions` model errors.

    Example:
        ```python
        from langchain_aai_gateway import ChatAssemblyAI, TRANSCRIPT_TAG

        llm = ChatAssemblyAI(model="claude-sonnet-4-6")  # key: ASSEMBLYAI_API_KEY
        llm.invoke(f"Summarize this meeting: {TRANSCRIPT_TAG}", transcript_id="...")
        ```
    """

    @property
    def _llm_type(self) -> str:
        return "assemblyai-gateway-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return self._gateway_identifying_params()

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        return self._gateway_ls_params("chat", stop, kwargs)

    def _resolve_model_profile(self) -> ModelProfile | None:
        caps = known_capabilities(self.model)
        if caps is None:
            return None
        return ModelProfile(
            max_input_tokens=caps.context_window,
            max_output_tokens=caps.max_output_tokens or caps.context_window,
            text_inputs=True,
            image_inputs=False,
            image_url_inputs=False,
            pdf_inputs=False,
            audio_inputs=False,
            video_inputs=False,
            text_outputs=True,
            tool_calling=caps.supports("tools"),
            tool_choice=caps.supports("tool_choice"),
            tool_call_streaming=caps.supports("stream"),
            structured_output=caps.supports("response_format"),
            temperature=caps.supports("temperature"),
        )

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """An offline estimate of the prompt tokens of `messages` (and `tools`).

        The messages are converted as a request would send them and counted with
        `aai_gateway.tokens.Tokenizer` (OpenAI's chat framing per message; tools
        as their JSON definitions), so `trim_messages(..., token_counter=llm)`
        works without a network. It is an estimate: exact for OpenAI models'
        text, close for the others, and blind to a transcript the gateway
        injects at the `{{ transcript }}` tag. With `custom_get_token_ids` set,
        LangChain's own count (over rendered text, tools ignored) is used.

        Raises:
            ValueError: a message the gateway cannot take (media parts).
        """
        if self.custom_get_token_ids is not None:
            return super().get_num_tokens_from_messages(messages, tools)
        specs = [convert_to_openai_tool(t) for t in tools or ()]
        wire = to_gateway_messages(messages, self.model)
        return Tokenizer(self.model).count_messages(wire, specs)

    def with_transcript(self, transcript_id: str) -> Self:
        """A copy of this model bound to one transcript.

        Unlike `.bind(transcript_id=...)`, it survives `bind_tools`,
        `with_structured_output` and `create_agent`, because it is a field.
        """
        return self.model_copy(update={"transcript_id": transcript_id})

    # -- requests -------------------------------------------------------------------

    def _chat_request(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
    ) -> dict[str, Any]:
        model = self._call_model(kwargs)
        content = {"messages": to_gateway_messages(messages, model)}
        return self._build_request(content, stop, kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._chat_request(messages, stop, kwargs)
        completion = self._complete(request, kwargs)
        return _result(from_gateway_completion(completion, request["model"]))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._chat_request(messages, stop, kwargs)
        completion = await self._acomplete(request, kwargs)
        return _result(from_gateway_completion(completion, request["model"]))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._chat_request(messages, stop, kwargs)
        converter = StreamConverter(
            request["model"], include_usage=self._include_usage(kwargs)
        )
        for chunk in self._iter_chunks(request, kwargs):
            for generation in converter.convert(chunk):
                if run_manager:
                    run_manager.on_llm_new_token(generation.text, chunk=generation)
                yield generation

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = self._chat_request(messages, stop, kwargs)
        converter = StreamConverter(
            request["model"], include_usage=self._include_usage(kwargs)
        )
        async for chunk in self._aiter_chunks(request, kwargs):
            for generation in converter.convert(chunk):
                if run_manager:
                    await run_manager.on_llm_new_token(
                        generation.text, chunk=generation
                    )
                yield generation

    # -- tools and structured output --------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        response_format: dict[str, Any] | type | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer tools to the model.

        Args:
            tools: LangChain tools, functions, Pydantic classes, TypedDicts or
                JSON/OpenAI tool schemas.
            tool_choice: `"auto"`, `"none"`, a tool name, or `"any"`/`"required"`/
                `True`: the one tool by name when only one is bound; with several,
                `"auto"` and a `UserWarning` (the gateway documents no way to force
                one of several; pass a name). See `aai_gateway.adapters.resolve_tool_choice`.
            parallel_tool_calls: Sent only when set (undocumented on the gateway;
                not every model takes it).
            strict: Ask for schema-exact arguments.
            response_format: A `{"type": "json_schema", ...}` dict or a schema, for
                structured final answers (`create_agent`'s provider strategy).
            **kwargs: Bound as call kwargs (e.g. `transcript_id`).
        """
        formatted: list[ToolParam] = [
            convert_to_openai_tool(t, strict=strict)  # type: ignore[misc]
            for t in tools
        ]
        names = [t["function"]["name"] for t in formatted]
        choice = resolve_tool_choice(tool_choice, names)
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        if response_format is not None:
            kwargs["response_format"] = to_gateway_response_format(response_format)
        return self.bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        method: StructuredMethod = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        json_repair: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """A runnable that answers with an instance of `schema`.

        Args:
            schema: A Pydantic class (parsed into it), a TypedDict or a JSON schema
                (parsed into a dict).
            method: `function_calling` (default: a forced tool call, which every
                tool-capable model takes) or `json_schema` (`response_format`;
                `json_mode` is the same, the gateway has no JSON mode).
            include_raw: Return `{"raw", "parsed", "parsing_error"}`.
            strict: Ask for schema-exact output.
            json_repair: Add the gateway's `json-repair` post-processing step.
            **kwargs: Bound as call kwargs (e.g. `transcript_id`).
        """
        if method not in ("function_calling", "json_schema", "json_mode"):
            msg = f"`method` must be 'function_calling', 'json_schema' or 'json_mode', got {method!r}"
            raise ValueError(msg)
        if json_repair:
            kwargs["post_processing_steps"] = [
                *(
                    kwargs.get("post_processing_steps")
                    or self.post_processing_steps
                    or []
                ),
                JSON_REPAIR,
            ]
        kwargs["ls_structured_output_format"] = {
            "kwargs": {"method": method, "strict": strict},
            "schema": schema,
        }
        llm: Runnable[LanguageModelInput, Any]
        if method == "function_calling":
            llm = self.bind_tools(
                [schema], tool_choice=tool_name(schema), strict=strict, **kwargs
            )
        else:
            llm = self.bind(
                response_format=to_gateway_response_format(schema, strict), **kwargs
            )
        parser = structured_parser(schema, method)
        return with_raw(llm, parser) if include_raw else llm | parser


def _result(message: AIMessage) -> ChatResult:
    info = {"finish_reason": message.response_metadata.get("finish_reason")}
    return ChatResult(
        generations=[ChatGeneration(message=message, generation_info=info)]
    )
