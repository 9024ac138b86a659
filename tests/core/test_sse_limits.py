"""The event-stream parser's bound on one event, and its cost on large events."""

from __future__ import annotations

import gc
import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aai_gateway._http.sse import EventParser, EventTooLargeError


def _pieces(payload: bytes, size: int) -> list[bytes]:
    return [payload[i : i + size] for i in range(0, len(payload), size)]


def test_an_event_past_the_limit_raises_as_soon_as_it_is_passed() -> None:
    parser = EventParser(max_event_size=100)
    assert parser.feed(b"data: " + b"x" * 90) == []
    with pytest.raises(EventTooLargeError, match="max_event_size") as info:
        parser.feed(b"y" * 20)
    assert (info.value.size, info.value.limit) == (116, 100)


def test_an_event_past_the_limit_in_one_read_raises_too() -> None:
    with pytest.raises(EventTooLargeError):
        EventParser(max_event_size=50).feed(b"data: " + b"x" * 60 + b"\n\n")


def test_events_up_to_the_limit_pass_and_the_limit_is_per_event() -> None:
    parser = EventParser(max_event_size=22)
    body = b"".join(b"data: " + bytes([65 + i]) * 14 + b"\n\n" for i in range(50))
    events = [e for piece in _pieces(body, 7) for e in parser.feed(piece)]
    assert [data for _, data in events] == [chr(65 + i) * 14 for i in range(50)]


@pytest.mark.parametrize("bad", [0, -1])
def test_the_limit_must_be_positive(bad: int) -> None:
    with pytest.raises(ValueError, match="max_event_size"):
        EventParser(max_event_size=bad)


@given(
    payload=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
        max_size=200,
    ),
    size=st.integers(1, 17),
    newline=st.sampled_from(["\n", "\r", "\r\n"]),
)
def test_large_events_split_anywhere_arrive_whole(
    payload: str, size: int, newline: str
) -> None:
    body = f"data: {payload}{newline}{newline}data: [DONE]{newline}{newline}".encode()
    parser = EventParser()
    events = [e for piece in _pieces(body, size) for e in parser.feed(piece)]
    assert events == [("message", payload), ("message", "[DONE]")]


def _seconds_to_parse(payload: bytes) -> float:
    parser = EventParser()
    pieces = _pieces(payload, 4096)
    start = time.perf_counter()
    for piece in pieces:
        parser.feed(piece)
    return time.perf_counter() - start


def test_parsing_time_grows_linearly_with_the_event() -> None:
    # Ratios inside one run: eight times the bytes must cost about eight times the
    # time; a parser that re-scans its buffer on each read costs about 64 times.
    # Measured interleaved, best of five each, so load on a shared machine hits
    # both sizes alike; the bound sits far from both readings.
    small = b"data: " + json.dumps({"t": "x" * 500_000}).encode()
    large = b"data: " + json.dumps({"t": "x" * 4_000_000}).encode()
    small_s = large_s = float("inf")
    gc.disable()
    try:
        for _ in range(5):
            small_s = min(small_s, _seconds_to_parse(small))
            large_s = min(large_s, _seconds_to_parse(large))
    finally:
        gc.enable()
    assert large_s / small_s < 24, (small_s, large_s)
