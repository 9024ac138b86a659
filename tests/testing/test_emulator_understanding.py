"""`POST /v1/understanding` and `/v1/understanding/validate`: spec section 9."""

from __future__ import annotations

from typing import Any

import pytest

from aai_gateway.testing import MEETING_IDS, Fault

HIRING = MEETING_IDS["hiring_debrief"]


def understand(gateway, request: dict[str, Any], transcript_id: str = HIRING):
    body = {
        "transcript_id": transcript_id,
        "speech_understanding": {"request": request},
    }
    return gateway.post("/understanding", json=body)


def test_translation(emu, gateway) -> None:
    response = understand(gateway, {"translation": {"target_languages": ["es", "de"]}})
    assert response.status_code == 200
    body = response.json()
    assert body["speech_understanding"]["response"] == {
        "translation": {"status": "success"}
    }
    assert body["speech_understanding"]["request"] == {
        "translation": {"target_languages": ["es", "de"]}
    }
    text = emu.transcripts[HIRING]["text"]
    assert body["translated_texts"] == {"es": f"[es] {text}", "de": f"[de] {text}"}
    first = body["utterances"][0]
    assert first["translated_texts"]["de"] == "[de] " + first["text"]
    assert "request_id" in body
    assert (
        "translated_texts" not in emu.transcripts[HIRING]["utterances"][0]
    )  # not saved


def test_speaker_identification(emu, gateway) -> None:
    request = {
        "speaker_identification": {
            "speaker_type": "role",
            "known_values": ["lead", "designer"],
        }
    }
    body = understand(gateway, request).json()
    mapping = body["speech_understanding"]["response"]["speaker_identification"][
        "mapping"
    ]
    assert mapping == {"A": "lead", "B": "designer", "C": "C"}
    assert body["utterances"][0]["speaker"] == "lead"
    assert {w["speaker"] for w in body["utterances"][1]["words"]} == {"designer"}


def test_speakers_by_name_and_other_tasks(emu, gateway) -> None:
    request = {
        "speaker_identification": {
            "speaker_type": "name",
            "speakers": [{"name": "Ana"}],
        },
        "custom_formatting": {"date": "mm/dd/yyyy"},
        "summarization": {"summary_type": "bullets"},
        "action_items": {},
    }
    body = understand(gateway, request, MEETING_IDS["product_planning"]).json()
    response = body["speech_understanding"]["response"]
    assert response["speaker_identification"]["mapping"]["A"] == "Ana"
    assert response["custom_formatting"]["mapping"] == {}
    assert response["summarization"]["summary"].startswith(
        "- Okay, let's get started.\n- "
    )
    assert response["action_items"]["action_items"] == [
        "I'll reuse the banner component from the web app so we stay consistent.",
        "Yes, I'll sync with Marcus tomorrow and post the estimate in the planning doc.",
        "I'll pair with the growth team and have the experiment live next sprint.",
        "I'll update the roadmap slide and send it to leadership today.",
    ]
    assert all(task["status"] == "success" for task in response.values())


def test_rate_limit_headers(emu, gateway) -> None:
    response = understand(gateway, {"custom_formatting": {}})
    assert response.headers["x-ratelimit-service"] == "speech-understanding"
    assert response.headers["x-ratelimit-feature"] == "understanding"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            {"speech_understanding": {"request": {"custom_formatting": {}}}},
            "transcript_id is required",
        ),
        ({"transcript_id": HIRING}, "speech_understanding.request is required"),
        (
            {
                "transcript_id": HIRING,
                "speech_understanding": {"request": {"dance": {}}},
            },
            "speech_understanding.request.dance is not supported",
        ),
        (
            {
                "transcript_id": HIRING,
                "speech_understanding": {"request": {"translation": {}}},
            },
            "translation.target_languages must be a non-empty array of language codes",
        ),
        (
            {
                "transcript_id": HIRING,
                "speech_understanding": {
                    "request": {
                        "speaker_identification": {
                            "speaker_type": "role",
                            "known_values": ["x" * 36],
                        }
                    }
                },
            },
            "speaker_identification.known_values entries must be at most 35 characters",
        ),
    ],
)
def test_validation(emu, gateway, body: dict[str, Any], error: str) -> None:
    for path in ("/understanding", "/understanding/validate"):
        response = gateway.post(path, json=body)
        if path.endswith("validate") and error == "transcript_id is required":
            assert response.status_code == 200
            continue
        assert response.status_code == 400
        assert error in response.json()["metadata"]["errors"]


def _speakers(**options: Any) -> dict[str, Any]:
    return {"speaker_identification": {"speaker_type": "name", **options}}


# Shapes schemathesis sent that were answered 200 before (a number as a known value
# came back as its `str()`, a speaker without a name as "None").
@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (
            _speakers(known_values=[1.7976931348623157e308]),
            "speaker_identification.known_values must be an array of strings",
        ),
        (
            _speakers(known_values="Ana"),
            "speaker_identification.known_values must be an array of strings",
        ),
        *(
            (
                _speakers(speakers=speakers),
                "speaker_identification.speakers must be an array of objects "
                "with a string name or role",
            )
            for speakers in (-9.7e95, [{"description": "host"}], ["Ana"], [{"name": 7}])
        ),
        (
            {"translation": "es"},
            "speech_understanding.request.translation must be an object",
        ),
        (
            {"translation": {"target_languages": ["es"], "formal": "yes"}},
            "translation.formal must be a boolean",
        ),
        (
            {"custom_formatting": {"date": 12}},
            "custom_formatting.date must be a string",
        ),
        (
            {"action_items": []},
            "speech_understanding.request.action_items must be an object",
        ),
    ],
)
def test_malformed_task_options_are_400(
    emu, gateway, request_: dict[str, Any], error: str
) -> None:
    response = understand(gateway, request_)
    assert response.status_code == 400
    assert error in response.json()["metadata"]["errors"]


def test_several_tasks_in_one_request(emu, gateway) -> None:
    request = {
        "translation": {"target_languages": ["es"]},
        "custom_formatting": {"date": "mm/dd/yyyy"},
    }
    body = understand(gateway, request).json()
    assert set(body["speech_understanding"]["response"]) == set(request)


def test_validate_answers_empty_200(emu, gateway) -> None:
    body = {
        "speech_understanding": {
            "request": {"custom_formatting": {"date": "mm/dd/yyyy"}}
        }
    }
    response = gateway.post("/understanding/validate", json=body)
    assert response.status_code == 200
    assert response.content == b""


def test_unknown_transcript_and_auth(emu, gateway) -> None:
    assert understand(gateway, {"custom_formatting": {}}, "missing").status_code == 404
    response = gateway.post("/understanding", json={}, headers={"Authorization": "bad"})
    assert response.status_code == 401


def test_faults_apply(emu, gateway) -> None:
    emu.add_fault(Fault(status=503, path="/v1/understanding"))
    assert understand(gateway, {"custom_formatting": {}}).status_code == 503
