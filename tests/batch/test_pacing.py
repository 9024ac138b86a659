"""Pacing: the schedule on a fake clock, the two waits, and whole runs against a limit."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from aai_gateway.batch import TranscriptBatch, read_results
from aai_gateway.batch._pacing import HEADROOM, SLOWDOWN, Pacer, PaceState
from aai_gateway.testing import Fault
from aai_gateway.types import RateLimit
from tests.batch.conftest import LIMIT, MODEL, Runner, Served

ADVERTISED = RateLimit(limit=120, remaining=119, reset_seconds=60.0, model=MODEL)
SPACING = 60.0 / (120 * HEADROOM)


def test_the_first_request_probes_alone_and_the_headers_set_the_pace() -> None:
    state = PaceState()
    probe = state.reserve(0.0)
    assert probe is not None
    assert probe.at == 0.0
    assert state.reserve(0.0) is None  # everyone else waits for the probe's answer
    state.observe(ADVERTISED)
    assert state.rate == pytest.approx(120 / 60 * HEADROOM)
    starts = [state.reserve(0.1) for _ in range(3)]
    assert [t.at for t in starts if t] == pytest.approx(
        [SPACING, 2 * SPACING, 3 * SPACING]
    )


def test_a_cap_skips_the_probe_and_bounds_the_advertised_rate() -> None:
    state = PaceState(cap=60)
    first, second = state.reserve(5.0), state.reserve(5.0)
    assert first is not None
    assert second is not None
    assert second.at - first.at == pytest.approx(1.0)
    state.observe(ADVERTISED)  # 2 a second advertised: the cap of 1 still wins
    assert state.rate == pytest.approx(1.0)


def test_the_window_comes_from_the_reset_header() -> None:
    state = PaceState()
    state.reserve(0.0)
    state.observe(RateLimit(limit=10, reset_seconds=10.0))
    assert state.rate == pytest.approx(1.0 * HEADROOM)
    state.observe(RateLimit(limit=10, reset_seconds=0.0))  # nonsense: kept as it was
    assert state.window == 10.0


def test_a_429_pauses_the_model_slows_it_and_stales_waiting_tickets() -> None:
    state = PaceState()
    state.reserve(0.0)
    state.observe(ADVERTISED)
    waiting = state.reserve(1.0)
    assert waiting is not None
    state.throttle(1.0, 2.5, None)
    assert not state.is_current(waiting)
    after = state.reserve(1.1)
    assert after is not None
    assert after.at == pytest.approx(3.5)
    assert state.rate == pytest.approx(2 * HEADROOM * SLOWDOWN)
    assert state.throttled == 1
    for _ in range(100):
        state.observe(ADVERTISED)
    assert state.rate == pytest.approx(2 * HEADROOM)  # won back, never above


def test_a_429_without_a_known_limit_guesses_from_what_got_through() -> None:
    state = PaceState()
    state.reserve(0.0)
    state.observe(None)  # a step's answer: no headers, so no pace
    assert state.rate is None
    for n in range(1, 21):
        state.reserve(n * 0.1)
    state.throttle(2.0, None, None)
    # Ten a second got through: nine a second (540 a window) is the guess.
    assert state.limit == pytest.approx(540.0)
    assert state.rate == pytest.approx(9 * HEADROOM * SLOWDOWN)
    assert state.paused_until == pytest.approx(3.0)  # no retry-after: one second


def test_a_429_with_too_little_to_go_by_only_pauses() -> None:
    state = PaceState(cap=3000)
    state.reserve(0.0)
    state.throttle(0.0, 0.5, None)
    assert state.limit is None
    assert state.rate == pytest.approx(50 * SLOWDOWN)


def test_a_failed_probe_lets_the_next_request_probe() -> None:
    state = PaceState()
    state.reserve(0.0)
    state.note_failure(None)
    assert state.reserve(0.0) is not None


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_waits_follow_the_schedule(mode: str) -> None:
    pacer = Pacer(requests_per_minute=1200)  # one every 50 ms
    started = time.monotonic()
    if mode == "sync":
        for _ in range(5):
            pacer.wait(MODEL)
    else:

        async def go() -> None:
            await asyncio.gather(*(pacer.acquire(MODEL) for _ in range(5)))

        asyncio.run(go())
    assert 0.19 <= time.monotonic() - started < 1.0
    assert pacer.state("other").rate == pytest.approx(20.0)


def test_a_run_keeps_to_the_advertised_limit(
    run: Runner, limited: Served, tmp_path: Path
) -> None:
    batch = TranscriptBatch(
        tmp_path / "out.jsonl",
        model=MODEL,
        prompt="What was agreed?",
        transcript_ids=limited.ids[:12],
        max_concurrency=8,
        show_progress=False,
        **limited.urls,
    )
    summary = run(batch)
    assert summary.ok
    assert summary.rate_limited == 0
    times = [r.received_at for r in limited.chats()]
    assert len(times) == 12
    # 600 a minute, less the headroom: one every ~103 ms. (The probe's own trip
    # includes opening the pool, so its gap to the next is measured from the start.)
    # Never ahead of that schedule (a burst would be); a busy machine may only make
    # a request late, which lets the next one follow it sooner. Not much behind it
    # either: the run keeps the pace.
    spacing = 60 / (LIMIT * HEADROOM)
    paced = times[1:]
    assert all(t - paced[0] > 0.95 * spacing * n - 0.01 for n, t in enumerate(paced))
    assert 10 * spacing < times[-1] - times[0] < 1.5 * 11 * spacing


def test_a_retry_after_holds_back_every_worker_of_the_model(
    run: Runner, served: Served, tmp_path: Path
) -> None:
    served.emulator.add_fault(Fault(status=429, headers={"retry-after": "0.5"}))
    batch = TranscriptBatch(
        tmp_path / "out.jsonl",
        model=MODEL,
        prompt="What was agreed?",
        transcript_ids=served.ids[:10],
        max_concurrency=4,
        requests_per_minute=3000,  # one every 20 ms, no probe
        show_progress=False,
        **served.urls,
    )
    summary = run(batch)
    assert summary.ok
    assert summary.rate_limited == 1
    assert len(read_results(batch.out)) == 10
    chats = served.chats()
    assert len(chats) == 11  # the refused one was asked again
    refused = chats[0].received_at
    later = [r.received_at - refused for r in chats[1:]]
    # Requests already on their way may land just after the 429; then nothing
    # until the server's half second is over.
    assert len([t for t in later if 0.1 < t < 0.45]) <= 1  # unpaused: ~15
    assert max(later) > 0.5
    again = [
        r
        for r in chats[1:]
        if r.json["transcript_id"] == chats[0].json["transcript_id"]
    ]
    assert len(again) == 1
    assert again[0].received_at - refused >= 0.5


def test_a_step_is_paced_by_its_cap(
    run: Runner, served: Served, tmp_path: Path
) -> None:
    seen: list[float] = []

    def step(transcript_id: str) -> str:
        seen.append(time.monotonic())
        return transcript_id

    batch = TranscriptBatch(
        tmp_path / "out.jsonl",
        step=step,
        transcript_ids=served.ids[:5],
        requests_per_minute=600,
        show_progress=False,
        **served.urls,
    )
    assert run(batch).succeeded == 5
    # Never ahead of the schedule (one start per 0.1 s); a loaded machine may only
    # make a start late, which lets the next one follow it sooner.
    starts = sorted(seen)
    assert all(t - starts[0] > 0.099 * n - 0.01 for n, t in enumerate(starts))
