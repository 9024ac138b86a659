"""When to retry, and how long to wait first, as pure functions.

The policy follows the openai and anthropic SDKs: connection failures, timeouts,
408/409/429 and 5xx are retried; `x-should-retry` overrides the status; a server's
`retry-after-ms`/`retry-after` is honoured up to 60 seconds; otherwise the wait
doubles from 0.5 s to at most 8 s, with up to 25% jitter taken off. A server that
asks for no wait at all (`retry-after: 0`) gets the backoff, as one that names
none does, so a crowd of clients cannot hammer it in lockstep.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from aai_gateway._config import DEFAULT_MAX_RETRIES, MAX_RETRY_AFTER

_RETRIED_STATUSES = frozenset({408, 409, 429})
# ASCII digits with an optional fraction: `float()` alone would also take `1_0`,
# `nan`, `+5` and digits of other scripts.
_DELAY = re.compile(r"[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to retry, and the backoff curve.

    Attributes:
        max_retries: Retries after the first attempt (0 turns retrying off).
        initial_delay: The first backoff, in seconds.
        max_delay: The longest backoff.
        max_retry_after: The longest server-requested wait that is honoured; a
            longer one ends the retries at once.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            msg = f"`max_retries` must be a whole number, got {self.max_retries!r}"
            raise TypeError(msg)
        if self.max_retries < 0:
            msg = f"`max_retries` must be 0 or more, got {self.max_retries}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """The outcome of one failed attempt: retry after `delay` seconds, or stop."""

    retry: bool
    delay: float = 0.0
    retry_after: float | None = None


def parse_retry_after(
    headers: Mapping[str, str], now: float | None = None
) -> float | None:
    """Seconds the server asked to wait: `retry-after-ms`, then `retry-after`.

    `retry-after` may be seconds (ASCII digits, optionally with a fraction) or an
    HTTP date. Anything else, or a date in the past, gives `None`.
    """
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        seconds = _seconds(value.strip(), scale, now)
        if seconds is not None:
            return seconds
    return None


def _seconds(value: str, scale: float, now: float | None) -> float | None:
    if _DELAY.fullmatch(value):
        seconds = float(value) * scale
    else:
        if scale != 1.0:
            return None
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def backoff_delay(
    retries_done: int, policy: RetryPolicy, rand: Callable[[], float] = random.random
) -> float:
    """The wait before retry number `retries_done + 1`, with jitter."""
    delay = min(policy.initial_delay * 2.0**retries_done, policy.max_delay)
    return delay * (1.0 - 0.25 * rand())


def is_retryable_status(status_code: int, headers: Mapping[str, str]) -> bool:
    """Whether a status is worth another attempt; `x-should-retry` wins."""
    override = headers.get("x-should-retry", "").strip().lower()
    if override in ("true", "false"):
        return override == "true"
    return status_code in _RETRIED_STATUSES or status_code >= 500


def decide_retry(
    retries_done: int,
    policy: RetryPolicy,
    *,
    status_code: int | None = None,
    headers: Mapping[str, str] | None = None,
    error: BaseException | None = None,
) -> RetryDecision:
    """Decide what to do after a failed attempt.

    Pass `status_code` and `headers` for an error response, or `error` for an
    exception raised before a response arrived.
    """
    headers = headers or {}
    retry_after = parse_retry_after(headers) if status_code is not None else None
    if status_code is not None:
        retryable = is_retryable_status(status_code, headers)
    else:
        retryable = isinstance(error, httpx.TransportError)
    if not retryable or retries_done >= policy.max_retries:
        return RetryDecision(retry=False, retry_after=retry_after)
    if retry_after:  # present and above zero
        if retry_after > policy.max_retry_after:
            return RetryDecision(retry=False, retry_after=retry_after)
        return RetryDecision(retry=True, delay=retry_after, retry_after=retry_after)
    delay = backoff_delay(retries_done, policy)
    return RetryDecision(retry=True, delay=delay, retry_after=retry_after)
