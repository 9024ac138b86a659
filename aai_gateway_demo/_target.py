"""Where the demo runs: the bundled emulator on loopback, or the real gateway."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from aai_gateway import API_KEY_ENV, GatewayClient

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


class DemoError(Exception):
    """The demo cannot run as asked (a missing key, extra or transcript)."""


@dataclass(frozen=True)
class Meeting:
    """A transcript the demo works with."""

    id: str
    title: str
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


@contextlib.contextmanager
def open_target(live: bool, model: str) -> Iterator[Target]:
    """The emulator (started here, stopped on exit) or the real gateway."""
    if live:
        yield _live_target(model)
        return
    from aai_gateway.testing import DEFAULT_API_KEY, MEETING_IDS, GatewayEmulator

    done = {
        key: Meeting(MEETING_IDS[key], title, _OFFLINE_QUESTIONS.get(key, QUESTION))
        for key, title in _OFFLINE.items()
    }
    emulator = GatewayEmulator(rate_limit=None)
    with emulator.serve() as server:
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
        )


def _live_target(model: str) -> Target:
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
    )
