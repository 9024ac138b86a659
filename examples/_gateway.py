"""Where the examples run: the bundled emulator by default, the real gateway with a key.

With `ASSEMBLYAI_API_KEY` set, an example talks to the real gateway about your
newest completed transcripts. Without it, this starts the emulator from
`aai_gateway.testing` on loopback and points every client at it through the
same environment variables a user would set, so the example code itself is the
code you would write against the real gateway.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from aai_gateway import GatewayClient


@dataclass(frozen=True)
class Setup:
    """The meetings an example works with and where the transcript API lives."""

    live: bool
    meeting_ids: list[str]
    rest_base_url: str | None  # None: the real transcript API

    @property
    def meeting_id(self) -> str:
        """The meeting single-meeting examples ask about."""
        return self.meeting_ids[0]


@contextlib.contextmanager
def gateway(count: int = 3) -> Iterator[Setup]:
    """Yield a `Setup`; with no key, the emulator serves until the block ends."""
    if os.environ.get("ASSEMBLYAI_API_KEY"):
        with GatewayClient() as client:
            ids = [
                t.id
                for t in client.iter_transcripts(status="completed", max_results=count)
            ]
        if not ids:
            raise SystemExit("no completed transcripts in your account to ask about")
        yield Setup(live=True, meeting_ids=ids, rest_base_url=None)
        return
    from aai_gateway.testing import MEETING_IDS, GatewayEmulator

    keys = ["product_planning", "incident_review", "support_call", "hiring_debrief"]
    with GatewayEmulator(rate_limit=None).serve() as server:
        os.environ["ASSEMBLYAI_API_KEY"] = "test-key"
        os.environ["ASSEMBLYAI_LLM_GATEWAY_BASE_URL"] = server.base_url
        try:
            ids = [MEETING_IDS[key] for key in keys[:count]]
            yield Setup(live=False, meeting_ids=ids, rest_base_url=server.rest_base_url)
        finally:
            del os.environ["ASSEMBLYAI_API_KEY"]
            del os.environ["ASSEMBLYAI_LLM_GATEWAY_BASE_URL"]
