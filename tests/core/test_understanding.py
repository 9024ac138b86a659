"""Speech Understanding requests and results (wire notes section 9)."""

from __future__ import annotations

from typing import Any

import pytest

from aai_gateway._transcripts._understanding import (
    CustomFormatting,
    SpeakerIdentification,
    Translation,
    build_understanding_request,
    parse_understanding,
)
from aai_gateway.errors import APIResponseValidationError


def test_every_task_together_typed_or_plain() -> None:
    typed = build_understanding_request(
        "t-1",
        speaker_identification=SpeakerIdentification(
            "role", known_values=["interviewer", "candidate"]
        ),
        translation=Translation(["es", "de"], formal=True),
        custom_formatting=CustomFormatting(date="mm/dd/yyyy"),
    )
    plain = build_understanding_request(
        "t-1",
        speaker_identification={
            "speaker_type": "role",
            "known_values": ["interviewer", "candidate"],
        },
        translation={"target_languages": ["es", "de"], "formal": True},
        custom_formatting={"date": "mm/dd/yyyy"},
    )
    assert (
        typed
        == plain
        == {
            "transcript_id": "t-1",
            "speech_understanding": {
                "request": {
                    "speaker_identification": {
                        "speaker_type": "role",
                        "known_values": ["interviewer", "candidate"],
                    },
                    "translation": {"target_languages": ["es", "de"], "formal": True},
                    "custom_formatting": {"date": "mm/dd/yyyy"},
                }
            },
        }
    )


def test_described_speakers() -> None:
    body = build_understanding_request(
        None,
        speaker_identification={
            "speakers": [{"name": "Dana", "description": "the host"}]
        },
    )
    assert "transcript_id" not in body
    assert body["speech_understanding"]["request"]["speaker_identification"][
        "speakers"
    ] == [{"name": "Dana", "description": "the host"}]


@pytest.mark.parametrize(
    ("tasks", "match"),
    [
        ({}, "at least one task"),
        ({"speaker_identification": {"known_values": []}}, "non-empty"),
        ({"speaker_identification": {"known_values": ["x" * 36]}}, "35 characters"),
        ({"speaker_identification": {"speaker_type": "role"}}, "exactly one"),
        (
            {
                "speaker_identification": {
                    "known_values": ["a"],
                    "speakers": [{"name": "a"}],
                }
            },
            "exactly one",
        ),
        (
            {
                "speaker_identification": {
                    "speaker_type": "role",
                    "speakers": [{"name": "Dana"}],
                }
            },
            "`role`",
        ),
        (
            {"speaker_identification": {"speaker_type": "boss", "known_values": ["a"]}},
            "speaker_type",
        ),
        ({"speaker_identification": {"names": ["a"]}}, "unknown key"),
        ({"translation": {"target_languages": []}}, "target_languages"),
        ({"translation": {"target_languages": "es"}}, "target_languages"),
    ],
)
def test_refused_before_sending(tasks: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build_understanding_request("t", **tasks)


def test_task_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="speaker_identification"):
        build_understanding_request("t", speaker_identification=["Dana"])  # type: ignore[arg-type]


RESULT = {
    "speech_understanding": {
        "request": {},
        "response": {
            "speaker_identification": {
                "status": "success",
                "mapping": {"A": "Dana", "B": "Sam"},
            },
            "translation": {"status": "completed"},
            "custom_formatting": {
                "status": "success",
                "mapping": {"march third": "03/03"},
                "formatted_text": "On 03/03 ...",
            },
        },
    },
    "translated_texts": {"es": "Hola"},
    "utterances": [
        {
            "speaker": "Dana",
            "text": "Hi",
            "start": 10,
            "end": 900,
            "translated_texts": {"es": "Hola"},
        }
    ],
    "request_id": "r-1",
}


def test_result_parsed_once() -> None:
    result = parse_understanding(RESULT)
    assert result.statuses == {
        "speaker_identification": "success",
        "translation": "completed",
        "custom_formatting": "success",
    }
    assert result.speaker_mapping == {"A": "Dana", "B": "Sam"}
    assert result.translated_texts == {"es": "Hola"}
    assert result.utterances[0].translated_texts == {"es": "Hola"}
    assert (result.utterances[0].start_ms, result.utterances[0].end_ms) == (10, 900)
    assert result.formatted_text == "On 03/03 ..."
    assert result.formatting_mapping == {"march third": "03/03"}
    assert result.request_id == "r-1"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (
            {
                "speech_understanding": {
                    "response": {"translation": {"status": "failed"}}
                },
                "request_id": "r-2",
            },
            "'translation' ended with status 'failed'",
        ),
        ({"request_id": "r-3"}, "no `speech_understanding.response`"),
    ],
)
def test_failed_tasks_and_empty_answers(body: dict[str, Any], match: str) -> None:
    with pytest.raises(APIResponseValidationError, match=match) as info:
        parse_understanding(body)
    assert info.value.request_id == body["request_id"]
