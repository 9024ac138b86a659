"""Transcripts as documents: modes, metadata, ids, incomplete transcripts, concurrency."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest

from aai_gateway import transcript_ref
from aai_gateway._transcripts._documents import (
    build_documents,
    check_mode,
    reference_document,
)
from aai_gateway._transcripts._rest_types import Transcript, TranscriptSegment
from aai_gateway.errors import TranscriptNotFoundError, TranscriptNotReadyError
from aai_gateway.testing import MEETING_IDS
from aai_gateway.transcripts import TranscriptDocumentLoader

SEGMENTS = (
    TranscriptSegment("Hello there.", 0, 1500, 0.9, "A"),
    TranscriptSegment("Hi, Dana.", 61_000, 62_500, 0.8, "B"),
)
DONE = Transcript(
    id="t-1",
    status="completed",
    text="Hello there. Hi, Dana.",
    audio_url="https://x/a.mp3",
    language_code="en_us",
    confidence=0.85,
    utterances=SEGMENTS,
)


def test_reference_document_makes_no_request() -> None:
    document = reference_document("t-1")
    assert document.id == "t-1:reference:0"
    assert document.text == transcript_ref("t-1")
    assert document.metadata == {
        "transcript_id": "t-1",
        "mode": "reference",
        "index": 0,
        "source": "assemblyai:transcript/t-1",
    }


def test_text_mode() -> None:
    (document,) = build_documents(DONE, "text")
    assert document.text == DONE.text
    assert document.id == "t-1:text:0"
    assert document.metadata["language_code"] == "en_us"
    assert "start_ms" not in document.metadata


def test_utterances_mode_metadata_is_flat_and_cites_the_moment() -> None:
    documents = build_documents(DONE, "utterances")
    assert [d.id for d in documents] == ["t-1:utterances:0", "t-1:utterances:1"]
    second = documents[1].metadata
    assert second["speaker"] == "B"
    assert (second["start_ms"], second["end_ms"], second["timestamp"]) == (
        61_000,
        62_500,
        "01:01",
    )
    assert second["source"] == "https://x/a.mp3#t=61.00"
    assert all(
        isinstance(v, str | int | float) for d in documents for v in d.metadata.values()
    )


def test_segments_and_subtitles_modes() -> None:
    assert [d.text for d in build_documents(DONE, "sentences", SEGMENTS)] == [
        "Hello there.",
        "Hi, Dana.",
    ]
    (srt,) = build_documents(
        DONE, "srt", "1\n00:00:00,000 --> 00:00:01,500\nHello there.\n"
    )
    assert srt.text.startswith("1\n")


def test_utterances_need_speaker_labels() -> None:
    unlabeled = Transcript(id="t-2", status="completed", text="x", utterances=None)
    with pytest.raises(ValueError, match="speaker labels"):
        build_documents(unlabeled, "utterances")


def test_unknown_mode_names_the_modes() -> None:
    with pytest.raises(ValueError, match="reference, text, sentences"):
        check_mode("chunks")


def test_not_ready_error_names_id_and_status_and_pickles() -> None:
    error = TranscriptNotReadyError("t-3", "processing")
    assert "'t-3' is processing" in str(error)
    assert "skip_incomplete" in str(error)
    again = pickle.loads(pickle.dumps(error))
    assert (again.transcript_id, again.status, str(again)) == (
        "t-3",
        "processing",
        str(error),
    )


@pytest.mark.parametrize("bad", ["one-id", [""], ["a/b"], [3]])
def test_loader_checks_ids_before_any_request(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        TranscriptDocumentLoader(bad)


def test_loader_checks_concurrency() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        TranscriptDocumentLoader(["a"], max_concurrency=0)


# -- against the emulator over real sockets ---------------------------------------


def load(loader: TranscriptDocumentLoader, mode: str) -> list[Any]:
    if mode == "sync":
        return list(loader.iter_documents())

    async def collect() -> list[Any]:
        return [d async for d in loader.aiter_documents()]

    return asyncio.run(collect())


@pytest.fixture
def rest(emulator_server: Any, emulator: Any) -> dict[str, Any]:
    return {
        "api_key": "test-key",
        "transcript_base_url": emulator_server[1].rest_base_url,
    }


@pytest.mark.e2e
@pytest.mark.parametrize(
    "content", ["text", "sentences", "paragraphs", "utterances", "srt", "vtt"]
)
def test_every_mode_from_the_emulator(
    mode: str, content: str, rest: dict[str, Any]
) -> None:
    ids = [MEETING_IDS["support_call"], MEETING_IDS["incident_review"]]
    loader = TranscriptDocumentLoader(ids, mode=content, max_concurrency=2, **rest)  # type: ignore[arg-type]
    documents = load(loader, mode)
    loader.close()
    assert {d.metadata["transcript_id"] for d in documents} == set(ids)
    assert documents[0].metadata["transcript_id"] == ids[0]
    assert len({d.id for d in documents}) == len(documents)
    assert all(d.text for d in documents)


@pytest.mark.e2e
def test_reference_mode_sends_nothing(
    mode: str, rest: dict[str, Any], emulator: Any
) -> None:
    loader = TranscriptDocumentLoader([MEETING_IDS["support_call"]], **rest)
    assert [d.text for d in load(loader, mode)] == [
        transcript_ref(MEETING_IDS["support_call"])
    ]
    assert emulator.requests == []


@pytest.mark.e2e
def test_listing_incomplete_and_unknown(mode: str, rest: dict[str, Any]) -> None:
    listed = TranscriptDocumentLoader(
        mode="text",
        skip_incomplete=True,
        list_filters={"limit": 2},
        max_transcripts=5,
        **rest,
    )
    documents = load(listed, mode)
    assert 0 < len(documents) <= 5
    strict = TranscriptDocumentLoader(
        [MEETING_IDS["still_processing"]], mode="text", **rest
    )
    with pytest.raises(TranscriptNotReadyError, match="processing"):
        load(strict, mode)
    unknown = TranscriptDocumentLoader(["no-such-transcript"], mode="text", **rest)
    with pytest.raises(TranscriptNotFoundError, match="no-such-transcript"):
        load(unknown, mode)
    for loader in (listed, strict, unknown):
        loader.close()


@pytest.mark.e2e
def test_progress_bar(rest: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    loader = TranscriptDocumentLoader(
        [MEETING_IDS["support_call"]], mode="text", show_progress=True, **rest
    )
    assert len(list(loader.iter_documents())) == 1
    loader.close()
    assert "Loading transcripts" in capsys.readouterr().err


def test_loader_options_are_checked_by_name() -> None:
    from aai_gateway._transcripts._loader import build_loader

    with pytest.raises(TypeError, match="colour"):
        build_loader(["a"], {"colour": "blue"})  # type: ignore[typeddict-unknown-key]
    loader = build_loader(["a"], {"region": "eu", "mode": "text", "limit": 5})
    assert loader.transcript_base_url == "https://api.eu.assemblyai.com"
    assert loader.list_filters == {"limit": 5}


# -- the loader options: `base_url` is the gateway, `transcript_base_url` the REST root


US_GATEWAY = "https://llm-gateway.assemblyai.com/v1"


def _hosts(loader: TranscriptDocumentLoader) -> tuple[str, str, str]:
    """The gateway URL of the sync and the async client, and the REST root."""
    return (loader._sync.base_url, loader._async.base_url, loader.transcript_base_url)


@pytest.mark.e2e
def test_loader_options_send_each_host_its_requests(
    mode: str, emulator_server: Any, emulator: Any
) -> None:
    from aai_gateway._transcripts._loader import build_loader

    server = emulator_server[1]
    options: Any = {
        "mode": "utterances",
        "api_key": "test-key",
        "base_url": server.base_url,
        "transcript_base_url": server.rest_base_url,
        "identify_speakers": {"known_values": ["Jordan", "Maria"]},
    }
    loader = build_loader([MEETING_IDS["support_call"]], options)
    documents = load(loader, mode)
    loader.close()
    assert documents[0].text.startswith("Jordan: ")
    paths = [r.path for r in emulator.requests]
    assert paths[0] == f"/v2/transcript/{MEETING_IDS['support_call']}"
    assert "/v1/understanding" in paths


def test_the_new_url_names_give_no_warning(recwarn: pytest.WarningsRecorder) -> None:
    from aai_gateway._transcripts._loader import build_loader

    options: Any = {
        "base_url": "https://gw.test/v1/",
        "transcript_base_url": "https://r",
    }
    loader = build_loader(["a"], options)
    assert _hosts(loader) == ("https://gw.test/v1", "https://gw.test/v1", "https://r")
    assert not [w for w in recwarn if w.category is DeprecationWarning]


def test_the_old_gateway_url_name_warns_at_the_caller() -> None:
    from aai_gateway._transcripts._loader import build_loader

    with pytest.warns(DeprecationWarning, match="takes `base_url` now") as caught:
        loader = build_loader(["a"], {"gateway_base_url": "https://gw.test/v1"})
    assert caught[0].filename == __file__
    assert _hosts(loader)[:2] == ("https://gw.test/v1", "https://gw.test/v1")


def test_a_rest_root_as_base_url_warns_and_is_read_as_before() -> None:
    from aai_gateway._transcripts._loader import build_loader

    with pytest.warns(DeprecationWarning, match="read as the transcript REST root"):
        loader = build_loader(["a"], {"base_url": "https://rest.test"})
    assert _hosts(loader) == (US_GATEWAY, US_GATEWAY, "https://rest.test")


def test_both_old_url_names_together_mean_what_they_meant() -> None:
    from aai_gateway._transcripts._loader import TranscriptSource

    class Source(TranscriptSource):
        pass

    with pytest.warns(DeprecationWarning, match="base_url") as caught:
        source = Source(
            ["a"], base_url="https://rest.test", gateway_base_url="https://gw.test/v1"
        )
    assert [w.filename for w in caught] == [__file__, __file__]
    assert "`Source(base_url=...)` is the gateway URL now" in str(caught[0].message)
    assert "`Source` takes `base_url` now" in str(caught[1].message)
    assert _hosts(source._core) == (
        "https://gw.test/v1",
        "https://gw.test/v1",
        "https://rest.test",
    )


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (
            {"gateway_base_url": "https://a.test/v1", "base_url": "https://b.test/v1"},
            "both `gateway_base_url` and `base_url`; pass only `base_url`",
        ),
        (
            {"base_url": "https://rest.test", "transcript_base_url": "https://r.test"},
            "a `base_url` without `/v1`, which 0.2 still reads as the REST root",
        ),
    ],
    ids=["gateway", "rest"],
)
def test_one_url_under_an_old_and_a_new_name_is_refused(
    options: Any, match: str
) -> None:
    from aai_gateway._transcripts._loader import build_loader

    with pytest.raises(TypeError, match=match):
        build_loader(["a"], options)
