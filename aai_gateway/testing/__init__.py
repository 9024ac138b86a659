"""A local, offline emulator of AssemblyAI's LLM Gateway and transcript API, for tests.

Example:
    ```python
    from aai_gateway.testing import Fault, GatewayEmulator

    emu = GatewayEmulator()
    emu.add_fault(Fault(status=503, headers={"retry-after": "0"}))
    with emu.serve() as server:
        ...  # point a client at server.base_url with the key "test-key"
    ```
"""

from __future__ import annotations

from aai_gateway.testing._app import DEFAULT_API_KEY, GatewayEmulator, serve_emulator
from aai_gateway.testing._faults import Fault
from aai_gateway.testing._injection import TRANSCRIPT_TAG
from aai_gateway.testing._meetings import MEETING_AUDIO_URLS, MEETING_IDS
from aai_gateway.testing._recording import RecordedRequest
from aai_gateway.testing._server import EmulatorServer
from aai_gateway.testing._unconfirmed import UNCONFIRMED_RULES

__all__ = [
    "DEFAULT_API_KEY",
    "MEETING_AUDIO_URLS",
    "MEETING_IDS",
    "TRANSCRIPT_TAG",
    "UNCONFIRMED_RULES",
    "EmulatorServer",
    "Fault",
    "GatewayEmulator",
    "RecordedRequest",
    "serve_emulator",
]
