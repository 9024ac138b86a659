"""The settings both adapters take, declared once, and the one vocabulary they use.

`ChatAssemblyAI`, `AssemblyAILLM` and LlamaIndex's `AssemblyAI` take the same client
settings (what their core clients are built from) and the same request fields
(what every request body carries when set). Each is declared here once; the
adapters loop over these tuples to build their clients, their request bodies,
their pool keys and their checks at construction, so both stay alike by
construction. Adding a request field is one `RequestField` here (plus the typed
field on each adapter class, which a test checks against this list).

The names are the same in both adapters and mean the same thing: `base_url` is
always the gateway URL, `transcript_base_url` the transcript REST API root. Names
used before 0.2 (`RENAMED` on the adapters, `CORE_RENAMED` on the core clients,
`LOADER_RENAMED` in the loader options) still work for one release, with a
`DeprecationWarning` naming the new one (docs/migration.md).

Pure: no I/O, no framework; the checks are the core's own, so a bad setting gets
the message at construction that it would get at the first call.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from aai_gateway._config import DEFAULT_STREAM_CHUNK_TIMEOUT, coerce_timeout
from aai_gateway._retry import RetryPolicy
from aai_gateway._validation import check_headers, validate_chat_request

__all__ = [
    "CALL_OPTIONS",
    "CLIENT_SETTINGS",
    "CLIENT_SETTING_NAMES",
    "CORE_RENAMED",
    "LOADER_RENAMED",
    "REASONING_EFFORTS",
    "RENAMED",
    "REQUEST_FIELDS",
    "REQUEST_FIELD_NAMES",
    "ClientSetting",
    "RequestField",
    "check_seconds",
    "check_settings",
    "client_key",
    "client_kwargs",
    "refuse_client_settings",
    "rename_options",
    "request_fields",
    "to_core_loader_options",
    "warn_renamed",
]

ClientKind = Literal["sync", "async"]


def check_seconds(name: str) -> Callable[[object], None]:
    """A check that `name` is a positive number of seconds (as the core checks it)."""

    def check(value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            msg = (
                f"`{name}` must be a positive number of seconds or None, got {value!r}"
            )
            raise ValueError(msg)

    return check


REASONING_EFFORTS = ("low", "medium", "high")
"""The `reasoning.effort` values the gateway documents (gateway-spec.md section 3.10)."""


def _check_effort(value: object) -> None:
    if value not in REASONING_EFFORTS:
        msg = (
            f"`reasoning_effort` must be one of {list(REASONING_EFFORTS)} (sent as "
            f"`reasoning.effort`), got {value!r}"
        )
        raise ValueError(msg)


def _check_retries(value: object) -> None:
    RetryPolicy(max_retries=value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ClientSetting:
    """One setting the adapters pass to the core client they build.

    Attributes:
        name: The option's name on both adapters.
        core: The `GatewayClient` / `AsyncGatewayClient` keyword it feeds.
        default: The adapters' default (a test holds both adapters to it).
        client: Which client takes it: `None` for both, else `"sync"` or `"async"`.
        check: Refuses a bad value (not `None`) at construction, as the core would.
    """

    name: str
    core: str
    default: Any = None
    client: ClientKind | None = None
    check: Callable[[Any], object] | None = None


@dataclass(frozen=True)
class RequestField:
    """One field the adapters send in every request body when it is set.

    Attributes:
        name: The field's name on both adapters (and per call).
        wire: Its key in the request body.
        default: The adapters' default (`None`: not sent).
        key: Set for a field that is one key of a wire object: the value goes
            under `wire[key]` (`reasoning_effort` is `reasoning.effort`).
        check: Refuses a bad value (not `None`) before any request, naming the
            field; the core's own request checks run as well.
    """

    name: str
    wire: str
    default: Any = None
    key: str | None = None
    check: Callable[[Any], object] | None = None


CLIENT_SETTINGS: tuple[ClientSetting, ...] = (
    ClientSetting("api_key", "api_key"),
    ClientSetting("base_url", "base_url"),
    ClientSetting("region", "region"),
    ClientSetting("timeout", "timeout", check=coerce_timeout),
    ClientSetting("max_retries", "max_retries", 2, check=_check_retries),
    ClientSetting(
        "default_headers", "default_headers", check=check_headers("default_headers")
    ),
    ClientSetting("transcript_tag_placement", "transcript_tag_placement", "strict"),
    ClientSetting("inline_transcripts", "inline_transcripts", False),
    ClientSetting("transcript_base_url", "transcript_base_url"),
    ClientSetting(
        "stream_chunk_timeout",
        "stream_chunk_timeout",
        DEFAULT_STREAM_CHUNK_TIMEOUT,
        check=check_seconds("stream_chunk_timeout"),
    ),
    ClientSetting(
        "stream_deadline", "stream_deadline", check=check_seconds("stream_deadline")
    ),
    ClientSetting("http_client", "http_client", client="sync"),
    ClientSetting("http_async_client", "http_client", client="async"),
)
"""Every client setting, in the order `client_kwargs` and `client_key` read values."""

REQUEST_FIELDS: tuple[RequestField, ...] = (
    RequestField("model", "model"),
    RequestField("temperature", "temperature"),
    RequestField("max_tokens", "max_tokens"),
    RequestField("transcript_id", "transcript_id"),
    RequestField("post_processing_steps", "post_processing_steps"),
    RequestField("fallbacks", "fallbacks"),
    RequestField("fallback_config", "fallback_config"),
    RequestField("model_region", "model_region"),
    RequestField("reasoning", "reasoning"),
    # Sampling: [UNCONFIRMED] on the gateway, which takes a parameter only for a
    # model whose catalogue entry lists it (gateway-spec.md sections 3.1, 3.12);
    # `check_capabilities` refuses it before sending for a model known not to.
    # Their ranges are the core's request checks (`_validation.py`).
    RequestField("top_p", "top_p"),
    RequestField("seed", "seed"),
    RequestField("frequency_penalty", "frequency_penalty"),
    RequestField("presence_penalty", "presence_penalty"),
    # OpenAI's spelling of the gateway's `reasoning.effort` (after `reasoning`, so
    # it is added to that object).
    RequestField("reasoning_effort", "reasoning", key="effort", check=_check_effort),
)
"""Every request field, in the order `request_fields` reads values."""

CLIENT_SETTING_NAMES: tuple[str, ...] = tuple(s.name for s in CLIENT_SETTINGS)
REQUEST_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in REQUEST_FIELDS)
_DECLARED = frozenset(REQUEST_FIELD_NAMES)

CALL_OPTIONS: tuple[str, ...] = ("timeout", "extra_headers")
"""Per-call kwargs that go to the core's `chat(...)` call, not into the body."""

RENAMED: Mapping[str, str] = {
    "transcript_placement": "transcript_tag_placement",
    "async_http_client": "http_async_client",
}
"""The adapters' option names used before 0.2 -> this release's (taken with a warning)."""

CORE_RENAMED: Mapping[str, str] = {"tag_placement": "transcript_tag_placement"}
"""`GatewayClient` / `AsyncGatewayClient` keywords used before 0.2 -> this release's."""

LOADER_RENAMED: Mapping[str, str] = {"gateway_base_url": "base_url"}
"""`TranscriptLoaderOptions` keys used before 0.2 -> this release's."""

_CHECKS = tuple(
    (s.name, s.default, s.check) for s in CLIENT_SETTINGS if s.check is not None
)
_REFUSED_PER_CALL = frozenset(CLIENT_SETTING_NAMES) - set(CALL_OPTIONS)


def _plain(value: Any) -> Any:
    """A secret unwrapped (LangChain keeps the key in a pydantic `SecretStr`)."""
    reveal = getattr(value, "get_secret_value", None)
    return value if reveal is None else reveal()


def client_kwargs(values: Sequence[Any], kind: ClientKind) -> dict[str, Any]:
    """The keywords of the core client of `kind`, from values in `CLIENT_SETTINGS` order."""
    return {
        setting.core: _plain(value)
        for setting, value in zip(CLIENT_SETTINGS, values, strict=True)
        if setting.client in (None, kind)
    }


def client_key(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A hashable key for a configuration: equal settings share one core client.

    The user's own HTTP clients count by identity; headers count by their items
    as they are now, so headers changed in place make a new key.
    """
    try:
        hash(values)
    except TypeError:
        return tuple(_hashable(v) for v in values)
    return values


def _hashable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted(value.items()))
    if isinstance(value, httpx.Timeout):
        return (value.connect, value.read, value.write, value.pool)
    return value


def request_fields(values: Sequence[Any] | Mapping[str, Any]) -> dict[str, Any]:
    """The body fields that are set, each checked, in their wire form.

    Args:
        values: The fields' values in `REQUEST_FIELDS` order (a model's fields),
            or a mapping by name (one call's kwargs: keys that are not declared
            fields pass through as they are, and a declared field given as
            `None` stays, so a caller can drop it from the body).

    Raises:
        ValueError: a value out of range, or `reasoning_effort` disagreeing
            with `reasoning["effort"]` (named).
        TypeError: a value of the wrong type (named).
    """
    if isinstance(values, Mapping):
        return _named_fields(values)
    body: dict[str, Any] = {}
    for field, value in zip(REQUEST_FIELDS, values, strict=True):
        if value is None:
            continue
        if field.check is not None:
            field.check(value)
        if field.key is None:
            body[field.wire] = value
        else:
            body[field.wire] = _nested(field, field.key, body.get(field.wire), value)
    return body


def _named_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    if not _DECLARED.intersection(values):
        return dict(values)
    declared = request_fields(tuple(values.get(n) for n in REQUEST_FIELD_NAMES))
    rest = {k: v for k, v in values.items() if k not in _DECLARED or v is None}
    return {**rest, **declared}


def _nested(
    field: RequestField, key: str, outer: object, value: object
) -> dict[str, Any]:
    """`outer` (a wire object, or `None`) with `value` under `key`."""
    nested = dict(outer) if isinstance(outer, Mapping) else {}
    given = nested.get(key)
    if given is not None and given != value:
        msg = (
            f"`{field.name}` ({value!r}) and `{field.wire}` "
            f"({{{key!r}: {given!r}}}) disagree; set one"
        )
        raise ValueError(msg)
    nested[key] = value
    return nested


def check_settings(model: object) -> None:
    """Refuse bad settings when a model is built, with the core's own messages.

    Args:
        model: An adapter's model, whose attributes carry the declared settings
            and request fields by name (`None` ones, and settings left at their
            default, are not checked).

    Raises:
        ValueError: a setting the first request would refuse (named).
        TypeError: a setting of the wrong type (named).
    """
    for name, default, check in _CHECKS:
        value = getattr(model, name)
        if value is not None and value != default:
            check(value)
    # The core's check of a request, on the fields alone: a placeholder prompt
    # stands in for the messages a call brings.
    values = tuple(getattr(model, field.name) for field in REQUEST_FIELDS)
    validate_chat_request({"prompt": "-", **request_fields(values)})


def refuse_client_settings(kwargs: Iterable[str], owner: str) -> None:
    """Refuse per-call kwargs that are settings of the model (nothing is sent).

    Raises:
        TypeError: a client setting passed to one call (named).
    """
    refused = sorted(_REFUSED_PER_CALL.intersection(kwargs))
    if refused:
        name = refused[0]
        msg = (
            f"`{name}` is a setting of the model, not of one call: set it when "
            f"building the model ({owner}({name}=...)) or on a copy "
            f"(`.model_copy(update={{{name!r}: ...}})`)"
        )
        raise TypeError(msg)


def warn_renamed(old: str, new: str, owner: str, *, stacklevel: int = 3) -> None:
    """The one warning every deprecated name gives, naming its replacement."""
    warnings.warn(
        f"`{owner}` takes `{new}` now; `{old}` is deprecated and goes in the next "
        "release (docs/migration.md)",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def rename_options(
    values: Mapping[str, Any],
    owner: str,
    *,
    renamed: Mapping[str, str] = RENAMED,
    stacklevel: int = 3,
) -> dict[str, Any]:
    """`values` with every old name under its new one, each with a warning.

    Args:
        values: The options as given.
        owner: The class or function that took them, named in the messages.
        renamed: Old name -> new name (default: the adapters' `RENAMED`).
        stacklevel: Counted as `warnings.warn` would count it here (the default:
            the caller's caller, the user's code when the caller is a constructor).

    Raises:
        TypeError: both an old name and its new one are given.
    """
    result = dict(values)
    for old, new in renamed.items():
        if old in result:
            if new in result:
                msg = f"`{owner}` got both `{old}` and `{new}`; pass only `{new}`"
                raise TypeError(msg)
            warn_renamed(old, new, owner, stacklevel=stacklevel + 1)
            result[new] = result.pop(old)
    return result


def to_core_loader_options(
    options: Mapping[str, Any], owner: str, *, stacklevel: int = 3
) -> dict[str, Any]:
    """Loader options with a `base_url` of the pre-0.2 meaning moved where it belongs.

    `base_url` is the gateway URL on the loader and reader, as on the chat models;
    before 0.2 it was the transcript REST root there. For one release a `base_url`
    without `/v1` is still read as the REST root (`transcript_base_url`), with a
    warning: the gateway's URL ends in `/v1`, the REST root's never does.

    Args:
        options: The options as given.
        owner: The class that took them, named in the messages.
        stacklevel: Counted as `warnings.warn` would count it here.

    Raises:
        TypeError: such a `base_url` given with `transcript_base_url` too (the
            two meanings cannot be told apart).
    """
    given = dict(options)
    url = given.get("base_url")
    if url is None or str(url).rstrip("/").endswith("/v1"):
        return given
    if given.get("transcript_base_url") is not None:
        msg = (
            f"`{owner}` got `transcript_base_url` and a `base_url` without `/v1`, "
            "which 0.2 still reads as the REST root (its meaning before 0.2); pass "
            "only `transcript_base_url` for the REST root, and give a gateway URL "
            "with `/v1`"
        )
        raise TypeError(msg)
    warnings.warn(
        f"`{owner}(base_url=...)` is the gateway URL now, as on the chat models; "
        f"{url!r} has no `/v1`, so it is read as the transcript REST root, as "
        "before 0.2. Pass it as `transcript_base_url=` (the next release reads "
        "every `base_url` as the gateway's; docs/migration.md)",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    given["transcript_base_url"] = given.pop("base_url")
    return given
