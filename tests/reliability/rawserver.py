"""A raw-socket HTTP server that plays scripted bytes: the faults no real server makes.

Each accepted connection reads one request, then plays a script of steps: send
exact bytes, sleep, drip bytes one at a time, stall, close cleanly or reset
(SO_LINGER 0). Nothing here parses or checks HTTP beyond finding the end of the
request, so a script can send a malformed status line, an oversized header, a
body shorter than its `content-length` or garbage in any encoding.

Every loop is bounded: the server stops itself after `lifetime` seconds or
`max_connections` connections, each step is bounded in time, and each
connection thread gives up at the server's end of life.

Example:
    ```python
    with RawServer([Send(head(200, {"content-type": "application/json"}, b"{}")),
                    Close()]) as server:
        GatewayClient(base_url=server.url, api_key="k").chat(...)
    ```
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Close",
    "Drip",
    "RawServer",
    "Reset",
    "Send",
    "Sleep",
    "Stall",
    "Step",
    "chunked",
    "head",
    "sse",
]


@dataclass(frozen=True)
class Send:
    """Send these bytes as they are."""

    data: bytes


@dataclass(frozen=True)
class Sleep:
    """Wait, sending nothing."""

    seconds: float


@dataclass(frozen=True)
class Drip:
    """Send these bytes one at a time, `delay` seconds apart."""

    data: bytes
    delay: float


@dataclass(frozen=True)
class Stall:
    """Send nothing until the client leaves or `seconds` pass."""

    seconds: float


@dataclass(frozen=True)
class Close:
    """Close the connection cleanly (FIN)."""


@dataclass(frozen=True)
class Reset:
    """Abort the connection (RST, via SO_LINGER 0)."""


Step = Send | Sleep | Drip | Stall | Close | Reset
Script = Sequence[Step]

_READ_LIMIT = 1 << 20
_STEP_TICK = 0.02


def head(
    status: int | str = 200,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    *,
    length: int | None = None,
) -> bytes:
    """A status line and headers (with `content-length` when `body` or `length` is given).

    `status` may be a whole status line (`"HTTP/1.1 200 OK"`) or a code.
    """
    line = status if isinstance(status, str) else f"HTTP/1.1 {status} OK"
    fields = dict(headers or {})
    if length is None and body is not None:
        length = len(body)
    if length is not None:
        fields.setdefault("content-length", str(length))
    text = line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    return text.encode("latin-1") + b"\r\n" + (body or b"")


def chunked(*pieces: bytes, end: bool = True) -> bytes:
    """`pieces` in chunked transfer coding (with the last chunk when `end`)."""
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)
    return out + (b"0\r\n\r\n" if end else b"")


def sse(*texts: str, finish: str | None = None, done: bool = False) -> bytes:
    """SSE events of chat-completion chunks, one per text."""
    out = b""
    for text in texts:
        delta = text.replace("\\", "\\\\").replace('"', '\\"')
        out += (
            b'data: {"choices":[{"index":0,"delta":{"content":"'
            + delta.encode()
            + b'"}}]}\n\n'
        )
    if finish is not None:
        out += (
            b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"'
            + finish.encode()
            + b'"}]}\n\n'
        )
    return out + (b"data: [DONE]\n\n" if done else b"")


class RawServer:
    """Plays `script` on every connection to 127.0.0.1 (a new port each server).

    Args:
        script: The steps of every connection, or one script per connection (the
            last one repeats), or a function of the connection's number.
        lifetime: Seconds after which the server stops itself.
        max_connections: Connections after which it accepts no more.
    """

    def __init__(
        self,
        script: Script | Sequence[Script] | Callable[[int], Script],
        *,
        lifetime: float = 20.0,
        max_connections: int = 50,
    ) -> None:
        self._script = script
        self._lifetime = lifetime
        self._max = max_connections
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(_STEP_TICK * 2)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.requests: list[bytes] = []
        self._threads: list[threading.Thread] = []
        self._end = 0.0
        self._accepter = threading.Thread(target=self._accept, daemon=True)

    @property
    def connections(self) -> int:
        """How many connections were accepted."""
        return len(self._threads)

    def start(self) -> RawServer:
        """Start accepting (in a daemon thread)."""
        self._end = time.monotonic() + self._lifetime
        self._accepter.start()
        return self

    def stop(self) -> None:
        """Stop accepting, end every connection, and wait (bounded) for the threads."""
        self._stop.set()
        if self._accepter.is_alive():
            self._accepter.join(timeout=2.0)
        for thread in list(self._threads):
            thread.join(timeout=2.0)
        self._sock.close()

    def __enter__(self) -> RawServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _alive(self) -> bool:
        return not self._stop.is_set() and time.monotonic() < self._end

    def _script_for(self, number: int) -> Script:
        script = self._script
        if callable(script):
            return script(number)
        if script and not isinstance(script[0], Step):
            scripts: Sequence[Script] = script  # type: ignore[assignment]
            return scripts[min(number, len(scripts) - 1)]
        return script  # type: ignore[return-value]

    def _accept(self) -> None:
        while self._alive() and len(self._threads) < self._max:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            script = self._script_for(len(self._threads))
            thread = threading.Thread(
                target=self._serve, args=(conn, script), daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, script: Script) -> None:
        with contextlib.suppress(OSError):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.requests.append(self._read_request(conn))
            for step in script:
                if not self._alive() or self._play(conn, step):
                    break
        with contextlib.suppress(OSError):
            conn.close()

    def _read_request(self, conn: socket.socket) -> bytes:
        """The request head and its `content-length` body (bounded in size and time)."""
        data = b""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and len(data) < _READ_LIMIT:
            header_end = data.find(b"\r\n\r\n")
            if header_end >= 0 and len(data) >= header_end + 4 + _length(data):
                break
            ready, _, _ = select.select([conn], [], [], _STEP_TICK)
            if ready:
                piece = conn.recv(65536)
                if not piece:
                    break
                data += piece
        return data

    def _play(self, conn: socket.socket, step: Step) -> bool:
        """Play one step; `True` ends the connection."""
        if isinstance(step, Send):
            conn.sendall(step.data)
        elif isinstance(step, Drip):
            for i in range(len(step.data)):
                if not self._alive():
                    return True
                conn.sendall(step.data[i : i + 1])
                time.sleep(step.delay)
        elif isinstance(step, Sleep):
            self._wait(conn, step.seconds, watch=False)
        elif isinstance(step, Stall):
            return self._wait(conn, step.seconds, watch=True)
        elif isinstance(step, Reset):
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            return True
        else:
            conn.shutdown(socket.SHUT_WR)
            return True
        return False

    def _wait(self, conn: socket.socket, seconds: float, *, watch: bool) -> bool:
        """Wait up to `seconds`; with `watch`, stop early (`True`) when the client leaves."""
        end = min(time.monotonic() + seconds, self._end)
        while self._alive() and time.monotonic() < end:
            if not watch:
                time.sleep(min(_STEP_TICK, max(end - time.monotonic(), 0)))
                continue
            ready, _, _ = select.select([conn], [], [], _STEP_TICK)
            if ready and not conn.recv(65536):
                return True
        return False


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return 0
