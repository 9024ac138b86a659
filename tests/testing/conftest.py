"""Fixtures for the emulator's own tests: served emulators and raw httpx clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from aai_gateway.testing import EmulatorServer, GatewayEmulator
from tests.testing.helpers import AUTH, make_client


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[GatewayEmulator, EmulatorServer]]:
    """One served emulator (default options, no rate limit) per test module."""
    emulator = GatewayEmulator(rate_limit=None, retry_delay=0.01)
    with emulator.serve() as server:
        yield emulator, server


@pytest.fixture
def emu(shared: tuple[GatewayEmulator, EmulatorServer]) -> GatewayEmulator:
    """The module's emulator, with requests, faults and rate counts reset."""
    shared[0].reset()
    return shared[0]


@pytest.fixture
def server(shared: tuple[GatewayEmulator, EmulatorServer]) -> EmulatorServer:
    """The module's running server."""
    return shared[1]


@pytest.fixture
def gateway(server: EmulatorServer) -> Iterator[httpx.Client]:
    """A raw httpx client on the gateway base URL, authenticated."""
    with make_client(server.base_url, AUTH) as client:
        yield client


@pytest.fixture
def rest(server: EmulatorServer) -> Iterator[httpx.Client]:
    """A raw httpx client on the transcript REST base URL, authenticated."""
    with make_client(server.rest_base_url, AUTH) as client:
        yield client


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple[GatewayEmulator, httpx.Client]]]:
    """Start an emulator with the given options; returns it and a gateway client."""
    with ExitStack() as stack:

        def start(**options: Any) -> tuple[GatewayEmulator, httpx.Client]:
            options.setdefault("retry_delay", 0.01)
            emulator = GatewayEmulator(**options)
            running = stack.enter_context(emulator.serve())
            client = make_client(running.base_url, AUTH)
            stack.enter_context(client)
            return emulator, client

        yield start
