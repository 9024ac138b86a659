"""The emulator in a child process, so a test's memory figures are the client's own.

The soak measures the resident memory of the process that runs the clients. With
the emulator in the same process, uvicorn's buffers and the emulator's threads are
counted too; `EmulatorProcess` serves it from a spawned child instead and forwards
`add_fault` over a pipe (acknowledged, so a fault is queued before the request
that should meet it is sent).
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.connection import Connection
from typing import Any

from aai_gateway.testing import Fault


def rss_mb(pid: int | str = "self") -> float:
    """The resident set size of a process, in MiB (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _serve(conn: Connection, options: dict[str, Any]) -> None:
    from aai_gateway.testing import GatewayEmulator

    emulator = GatewayEmulator(**options)
    with emulator.serve() as server:
        conn.send(server.port)
        while True:
            message = conn.recv()
            if message is None:
                break
            emulator.add_fault(message)
            conn.send(True)


class EmulatorProcess:
    """A `GatewayEmulator(**options)` served from a child process."""

    def __init__(self, **options: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._lock = threading.Lock()
        self._process = context.Process(
            target=_serve,
            args=(child, options),
            name="aai-gateway-emulator",
            daemon=True,
        )
        self._process.start()
        if not self._conn.poll(30):
            self._process.kill()
            msg = "the emulator process did not start within 30 s"
            raise RuntimeError(msg)
        self.port: int = self._conn.recv()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int:
        return int(self._process.pid or 0)

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._conn.send(fault)
            self._conn.recv()

    def close(self) -> None:
        with self._lock:
            self._conn.send(None)
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
