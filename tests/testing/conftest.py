"""Fixtures for the emulator's own tests: served emulators and raw httpx clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from aai_gateway.testing import MEETING_IDS, EmulatorServer, GatewayEmulator
from aai_gateway.testing._transcripts import DELETED_AUDIO_URL
from tests.testing.helpers import AUTH, make_client


def _fresh(emulator: GatewayEmulator) -> GatewayEmulator:
    emulator.reset()
    # Rebuilding the meetings costs ~12 ms, so only when a test changed the store
    # (or uploaded files or registered audio, which the store does not show).
    deleted = any(
        t.get("audio_url") == DELETED_AUDIO_URL for t in emulator.transcripts.values()
    )
    audio = emulator._state.audio
    if (
        deleted
        or set(emulator.transcripts) != set(MEETING_IDS.values())
        or audio.changed
    ):
        emulator.reset_transcripts()
    return emulator


@pytest.fixture(scope="session")
def shared() -> Iterator[tuple[GatewayEmulator, EmulatorServer]]:
    """One served emulator (default options, no rate limit) for the session."""
    emulator = GatewayEmulator(rate_limit=None, retry_delay=0.01)
    with emulator.serve() as server:
        yield emulator, server


@pytest.fixture
def emu(shared: tuple[GatewayEmulator, EmulatorServer]) -> GatewayEmulator:
    """The session's emulator, with requests, faults, rate counts and transcripts reset."""
    return _fresh(shared[0])


@pytest.fixture
def server(shared: tuple[GatewayEmulator, EmulatorServer]) -> EmulatorServer:
    """The session's running server."""
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


Served = tuple[GatewayEmulator, httpx.Client, httpx.Client]


@pytest.fixture(scope="session")
def _served() -> Iterator[Callable[..., Served]]:
    """Emulators by options, each started once (starting and stopping costs ~0.2 s)."""
    running: dict[tuple[tuple[str, Any], ...], Served] = {}
    with ExitStack() as stack:

        def start(**options: Any) -> Served:
            options.setdefault("retry_delay", 0.01)
            key = tuple(sorted(options.items()))
            if key not in running:
                emulator = GatewayEmulator(**options)
                server = stack.enter_context(emulator.serve())
                client = stack.enter_context(make_client(server.base_url, AUTH))
                rest = stack.enter_context(make_client(server.rest_base_url, AUTH))
                running[key] = emulator, client, rest
            _fresh(running[key][0])
            return running[key]

        yield start


@pytest.fixture
def serve(
    _served: Callable[..., Served],
) -> Callable[..., tuple[GatewayEmulator, httpx.Client]]:
    """Get a served emulator with the given options, freshly reset, and its client."""
    return lambda **options: _served(**options)[:2]


@pytest.fixture
def serve_rest(
    _served: Callable[..., Served],
) -> Callable[..., tuple[GatewayEmulator, httpx.Client]]:
    """Like `serve`, with a client on the transcript API's base URL (`/v2/...`)."""

    def start(**options: Any) -> tuple[GatewayEmulator, httpx.Client]:
        emulator, _, rest = _served(**options)
        return emulator, rest

    return start
