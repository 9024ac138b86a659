"""The retry loop seen from outside: each wait is logged, each failure names its host.

Waits go through a fake clock (the same one as `tests/reliability/conftest.py`):
the delays the clients chose are recorded, not slept, so a 30 s `retry-after`
costs nothing here.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aai_gateway import APIConnectionError, AsyncGatewayClient, GatewayClient
from tests.conftest import FAST_RETRIES, TEST_KEY, USER_HI, Gateway, completion_body

Make = Callable[..., Gateway]


class _Recorded:
    """A module (`time` or `asyncio`) whose `sleep` only records the wait."""

    def __init__(self, module: Any, sleep: Callable[[float], Any]) -> None:
        self._module = module
        self.sleep = sleep

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the clients chose between attempts (recorded, not slept)."""
    import aai_gateway._http.client as client_module

    recorded: list[float] = []

    async def asleep(seconds: float) -> None:
        recorded.append(seconds)
        await asyncio.sleep(0)

    monkeypatch.setattr(client_module, "time", _Recorded(time, recorded.append))
    monkeypatch.setattr(client_module, "asyncio", _Recorded(asyncio, asleep))
    return recorded


def then_ok(*first: httpx.Response | Exception) -> Callable[..., httpx.Response]:
    queue = list(first)

    def handler(request: httpx.Request) -> httpx.Response:
        if queue:
            item = queue.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        return httpx.Response(200, json=completion_body())

    return handler


def retry_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "aai_gateway"]


def test_a_short_wait_is_logged_at_info_with_status_attempt_and_seconds(
    gateway: Make, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    gw = gateway(then_ok(httpx.Response(503, json={"message": "busy"})))
    with caplog.at_level(logging.INFO, logger="aai_gateway"):
        assert gw.chat(USER_HI).content == "Hello."
    [record] = retry_records(caplog)
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert "status 503" in message
    assert "attempt 2 of 3" in message
    assert f"in {sleeps[0]:.2f} s" in message
    assert "https://gw.test/v1/chat/completions" in message


def test_a_long_retry_after_is_logged_as_a_warning(
    gateway: Make, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    limited = httpx.Response(429, headers={"retry-after": "30"}, json={"code": 429})
    gw = gateway(then_ok(limited))
    with caplog.at_level(logging.INFO, logger="aai_gateway"):
        gw.chat(USER_HI)
    assert sleeps == [30.0]
    [record] = retry_records(caplog)
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "status 429" in message
    assert "in 30.00 s" in message
    assert "retry-after" in message


def test_the_warning_starts_at_five_seconds(
    gateway: Make, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    waits = [
        httpx.Response(503, headers={"retry-after-ms": ms}, json={})
        for ms in ("4990", "5000")
    ]
    gw = gateway(then_ok(*waits))
    with caplog.at_level(logging.INFO, logger="aai_gateway"):
        gw.chat(USER_HI)
    assert sleeps == pytest.approx([4.99, 5.0])
    levels = [r.levelno for r in retry_records(caplog)]
    assert levels == [logging.INFO, logging.WARNING]


def test_a_connection_failure_is_logged_by_its_cause(
    gateway: Make, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    gw = gateway(then_ok(httpx.ConnectError("refused")))
    with caplog.at_level(logging.INFO, logger="aai_gateway"):
        gw.chat(USER_HI)
    [record] = retry_records(caplog)
    assert "ConnectError" in record.getMessage()
    assert "attempt 2 of 3" in record.getMessage()


def test_a_stream_retried_before_its_first_chunk_is_logged(
    gateway: Make, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    gw = gateway(then_ok(httpx.Response(502, json={})))
    with caplog.at_level(logging.INFO, logger="aai_gateway"):
        chunks = gw.stream(USER_HI)
    assert chunks[-1].final
    [record] = retry_records(caplog)
    assert "status 502" in record.getMessage()


def test_the_log_never_holds_the_key(
    gateway: Make, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    # The key in the URL too, so a log line that printed the URL as given would show it.
    gw = gateway(
        then_ok(httpx.Response(503, json={"message": f"bad {TEST_KEY}"})),
        base_url=f"https://gw.test/{TEST_KEY}/v1",
    )
    with caplog.at_level(logging.DEBUG, logger="aai_gateway"):
        gw.chat(USER_HI)
    assert retry_records(caplog)
    assert all(TEST_KEY not in r.getMessage() for r in retry_records(caplog))
    assert "[redacted]" in retry_records(caplog)[0].getMessage()


def test_no_wait_no_log(gateway: Make, caplog: pytest.LogCaptureFixture) -> None:
    gw = gateway(then_ok())
    with caplog.at_level(logging.DEBUG, logger="aai_gateway"):
        gw.chat(USER_HI)
    assert retry_records(caplog) == []


# -- which host failed --------------------------------------------------------------


def _refused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_refused_transcript_host_is_the_host_named(mode: str) -> None:
    rest = f"http://127.0.0.1:{_refused_port()}"
    options: dict[str, Any] = {
        "api_key": TEST_KEY,
        "base_url": "https://gw.test/v1",
        "transcript_base_url": rest,
        "retry_policy": FAST_RETRIES,
    }
    if mode == "sync":
        with (
            GatewayClient(**options) as client,
            pytest.raises(APIConnectionError) as info,
        ):
            client.get_transcript("abc123")
    else:

        async def run() -> None:
            async with AsyncGatewayClient(**options) as client:
                await client.aget_transcript("abc123")

        with pytest.raises(APIConnectionError) as info:
            asyncio.run(run())
    message = str(info.value)
    assert f"{rest}/v2/transcript/abc123" in message
    assert "gw.test" not in message


def test_a_refused_gateway_is_the_host_named(mode: str) -> None:
    gateway_url = f"http://127.0.0.1:{_refused_port()}/v1"
    options: dict[str, Any] = {
        "api_key": TEST_KEY,
        "base_url": gateway_url,
        "transcript_base_url": "https://rest.test",
        "retry_policy": FAST_RETRIES,
    }
    if mode == "sync":
        with (
            GatewayClient(**options) as client,
            pytest.raises(APIConnectionError) as info,
        ):
            client.chat(USER_HI)
    else:

        async def run() -> None:
            async with AsyncGatewayClient(**options) as client:
                await client.achat(USER_HI)

        with pytest.raises(APIConnectionError) as info:
            asyncio.run(run())
    assert f"{gateway_url}/chat/completions" in str(info.value)
    assert "rest.test" not in str(info.value)
