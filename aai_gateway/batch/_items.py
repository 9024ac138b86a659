"""One item of a batch: pace, send, read the answer, retry what is worth retrying.

The batch's own client never retries by itself (`max_retries=0`): every 429 must
reach the pacer, so that all workers of the model wait, not only the one that
met it. Here, a 429 is waited out (its wait is the pacer's) up to `max_waits`
times; a connection failure, a timeout or a 5xx is retried by the core's rule
(`retry-after`, else its backoff) up to `max_retries` times; an authentication
failure stops the whole run (every item would fail alike); any other error
becomes the item's record.

`run_item` and `arun_item` are the sync and async shells over the same steps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aai_gateway._http.client import AsyncGatewayClient, GatewayClient
from aai_gateway._retry import RetryPolicy, backoff_delay, decide_retry
from aai_gateway._types import parse_rate_limit
from aai_gateway.batch._job import PromptJob
from aai_gateway.batch._records import BatchRecord, completion_record, error_record
from aai_gateway.batch._steps import acall_step, call_step, step_record
from aai_gateway.errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    MissingAPIKeyError,
    RateLimitError,
    StreamInterruptedError,
)
from aai_gateway.types import ChatCompletion, RateLimit

FATAL_ERRORS = (AuthenticationError, MissingAPIKeyError)
"""Errors that end the run: every other item would meet them too."""


Answer = tuple[BatchRecord, RateLimit | None]
"""An item's record, and the rate-limit headers of its answer."""


class Reporter(Protocol):
    """What an item tells the pacer (a `Pacer`, or the Ray runner's actor proxy)."""

    def observe(self, model: str, rate_limit: RateLimit | None) -> None: ...

    def note_failure(self, model: str, rate_limit: RateLimit | None) -> None: ...

    def throttle(
        self, model: str, retry_after: float | None, rate_limit: RateLimit | None
    ) -> None: ...


class SyncPace(Reporter, Protocol):
    """A reporter that can block until a request may start."""

    def wait(self, model: str) -> None: ...


class AsyncPace(Reporter, Protocol):
    """A reporter that can wait, without blocking the loop, until a request may start."""

    async def acquire(self, model: str) -> None: ...


def rate_limit_of(error: BaseException) -> RateLimit | None:
    """The `x-ratelimit-*` headers of an error's response, if it had any."""
    response = getattr(error, "response", None)
    headers: Mapping[str, str] | None = getattr(response, "headers", None)
    return None if headers is None else parse_rate_limit(headers)


def _retry_delay(error: BaseException, retries: int, budget: int) -> float | None:
    """The core's retry rule for an error that is not a 429 (`None`: do not retry)."""
    policy = RetryPolicy(max_retries=budget)
    if isinstance(error, APIStatusError):
        headers = getattr(error.response, "headers", None) or {}
        decision = decide_retry(
            retries, policy, status_code=error.status_code, headers=headers
        )
        return decision.delay if decision.retry else None
    if isinstance(error, APIConnectionError) and not isinstance(
        error, StreamInterruptedError
    ):
        return backoff_delay(retries, policy) if retries < budget else None
    return None


@dataclass
class Retries:
    """What one item has used of its retry budgets."""

    max_retries: int
    max_waits: int
    retries: int = 0
    waits: int = 0

    def settle(
        self, answer: Answer | Exception, pace: Reporter, work: Work, transcript_id: str
    ) -> tuple[BatchRecord, int] | float:
        """The item's record and 429 count, or the seconds to wait before a retry.

        Raises:
            AuthenticationError: re-raised (so is `MissingAPIKeyError`).
        """
        if isinstance(answer, Exception):
            delay = self.after(answer, pace, work.model)
            if delay is None:
                return error_record(transcript_id, answer, work.named), self.waits
            return delay
        record, rate_limit = answer
        pace.observe(work.model, rate_limit)
        return record, self.waits

    def after(self, error: Exception, pace: Reporter, model: str) -> float | None:
        """Seconds to wait before trying again, or `None` to record the error.

        Raises:
            AuthenticationError: re-raised (so is `MissingAPIKeyError`).
        """
        if isinstance(error, RateLimitError):
            pace.throttle(model, error.retry_after, rate_limit_of(error))
            self.waits += 1
            return 0.0 if self.waits <= self.max_waits else None
        pace.note_failure(model, rate_limit_of(error))
        if isinstance(error, FATAL_ERRORS):
            raise error
        delay = _retry_delay(error, self.retries, self.max_retries)
        if delay is not None:
            self.retries += 1
        return delay


@dataclass(frozen=True)
class PromptWork:
    """A prompt job sent through the batch's own client."""

    job: PromptJob
    client: GatewayClient | None = None
    aclient: AsyncGatewayClient | None = None

    @property
    def model(self) -> str:
        """The pacing key."""
        return self.job.model

    @property
    def named(self) -> str | None:
        """The model a failed item's record names."""
        return self.job.model

    def _read(self, transcript_id: str, completion: ChatCompletion) -> Answer:
        rate_limit = completion.rate_limit
        if rate_limit is not None and rate_limit.model not in (None, self.job.model):
            rate_limit = None  # a fallback answered: its limit is not this model's
        try:
            answer = self.job.answer(completion)
        except ValueError as exc:  # the answer does not fit the schema
            record = error_record(transcript_id, exc, completion.model)
            record["request_id"] = completion.request_id
            return record, rate_limit
        return completion_record(transcript_id, completion, answer), rate_limit

    def run(self, transcript_id: str) -> Answer:
        """Ask about one transcript."""
        assert self.client is not None  # noqa: S101 (built with one)
        return self._read(
            transcript_id, self.client.chat(self.job.request(transcript_id))
        )

    async def arun(self, transcript_id: str) -> Answer:
        """Ask about one transcript (async)."""
        assert self.aclient is not None  # noqa: S101 (built with one)
        completion = await self.aclient.achat(self.job.request(transcript_id))
        return self._read(transcript_id, completion)


@dataclass(frozen=True)
class StepWork:
    """A framework step (its answers carry no rate-limit headers)."""

    step: Any
    model: str
    named: str | None = None

    def run(self, transcript_id: str) -> Answer:
        """Run the step for one transcript."""
        return step_record(transcript_id, call_step(self.step, transcript_id)), None

    async def arun(self, transcript_id: str) -> Answer:
        """Run the step for one transcript (async)."""
        result = await acall_step(self.step, transcript_id)
        return step_record(transcript_id, result), None


Work = PromptWork | StepWork


def run_item(
    work: Work, pace: SyncPace, transcript_id: str, retries: Retries
) -> tuple[BatchRecord, int]:
    """The record of one transcript, and how many 429s it waited out."""
    while True:
        pace.wait(work.model)
        try:
            answer: Answer | Exception = work.run(transcript_id)
        except Exception as exc:
            answer = exc
        done = retries.settle(answer, pace, work, transcript_id)
        if isinstance(done, tuple):
            return done
        time.sleep(done)


async def arun_item(
    work: Work, pace: AsyncPace, transcript_id: str, retries: Retries
) -> tuple[BatchRecord, int]:
    """The record of one transcript (see `run_item`)."""
    while True:
        await pace.acquire(work.model)
        try:
            answer: Answer | Exception = await work.arun(transcript_id)
        except Exception as exc:
            answer = exc
        done = retries.settle(answer, pace, work, transcript_id)
        if isinstance(done, tuple):
            return done
        await asyncio.sleep(done)
