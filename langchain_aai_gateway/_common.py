"""What `ChatAssemblyAI` and `AssemblyAILLM` share: fields, clients, request building.

Both classes inherit `GatewayModelMixin`, so the chat and the completion model take
the same constructor fields, build their core clients the same way, and turn fields
plus per-call kwargs into one core request in one place.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Literal

import httpx
from langchain_core.language_models import LangSmithParams
from langchain_core.utils import secret_from_env
from langchain_core.utils.utils import _build_model_kwargs, get_pydantic_field_names
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    model_validator,
)

from aai_gateway import (
    API_KEY_ENV,
    AsyncGatewayClient,
    ChatCompletion,
    ChatCompletionChunk,
    GatewayClient,
    Region,
    __version__,
)
from aai_gateway.adapters import apply_tag_placement, find_transcript_refs
from aai_gateway.transcripts import TagPlacement
from langchain_aai_gateway._errors import translate_errors

__all__ = ["GatewayModelMixin"]

# Per-call kwargs the adapter reads itself; they never reach the request body.
_ADAPTER_KWARGS = frozenset({"stream", "stream_usage", "transcript_tag_placement"})


def _accepted_names(cls: type[BaseModel]) -> set[str]:
    """Field names and every alias, validation aliases included."""
    names = get_pydantic_field_names(cls)
    for field in cls.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.update(c for c in alias.choices if isinstance(c, str))
    return names


_BUILD_LOCK = threading.Lock()


class GatewayModelMixin(BaseModel):
    """Constructor fields and request plumbing shared by the LangChain models."""

    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, protected_namespaces=()
    )

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    """The gateway model id, e.g. `claude-sonnet-4-6` (alias `model_name`)."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env(API_KEY_ENV, default=None),
        validation_alias=AliasChoices("api_key", "assemblyai_api_key"),
    )
    """Your AssemblyAI API key (default: `ASSEMBLYAI_API_KEY`; checked at the first request)."""
    base_url: str | None = None
    """The gateway URL including `/v1`; wins over `region` (an emulator, a proxy)."""
    region: Region | None = None
    """`"us"` (default) or `"eu"`."""
    temperature: float | None = None
    max_tokens: int | None = Field(
        default=None,
        validation_alias=AliasChoices("max_tokens", "max_completion_tokens"),
    )
    """The output cap, sent as `max_tokens` (alias `max_completion_tokens`, the
    newer OpenAI name, which the gateway does not document)."""
    stop: list[str] | None = Field(
        default=None, validation_alias=AliasChoices("stop", "stop_sequences")
    )
    timeout: float | httpx.Timeout | None = None
    """Seconds or an `httpx.Timeout` (default 600 s read, 5 s connect)."""
    max_retries: int = 2
    """Retries after the first attempt, on connection errors, 408/409/429 and 5xx."""
    stream_chunk_timeout: float | None = 120.0
    """The longest wait, in seconds, for a stream's next event; a longer silence
    raises a timeout error (`None` leaves only `timeout`)."""
    stream_deadline: float | None = None
    """The longest a whole stream may take, in seconds, retries included (`None`,
    the default, sets no bound)."""
    streaming: bool = False
    """Stream internally even for `invoke` (tokens reach callbacks as they arrive)."""
    stream_usage: bool = True
    """Ask for token usage at the end of a stream."""
    transcript_id: str | None = None
    """An AssemblyAI transcript the gateway injects at the `{{ transcript }}` tag."""
    transcript_tag_placement: TagPlacement = "strict"
    """`strict`: a request with `transcript_id` must carry the exact tag (near misses
    are explained). `auto`: add the tag to the first user message when none has it."""
    inline_transcripts: bool = False
    """Messages that reference several transcripts (`transcript_ref`): the first goes
    by reference; `True` fetches the others' text and sends it inline (reported in
    `response_metadata["inlined_transcripts"]`), `False` raises an error instead."""
    transcript_base_url: str | None = None
    """The transcript REST API root (default: the region's host), used to fetch
    transcripts for `inline_transcripts`."""
    post_processing_steps: list[dict[str, Any]] | None = None
    """E.g. `[{"type": "json-repair"}]`."""
    fallbacks: list[dict[str, Any]] | None = None
    """Models (and overrides) the gateway tries when the model fails."""
    fallback_config: dict[str, Any] | None = None
    model_region: Literal["global"] | None = None
    reasoning: dict[str, Any] | None = None
    """E.g. `{"effort": "low"}`."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other gateway fields, sent as they are (unknown init kwargs land here)."""
    extra_body: dict[str, Any] | None = None
    """More gateway fields, sent as they are (merged after `model_kwargs`)."""
    default_headers: dict[str, str] | None = None
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """Your own `httpx.Client` (proxies, mTLS); used as is and never closed here."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """Your own `httpx.AsyncClient`; used as is and never closed here."""

    _clients: dict[str, tuple[tuple[Any, ...], Any]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_gateway_kwargs(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return _build_model_kwargs(dict(values), _accepted_names(cls))
        return values

    @model_validator(mode="after")
    def _record_aai_gateway_version(self) -> GatewayModelMixin:
        add_version = getattr(self, "_add_version", None)
        if add_version is not None:
            add_version("aai-gateway", __version__)
        return self

    def __getstate__(self) -> dict[Any, Any]:
        # A pickle carries neither the key nor any HTTP client: the unpickled model
        # reads ASSEMBLYAI_API_KEY at its first request and builds its clients then,
        # so it runs in a process pool worker.
        state = dict(super().__getstate__())
        fields = dict(state.get("__dict__") or {})
        fields.update(api_key=None, http_client=None, http_async_client=None)
        private = dict(state.get("__pydantic_private__") or {})
        private["_clients"] = {}
        return {**state, "__dict__": fields, "__pydantic_private__": private}

    # -- clients ------------------------------------------------------------------

    def _client_options(self) -> tuple[Any, ...]:
        key = self.api_key.get_secret_value() if self.api_key else None
        headers = tuple(sorted((self.default_headers or {}).items()))
        return (
            key,
            self.base_url,
            self.region,
            self.timeout,
            self.max_retries,
            headers,
            self.transcript_tag_placement,
            self.inline_transcripts,
            self.transcript_base_url,
            self.stream_chunk_timeout,
            self.stream_deadline,
        )

    def _client_kwargs(self) -> dict[str, Any]:
        return {
            "api_key": self.api_key.get_secret_value() if self.api_key else None,
            "base_url": self.base_url,
            "region": self.region,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self.default_headers,
            "tag_placement": self.transcript_tag_placement,
            "inline_transcripts": self.inline_transcripts,
            "transcript_base_url": self.transcript_base_url,
            "stream_chunk_timeout": self.stream_chunk_timeout,
            "stream_deadline": self.stream_deadline,
        }

    def _cached(self, kind: str, options: tuple[Any, ...], build: Any) -> Any:
        # Read from the private-attribute slot: `self._clients` misses the whole
        # (deep) class hierarchy before pydantic's `__getattr__` finds it, ~2.5 us
        # on every call.
        clients: dict[str, tuple[tuple[Any, ...], Any]]
        clients = self.__pydantic_private__["_clients"]  # type: ignore[index]
        cached = clients.get(kind)
        if cached is None or cached[0] != options:
            # Threads sharing one model must not each build (and leak) a pool.
            with _BUILD_LOCK:
                cached = clients.get(kind)
                if cached is None or cached[0] != options:
                    cached = (options, build())
                    clients[kind] = cached
        return cached[1]

    def _sync_client(self) -> GatewayClient:
        """The core client, built on first use and rebuilt if the settings change."""
        options = (*self._client_options(), id(self.http_client))
        client: GatewayClient = self._cached(
            "sync",
            options,
            lambda: GatewayClient(
                http_client=self.http_client, **self._client_kwargs()
            ),
        )
        return client

    def _async_client(self) -> AsyncGatewayClient:
        """The async core client (one connection pool per event loop)."""
        options = (*self._client_options(), id(self.http_async_client))
        client: AsyncGatewayClient = self._cached(
            "async",
            options,
            lambda: AsyncGatewayClient(
                http_client=self.http_async_client, **self._client_kwargs()
            ),
        )
        return client

    # -- requests -----------------------------------------------------------------

    def _default_body(self) -> dict[str, Any]:
        """The fields sent as-is under their own name, then `model_kwargs`/`extra_body`.

        Built on every call (and twice for tracing), so it is spelled out rather than
        looked up by name.
        """
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "transcript_id": self.transcript_id,
            "post_processing_steps": self.post_processing_steps,
            "fallbacks": self.fallbacks,
            "fallback_config": self.fallback_config,
            "model_region": self.model_region,
            "reasoning": self.reasoning,
        }
        if self.model_kwargs:
            body.update(self.model_kwargs)
        if self.extra_body:
            body.update(self.extra_body)
        return body

    def _build_request(
        self,
        content: Mapping[str, Any],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
    ) -> dict[str, Any]:
        """One core request: fields, then `model_kwargs`/`extra_body`, then call kwargs.

        `content` holds `messages` or `prompt`. Per-call kwargs win over fields;
        `None` values are dropped. The transcript tag is checked (or placed) here.
        """
        body = {**self._default_body(), **content}
        body.update((k, v) for k, v in kwargs.items() if k not in _ADAPTER_KWARGS)
        stops = stop if stop is not None else self.stop
        if stops:
            body["stop"] = list(stops)
        if not self._include_usage(kwargs):
            body["stream_options"] = {"include_usage": False}
        body = {k: v for k, v in body.items() if v is not None}
        if find_transcript_refs(body):
            # The core turns references into the tag (and `transcript_id`) itself.
            return body
        placement = kwargs.get(
            "transcript_tag_placement", self.transcript_tag_placement
        )
        return dict(apply_tag_placement(body, placement))

    def _include_usage(self, kwargs: Mapping[str, Any]) -> bool:
        return bool(kwargs.get("stream_usage", self.stream_usage))

    def _call_model(self, kwargs: Mapping[str, Any]) -> str:
        return str(kwargs.get("model") or self.model)

    # -- I/O ----------------------------------------------------------------------

    def _complete(self, request: Mapping[str, Any]) -> ChatCompletion:
        with translate_errors():
            return self._sync_client().chat(request)

    async def _acomplete(self, request: Mapping[str, Any]) -> ChatCompletion:
        with translate_errors():
            return await self._async_client().achat(request)

    def _iter_chunks(self, request: Mapping[str, Any]) -> Iterator[ChatCompletionChunk]:
        with translate_errors(), self._sync_client().stream_chat(request) as stream:
            yield from stream

    async def _aiter_chunks(
        self, request: Mapping[str, Any]
    ) -> AsyncIterator[ChatCompletionChunk]:
        with translate_errors():
            async with self._async_client().astream_chat(request) as stream:
                async for chunk in stream:
                    yield chunk

    # -- tracing ------------------------------------------------------------------

    def _gateway_ls_params(
        self,
        model_type: Literal["chat", "llm"],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
    ) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="assemblyai",
            ls_model_name=self._call_model(kwargs),
            ls_model_type=model_type,
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stops = stop or self.stop
        if stops:
            params["ls_stop"] = list(stops)
        return params

    def _gateway_identifying_params(self) -> dict[str, Any]:
        params = {k: v for k, v in self._default_body().items() if v is not None}
        params["model_name"] = params.pop("model")
        if self.base_url or self.region:
            params["base_url"] = self.base_url
            params["region"] = self.region
        return params
