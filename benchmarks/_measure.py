"""Timing helpers: client CPU per operation, interleaved so that noise hits every contender alike."""

from __future__ import annotations

import asyncio
import functools
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

Sync = Callable[[], object]
Async = Callable[[], Awaitable[object]]
C = TypeVar("C")


def interleaved(
    contenders: Mapping[str, C],
    *,
    rounds: int,
    warmup: int,
    sample: Callable[[C], float],
) -> dict[str, float]:
    """Median of `sample(contender)` for each contender.

    Every round samples each contender in turn, so a burst of noise from the
    machine lands on all of them rather than on one.
    """
    for fn in contenders.values():
        for _ in range(warmup):
            sample(fn)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            samples[name].append(sample(fn))
    return {name: statistics.median(values) for name, values in samples.items()}


def cpu_medians(
    contenders: Mapping[str, Sync], *, rounds: int, inner: int = 1, warmup: int = 2
) -> dict[str, float]:
    """Median client CPU seconds per call of each contender (`inner` calls a sample)."""

    def cpu(fn: Sync) -> float:
        start = time.process_time()
        for _ in range(inner):
            fn()
        return (time.process_time() - start) / inner

    return interleaved(contenders, rounds=rounds, warmup=warmup, sample=cpu)


def acpu_medians(
    contenders: Mapping[str, Async], *, rounds: int, inner: int = 1, warmup: int = 2
) -> dict[str, float]:
    """`cpu_medians` for coroutine functions, all run in one event loop."""
    loop = asyncio.new_event_loop()
    try:
        blocking = {
            name: functools.partial(_run_in, loop, fn)
            for name, fn in contenders.items()
        }
        return cpu_medians(blocking, rounds=rounds, inner=inner, warmup=warmup)
    finally:
        # As `asyncio.run` would: our clients close their pools with the loop.
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _run_in(loop: asyncio.AbstractEventLoop, fn: Async) -> object:
    return loop.run_until_complete(fn())


def wall_medians(
    contenders: Mapping[str, Sync], *, rounds: int, warmup: int = 2
) -> dict[str, float]:
    """Median wall seconds of each contender, interleaved like `cpu_medians`.

    A contender returns the wall time it measured itself (for example the time to
    its first token), so set-up before the measured part stays out.
    """
    return interleaved(
        contenders,
        rounds=rounds,
        warmup=warmup,
        sample=lambda fn: float(fn()),  # type: ignore[arg-type]
    )
