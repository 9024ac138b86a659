"""What the clients read off an httpx response or error: pure helpers.

JSON bodies (`load_json`, `decode_body`), headers, the request id of a broken
body, whether a failure was a timeout, and URLs fit for a message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import httpx

from aai_gateway._exceptions import APIResponseValidationError
from aai_gateway._types import decode_json

__all__ = [
    "content_type",
    "decode_body",
    "load_json",
    "plain_headers",
    "reads_raw",
    "request_of",
    "salvage_request_id",
    "timed_out",
    "url_text",
    "with_text",
]

T = TypeVar("T")


def decode_body(response: httpx.Response, parse: Callable[[object], T]) -> T:
    """Parse a read JSON body, a shape error becoming `APIResponseValidationError`."""
    try:
        return parse(load_json(response.content))
    except ValueError as exc:
        msg = f"unexpected body from {response.request.url.path}: {exc}"
        raise APIResponseValidationError(msg, request=response.request) from exc


def reads_raw(response: httpx.Response) -> bool:
    """Whether the body can be read raw: not read yet, and no `content-encoding` to undo."""
    if response.is_stream_consumed:
        return False
    encoding = response.headers.get("content-encoding")
    return encoding is None or encoding.strip().lower() in ("", "identity")


def url_text(url: httpx.URL) -> str:
    """A URL for a message: scheme, host, port and path (no credentials, no query)."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def request_of(exc: httpx.RequestError) -> httpx.Request | None:
    """The request an httpx error belongs to, if it carries one."""
    try:
        return exc.request
    except RuntimeError:
        return None


_REQUEST_ID = re.compile(rb'"request_id"\s*:\s*"([^"\\]{1,100})"')


def with_text(response: httpx.Response, text: str) -> httpx.Response:
    """A read copy of `response` whose body is `text` (already decoded)."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower()
        not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=text.encode(),
        request=response.request,
    )


def load_json(content: bytes | str) -> object:
    """`decode_json`, with nesting too deep for the decoder as a `ValueError`."""
    try:
        return decode_json(content)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply to decode") from exc


def content_type(response: httpx.Response) -> str:
    """The media type, lower-case, without parameters (`""` if none)."""
    value: str = response.headers.get("content-type", "")
    return value.partition(";")[0].strip().lower()


def timed_out(exc: httpx.RequestError) -> bool:
    """Whether a failure was a timeout rather than a refused or broken connection."""
    # httpx-aiohttp reports every aiohttp connection error, a refused connection
    # included, as ConnectTimeout: trust the cause it chains over the class.
    if not isinstance(exc, httpx.TimeoutException):
        return False
    cause = exc.__cause__
    from_aiohttp = cause is not None and type(cause).__module__.startswith("aiohttp")
    return not from_aiohttp or isinstance(cause, TimeoutError)


def salvage_request_id(
    response: httpx.Response, content: bytes | None = None
) -> str | None:
    """The request id from the header, else from a body too broken to parse.

    The gateway sends the id only in the body; only a read body is searched.
    """
    header: str | None = response.headers.get("x-request-id")
    if header:
        return header
    if content is None:
        try:
            content = response.content
        except httpx.ResponseNotRead:
            return None
    match = _REQUEST_ID.search(content[:65536])
    return match.group(1).decode("utf-8", "replace") if match else None


def plain_headers(response: httpx.Response) -> dict[str, str]:
    """The headers as a dict with lower-case names, read in one pass.

    Each `httpx.Headers` look-up scans every header, and a response is read
    several times.
    """
    return dict(response.headers.items())
