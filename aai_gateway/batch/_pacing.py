"""Pacing requests to the gateway's per-model rate limit.

The gateway counts requests per key and per model in a window (60 s) and says so
on every answer: `x-ratelimit-limit` (requests per window), `x-ratelimit-remaining`
and `x-ratelimit-reset` (the window's length, in seconds; spec section 7). A 429
carries `retry-after`. The runner turns that into a schedule:

- Until the first answer of a model arrives, one request goes out alone (the
  probe): its headers give the limit, so the run starts at the advertised rate.
- Requests then start evenly spaced at `limit / window`, less a little headroom,
  so no window ever holds more than the limit (a rejected request counts too,
  so a burst of 429s would keep the window full).
- A 429 pauses every worker of that model until `retry-after` has passed, and
  slows the schedule down by a fifth; each success wins a little of it back.
- A cap (`requests_per_minute`) bounds the rate whatever the headers say, and is
  the only pacing when answers carry no headers (a LangChain or LlamaIndex step).

`PaceState` is the pure schedule of one model, driven by an explicit clock;
`Pacer` holds one per model behind a lock, with a blocking and an async wait. The
Ray runner keeps a `Pacer` inside one actor, so every worker shares it.
"""

from __future__ import annotations

import asyncio
import collections
import math
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from aai_gateway.types import RateLimit

HEADROOM = 0.97
"""The share of the advertised limit the schedule uses."""

DEFAULT_WINDOW = 60.0
"""The window, in seconds, when `x-ratelimit-reset` does not say (spec section 7)."""

DEFAULT_PAUSE = 1.0
"""The pause after a 429 that names no `retry-after`."""

SLOWDOWN = 0.8
"""What a 429 multiplies the pace by."""

RECOVERY = 0.01
"""What each success adds back to the pace, up to the full rate."""

MIN_FACTOR = 0.1
_PROBE_POLL = 0.01


class Ticket(NamedTuple):
    """A granted start time; stale once a 429 has moved the schedule (`epoch`)."""

    at: float
    epoch: int


class PaceState:
    """The schedule of one model: when each next request may start.

    Args:
        cap: The most requests per minute ever sent (`None`: the headers decide).
    """

    def __init__(self, cap: float | None = None) -> None:
        self.cap = cap
        self.limit: float | None = None
        self.window = DEFAULT_WINDOW
        self.factor = 1.0
        self.learned = cap is not None
        self.probing = False
        self.last_at = -math.inf
        self.paused_until = 0.0
        self.epoch = 0
        self.throttled = 0
        self._granted: collections.deque[float] = collections.deque()

    @property
    def rate(self) -> float | None:
        """Requests per second the schedule allows now (`None`: unpaced)."""
        rate = None if self.limit is None else self.limit / self.window * HEADROOM
        if self.cap is not None and (rate is None or self.cap / 60.0 < rate):
            rate = self.cap / 60.0
        return None if rate is None else rate * self.factor

    def reserve(self, now: float) -> Ticket | None:
        """Claim the next start time, or `None` while the probe is out."""
        if not self.learned:
            if self.probing:
                return None
            self.probing = True
        rate = self.rate
        spaced = self.last_at + 1.0 / rate if rate else now
        at = max(now, spaced, self.paused_until)
        self.last_at = at
        self._note(at)
        return Ticket(at, self.epoch)

    def is_current(self, ticket: Ticket) -> bool:
        """Whether no 429 has moved the schedule since `ticket` was granted."""
        return ticket.epoch == self.epoch

    def observe(self, rate_limit: RateLimit | None) -> None:
        """An answer arrived; `rate_limit` is its parsed headers, if it had any."""
        self._learn(rate_limit)
        if self.factor < 1.0:
            self.factor = min(1.0, self.factor + RECOVERY)

    def note_failure(self, rate_limit: RateLimit | None) -> None:
        """A request failed for a reason other than the rate limit."""
        if rate_limit is not None and rate_limit.limit:
            self._learn(rate_limit)
        self.probing = False

    def throttle(
        self, now: float, retry_after: float | None, rate_limit: RateLimit | None
    ) -> None:
        """A 429: pause every request of this model, and slow the schedule down."""
        if self.limit is None and (rate_limit is None or not rate_limit.limit):
            self._estimate(now)
        self._learn(rate_limit)
        self.throttled += 1
        wait = retry_after if retry_after and retry_after > 0 else DEFAULT_PAUSE
        self.paused_until = max(self.paused_until, now + wait)
        self.last_at = -math.inf  # the schedule starts again when the pause ends
        self.factor = max(MIN_FACTOR, self.factor * SLOWDOWN)
        self.epoch += 1

    def _learn(self, rate_limit: RateLimit | None) -> None:
        self.learned = True
        self.probing = False
        if rate_limit is None or not rate_limit.limit or rate_limit.limit <= 0:
            return
        self.limit = float(rate_limit.limit)
        reset = rate_limit.reset_seconds
        if reset is not None and math.isfinite(reset) and 1.0 <= reset <= 3600.0:
            self.window = reset

    def _estimate(self, now: float) -> None:
        """No advertised limit to go by: the rate that got through, less a tenth."""
        self._forget(now)
        if len(self._granted) < 2:
            return
        span = self._granted[-1] - self._granted[0]
        if span > 0:
            self.limit = 0.9 * (len(self._granted) - 1) / span * self.window

    def _note(self, at: float) -> None:
        self._granted.append(at)
        self._forget(at)

    def _forget(self, now: float) -> None:
        while self._granted and self._granted[0] <= now - self.window:
            self._granted.popleft()


class Pacer:
    """One `PaceState` per model, shared by threads or by the tasks of one loop.

    Example:
        ```python
        pacer = Pacer()
        await pacer.acquire("claude-sonnet-4-6")
        answer = await client.achat(request)
        pacer.observe("claude-sonnet-4-6", answer.rate_limit)
        ```

    Args:
        requests_per_minute: A cap on every model's rate (`None`: the headers decide).
        clock: Seconds from a monotonic clock (tests pass their own).
    """

    def __init__(
        self,
        requests_per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.requests_per_minute = requests_per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, PaceState] = {}

    def state(self, model: str) -> PaceState:
        """The schedule of `model` (created on first use)."""
        with self._lock:
            return self._state(model)

    def _state(self, model: str) -> PaceState:
        found = self._states.get(model)
        if found is None:
            found = self._states[model] = PaceState(self.requests_per_minute)
        return found

    def _next_wait(
        self, model: str, ticket: Ticket | None
    ) -> tuple[float, Ticket | None]:
        """How long to sleep before asking again, and the ticket to hold meanwhile.

        A zero wait with a ticket means: go now.
        """
        with self._lock:
            state = self._state(model)
            now = self._clock()
            if ticket is not None and state.is_current(ticket):
                return max(0.0, ticket.at - now), ticket
            ticket = state.reserve(now)
            if ticket is None:
                return _PROBE_POLL, None
            return max(0.0, ticket.at - now), ticket

    def wait(self, model: str) -> None:
        """Block until a request to `model` may start."""
        ticket: Ticket | None = None
        while True:
            delay, ticket = self._next_wait(model, ticket)
            if delay <= 0.0 and ticket is not None:
                return
            time.sleep(delay)

    async def acquire(self, model: str) -> None:
        """Wait, without blocking the loop, until a request to `model` may start."""
        ticket: Ticket | None = None
        while True:
            delay, ticket = self._next_wait(model, ticket)
            if delay <= 0.0 and ticket is not None:
                return
            await asyncio.sleep(delay)

    def observe(self, model: str, rate_limit: RateLimit | None) -> None:
        """Report an answer (see `PaceState.observe`)."""
        with self._lock:
            self._state(model).observe(rate_limit)

    def note_failure(self, model: str, rate_limit: RateLimit | None) -> None:
        """Report a failure other than a 429 (see `PaceState.note_failure`)."""
        with self._lock:
            self._state(model).note_failure(rate_limit)

    def throttle(
        self, model: str, retry_after: float | None, rate_limit: RateLimit | None
    ) -> None:
        """Report a 429 (see `PaceState.throttle`)."""
        with self._lock:
            self._state(model).throttle(self._clock(), retry_after, rate_limit)
