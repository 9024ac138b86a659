"""`aai-gateway demo` against the emulator: each answer quotes its meeting, and each
line of the recording step and of the cost report matches what the emulator saw.

The whole demo runs once per module (`play`); the tests read its output, its wire
log and the emulator's request log.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from aai_gateway import GatewayClient, Usage
from aai_gateway.costs import fetch_prices, parse_usage
from aai_gateway.testing import MEETING_IDS, GatewayEmulator, RecordedRequest
from aai_gateway.testing._meetings import MEETINGS
from aai_gateway.testing._transcripts import build_words, split_sentences
from aai_gateway_demo import DEFAULT_MODEL, LANGCHAIN_STEPS, Outcome, main, play
from aai_gateway_demo._recording import SKIPPED, from_recording
from aai_gateway_demo._target import (
    RECORDING_BYTES,
    RECORDING_QUESTION,
    RECORDING_UTTERANCES,
    Target,
    open_target,
)
from aai_gateway_demo._wire import SentRequest, WireLog
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e


def meeting_sentences(transcript_id: str) -> list[str]:
    """The meeting's sentences of five words or more, from the emulator's own data."""
    (meeting,) = [m for m in MEETINGS if m.id == transcript_id]
    sentences = [
        " ".join(str(w["text"]) for w in sentence)
        for words in build_words(meeting.utterances)
        for sentence in split_sentences(words)
    ]
    return [s for s in sentences if len(s.split()) >= 5]


def quoted(answer: str, transcript_id: str) -> list[str]:
    return [s for s in meeting_sentences(transcript_id) if s in answer]


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{5,}", text.lower()))


@dataclass
class Demo:
    target: Target
    emulator: GatewayEmulator
    wire: WireLog
    outcome: Outcome
    output: str


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    with open_target(False, DEFAULT_MODEL) as target:
        assert target.emulator is not None
        target.emulator.clear_requests()
        wire, out = WireLog(), io.StringIO()
        outcome = play(target, wire, out)
        yield Demo(target, target.emulator, wire, outcome, out.getvalue())


def line(demo: Demo, prefix: str) -> str:
    (found,) = [
        x.strip() for x in demo.output.splitlines() if x.strip().startswith(prefix)
    ]
    return found


def test_the_agent_answers_from_the_meeting_it_was_asked_about(demo: Demo) -> None:
    answer = demo.outcome.answers["agent"]
    meeting = demo.target.question_meeting
    assert answer is not None
    assert answer.startswith("Tool results: ")
    assert "Echo:" not in answer
    hits = quoted(answer, meeting.id)
    assert hits
    assert all(words(hit) & words(meeting.question) for hit in hits)
    assert answer in demo.output


def test_the_query_engine_answers_from_its_meeting(demo: Demo) -> None:
    answer = demo.outcome.answers["engine"]
    meeting = demo.target.engine_meeting
    assert answer is not None
    assert "Echo:" not in answer
    hits = quoted(answer, meeting.id)
    assert hits
    assert all(words(hit) & words(meeting.question) for hit in hits)
    assert not quoted(answer, demo.target.question_meeting.id)


def test_the_summary_quotes_the_meetings(demo: Demo) -> None:
    summary = demo.outcome.answers["map-reduce"]
    assert summary is not None
    assert "Echo:" not in summary
    sources = [m.id for m in demo.target.meetings if quoted(summary, m.id)]
    assert len(sources) >= 2  # combined from several meetings
    assert len(demo.wire.of_step("map-reduce")) == len(demo.target.meetings) + 1


# -- step 4: from a recording ------------------------------------------------------


def new_transcript_id(demo: Demo) -> str:
    """The one transcript the emulator's store holds beyond its bundled meetings."""
    (created,) = set(demo.emulator.transcripts) - set(MEETING_IDS.values())
    return created


def before_question(demo: Demo, transcript_id: str) -> list[RecordedRequest]:
    """The emulator's log up to the chat request that asks about `transcript_id`."""
    log = demo.emulator.requests
    (index,) = [
        i
        for i, r in enumerate(log)
        if r.path == "/v1/chat/completions"
        and r.json.get("transcript_id") == transcript_id
    ]
    return log[: index + 1]


def test_the_recording_is_uploaded_once_and_transcribed_once(demo: Demo) -> None:
    log = demo.emulator.requests
    (upload,) = [r for r in log if r.path == "/v2/upload"]
    (creation,) = [r for r in log if r.method == "POST" and r.path == "/v2/transcript"]
    assert upload.body == RECORDING_BYTES
    assert creation.json["speaker_labels"] is True
    transcript_id = new_transcript_id(demo)
    stored = demo.emulator.transcripts[transcript_id]
    assert stored["audio_url"] == creation.json["audio_url"]
    assert stored["status"] == "completed"
    assert (
        line(demo, "uploaded:")
        == f"uploaded: {len(upload.body):,} bytes (1 POST /v2/upload)"
    )
    assert line(demo, "created:") == (
        f"created: transcript {transcript_id!r} (1 POST /v2/transcript, speaker_labels)"
    )


def test_the_question_goes_by_reference_and_downloads_nothing(demo: Demo) -> None:
    transcript_id = new_transcript_id(demo)
    until = before_question(demo, transcript_id)
    question = until[-1]
    naming = [r for r in until[:-1] if transcript_id in r.path]
    # Only status checks of the job, all before the question; nothing after them.
    assert {(r.method, r.path) for r in naming} == {
        ("GET", f"/v2/transcript/{transcript_id}")
    }
    assert until.index(naming[-1]) > until.index(
        next(r for r in until if r.path == "/v2/transcript")
    )
    asking = until[until.index(naming[-1]) + 1 : -1]
    fetched = [r for r in asking if r.path.startswith("/v2/transcript")]
    assert fetched == []
    checks = "1 status check" if len(naming) == 1 else f"{len(naming)} status checks"
    assert line(demo, "waited:").startswith(f"waited: {checks} ")
    # The words never went up: the gateway injected them at the tag.
    body = question.body.decode()
    assert "{{ transcript }}" in body
    assert not [text for _, text in RECORDING_UTTERANCES if text in body]
    assert line(demo, "the question:") == (
        f"the question: 1 chat request of {len(question.body):,} bytes carrying "
        f"transcript_id={transcript_id!r};"
    )
    assert line(demo, f"{len(fetched)} transcript requests while asking") == (
        f"{len(fetched)} transcript requests while asking: the gateway injected "
        "the words; the question downloaded nothing"
    )


def test_the_recording_answer_quotes_the_new_meeting(demo: Demo) -> None:
    answer = demo.outcome.answers["recording"]
    assert answer is not None
    hits = [text for _, text in RECORDING_UTTERANCES if text in answer]
    assert hits
    assert all(words(hit) & words(RECORDING_QUESTION) for hit in hits)
    assert not any(quoted(answer, m.id) for m in demo.target.meetings)


def test_live_without_audio_skips_the_step_with_a_note() -> None:
    with open_target(False, DEFAULT_MODEL) as target:
        wire, out = WireLog(), io.StringIO()
        assert from_recording(replace(target, recording=None), wire, out) is None
        assert target.emulator is not None
        assert target.emulator.requests == []
    assert out.getvalue() == SKIPPED
    assert out.getvalue().count("\n") == 1
    assert wire.calls == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "--audio needs --live"),
        (["--live"], "neither an http(s) URL nor a file"),
    ],
    ids=["offline", "live"],
)
def test_a_bad_audio_option_is_refused_before_any_request(
    extra: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", TEST_KEY)
    missing = str(tmp_path / "missing.mp3")
    assert main(["demo", *extra, "--audio", missing]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""  # nothing started: no emulator, no request


# -- the cost report ---------------------------------------------------------------


def reported(sent: SentRequest) -> tuple[Usage, str]:
    """The usage and model the emulator answered `sent` with (JSON or SSE)."""
    text = bytes(sent.received).decode()
    if text.lstrip().startswith("{"):
        events = [json.loads(text)]
    else:
        data = [
            x[len("data:") :].strip()
            for x in text.splitlines()
            if x.startswith("data:")
        ]
        events = [json.loads(d) for d in data if d != "[DONE]"]
    (usage,) = [e["usage"] for e in events if e.get("usage")]
    parsed = parse_usage(usage)
    assert parsed is not None
    return parsed, str(events[-1]["model"])


def test_the_cost_is_the_usage_the_emulator_reported_priced_from_its_catalogue(
    demo: Demo,
) -> None:
    sent = [r for r in demo.wire.requests if r.step in LANGCHAIN_STEPS]
    chats = [r for r in demo.emulator.requests if r.path == "/v1/chat/completions"]
    assert len(chats) == len(demo.wire.requests)  # the wire log missed nothing
    usages = [reported(r) for r in sent]
    with GatewayClient(api_key=TEST_KEY, base_url=demo.target.base_url) as client:
        prices = fetch_prices(client)
    costs = [prices.cost(usage, model, "us") for usage, model in usages]
    assert None not in costs
    expected = sum(c.total for c in costs if c is not None)
    tokens = sum(usage.total_tokens for usage, _ in usages)
    prompt = sum(usage.input_tokens for usage, _ in usages)
    assert expected > 0
    assert line(demo, f"{len(sent)} requests, ") == (
        f"{len(sent)} requests, {tokens:,} tokens "
        f"({prompt:,} prompt, {tokens - prompt:,} completion)"
    )
    assert line(demo, "estimated cost") == f"estimated cost ${expected:.6f}"
    assert demo.outcome.totals["cost_usd"] == pytest.approx(expected, rel=1e-9)
    assert demo.outcome.totals["total_tokens"] == tokens


def test_the_prices_are_the_catalogues_read_during_the_run(demo: Demo) -> None:
    log = demo.emulator.requests
    reads = [i for i, r in enumerate(log) if r.path == "/v1/models"]
    first_chat = next(i for i, r in enumerate(log) if r.path == "/v1/chat/completions")
    assert reads[0] == 0  # read first, once (the test above reads it too, later)
    assert [i for i in reads if i < first_chat] == [0]
    prices = line(demo, "prices:")
    source, _, as_of = prices.removeprefix("prices: ").rpartition(", as of ")
    assert source == f"catalogue (GET /v1/models) of {demo.target.where}"
    read_at = dt.datetime.fromisoformat(as_of)
    assert abs(dt.datetime.now(dt.timezone.utc) - read_at) < dt.timedelta(minutes=5)
    assert demo.outcome.costs.prices_as_of == as_of
