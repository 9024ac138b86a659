"""Where the demo runs: the bundled emulator on loopback, or the real gateway."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aai_gateway import API_KEY_ENV, GatewayClient

if TYPE_CHECKING:
    from aai_gateway.testing import GatewayEmulator

TRANSCRIPT_ENV = "AAI_DEMO_TRANSCRIPT_ID"
"""With `--live`: the transcript to ask about (default: your newest completed one)."""


QUESTION = "Who agreed to do what, and by when?"
"""What the demo asks a real meeting (with `--live`)."""

_OFFLINE = {
    "quarterly_review": "the quarterly business review (two hours)",
    "support_call": "a customer support call",
    "product_planning": "the Q3 mobile app planning meeting",
    "incident_review": "a checkout outage incident review",
    "hiring_debrief": "a hiring debrief",
}
"""The emulator's completed meetings (`aai_gateway.testing.MEETING_IDS`)."""

_OFFLINE_QUESTIONS = {
    "quarterly_review": "When do the books close, and what happens then?",
    "product_planning": "What did the customer research say about offline mode?",
}
"""Offline, questions the emulator's extractive model can answer from each meeting."""


RECORDING_BYTES = b"ID3\x04\x00aai-gateway demo: billing launch check-in"
"""Offline, the "recording" uploaded: a few bytes the emulator is told the words of."""

RECORDING_UTTERANCES = (
    ("A", "Good morning, this is the launch check-in for the new billing page."),
    ("B", "The invoice layout passed design review yesterday."),
    ("A", "Marco will fix the tax rounding bug before the release on Friday."),
    ("B", "Priya will send the release notes to the support team by Thursday."),
    ("A", "We decided to ship the billing page on Friday at noon."),
)
"""Offline, what the recording says (speaker label, text)."""

RECORDING_QUESTION = "Who will fix the tax rounding bug, and when?"
"""Offline, what the demo asks the new recording."""


class DemoError(Exception):
    """The demo cannot run as asked (a missing key, extra or transcript)."""


@dataclass(frozen=True)
class Meeting:
    """A transcript the demo works with."""

    id: str
    title: str
    question: str = QUESTION


@dataclass(frozen=True)
class Recording:
    """Audio the demo transcribes, then asks a question about.

    Attributes:
        audio: A local file or an http(s) URL.
        shown: How the demo names it.
        question: What it asks the new transcript.
    """

    audio: str
    shown: str
    question: str = QUESTION


@dataclass(frozen=True)
class Target:
    """The gateway the demo talks to, and the meetings it asks about."""

    live: bool
    api_key: str
    base_url: str | None
    rest_base_url: str | None
    model: str
    max_tokens: int
    question_meeting: Meeting
    engine_meeting: Meeting
    meetings: tuple[Meeting, ...]
    recording: Recording | None = None
    emulator: GatewayEmulator | None = None

    @property
    def where(self) -> str:
        """A short description for the report."""
        if self.live:
            return "the real AssemblyAI LLM Gateway"
        return f"the bundled emulator at {self.base_url}"

    def core_client(self) -> GatewayClient:
        """A core client for the transcript REST API (used to measure inline sizes)."""
        return GatewayClient(
            api_key=self.api_key,
            base_url=self.base_url,
            transcript_base_url=self.rest_base_url,
        )


def check_audio_option(audio: str | None, live: bool) -> None:
    """Refuse a bad `--audio` before the demo sends anything.

    Raises:
        DemoError: `--audio` without `--live`, or neither an http(s) URL nor a file.
    """
    if audio is None:
        return
    if not live:
        msg = "--audio needs --live: the emulator cannot transcribe a real recording"
        raise DemoError(msg)
    if not audio.startswith(("http://", "https://")) and not Path(audio).is_file():
        msg = f"--audio {audio!r} is neither an http(s) URL nor a file"
        raise DemoError(msg)


@contextlib.contextmanager
def open_target(live: bool, model: str, audio: str | None = None) -> Iterator[Target]:
    """The emulator (started here, stopped on exit) or the real gateway.

    Args:
        live: The real gateway (`ASSEMBLYAI_API_KEY`) instead of the emulator.
        model: The chat model.
        audio: With `live`: a recording to transcribe (a file or an http(s) URL).
            Offline, a few bytes written to a temporary file stand in for one.

    Raises:
        DemoError: see `check_audio_option`, and `--live` without a key.
    """
    check_audio_option(audio, live)
    if live:
        yield _live_target(model, audio)
        return
    from aai_gateway.testing import DEFAULT_API_KEY, MEETING_IDS, GatewayEmulator

    done = {
        key: Meeting(MEETING_IDS[key], title, _OFFLINE_QUESTIONS.get(key, QUESTION))
        for key, title in _OFFLINE.items()
    }
    emulator = GatewayEmulator(rate_limit=None)
    emulator.add_audio(RECORDING_BYTES, RECORDING_UTTERANCES)
    with tempfile.TemporaryDirectory() as folder, emulator.serve() as server:
        file = Path(folder, "billing-check-in.mp3")
        file.write_bytes(RECORDING_BYTES)
        shown = f"{file.name}, {len(RECORDING_BYTES)} bytes standing in for audio"
        yield Target(
            live=False,
            api_key=DEFAULT_API_KEY,
            base_url=server.base_url,
            rest_base_url=server.rest_base_url,
            model=model,
            max_tokens=200,
            question_meeting=done["quarterly_review"],
            engine_meeting=done["product_planning"],
            meetings=tuple(done.values()),
            recording=Recording(str(file), shown, RECORDING_QUESTION),
            emulator=emulator,
        )


def _live_target(model: str, audio: str | None) -> Target:
    key = os.environ.get(API_KEY_ENV)
    if not key:
        msg = f"--live needs {API_KEY_ENV} set to your AssemblyAI API key"
        raise DemoError(msg)
    with GatewayClient(api_key=key) as client:
        page = client.list_transcripts(status="completed", limit=5)
        meetings = tuple(
            Meeting(t.id, f"transcript {t.id} ({t.created})") for t in page.transcripts
        )
        chosen = os.environ.get(TRANSCRIPT_ENV)
        if chosen:
            client.get_transcript(chosen)  # a clear error now if it is unknown
            first = Meeting(chosen, f"transcript {chosen}")
        elif meetings:
            first = meetings[0]
        else:
            msg = "--live found no completed transcript in your account; transcribe a recording first"
            raise DemoError(msg)
    return Target(
        live=True,
        api_key=key,
        base_url=None,
        rest_base_url=None,
        model=model,
        max_tokens=400,
        question_meeting=first,
        engine_meeting=first,
        meetings=meetings or (first,),
        recording=None if audio is None else Recording(audio, audio),
    )
