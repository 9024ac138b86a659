"""The emulator the audio-in tests share: transcripts that really wait.

The core's, the LangChain loader's and the LlamaIndex reader's audio tests each
serve one per module and start every test from `fresh(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aai_gateway.testing import EmulatorServer, GatewayEmulator
from tests.conftest import emulator_profile


@contextmanager
def transcribing_emulator() -> Iterator[tuple[GatewayEmulator, EmulatorServer]]:
    """A served emulator whose new transcripts are queued 50 ms, then processing
    100 ms, then completed."""
    emulator = GatewayEmulator(
        rate_limit=None,
        retry_delay=0.01,
        queue_delay=0.05,
        transcription_delay=0.1,
        **emulator_profile(),
    )
    with emulator.serve() as server:
        yield emulator, server


def fresh(emulator: GatewayEmulator) -> GatewayEmulator:
    """`emulator` with no requests logged and only the bundled meetings."""
    emulator.reset()
    emulator.reset_transcripts()
    return emulator
