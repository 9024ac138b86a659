"""Transcripts made through `/v2` after they exist: deleting, listing, using in chat."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aai_gateway.testing import MEETING_AUDIO_URLS, MEETING_IDS, TRANSCRIPT_TAG
from aai_gateway.testing._meetings import MEETINGS
from tests.testing.helpers import chat

MODELS = {"speech_models": ["universal-3-pro"]}
SUPPORT_URL = MEETING_AUDIO_URLS["support_call"]
NEWEST_MEETING = MEETINGS[-1].id
SUPPORT_TEXT = " ".join(text for _, text in MEETINGS[1].utterances)


def create(rest: httpx.Client, **body: Any) -> str:
    response = rest.post(
        "/v2/transcript", json={**MODELS, "audio_url": SUPPORT_URL, **body}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def listing(rest: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = rest.get("/v2/transcript", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["transcripts"])


# -- DELETE /v2/transcript/{id} ---------------------------------------------------------


def test_delete_blanks_the_content_and_keeps_the_record(emu, rest) -> None:
    ident = create(rest, speaker_labels=True, webhook_url="https://example.com/h")
    before = rest.get(f"/v2/transcript/{ident}").json()
    assert before["text"] == SUPPORT_TEXT
    response = rest.delete(f"/v2/transcript/{ident}")
    assert response.status_code == 200
    deleted = response.json()
    # The vendor's DeleteTranscriptResponse example, key by key.
    assert deleted["id"] == ident
    assert deleted["status"] == "completed"
    assert deleted["text"] == "Deleted by user."
    assert deleted["audio_url"] == deleted["webhook_url"] == "http://deleted_by_user"
    for key in ("words", "utterances", "confidence", "punctuate", "speaker_labels"):
        assert deleted[key] is None, key
    assert deleted["audio_duration"] == before["audio_duration"]
    assert deleted["language_model"] == "assemblyai_default"
    assert "language_code" not in deleted  # the example's null; the schema's non-null
    assert rest.get(f"/v2/transcript/{ident}").json() == deleted
    sentences = rest.get(f"/v2/transcript/{ident}/sentences").json()
    assert sentences["sentences"] == []


def test_delete_waits_for_a_finished_transcript(serve_rest) -> None:
    emu, rest = serve_rest(transcription_delay=60.0)
    ident = create(rest)
    response = rest.delete(f"/v2/transcript/{ident}")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Transcript is still being processed (status: processing); delete "
        "it once it is completed or has failed"
    }
    emu.complete_transcript(ident)
    assert rest.delete(f"/v2/transcript/{ident}").status_code == 200


def test_delete_of_a_failed_transcript_keeps_its_status(emu, rest) -> None:
    ident = create(rest, audio_url="https://example.com/missing.mp3")
    deleted = rest.delete(f"/v2/transcript/{ident}").json()
    assert deleted["status"] == "error"
    assert deleted["audio_url"] == "http://deleted_by_user"


def test_delete_deletes_the_uploaded_file(emu, rest) -> None:
    url = rest.post("/v2/upload", content=b"a recording").json()["upload_url"]
    first = create(rest, audio_url=url)
    assert rest.get(f"/v2/transcript/{first}").json()["status"] == "completed"
    assert rest.delete(f"/v2/transcript/{first}").status_code == 200
    again = create(rest, audio_url=url)
    failed = rest.get(f"/v2/transcript/{again}").json()
    assert failed["status"] == "error"
    assert failed["error"].startswith(f"Download error, unable to download {url}.")


def test_delete_of_an_unknown_id_is_400(emu, rest) -> None:
    response = rest.delete("/v2/transcript/no-such-id")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Transcript lookup error, transcript id not found"
    }


def test_reset_transcripts_forgets_uploads_and_jobs(emu, rest) -> None:
    url = rest.post("/v2/upload", content=b"a recording").json()["upload_url"]
    ident = create(rest, audio_url=url)
    emu.reset_transcripts()
    assert ident not in emu.transcripts
    failed = rest.get(f"/v2/transcript/{create(rest, audio_url=url)}").json()
    assert failed["status"] == "error"


# -- GET /v2/transcript ------------------------------------------------------------------


def test_listing_shows_new_transcripts_newest_first(emu, rest) -> None:
    ids = [create(rest) for _ in range(3)]
    items = listing(rest, limit=3)
    assert [t["id"] for t in items] == ids[::-1]
    for item in items:
        assert item["status"] == "completed"
        assert item["audio_url"] == SUPPORT_URL
        assert item["created"] < item["completed"]
    assert listing(rest, limit=4)[3]["id"] == NEWEST_MEETING


def test_after_id_finds_exactly_the_new_transcripts(emu, rest) -> None:
    # What incremental indexing asks: everything newer than the last one seen.
    ids = [create(rest) for _ in range(3)]
    newer = listing(rest, after_id=NEWEST_MEETING, limit=10)
    assert [t["id"] for t in newer] == ids[::-1]
    assert [t["id"] for t in listing(rest, after_id=ids[1])] == [ids[2]]
    older = listing(rest, before_id=ids[0], limit=2)
    assert [t["id"] for t in older] == [NEWEST_MEETING, MEETINGS[-2].id]


def test_listing_shows_deleted_transcripts_as_deleted(emu, rest) -> None:
    kept, gone = create(rest), create(rest)
    rest.get(f"/v2/transcript/{gone}")
    rest.delete(f"/v2/transcript/{gone}")
    items = {t["id"]: t for t in listing(rest, after_id=NEWEST_MEETING)}
    assert items[gone]["audio_url"] == "http://deleted_by_user"
    assert items[kept]["audio_url"] == SUPPORT_URL
    assert items[gone]["status"] == "completed"  # the status stays


def test_status_filter_follows_the_jobs(serve_rest) -> None:
    emu, rest = serve_rest(transcription_delay=60.0)
    first, second = create(rest), create(rest)
    processing = listing(rest, status="processing")
    assert [t["id"] for t in processing] == [
        second,
        first,
        MEETING_IDS["still_processing"],
    ]
    assert all(t["completed"] is None for t in processing)
    emu.complete_transcript(first)
    assert [t["id"] for t in listing(rest, status="processing", limit=2)] == [
        second,
        MEETING_IDS["still_processing"],
    ]
    assert listing(rest, status="completed", limit=1)[0]["id"] == first


def test_created_on_finds_todays_transcripts(emu, rest) -> None:
    ids = [create(rest) for _ in range(2)]
    day = listing(rest, limit=1)[0]["created"][:10]
    assert [t["id"] for t in listing(rest, created_on=day)] == ids[::-1]


# -- the transcript's views before and after it is ready -------------------------------

VIEWS = ["/sentences", "/paragraphs", "/srt", "/vtt", "/word-search?words=refund"]


@pytest.mark.parametrize("view", VIEWS)
def test_views_wait_for_completion(serve_rest, view: str) -> None:
    emu, rest = serve_rest(transcription_delay=60.0)
    ident = create(rest)
    response = rest.get(f"/v2/transcript/{ident}{view}")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Transcript is not completed (status: processing)"
    }
    emu.complete_transcript(ident)
    assert rest.get(f"/v2/transcript/{ident}{view}").status_code == 200


@pytest.mark.parametrize("view", VIEWS)
def test_views_of_a_failed_transcript_are_400(emu, rest, view: str) -> None:
    ident = create(rest, audio_url="https://example.com/missing.mp3")
    response = rest.get(f"/v2/transcript/{ident}{view}")
    assert response.status_code == 400
    assert response.json() == {"error": "Transcript is not completed (status: error)"}


# -- /v1 on a transcribed meeting -----------------------------------------------------


def test_chat_injects_a_completed_transcript(emu, rest, gateway) -> None:
    ident = create(rest)
    response = chat(
        gateway,
        model="claude-sonnet-4-6",
        messages=[
            {
                "role": "user",
                "content": f"{TRANSCRIPT_TAG}\n\nHow much was refunded?",
            }
        ],
        transcript_id=ident,
    )
    assert response.status_code == 200, response.text
    answer = response.json()["choices"][0]["message"]["content"]
    assert "forty-nine dollars" in answer
    assert response.json()["usage"]["input_tokens"] > len(SUPPORT_TEXT.split())


def test_chat_before_completion_is_400_then_works(serve, serve_rest) -> None:
    emu, gateway = serve(transcription_delay=60.0)
    _, rest = serve_rest(transcription_delay=60.0)
    ident = create(rest)
    body = {
        "model": "gpt-5",
        "messages": [{"role": "user", "content": f"Sum up: {TRANSCRIPT_TAG}"}],
    }
    refused = chat(gateway, **body, transcript_id=ident)
    assert refused.status_code == 400
    assert refused.json()["metadata"]["errors"] == [
        f"transcript {ident} is not completed (processing)"
    ]
    emu.complete_transcript(ident)
    assert chat(gateway, **body, transcript_id=ident).status_code == 200


def test_chat_with_a_deleted_transcript_is_404(emu, rest, gateway) -> None:
    ident = create(rest)
    rest.get(f"/v2/transcript/{ident}")
    rest.delete(f"/v2/transcript/{ident}")
    response = chat(
        gateway,
        model="gpt-5",
        messages=[{"role": "user", "content": TRANSCRIPT_TAG}],
        transcript_id=ident,
    )
    assert response.status_code == 404
    assert response.json()["message"] == "transcript deleted"


@pytest.mark.parametrize("labels", [True, False])
def test_understanding_runs_on_a_transcribed_meeting(
    emu, rest, gateway, labels: bool
) -> None:
    ident = create(rest, speaker_labels=labels)
    request = {"translation": {"target_languages": ["es"]}}
    response = gateway.post(
        "/understanding",
        json={"transcript_id": ident, "speech_understanding": {"request": request}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["translated_texts"] == {"es": f"[es] {SUPPORT_TEXT}"}
