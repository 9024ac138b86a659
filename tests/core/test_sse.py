"""The event-stream parser against the WHATWG rules and against httpx-sse."""

from __future__ import annotations

import itertools

import httpx
from httpx_sse import EventSource
from hypothesis import given
from hypothesis import strategies as st

from aai_gateway._http.sse import EventParser


def parse(*pieces: bytes) -> list[tuple[str, str]]:
    parser = EventParser()
    return [event for piece in pieces for event in parser.feed(piece)]


def test_one_data_line_per_event() -> None:
    assert parse(b'data: {"a": 1}\n\ndata: [DONE]\n\n') == [
        ("message", '{"a": 1}'),
        ("message", "[DONE]"),
    ]


def test_event_type_multiline_data_comments_and_no_space() -> None:
    body = b': keep-alive\n\nevent: error\ndata:{"x":\ndata:  1}\nid: 7\nretry: 5\n\n'
    assert parse(body) == [("error", '{"x":\n 1}')]


def test_an_event_without_data_is_not_dispatched() -> None:
    assert parse(b"event: ping\n\n: comment\n\n\n\n") == []


def test_a_byte_order_mark_at_the_start_is_skipped() -> None:
    assert parse(b"\xef\xbb", b"\xbfdata: x\n\n") == [("message", "x")]


def test_cr_and_crlf_line_ends_even_split_between_reads() -> None:
    assert parse(b"data: a\r", b"\n\r", b"\ndata: b\r\r") == [
        ("message", "a"),
        ("message", "b"),
    ]


def test_a_multibyte_character_split_between_reads() -> None:
    encoded = "data: héllo ✓\n\n".encode()
    assert parse(encoded[:8], encoded[8:13], encoded[13:]) == [("message", "héllo ✓")]


def test_an_unfinished_event_at_the_end_is_held_not_dispatched() -> None:
    parser = EventParser()
    assert parser.feed(b"data: 1\n\ndata: 2") == [("message", "1")]
    assert parser.feed(b"\n") == []
    assert parser.feed(b"\n") == [("message", "2")]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert parse(b"data: \xff\n\n") == [("message", "\ufffd")]


_line = st.one_of(
    st.builds(lambda v: f"data: {v}", st.text('ab{}" :', max_size=8)),
    st.builds(lambda v: f"data:{v}", st.text("xy ", max_size=4)),
    st.sampled_from(["event: error", "event: delta", ": note", "id: 3", "retry: 10"]),
)
_event = st.lists(_line, min_size=1, max_size=4)


@given(
    events=st.lists(_event, max_size=6),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_any_byte_split_gives_the_events_written(
    events: list[list[str]], newline: str, cuts: list[int]
) -> None:
    body = "".join(newline.join(lines) + newline * 2 for lines in events).encode()
    bounds = sorted({min(c, len(body)) for c in cuts} | {0, len(body)})
    pieces = [body[a:b] for a, b in itertools.pairwise(bounds)]
    assert parse(*pieces) == [e for lines in events if (e := _written(lines))]


def test_the_same_events_as_httpx_sse_on_a_gateway_stream() -> None:
    body = (
        b": ping\n\n"
        + b"".join(
            b'data: {"choices": [{"delta": {"content": "w%d"}}]}\r\n\r\n' % i
            for i in range(50)
        )
        + b"event: error\ndata: {}\n\ndata: [DONE]\n\n"
    )
    response = httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=body
    )
    expected = [(e.event, e.data) for e in EventSource(response).iter_sse()]
    assert parse(body[:333], body[333:]) == expected


def _written(lines: list[str]) -> tuple[str, str] | None:
    """The event a block of generated lines stands for, by the standard's rules."""
    kind, data = "message", []
    for line in lines:
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name == "event":
            kind = value
    return (kind, "\n".join(data)) if data else None
