"""The attempts of one call: the retry loop's decisions, made once for both shells.

A shell runs each attempt inside `with attempts:`. A transport error raised in the
block, or an error status handed to `refuse`, either ends the call with the
package's typed error or is swallowed with the wait before the next attempt left
on `delay`; the shell sleeps that long and goes round again:

```python
attempts = Attempts(client, clock=clock)
while True:
    with attempts:
        return read(open(request, attempts))
    time.sleep(attempts.delay)
```

So the sync and async shells differ only in how they send, read and sleep. Each
wait is logged on the `aai_gateway` logger: INFO, or WARNING from
`LOUD_WAIT` seconds on, so a long `retry-after` never stalls a program silently.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import NoReturn

import httpx

from aai_gateway._http.base import _BaseClient
from aai_gateway._http.responses import request_of, url_text
from aai_gateway._http.streaming import ReadClock, ReadTimeoutError, StreamRun
from aai_gateway._retry import RetryDecision, decide_retry

__all__ = ["LOUD_WAIT", "Attempts"]

logger = logging.getLogger("aai_gateway")

LOUD_WAIT = 5.0
"""A wait before a retry this long (seconds) or longer is logged at WARNING."""


class _Refused(Exception):
    """An error status that will be retried (caught by `Attempts.__exit__`)."""


class Attempts:
    """The retries of one call: how many were used, the read clock, the next wait.

    Args:
        client: The client whose policy decides and whose errors are raised.
        transcript_id: The transcript the request names, for a 404's message.
        clock: The call's read bounds (default: none); each attempt restarts it.
    """

    __slots__ = ("_client", "clock", "delay", "retries_done", "run", "transcript_id")

    def __init__(
        self,
        client: _BaseClient,
        transcript_id: str | None = None,
        clock: ReadClock | None = None,
    ) -> None:
        self._client = client
        self.transcript_id = transcript_id
        self.clock = clock or ReadClock()
        self.retries_done = 0
        self.delay = 0.0
        self.run: StreamRun | None = None
        """The stream the current attempt reads, once it has one."""

    def __enter__(self) -> Attempts:
        self.clock.attempt()
        self.run = None
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        """Swallow a failure that will be retried; raise the typed error of one that will not."""
        if isinstance(exc, _Refused):
            return True
        if not isinstance(exc, httpx.RequestError):
            return False
        client = self._client
        if self.run is not None and self.run.assembler.delivered:
            # Chunks reached the caller: a retry would repeat their text.
            raise client._interrupted(exc, self.run.assembler) from exc
        decision = decide_retry(self.retries_done, client.retry_policy, error=exc)
        if not decision.retry or (isinstance(exc, ReadTimeoutError) and exc.final):
            raise client._transport_error(exc) from exc
        self._schedule(decision, type(exc).__name__, request_of(exc))
        return True

    def refuse(self, response: httpx.Response) -> NoReturn:
        """An error response (its body read): raise its typed error, or schedule a retry."""
        decision = decide_retry(
            self.retries_done,
            self._client.retry_policy,
            status_code=response.status_code,
            headers=response.headers,
        )
        if not decision.retry:
            raise self._client._status_error(response, self.transcript_id)
        self._schedule(decision, f"status {response.status_code}", response.request)
        raise _Refused

    def _schedule(
        self, decision: RetryDecision, cause: str, request: httpx.Request | None
    ) -> None:
        self.delay = decision.delay
        self.retries_done += 1
        level = logging.WARNING if decision.delay >= LOUD_WAIT else logging.INFO
        if logger.isEnabledFor(level):
            where = "a request" if request is None else _describe(request)
            why = ", as its retry-after asks" if decision.retry_after else ""
            message = (
                f"{where} failed ({cause}); attempt {self.retries_done + 1} of "
                f"{self._client.retry_policy.max_retries + 1} in "
                f"{decision.delay:.2f} s{why}"
            )
            logger.log(level, "%s", self._client._redact(message))


def _describe(request: httpx.Request) -> str:
    return f"{request.method} {url_text(request.url)}"
