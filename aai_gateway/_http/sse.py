"""Server-sent events parsed straight from a response's bytes.

The gateway sends one `data: {...}` line per event. Parsing whole blocks (split on
the blank line that ends an event) instead of line by line keeps the per-event
cost to one string split and one slice, which matters on streams of thousands of
chunks. The rules are the WHATWG event-stream ones: lines end in LF, CR or CRLF;
`data` lines of one event are joined with LF; one space after the colon is
dropped; lines starting with `:` are comments; an event without `data` lines is
not dispatched; a byte-order mark at the start is skipped; an event not ended by
a blank line when the stream closes is dropped.

Parsing is linear in the bytes received: each read is searched once for an event
boundary (plus the one character before it), and the pieces of an unfinished event
are joined only when its end arrives. An event larger than `max_event_size`
characters raises `EventTooLargeError` as soon as the limit is passed, so a server
cannot make the client hold an unbounded event in memory.
"""

from __future__ import annotations

from codecs import BOM_UTF8, utf_8_decode

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "MESSAGE", "EventParser", "EventTooLargeError"]

MESSAGE = "message"
"""The event type of an event that names none."""

DEFAULT_MAX_EVENT_SIZE = 64 * 1024 * 1024
"""Characters one event may hold (64 Mi): far above any chat chunk, below harm."""


class EventTooLargeError(ValueError):
    """One event grew past the parser's `max_event_size` before it ended."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"a server-sent event grew to {size} characters without ending, past the "
            f"limit of {limit} (`max_event_size`)"
        )
        self.size = size
        self.limit = limit


class EventParser:
    """Feed it the body's bytes as they arrive; it returns the completed events.

    Each event is an `(event_type, data)` pair. The parser holds at most one
    incomplete event between calls.
    """

    __slots__ = (
        "_after_cr",
        "_at_start",
        "_limit",
        "_pending",
        "_pending_size",
        "_tail",
    )

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        if max_event_size < 1:
            raise ValueError(
                f"`max_event_size` must be a positive number of characters, got {max_event_size!r}"
            )
        self._limit = max_event_size
        # The unfinished event, as the pieces that arrived (joined once it ends).
        self._pending: list[str] = []
        self._pending_size = 0
        self._after_cr = False
        # Bytes of a character split between reads, and whether a BOM may still come.
        self._tail = b""
        self._at_start = True

    def feed(self, data: bytes) -> list[tuple[str, str]]:
        """The events completed by `data` (often none, one or a few)."""
        piece = self._text(data)
        if not piece:
            return []
        if self._after_cr and piece[0] == "\n":
            piece = piece[1:]  # the LF of a CRLF split between two reads
            if not piece:
                return []
        self._after_cr = piece[-1] == "\r"
        if "\r" in piece:
            piece = piece.replace("\r\n", "\n").replace("\r", "\n")
        elif not self._pending and piece.find("\n\n") == len(piece) - 2 >= 0:
            # The common read: exactly one whole event.
            if len(piece) - 2 > self._limit:
                raise EventTooLargeError(len(piece) - 2, self._limit)
            event = _parse_event(piece[:-2])
            return [] if event is None else [event]
        return self._split(piece)

    def _text(self, data: bytes) -> str:
        """`data` as text: UTF-8, a leading BOM skipped, bad bytes replaced.

        A character split between reads waits for its other bytes.
        """
        if self._tail:
            data, self._tail = self._tail + data, b""
        if self._at_start:
            if len(data) < len(BOM_UTF8) and BOM_UTF8.startswith(data):
                self._tail = data  # perhaps a BOM still arriving
                return ""
            self._at_start = False
            if data.startswith(BOM_UTF8):
                data = data[len(BOM_UTF8) :]
        text, used = utf_8_decode(data, "replace", False)
        if used < len(data):
            self._tail = data[used:]
        return text

    def _split(self, piece: str) -> list[tuple[str, str]]:
        """The general case: an event continued, several events, or none ended."""
        if self._pending and piece[0] == "\n" and self._pending[-1][-1:] == "\n":
            cut, resume = 0, 1  # the blank line began at the end of the last read
        else:
            cut = piece.find("\n\n")
            if cut < 0:
                self._hold(piece)
                return []
            resume = cut + 2
        # Only the finished event is joined, once; the rest of this read is split.
        first = "".join([*self._pending, piece[:cut]]) if self._pending else piece[:cut]
        self._pending, self._pending_size = [], 0
        *blocks, rest = piece[resume:].split("\n\n")
        for block in (first, *blocks):
            if len(block) > self._limit:
                raise EventTooLargeError(len(block), self._limit)
        if rest:
            self._hold(rest)
        return [e for e in map(_parse_event, (first, *blocks)) if e is not None]

    def _hold(self, piece: str) -> None:
        self._pending.append(piece)
        self._pending_size += len(piece)
        if self._pending_size > self._limit:
            size, self._pending, self._pending_size = self._pending_size, [], 0
            raise EventTooLargeError(size, self._limit)


def _parse_event(block: str) -> tuple[str, str] | None:
    # The common case first: one `data: ` line.
    if block[:6] == "data: " and "\n" not in block:
        return MESSAGE, block[6:]
    return _parse_block(block)


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
