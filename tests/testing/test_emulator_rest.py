"""The transcript REST API (`/v2`): spec section 12."""

from __future__ import annotations

import itertools
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from aai_gateway.testing import MEETING_IDS, GatewayEmulator
from aai_gateway.testing._meetings import MEETINGS

COMPLETED = [
    "quarterly_review",
    "support_call",
    "product_planning",
    "incident_review",
    "hiring_debrief",
]
NEWEST_FIRST = [m.id for m in reversed(MEETINGS)]
REQUIRED = {
    "id",
    "speech_model",
    "language_model",
    "acoustic_model",
    "status",
    "audio_url",
    "webhook_auth",
    "auto_highlights",
    "redact_pii",
    "summarization",
    "language_confidence_threshold",
    "language_confidence",
}


@pytest.mark.parametrize("key", COMPLETED)
def test_meeting_transcripts(emu, rest, key: str) -> None:
    response = rest.get(f"/v2/transcript/{MEETING_IDS[key]}")
    assert response.status_code == 200
    transcript = response.json()
    assert set(transcript) >= REQUIRED
    assert transcript["status"] == "completed"
    assert transcript["language_code"] == "en_us"
    assert transcript["speaker_labels"] is True
    assert transcript["project_id"]  # an undocumented live key, kept
    utterances = transcript["utterances"]
    assert 15 <= len(utterances) <= (250 if key == "quarterly_review" else 40)
    assert len({u["speaker"] for u in utterances}) >= 2
    assert transcript["text"] == " ".join(u["text"] for u in utterances)
    words = transcript["words"]
    assert [w["text"] for w in words] == transcript["text"].split()
    assert all(isinstance(w["start"], int) and w["start"] < w["end"] for w in words)
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(words))
    assert all(0 < w["confidence"] <= 1 for w in words)
    assert transcript["audio_duration"] * 1000 >= words[-1]["end"]
    assert 0 < transcript["confidence"] <= 1


def test_transcripts_are_deterministic(emu) -> None:
    other = GatewayEmulator()
    ident = MEETING_IDS["hiring_debrief"]
    assert other.transcripts[ident] == emu.transcripts[ident]


def test_error_and_processing_transcripts(emu, rest) -> None:
    failed = rest.get(f"/v2/transcript/{MEETING_IDS['failed_upload']}").json()
    assert failed["status"] == "error"
    assert failed["error"].startswith("Download error")
    assert failed["text"] is None
    assert failed["words"] is None
    waiting = rest.get(f"/v2/transcript/{MEETING_IDS['still_processing']}").json()
    assert waiting["status"] == "processing"
    assert waiting["error"] is None
    sentences = rest.get(f"/v2/transcript/{MEETING_IDS['still_processing']}/sentences")
    assert sentences.status_code == 400
    assert sentences.json() == {
        "error": "Transcript is not completed (status: processing)"
    }


@pytest.mark.parametrize("suffix", ["", "/sentences", "/paragraphs", "/srt", "/vtt"])
def test_unknown_id_is_400(emu, rest, suffix: str) -> None:
    response = rest.get(f"/v2/transcript/0000-unknown{suffix}")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Transcript lookup error, transcript id not found"
    }


def test_sentences(emu, rest) -> None:
    ident = MEETING_IDS["support_call"]
    body = rest.get(f"/v2/transcript/{ident}/sentences").json()
    transcript = emu.transcripts[ident]
    assert body["id"] == ident
    assert body["audio_duration"] == transcript["audio_duration"]
    assert body["confidence"] == transcript["confidence"]
    sentences = body["sentences"]
    assert (
        sentences[0]["text"]
        == "Thank you for calling Northwind support, this is Jordan."
    )
    assert sentences[0]["speaker"] == "A"
    assert all(s["text"].endswith((".", "?", "!")) for s in sentences)
    assert " ".join(s["text"] for s in sentences) == transcript["text"]
    assert all(
        set(s) == {"text", "start", "end", "confidence", "words", "speaker"}
        for s in sentences
    )


def test_paragraphs_have_no_speaker(emu, rest) -> None:
    ident = MEETING_IDS["product_planning"]
    body = rest.get(f"/v2/transcript/{ident}/paragraphs").json()
    paragraphs = body["paragraphs"]
    assert len(paragraphs) == len(emu.transcripts[ident]["utterances"])
    assert all(
        set(p) == {"text", "start", "end", "confidence", "words"} for p in paragraphs
    )
    assert body["speech_model_used"] == "universal-3-pro"


def test_srt(emu, rest) -> None:
    response = rest.get(
        f"/v2/transcript/{MEETING_IDS['support_call']}/srt",
        params={"chars_per_caption": 32},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    cues = response.text.strip().split("\n\n")
    first = cues[0].split("\n")
    assert first[0] == "1"
    assert re.fullmatch(r"00:00:00,320 --> \d\d:\d\d:\d\d,\d{3}", first[1])
    assert all(len(c.split("\n")[2]) <= 32 for c in cues)


def test_vtt(emu, rest) -> None:
    response = rest.get(f"/v2/transcript/{MEETING_IDS['support_call']}/vtt")
    assert response.text.startswith("WEBVTT\n\n00:00.320 --> ")
    assert response.headers["content-type"].startswith("text/plain")


def test_bad_chars_per_caption(emu, rest) -> None:
    response = rest.get(
        f"/v2/transcript/{MEETING_IDS['support_call']}/srt",
        params={"chars_per_caption": "x"},
    )
    assert response.status_code == 400


def test_word_search(emu, rest) -> None:
    body = rest.get(
        f"/v2/transcript/{MEETING_IDS['product_planning']}/word-search",
        params={"words": "SSO,nothinghere"},
    ).json()
    assert body["total_count"] >= 2
    [match] = body["matches"]
    assert match["text"] == "SSO"
    assert len(match["timestamps"]) == match["count"] == len(match["indexes"])


def test_delete(emu, rest) -> None:
    ident = emu.add_transcript([("A", "Secret plans.")])
    response = rest.delete(f"/v2/transcript/{ident}")
    assert response.status_code == 200
    body = response.json()
    assert body["audio_url"] == "http://deleted_by_user"
    assert body["status"] == "completed"
    assert body["text"] != "Secret plans."
    assert (
        rest.get(f"/v2/transcript/{ident}").json()["audio_url"]
        == "http://deleted_by_user"
    )


def test_list_first_page(emu, rest, server) -> None:
    body = rest.get("/v2/transcript").json()
    details = body["page_details"]
    assert details["limit"] == 10
    assert details["result_count"] == len(MEETINGS)
    assert details["current_url"] == f"{server.url}/v2/transcript"
    assert details["prev_url"] is None  # nothing older
    # Newer ones may come: the vendor's first page links them too (spec 12.3).
    assert details["next_url"] == (
        f"{server.url}/v2/transcript?limit=10&after_id={NEWEST_FIRST[0]}"
    )
    items = body["transcripts"]
    assert [t["id"] for t in items] == NEWEST_FIRST
    first = items[0]
    assert set(first) == {
        "id",
        "resource_url",
        "status",
        "created",
        "completed",
        "audio_url",
        "error",
    }
    assert first["resource_url"] == f"{server.url}/v2/transcript/{first['id']}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", first["created"])
    assert first["completed"] is None  # still processing
    assert items[1]["completed"] is not None  # the error transcript finished


def test_list_pagination_walks_older_pages(emu, rest, server) -> None:
    seen, url = [], "/v2/transcript?limit=4"
    pages = 0
    while url:
        body = rest.get(url).json()
        seen += [t["id"] for t in body["transcripts"]]
        url = body["page_details"]["prev_url"]
        pages += 1
        assert url is None or url.startswith(server.url)
    assert pages == 2
    assert seen == NEWEST_FIRST


def test_list_next_url_goes_back_to_newer(emu, rest) -> None:
    older = rest.get(
        "/v2/transcript", params={"limit": 2, "before_id": NEWEST_FIRST[1]}
    ).json()
    assert [t["id"] for t in older["transcripts"]] == NEWEST_FIRST[2:4]
    next_url = older["page_details"]["next_url"]
    assert parse_qs(urlsplit(next_url).query) == {
        "limit": ["2"],
        "after_id": [NEWEST_FIRST[2]],
    }
    newer = rest.get(next_url).json()
    assert [t["id"] for t in newer["transcripts"]] == NEWEST_FIRST[0:2]
    newest = rest.get(newer["page_details"]["next_url"]).json()
    assert newest["transcripts"] == []
    assert newest["page_details"]["next_url"] is None


def test_list_first_page_with_more_has_vendor_page_details(emu, rest, server) -> None:
    # The shape of the vendor's TranscriptList example (spec 12.3): limit 3.
    body = rest.get("/v2/transcript", params={"limit": 3}).json()
    assert [t["id"] for t in body["transcripts"]] == NEWEST_FIRST[:3]
    base = f"{server.url}/v2/transcript?limit=3"
    assert body["page_details"] == {
        "limit": 3,
        "result_count": 3,
        "current_url": base,
        "prev_url": f"{base}&before_id={NEWEST_FIRST[2]}",
        "next_url": f"{base}&after_id={NEWEST_FIRST[0]}",
    }


def test_list_next_url_walks_every_transcript_once(emu, rest) -> None:
    url: str | None = "/v2/transcript?limit=3"
    while url:  # down to the oldest page along prev_url
        oldest = rest.get(url).json()
        url = oldest["page_details"]["prev_url"]
    seen = [t["id"] for t in oldest["transcripts"]]
    url, pages = oldest["page_details"]["next_url"], []
    while url:  # then back up along next_url
        page = rest.get(url).json()
        pages.append(page)
        seen = [t["id"] for t in page["transcripts"]] + seen
        url = page["page_details"]["next_url"]
    assert seen == NEWEST_FIRST  # each exactly once, newest first
    assert pages[-1]["page_details"]["result_count"] == 0
    assert pages[-1]["page_details"]["next_url"] is None
    assert all(p["page_details"]["next_url"] for p in pages[:-1])


def test_list_filters(emu, rest) -> None:
    completed = rest.get("/v2/transcript", params={"status": "completed"}).json()[
        "transcripts"
    ]
    assert [t["id"] for t in completed] == [MEETING_IDS[k] for k in reversed(COMPLETED)]
    day = rest.get("/v2/transcript", params={"created_on": "2026-09-10"}).json()[
        "transcripts"
    ]
    assert [t["id"] for t in day] == [MEETING_IDS["product_planning"]]
    prev = rest.get("/v2/transcript", params={"status": "completed", "limit": 1}).json()
    assert "status=completed" in prev["page_details"]["prev_url"]


# Unicode digits: `int()` takes "٣" and the double-struck one and raises on "²" (a
# 500 before); more than 4300 digits also raise in `int()`.
NOT_NUMBERS = ["٣", "²", "\U0001d7d9", "1_0", " 3", "+3", "3.0", "1e3", "", "9" * 5000]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"status": "done"},
        {"created_on": "10/09/2026"},
        {"created_on": "2026-02-30"},
        {"created_on": "\uff12\uff10\uff12\uff16-09-10"},  # full-width digits
        *({"limit": value} for value in NOT_NUMBERS),
    ],
)
def test_list_rejects_bad_parameters(emu, rest, params: dict[str, object]) -> None:
    response = rest.get("/v2/transcript", params=params)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize("value", NOT_NUMBERS)
@pytest.mark.parametrize("subtitle_format", ["srt", "vtt"])
def test_subtitles_reject_bad_chars_per_caption(
    emu, rest, subtitle_format: str, value: str
) -> None:
    response = rest.get(
        f"/v2/transcript/{MEETING_IDS['support_call']}/{subtitle_format}",
        params={"chars_per_caption": value},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "chars_per_caption must be an integer of at least 1"
    }


@pytest.mark.parametrize("words", [None, "", " , "])
def test_word_search_needs_words(emu, rest, words: str | None) -> None:
    response = rest.get(
        f"/v2/transcript/{MEETING_IDS['support_call']}/word-search",
        params={} if words is None else {"words": words},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "words must list at least one word"}


def test_new_transcripts_list_first(emu, rest) -> None:
    ident = emu.add_transcript([("A", "Newest.")])
    try:
        assert (
            rest.get("/v2/transcript", params={"limit": 1}).json()["transcripts"][0][
                "id"
            ]
            == ident
        )
    finally:
        emu.transcripts.pop(ident)


def test_custom_transcript_statuses(emu, rest) -> None:
    ident = emu.add_transcript([], transcript_id="queued-1", status="queued")
    assert rest.get(f"/v2/transcript/{ident}").json()["status"] == "queued"
    emu.transcripts.pop(ident)


def test_unknown_paths_use_each_api_envelope(emu, rest, gateway) -> None:
    assert rest.get("/v2/nothing").json() == {"error": "Not found"}
    response = gateway.get("/nothing")
    assert response.status_code == 404
    assert response.json()["message"] == "not found"
    assert gateway.get("/chat/completions").status_code == 405
