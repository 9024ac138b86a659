"""What `ChatAssemblyAI` and `AssemblyAILLM` share: fields, clients, request building.

Both classes inherit `GatewayModelMixin`, so the chat and the completion model take
the same constructor fields, build their core clients the same way, and turn fields
plus per-call kwargs into one core request in one place.
"""

from __future__ import annotations

import operator
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
from aai_gateway.adapters import (
    CALL_OPTIONS,
    CLIENT_SETTING_NAMES,
    REQUEST_FIELD_NAMES,
    check_settings,
    client_key,
    client_kwargs,
    refuse_client_settings,
    rename_options,
    request_fields,
)
from aai_gateway.tokens import Tokenizer
from aai_gateway.transcripts import TagPlacement
from langchain_aai_gateway._errors import translate_errors

__all__ = ["GatewayModelMixin"]

# Per-call kwargs the adapter reads itself, and those the core's call takes; they
# never reach the request body.
_ADAPTER_KWARGS = frozenset({"stream", "stream_usage", *CALL_OPTIONS})
# The declared settings and fields, read in their declared order
# (`aai_gateway.adapters.CLIENT_SETTINGS`, `REQUEST_FIELDS`).
_read_settings = operator.attrgetter(*CLIENT_SETTING_NAMES)
_read_fields = operator.attrgetter(*REQUEST_FIELD_NAMES)


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
    """Constructor fields and request plumbing shared by the LangChain models.

    The client settings and request fields are those declared once in the core
    (`aai_gateway.adapters.CLIENT_SETTINGS`, `REQUEST_FIELDS`), with the names and
    defaults LlamaIndex's `AssemblyAI` has too; a test holds the fields below to them.
    """

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
    """The gateway URL (`/v1` included); wins over `region` (an emulator, a proxy)."""
    region: Region | None = None
    """`"us"` (default) or `"eu"`."""
    temperature: float | None = None
    """Sampling temperature, 0 to 2 (sent only when set)."""
    max_tokens: int | None = Field(
        default=None,
        validation_alias=AliasChoices("max_tokens", "max_completion_tokens"),
    )
    """The output cap, sent as `max_tokens` (alias `max_completion_tokens`, the
    newer OpenAI name, which the gateway does not document)."""
    stop: list[str] | None = Field(
        default=None, validation_alias=AliasChoices("stop", "stop_sequences")
    )
    """Sequences that end the answer (alias `stop_sequences`); an empty list is not
    sent."""
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
    are explained). `auto`: add the tag to the first user message when none has it.
    The core applies it (`transcript_placement`, LlamaIndex's name before 0.2, is
    taken with a warning)."""
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
    """How the gateway falls back: `{"depth": 1 or 2, "retry": bool}` (how many
    fallbacks it tries, and whether it first retries the same model)."""
    model_region: Literal["global"] | None = None
    """`"global"` asks the gateway to route the request to the model's global
    deployment (where the catalogue lists one)."""
    reasoning: dict[str, Any] | None = None
    """E.g. `{"effort": "low"}`."""
    top_p: float | None = None
    """Nucleus sampling, 0 to 1. Like the three fields below, sent only when set,
    and refused before sending for a model the catalogue says does not take it."""
    seed: int | None = None
    """Ask for repeatable sampling (models that take it)."""
    frequency_penalty: float | None = None
    """-2 to 2: penalise tokens by how often they have appeared."""
    presence_penalty: float | None = None
    """-2 to 2: penalise tokens that have appeared at all."""
    reasoning_effort: str | None = None
    """`"low"`, `"medium"` or `"high"`: ChatOpenAI's name for the gateway's
    reasoning setting, sent as `reasoning={"effort": ...}` (merged into
    `reasoning` when both are set; they must not disagree)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other gateway fields, sent as they are (unknown init kwargs land here)."""
    extra_body: dict[str, Any] | None = None
    """More gateway fields, sent as they are (merged after `model_kwargs`)."""
    default_headers: dict[str, str] | None = None
    """Headers sent with every request."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """Your own `httpx.Client` (proxies, mTLS); used as is and never closed here."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """Your own `httpx.AsyncClient`; used as is and never closed here."""

    _clients: dict[str, tuple[tuple[Any, ...], Any]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_gateway_kwargs(cls, values: Any) -> Any:
        if isinstance(values, dict):
            # The user's call is 3 frames up, through LangChain's and pydantic's
            # `__init__`.
            values = rename_options(values, cls.__name__, stacklevel=5)
            return _build_model_kwargs(values, _accepted_names(cls))
        return values

    @model_validator(mode="after")
    def _check_settings(self) -> GatewayModelMixin:
        # The checks the core makes at the first call, made now (as LlamaIndex's
        # `AssemblyAI` does), with the same messages.
        check_settings(self)
        return self

    @model_validator(mode="after")
    def _record_aai_gateway_version(self) -> GatewayModelMixin:
        add_version = getattr(self, "_add_version", None)
        if add_version is not None:
            add_version("aai-gateway", __version__)
        return self

    # -- serialization ----------------------------------------------------------------

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """`True`: `dumpd`/`dumps` write the settings, the key as a secret marker.

        A third-party class loads only when named: `load(data, secrets_map=...,
        allowed_objects=[ChatAssemblyAI], valid_namespaces=["langchain_aai_gateway"])`.
        """
        return True

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The key is dumped as a reference to `ASSEMBLYAI_API_KEY`, never its value."""
        return {"api_key": API_KEY_ENV}

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

    def _cached(self, kind: Literal["sync", "async"]) -> Any:
        """The core client of `kind`, built on first use and rebuilt if settings change."""
        values = _read_settings(self)
        key = client_key(values)
        clients: dict[str, tuple[tuple[Any, ...], Any]] = self._clients
        cached = clients.get(kind)
        if cached is None or cached[0] != key:
            # Threads sharing one model must not each build (and leak) a pool.
            with _BUILD_LOCK:
                cached = clients.get(kind)
                if cached is None or cached[0] != key:
                    build = GatewayClient if kind == "sync" else AsyncGatewayClient
                    cached = (key, build(**client_kwargs(values, kind)))
                    clients[kind] = cached
        return cached[1]

    def _sync_client(self) -> GatewayClient:
        """The core client, built on first use and rebuilt if the settings change."""
        client: GatewayClient = self._cached("sync")
        return client

    def _async_client(self) -> AsyncGatewayClient:
        """The async core client (one connection pool per event loop)."""
        client: AsyncGatewayClient = self._cached("async")
        return client

    # -- requests -----------------------------------------------------------------

    def _field_body(self) -> dict[str, Any]:
        """The declared request fields that are set, then `model_kwargs`/`extra_body`."""
        body = request_fields(_read_fields(self))
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
        `None` values are dropped. The core checks (or places) the transcript tag.

        Raises:
            TypeError: a per-call kwarg that is a setting of the model.
        """
        refuse_client_settings(kwargs, type(self).__name__)
        body = self._field_body()
        body.update(content)
        # Declared fields given per call in their wire form (`reasoning_effort`).
        call = request_fields(kwargs) if kwargs else {}
        body.update((k, v) for k, v in call.items() if k not in _ADAPTER_KWARGS)
        stops = stop if stop is not None else self.stop
        if stops:
            body["stop"] = list(stops)
        if not self._include_usage(kwargs):
            body["stream_options"] = {"include_usage": False}
        return {k: v for k, v in body.items() if v is not None}

    # -- token counting -------------------------------------------------------------

    def get_token_ids(self, text: str) -> list[int]:
        """The token ids of `text`: an offline estimate (`aai_gateway.tokens`).

        The gateway has no counting endpoint and its models' own tokenizers are
        not public, so this is tiktoken's `o200k_base` for OpenAI models and
        `cl100k_base` for the others; `custom_get_token_ids`, when set, wins.
        """
        custom = getattr(self, "custom_get_token_ids", None)
        if custom is not None:
            return list(custom(text))
        return Tokenizer(self.model)(text)

    def _include_usage(self, kwargs: Mapping[str, Any]) -> bool:
        return bool(kwargs.get("stream_usage", self.stream_usage))

    def _call_model(self, kwargs: Mapping[str, Any]) -> str:
        return str(kwargs.get("model") or self.model)

    # -- I/O ----------------------------------------------------------------------

    def _complete(
        self, request: Mapping[str, Any], kwargs: Mapping[str, Any]
    ) -> ChatCompletion:
        with translate_errors():
            return self._sync_client().chat(request, **_call_options(kwargs))

    async def _acomplete(
        self, request: Mapping[str, Any], kwargs: Mapping[str, Any]
    ) -> ChatCompletion:
        with translate_errors():
            client = self._async_client()
            return await client.achat(request, **_call_options(kwargs))

    def _iter_chunks(
        self, request: Mapping[str, Any], kwargs: Mapping[str, Any]
    ) -> Iterator[ChatCompletionChunk]:
        options = _call_options(kwargs)
        with (
            translate_errors(),
            self._sync_client().stream_chat(request, **options) as stream,
        ):
            yield from stream

    async def _aiter_chunks(
        self, request: Mapping[str, Any], kwargs: Mapping[str, Any]
    ) -> AsyncIterator[ChatCompletionChunk]:
        options = _call_options(kwargs)
        with translate_errors():
            async with self._async_client().astream_chat(request, **options) as stream:
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
        params = self._field_body()
        params["model_name"] = params.pop("model")
        if self.base_url or self.region:
            params["base_url"] = self.base_url
            params["region"] = self.region
        return params


def _call_options(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The per-call kwargs the core's call takes (`timeout`, `extra_headers`)."""
    return {k: kwargs[k] for k in CALL_OPTIONS if kwargs.get(k) is not None}
