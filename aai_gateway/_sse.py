"""Server-sent events parsed straight from a response's bytes.

The gateway sends one `data: {...}` line per event. Parsing whole blocks (split on
the blank line that ends an event) instead of line by line keeps the per-event
cost to one string split and one slice, which matters on streams of thousands of
chunks. The rules are the WHATWG event-stream ones: lines end in LF, CR or CRLF;
`data` lines of one event are joined with LF; one space after the colon is
dropped; lines starting with `:` are comments; an event without `data` lines is
not dispatched; a byte-order mark at the start is skipped; an event not ended by
a blank line when the stream closes is dropped.
"""

from __future__ import annotations

import codecs

__all__ = ["MESSAGE", "EventParser"]

MESSAGE = "message"
"""The event type of an event that names none."""


class EventParser:
    """Feed it the body's bytes as they arrive; it returns the completed events.

    Each event is an `(event_type, data)` pair. The parser holds at most one
    incomplete event between calls.
    """

    __slots__ = ("_after_cr", "_buffer", "_decode")

    def __init__(self) -> None:
        self._decode = codecs.getincrementaldecoder("utf-8-sig")(
            errors="replace"
        ).decode
        self._buffer = ""
        self._after_cr = False

    def feed(self, data: bytes) -> list[tuple[str, str]]:
        """The events completed by `data` (often none, one or a few)."""
        piece = self._decode(data)
        if not piece:
            return []
        if self._after_cr and piece[0] == "\n":
            piece = piece[1:]  # the LF of a CRLF split between two reads
        self._after_cr = piece[-1:] == "\r"
        if "\r" in piece:
            piece = piece.replace("\r\n", "\n").replace("\r", "\n")
        text = self._buffer + piece
        if "\n\n" not in text:
            self._buffer = text
            return []
        *blocks, self._buffer = text.split("\n\n")
        events = []
        for block in blocks:
            if block[:6] == "data: " and "\n" not in block:
                events.append((MESSAGE, block[6:]))
            elif (event := _parse_block(block)) is not None:
                events.append(event)
        return events


def _parse_block(block: str) -> tuple[str, str] | None:
    """The general case: several lines, other fields, comments, no space after `:`."""
    event_type = MESSAGE
    data: list[str] = []
    for line in block.split("\n"):
        if not line or line[0] == ":":
            continue
        name, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event_type = value or MESSAGE
        # `id` and `retry` steer browser reconnection; a chat stream is never resumed.
    if not data:
        return None
    return event_type, "\n".join(data)
