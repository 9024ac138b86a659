"""Per-key, per-model request counting in a sliding 60-second window (spec section 7).

Every request counts, rejected ones included, so `x-ratelimit-remaining` goes
negative the way the live gateway's does (`1 -> 0 -> -1`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateDecision:
    """The outcome of counting one request."""

    limit: int
    remaining: int
    model: str
    retry_after: int

    @property
    def allowed(self) -> bool:
        """Whether the request is inside the limit."""
        return self.remaining >= 0

    def headers(self) -> dict[str, str]:
        """The `x-ratelimit-*` headers every chat response carries."""
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(WINDOW_SECONDS),
            "x-ratelimit-model": self.model,
            "x-ratelimit-service": "llmgw",
        }

    def understanding_headers(self) -> dict[str, str]:
        """The headers `/v1/understanding` answers carry (its own service)."""
        headers = self.headers()
        del headers["x-ratelimit-model"]
        headers.update({"x-ratelimit-service": "speech-understanding"})
        headers["x-ratelimit-feature"] = "understanding"
        return headers


class RateLimiter:
    """Counts requests per `(key, model)`; `limit=None` never rejects."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], deque[float]] = {}

    def reset(self) -> None:
        """Forget every counted request."""
        with self._lock:
            self._seen.clear()

    def count(self, key: str, model: str) -> RateDecision:
        """Count one request for `(key, model)` and say whether it may run."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault((key, model), deque())
            while seen and seen[0] <= now - WINDOW_SECONDS:
                seen.popleft()
            seen.append(now)
            used, oldest = len(seen), seen[0]
        if self.limit is None:
            return RateDecision(1_000_000, 1_000_000 - used, model, 0)
        retry_after = max(1, math.ceil(oldest + WINDOW_SECONDS - now))
        return RateDecision(self.limit, self.limit - used, model, retry_after)
