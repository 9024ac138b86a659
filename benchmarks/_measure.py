"""Timing helpers: client CPU per operation, interleaved so that noise hits every contender alike."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping

Sync = Callable[[], object]
Async = Callable[[], Awaitable[object]]


def cpu_medians(
    contenders: Mapping[str, Sync], *, rounds: int, inner: int = 1, warmup: int = 2
) -> dict[str, float]:
    """Median client CPU seconds per call of each contender.

    Every round runs each contender `inner` times in turn, so a burst of noise
    from the machine lands on all of them rather than on one.
    """
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.process_time()
            for _ in range(inner):
                fn()
            samples[name].append((time.process_time() - start) / inner)
    return {name: statistics.median(values) for name, values in samples.items()}


async def _acpu_medians(
    contenders: Mapping[str, Async], rounds: int, inner: int, warmup: int
) -> dict[str, float]:
    for fn in contenders.values():
        for _ in range(warmup):
            await fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.process_time()
            for _ in range(inner):
                await fn()
            samples[name].append((time.process_time() - start) / inner)
    return {name: statistics.median(values) for name, values in samples.items()}


def acpu_medians(
    contenders: Mapping[str, Async], *, rounds: int, inner: int = 1, warmup: int = 2
) -> dict[str, float]:
    """`cpu_medians` for coroutine functions, all run in one event loop."""
    return asyncio.run(_acpu_medians(contenders, rounds, inner, warmup))


def wall_medians(
    contenders: Mapping[str, Sync], *, rounds: int, warmup: int = 2
) -> dict[str, float]:
    """Median wall seconds of each contender, interleaved like `cpu_medians`.

    A contender returns the wall time it measured itself (for example the time to
    its first token), so set-up before the measured part stays out.
    """
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            samples[name].append(float(fn()))  # type: ignore[arg-type]
    return {name: statistics.median(values) for name, values in samples.items()}
