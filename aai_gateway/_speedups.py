"""The speed tricks that reach past another library's public API, all in one place.

Such a trick costs readers more than it saves users unless `python -m benchmarks`
shows it is worth at least 5 % of an end-to-end figure (design.md section 7). The
three below passed that test; each names the benchmark row that justifies it and
the gain measured with the trick switched off in the same run (median of several
runs, 2 shared cores; `docs/performance.md`, "Speed tricks"). Tricks that did not
pass were replaced by the plain public-API code.

What they rely on, pinned in `pyproject.toml`:

- `Prototype`: pydantic v2's instance layout (`__dict__`,
  `__pydantic_fields_set__`, `__pydantic_extra__`, `__pydantic_private__`), and
  the framework models it copies having no validator that derives one field from
  another (langchain-core's `AIMessageChunk`/`ChatGenerationChunk`,
  llama-index-core's `ChatResponse`/`ChatMessage`/`TextBlock`). Each adapter's
  tests compare copies with constructor-built objects field by field.
- `use_lazy_cookies`: httpx clients keeping their jar in the private attribute
  `_cookies` (checked on httpx 0.29). Should that change, the client keeps
  httpx's own jar: slower, never wrong (and `tests/core/test_speedups.py` fails).
- `set_fields`: instances of our own frozen dataclasses having a plain `__dict__`
  (no `__slots__`); no third-party library involved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import httpx

__all__ = ["LazyCookies", "Prototype", "set_fields", "use_lazy_cookies"]

Model = TypeVar("Model")
_Client = TypeVar("_Client", httpx.Client, httpx.AsyncClient)

_new = object.__new__
_set = object.__setattr__


# Benchmark rows "per chunk, sync/async, 2002 chunks": `ChatAssemblyAI.stream` and
# `.astream`, `AssemblyAI (LlamaIndex).stream_chat` and `.astream_chat`. Switched
# off (the constructors instead), per chunk: LangChain +23 % sync and +38 % async,
# which takes LangChain sync from 1.2-1.3x to 1.5-1.7x its floor (target 1.3x);
# LlamaIndex +8 % sync and +8 % async (medians of 6 and 9 runs).
class Prototype(Generic[Model]):
    """Cheap copies of `model`, a pydantic model built by its own constructor.

    Both adapters build framework objects for every streamed token, and pydantic's
    validation of them was most of an adapter's CPU per token. A text-only token's
    objects differ from one built once by the real constructor only in fields that
    need no validation (a `str` the core already checked), so they are copies of
    that prototype with fresh containers.

    Args:
        model: The prototype. Its `dict` and `list` fields are copied (shallowly)
            into every clone, so no clone shares a container with another.
    """

    def __init__(self, model: Model) -> None:
        self._model = model
        self._type = type(model)
        self._containers = tuple(
            key
            for key, value in model.__dict__.items()
            if isinstance(value, dict | list)
        )

    def copy(self, changes: Mapping[str, Any]) -> Model:
        """A clone with `changes` set: values the constructor would keep as they are."""
        model: Any = self._model
        state = model.__dict__.copy()
        for key in self._containers:
            state[key] = state[key].copy()
        state.update(changes)
        clone: Any = _new(self._type)
        _set(clone, "__dict__", state)
        _set(clone, "__pydantic_fields_set__", set(model.__pydantic_fields_set__))
        _set(clone, "__pydantic_extra__", _copied(model.__pydantic_extra__))
        _set(clone, "__pydantic_private__", _copied(model.__pydantic_private__))
        result: Model = clone
        return result


def _copied(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else value.copy()


# Benchmark row "per call (us)". Switched off, CPU per call: core +10 %, LangChain
# +7 %, LlamaIndex +6 % (medians of 9 runs). In "400 calls, 100 in flight" the wall
# time is too noisy on a shared machine to show it; the same runs' client CPU grew
# 14 % (core), 5 % (LangChain) and 7 % (LlamaIndex).
class LazyCookies(httpx.Cookies):
    """A cookie jar that only parses responses which set a cookie.

    httpx hands every response to `http.cookiejar`, which builds an email message
    of its headers: 20-40 us a response, for a gateway that sets no cookies. A
    response with `Set-Cookie` is stored exactly as before.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        """Store the response's cookies, if it sets any."""
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


def use_lazy_cookies(client: _Client) -> _Client:
    """`client`, its cookie jar swapped for a `LazyCookies` holding the same cookies."""
    # httpx has no public switch for this: the `cookies` setter wraps whatever it
    # is given in a plain `httpx.Cookies`, so the jar goes into `_cookies`.
    if isinstance(getattr(client, "_cookies", None), httpx.Cookies):
        client._cookies = LazyCookies(client.cookies)
    return client


# Benchmark rows "per chunk, sync/async, 2002 chunks": `GatewayClient.stream_chat`
# and `AsyncGatewayClient.astream_chat`. Switched off (the dataclass's own
# `__init__`, which sets the twelve frozen fields one by one), per chunk: core +6 %
# sync and +17 % async, LangChain +7 % async, LlamaIndex +6 % async (medians of 9).
def set_fields(instance: object, fields: dict[str, Any]) -> None:
    """Give a new frozen-dataclass `instance` all its fields with one assignment."""
    _set(instance, "__dict__", fields)
