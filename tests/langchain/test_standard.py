"""LangChain's standard integration suite for `ChatAssemblyAI`, replayed from cassettes.

Replay (the default; `--record-mode=none` is in addopts, no network):

    pytest tests/langchain/test_standard.py

Re-record against the real gateway (needs a key and network):

    ASSEMBLYAI_API_KEY=... pytest tests/langchain/test_standard.py --record-mode=rewrite --force-enable-socket

Re-record against a fresh local emulator (no key): the same without the key and
without `--force-enable-socket`. `cassettes/README.md` says which target each
cassette set came from.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_aai_gateway import ChatAssemblyAI
from tests.conftest import TEST_KEY
from tests.langchain.conftest import MODEL

pytestmark = pytest.mark.vcr

# Read at import time: an autouse fixture clears the variable before each test so a
# developer's key never reaches an ordinary run.
_RECORDING_KEY = os.environ.get("ASSEMBLYAI_API_KEY")
# Replays never open a socket; the host is not part of request matching.
_REPLAY_URL = "http://127.0.0.1:9/v1"
_TARGET: dict[str, Any] = {}
# The httpx clients handed to this test's models, closed when it ends: a pool left
# open when pytest-asyncio closes the test's event loop leaks its sockets.
_CLIENTS: list[httpx.Client | httpx.AsyncClient] = []


@pytest.fixture(scope="module", autouse=True)
def _gateway_target(request: pytest.FixtureRequest) -> Iterator[None]:
    """Point the model at the replay URL, the real gateway, or a fresh emulator."""
    mode = request.config.getoption("--record-mode")
    if mode == "none":
        _TARGET.update(base_url=_REPLAY_URL, api_key=TEST_KEY)
        yield
    elif _RECORDING_KEY:
        _TARGET.update(base_url=None, api_key=_RECORDING_KEY)
        yield
    else:
        from aai_gateway.testing import GatewayEmulator

        with GatewayEmulator(rate_limit=None).serve() as server:
            _TARGET.update(base_url=server.base_url, api_key=TEST_KEY)
            yield
    _TARGET.clear()


@pytest.fixture(autouse=True)
async def _close_clients() -> Any:
    yield
    while _CLIENTS:
        client = _CLIENTS.pop()
        if isinstance(client, httpx.AsyncClient):
            await client.aclose()
        else:
            client.close()


def _clients() -> dict[str, Any]:
    sync, aio = httpx.Client(), httpx.AsyncClient()
    _CLIENTS.extend((sync, aio))
    return {"http_client": sync, "http_async_client": aio}


class TestChatAssemblyAIStandard(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatAssemblyAI]:
        return ChatAssemblyAI

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": MODEL,
            "temperature": 0,
            "max_retries": 0,
            **_TARGET,
            **_clients(),
        }

    @property
    def model_override_value(self) -> str:
        return "gpt-5-mini"

    @property
    def enable_vcr_tests(self) -> bool:
        return True
