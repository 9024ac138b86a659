"""The emulator's account for the incremental-indexing tests (core and both adapters)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from aai_gateway.testing import MEETING_IDS, EmulatorServer, GatewayEmulator
from tests.conftest import TEST_KEY

COMPLETED = frozenset(
    MEETING_IDS[k]
    for k in ("support_call", "product_planning", "incident_review", "hiring_debrief")
)
"""The completed meetings of the account (the two-hour one is left out)."""
DELETED = MEETING_IDS["support_call"]
"""The meeting the tests delete."""


class Account:
    """A served emulator whose new transcripts stay `processing` until completed.

    Args:
        emulator: The emulator (`transcription_delay` long).
        server: Its running server.
        rest: An authenticated client on its REST root.
    """

    def __init__(
        self, emulator: GatewayEmulator, server: EmulatorServer, rest: httpx.Client
    ) -> None:
        self.emulator = emulator
        self.rest_url = server.rest_base_url
        self.rest = rest

    @classmethod
    @contextmanager
    def serve(cls) -> Iterator[Account]:
        """An account on loopback for a module's tests."""
        emulator = GatewayEmulator(rate_limit=None, transcription_delay=60.0)
        with emulator.serve() as server:
            headers = {"authorization": TEST_KEY}
            with httpx.Client(base_url=server.rest_base_url, headers=headers) as rest:
                yield cls(emulator, server, rest)

    def reset(self) -> None:
        """The bundled meetings but the two-hour one, and an empty request log."""
        self.emulator.reset_transcripts()
        self.emulator.transcripts.pop(MEETING_IDS["quarterly_review"])
        self.emulator.reset()

    def add_meeting(self, name: str, *, complete: bool = True) -> str:
        """A new meeting of two utterances, completed unless asked otherwise."""
        url = f"https://example.com/{name}.mp3"
        said = [("A", f"We open the {name}."), ("B", f"We close the {name}.")]
        self.emulator.add_audio(url, said)
        body = {"audio_url": url, "speech_models": ["universal-3-pro"]}
        response = self.rest.post("/v2/transcript", json=body)
        assert response.status_code == 200, response.text
        ident = str(response.json()["id"])
        if complete:
            self.emulator.complete_transcript(ident)
        return ident

    def delete(self, ident: str) -> None:
        """Delete a transcript through `DELETE /v2/transcript/{id}`."""
        assert self.rest.delete(f"/v2/transcript/{ident}").status_code == 200

    def fetched(self) -> set[str]:
        """The transcripts whose content was read (any GET below `/v2/transcript/`)."""
        paths = [r.path for r in self.emulator.requests if r.method == "GET"]
        return {p.split("/")[3] for p in paths if p.startswith("/v2/transcript/")}

    def listings(self) -> list[str]:
        """The query strings of the listing requests."""
        return [r.query for r in self.emulator.requests if r.path == "/v2/transcript"]
