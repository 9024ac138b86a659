"""Start and stop emulator processes on loopback ports."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx

API_KEY = "test-key"
MODEL = "claude-sonnet-4-6"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the emulator process exited during start-up")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/models", timeout=1).is_success:
                return
        time.sleep(0.05)
    raise RuntimeError("the emulator did not start within 30 s")


@contextlib.contextmanager
def child_emulator(module: str, args: list[str]) -> Iterator[str]:
    """`python -m module --port PORT *args` in a child process, stopped on exit;
    yields its root URL once its `/v1` answers."""
    port = _free_port()
    command = [sys.executable, "-m", module, "--port", str(port), *args]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed args)
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    root = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{root}/v1", process)
        yield root
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def emulator_process(delay: float = 0.0) -> Iterator[str]:
    """An emulator in a child process; yields its `/v1` base URL."""
    with child_emulator("benchmarks._serve", ["--delay", str(delay)]) as root:
        yield f"{root}/v1"
