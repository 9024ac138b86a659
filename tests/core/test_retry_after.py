"""`retry-after` values a hostile or careless server may send."""

from __future__ import annotations

import pytest

from aai_gateway import RetryPolicy
from aai_gateway._retry import backoff_delay, decide_retry, parse_retry_after

POLICY = RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=8.0)


@pytest.mark.parametrize(
    "value", ["1_0", "+5", " 5x", "0x10", "1e3", "\u0661\u0660", "5.", ".5", "Infinity"]
)
def test_values_python_would_take_but_http_does_not_are_ignored(value: str) -> None:
    assert parse_retry_after({"retry-after": value}) is None
    assert parse_retry_after({"retry-after-ms": value}) is None


@pytest.mark.parametrize("header", ["retry-after", "retry-after-ms"])
def test_a_zero_wait_backs_off_like_a_missing_header(header: str) -> None:
    asked = decide_retry(1, POLICY, status_code=503, headers={header: "0"})
    silent = decide_retry(1, POLICY, status_code=503, headers={})
    assert asked.retry
    assert silent.retry
    assert asked.retry_after == 0.0
    # The jittered backoff: between 75 % and 100 % of the doubled initial delay.
    assert backoff_delay(1, POLICY, rand=lambda: 1.0) <= asked.delay <= 1.0
    assert backoff_delay(1, POLICY, rand=lambda: 1.0) <= silent.delay <= 1.0


def test_a_positive_wait_is_still_honoured_exactly() -> None:
    decision = decide_retry(0, POLICY, status_code=429, headers={"retry-after": "2.5"})
    assert (decision.retry, decision.delay) == (True, 2.5)


def test_an_out_of_range_http_date_is_ignored() -> None:
    assert parse_retry_after({"retry-after": "Mon, 01 Jan 99999 00:00:00 GMT"}) is None
