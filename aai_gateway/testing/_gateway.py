"""The gateway's `/v1` routes: chat completions (JSON and SSE) and the model list.

A chat request goes through, in order: the request's fault (its delay, then a
status fault answers at once), auth, validation (all errors collected), the rate
limit, transcript lookup, the attempt chain (a 5xx fault on a request that sets
`fallbacks` or `fallback_config` is retried once, then its fallbacks are tried),
the scripted model (on the request as the lenient readings of `_unconfirmed` read
it), `json-repair`, and finally the JSON body or the SSE stream.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeGuard

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aai_gateway.testing._catalog_data import ModelSpec
from aai_gateway.testing._chat import build_chunks, build_completion
from aai_gateway.testing._faults import Fault
from aai_gateway.testing._injection import inject_transcript
from aai_gateway.testing._jsonrepair import repair_json
from aai_gateway.testing._model import Answer, answer, request_messages
from aai_gateway.testing._responses import (
    BAD_KEY,
    NO_ACCESS,
    altered_success,
    auth_error,
    fault_response,
    gateway_error,
    json_response,
    new_request_id,
)
from aai_gateway.testing._sse import stream_response
from aai_gateway.testing._state import EmulatorState, read_api_key
from aai_gateway.testing._unconfirmed import read_request
from aai_gateway.testing._understanding import run_understanding, validate_understanding
from aai_gateway.testing._validation import merge_fallback, validate_request

_INVALID = object()
Attempt = tuple[dict[str, Any], ModelSpec]


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        msg = f"number {text} is out of range"
        raise ValueError(msg)
    return value


def _no_constants(name: str) -> Any:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def parse_body(raw: bytes) -> Any:
    """The JSON body, or a sentinel when it is not strict JSON.

    `NaN`, `Infinity` and numbers beyond a double are refused (RFC 8259 has no
    such values, and the answer's echo could not be encoded); so is nesting too
    deep to parse.
    """
    try:
        return json.loads(raw, parse_float=_finite, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return _INVALID


def _wants_fallback(body: Any) -> bool:
    return isinstance(body, dict) and ("fallbacks" in body or "fallback_config" in body)


def _answers_at_once(fault: Fault | None, body: Any) -> TypeGuard[Fault]:
    """A status fault answers before anything else, unless fallbacks may rescue it."""
    if fault is None or fault.status is None:
        return False
    return not (fault.is_upstream_failure and _wants_fallback(body))


def _is_stream(body: Any) -> bool:
    return isinstance(body, dict) and body.get("stream") is True


def _attempt_plan(body: Mapping[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    """The requests the gateway tries, each with "wait before it" (the retry)."""
    config = body.get("fallback_config") or {}
    plan = [(dict(body), False)]
    if config.get("retry", True) is not False:
        plan.append((dict(body), True))
    fallbacks = body.get("fallbacks") or []
    plan += [
        (merge_fallback(body, f), False) for f in fallbacks[: config.get("depth", 1)]
    ]
    return plan


def repair_answer(result: Answer) -> Answer | None:
    """The answer after `json-repair`, or `None` when its JSON cannot be repaired."""
    calls = []
    for call in result.tool_calls:
        arguments = repair_json(call.arguments)
        if arguments is None:
            return None
        calls.append(replace(call, arguments=arguments))
    content = result.content
    if content is not None and not result.tool_calls:
        content = repair_json(content)
        if content is None:
            return None
    return replace(result, content=content, tool_calls=tuple(calls))


class GatewayRoutes:
    """The `/v1` endpoints over one `EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state

    def routes(self) -> list[BaseRoute]:
        """The Starlette routes."""
        return [
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/understanding", self.understanding, methods=["POST"]),
            Route("/v1/understanding/validate", self.validate, methods=["POST"]),
        ]

    async def models(self, request: Request) -> Response:
        """`GET /v1/models`: the region's catalogue; no auth needed (spec section 8)."""
        fault = self._state.faults.take(request.url.path)
        if fault is not None:
            await asyncio.sleep(fault.first_byte_delay)
            if fault.status is not None:
                return fault_response(fault, rest=False)
        await asyncio.sleep(self._state.response_delay)
        data = [model.to_wire() for model in self._state.models.values()]
        return altered_success(json_response({"data": data}), fault)

    async def chat(self, request: Request) -> Response:
        """`POST /v1/chat/completions`."""
        started = time.perf_counter_ns()
        raw = await request.body()
        body = parse_body(raw)
        fault = self._state.faults.take(request.url.path)
        if fault is not None:
            await asyncio.sleep(fault.first_byte_delay)
        if not _is_stream(body):
            await asyncio.sleep(self._state.response_delay)
        if _answers_at_once(fault, body):
            return fault_response(fault, rest=False)
        refused = self._admit(request, body)
        if isinstance(refused, Response):
            return refused
        return await self._answer(request.url.path, body, raw, fault, refused, started)

    async def understanding(self, request: Request) -> Response:
        """`POST /v1/understanding`: run Speech Understanding tasks on a transcript."""
        body, outcome = await self._understanding_prelude(
            request, require_transcript=True
        )
        if isinstance(outcome, Response):
            return outcome
        decision = self._state.limiter.count(outcome, "understanding")
        headers = decision.understanding_headers()
        if not decision.allowed:
            headers["retry-after"] = str(decision.retry_after)
            return gateway_error(429, headers=headers)
        text = self._transcript_text(body["transcript_id"])
        if isinstance(text, Response):
            return _with_headers(text, headers)
        transcript = self._state.store.get(body["transcript_id"]) or {}
        result = run_understanding(body["speech_understanding"]["request"], transcript)
        return json_response(
            {**result, "request_id": new_request_id()}, headers=headers
        )

    async def validate(self, request: Request) -> Response:
        """`POST /v1/understanding/validate`: an empty 200 for a valid request."""
        body, outcome = await self._understanding_prelude(
            request, require_transcript=False
        )
        if isinstance(outcome, Response):
            return outcome
        if body.get("transcript_id") is not None:
            text = self._transcript_text(body["transcript_id"])
            if isinstance(text, Response):
                return text
        return Response(status_code=200)

    async def _understanding_prelude(
        self, request: Request, *, require_transcript: bool
    ) -> tuple[Any, Response | str]:
        """The body, and the key or the response that ends the request."""
        body = parse_body(await request.body())
        fault = self._state.faults.take(request.url.path)
        if fault is not None:
            await asyncio.sleep(fault.first_byte_delay)
        await asyncio.sleep(self._state.response_delay)
        if fault is not None and fault.status is not None:
            return body, fault_response(fault, rest=False)
        key = self._key(request)
        if isinstance(key, Response):
            return body, key
        if body is _INVALID:
            return body, gateway_error(400, errors=["request body is not valid JSON"])
        errors = validate_understanding(body, require_transcript=require_transcript)
        return body, (gateway_error(400, errors=errors) if errors else key)

    def _key(self, request: Request) -> Response | str:
        """The caller's key, or the 401 for a missing or unknown one (spec 2)."""
        key = self._state.authenticate(request.headers)
        if key is not None:
            return key
        missing = read_api_key(request.headers) is None
        return auth_error(NO_ACCESS if missing else BAD_KEY)

    def _admit(self, request: Request, body: Any) -> Response | str:
        """The caller's key, or the 401/400 that refuses the request."""
        key = self._key(request)
        if isinstance(key, Response):
            return key
        if body is _INVALID:
            return gateway_error(400, errors=["request body is not valid JSON"])
        errors = validate_request(body, self._state.models, self._state.profile)
        if errors:
            return gateway_error(400, errors=errors)
        return key

    async def _answer(
        self,
        path: str,
        body: dict[str, Any],
        raw: bytes,
        fault: Fault | None,
        key: str,
        started: int,
    ) -> Response:
        decision = self._state.limiter.count(key, body["model"])
        headers = decision.headers()
        if not decision.allowed:
            return gateway_error(
                429, headers={**headers, "retry-after": str(decision.retry_after)}
            )
        text = self._transcript_text(body.get("transcript_id"))
        if isinstance(text, Response):
            return _with_headers(text, headers)
        attempt = await self._run_attempts(path, body, fault)
        if isinstance(attempt, Fault):
            return _with_headers(fault_response(attempt, rest=False), headers)
        request, model = read_request(attempt[0]), attempt[1]
        messages = request_messages(request)
        if text is not None:
            messages = inject_transcript(messages, text)
        result = answer(request, messages, raw)
        if request.get("post_processing_steps"):
            repaired = repair_answer(result)
            if repaired is None:
                return gateway_error(422, "json repair failed", headers=headers)
            result = repaired
        return self._respond(request, model, result, headers, fault, started)

    def _respond(
        self,
        request: dict[str, Any],
        model: ModelSpec,
        result: Answer,
        headers: dict[str, str],
        fault: Fault | None,
        started: int,
    ) -> Response:
        shape = self._state.shape
        if request.get("stream") is True:
            include_usage = bool(
                (request.get("stream_options") or {}).get("include_usage")
            )
            chunks = build_chunks(result, model, shape, include_usage)
            return stream_response(chunks, headers, fault, self._state.response_delay)
        body = build_completion(result, request, model, shape, started)
        return altered_success(json_response(body, headers=headers), fault)

    def _transcript_text(self, transcript_id: Any) -> str | Response | None:
        """The text to inject, `None` without a `transcript_id`, or the error response."""
        if transcript_id is None:
            return None
        store = self._state.store
        transcript = store.get(transcript_id)
        if transcript is None:
            return gateway_error(404, "transcript not found")
        if store.is_deleted(transcript_id):
            return gateway_error(404, "transcript deleted")
        if transcript.get("status") != "completed" or transcript.get("text") is None:
            status = transcript.get("status")
            return gateway_error(
                400, errors=[f"transcript {transcript_id} is not completed ({status})"]
            )
        return str(transcript["text"])

    async def _run_attempts(
        self, path: str, body: dict[str, Any], fault: Fault | None
    ) -> Attempt | Fault:
        """The request and model that answer, or the 5xx fault that beat every attempt."""
        plan = _attempt_plan(body)
        if fault is None or not fault.is_upstream_failure:
            return plan[0][0], self._state.models[body["model"]]
        last = fault
        for request, wait in plan[1:]:
            if wait:
                await asyncio.sleep(self._state.retry_delay)
            failure = self._state.faults.take(path, upstream_only=True)
            if failure is None:
                return request, self._state.models[request["model"]]
            last = failure
        return last


def _with_headers(response: Response, headers: Mapping[str, str]) -> Response:
    for name, value in headers.items():
        response.headers[name] = value
    return response
