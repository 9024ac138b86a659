"""Configuration: timeouts, base URLs, the shared SSL context."""

from __future__ import annotations

import httpx
import pytest

from aai_gateway._config import (
    DEFAULT_TIMEOUT,
    coerce_timeout,
    resolve_base_url,
    shared_ssl_context,
)


def test_timeouts() -> None:
    assert coerce_timeout(None) is DEFAULT_TIMEOUT
    assert DEFAULT_TIMEOUT.read == 600.0
    assert DEFAULT_TIMEOUT.connect == 5.0
    custom = httpx.Timeout(3.0)
    assert coerce_timeout(custom) is custom
    assert coerce_timeout(30) == httpx.Timeout(30.0, connect=5.0)
    assert coerce_timeout(2.5) == httpx.Timeout(2.5, connect=2.5)


@pytest.mark.parametrize("bad", [0, -1, True, "10"])
def test_bad_timeouts_name_the_argument(bad: object) -> None:
    with pytest.raises(ValueError, match="`timeout`"):
        coerce_timeout(bad)  # type: ignore[arg-type]


def test_base_url_precedence_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from aai_gateway import GatewayClient

    assert resolve_base_url("http://h/v1/", "eu") == "http://h/v1"
    monkeypatch.setenv("ASSEMBLYAI_LLM_GATEWAY_BASE_URL", "http://127.0.0.1:8000/v1")
    assert GatewayClient().base_url == "http://127.0.0.1:8000/v1"
    assert GatewayClient(base_url="http://other/v1").base_url == "http://other/v1"


def test_one_ssl_context_for_the_process() -> None:
    assert shared_ssl_context() is shared_ssl_context()
