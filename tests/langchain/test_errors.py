"""Core errors reach LangChain users as classes that are also LangChain model errors."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

import aai_gateway
import aai_gateway.errors
from langchain_aai_gateway import AssemblyAILLM, ChatAssemblyAI
from langchain_aai_gateway._errors import convert_error
from tests.conftest import completion_body
from tests.langchain.conftest import MODEL, json_handler


def _envelope(
    status: int, message: str, errors: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": status, "message": message, "request_id": "req-err"}
    if errors:
        body["metadata"] = {"errors": errors}
    return body


CASES = [
    (
        400,
        "invalid request body",
        aai_gateway.errors.BadRequestError,
        ModelInvalidRequestError,
    ),
    (
        401,
        "Authentication error",
        aai_gateway.AuthenticationError,
        ModelAuthenticationError,
    ),
    (
        403,
        "forbidden",
        aai_gateway.errors.PermissionDeniedError,
        ModelPermissionDeniedError,
    ),
    (404, "not found", aai_gateway.errors.NotFoundError, ModelNotFoundError),
    (409, "conflict", aai_gateway.errors.ConflictError, ModelInvalidRequestError),
    (
        422,
        "json repair failed",
        aai_gateway.errors.UnprocessableEntityError,
        ModelInvalidRequestError,
    ),
    (429, "too many requests", aai_gateway.RateLimitError, ModelRateLimitError),
    (500, "upstream failed", aai_gateway.errors.InternalServerError, ModelAPIError),
    (418, "teapot", aai_gateway.APIStatusError, ModelAPIError),
]


def _call(how: str, llm: Any) -> Any:
    if how == "invoke":
        return llm.invoke("Hi")
    if how == "stream":
        return list(llm.stream("Hi"))
    if how == "ainvoke":
        return asyncio.run(llm.ainvoke("Hi"))

    async def collect() -> list[Any]:
        return [c async for c in llm.astream("Hi")]

    return asyncio.run(collect())


@pytest.mark.parametrize("how", ["invoke", "stream", "ainvoke", "astream"])
@pytest.mark.parametrize(
    ("status", "message", "core_cls", "lc_cls"), CASES, ids=[str(c[0]) for c in CASES]
)
def test_status_errors_are_both_classes(
    fake_gateway: Any, how: str, status: int, message: str, core_cls: type, lc_cls: type
) -> None:
    gateway = fake_gateway(json_handler(_envelope(status, message), status=status))
    llm = ChatAssemblyAI(model=MODEL, max_retries=0, **gateway.options())
    with pytest.raises(core_cls) as info:
        _call(how, llm)
    error: Any = info.value
    assert isinstance(info.value, lc_cls)
    assert isinstance(info.value, ModelError)
    assert error.status_code == status
    assert error.request_id == "req-err"
    assert message in str(error)
    assert "test-key" not in str(error)
    assert type(error.__cause__) is core_cls


def test_llm_raises_the_same_classes(fake_gateway: Any) -> None:
    gateway = fake_gateway(json_handler(_envelope(429, "slow down"), status=429))
    llm = AssemblyAILLM(model=MODEL, max_retries=0, **gateway.options())
    with pytest.raises(ModelRateLimitError) as info:
        llm.invoke("Hi")
    assert isinstance(info.value, aai_gateway.RateLimitError)
    assert info.value.is_retryable


def test_transcript_not_found_is_an_invalid_request(fake_gateway: Any) -> None:
    gateway = fake_gateway(
        json_handler(_envelope(404, "transcript not found"), status=404)
    )
    llm = ChatAssemblyAI(model=MODEL, **gateway.options())
    with pytest.raises(aai_gateway.errors.TranscriptNotFoundError) as info:
        llm.invoke("{{ transcript }} Who?", transcript_id="nope")
    assert isinstance(info.value, ModelInvalidRequestError)
    assert "'nope'" in str(info.value)


def test_context_overflow_is_recognised(fake_gateway: Any) -> None:
    body = _envelope(
        400,
        "invalid request body",
        ["prompt is too long: 250000 tokens > 200000 maximum"],
    )
    gateway = fake_gateway(json_handler(body, status=400))
    with pytest.raises(ContextOverflowError) as info:
        ChatAssemblyAI(model=MODEL, **gateway.options()).invoke("Hi")
    assert isinstance(info.value, aai_gateway.errors.BadRequestError)


def test_missing_key_is_an_authentication_error() -> None:
    llm = ChatAssemblyAI(model=MODEL, base_url="https://gw.test/v1")
    with pytest.raises(ModelAuthenticationError) as info:
        llm.invoke("Hi")
    assert isinstance(info.value, aai_gateway.errors.MissingAPIKeyError)
    assert isinstance(info.value, ValueError)
    assert "ASSEMBLYAI_API_KEY" in str(info.value)


@pytest.mark.parametrize(
    ("exc", "core_cls", "lc_cls"),
    [
        (httpx.ReadTimeout("slow"), aai_gateway.APITimeoutError, ModelTimeoutError),
        (
            httpx.ConnectError("refused"),
            aai_gateway.APIConnectionError,
            ModelConnectionError,
        ),
    ],
)
def test_transport_errors(
    fake_gateway: Any, exc: Exception, core_cls: type, lc_cls: type
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    gateway = fake_gateway(fail)
    with pytest.raises(core_cls) as info:
        ChatAssemblyAI(model=MODEL, max_retries=0, **gateway.options()).invoke("Hi")
    assert isinstance(info.value, lc_cls)
    assert getattr(info.value, "is_retryable", False)


def test_with_fallbacks_catches_model_errors(fake_gateway: Any) -> None:
    failing = fake_gateway(json_handler(_envelope(429, "busy"), status=429))
    working = fake_gateway(json_handler(completion_body("Backup here.")))
    primary = ChatAssemblyAI(model=MODEL, max_retries=0, **failing.options())
    backup = ChatAssemblyAI(model="gpt-5", **working.options())
    chain = primary.with_fallbacks(
        [backup], exceptions_to_handle=(ModelRateLimitError,)
    )
    assert chain.invoke("Hi").content == "Backup here."


def test_model_retry_middleware_decides_by_class() -> None:
    from langchain.agents.middleware._retry import default_retry_on

    def twin(error: aai_gateway.AssemblyAIGatewayError) -> Exception:
        return convert_error(error)

    assert default_retry_on(twin(aai_gateway.RateLimitError("busy", status_code=429)))
    assert default_retry_on(
        twin(aai_gateway.errors.InternalServerError("down", status_code=503))
    )
    assert default_retry_on(twin(aai_gateway.APITimeoutError("slow")))
    assert not default_retry_on(
        twin(aai_gateway.AuthenticationError("key", status_code=401))
    )
    assert not default_retry_on(
        twin(aai_gateway.errors.BadRequestError("bad", status_code=400))
    )


def test_converted_errors_pickle_and_keep_attributes() -> None:
    core = aai_gateway.RateLimitError(
        "busy", status_code=429, retry_after=2.0, request_id="r1"
    )
    twin: Any = convert_error(core)
    assert isinstance(convert_error(core), ModelRateLimitError)
    assert (twin.retry_after, twin.request_id, twin.status_code) == (2.0, "r1", 429)
    again = pickle.loads(pickle.dumps(twin))
    assert type(again) is type(twin)
    assert again.request_id == "r1"
    assert convert_error(twin) is twin
