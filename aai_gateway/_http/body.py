"""Request bodies as bytes: the key order the gateway documents, and only valid JSON text."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from aai_gateway._types import ChatRequest

__all__ = ["build_chat_body", "encode_json"]

_KNOWN_ORDER = tuple(ChatRequest.__annotations__)


def build_chat_body(request: Mapping[str, Any], *, stream: bool) -> bytes:
    """The request body as compact JSON in a fixed key order.

    Known fields come first in the order the gateway documents them, then any
    extra fields in the caller's order. Nothing the caller did not set is added,
    except the streaming switches: `"stream": true` (and `stream_options`, [OBS]
    gateway-spec.md section 5) on a stream; a plain call sends no `stream` key at
    all, not the default `false`.
    """
    body = {key: request[key] for key in _KNOWN_ORDER if request.get(key) is not None}
    body.update((k, v) for k, v in request.items() if k not in body and v is not None)
    body.pop("stream", None)
    if stream:
        body["stream"] = True
        body.setdefault("stream_options", {"include_usage": True})
    else:
        body.pop("stream_options", None)
    return encode_json(body)


def encode_json(body: Mapping[str, Any]) -> bytes:
    """`body` as compact UTF-8 JSON, refusing what is not valid JSON text.

    Raises:
        ValueError: a NaN or infinite number, or a string holding a lone surrogate,
            named by its place in the body (nothing is sent).
    """
    try:
        return json.dumps(
            body, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode()
    except (ValueError, UnicodeEncodeError):
        path, value = _first_unencodable(body, "") or ("body", None)
        path = path.lstrip(".") or "body"
        if isinstance(value, float):
            msg = (
                f"`{path}` is {value!r}, which JSON cannot carry: give a finite "
                "number or leave the field out"
            )
        else:
            msg = (
                f"`{path}` holds a lone surrogate ({value!r}), which is not text: "
                "fix the string's encoding before sending it"
            )
        raise ValueError(msg) from None


def _first_unencodable(value: object, path: str) -> tuple[str, object] | None:
    """The place and value of the first NaN, infinity or lone-surrogate string."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, value)
    if isinstance(value, str):
        bad = next((c for c in value if "\ud800" <= c <= "\udfff"), None)
        return None if bad is None else (path, bad)
    items: Iterable[tuple[object, object]] = ()
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    for key, item in items:
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
        found = _first_unencodable(key, where) or _first_unencodable(item, where)
        if found is not None:
            return found
    return None
