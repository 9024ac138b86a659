"""`AssemblyAI`: a LlamaIndex function-calling LLM on AssemblyAI's LLM Gateway."""

from __future__ import annotations

import copy
import operator
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

# Re-exported by core without `__all__`; the public way LlamaIndex integrations use.
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import BaseTool
from llama_index.core.types import Model, PydanticProgramMode
from pydantic import AliasChoices, BaseModel

from aai_gateway import AsyncChatStream, AsyncGatewayClient, ChatStream, GatewayClient
from aai_gateway.adapters import (
    CALL_OPTIONS,
    CLIENT_SETTING_NAMES,
    DEFAULT_MAX_TOKENS,
    REQUEST_FIELD_NAMES,
    check_settings,
    client_key,
    client_kwargs,
    refuse_client_settings,
    rename_options,
    request_fields,
    resolve_tool_choice,
    warn_renamed,
)
from aai_gateway.tokens import Tokenizer
from aai_gateway.types import known_capabilities
from llama_index_aai_gateway._convert import (
    StreamState,
    amessages_checked,
    build_response_format,
    from_gateway_completion,
    messages_checked,
    parse_structured,
    to_completion_response,
    to_gateway_messages,
    to_gateway_tools,
    tool_selections,
    trim_to_one_tool_call,
)

__all__ = ["AssemblyAI"]

_dispatcher = get_dispatcher(__name__)

DEFAULT_MODEL = "claude-sonnet-4-6"
_UNKNOWN_CONTEXT_WINDOW = 32_768  # the smallest window in the gateway catalogue
# LlamaIndex-internal kwargs that can reach `chat(**kwargs)` and must not be sent.
_FRAMEWORK_KWARGS = frozenset(
    {
        "tool_required",
        "allow_parallel_tool_calls",
        "use_chat_completions",
        "verbose",
        "error_on_no_tool_call",
        "error_on_tool_error",
        "formatted",
        "stream",
    }
)
_ClientKey = tuple[Any, ...]
# The declared settings a pool is built from (an LLM and its copies share a pool
# while they are equal) and the declared body fields, read with one `attrgetter`
# each on every call (`aai_gateway.adapters.CLIENT_SETTINGS`, `REQUEST_FIELDS`).
_read_settings = operator.attrgetter(*CLIENT_SETTING_NAMES)
_read_fields = operator.attrgetter(*REQUEST_FIELD_NAMES)


class _Pools:
    """The clients an LLM and its cheap copies share, one per configuration."""

    def __init__(self) -> None:
        self.sync: dict[_ClientKey, GatewayClient] = {}
        self.aio: dict[_ClientKey, AsyncGatewayClient] = {}


_BUILD_LOCK = threading.Lock()


class AssemblyAI(FunctionCallingLLM):
    """A LlamaIndex LLM for AssemblyAI's LLM Gateway (Claude, GPT, Gemini and more).

    It works wherever LlamaIndex takes an LLM: `Settings.llm`, query and chat
    engines, `FunctionAgent`, `ReActAgent`, `AgentWorkflow` and structured
    prediction. Gateway extras (`transcript_id`, `fallbacks`,
    `post_processing_steps`, ...) are fields, and any of them can be given per call.

    Example:
        ```python
        from llama_index_aai_gateway import AssemblyAI

        llm = AssemblyAI(model="claude-sonnet-4-6")  # key from ASSEMBLYAI_API_KEY
        print(llm.complete("Summarize: {{ transcript }}", transcript_id="...").text)
        ```

    Args:
        http_client: Your own `httpx.Client`; used as is, never closed here.
        http_async_client: Your own `httpx.AsyncClient`; used as is, never closed
            here (`async_http_client`, its name before 0.2, works with a warning).
        **data: The fields below, and LlamaIndex's own (`system_prompt`,
            `callback_manager`, `pydantic_program_mode`, ...).
    """

    model_config = ConfigDict(protected_namespaces=(), arbitrary_types_allowed=True)

    model: str = Field(default=DEFAULT_MODEL, description="The gateway model id.")
    api_key: str | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="Your AssemblyAI API key (default: env ASSEMBLYAI_API_KEY).",
    )
    base_url: str | None = Field(
        default=None, description="The gateway URL including /v1; wins over region."
    )
    region: Literal["us", "eu"] | None = Field(
        default=None, description="The gateway region (default us)."
    )
    temperature: float | None = Field(default=None, description="From 0 to 2.")
    max_tokens: int | None = Field(
        default=None,
        validation_alias=AliasChoices("max_tokens", "max_completion_tokens"),
        description="Output cap (gateway default 1000), sent as `max_tokens`; "
        "`max_completion_tokens` is accepted as another name for it.",
    )
    timeout: float | None = Field(
        default=None, description="Seconds per request (default 600)."
    )
    max_retries: int = Field(
        default=2, description="Retries after the first attempt (0 turns them off)."
    )
    stream_chunk_timeout: float | None = Field(
        default=120.0,
        description="The longest wait in seconds for a stream's next event "
        "(a longer silence raises a timeout error); None leaves only `timeout`.",
    )
    stream_deadline: float | None = Field(
        default=None,
        description="The longest a whole stream may take in seconds, retries "
        "included; None (default) sets no bound.",
    )
    transcript_id: str | None = Field(
        default=None,
        description="A transcript injected at the first `{{ transcript }}` tag.",
    )
    transcript_tag_placement: Literal["strict", "auto"] = Field(
        default="strict",
        description="'strict': a request with transcript_id must carry the tag; "
        "'auto': add it to the first user message when missing "
        "(`transcript_placement` before 0.2).",
    )
    inline_transcripts: bool = Field(
        default=False,
        description="Messages referencing several transcripts (`transcript_ref`): the "
        "first goes by reference; True fetches the others' text and sends it inline "
        "(listed in `additional_kwargs['inlined_transcripts']`), False raises.",
    )
    transcript_base_url: str | None = Field(
        default=None,
        description="The transcript REST API root (default: the region's host), "
        "used to fetch transcripts for `inline_transcripts`.",
    )
    post_processing_steps: list[dict[str, Any]] | None = None
    """Steps the gateway runs on the answer, e.g. `[{"type": "json-repair"}]`."""
    fallbacks: list[dict[str, Any]] | None = None
    """Models (and overrides) the gateway tries when the model fails."""
    fallback_config: dict[str, Any] | None = None
    """How the gateway falls back: `{"depth": 1 or 2, "retry": bool}` (how many
    fallbacks it tries, and whether it first retries the same model)."""
    model_region: Literal["global"] | None = None
    """`"global"` asks the gateway to route the request to the model's global
    deployment (where the catalogue lists one)."""
    reasoning: dict[str, Any] | None = None
    """The gateway's reasoning setting, e.g. `{"effort": "low"}`."""
    top_p: float | None = Field(default=None, description="From 0 to 1.")
    seed: int | None = None
    """Ask for repeatable sampling (models that take it)."""
    frequency_penalty: float | None = Field(default=None, description="-2 to 2.")
    presence_penalty: float | None = Field(default=None, description="-2 to 2.")
    reasoning_effort: str | None = Field(
        default=None,
        description="'low', 'medium' or 'high': OpenAI's name for the gateway's "
        "reasoning setting, sent as reasoning={'effort': ...}.",
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra body fields sent on every request."
    )
    default_headers: dict[str, str] | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="Headers sent with every request (kept out of serialization).",
    )
    context_window: int | None = Field(
        default=None, gt=0, description="Override the bundled context window."
    )
    structured_output_mode: Literal["tool_call", "json_schema"] = Field(
        default="tool_call",
        description="How `structured_predict` asks for JSON: a forced tool call, or "
        "`response_format` json_schema where the model takes it (else a tool call).",
    )

    _http_client: httpx.Client | None = PrivateAttr(default=None)
    _http_async_client: httpx.AsyncClient | None = PrivateAttr(default=None)
    # Shared (not copied) by `model_copy`/`with_transcript`, so copies reuse pools.
    _pools: _Pools = PrivateAttr(default_factory=_Pools)

    def __init__(
        self,
        *,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        **data: Any,
    ) -> None:
        if "async_http_client" in data:
            given = {"async_http_client": data.pop("async_http_client")}
            if http_async_client is not None:
                given["http_async_client"] = http_async_client
            renamed = rename_options(given, "AssemblyAI")
            http_async_client = renamed["http_async_client"]
        _check_type(http_client, httpx.Client, "http_client")
        _check_type(http_async_client, httpx.AsyncClient, "http_async_client")
        super().__init__(**data)
        self._http_client = http_client
        self._http_async_client = http_async_client

    @model_validator(mode="before")
    @classmethod
    def _rename_old_options(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        # The user's call is 4 frames up: `AssemblyAI.__init__` and LlamaIndex's
        # and pydantic's.
        return rename_options(data, "AssemblyAI", stacklevel=6)

    @model_validator(mode="after")
    def _check_settings(self) -> AssemblyAI:
        # The checks the core makes at the first call, made now, with the same
        # messages as LangChain's `ChatAssemblyAI` (the user's HTTP clients are
        # checked above: they are set only after this runs).
        check_settings(self)
        return self

    @property
    def http_client(self) -> httpx.Client | None:
        """The `httpx.Client` passed in, if any (used as is, never closed here)."""
        return self._http_client

    @property
    def http_async_client(self) -> httpx.AsyncClient | None:
        """The `httpx.AsyncClient` passed in, if any (used as is, never closed here)."""
        return self._http_async_client

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> AssemblyAI:
        """A deep copy of the fields; it builds its own pools (open ones cannot be copied).

        User-supplied httpx clients are shared, never copied.
        """
        copied = self.model_copy()
        for name, value in self.__dict__.items():
            copied.__dict__[name] = copy.deepcopy(value, memo)
        copied._pools = _Pools()
        return copied

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle without the key or any HTTP client (both are rebuilt lazily).

        The unpickled LLM reads `ASSEMBLYAI_API_KEY` at its first request, so it
        runs in a process pool worker without the key travelling in the pickle.
        """
        # pydantic's own state, not LlamaIndex's, which pickles each private
        # attribute to find (and warn about) the ones that cannot be.
        state = dict(BaseModel.__getstate__(self))
        fields = dict(state.get("__dict__") or {})
        fields["api_key"] = None
        private = dict(state.get("__pydantic_private__") or {})
        private.update(_pools=_Pools(), _http_client=None, _http_async_client=None)
        return {**state, "__dict__": fields, "__pydantic_private__": private}

    @classmethod
    def class_name(cls) -> str:
        """The stable name LlamaIndex serializes this class under."""
        return "AssemblyAI"

    @property
    def metadata(self) -> LLMMetadata:
        """What LlamaIndex needs to budget prompts and pick code paths (no network)."""
        fields = _metadata_fields(self.model, self.context_window, self.max_tokens)
        return LLMMetadata(**fields)

    def to_payload(self) -> dict[str, Any]:
        """LlamaIndex's payload (no secrets) plus the region tier the call is priced at.

        `AssemblyAICostHandler` reads `region` and `model_region` from it.
        """
        payload = super().to_payload()
        payload.update(region=self.region, model_region=self.model_region)
        return payload

    @property
    def tokenizer(self) -> Tokenizer:
        """An offline token-count estimate for `model` (`str -> list[int]`).

        For `TokenCountingHandler(tokenizer=...)`, `Settings.tokenizer` and
        `PromptHelper`; see `llama_index_aai_gateway.tokens`.
        """
        return Tokenizer(self.model)

    def with_transcript(self, transcript_id: str) -> AssemblyAI:
        """A cheap copy bound to one transcript, for engines and agents.

        Query engines, chat engines and agents pass no per-call arguments, so the
        transcript has to ride on the LLM. The copy shares this one's connections.
        """
        return self.model_copy(update={"transcript_id": transcript_id})

    def for_transcript(self, transcript_id: str) -> AssemblyAI:
        """Deprecated: the name of `with_transcript` before 0.2 (goes in the next release)."""
        warn_renamed("for_transcript", "with_transcript", "AssemblyAI")
        return self.with_transcript(transcript_id)

    # -- clients ----------------------------------------------------------------------

    def _sync_client(self) -> GatewayClient:
        values = _read_settings(self)
        key = client_key(values)
        client = self._pools.sync.get(key)
        if client is None:
            # Threads sharing one LLM must not each build (and leak) a pool.
            with _BUILD_LOCK:
                client = self._pools.sync.get(key)
                if client is None:
                    client = GatewayClient(**client_kwargs(values, "sync"))
                    self._pools.sync[key] = client
        return client

    def _async_client(self) -> AsyncGatewayClient:
        values = _read_settings(self)
        key = client_key(values)
        client = self._pools.aio.get(key)
        if client is None:
            client = AsyncGatewayClient(**client_kwargs(values, "async"))
            self._pools.aio[key] = client
        return client

    def close(self) -> None:
        """Close the sync pools of this LLM and its copies (a passed-in client stays open)."""
        for client in self._pools.sync.values():
            client.close()

    async def aclose(self) -> None:
        """Close the running loop's pools of this LLM and its copies (not a passed-in client)."""
        for client in self._pools.aio.values():
            await client.aclose()

    # -- requests ---------------------------------------------------------------------

    def _build_request(
        self, messages: Sequence[ChatMessage], kwargs: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The wire request and the per-call client options (timeout, headers).

        Precedence: per-call kwargs, then `additional_kwargs`, then the fields.
        """
        if not kwargs and not self.additional_kwargs:
            # Most calls: nothing to merge, so no layered dicts to build and filter.
            return self._field_request(messages), {}
        refuse_client_settings(kwargs, "AssemblyAI")
        options = {k: kwargs[k] for k in CALL_OPTIONS if k in kwargs}
        call = {
            k: v
            for k, v in request_fields(kwargs).items()
            if k not in _FRAMEWORK_KWARGS and k not in CALL_OPTIONS
        }
        if call.get("tools") is not None:
            call["tools"] = to_gateway_tools(call["tools"]) or None
        request = {**self._field_request(messages), **self.additional_kwargs, **call}
        if request.get("tools") is None:
            request.pop("tool_choice", None)
        return {k: v for k, v in request.items() if v is not None}, options

    def _field_request(self, messages: Sequence[ChatMessage]) -> dict[str, Any]:
        """The declared fields that are set (the model among them), and the messages."""
        request = request_fields(_read_fields(self))
        request["messages"] = to_gateway_messages(messages)
        return request

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        request, options = self._build_request(messages, kwargs)
        return from_gateway_completion(self._sync_client().chat(request, **options))

    async def _achat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponse:
        request, options = self._build_request(messages, kwargs)
        completion = await self._async_client().achat(request, **options)
        return from_gateway_completion(completion)

    def _stream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseGen:
        # Checked and mapped now (bad input raises here); sent on first iteration.
        request, options = self._build_request(messages, kwargs)
        return _iter_responses(self._sync_client().stream_chat(request, **options))

    def _astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        request, options = self._build_request(messages, kwargs)
        stream = self._async_client().astream_chat(request, **options)
        return _aiter_responses(stream)

    # -- the eight LlamaIndex endpoints ----------------------------------------------

    @messages_checked
    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Send a chat; gateway fields may be given per call (`transcript_id=...`)."""
        return self._chat(messages, **kwargs)

    @amessages_checked
    @llm_chat_callback()
    async def achat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponse:
        """Async `chat`."""
        return await self._achat(messages, **kwargs)

    @messages_checked
    @llm_chat_callback()
    def stream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseGen:
        """Stream a chat: each response holds the whole text and tool calls so far."""
        return self._stream_chat(messages, **kwargs)

    @amessages_checked
    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        """Async `stream_chat`: `gen = await llm.astream_chat(...)`, then `async for`."""
        return self._astream_chat(messages, **kwargs)

    @llm_completion_callback()
    def complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        """Complete a prompt (sent as one user message)."""
        return to_completion_response(self._chat(_as_messages(prompt), **kwargs))

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        """Async `complete`."""
        response = await self._achat(_as_messages(prompt), **kwargs)
        return to_completion_response(response)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        """Stream a completion: `text` is cumulative, `delta` the new part."""
        return _iter_completions(self._stream_chat(_as_messages(prompt), **kwargs))

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """Async `stream_complete`."""
        return _aiter_completions(self._astream_chat(_as_messages(prompt), **kwargs))

    # -- structured output ------------------------------------------------------------

    def _response_format(self, output_cls: type[BaseModel]) -> dict[str, Any] | None:
        """The json_schema `response_format` to use, or `None` for a forced tool call."""
        if (
            self.structured_output_mode != "json_schema"
            or self.pydantic_program_mode != PydanticProgramMode.DEFAULT
        ):
            return None
        caps = known_capabilities(self.model)
        if caps is not None and not caps.supports("response_format"):
            return None
        return build_response_format(output_cls)

    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Predict a Pydantic object (a forced tool call, or json_schema; see the field)."""
        response_format = self._response_format(output_cls)
        if response_format is None:
            result: Model = super().structured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return result
        messages = self._structured_messages(output_cls, prompt, prompt_args)
        kwargs = {**(llm_kwargs or {}), "response_format": response_format}
        return _structured_result(output_cls, self._chat(messages, **kwargs))

    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async `structured_predict`."""
        response_format = self._response_format(output_cls)
        if response_format is None:
            result: Model = await super().astructured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return result
        messages = self._structured_messages(output_cls, prompt, prompt_args)
        kwargs = {**(llm_kwargs or {}), "response_format": response_format}
        return _structured_result(output_cls, await self._achat(messages, **kwargs))

    def _structured_messages(
        self,
        output_cls: type[BaseModel],
        prompt: PromptTemplate,
        prompt_args: dict[str, Any],
    ) -> list[ChatMessage]:
        _dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        return self._get_messages(prompt, **prompt_args)

    # -- tool calling -----------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The `chat` arguments for a tool call; the caller's history is not touched."""
        messages = list(chat_history or [])
        if isinstance(user_msg, str):
            user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
        if user_msg is not None:
            messages.append(user_msg)
        specs = to_gateway_tools(tools, strict=strict)
        names = [spec["function"]["name"] for spec in specs]
        return {
            **kwargs,
            "messages": messages,
            "tools": specs or None,
            "tool_choice": _tool_choice(tool_choice, tool_required, names),
        }

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep only the first tool call unless parallel calls are allowed."""
        if allow_parallel_tool_calls:
            return response
        return trim_to_one_tool_call(response)

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        **kwargs: Any,
    ) -> list[ToolSelection]:
        """The tool calls in a response (tolerant of partial JSON while streaming).

        Raises:
            ValueError: no tool calls and `error_on_no_tool_call` is set.
        """
        return tool_selections(response, error_on_no_tool_call=error_on_no_tool_call)


def _metadata_fields(
    model: str, context_window: int | None, max_tokens: int | None
) -> dict[str, Any]:
    """`LLMMetadata` fields for a model and its limits (the bundled table, no I/O)."""
    caps = known_capabilities(model)
    window = context_window or (
        caps.context_window if caps else _UNKNOWN_CONTEXT_WINDOW
    )
    return {
        "context_window": window,
        "num_output": max_tokens or DEFAULT_MAX_TOKENS,
        "is_chat_model": True,
        "is_function_calling_model": caps is None or caps.supports("tools"),
        "model_name": model,
        "system_role": MessageRole.SYSTEM,
    }


def _tool_choice(
    tool_choice: str | dict[str, Any] | None, tool_required: bool, names: list[str]
) -> object:
    """The wire `tool_choice`: the core's one rule (`aai_gateway.adapters.resolve_tool_choice`).

    `tool_required` asks for `"required"` when no `tool_choice` is given: the one
    tool by name, or `"auto"` with a `UserWarning` when several are offered.
    """
    if not names:
        return None
    if tool_choice is None and tool_required:
        tool_choice = "required"
    return resolve_tool_choice(tool_choice, names)


def _check_type(value: object, kind: type, name: str) -> None:
    if value is not None and not isinstance(value, kind):
        msg = f"`{name}` must be an {kind.__module__}.{kind.__qualname__}, got {type(value).__name__}"
        raise TypeError(msg)


def _structured_result(output_cls: type[Model], response: ChatResponse) -> Model:
    result = parse_structured(output_cls, response)
    _dispatcher.event(LLMStructuredPredictEndEvent(output=result))
    return result


def _as_messages(prompt: str) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=prompt)]


def _iter_responses(stream: ChatStream) -> ChatResponseGen:
    state = StreamState()
    with stream:
        for chunk in stream:
            yield state.add(chunk)


async def _aiter_responses(stream: AsyncChatStream) -> ChatResponseAsyncGen:
    state = StreamState()
    async with stream:
        async for chunk in stream:
            yield state.add(chunk)


def _iter_completions(responses: ChatResponseGen) -> CompletionResponseGen:
    for response in responses:
        yield to_completion_response(response)


async def _aiter_completions(
    responses: ChatResponseAsyncGen,
) -> CompletionResponseAsyncGen:
    async for response in responses:
        yield to_completion_response(response)
