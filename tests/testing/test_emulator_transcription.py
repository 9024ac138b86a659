"""Audio in: `POST /v2/upload`, `POST /v2/transcript` and the job's progress."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import math
import time
from typing import Any

import httpx
import pytest

from aai_gateway.testing import (
    MEETING_AUDIO_URLS,
    MEETING_IDS,
    Fault,
    GatewayEmulator,
)
from aai_gateway.testing._meetings import MEETINGS
from tests.testing.helpers import AUTH, make_client

MODELS = {"speech_models": ["universal-3-pro"]}
SUPPORT_URL = MEETING_AUDIO_URLS["support_call"]
PLANNING_URL = MEETING_AUDIO_URLS["product_planning"]
SCRIPTS = {m.key: m.utterances for m in MEETINGS}
DOWNLOAD_ERROR = (
    "Download error, unable to download {url}. Please make sure the file exists "
    "and is accessible from the internet."
)


def text_of(key: str) -> str:
    return " ".join(text for _, text in SCRIPTS[key])


def create(rest: httpx.Client, **body: Any) -> dict[str, Any]:
    response = rest.post("/v2/transcript", json={**MODELS, **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def fetch(rest: httpx.Client, ident: str) -> dict[str, Any]:
    response = rest.get(f"/v2/transcript/{ident}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def upload(rest: httpx.Client, data: bytes) -> str:
    response = rest.post(
        "/v2/upload",
        content=data,
        headers={"content-type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"upload_url"}
    return str(response.json()["upload_url"])


# -- POST /v2/upload -------------------------------------------------------------------


def test_upload_answers_an_upload_url(emu, rest) -> None:
    first = upload(rest, b"RIFF....WAVEfmt one")
    second = upload(rest, b"RIFF....WAVEfmt one")
    assert first.startswith("https://cdn.assemblyai.com/upload/")
    assert first != second  # every upload is a new file
    recorded = [r for r in emu.requests if r.path == "/v2/upload"]
    assert [r.body for r in recorded] == [b"RIFF....WAVEfmt one"] * 2


def test_upload_of_nothing_is_400(emu, rest) -> None:
    response = rest.post("/v2/upload", content=b"")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Upload error, the request body is empty: send the file's bytes"
    }


@pytest.mark.parametrize("headers", [{}, {"authorization": "wrong"}])
def test_upload_needs_the_key(server, headers: dict[str, str]) -> None:
    with make_client(server.rest_base_url, headers) as client:
        response = client.post("/v2/upload", content=b"audio")
    assert response.status_code == 401
    assert response.json() == {
        "error": "Authentication error, API token missing/invalid"
    }


def test_upload_takes_faults(emu, rest) -> None:
    emu.add_fault(Fault(status=503, path="/v2/upload"))
    response = rest.post("/v2/upload", content=b"audio")
    assert response.status_code == 503
    assert response.json() == {"error": "Service Unavailable"}


def test_another_keys_upload_is_403(serve_rest) -> None:
    _, rest = serve_rest(api_keys=("test-key", "other-key"))
    with make_client(str(rest.base_url), {"authorization": "other-key"}) as other:
        url = upload(other, b"someone else's audio")
        response = rest.post("/v2/transcript", json={**MODELS, "audio_url": url})
        assert response.status_code == 403
        assert response.json() == {"error": "Cannot access uploaded file"}
        assert create(other, audio_url=url)["status"] == "processing"


# -- POST /v2/transcript: the happy paths ------------------------------------------------


def test_new_transcript_is_processing_then_completed(emu, rest) -> None:
    created = create(rest, audio_url=SUPPORT_URL)
    assert created["status"] == "processing"
    assert created["text"] is None
    assert created["words"] is None
    assert created["audio_url"] == SUPPORT_URL
    assert created["speech_models"] == ["universal-3-pro"]
    assert "speech_model_used" not in created
    assert created["id"] not in MEETING_IDS.values()
    done = fetch(rest, created["id"])
    assert done["status"] == "completed"
    assert done["text"] == text_of("support_call")
    assert done["speech_model_used"] == "universal-3-pro"
    assert done["speaker_labels"] is False
    assert done["utterances"] is None
    assert {w["speaker"] for w in done["words"]} == {None}
    assert math.ceil(done["words"][-1]["end"] / 1000) <= done["audio_duration"]


def poll_statuses(rest: httpx.Client, ident: str, deadline: float) -> list[str]:
    """Every status seen until `completed`/`error` (each once, in order)."""
    seen: list[str] = []
    while time.monotonic() < deadline:
        status = fetch(rest, ident)["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("completed", "error"):
            return seen
        time.sleep(0.02)
    pytest.fail(f"no final status before the deadline; seen {seen}")


def test_queued_processing_completed_after_the_delays(serve_rest) -> None:
    _, rest = serve_rest(queue_delay=0.15, transcription_delay=0.25)
    started = time.monotonic()
    created = create(rest, audio_url=SUPPORT_URL)
    assert created["status"] == "queued"
    seen = poll_statuses(rest, created["id"], started + 10)
    assert seen == ["queued", "processing", "completed"]
    assert time.monotonic() - started >= 0.4


def test_delayed_failure_ends_in_error(serve_rest) -> None:
    _, rest = serve_rest(transcription_delay=0.1)
    url = "https://example.com/no-such-file.mp3"
    started = time.monotonic()
    created = create(rest, audio_url=url)
    assert poll_statuses(rest, created["id"], started + 10) == ["processing", "error"]
    failed = fetch(rest, created["id"])
    assert failed["error"] == DOWNLOAD_ERROR.format(url=url)
    assert failed["text"] is None


def test_complete_transcript_finishes_at_once(serve_rest) -> None:
    emu, rest = serve_rest(transcription_delay=60.0)
    created = create(rest, audio_url=SUPPORT_URL)
    assert fetch(rest, created["id"])["status"] == "processing"
    finished = emu.complete_transcript(created["id"])
    assert finished["status"] == "completed"
    assert fetch(rest, created["id"])["text"] == text_of("support_call")
    assert emu.complete_transcript(created["id"]) is finished  # already done


def test_complete_transcript_names_an_unknown_id(emu) -> None:
    with pytest.raises(ValueError, match=r"`transcript_id` 'nope' is not"):
        emu.complete_transcript("nope")


def test_store_shows_jobs_at_their_status_now(serve_rest) -> None:
    emu, rest = serve_rest(transcription_delay=0.05)
    ident = create(rest, audio_url=SUPPORT_URL)["id"]
    assert emu.transcripts[ident]["status"] == "processing"
    time.sleep(0.06)
    assert emu.transcripts[ident]["status"] == "completed"


def test_uploaded_file_gives_a_meeting_picked_by_its_bytes(emu, rest) -> None:
    data = b"ID3 some mp3 bytes"
    first = create(rest, audio_url=upload(rest, data))
    second = create(rest, audio_url=upload(rest, data))
    texts = {fetch(rest, t["id"])["text"] for t in (first, second)}
    pool = ("support_call", "product_planning", "incident_review", "hiring_debrief")
    expected = pool[int(hashlib.sha256(data).hexdigest()[:8], 16) % len(pool)]
    assert texts == {text_of(expected)}


def test_add_audio_decides_what_bytes_and_urls_say(emu, rest) -> None:
    emu.add_audio(b"my recording", [("A", "Hello there."), ("B", "Hi.")])
    emu.add_audio("https://example.com/talk.mp3", [("A", "One talk.")])
    emu.add_audio("https://example.com/silence.mp3", error="No spoken audio.")
    from_upload = create(rest, audio_url=upload(rest, b"my recording"))
    from_url = create(rest, audio_url="https://example.com/talk.mp3")
    silent = create(rest, audio_url="https://example.com/silence.mp3")
    assert fetch(rest, from_upload["id"])["text"] == "Hello there. Hi."
    assert fetch(rest, from_url["id"])["text"] == "One talk."
    assert fetch(rest, silent["id"])["error"] == "No spoken audio."


@pytest.mark.parametrize(
    ("args", "kwargs", "pattern"),
    [
        (("not a url", [("A", "x")]), {}, "`source` must be an http"),
        ((b"x",), {}, "exactly one of `utterances` and `error`"),
        ((b"x", [("A", "x")]), {"error": "e"}, "exactly one of"),
        ((b"x", []), {}, "`utterances` must be a non-empty sequence"),
        ((b"x", [("A",)]), {}, "`utterances` must be"),
        ((b"x",), {"error": " "}, "`error` must be a non-empty string"),
    ],
)
def test_add_audio_rejects_bad_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any], pattern: str
) -> None:
    with pytest.raises(ValueError, match=pattern):
        GatewayEmulator(meetings=False).add_audio(*args, **kwargs)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("transcription_delay", -1),
        ("transcription_delay", math.nan),
        ("queue_delay", math.inf),
        ("queue_delay", True),
        ("queue_delay", "1"),
    ],
)
def test_delay_options_are_checked(name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=f"`{name}` must be"):
        GatewayEmulator(meetings=False, **{name: value})


# -- speakers, languages and options -----------------------------------------------------


def test_speaker_labels_give_utterances(emu, rest) -> None:
    labelled = create(rest, audio_url=SUPPORT_URL, speaker_labels=True)
    done = fetch(rest, labelled["id"])
    assert done["speaker_labels"] is True
    assert [(u["speaker"], u["text"]) for u in done["utterances"]] == list(
        SCRIPTS["support_call"]
    )
    assert {w["speaker"] for w in done["words"]} == {"A", "B"}
    sentences = rest.get(f"/v2/transcript/{labelled['id']}/sentences").json()
    assert sentences["sentences"][0]["speaker"] == "A"


def test_without_labels_sentences_and_paragraphs_come_from_the_words(emu, rest) -> None:
    ident = create(rest, audio_url=SUPPORT_URL)["id"]
    sentences = rest.get(f"/v2/transcript/{ident}/sentences").json()["sentences"]
    assert {s["speaker"] for s in sentences} == {None}
    assert " ".join(s["text"] for s in sentences) == text_of("support_call")
    paragraphs = rest.get(f"/v2/transcript/{ident}/paragraphs").json()["paragraphs"]
    assert [p["text"] for p in paragraphs] == [t for _, t in SCRIPTS["support_call"]]
    assert rest.get(f"/v2/transcript/{ident}/srt").text.startswith("1\n00:00:00,320")


@pytest.mark.parametrize(
    "options",
    [{"speakers_expected": 2}, {"speaker_options": {"max_speakers_expected": 2}}],
)
def test_speakers_expected_folds_the_speakers(
    emu, rest, options: dict[str, Any]
) -> None:
    ident = create(rest, audio_url=PLANNING_URL, speaker_labels=True, **options)["id"]
    done = fetch(rest, ident)
    assert len(set(dict(SCRIPTS["product_planning"]))) == 4
    assert {u["speaker"] for u in done["utterances"]} == {"A", "B"}
    assert all(
        a["speaker"] != b["speaker"] for a, b in itertools.pairwise(done["utterances"])
    )
    assert done["text"] == text_of("product_planning")
    assert "speaker_options" not in done  # not a Transcript key


def test_language_detection_reports_english(emu, rest) -> None:
    created = create(rest, audio_url=SUPPORT_URL, language_detection=True)
    assert "language_code" not in created  # known once detected
    done = fetch(rest, created["id"])
    assert done["language_code"] == "en"
    assert done["language_confidence"] == 0.9712
    assert done["language_detection"] is True


def test_language_confidence_threshold_can_fail_the_job(emu, rest) -> None:
    ident = create(
        rest,
        audio_url=SUPPORT_URL,
        language_detection=True,
        language_confidence_threshold=0.99,
    )["id"]
    failed = fetch(rest, ident)
    assert failed["status"] == "error"
    assert failed["error"] == (
        "detected language 'en', confidence 0.9712, is below the requested "
        "confidence threshold value of 0.99"
    )


@pytest.mark.parametrize(("sent", "reported"), [("en", "en_us"), ("es", "es")])
def test_language_code_is_echoed(emu, rest, sent: str, reported: str) -> None:
    ident = create(rest, audio_url=SUPPORT_URL, language_code=sent)["id"]
    assert fetch(rest, ident)["language_code"] == reported


def test_options_are_echoed_and_the_secret_is_not(emu, rest) -> None:
    created = create(
        rest,
        audio_url=SUPPORT_URL,
        punctuate=False,
        keyterms_prompt=["Northwind"],
        webhook_url="https://example.com/hook",
        webhook_auth_header_name="x-hook-secret",
        webhook_auth_header_value="s3cret-value",
        speech_understanding={"request": {"translation": {"target_languages": ["es"]}}},
        summary_model=None,
    )
    assert created["punctuate"] is False
    assert created["keyterms_prompt"] == ["Northwind"]
    assert created["webhook_url"] == "https://example.com/hook"
    assert created["webhook_auth"] is True
    assert created["speech_understanding"] == {
        "request": {"translation": {"target_languages": ["es"]}}
    }
    assert "s3cret-value" not in str(created)
    assert "webhook_auth_header_value" not in fetch(rest, created["id"])


# -- POST /v2/transcript: refused bodies -------------------------------------------------

URL = SUPPORT_URL


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "Transcript creation error, audio_url not found"),
        (
            {"audio_url": None, **MODELS},
            "Transcript creation error, audio_url not found",
        ),
        (
            {"audio_url": "ftp://x/a.mp3", **MODELS},
            "audio_url must be an http or https URL",
        ),
        ({"audio_url": 3, **MODELS}, "audio_url must be an http or https URL"),
        (
            {"audio_url": URL, **MODELS, "word_boost": ["x"]},
            "word_boost is not a known parameter",
        ),
        (
            {"audio_url": URL, **MODELS, "punctuate": "yes"},
            "punctuate must be a Boolean",
        ),
        (
            {"audio_url": URL, **MODELS, "punctuate": None},
            "punctuate must be a Boolean",
        ),
        (
            {"audio_url": URL, **MODELS, "speakers_expected": 2.5},
            "speakers_expected must be an Integer",
        ),
        (
            {"audio_url": URL, "speech_models": []},
            "speech_models must be a non-empty Array of supported models (universal-3-5-pro, universal-3-pro, universal-2)",
        ),
        (
            {"audio_url": URL, "speech_models": ["best"]},
            "speech_models must be a non-empty Array of supported models (universal-3-5-pro, universal-3-pro, universal-2)",
        ),
        (
            {"audio_url": URL, **MODELS, "speech_model": "best"},
            'speech_model is deprecated. Use "speech_models" instead. See documentation: https://www.assemblyai.com/docs/pre-recorded-audio/select-the-speech-model',
        ),
        (
            {"audio_url": URL, **MODELS, "language_code": "en-US"},
            "language_code is not a supported language code",
        ),
        (
            {"audio_url": URL, **MODELS, "language_codes": ["es", "fr"]},
            "language_codes must include en",
        ),
        (
            {"audio_url": URL, **MODELS, "content_safety_confidence": 10},
            "content_safety_confidence must be an Integer between 25 and 100",
        ),
        (
            {"audio_url": URL, **MODELS, "temperature": 1.5},
            "temperature must be a Number between 0 and 1",
        ),
        (
            {"audio_url": URL, **MODELS, "custom_spelling": [{"from": ["a"]}]},
            "custom_spelling[0].to is required",
        ),
        (
            {"audio_url": URL, **MODELS, "redact_pii_policies": ["secrets"]},
            "redact_pii_policies must be an Array of PII policies",
        ),
        (
            {"audio_url": URL, **MODELS, "redact_pii_sub": "stars"},
            "redact_pii_sub must be one of entity_name, hash",
        ),
        (
            {
                "audio_url": URL,
                **MODELS,
                "speaker_options": {
                    "min_speakers_expected": 3,
                    "max_speakers_expected": 2,
                },
            },
            "speaker_options.min_speakers_expected must not exceed max_speakers_expected",
        ),
        (
            {"audio_url": URL, **MODELS, "speaker_options": {"speakers": 2}},
            "speaker_options.speakers is not a known parameter",
        ),
        (
            {"audio_url": URL, **MODELS, "speech_understanding": {"request": {}}},
            "speech_understanding.request must hold exactly one of translation, speaker_identification, custom_formatting",
        ),
        (
            {
                "audio_url": URL,
                **MODELS,
                "speech_understanding": {"request": {"translation": {}}},
            },
            "translation.target_languages must be a non-empty array of language codes",
        ),
        (
            {"audio_url": URL, **MODELS, "webhook_url": "hook"},
            "webhook_url must be an http or https URL",
        ),
        ([URL], "Request body must be a JSON object"),
    ],
)
def test_bad_bodies_are_400(emu, rest, body: Any, error: str) -> None:
    response = rest.post("/v2/transcript", json=body)
    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert set(emu.transcripts) == set(MEETING_IDS.values())


def test_body_that_is_not_json_is_400(emu, rest) -> None:
    response = rest.post("/v2/transcript", content=b"{audio_url:")
    assert response.status_code == 400
    assert response.json() == {"error": "Request body must be a JSON object"}


def test_nullable_fields_take_null(emu, rest) -> None:
    created = create(
        rest,
        audio_url=URL,
        language_code=None,
        speakers_expected=None,
        speech_model=None,
        summary_model=None,
        summary_type=None,
        redact_pii_sub=None,
    )
    assert created["language_code"] == "en_us"
    assert "redact_pii_sub" not in created


def test_missing_speech_models_follows_its_rule(emu, rest, serve_rest) -> None:
    response = rest.post("/v2/transcript", json={"audio_url": URL})
    assert response.status_code == 400
    assert response.json() == {
        "error": "a transcript request without speech_models is not documented "
        "(unconfirmed rule transcript_without_speech_models is strict)"
    }
    _, lenient = serve_rest(unconfirmed="lenient")
    created = lenient.post("/v2/transcript", json={"audio_url": URL}).json()
    assert created["speech_models"] == ["universal-3-5-pro", "universal-2"]
    assert fetch(lenient, created["id"])["speech_model_used"] == "universal-3-5-pro"


def test_create_takes_faults_before_anything_is_stored(emu, rest) -> None:
    emu.add_fault(Fault(status=500, path="/v2/transcript"))
    response = rest.post("/v2/transcript", json={**MODELS, "audio_url": URL})
    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert set(emu.transcripts) == set(MEETING_IDS.values())


# -- many at once ------------------------------------------------------------------------


async def test_concurrent_uploads_and_transcripts(server, emu) -> None:
    async with httpx.AsyncClient(base_url=server.rest_base_url, headers=AUTH) as client:

        async def one(n: int) -> str:
            uploaded = await client.post("/v2/upload", content=f"file {n}".encode())
            body = {**MODELS, "audio_url": uploaded.json()["upload_url"]}
            created = await client.post("/v2/transcript", json=body)
            return str(created.json()["id"])

        ids = await asyncio.gather(*(one(n) for n in range(12)))
        done = [(await client.get(f"/v2/transcript/{i}")).json() for i in ids]
        listing = await client.get("/v2/transcript", params={"limit": 12})
    assert len(set(ids)) == 12
    assert {t["status"] for t in done} == {"completed"}
    listed = listing.json()["transcripts"]
    assert {t["id"] for t in listed} == set(ids)
    created = [t["created"] for t in listed]
    assert created == sorted(created, reverse=True)
    assert len(set(created)) == 12  # creation times never tie
