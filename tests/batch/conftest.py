"""Fixtures for batch runs: emulators with many meetings, served on loopback.

Two emulators for the session: one without a rate limit (most tests), one at
600 requests a minute per model (pacing). Each test gets them reset (requests,
faults and rate counts) and the ids of the meetings added to them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from aai_gateway.batch import BatchSummary, TranscriptBatch
from aai_gateway.testing import EmulatorServer, GatewayEmulator
from tests.conftest import TEST_KEY

MODEL = "claude-sonnet-4-6"
ADDED = 24
LIMIT = 600  # requests a minute: one every 0.1 s


def add_meetings(emulator: GatewayEmulator, count: int) -> list[str]:
    """Add `count` short meetings; their ids, oldest first."""
    return [
        emulator.add_transcript(
            [
                ("A", f"Meeting {n}: the team agreed to ship release {n} on Friday."),
                ("B", f"Priya owns the follow-up for release {n}."),
            ],
            created=f"2026-11-{1 + n % 28:02d}T10:00:{n % 60:02d}.000000",
        )
        for n in range(count)
    ]


@dataclass
class Served:
    """A served emulator, its URLs and the ids of the meetings added to it."""

    emulator: GatewayEmulator
    server: EmulatorServer
    ids: list[str]

    @property
    def urls(self) -> dict[str, str]:
        return {
            "base_url": self.server.base_url,
            "transcript_base_url": self.server.rest_base_url,
        }

    def chats(self) -> list[Any]:
        """The chat requests received, oldest first."""
        return [r for r in self.emulator.requests if r.path == "/v1/chat/completions"]

    def asked(self) -> list[str]:
        """The transcript ids of the chat requests, in order."""
        return [r.json["transcript_id"] for r in self.chats()]


def _serve(**options: Any) -> Iterator[Served]:
    emulator = GatewayEmulator(retry_delay=0.01, **options)
    ids = add_meetings(emulator, ADDED)
    with emulator.serve() as server:
        yield Served(emulator, server, ids)


@pytest.fixture(scope="session")
def _open_gateway() -> Iterator[Served]:
    yield from _serve(rate_limit=None)


@pytest.fixture(scope="session")
def _limited_gateway() -> Iterator[Served]:
    yield from _serve(rate_limit=LIMIT, meetings=False)


@pytest.fixture
def served(_open_gateway: Served) -> Iterator[Served]:
    """The unlimited emulator, reset."""
    _open_gateway.emulator.reset()
    yield _open_gateway
    _open_gateway.emulator.reset()


@pytest.fixture
def limited(_limited_gateway: Served) -> Iterator[Served]:
    """The emulator limited to 600 requests a minute, reset (its window too)."""
    _limited_gateway.emulator.reset()
    yield _limited_gateway
    _limited_gateway.emulator.reset()


Runner = Callable[..., BatchSummary]


@pytest.fixture(params=["sync", "async"])
def run(request: pytest.FixtureRequest) -> Runner:
    """Run a batch with `run()` or `arun()`, with the test key."""

    def go(batch: TranscriptBatch, api_key: str = TEST_KEY) -> BatchSummary:
        if request.param == "sync":
            return batch.run(api_key=api_key)
        return asyncio.run(batch.arun(api_key=api_key))

    return go


@pytest.fixture
def make(served: Served, tmp_path: Any) -> Callable[..., TranscriptBatch]:
    """A batch against the unlimited emulator, writing to a fresh file."""

    def build(**options: Any) -> TranscriptBatch:
        options.setdefault("out", tmp_path / "out.jsonl")
        if "step" not in options:
            options.setdefault("model", MODEL)
            options.setdefault("prompt", "What was agreed?")
        return TranscriptBatch(**{"show_progress": False, **served.urls, **options})

    return build
