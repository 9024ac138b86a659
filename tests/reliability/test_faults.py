"""The fault matrix: every scripted fault, through both adapters, sync and async,
streamed and not, over real sockets to the emulator.

Each test asserts the exact outcome (the answer, or the typed error and what it
carries), how many attempts reached the emulator, the waits the client chose
between them, and that no pooled connection is left checked out (the runner
fixture also checks every pool is empty once the model is closed). Faults that
only exist on a stream (a drop, a stall, an in-band error, a wrong content type)
run streamed only. The rows are listed in `docs/reliability.md`.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

import aai_gateway as core
from aai_gateway.errors import (
    APIResponseValidationError,
    APIStreamError,
    BadRequestError,
    InternalServerError,
    StreamTimeoutError,
    TranscriptNotFoundError,
)
from aai_gateway.testing import Fault
from tests.reliability.conftest import ADAPTERS, Outcome, Runner, unique_prompt

pytestmark = pytest.mark.e2e

COMBOS = [
    (adapter, mode, streamed)
    for adapter in ADAPTERS
    for mode in ("sync", "async")
    for streamed in (False, True)
]
IDS = [f"{a}-{m}-{'stream' if s else 'json'}" for a, m, s in COMBOS]
STREAM_COMBOS = [c for c in COMBOS if c[2]]
STREAM_IDS = [i for i, c in zip(IDS, COMBOS, strict=True) if c[2]]

# The first two backoff waits: 0.5 s and 1 s, each with up to 25% jitter taken off.
FIRST_BACKOFF = (0.375, 0.5)
SECOND_BACKOFF = (0.75, 1.0)
# "Nothing hangs": a generous ceiling, far above any wait these faults script.
HANG_LIMIT = 20.0


@pytest.fixture(params=COMBOS, ids=IDS)
def runner(request: pytest.FixtureRequest, make_runner: Any) -> Runner:
    return make_runner(*request.param)  # type: ignore[no-any-return]


@pytest.fixture(params=STREAM_COMBOS, ids=STREAM_IDS)
def stream_runner(request: pytest.FixtureRequest, make_runner: Any) -> Runner:
    return make_runner(*request.param)  # type: ignore[no-any-return]


def attempts(emulator: Any) -> int:
    return sum(1 for r in emulator.requests if r.path == "/v1/chat/completions")


def expect_error(outcome: Outcome, cls: type[BaseException]) -> Any:
    assert outcome.error is not None, f"expected {cls.__name__}, got {outcome.text!r}"
    assert isinstance(outcome.error, cls), repr(outcome.error)
    assert outcome.busy_after == 0
    return outcome.error


def expect_answer(outcome: Outcome, prompt: str) -> None:
    assert outcome.error is None, repr(outcome.error)
    assert outcome.text == f"Echo: {prompt}"
    assert outcome.busy_after == 0


def within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


# -- 429 ------------------------------------------------------------------------------


def test_429_with_retry_after_waits_that_long_then_succeeds(
    runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(status=429, headers={"retry-after": "1"}))
    prompt = unique_prompt()
    expect_answer(runner.run(runner.model(), prompt), prompt)
    assert attempts(emulator) == 2
    assert sleeps == [1.0]


def test_429_with_retry_after_above_60s_is_not_retried(
    runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(status=429, headers={"retry-after": "61"}))
    error = expect_error(
        runner.run(runner.model(), unique_prompt()), core.RateLimitError
    )
    assert error.retry_after == 61.0
    assert error.status_code == 429
    assert error.request_id
    assert attempts(emulator) == 1
    assert sleeps == []


def test_429_beyond_max_retries_raises_after_exactly_max_retries(
    runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(status=429, times=4))
    model = runner.model(max_retries=3)
    error = expect_error(runner.run(model, unique_prompt()), core.RateLimitError)
    assert error.retry_after is None
    assert attempts(emulator) == 4
    assert len(sleeps) == 3
    assert within(sleeps[0], FIRST_BACKOFF)
    assert within(sleeps[1], SECOND_BACKOFF)


# -- 5xx ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_then_success_is_retried_with_backoff(
    runner: Runner, emulator: Any, sleeps: list[float], status: int
) -> None:
    emulator.add_fault(Fault(status=status, times=2))
    prompt = unique_prompt()
    expect_answer(runner.run(runner.model(), prompt), prompt)
    assert attempts(emulator) == 3
    assert len(sleeps) == 2
    assert within(sleeps[0], FIRST_BACKOFF)
    assert within(sleeps[1], SECOND_BACKOFF)


def test_500_with_x_should_retry_false_is_not_retried(
    runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(status=500, headers={"x-should-retry": "false"}))
    error = expect_error(
        runner.run(runner.model(), unique_prompt()), InternalServerError
    )
    assert error.status_code == 500
    assert "something went wrong" in str(error)
    assert attempts(emulator) == 1
    assert sleeps == []


# -- transport failures ---------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(("adapter", "mode", "streamed"), COMBOS, ids=IDS)
def test_connection_refused_is_retried_then_raises(
    make_runner: Any,
    sleeps: list[float],
    adapter: str,
    mode: str,
    streamed: bool,
) -> None:
    # On the aiohttp pool too: httpx-aiohttp labels a refused connection
    # ConnectTimeout, and the core reads the chained cause instead.
    port = _closed_port()
    runner = make_runner(adapter, mode, streamed, f"http://127.0.0.1:{port}/v1")
    error = expect_error(
        runner.run(runner.model(), unique_prompt()), core.APIConnectionError
    )
    assert not isinstance(error, core.APITimeoutError)
    assert not isinstance(error, core.StreamInterruptedError)
    assert "ConnectError" in str(error)
    assert len(sleeps) == 2  # max_retries=2: three attempts


def test_read_timeout_before_headers_is_retried_then_times_out(
    runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(first_byte_delay=2.0, times=2))
    model = runner.model(timeout=0.25, max_retries=1)
    started = time.monotonic()
    error = expect_error(runner.run(model, unique_prompt()), core.APITimeoutError)
    assert time.monotonic() - started < HANG_LIMIT
    assert not isinstance(error, core.StreamInterruptedError)
    assert "timed out" in str(error)
    assert attempts(emulator) == 2
    assert len(sleeps) == 1


def test_slow_first_byte_beyond_the_timeout_raises_a_timeout(
    runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(first_byte_delay=2.0))
    model = runner.model(timeout=0.25, max_retries=0)
    started = time.monotonic()
    expect_error(runner.run(model, unique_prompt()), core.APITimeoutError)
    assert time.monotonic() - started < HANG_LIMIT
    assert attempts(emulator) == 1
    assert sleeps == []


def test_a_stall_between_events_raises_a_stream_timeout(
    stream_runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    # The adapters' `timeout` caps the wait for each event of a stream.
    emulator.add_fault(Fault(stall_after_events=3, stall_seconds=3.0))
    prompt = unique_prompt("stall ")
    model = stream_runner.model(timeout=0.3)
    started = time.monotonic()
    outcome = stream_runner.run(model, prompt)
    assert time.monotonic() - started < HANG_LIMIT
    error = expect_error(outcome, StreamTimeoutError)
    assert isinstance(error, core.APITimeoutError)
    assert isinstance(error, core.StreamInterruptedError)
    assert error.events_received >= 1
    assert "stalled" in str(error)
    assert f"Echo: {prompt}".startswith(outcome.text)
    assert attempts(emulator) == 1
    assert sleeps == []


def test_the_per_chunk_timeout_is_an_adapter_setting(
    stream_runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    # The per-event timeout, apart from the request timeout (default 600 s).
    emulator.add_fault(Fault(stall_after_events=3, stall_seconds=3.0))
    model = stream_runner.model(stream_chunk_timeout=0.3)
    started = time.monotonic()
    outcome = stream_runner.run(model, unique_prompt())
    assert time.monotonic() - started < HANG_LIMIT
    error = expect_error(outcome, StreamTimeoutError)
    assert error.events_received >= 1
    assert attempts(emulator) == 1
    assert sleeps == []
    sent = [r.json for r in emulator.requests if r.json]
    assert all("stream_chunk_timeout" not in body for body in sent)


# -- streams that break ---------------------------------------------------------------


def test_a_drop_after_events_is_interrupted_not_retried(
    stream_runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(drop_after_events=3))
    prompt = unique_prompt("one two three four five six ")
    outcome = stream_runner.run(stream_runner.model(), prompt)
    error = expect_error(outcome, core.StreamInterruptedError)
    assert not isinstance(error, core.APITimeoutError)
    assert error.events_received >= 1
    assert "not retried" in str(error)
    # Nothing repeated and nothing invented: what arrived is a prefix of the answer.
    assert outcome.text
    assert f"Echo: {prompt}".startswith(outcome.text)
    assert outcome.text != f"Echo: {prompt}"
    assert attempts(emulator) == 1
    assert sleeps == []
    # The framework's callbacks were told.
    assert len(outcome.callback_errors) == 1
    assert isinstance(outcome.callback_errors[0], core.StreamInterruptedError)


def test_a_drop_before_any_event_is_retried(
    stream_runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(drop_after_events=0))
    prompt = unique_prompt()
    expect_answer(stream_runner.run(stream_runner.model(), prompt), prompt)
    assert attempts(emulator) == 2
    assert len(sleeps) == 1


def test_an_error_event_inside_a_200_stream(
    stream_runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(error_event_after=2))
    outcome = stream_runner.run(stream_runner.model(), unique_prompt())
    error = expect_error(outcome, APIStreamError)
    assert error.request_id
    assert error.request_id in str(error)
    assert attempts(emulator) == 1
    assert sleeps == []
    assert len(outcome.callback_errors) == 1


REQUEST_ID = "req-7f3e"


def test_malformed_json_in_a_200_answer(
    runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(Fault(malformed=True, headers={"x-request-id": REQUEST_ID}))
    error = expect_error(
        runner.run(runner.model(), unique_prompt()), APIResponseValidationError
    )
    assert error.request_id == REQUEST_ID
    if not runner.streamed:
        assert REQUEST_ID in str(error)
    assert attempts(emulator) == 1
    assert sleeps == []


def test_a_malformed_stream_event_names_the_request_id(
    make_runner: Any, emulator: Any
) -> None:
    emulator.add_fault(Fault(malformed=True, headers={"x-request-id": REQUEST_ID}))
    runner = make_runner("llama_index", "sync", True)
    error = expect_error(
        runner.run(runner.model(), unique_prompt()), APIResponseValidationError
    )
    assert REQUEST_ID in str(error)


def test_a_200_stream_with_the_wrong_content_type(
    stream_runner: Runner, emulator: Any, sleeps: list[float]
) -> None:
    emulator.add_fault(
        Fault(content_type="text/html", headers={"x-request-id": REQUEST_ID})
    )
    error = expect_error(
        stream_runner.run(stream_runner.model(), unique_prompt()),
        APIResponseValidationError,
    )
    assert "text/html" in str(error)
    assert error.request_id == REQUEST_ID
    assert attempts(emulator) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "fault",
    [
        Fault(malformed=True),
        # A gateway answer with the wrong content type (the id is only in its body).
        Fault(
            status=200,
            content_type="text/plain",
            body=b'{"request_id": "req-plain", "oops": true}',
        ),
    ],
    ids=["malformed-json", "wrong-content-type"],
)
def test_the_request_id_is_kept_without_a_header(
    make_runner: Any, emulator: Any, fault: Fault
) -> None:
    # The live gateway sends `request_id` only in the body: it is taken from there.
    emulator.add_fault(fault)
    runner = make_runner("langchain", "sync", fault.content_type is not None)
    error = expect_error(
        runner.run(runner.model(), unique_prompt()), APIResponseValidationError
    )
    assert error.request_id
    assert error.request_id in str(error)


# -- errors a user must act on --------------------------------------------------------


def test_401_from_a_wrong_key(runner: Runner, emulator: Any) -> None:
    error = expect_error(
        runner.run(runner.model(api_key="wrong-key"), unique_prompt()),
        core.AuthenticationError,
    )
    assert "Authentication error, API token missing/invalid" in str(error)
    assert error.request_id
    assert "wrong-key" not in str(error)
    assert attempts(emulator) == 1


def test_401_in_the_flat_envelope(runner: Runner, emulator: Any) -> None:
    body = {"code": 401, "message": "invalid api key", "request_id": "req-401"}
    emulator.add_fault(Fault(status=401, body=body))
    error = expect_error(
        runner.run(runner.model(), unique_prompt()), core.AuthenticationError
    )
    assert str(error) == "Error code: 401 - invalid api key (request_id: req-401)"
    assert attempts(emulator) == 1


def test_400_lists_every_metadata_error(runner: Runner, emulator: Any) -> None:
    errors = [
        "model claude-sonnet-4-6 does not support logprobs",
        "max_tokens must be less than 200000",
        "tools[0].function.name is required",
    ]
    body = {
        "code": 400,
        "message": "invalid request body",
        "request_id": "req-400",
        "metadata": {"errors": errors},
    }
    emulator.add_fault(Fault(status=400, body=body))
    error = expect_error(runner.run(runner.model(), unique_prompt()), BadRequestError)
    assert error.errors == tuple(errors)
    assert all(e in str(error) for e in errors)
    assert "req-400" in str(error)
    assert attempts(emulator) == 1


def test_404_for_an_unknown_transcript(runner: Runner, emulator: Any) -> None:
    model = runner.model(transcript_id="no-such-transcript")
    error = expect_error(
        runner.run(model, "Summarize: {{ transcript }}"),
        TranscriptNotFoundError,
    )
    message = str(error)
    assert "'no-such-transcript'" in message
    assert "region" in message
    assert error.request_id
    assert attempts(emulator) == 1


def test_400_for_an_unknown_model(runner: Runner, emulator: Any) -> None:
    error = expect_error(
        runner.run(runner.model(model="no-such-model"), unique_prompt()),
        BadRequestError,
    )
    assert "no-such-model" in str(error)
    assert "not supported" in str(error)
    assert error.request_id
    assert attempts(emulator) == 1
