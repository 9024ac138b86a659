"""Error envelopes and JSON responses, as the gateway and `/v2` send them (spec 6, 12.5).

Envelope A (`{code, message, request_id[, metadata]}`) is the gateway's business
error; envelope B (`{error, status, request_id}`) its auth error; `/v2` answers
`{"error": "..."}`. Faults that replace or alter a response are applied here too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response

from aai_gateway.testing._faults import Fault

JSON_TYPE = "application/json"
BAD_KEY = "Authentication error, API token missing/invalid"
NO_ACCESS = (
    "Your account does not have access to LLM Gateway. Please upgrade or contact us at "
    "support@assemblyai.com for more information."
)
_GATEWAY_MESSAGES = {
    400: "invalid request body",
    403: "forbidden",
    404: "not found",
    408: "request timeout",
    409: "conflict",
    422: "unprocessable entity",
    429: "too many requests for this action",
    500: "something went wrong",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}
_REST_MESSAGES = {
    400: "Bad request",
    401: BAD_KEY,
    404: "Not found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def new_request_id() -> str:
    """A fresh uuid4 string, as every gateway response carries."""
    return str(uuid.uuid4())


def dump_json(value: Any) -> bytes:
    """Compact JSON bytes (the way the live service writes them)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(
    value: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response with `application/json` content."""
    return Response(dump_json(value), status, dict(headers or {}), JSON_TYPE)


def gateway_error(
    status: int,
    message: str | None = None,
    errors: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Envelope A: `{code, message, request_id[, metadata: {errors}]}`."""
    body: dict[str, Any] = {
        "code": status,
        "message": message or _GATEWAY_MESSAGES.get(status, "something went wrong"),
        "request_id": new_request_id(),
    }
    if errors:
        body["metadata"] = {"errors": list(errors)}
    return json_response(body, status, headers)


def auth_error(message: str = BAD_KEY, status: int = 401) -> Response:
    """Envelope B: `{error, status: "error", request_id}`."""
    body = {"error": message, "status": "error", "request_id": new_request_id()}
    return json_response(body, status)


def rest_error(status: int, message: str | None = None) -> Response:
    """The transcript API's `{"error": "..."}`."""
    text = message or _REST_MESSAGES.get(status, "Internal Server Error")
    return json_response({"error": text}, status)


def fault_response(fault: Fault, *, rest: bool) -> Response:
    """The response a fault with a `status` sends instead of the real answer."""
    status = fault.status or 200
    if fault.body is not None:
        content = (
            fault.body if isinstance(fault.body, bytes) else dump_json(dict(fault.body))
        )
        response = Response(content, status, media_type=fault.content_type or JSON_TYPE)
    elif rest:
        response = rest_error(status)
    elif status in (401, 403):
        response = auth_error(BAD_KEY if status == 401 else "forbidden", status)
    else:
        response = gateway_error(status)
    return with_fault_headers(response, fault)


def with_fault_headers(response: Response, fault: Fault | None) -> Response:
    """`response` with the fault's extra headers and content type applied."""
    if fault is None:
        return response
    for name, value in fault.headers.items():
        response.headers[name] = value
    if fault.content_type is not None:
        response.headers["content-type"] = fault.content_type
    return response


def altered_success(response: Response, fault: Fault | None) -> Response:
    """A 200 JSON answer after a status-less fault's body, malformed flag and headers."""
    if fault is None:
        return response
    if fault.body is not None or fault.malformed:
        if fault.body is None:
            content = bytes(response.body)[: max(1, len(response.body) // 2)]
        elif isinstance(fault.body, bytes):
            content = fault.body
        else:
            content = dump_json(dict(fault.body))
        response = Response(
            content, response.status_code, _plain_headers(response), JSON_TYPE
        )
    return with_fault_headers(response, fault)


def _plain_headers(response: Response) -> dict[str, str]:
    skip = {"content-length", "content-type"}
    return {k: v for k, v in response.headers.items() if k not in skip}
