"""`AssemblyAITranscriptLoader` against the emulator's transcript API over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.documents import Document

from aai_gateway.testing import MEETING_IDS
from langchain_aai_gateway import AssemblyAITranscriptLoader
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e

SUPPORT = MEETING_IDS["support_call"]
PLANNING = MEETING_IDS["product_planning"]
FAILED = MEETING_IDS["failed_upload"]
PROCESSING = MEETING_IDS["still_processing"]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
AUDIO = "https://assembly.ai/meetings/support-call.mp3"

Load = Callable[..., list[Document]]


def collect(loader: AssemblyAITranscriptLoader, mode: str) -> list[Document]:
    """All documents, through `lazy_load` or (in a fresh event loop) `alazy_load`."""
    if mode == "sync":
        return list(loader.lazy_load())

    async def run() -> list[Document]:
        return [d async for d in loader.alazy_load()]

    return asyncio.run(run())


@pytest.fixture
def load(mode: str, emulator_server: Any, emulator: Any) -> Load:
    rest = emulator_server[1].rest_base_url

    def make(*ids: str, **options: Any) -> list[Document]:
        loader = AssemblyAITranscriptLoader(
            list(ids) if ids else None,
            api_key=TEST_KEY,
            transcript_base_url=rest,
            **options,
        )
        return collect(loader, mode)

    return make


# -- reference mode --------------------------------------------------------------------


# -- content modes ---------------------------------------------------------------------


# -- listing ---------------------------------------------------------------------------


# -- incomplete and unknown transcripts ------------------------------------------------


# -- hosts -----------------------------------------------------------------------------


def test_load_and_aload_agree(emulator_server: Any, emulator: Any) -> None:
    loader = AssemblyAITranscriptLoader(
        [SUPPORT, PLANNING],
        mode="utterances",
        api_key=TEST_KEY,
        transcript_base_url=emulator_server[1].rest_base_url,
    )
    assert loader.load() == asyncio.run(loader.aload())
