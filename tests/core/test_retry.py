"""The retry decision as a pure function (testing notes section 4)."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from aai_gateway import RetryPolicy
from aai_gateway._retry import (
    backoff_delay,
    decide_retry,
    is_retryable_status,
    parse_retry_after,
)

POLICY = RetryPolicy()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "20"}, 20.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "-10"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "x", "retry-after": "9"}, 9.0),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date() -> None:
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=now) == pytest.approx(30.0)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after({"retry-after": past}, now=now) is None


@pytest.mark.parametrize(
    ("status", "headers", "retryable"),
    [
        (408, {}, True),
        (409, {}, True),
        (429, {}, True),
        (500, {}, True),
        (503, {}, True),
        (529, {}, True),
        (400, {}, False),
        (401, {}, False),
        (404, {}, False),
        (500, {"x-should-retry": "false"}, False),
        (400, {"x-should-retry": "true"}, True),
        (500, {"x-should-retry": "maybe"}, True),
    ],
)
def test_retryable_statuses(
    status: int, headers: dict[str, str], retryable: bool
) -> None:
    assert is_retryable_status(status, headers) is retryable


def test_backoff_doubles_to_the_cap_with_jitter() -> None:
    assert [backoff_delay(n, POLICY, rand=lambda: 0.0) for n in range(6)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        8.0,
    ]
    assert backoff_delay(0, POLICY, rand=lambda: 1.0) == 0.375


def test_decisions() -> None:
    assert decide_retry(0, POLICY, status_code=503).retry
    assert not decide_retry(2, POLICY, status_code=503).retry
    wait = decide_retry(0, POLICY, status_code=429, headers={"retry-after": "3"})
    assert (wait.retry, wait.delay, wait.retry_after) == (True, 3.0, 3.0)
    too_long = decide_retry(0, POLICY, status_code=429, headers={"retry-after": "61"})
    assert (too_long.retry, too_long.retry_after) == (False, 61.0)
    at_limit = decide_retry(0, POLICY, status_code=429, headers={"retry-after": "60"})
    assert at_limit.retry
    assert decide_retry(0, POLICY, error=httpx.ConnectError("x")).retry
    assert decide_retry(0, POLICY, error=httpx.ReadTimeout("x")).retry
    assert not decide_retry(0, POLICY, error=ValueError("x")).retry
    assert not decide_retry(0, RetryPolicy(max_retries=0), status_code=503).retry


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_policy_rejects_bad_max_retries(bad: object) -> None:
    with pytest.raises((TypeError, ValueError), match="max_retries"):
        RetryPolicy(max_retries=bad)  # type: ignore[arg-type]
