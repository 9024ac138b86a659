"""Speech Understanding through the core clients and the document loader, over sockets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from aai_gateway import AsyncGatewayClient, GatewayClient
from aai_gateway._transcripts._loader import build_loader
from aai_gateway.errors import BadRequestError, TranscriptNotFoundError
from aai_gateway.testing import MEETING_IDS, Fault
from aai_gateway.transcripts import SpeakerIdentification, Translation

pytestmark = pytest.mark.e2e

SUPPORT = MEETING_IDS["support_call"]


def call(mode: str, server: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    options = {"api_key": "test-key", "base_url": server.base_url, "max_retries": 1}
    if mode == "sync":
        with GatewayClient(**options) as client:
            return getattr(client, name)(*args, **kwargs)

    async def run() -> Any:
        async with AsyncGatewayClient(**options) as client:
            return await getattr(client, "a" + name)(*args, **kwargs)

    return asyncio.run(run())


def test_each_task_and_all_together(
    mode: str, emulator_server: Any, emulator: Any
) -> None:
    server = emulator_server[1]
    speakers = call(
        mode,
        server,
        "understand",
        SUPPORT,
        speaker_identification=SpeakerIdentification(known_values=["Jordan", "Maria"]),
    )
    assert speakers.speaker_mapping == {"A": "Jordan", "B": "Maria"}
    translated = call(
        mode,
        server,
        "understand",
        SUPPORT,
        translation=Translation(["es"], match_original_utterance=True),
    )
    assert translated.translated_texts["es"].startswith("[es] ")
    assert translated.utterances[0].translated_texts["es"].startswith("[es] ")
    everything = call(
        mode,
        server,
        "understand",
        SUPPORT,
        speaker_identification={
            "speaker_type": "role",
            "known_values": ["agent", "customer"],
        },
        translation={"target_languages": ["de"]},
        custom_formatting={"date": "mm/dd/yyyy"},
    )
    assert set(everything.statuses) == {
        "speaker_identification",
        "translation",
        "custom_formatting",
    }
    assert everything.speaker_mapping == {"A": "agent", "B": "customer"}
    assert everything.formatted_text
    assert everything.request_id
    sent = [r for r in emulator.requests if r.path == "/v1/understanding"]
    assert sent[-1].json["transcript_id"] == SUPPORT
    assert sent[-1].headers["authorization"] == "test-key"


def test_validation(mode: str, emulator_server: Any, emulator: Any) -> None:
    server = emulator_server[1]
    assert (
        call(
            mode,
            server,
            "validate_understanding",
            translation={"target_languages": ["es"]},
        )
        is None
    )
    with pytest.raises(ValueError, match="35 characters"):
        call(
            mode,
            server,
            "understand",
            SUPPORT,
            speaker_identification={"known_values": ["x" * 40]},
        )
    assert emulator.requests[-1].path == "/v1/understanding/validate"
    with pytest.raises(TranscriptNotFoundError, match="no-such-meeting"):
        call(
            mode,
            server,
            "understand",
            "no-such-meeting",
            translation={"target_languages": ["es"]},
        )


def test_rate_limit_goes_through_the_retry_policy(
    mode: str, emulator_server: Any, emulator: Any
) -> None:
    emulator.add_fault(
        Fault(status=429, headers={"retry-after-ms": "10"}, path="/v1/understanding")
    )
    result = call(
        mode,
        emulator_server[1],
        "understand",
        SUPPORT,
        translation={"target_languages": ["es"]},
    )
    assert result.translated_texts
    assert len([r for r in emulator.requests if r.path == "/v1/understanding"]) == 2


def test_service_refusal_lists_the_reasons(
    mode: str, emulator_server: Any, emulator: Any
) -> None:
    emulator.add_fault(
        Fault(
            status=400,
            body={
                "code": 400,
                "message": "invalid request body",
                "request_id": "r-u",
                "metadata": {"errors": ["known_values too long"]},
            },
            path="/v1/understanding",
        )
    )
    with pytest.raises(BadRequestError, match="known_values too long"):
        call(
            mode,
            emulator_server[1],
            "understand",
            SUPPORT,
            translation={"target_languages": ["es"]},
        )


def test_loader_names_speakers_and_translates(
    mode: str, emulator_server: Any, emulator: Any
) -> None:
    server = emulator_server[1]
    options: Any = {
        "mode": "utterances",
        "api_key": "test-key",
        "transcript_base_url": server.rest_base_url,
        "base_url": server.base_url,
        "identify_speakers": {"known_values": ["Jordan", "Maria"]},
        "translate_to": ["es"],
    }
    loader = build_loader([SUPPORT], options)
    if mode == "sync":
        documents = list(loader.iter_documents())
    else:

        async def collect() -> list[Any]:
            try:
                return [d async for d in loader.aiter_documents()]
            finally:
                await loader.aclose()

        documents = asyncio.run(collect())
    loader.close()
    originals = [d for d in documents if "language" not in d.metadata]
    spanish = [d for d in documents if d.metadata.get("language") == "es"]
    assert len(originals) == len(spanish) > 10
    assert originals[0].text.startswith("Jordan: ")
    assert (
        originals[0].metadata["speaker"],
        originals[0].metadata["speaker_name"],
    ) == ("A", "Jordan")
    assert spanish[0].id == f"{SUPPORT}:utterances:es:0"
    assert spanish[0].text.startswith("Jordan: [es] ")
    assert len([r for r in emulator.requests if r.path == "/v1/understanding"]) == 1
